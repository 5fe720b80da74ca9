/**
 * Ticket tags and watchers are sets over real HTTP: two devices tagging the same ticket alike while
 * apart make one row (the id comes from ticket + tag key), a remove and a concurrent re-add settle
 * by clock on both devices and the server, and tags move with their ticket to another site. Runs on
 * the embedded store, and on PostgreSQL when OUTPOST_TEST_PG_URL is set.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, startDevice, startTestServer, type Device, type TestServer } from '../../testing/sync-harness';
import { recordKey } from '../../server/store/types';
import { setRowId } from '../services/core/set-ids';

/** Lets the wall clock move on, so the next write's clock is strictly later. */
const tick = () => new Promise((r) => setTimeout(r, 5));
const PG = process.env.OUTPOST_TEST_PG_URL;

let server: TestServer;
let a: Device;
let b: Device;

function rows(d: Device, ticketId: string): { id: string; key: string; deleted: boolean; scope: string }[] {
  return (
    d.rt.store.sqlite
      .prepare('SELECT id, tag_key AS key, deleted_hlc AS deleted, scope_id AS scope FROM ticket_tags WHERE ticket_id = ? ORDER BY tag_key')
      .all(ticketId) as {
      id: string;
      key: string;
      deleted: string | null;
      scope: string;
    }[]
  ).map((r) => ({ ...r, deleted: r.deleted !== null }));
}

async function serverRecord(entity: string, id: string) {
  const recs = await server.store.withSyncTx((tx) => tx.loadRecords([{ entity, id }]));
  return recs.get(recordKey(entity, id)) ?? null;
}

async function syncAll() {
  for (const d of [a, b, a]) {
    const r = await d.call('sync.now');
    expect(r.rejected).toBe(0);
  }
}

for (const variant of ['sqlite', 'postgres'] as const) {
  describe.skipIf(variant === 'postgres' && !PG)(`ticket tags on two devices (${variant} store)`, () => {
    beforeAll(async () => {
      server = await startTestServer({ pgUrl: variant === 'postgres' ? PG : undefined });
      a = await startDevice({ site: 'HQ' });
      b = await startDevice({ site: 'HQ' });
      await a.call('sync.join', { serverUrl: server.url, ...ADMIN });
      await b.call('sync.join', { serverUrl: server.url, ...ADMIN });
    });
    afterAll(async () => {
      a?.close();
      b?.close();
      await server?.close();
    });

    it('the same tag added on both while apart is one row; remove vs re-add settles by clock everywhere', async () => {
      const t = await a.call('tickets.create', { type: 'incident', title: 'VPN drops every hour' });
      await syncAll();

      // Apart: both tag the ticket "vpn" (different case), B also tags "network".
      expect((await a.call('tickets.tag', { id: t.id, tag: 'VPN' })).tags).toEqual(['VPN']);
      expect((await b.call('tickets.tag', { id: t.id, tag: 'vpn' })).tags).toEqual(['vpn']);
      await b.call('tickets.tag', { id: t.id, tag: 'network' });
      await syncAll();
      const vpn = setRowId('ticket_tags', t.id, 'vpn');
      for (const d of [a, b]) {
        expect(rows(d, t.id).map((r) => [r.key, r.deleted])).toEqual([
          ['network', false],
          ['vpn', false],
        ]);
        expect(rows(d, t.id).find((r) => r.key === 'vpn')!.id).toBe(vpn);
        expect((await d.call('sync.status')).pending).toBe(0);
      }
      // Both devices show the server's spelling (the first add to arrive).
      const shown = (await a.call('tickets.get', { id: t.id })).tags;
      expect((await b.call('tickets.get', { id: t.id })).tags).toEqual(shown);
      expect((await serverRecord('ticket_tags', vpn))?.deletedHlc).toBeNull();

      // Apart: A removes "vpn"; B removes then re-adds it later (B's clock is later): it stays.
      await a.call('tickets.untag', { id: t.id, tag: 'vpn' });
      // "Later" must be a later clock: two writes in the same millisecond tie-break by device id.
      await tick();
      await b.call('tickets.untag', { id: t.id, tag: 'vpn' });
      await b.call('tickets.tag', { id: t.id, tag: 'vpn' });
      await syncAll();
      await b.call('sync.now');
      for (const d of [a, b])
        expect(rows(d, t.id).map((r) => [r.key, r.deleted])).toEqual([
          ['network', false],
          ['vpn', false],
        ]);
      expect((await serverRecord('ticket_tags', vpn))?.deletedHlc).toBeNull();

      // Apart the other way: B re-adds (already there: a newer add clock), then A removes later; B
      // pushes last, yet A's later remove wins on both devices and the server.
      await b.call('tickets.untag', { id: t.id, tag: 'network' });
      await b.call('tickets.tag', { id: t.id, tag: 'network' });
      await tick();
      await a.call('tickets.untag', { id: t.id, tag: 'network' });
      await a.call('sync.now');
      await b.call('sync.now');
      await a.call('sync.now');
      for (const d of [a, b]) {
        expect(rows(d, t.id).map((r) => [r.key, r.deleted])).toEqual([
          ['network', true],
          ['vpn', false],
        ]);
        expect((await d.call('tickets.get', { id: t.id })).tags).toEqual(shown.filter((x) => x.toLowerCase() === 'vpn'));
        expect((await d.call('tickets.list', { view: 'all', filter: { tag: ['network'] } })).items).toEqual([]);
      }
      expect((await serverRecord('ticket_tags', setRowId('ticket_tags', t.id, 'network')))?.deletedHlc).toBeTruthy();

      // The same person made a watcher on both devices while apart is one row too.
      const who = (
        await a.call('users.create', { username: 'wally', displayName: 'Wally Watcher', role: 'technician', password: 'password123' })
      ).id;
      await syncAll();
      await a.call('tickets.watch', { id: t.id, userId: who });
      await b.call('tickets.watch', { id: t.id, userId: who });
      await syncAll();
      for (const d of [a, b]) expect((await d.call('tickets.get', { id: t.id })).watchers.map((x) => x.userId)).toEqual([who]);
    });

    it('tags move with their ticket to another site', async () => {
      const depot = await a.call('sites.create', { name: 'Depot', code: 'DEP' });
      await a.call('users.update', {
        id: (await a.call('session.me')).id,
        fields: { siteIds: [...(await a.call('session.me')).siteIds, depot.id] },
      });
      const t = await a.call('tickets.create', { type: 'incident', title: 'Badge reader offline' });
      await a.call('tickets.tag', { id: t.id, tag: 'door' });
      await syncAll();
      await a.call('tickets.update', { id: t.id, fields: { siteId: depot.id } });
      expect(rows(a, t.id)[0]!.scope).toBe(depot.id);
      await syncAll();
      const rec = await serverRecord('ticket_tags', setRowId('ticket_tags', t.id, 'door'));
      expect(rec?.scopeId).toBe(depot.id);
      expect(rows(a, t.id).map((r) => [r.key, r.scope])).toEqual([['door', depot.id]]);
    });
  });
}
