/** Row ↔ API shape for assets and locations, and the small SQL helpers the asset services share. */
import type Database from 'better-sqlite3';
import type { Asset, AssetRow, CustomFieldValue, HardwareFacts, Location } from '../../../shared/api/assets';
import type { AssetStatus, AssetType, LocationKind } from '../../../shared/assets/rules';

/** API field → column, for edits and history. */
export const ASSET_COLUMNS = {
  tag: 'tag',
  name: 'name',
  type: 'type',
  category: 'category',
  manufacturer: 'manufacturer',
  model: 'model',
  modelNumber: 'model_number',
  serial: 'serial',
  uuid: 'uuid',
  siteId: 'scope_id',
  locationId: 'location_id',
  homeLocationId: 'home_location_id',
  assignedToId: 'assigned_to_id',
  status: 'status',
  statusLabel: 'status_label',
  checkedOutAt: 'checked_out_at',
  expectedReturn: 'expected_return',
  purchaseDate: 'purchase_date',
  cost: 'cost',
  supplier: 'supplier',
  orderNumber: 'order_number',
  warrantyEnd: 'warranty_end',
  eolDate: 'eol_date',
  lastAuditAt: 'last_audit_at',
  nextAuditAt: 'next_audit_at',
  lastInventoryAt: 'last_inventory_at',
  notes: 'notes',
  customFields: 'custom_fields',
  hardware: 'hardware',
} as const;
export type AssetField = keyof typeof ASSET_COLUMNS;

/** A raw `assets` row (snake_case columns). */
export interface AssetRaw {
  id: string;
  rowid: number;
  scope_id: string;
  created_at: string;
  updated_at: string;
  field_hlc: string;
  deleted_hlc: string | null;
  tag: string;
  tag_key: string;
  name: string;
  type: string;
  category: string | null;
  manufacturer: string | null;
  model: string | null;
  model_number: string | null;
  serial: string | null;
  uuid: string | null;
  status: AssetStatus;
  status_label: string | null;
  assigned_to_id: string | null;
  location_id: string | null;
  home_location_id: string | null;
  checked_out_at: string | null;
  expected_return: string | null;
  purchase_date: string | null;
  cost: number | null;
  supplier: string | null;
  order_number: string | null;
  warranty_end: string | null;
  eol_date: string | null;
  last_audit_at: string | null;
  next_audit_at: string | null;
  last_inventory_at: string | null;
  notes: string | null;
  custom_fields: string;
  hardware: string | null;
}

export const ROW_SELECT = `SELECT a.id, a.tag, a.name, a.type, a.category, a.manufacturer, a.model, a.serial, a.status, a.status_label AS statusLabel,
  a.assigned_to_id AS assignedToId, u.display_name AS assignedToName, a.location_id AS locationId, l.name AS locationName,
  a.scope_id AS siteId, s.name AS siteName, a.expected_return AS expectedReturn, a.warranty_end AS warrantyEnd,
  a.next_audit_at AS nextAuditAt, a.updated_at AS updatedAt
  FROM assets a
  LEFT JOIN users u ON u.id = a.assigned_to_id
  LEFT JOIN locations l ON l.id = a.location_id
  LEFT JOIN sites s ON s.id = a.scope_id`;

export function toRow(r: Record<string, unknown>): AssetRow {
  return {
    id: r.id as string,
    tag: r.tag as string,
    name: r.name as string,
    type: r.type as AssetType,
    category: (r.category as string | null) ?? null,
    manufacturer: (r.manufacturer as string | null) ?? null,
    model: (r.model as string | null) ?? null,
    serial: (r.serial as string | null) ?? null,
    status: r.status as AssetStatus,
    statusLabel: (r.statusLabel as string | null) ?? null,
    assignedToId: (r.assignedToId as string | null) ?? null,
    assignedToName: (r.assignedToName as string | null) ?? null,
    locationId: (r.locationId as string | null) ?? null,
    locationName: (r.locationName as string | null) ?? null,
    siteId: r.siteId as string,
    siteName: (r.siteName as string | null) ?? null,
    expectedReturn: (r.expectedReturn as string | null) ?? null,
    warrantyEnd: (r.warrantyEnd as string | null) ?? null,
    nextAuditAt: (r.nextAuditAt as string | null) ?? null,
    updatedAt: r.updatedAt as string,
  };
}

function parseJson<T>(text: string | null, fallback: T): T {
  if (!text) return fallback;
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback;
  }
}

export function loadRaw(sqlite: Database.Database, id: string): AssetRaw | null {
  return (sqlite.prepare('SELECT rowid, * FROM assets WHERE id = ? AND deleted_hlc IS NULL').get(id) as AssetRaw | undefined) ?? null;
}

export function loadRawByTag(sqlite: Database.Database, tagKey: string): AssetRaw | null {
  return (sqlite.prepare('SELECT rowid, * FROM assets WHERE tag_key = ? AND deleted_hlc IS NULL').get(tagKey) as AssetRaw | undefined) ?? null;
}

