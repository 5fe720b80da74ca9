/**
 * The asset services' real ops pass the server's sync rules (entities-assets.ts): every write of
 * the register, locations, licences, software, maintenance and audits made on a device syncs to a
 * real test server and is applied (none rejected), and reaches a second device. An auditor's
 * audit ops are accepted for that role; ops the app could never send honestly (an unknown status,
 * an auditor editing an asset's cost, a scan for an audit the server has never seen, a record
 * type nobody syncs) are refused with a reason that says what was wrong.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, startDevice, startTestServer, type Device, type TestServer } from '../../testing/sync-harness';
import { nextBatch } from './outbox';
import { push, type PushAuth } from '../../server/engine';
import { uuidv7 } from '../../shared/ids';
import { recordKey } from '../../server/store/types';
import type { WireOp } from '../../shared/sync/wire';
import { fixture, readFixture } from '../services/assets/test-fixtures';

let server: TestServer;
let a: Device;
let b: Device;

beforeAll(async () => {
  server = await startTestServer();
  a = await startDevice({ site: 'HQ' });
  b = await startDevice({ site: 'Depot' });
  await a.call('sync.join', { serverUrl: server.url, ...ADMIN });
  await b.call('sync.join', { serverUrl: server.url, ...ADMIN });
});
afterAll(async () => {
  a?.close();
  b?.close();
  await server?.close();
});

async function serverRecord(entity: string, id: string) {
  const recs = await server.store.withSyncTx((tx) => tx.loadRecords([{ entity, id }]));
  return recs.get(recordKey(entity, id)) ?? null;
}

/** Rejections the device kept since the last look (the op is acknowledged but remembered). */
async function syncExpectingNoRejection(d: Device) {
  const run = await d.call('sync.now');
  const kept = d.rt.store.sqlite.prepare("SELECT value FROM meta WHERE key = 'sync.rejected_ops'").pluck().get() as string | undefined;
  expect(kept ? JSON.parse(kept) : [], 'ops the server refused').toEqual([]);
  expect(run.rejected).toBe(0);
  expect((await d.call('sync.status')).pending).toBe(0);
}

const CSV = [
  'Asset Tag,Name,Category,Manufacturer,Model,Serial,Status,Location,Purchase Date,Purchase Cost,Warranty Months,Notes',
  'IMP-1,Imported laptop,Laptops,Dell,Latitude 5440,SNIMP1,Ready to Deploy,Store room,2024-02-01,1200.50,36,From the CSV',
  'IMP-2,Imported phone,Phones,Apple,iPhone 15,SNIMP2,Deployed,Store room,2024-03-01,900,12,',
].join('\r\n');

