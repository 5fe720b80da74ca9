/**
 * Moving a ticket between sites moves its comments, worklogs and history with it, over real HTTP:
 * device A (both sites) writes on a ticket in HQ and moves it to the depot; device B (depot only)
 * receives the ticket with all its children; device C (HQ only), which commented offline before
 * hearing of the move, drops the ticket and every child, its own comment included, which the
 * server stored in the depot. Runs on the embedded store, and on PostgreSQL when
 * OUTPOST_TEST_PG_URL is set.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, serverLogin, serverPost, startDevice, startTestServer, type Device, type TestServer } from '../../testing/sync-harness';

const PG = process.env.OUTPOST_TEST_PG_URL;
const CHILD_TABLES = ['ticket_comments', 'ticket_worklogs', 'ticket_history'] as const;

/** Child rows of a ticket on a device, per site. */
function childSites(d: Device, ticketId: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const t of CHILD_TABLES) {
    for (const r of d.rt.store.sqlite.prepare(`SELECT scope_id AS s, count(*) AS n FROM ${t} WHERE ticket_id = ? GROUP BY scope_id`).all(ticketId) as { s: string; n: number }[]) {
      out[r.s] = (out[r.s] ?? 0) + r.n;
    }
  }
  return out;
}

for (const variant of ['sqlite', 'postgres'] as const) {
  describe.skipIf(variant === 'postgres' && !PG)(`a ticket's children follow it to another site (${variant} store)`, () => {
    let server: TestServer;
    let a: Device;
    let b: Device;
    let c: Device;

    beforeAll(async () => {
      server = await startTestServer({ pgUrl: variant === 'postgres' ? PG : undefined });
      a = await startDevice({ site: 'HQ' });
      b = await startDevice({ site: 'B' });
      c = await startDevice({ site: 'C' });
    });
    afterAll(async () => {
      a?.close();
      b?.close();
      c?.close();
      await server?.close();
    });

    it('the new site receives comments, worklogs and history; the old site drops them all', async () => {
      await a.call('sync.join', { serverUrl: server.url, ...ADMIN });
      const hq = (await a.call('sites.list')).items.find((s) => s.name === 'HQ')!;
      const depot = await a.call('sites.create', { name: 'Depot' });
      const t = await a.call('tickets.create', { type: 'incident', title: 'Label printer jams', siteId: hq.id });
      await a.call('tickets.comment', { id: t.id, body: 'Cleaned the rollers' });
      await a.call('tickets.worklog', { id: t.id, minutes: 25, note: 'On site' });
      await a.call('tickets.update', { id: t.id, fields: { title: 'Label printer jams daily' } });
      const other = await a.call('tickets.create', { type: 'request', title: 'Stays at HQ', siteId: hq.id });
      await a.call('tickets.comment', { id: other.id, body: 'Not moving' });
      await a.call('sync.now');

      const admin = await serverLogin(server);
      expect((await serverPost(server, '/auth/users', { username: 'bea', password: 'password123', role: 'technician', sites: [depot.id] }, admin)).status).toBe(200);
      expect((await serverPost(server, '/auth/users', { username: 'cal', password: 'password123', role: 'technician', sites: [hq.id] }, admin)).status).toBe(200);
      await b.call('sync.join', { serverUrl: server.url, username: 'bea', password: 'password123' });
      await c.call('sync.join', { serverUrl: server.url, username: 'cal', password: 'password123' });
      await b.call('sync.now');
      await c.call('sync.now');
      await expect(b.call('tickets.get', { id: t.id })).rejects.toThrow(/No such ticket/);
      const beforeMove = childSites(c, t.id);
      expect(beforeMove[hq.id]).toBeGreaterThanOrEqual(3);

      // C comments without having heard of the move yet: its op names HQ.
      await c.call('tickets.comment', { id: t.id, body: 'Written at HQ before the move arrived' });

      // A moves the ticket; its own copies of the children follow at once, with no extra ops.
      const pendingBefore = (await a.call('sync.status')).pending;
      await a.call('tickets.update', { id: t.id, fields: { siteId: depot.id } });
      expect(childSites(a, t.id)).toEqual({ [depot.id]: expect.any(Number) });
      // The move itself: one setFields plus one history row for the site change.
      expect((await a.call('sync.status')).pending - pendingBefore).toBe(2);
      await a.call('sync.now');

      // C pushes its comment (stored in the depot, where the ticket is), then drops the ticket and
      // every child it held, its own comment included; the ticket that stayed is untouched.
      await c.call('sync.now');
      expect((await c.call('sync.status')).pending).toBe(0);
      await expect(c.call('tickets.get', { id: t.id })).rejects.toThrow(/No such ticket/);
      expect(childSites(c, t.id)).toEqual({});
      expect((await c.call('tickets.get', { id: other.id })).timeline.some((e) => e.kind === 'comment' && e.body === 'Not moving')).toBe(true);

      // What told C to drop it names the ticket only: never the site it went to, which C's
      // person may not know of. Over HTTP, as C's device reads it.
      const cal = await serverLogin(server, 'cal', 'password123');
      const res = await fetch(`${server.url}/sync/pull?cursor=0&limit=100000&scopes=${encodeURIComponent(['global', hq.id].join(','))}`, { headers: { authorization: `Bearer ${cal}` } });
      const page = ((await res.json()) as { value: { changes: { id: string; scopeId: string; data: Record<string, unknown> }[] } }).value;
      const markers = page.changes.filter((ch) => ch.id === t.id && Object.keys(ch.data).length === 0);
      expect(markers.length).toBeGreaterThan(0);
      expect(markers.every((ch) => ch.scopeId === '')).toBe(true);
      expect(page.changes.filter((ch) => ch.scopeId === depot.id)).toEqual([]);

      // B, which holds only the depot, receives the ticket with its whole timeline.
      await a.call('sync.now');
      await b.call('sync.now');
      const atB = await b.call('tickets.get', { id: t.id });
      expect(atB.title).toBe('Label printer jams daily');
      const bodies = atB.timeline.filter((e) => e.kind === 'comment').map((e) => (e.kind === 'comment' ? e.body : ''));
      expect(bodies.sort()).toEqual(['Cleaned the rollers', 'Written at HQ before the move arrived']);
      expect(atB.timeline.some((e) => e.kind === 'worklog' && e.minutes === 25)).toBe(true);
      expect(atB.timeline.some((e) => e.kind === 'field' && e.to === 'Label printer jams daily')).toBe(true);
      expect(Object.keys(childSites(b, t.id))).toEqual([depot.id]);
      await expect(b.call('tickets.get', { id: other.id })).rejects.toThrow(/No such ticket/);

      // A (both sites) ends with the same timeline as B, every child in the depot.
      const atA = await a.call('tickets.get', { id: t.id });
      expect(atA.timeline.map((e) => e.id).sort()).toEqual(atB.timeline.map((e) => e.id).sort());
      expect(Object.keys(childSites(a, t.id))).toEqual([depot.id]);

      // On the server, nothing of the moved ticket is left in HQ.
      const all = await server.store.pull(null, 0, 10_000);
      const latest = new Map(all.changes.map((ch) => [`${ch.entity}/${ch.id}`, ch]));
      const children = [...latest.values()].filter((ch) => (CHILD_TABLES as readonly string[]).includes(ch.entity) && ch.data.ticket_id === t.id);
      expect(children.length).toBe(atB.timeline.length);
      expect(children.every((ch) => ch.scopeId === depot.id && ch.fieldHlc.scope_id !== undefined)).toBe(true);

      // Moved back, the children come back with it: C sees the full timeline again.
      await a.call('tickets.update', { id: t.id, fields: { siteId: hq.id } });
      await a.call('sync.now');
      await c.call('sync.now');
      await b.call('sync.now');
      const backAtC = await c.call('tickets.get', { id: t.id });
      expect(backAtC.timeline.filter((e) => e.kind === 'comment').length).toBe(2);
      await expect(b.call('tickets.get', { id: t.id })).rejects.toThrow(/No such ticket/);
      expect(childSites(b, t.id)).toEqual({});
    });
  });
}
