/**
 * Requesters' tickets routed by the first staff device that sees them, over a real server. A
 * requester cannot read the routing rules, so a ticket raised in the server's portal (in a browser)
 * or in the app's portal arrives unassigned; a technician's device runs the rules on it. Two staff
 * devices that both route the same ticket while apart leave one routing in its history (one "Routed
 * by rule" line and one line per field), the same fields on both, and nothing to settle. Runs on the
 * embedded store, and on PostgreSQL when OUTPOST_TEST_PG_URL is set.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, serverLogin, serverPost, startDevice, startTestServer, type Device, type TestServer } from '../../testing/sync-harness';
import { recordKey } from '../../server/store/types';
import { routingLineId } from '../services/tickets/tickets';
import type { TimelineEntry } from '../../shared/api/tickets';

const PG = process.env.OUTPOST_TEST_PG_URL;

async function portal<T>(server: TestServer, name: string, input: unknown, token?: string): Promise<T> {
  const res = await fetch(`${server.url}/portal/api/${name}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(input),
  });
  const body = (await res.json()) as { ok: boolean; value?: T; error?: { message: string } };
  if (!body.ok) throw new Error(`${name} ${res.status}: ${body.error?.message}`);
  return body.value as T;
}

/** The ticket's history lines a routing writes: which rule, and each field it set (with the status move an assignee brings). */
function routingLines(timeline: TimelineEntry[]) {
  return timeline
    .flatMap((e) =>
      e.kind === 'field' && ['routing', 'groupId', 'assigneeId', 'priority'].includes(e.field)
        ? [`${e.field}: ${e.from ?? '—'} → ${e.to}`]
        : e.kind === 'status' && e.to === 'assigned'
          ? [`status: ${e.from} → ${e.to}`]
          : [],
    )
    .sort();
}