describe('asset records sync under their own rules', () => {
  let room: string;
  let shelf: string;
  let laptop: string;

  it('every register, location, licence, software and maintenance write is applied on the server', async () => {
    const building = await a.call('locations.create', { name: 'North building', kind: 'building' });
    const r1 = await a.call('locations.create', { name: 'Room 101', kind: 'room', parentId: building.id, address: '1 Main St' });
    room = r1.id;
    shelf = (await a.call('locations.create', { name: 'Shelf A', kind: 'area', parentId: building.id })).id;
    await a.call('locations.update', { id: room, fields: { name: 'Room 101 (lab)' } });

    const lap = await a.call('assets.create', {
      tag: 'SYNC-1',
      name: 'Field laptop',
      type: 'laptop',
      category: 'Laptops',
      manufacturer: 'Lenovo',
      model: 'ThinkPad T14',
      serial: 'PF-SYNC-1',
      status: 'in_stock',
      locationId: room,
      purchaseDate: '2025-01-15',
      cost: 1499.99,
      warrantyEnd: '2028-01-15',
      notes: 'Keeps the field kit',
    });
    laptop = lap.id;
    const dock = await a.call('assets.create', { tag: 'SYNC-2', name: 'Dock', type: 'peripheral', locationId: room });
    const third = await a.call('assets.create', { tag: 'SYNC-3', name: 'Spare monitor', type: 'peripheral', locationId: shelf, status: 'on_order' });
    await a.call('assets.update', { id: laptop, fields: { notes: 'Keeps the field kit; new battery', cost: 1399 } });
    await a.call('assets.transition', { id: third.id, to: 'in_stock' });
    await a.call('assets.transition', { id: dock.id, to: 'in_repair', reason: 'Loose port' });
    const person = (await a.call('users.list', {})).items[0]!;
    await a.call('assets.checkout', { id: laptop, assignedToId: person.id, expectedReturn: '2099-01-01', note: 'Field trip' });
    await a.call('assets.checkin', { id: laptop, locationId: room, note: 'Back' });
    await a.call('assets.bulk', { targets: { tags: ['SYNC-3'] }, action: { kind: 'move', locationId: room } });
    const rel = await a.call('assets.relate', { id: dock.id, otherId: laptop, kind: 'connected_to' });
    await a.call('assets.unrelate', { relationId: rel.id });
    await a.call('assets.relate', { id: dock.id, otherId: laptop, kind: 'part_of' });
    const ticket = await a.call('tickets.create', { type: 'incident', title: 'Dock port loose' });
    await a.call('assets.linkTicket', { id: dock.id, ticketId: ticket.id });
    const imported = await a.call('assets.import', { format: 'snipe-it-assets', content: CSV });
    expect(imported.errors).toEqual([]);
    // A GLPI inventory: the computer asset with hardware facts and its installed software.
    for (const f of ['inventory/glpi-computer_1.json', 'inventory/glpi-computer_2.json', 'inventory/glpi-printer_1.json']) {
      if (!fixture(f)) continue;
      expect((await a.call('assets.import', { format: 'glpi-inventory', content: readFixture(f) })).errors).toEqual([]);
    }

    const product = await a.call('licences.createProduct', { name: 'Office Suite', vendor: 'Contoso', matchNames: ['office suite'] });
    await a.call('licences.updateProduct', { id: product.id, fields: { notes: 'Volume agreement' } });
    const ent = await a.call('licences.create', { productId: product.id, type: 'per_device', seats: 5, licenceKey: 'AAAA-BBBB', startDate: '2025-01-01', endDate: '2026-12-31', cost: 500 });
    await a.call('licences.update', { id: ent.id, fields: { seats: 10, notes: 'Renewed' } });
    const seat = await a.call('licences.assign', { entitlementId: ent.id, assetId: laptop });
    await a.call('licences.unassign', { assignmentId: seat.id });
    await a.call('licences.assign', { entitlementId: ent.id, assetId: laptop });

    const sw = await a.call('software.add', { assetId: laptop, name: 'Office Suite', vendor: 'Contoso', version: '16.0', installedOn: '2025-02-01' });
    await a.call('software.add', { assetId: laptop, name: 'Old Browser', version: '1.2' });
    await a.call('software.remove', { id: sw.id });
    const m = await a.call('maintenance.create', { assetId: laptop, kind: 'patch', title: 'Firmware update', status: 'planned', windowStart: '2026-06-01T08:00:00Z', windowEnd: '2026-06-01T09:00:00Z' });
    await a.call('maintenance.update', { id: m.id, fields: { status: 'applied', notes: 'Went fine', ticketId: ticket.id } });

    await syncExpectingNoRejection(a);
    const onServer = await serverRecord('assets', laptop);
    expect(onServer?.data).toMatchObject({ tag: 'SYNC-1', cost: 1399, status: 'in_stock', location_id: room, notes: 'Keeps the field kit; new battery' });
    expect((await serverRecord('licence_entitlements', ent.id))?.data).toMatchObject({ seats: 10, type: 'per_device' });
    expect((await serverRecord('maintenance_records', m.id))?.data).toMatchObject({ status: 'applied' });
    expect((await serverRecord('installed_software', sw.id))?.deletedHlc).not.toBeNull();

    // The other device gets all of it.
    await b.call('sync.now');
    const seen = await b.call('assets.get', { tag: 'SYNC-1' });
    expect(seen).toMatchObject({ name: 'Field laptop', cost: 1399, locationId: room });
    expect((await b.call('assets.get', { tag: 'IMP-1' })).name).toBe('Imported laptop');
    expect((await b.call('licences.get', { id: ent.id })).assignments).toHaveLength(1);
  });

  it("an audit's ops are applied, including when an auditor sends them", async () => {
    // Register something elsewhere so the audit has an unexpected scan to relocate.
    await a.call('assets.create', { tag: 'SYNC-4', name: 'Wandering printer', type: 'printer', locationId: shelf });
    await syncExpectingNoRejection(a);
    const audit = await a.call('audits.start', { locationId: room, includeSubLocations: true });
    expect(audit.expected).toBeGreaterThan(0);
    expect((await a.call('audits.scan', { auditId: audit.id, tag: 'sync-1' })).result).toBe('found');
    expect((await a.call('audits.scan', { auditId: audit.id, tag: 'NOPE-9' })).result).toBe('unknown');
    await a.call('audits.undo', { auditId: audit.id });
    const unexpected = await a.call('audits.scan', { auditId: audit.id, tag: 'SYNC-4' });
    expect(unexpected.result).toBe('unexpected');
    await a.call('audits.relocate', { auditId: audit.id, scanId: unexpected.scan.id });
    await a.call('audits.close', { auditId: audit.id, note: 'Room checked', nextAuditMonths: 6 });

    // The same ops, sent by a device signed in as an auditor: all accepted.
    const { ops } = nextBatch(a.rt.store.sqlite);
    const entities = new Set(ops.map((o) => o.entity));
    expect([...entities].sort()).toEqual(['asset_history', 'assets', 'audit_expected', 'audit_scans', 'audit_sessions']);
    const auditor: PushAuth = { userId: uuidv7(), role: 'auditor', sites: null, deviceId: uuidv7() };
    const res = await push(server.store, auditor, { deviceId: auditor.deviceId, clientVersion: 'test', schemaVersion: ops[0]!.schemaVersion, cursor: 0, ops: ops.map((o, i) => ({ ...o, deviceSeq: i + 1 })) }, Date.now());
    expect(res.results.filter((r) => r.status === 'rejected')).toEqual([]);

    await syncExpectingNoRejection(a);
    expect((await serverRecord('audit_sessions', audit.id))?.data).toMatchObject({ status: 'closed', sign_off_note: 'Room checked' });
    await b.call('sync.now');
    const moved = await b.call('assets.get', { tag: 'SYNC-4' });
    expect(moved.locationId).toBe(room);
    expect((await b.call('assets.get', { tag: 'SYNC-1' })).lastAuditAt).not.toBeNull();
  });

  it('refuses bad ops with a clear reason', async () => {
    const now = Date.now();
    const op = (o: Partial<WireOp> & Pick<WireOp, 'kind' | 'entity' | 'recordId' | 'payload'>, seq: number): WireOp => ({
      opId: uuidv7(),
      deviceSeq: seq,
      hlc: `${String(now).padStart(15, '0')}:${String(seq).padStart(8, '0')}`,
      schemaVersion: 1,
      scopeId: (o.scopeId as string | undefined) ?? (a.rt.store.sqlite.prepare('SELECT scope_id FROM assets WHERE id = ?').pluck().get(laptop) as string),
      createdAt: new Date(now).toISOString(),
      ...o,
    });
    const send = async (role: PushAuth['role'], ops: WireOp[]) => {
      const auth: PushAuth = { userId: uuidv7(), role, sites: null, deviceId: uuidv7() };
      return (await push(server.store, auth, { deviceId: auth.deviceId, clientVersion: 'test', schemaVersion: 1, cursor: 0, ops }, now)).results;
    };
    const [status] = await send('technician', [op({ kind: 'setFields', entity: 'assets', recordId: laptop, payload: { status: 'lost_in_space' } }, 1)]);
    expect(status).toMatchObject({ status: 'rejected', reason: expect.stringMatching(/assets\.status: An asset's status is one of on_order, in_stock/) });

    const [cost] = await send('auditor', [op({ kind: 'setFields', entity: 'assets', recordId: laptop, payload: { cost: 1 } }, 1)]);
    expect(cost).toMatchObject({ status: 'rejected', reason: "Auditors can only change an asset's audit dates and location, not cost." });

    const ghost = uuidv7();
    const [scan] = await send('auditor', [
      op({ kind: 'append', entity: 'audit_scans', recordId: uuidv7(), payload: { audit_id: ghost, tag: 'SYNC-1', tag_key: 'SYNC-1', result: 'found', asset_id: laptop, registered_location_id: room, relocated: 0, auditor_id: uuidv7() } }, 1),
    ]);
    expect(scan).toMatchObject({ status: 'rejected', reason: expect.stringContaining(`this belongs to (${ghost}) is not on the server`) });

    const [requester] = await send('requester', [op({ kind: 'create', entity: 'locations', recordId: uuidv7(), payload: { name: 'Closet', kind: 'room', parent_id: null } }, 1)]);
    expect(requester).toMatchObject({ status: 'rejected', reason: 'Your role (requester) cannot change locations.' });

    const [unknown] = await send('admin', [op({ kind: 'create', entity: 'future_things', recordId: uuidv7(), payload: { label: 'x' } }, 1)]);
    expect(unknown).toMatchObject({ status: 'rejected', reason: expect.stringContaining('does not sync "future_things" records') });

    // Nothing of the refused ops reached the record.
    expect((await serverRecord('assets', laptop))?.data).toMatchObject({ status: 'in_stock', cost: 1399 });
  });
});