/** Every location with its path, for the few places that need whole paths (small table). */
export function locationPaths(sqlite: Database.Database): Map<string, { name: string; path: string; depth: number; siteId: string; parentId: string | null; kind: LocationKind; address: string | null }> {
  const rows = sqlite
    .prepare(
      `SELECT l.id, l.name, l.kind, l.parent_id AS parentId, l.scope_id AS siteId, l.address, s.name AS siteName
       FROM locations l LEFT JOIN sites s ON s.id = l.scope_id WHERE l.deleted_hlc IS NULL`,
    )
    .all() as { id: string; name: string; kind: LocationKind; parentId: string | null; siteId: string; address: string | null; siteName: string | null }[];
  const byId = new Map(rows.map((r) => [r.id, r]));
  const out = new Map<string, { name: string; path: string; depth: number; siteId: string; parentId: string | null; kind: LocationKind; address: string | null }>();
  const resolve = (id: string, seen: Set<string>): { path: string; depth: number } => {
    const done = out.get(id);
    if (done) return done;
    const r = byId.get(id)!;
    // A cycle can only come from a bad merge; stop at the repeat rather than loop forever.
    const parent = r.parentId && byId.has(r.parentId) && !seen.has(r.parentId) ? resolve(r.parentId, seen.add(id)) : null;
    const path = parent ? `${parent.path} › ${r.name}` : `${r.siteName ?? 'Unknown site'} › ${r.name}`;
    const depth = parent ? parent.depth + 1 : 1;
    out.set(id, { name: r.name, path, depth, siteId: r.siteId, parentId: r.parentId, kind: r.kind, address: r.address });
    return { path, depth };
  };
  for (const r of rows) resolve(r.id, new Set());
  return out;
}

/** The ids of a location and everything below it. */
export function descendantIds(sqlite: Database.Database, locationId: string): string[] {
  return sqlite
    .prepare(
      `WITH RECURSIVE sub(id) AS (SELECT ? UNION SELECT l.id FROM locations l JOIN sub ON l.parent_id = sub.id WHERE l.deleted_hlc IS NULL)
       SELECT id FROM sub`,
    )
    .pluck()
    .all(locationId) as string[];
}

export function locationPathOf(sqlite: Database.Database, locationId: string | null): string | null {
  if (!locationId) return null;
  const rows = sqlite
    .prepare(
      `WITH RECURSIVE up(id, name, parent_id, scope_id, depth) AS (
         SELECT id, name, parent_id, scope_id, 0 FROM locations WHERE id = ?
         UNION ALL SELECT l.id, l.name, l.parent_id, l.scope_id, up.depth + 1 FROM locations l JOIN up ON l.id = up.parent_id WHERE up.depth < 20)
       SELECT up.name, up.depth, (SELECT name FROM sites WHERE id = up.scope_id) AS siteName FROM up ORDER BY depth DESC`,
    )
    .all(locationId) as { name: string; depth: number; siteName: string | null }[];
  if (!rows.length) return null;
  return [rows[0]!.siteName ?? 'Unknown site', ...rows.map((r) => r.name)].join(' › ');
}

export function toAsset(sqlite: Database.Database, r: AssetRaw): Asset {
  const names = sqlite
    .prepare(
      `SELECT (SELECT display_name FROM users WHERE id = ?) AS assignedToName, (SELECT name FROM locations WHERE id = ?) AS locationName,
       (SELECT name FROM sites WHERE id = ?) AS siteName`,
    )
    .get(r.assigned_to_id, r.location_id, r.scope_id) as { assignedToName: string | null; locationName: string | null; siteName: string | null };
  const home = r.home_location_id ? locationPathOf(sqlite, r.home_location_id) : null;
  return {
    id: r.id,
    tag: r.tag,
    name: r.name,
    type: r.type as AssetType,
    category: r.category,
    manufacturer: r.manufacturer,
    model: r.model,
    modelNumber: r.model_number,
    serial: r.serial,
    uuid: r.uuid,
    status: r.status,
    statusLabel: r.status_label,
    assignedToId: r.assigned_to_id,
    assignedToName: names.assignedToName,
    locationId: r.location_id,
    locationName: names.locationName,
    locationPath: locationPathOf(sqlite, r.location_id),
    homeLocationId: r.home_location_id,
    homeLocationPath: home,
    siteId: r.scope_id,
    siteName: names.siteName,
    checkedOutAt: r.checked_out_at,
    expectedReturn: r.expected_return,
    purchaseDate: r.purchase_date,
    cost: r.cost,
    supplier: r.supplier,
    orderNumber: r.order_number,
    warrantyEnd: r.warranty_end,
    eolDate: r.eol_date,
    lastAuditAt: r.last_audit_at,
    nextAuditAt: r.next_audit_at,
    lastInventoryAt: r.last_inventory_at,
    notes: r.notes,
    customFields: parseJson<Record<string, CustomFieldValue>>(r.custom_fields, {}),
    hardware: parseJson<HardwareFacts | null>(r.hardware, null),
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

export function toLocation(
  l: { name: string; path: string; depth: number; siteId: string; parentId: string | null; kind: LocationKind; address: string | null },
  id: string,
  siteName: string | null,
  assetCount: number,
): Location {
  return { id, name: l.name, kind: l.kind, siteId: l.siteId, siteName, parentId: l.parentId, path: l.path, depth: l.depth, address: l.address, assetCount };
}
