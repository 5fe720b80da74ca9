/**
 * An asset's history, installed software and maintenance records live in its site: every local
 * path that puts the asset in another site (a move to a room there, an edit of its site, an import
 * row naming a location there) takes them along, without queuing ops for them (the server moves
 * its copies itself). Rows that only mention the asset (a relation) stay where they are.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeWorld, type World } from '../../testing';
import { bulkAssets, createAsset, relateAssets, updateAsset } from './assets';
import { createLocation } from './locations';
import { createSite } from '../directory/sites';
import { addSoftware, createMaintenance } from '../software/software';
import { importFile } from './import/index';

const CHILD_TABLES = ['asset_history', 'installed_software', 'maintenance_records'] as const;

let w: World;
let depot: string;
let assetId: string;
let relationId: string;

function childSites(): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const t of CHILD_TABLES) {
    out[t] = (w.store.sqlite.prepare(`SELECT DISTINCT scope_id FROM ${t} WHERE asset_id = ? ORDER BY scope_id`).pluck().all(assetId) as string[]);
  }
  return out;
}

const everywhere = (site: string) => Object.fromEntries(CHILD_TABLES.map((t) => [t, [site]]));
const pendingFor = (entity: string) => w.store.sqlite.prepare('SELECT count(*) FROM pending_ops WHERE entity = ?').pluck().get(entity) as number;
const relationSite = () => w.store.sqlite.prepare('SELECT scope_id FROM asset_relations WHERE id = ?').pluck().get(relationId) as string;

beforeEach(() => {
  w = makeWorld();
  const ctx = w.ctx(w.admin);
  depot = createSite(ctx, { name: 'Depot' }).id;
  const a = createAsset(ctx, { tag: 'MOVE-1', name: 'Label printer', type: 'printer', status: 'in_stock', siteId: w.siteId });
  const other = createAsset(ctx, { tag: 'STAY-1', name: 'Print server', type: 'server', status: 'in_stock', siteId: w.siteId });
  assetId = a.id;
  updateAsset(ctx, a.id, { name: 'Label printer (dock)' });
  addSoftware(ctx, { assetId: a.id, name: 'Printer firmware', version: '2.1' });
  createMaintenance(ctx, { assetId: a.id, kind: 'upgrade', title: 'Firmware 2.2', status: 'planned' });
  relationId = relateAssets(ctx, a.id, other.id, 'connected_to').id;
  expect(childSites()).toEqual(everywhere(w.siteId));
});
afterEach(() => w.dispose());

describe("an asset's children follow it to another site on the device", () => {
  it('a move to a room in another site', () => {
    const cage = createLocation(w.ctx(w.admin), { name: 'Cage 2', kind: 'room', siteId: depot });
    const softwareOps = pendingFor('installed_software');
    const maintenanceOps = pendingFor('maintenance_records');
    expect(bulkAssets(w.ctx(w.admin), { ids: [assetId] }, { kind: 'move', locationId: cage.id }).updated).toBe(1);
    expect(childSites()).toEqual(everywhere(depot));
    // The server moves its own copies: no ops for the children.
    expect(pendingFor('installed_software')).toBe(softwareOps);
    expect(pendingFor('maintenance_records')).toBe(maintenanceOps);
    expect(relationSite()).toBe(w.siteId);
  });

  it('an edit of its site', () => {
    updateAsset(w.ctx(w.admin), assetId, { siteId: depot });
    expect(childSites()).toEqual(everywhere(depot));
    expect(relationSite()).toBe(w.siteId);
  });

  it('an import row naming a location in another site', () => {
    createLocation(w.ctx(w.admin), { name: 'Depot cage', kind: 'room', siteId: depot });
    const r = importFile(w.ctx(w.admin, 'assets.import'), { format: 'csv-mapped', content: 'Tag,Location\nMOVE-1,Depot cage\n', mapping: { Tag: 'tag', Location: 'location' }, dryRun: false });
    expect(r.errors).toEqual([]);
    expect(r.updated).toBe(1);
    expect(w.store.sqlite.prepare('SELECT scope_id FROM assets WHERE id = ?').pluck().get(assetId)).toBe(depot);
    expect(childSites()).toEqual(everywhere(depot));
    expect(relationSite()).toBe(w.siteId);
  });
});