for (const variant of ['sqlite', 'postgres'] as const) {
  describe.skipIf(variant === 'postgres' && !PG)(`requesters' tickets routed by staff devices (${variant} store)`, () => {
    let server: TestServer;
    let a: Device;
    let b: Device;
    let requesterDevice: Device;
    let me: string;
    let groupId: string;
    beforeAll(async () => {
      server = await startTestServer({ pgUrl: variant === 'postgres' ? PG : undefined });
      a = await startDevice({ site: 'HQ' });
      b = await startDevice({ site: 'HQ' });
      requesterDevice = await startDevice({ setUp: false });
      await a.call('sync.join', { serverUrl: server.url, ...ADMIN });
      await b.call('sync.join', { serverUrl: server.url, ...ADMIN });
      me = (await a.call('session.me')).id;
      const hq = (await a.call('sites.list')).items.find((s) => s.name === 'HQ')!.id;
      groupId = (await a.call('groups.create', { name: 'Print desk' })).id;
      await a.call('routing.save', {
        name: 'Printers',
        position: 1,
        conditions: { words: ['printer', 'toner'] },
        actions: { groupId, assigneeId: me, priority: 2, tags: ['printing'] },
      });
      const admin = await serverLogin(server);
      for (const username of ['rita', 'ravi']) {
        expect((await serverPost(server, '/auth/users', { username, password: 'password123', role: 'requester', sites: [hq] }, admin)).status).toBe(200);
      }
      for (const d of [a, b, a]) expect((await d.call('sync.now')).rejected).toBe(0);
    });
    afterAll(async () => {
      for (const d of [a, b, requesterDevice]) d?.close();
      await server?.close();
    });

    async function syncAll() {
      for (const d of [a, b, a]) expect((await d.call('sync.now')).rejected).toBe(0);
    }

    it('a ticket raised in the server portal is routed once though two devices route it while apart', async () => {
      const rita = (await portal<{ accessToken: string }>(server, 'portal.signIn', { username: 'rita', password: 'password123' })).accessToken;
      const raised = await portal<{ id: string; number: string }>(server, 'portal.submit', { itemId: null, title: 'Printer on floor 2 is out of toner', description: 'Pages come out blank.' }, rita);
      const quiet = await portal<{ id: string }>(server, 'portal.submit', { itemId: null, title: 'New chair', description: 'Mine is broken.' }, rita);
      await syncAll();
      for (const d of [a, b]) expect(await d.call('tickets.get', { id: raised.id })).toMatchObject({ groupId: null, assigneeId: null, status: 'new', contactChannel: 'portal' });

      // Apart: both devices see the unrouted ticket and route it.
      const ra = await a.call('routing.routeRaised');
      const rb = await b.call('routing.routeRaised');
      expect(ra.routed).toEqual([{ ticketId: raised.id, number: raised.number, rule: 'Printers' }]);
      expect(rb.routed).toEqual([{ ticketId: raised.id, number: raised.number, rule: 'Printers' }]);
      // A ticket no rule matches stays for the team to route by hand.
      expect(ra.checked).toBe(2);
      await syncAll();

      const line = await server.store.withSyncTx((tx) => tx.loadRecords([{ entity: 'ticket_history', id: routingLineId(raised.id) }]));
      expect(line.get(recordKey('ticket_history', routingLineId(raised.id)))).toBeTruthy();
      for (const d of [a, b]) {
        const t = await d.call('tickets.get', { id: raised.id });
        expect(t).toMatchObject({ groupId, assigneeId: me, priority: 2, status: 'assigned', tags: ['printing'] });
        expect(routingLines(t.timeline)).toEqual([
          'assigneeId: — → Tech',
          'groupId: — → Print desk',
          'priority: 4 → 2',
          'routing: — → Routed by rule “Printers”',
          'status: new → assigned',
        ]);
        expect(await d.call('tickets.get', { id: quiet.id })).toMatchObject({ groupId: null, assigneeId: null, status: 'new' });
        // Nothing is left to route, on either device.
        expect((await d.call('routing.routeRaised')).routed).toEqual([]);
      }
      expect((await a.call('conflicts.list', {})).items.filter((c) => c.recordId === raised.id)).toEqual([]);
      // The requester follows it in the portal: taken by the desk, and no internal line shows.
      const followed = await portal<{ status: string }>(server, 'portal.ticket', { id: raised.id }, rita);
      expect(followed.status).toBe('assigned');
    });

    it('a ticket raised in the app by a requester is routed by the first staff device that pulls it', async () => {
      const hq = (await a.call('sites.list')).items.find((s) => s.name === 'HQ')!.id;
      await a.call('users.create', { username: 'ravi', displayName: 'Ravi Requester', role: 'requester', password: 'local-only-pass', siteIds: [hq] });
      expect((await a.call('sync.now')).rejected).toBe(0);
      const session = await requesterDevice.call('setup.join', { serverUrl: server.url, username: 'ravi', password: 'password123' });
      requesterDevice.token = session.token;
      const raised = await requesterDevice.call('portal.submit', { itemId: null, title: 'The printer by reception jams', description: 'Every second page.' });
      expect((await requesterDevice.call('sync.now')).rejected).toBe(0);

      // a pulls it and routes it; b, syncing afterwards, receives it routed and has nothing to do.
      expect((await a.call('sync.now')).rejected).toBe(0);
      expect((await a.call('routing.routeRaised')).routed.map((r) => r.ticketId)).toEqual([raised.id]);
      expect((await a.call('sync.now')).rejected).toBe(0);
      expect((await b.call('sync.now')).rejected).toBe(0);
      expect((await b.call('routing.routeRaised')).routed).toEqual([]);
      const t = await b.call('tickets.get', { id: raised.id });
      expect(t).toMatchObject({ groupId, assigneeId: me, priority: 2, status: 'assigned' });
      expect(routingLines(t.timeline)).toHaveLength(5);

      // The requester's own device sees it taken, and never the internal lines.
      expect((await requesterDevice.call('sync.now')).rejected).toBe(0);
      const mine = await requesterDevice.call('portal.ticket', { id: raised.id });
      expect(mine.status).toBe('assigned');
    });
  });
}
