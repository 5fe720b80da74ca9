/**
 * What the server's portal reads, over real HTTP on both server stores: a requester sees their own
 * tickets only (never another requester's, never one that moved to a site they do not hold), the
 * public comments only (never internal notes), and when the team aims to respond or resolve, worked
 * out by the server from the ticket's status history and the synced SLA policy on its business
 * hours, the same figure the technician's console shows, paused while the ticket waits on the
 * requester and moved on when it resumes. None of it reads the change log.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, serverPost, serverLogin, startDevice, startTestServer, type Device, type TestServer } from '../../../testing/sync-harness';
import { syncClientFor } from '../../../main/sync/registry';
import { createScratchDatabase, type ScratchDatabase } from '../../../server/testing/pg-database';
import type { PortalAim, PortalTicket, PortalTicketDetail } from '../../../shared/api/portal';

const PG = process.env.OUTPOST_TEST_PG_URL;

/** Whether a portal call is being answered (the technician's syncs between calls read the log, as devices do). */
let inPortalCall = false;

async function portal<T>(server: TestServer, name: string, input: unknown, token: string): Promise<{ status: number; value: T | null; message: string | null }> {
  inPortalCall = true;
  const res = await fetch(`${server.url}/portal/api/${name}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify(input),
  });
  const body = (await res.json()) as { ok: boolean; value?: T; error?: { message: string } };
  inPortalCall = false;
  return { status: res.status, value: body.ok ? body.value! : null, message: body.error?.message ?? null };
}

async function ok<T>(server: TestServer, name: string, input: unknown, token: string): Promise<T> {
  const r = await portal<T>(server, name, input, token);
  if (r.status !== 200) throw new Error(`${name}: ${r.status} ${r.message}`);
  return r.value!;
}

async function signInPortal(server: TestServer, username: string): Promise<string> {
  const res = await fetch(`${server.url}/portal/api/portal.signIn`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password: 'password123' }),
  });
  return ((await res.json()) as { value: { accessToken: string } }).value.accessToken;
}

for (const variant of ['sqlite', 'postgres'] as const) {
  describe.skipIf(variant === 'postgres' && !PG)(`the server portal's own reads (${variant} store)`, () => {
    let scratch: ScratchDatabase | null = null;
    let server: TestServer;
    let tech: Device;
    let hq: string;
    let depot: string;
    let rita: string;
    let ravi: string;
    /** Reads of the store's change log made while the portal answered a call. */
    let logReads = 0;

    beforeAll(async () => {
      if (variant === 'postgres') scratch = await createScratchDatabase(PG!, 'portal_reads');
      server = await startTestServer({ pgUrl: scratch?.url });
      const pull = server.store.pull.bind(server.store);
      server.store.pull = (...args) => {
        if (inPortalCall) logReads++;
        return pull(...args);
      };
      tech = await startDevice({ site: 'HQ' });
      await tech.call('sync.join', { serverUrl: server.url, ...ADMIN });
      // The technician syncs when the test says so (sync.now), not on the server's pokes: every read
      // of the change log while a portal call is answered is then the portal's own.
      syncClientFor(tech.rt).stop();
      hq = (await tech.call('sites.list')).items.find((s) => s.name === 'HQ')!.id;
      depot = (await tech.call('sites.create', { name: 'Depot' })).id;
      // Monday to Friday, 09:00–17:00 London time: the aim lands in business hours.
      const cal = await tech.call('sla.saveCalendar', { name: 'London office', timezone: 'Europe/London', hours: [1, 2, 3, 4, 5].map((d) => [d, 540, 1020]), holidays: [] });
      await tech.call('sla.savePolicy', {
        name: 'Office hours',
        calendarId: cal.id,
        targets: Object.fromEntries(['1', '2', '3', '4'].map((p) => [p, { response: 120, resolution: 960 }])),
      });
      await tech.call('sync.now');
      const admin = await serverLogin(server);
      for (const username of ['rita', 'ravi']) {
        expect((await serverPost(server, '/auth/users', { username, password: 'password123', role: 'requester', sites: [hq] }, admin)).status).toBe(200);
      }
      rita = await signInPortal(server, 'rita');
      ravi = await signInPortal(server, 'ravi');
    });
    afterAll(async () => {
      tech?.close();
      await server?.close();
      await scratch?.drop();
    });

    /** The technician console's own figure for a clock of the ticket. */
    async function consoleDue(id: string, clock: 'response' | 'resolution'): Promise<string | null> {
      return (await tech.call('sla.ticket', { id })).clocks.find((c) => c.clock === clock)?.dueAt ?? null;
    }

    it('shows a requester their own tickets with public comments only, and the aim the console computes', async () => {
      const before = logReads;
      const mine = await ok<{ id: string; number: string }>(server, 'portal.submit', { itemId: null, title: 'Laptop will not charge', description: 'Since this morning.' }, rita);
      const other = await ok<{ id: string }>(server, 'portal.submit', { itemId: null, title: 'Printer offline', description: 'Floor 2.' }, ravi);
      await tech.call('sync.now');

      // Nobody has answered yet: the response clock runs on business hours.
      const listed = await ok<{ items: PortalTicket[] }>(server, 'portal.myTickets', {}, rita);
      expect(listed.items.map((t) => t.id)).toEqual([mine.id]);
      const due = await consoleDue(mine.id, 'response');
      expect(due).not.toBeNull();
      expect(listed.items[0]!.aim).toEqual({ clock: 'response', dueAt: due, paused: false, overdue: false } satisfies PortalAim);
      // On the London calendar: a weekday, between 09:00 and 17:00 there.
      const london = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/London', weekday: 'short', hour: '2-digit', minute: '2-digit', hour12: false }).formatToParts(new Date(due!));
      const part = (t: string) => london.find((p) => p.type === t)!.value;
      expect(['Mon', 'Tue', 'Wed', 'Thu', 'Fri']).toContain(part('weekday'));
      const minutes = Number(part('hour')) * 60 + Number(part('minute'));
      expect(minutes).toBeGreaterThanOrEqual(540);
      expect(minutes).toBeLessThanOrEqual(1020);

      // The technician answers publicly, notes something internal, and starts work: the response is made.
      await tech.call('tickets.comment', { id: mine.id, body: 'We will look at the charger today.' });
      await tech.call('tickets.comment', { id: mine.id, body: 'INTERNAL: battery recall list, check serial', internal: true });
      await tech.call('tickets.transition', { id: mine.id, to: 'in_progress' });
      await tech.call('sync.now');
      const working = await ok<PortalTicketDetail>(server, 'portal.ticket', { id: mine.id }, rita);
      expect(working.timeline.filter((e) => e.kind === 'comment').map((e) => (e.kind === 'comment' ? e.body : ''))).toEqual(['We will look at the charger today.']);
      expect(JSON.stringify(working)).not.toContain('INTERNAL');
      expect(working.timeline.filter((e) => e.kind === 'status').map((e) => (e.kind === 'status' ? e.to : ''))).toEqual(['new', 'in_progress']);
      const resolveBy = await consoleDue(mine.id, 'resolution');
      expect(working.aim).toEqual({ clock: 'resolution', dueAt: resolveBy, paused: false, overdue: false });

      // Waiting on the requester: the clock pauses, and the portal says so.
      await tech.call('tickets.transition', { id: mine.id, to: 'pending', reason: 'customer' });
      await tech.call('sync.now');
      expect((await ok<PortalTicketDetail>(server, 'portal.ticket', { id: mine.id }, rita)).aim).toEqual({ clock: 'resolution', dueAt: null, paused: true, overdue: false });
      expect((await ok<{ items: PortalTicket[] }>(server, 'portal.myTickets', {}, rita)).items[0]!.aim).toEqual({ clock: 'resolution', dueAt: null, paused: true, overdue: false });

      // The requester answers and work resumes: the aim comes back, as the console has it.
      await ok(server, 'portal.comment', { id: mine.id, body: 'It is the grey charger.' }, rita);
      await tech.call('sync.now');
      await tech.call('tickets.transition', { id: mine.id, to: 'in_progress' });
      await tech.call('sync.now');
      const resumed = await ok<PortalTicketDetail>(server, 'portal.ticket', { id: mine.id }, rita);
      const resumedBy = await consoleDue(mine.id, 'resolution');
      expect(resumed.aim).toEqual({ clock: 'resolution', dueAt: resumedBy, paused: false, overdue: false });
      expect(Date.parse(resumedBy!)).toBeGreaterThanOrEqual(Date.parse(resolveBy!));

      // Another requester's ticket reads as none, whoever asks for it.
      expect((await portal(server, 'portal.ticket', { id: other.id }, rita)).status).toBe(404);
      expect((await ok<{ items: PortalTicket[] }>(server, 'portal.myTickets', {}, ravi)).items.map((t) => t.id)).toEqual([other.id]);
      // Not one of these calls read the change log.
      expect(logReads - before).toBe(0);
      expect(logReads).toBe(0);
    });

    it('a ticket moved to a site the requester does not hold leaves their portal', async () => {
      const moved = await ok<{ id: string }>(server, 'portal.submit', { itemId: null, title: 'Badge reader broken', description: 'At the depot door.' }, rita);
      expect((await ok<{ items: PortalTicket[] }>(server, 'portal.myTickets', {}, rita)).items.map((t) => t.id)).toContain(moved.id);
      await tech.call('sync.now');
      await tech.call('tickets.update', { id: moved.id, fields: { siteId: depot } });
      await tech.call('sync.now');
      expect((await ok<{ items: PortalTicket[] }>(server, 'portal.myTickets', {}, rita)).items.map((t) => t.id)).not.toContain(moved.id);
      expect((await portal(server, 'portal.ticket', { id: moved.id }, rita)).status).toBe(404);
      expect((await portal(server, 'portal.comment', { id: moved.id, body: 'Any news?' }, rita)).status).toBe(404);
    });
  });
}
