/**
 * Set-like asset rows (asset relations, licence seats) added on two devices while apart merge into
 * one row: their ids come from their natural key (services/core/set-ids.ts), so the second add
 * meets the first record on the server and on the other device instead of clashing on the
 * relation's unique index or counting a seat twice. Removing and adding again settle by clocks.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, startDevice, startTestServer, type Device, type TestServer } from '../../testing/sync-harness';
import { recordKey } from '../../server/store/types';

let server: TestServer;
let a: Device;
let b: Device;

beforeAll(async () => {
  server = await startTestServer();
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

function rows(d: Device, table: 'asset_relations' | 'licence_assignments'): { id: string; deleted: string | null }[] {
  return d.rt.store.sqlite.prepare(`SELECT id, deleted_hlc AS deleted FROM ${table} ORDER BY id`).all() as { id: string; deleted: string | null }[];
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

describe('set rows added on two devices while apart', () => {
  it('merge into one relation and one seat, and removes and re-adds settle the same everywhere', async () => {
    const dock = await a.call('assets.create', { tag: 'SET-1', name: 'Dock', type: 'other' });
    const laptop = await a.call('assets.create', { tag: 'SET-2', name: 'Laptop', type: 'laptop' });
    const product = await a.call('licences.createProduct', { name: 'Drawing Suite' });
    const ent = await a.call('licences.create', { productId: product.id, type: 'per_device', seats: 3 });
    await syncAll();

    // Both devices, apart, relate the dock to the laptop and give the laptop a seat.
    const relA = await a.call('assets.relate', { id: dock.id, otherId: laptop.id, kind: 'part_of' });
    const relB = await b.call('assets.relate', { id: dock.id, otherId: laptop.id, kind: 'part_of' });
    const seatA = await a.call('licences.assign', { entitlementId: ent.id, assetId: laptop.id });
    const seatB = await b.call('licences.assign', { entitlementId: ent.id, assetId: laptop.id });
    expect(relB.id).toBe(relA.id);
    expect(seatB.id).toBe(seatA.id);
    await syncAll();

    for (const d of [a, b]) {
      expect(rows(d, 'asset_relations')).toEqual([{ id: relA.id, deleted: null }]);
      expect(rows(d, 'licence_assignments')).toEqual([{ id: seatA.id, deleted: null }]);
      expect((await d.call('licences.get', { id: ent.id })).assigned).toBe(1);
      expect((await d.call('assets.get', { id: dock.id })).relations.map((r) => r.otherId)).toEqual([laptop.id]);
      expect((await d.call('sync.status')).pending).toBe(0);
    }
    expect((await serverRecord('asset_relations', relA.id))?.deletedHlc).toBeNull();

    // A takes both away; B hears of it.
    await a.call('assets.unrelate', { relationId: relA.id });
    await a.call('licences.unassign', { assignmentId: seatA.id });
    await syncAll();
    for (const d of [a, b]) {
      expect((await d.call('assets.get', { id: dock.id })).relations).toEqual([]);
      expect((await d.call('licences.get', { id: ent.id })).assigned).toBe(0);
    }

    // A removes again after B re-adds both (B's clocks are later): the later of each pair wins on
    // both devices and the server, whatever order the pushes arrive in.
    await b.call('assets.relate', { id: dock.id, otherId: laptop.id, kind: 'part_of' });
    await b.call('licences.assign', { entitlementId: ent.id, assetId: laptop.id });
    await b.call('sync.now');
    await a.call('sync.now');
    for (const d of [a, b]) {
      expect(rows(d, 'asset_relations')).toEqual([{ id: relA.id, deleted: null }]);
      expect((await d.call('licences.get', { id: ent.id })).assignments.map((s) => s.id)).toEqual([seatA.id]);
    }
    // Apart again: B removes the seat while A takes it back and gives it once more (later); both
    // remove the relation and B (latest) adds it once more.
    await b.call('licences.unassign', { assignmentId: seatA.id });
    await a.call('licences.unassign', { assignmentId: seatA.id });
    await a.call('licences.assign', { entitlementId: ent.id, assetId: laptop.id });
    await a.call('assets.unrelate', { relationId: relA.id });
    await b.call('assets.unrelate', { relationId: relA.id });
    await b.call('assets.relate', { id: dock.id, otherId: laptop.id, kind: 'part_of' });
    await syncAll();
    await b.call('sync.now');
    for (const d of [a, b]) {
      expect(rows(d, 'asset_relations')).toEqual([{ id: relA.id, deleted: null }]);
      expect(rows(d, 'licence_assignments')).toEqual([{ id: seatA.id, deleted: null }]);
      expect((await d.call('licences.get', { id: ent.id })).assigned).toBe(1);
    }
    expect((await serverRecord('licence_assignments', seatA.id))?.deletedHlc).toBeNull();
    expect((await serverRecord('asset_relations', relA.id))?.deletedHlc).toBeNull();
  });
});
