/**
 * A ticket given another requester, over a real server: the old requester's device drops it with
 * its comments and history (as when a ticket moves to a site the device does not hold); the new
 * requester's device receives it with everything a requester may read on it, including comments
 * written before it was theirs, and never the internal notes. One requester works in one site, the
 * other in every site (their devices hold no site list), on the embedded store and on PostgreSQL.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, serverLogin, serverPost, startDevice, startTestServer, type Device, type TestServer } from '../../testing/sync-harness';

const PG = process.env.OUTPOST_TEST_PG_URL;

for (const variant of ['sqlite', 'postgres'] as const) {
  describe.skipIf(variant === 'postgres' && !PG)(`a ticket's requester changes (${variant})`, () => {
    let server: TestServer;
    let staff: Device;
    let r1: Device;
    let r2: Device;

    beforeAll(async () => {
      server = await startTestServer(variant === 'postgres' ? { pgUrl: PG } : {});
      staff = await startDevice({ site: 'HQ' });
      r1 = await startDevice({ setUp: false });
      r2 = await startDevice({ setUp: false });
    });
    afterAll(async () => {
      for (const d of [staff, r1, r2]) d?.close();
      await server?.close();
    });

    const ticketIds = (d: Device) => (d.rt.store.sqlite.prepare('SELECT id FROM tickets').pluck().all() as string[]).sort();
    const commentBodies = (d: Device, ticketId: string) =>
      (d.rt.store.sqlite.prepare('SELECT body FROM ticket_comments WHERE ticket_id = ? ORDER BY body').pluck().all(ticketId) as string[]);
    const rows = (d: Device, table: string, ticketId: string) => d.rt.store.sqlite.prepare(`SELECT count(*) FROM ${table} WHERE ticket_id = ?`).pluck().get(ticketId) as number;

    it('the old requester’s device drops the ticket and its children; the new one receives it with its public history', async () => {
      await staff.call('sync.join', { serverUrl: server.url, ...ADMIN });
      const hq = (await staff.call('sites.list')).items.find((s) => s.name === 'HQ')!.id;
      const admin = await serverLogin(server);
      // Rita works in HQ only; Ravi's account receives every site (his device holds no site list).
      expect((await serverPost(server, '/auth/users', { username: 'rita', password: 'password123', role: 'requester', sites: [hq] }, admin)).status).toBe(200);
      expect((await serverPost(server, '/auth/users', { username: 'ravi', password: 'password123', role: 'requester', sites: null }, admin)).status).toBe(200);
      const rita = (await staff.call('users.create', { username: 'rita', displayName: 'Rita Requester', role: 'requester', password: 'local-only-pass', siteIds: [hq] })).id;
      const ravi = (await staff.call('users.create', { username: 'ravi', displayName: 'Ravi Requester', role: 'requester', password: 'local-only-pass', siteIds: [hq] })).id;
      await staff.call('sync.now');
      for (const [d, username] of [
        [r1, 'rita'],
        [r2, 'ravi'],
      ] as const) {
        const session = await d.call('setup.join', { serverUrl: server.url, username, password: 'password123' });
        d.token = session.token;
      }
      expect((await r1.call('session.me')).id).toBe(rita);
      expect((await r2.call('session.me')).id).toBe(ravi);

      const t = await staff.call('tickets.create', { type: 'request', title: 'Laptop for the new starter', siteId: hq, requesterId: rita });
      const other = await staff.call('tickets.create', { type: 'request', title: 'Rita’s other request', siteId: hq, requesterId: rita });
      await staff.call('tickets.comment', { id: t.id, body: 'Before: ordered from the supplier' });
      await staff.call('tickets.comment', { id: t.id, body: 'Before: INTERNAL budget code 4411', internal: true });
      await staff.call('sync.now');
      await r1.call('sync.now');
      await r2.call('sync.now');
      expect(ticketIds(r1)).toEqual([t.id, other.id].sort());
      expect(commentBodies(r1, t.id)).toEqual(['Before: ordered from the supplier']);
      expect(ticketIds(r2)).toEqual([]);

      // The ticket was raised for the wrong person: it is Ravi's.
      await staff.call('tickets.update', { id: t.id, fields: { requesterId: ravi } });
      await staff.call('tickets.comment', { id: t.id, body: 'After: delivered to Ravi' });
      await staff.call('sync.now');

      await r1.call('sync.now');
      expect(ticketIds(r1)).toEqual([other.id]);
      await expect(r1.call('tickets.get', { id: t.id })).rejects.toThrow(/No such ticket/);
      for (const table of ['ticket_comments', 'ticket_history']) expect(rows(r1, table, t.id), table).toBe(0);

      await r2.call('sync.now');
      expect(ticketIds(r2)).toEqual([t.id]);
      const got = await r2.call('tickets.get', { id: t.id });
      expect(got).toMatchObject({ title: 'Laptop for the new starter', requesterId: ravi });
      expect(commentBodies(r2, t.id)).toEqual(['After: delivered to Ravi', 'Before: ordered from the supplier']);
      expect(rows(r2, 'ticket_history', t.id)).toBeGreaterThan(0);
      expect(JSON.stringify(r2.rt.store.sqlite.prepare('SELECT * FROM ticket_comments').all())).not.toContain('INTERNAL');

      // Given back to Rita: her device receives it again with its public comments; Ravi's drops it.
      await staff.call('tickets.update', { id: t.id, fields: { requesterId: rita } });
      await staff.call('sync.now');
      await r1.call('sync.now');
      await r2.call('sync.now');
      expect(ticketIds(r1)).toEqual([t.id, other.id].sort());
      expect(commentBodies(r1, t.id)).toEqual(['After: delivered to Ravi', 'Before: ordered from the supplier']);
      expect(ticketIds(r2)).toEqual([]);
      expect(rows(r2, 'ticket_comments', t.id)).toBe(0);
      // Staff keep the ticket throughout.
      expect(commentBodies(staff, t.id)).toHaveLength(3);
    });

    it('staff, who read by site, keep a ticket or an asset that stops naming them', async () => {
      const me = (await staff.call('session.me')).id;
      const hq = (await staff.call('sites.list')).items.find((s) => s.name === 'HQ')!.id;
      const rita = (await staff.call('users.list', {})).items.find((u) => u.username === 'rita')!.id;
      const t = await staff.call('tickets.create', { type: 'request', title: 'Monitor for my own desk', siteId: hq, requesterId: me });
      const asset = await staff.call('assets.create', { tag: 'SELF-1', name: 'Loan laptop', type: 'laptop', siteId: hq });
      await staff.call('assets.checkout', { id: asset.id, assignedToId: me });
      await staff.call('sync.now');
      await staff.call('tickets.update', { id: t.id, fields: { requesterId: rita } });
      await staff.call('assets.checkin', { id: asset.id });
      await staff.call('sync.now');
      await staff.call('sync.now');
      expect(ticketIds(staff)).toContain(t.id);
      expect((await staff.call('assets.get', { tag: 'SELF-1' })).assignedToId).toBeNull();
    });
  });
}
