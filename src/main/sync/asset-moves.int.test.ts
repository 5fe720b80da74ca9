/**
 * Moving an asset to a location in another site moves its history, installed software and
 * maintenance records with it, over real HTTP: device A (both sites) writes on an asset in HQ and
 * moves it to a room in the depot; device B (depot only) receives the asset with all its children;
 * device C (HQ only), which logged maintenance offline before hearing of the move, drops the asset
 * and every child, its own record included, which the server stored in the depot. A relation to
 * another asset names the asset but is not its child (its rule names no parent), so it stays in
 * HQ. Runs on the embedded store, and on PostgreSQL when OUTPOST_TEST_PG_URL is set.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, serverLogin, serverPost, startDevice, startTestServer, type Device, type TestServer } from '../../testing/sync-harness';

const PG = process.env.OUTPOST_TEST_PG_URL;
const CHILD_TABLES = ['asset_history', 'installed_software', 'maintenance_records'] as const;

/** Child rows of an asset on a device, per table and site: "table@site" → count. */
function childSites(d: Device, assetId: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const t of CHILD_TABLES) {
    for (const r of d.rt.store.sqlite.prepare(`SELECT scope_id AS s, count(*) AS n FROM ${t} WHERE asset_id = ? GROUP BY scope_id`).all(assetId) as { s: string; n: number }[]) {
      out[`${t}@${r.s}`] = r.n;
    }
  }
  return out;
}

function sitesOf(counts: Record<string, number>): string[] {
  return [...new Set(Object.keys(counts).map((k) => k.split('@')[1]!))].sort();
}

function tablesOf(counts: Record<string, number>): string[] {
  return [...new Set(Object.keys(counts).map((k) => k.split('@')[0]!))].sort();
}

function relationSite(d: Device, relationId: string): string | undefined {
  return d.rt.store.sqlite.prepare('SELECT scope_id FROM asset_relations WHERE id = ?').pluck().get(relationId) as string | undefined;
}

for (const variant of ['sqlite', 'postgres'] as const) {
  describe.skipIf(variant === 'postgres' && !PG)(`an asset's children follow it to another site (${variant} store)`, () => {
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

    it('the new site receives history, software and maintenance; the old site drops them all', async () => {
      await a.call('sync.join', { serverUrl: server.url, ...ADMIN });
      const hq = (await a.call('sites.list')).items.find((s) => s.name === 'HQ')!;
      const depot = await a.call('sites.create', { name: 'Depot' });
      const shelf = await a.call('locations.create', { name: 'Shelf A', siteId: hq.id });
      const cage = await a.call('locations.create', { name: 'Cage 2', siteId: depot.id });
      const asset = await a.call('assets.create', { tag: 'MOVE-1', name: 'Label printer', type: 'printer', siteId: hq.id, locationId: shelf.id });
      const other = await a.call('assets.create', { tag: 'STAY-1', name: 'Print server', type: 'server', siteId: hq.id });
      await a.call('assets.update', { id: asset.id, fields: { name: 'Label printer (dock)' } });
      await a.call('software.add', { assetId: asset.id, name: 'Printer firmware', version: '2.1' });
      await a.call('maintenance.create', { assetId: asset.id, kind: 'upgrade', title: 'Firmware 2.2', status: 'planned' });
      const rel = await a.call('assets.relate', { id: asset.id, otherId: other.id, kind: 'connected_to' });
      await a.call('software.add', { assetId: other.id, name: 'Print spooler' });
      await a.call('sync.now');
      expect((await a.call('sync.status')).pending).toBe(0);

      const admin = await serverLogin(server);
      expect((await serverPost(server, '/auth/users', { username: 'bea', password: 'password123', role: 'technician', sites: [depot.id] }, admin)).status).toBe(200);
      expect((await serverPost(server, '/auth/users', { username: 'cal', password: 'password123', role: 'technician', sites: [hq.id] }, admin)).status).toBe(200);
      await b.call('sync.join', { serverUrl: server.url, username: 'bea', password: 'password123' });
      await c.call('sync.join', { serverUrl: server.url, username: 'cal', password: 'password123' });
      await b.call('sync.now');
      await c.call('sync.now');
      await expect(b.call('assets.get', { id: asset.id })).rejects.toThrow(/No such asset/);
      const beforeMove = childSites(c, asset.id);
      expect(sitesOf(beforeMove)).toEqual([hq.id]);
      expect(tablesOf(beforeMove)).toEqual([...CHILD_TABLES]);

      // C logs maintenance without having heard of the move yet: its op names HQ.
      await c.call('maintenance.create', { assetId: asset.id, kind: 'config', title: 'Replaced the platen roller', status: 'applied' });

      // A moves the asset to a room in the depot; its own copies of the children follow at once,
      // with no extra ops: one setFields plus the history row of the move.
      const pendingBefore = (await a.call('sync.status')).pending;
      const moved = await a.call('assets.bulk', { targets: { ids: [asset.id] }, action: { kind: 'move', locationId: cage.id } });
      expect(moved.updated).toBe(1);
      expect(sitesOf(childSites(a, asset.id))).toEqual([depot.id]);
      expect((await a.call('sync.status')).pending - pendingBefore).toBe(2);
      // The relation names the asset but does not belong to it: it stays where it was.
      expect(relationSite(a, rel.id)).toBe(hq.id);
      await a.call('sync.now');

      // C pushes its record (stored in the depot, where the asset is), then drops the asset and
      // every child it held, its own record included; the asset that stayed is untouched.
      await c.call('sync.now');
      expect((await c.call('sync.status')).pending).toBe(0);
      await expect(c.call('assets.get', { id: asset.id })).rejects.toThrow(/No such asset/);
      expect(childSites(c, asset.id)).toEqual({});
      const otherAtC = await c.call('assets.get', { id: other.id });
      expect(otherAtC.software.map((s) => s.name)).toEqual(['Print spooler']);
      expect(otherAtC.siteId).toBe(hq.id);

      // B, which holds only the depot, receives the asset with its history, software and both
      // maintenance records.
      await a.call('sync.now');
      await b.call('sync.now');
      const atB = await b.call('assets.get', { id: asset.id });
      expect(atB.name).toBe('Label printer (dock)');
      expect(atB.siteId).toBe(depot.id);
      expect(atB.locationId).toBe(cage.id);
      expect(atB.software.map((s) => s.name)).toEqual(['Printer firmware']);
      const maintB = await b.call('maintenance.list', { assetId: asset.id });
      expect(maintB.items.map((m) => m.title).sort()).toEqual(['Firmware 2.2', 'Replaced the platen roller']);
      const atBCounts = childSites(b, asset.id);
      expect(sitesOf(atBCounts)).toEqual([depot.id]);
      expect(tablesOf(atBCounts)).toEqual([...CHILD_TABLES]);
      await expect(b.call('assets.get', { id: other.id })).rejects.toThrow(/No such asset/);
      expect(relationSite(b, rel.id)).toBeUndefined();

      // A (both sites) ends with the same rows as B, every child in the depot.
      const atA = await a.call('assets.get', { id: asset.id });
      expect(atA.timeline.map((e) => e.id).sort()).toEqual(atB.timeline.map((e) => e.id).sort());
      expect(childSites(a, asset.id)).toEqual(atBCounts);
      expect(relationSite(a, rel.id)).toBe(hq.id);

      // On the server, nothing of the moved asset is left in HQ but the relation.
      const all = await server.store.pull(null, 0, 10_000);
      const latest = new Map(all.changes.map((ch) => [`${ch.entity}/${ch.id}`, ch]));
      const children = [...latest.values()].filter((ch) => (CHILD_TABLES as readonly string[]).includes(ch.entity) && ch.data.asset_id === asset.id);
      expect(children.length).toBe(Object.values(atBCounts).reduce((x, y) => x + y, 0));
      expect(children.every((ch) => ch.scopeId === depot.id && ch.fieldHlc.scope_id !== undefined)).toBe(true);
      expect(latest.get(`asset_relations/${rel.id}`)?.scopeId).toBe(hq.id);

      // Moved back, the children come back with it: C sees them again, B drops them.
      await a.call('assets.bulk', { targets: { ids: [asset.id] }, action: { kind: 'move', locationId: shelf.id } });
      await a.call('sync.now');
      await c.call('sync.now');
      await b.call('sync.now');
      const backAtC = await c.call('assets.get', { id: asset.id });
      expect(backAtC.software.map((s) => s.name)).toEqual(['Printer firmware']);
      expect((await c.call('maintenance.list', { assetId: asset.id })).items.length).toBe(2);
      expect(sitesOf(childSites(c, asset.id))).toEqual([hq.id]);
      await expect(b.call('assets.get', { id: asset.id })).rejects.toThrow(/No such asset/);
      expect(childSites(b, asset.id)).toEqual({});
    });
  });
}
