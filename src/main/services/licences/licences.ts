/** Software products, entitlements, seat assignments, compliance and renewals. */
import type Database from 'better-sqlite3';
import type { Ctx } from '../core/context';
import { requireActor, write } from '../core/write';
import { createRecord, setMember, updateRecord, type Values } from '../core/record';
import { uuidv7 } from '../../../shared/ids';
import { setRowId } from '../core/set-ids';
import { AppError } from '../../../shared/result';
import type { ComplianceRow, Entitlement, LicenceAssignment, LicenceType, Renewal, SoftwareProduct } from '../../../shared/api/licences';
import { GLOBAL_SCOPE } from '../directory/scopes';
import { defaultSiteId } from '../assets/assets';
import { INACTIVE_STATUSES } from '../../../shared/assets/rules';

function bad(path: string[], message: string): AppError {
  return new AppError('invalid_input', message, [{ path, message }]);
}

const PRODUCT_SELECT = `SELECT id, name, vendor, match_names AS matchNames, notes FROM software_products WHERE deleted_hlc IS NULL`;

function toProduct(r: { id: string; name: string; vendor: string | null; matchNames: string; notes: string | null }): SoftwareProduct {
  let names: string[];
  try {
    names = JSON.parse(r.matchNames) as string[];
  } catch {
    names = [];
  }
  return { id: r.id, name: r.name, vendor: r.vendor, matchNames: names, notes: r.notes };
}

export function listProducts(ctx: Ctx, text?: string): (SoftwareProduct & { entitlements: number })[] {
  requireActor(ctx);
  const rows = ctx.store.sqlite
    .prepare(
      `SELECT p.id, p.name, p.vendor, p.match_names AS matchNames, p.notes,
         (SELECT count(*) FROM licence_entitlements e WHERE e.product_id = p.id AND e.deleted_hlc IS NULL) AS entitlements
       FROM software_products p WHERE p.deleted_hlc IS NULL ${text ? "AND p.name_key LIKE ? ESCAPE '\\'" : ''} ORDER BY p.name_key LIMIT 5000`,
    )
    .all(...(text ? [`%${text.toLowerCase().replace(/[%_\\]/g, (c) => '\\' + c)}%`] : [])) as {
    id: string;
    name: string;
    vendor: string | null;
    matchNames: string;
    notes: string | null;
    entitlements: number;
  }[];
  return rows.map((r) => ({ ...toProduct(r), entitlements: r.entitlements }));
}

function getProduct(sqlite: Database.Database, id: string): SoftwareProduct {
  const r = sqlite.prepare(`${PRODUCT_SELECT} AND id = ?`).get(id) as Parameters<typeof toProduct>[0] | undefined;
  if (!r) throw new AppError('not_found', 'No such software product.');
  return toProduct(r);
}

export function createProduct(ctx: Ctx, input: { name: string; vendor?: string | null; matchNames?: string[]; notes?: string | null }): SoftwareProduct {
  requireActor(ctx);
  const sqlite = ctx.store.sqlite;
  if (sqlite.prepare('SELECT 1 FROM software_products WHERE name_key = ? AND deleted_hlc IS NULL').get(input.name.toLowerCase())) {
    throw new AppError('conflict', `A product called "${input.name}" already exists.`, [{ path: ['name'], message: 'Already exists.' }]);
  }
  const id = uuidv7();
  write(ctx, (w) => {
    const row = { name: input.name, name_key: input.name.toLowerCase(), vendor: input.vendor ?? null, match_names: JSON.stringify(input.matchNames ?? []), notes: input.notes ?? null };
    createRecord(ctx, w, 'software_products', id, GLOBAL_SCOPE, row);
  });
  return getProduct(sqlite, id);
}

export function updateProduct(ctx: Ctx, id: string, fields: { name?: string; vendor?: string | null; matchNames?: string[]; notes?: string | null }): SoftwareProduct {
  requireActor(ctx);
  const sqlite = ctx.store.sqlite;
  const before = sqlite.prepare('SELECT * FROM software_products WHERE id = ? AND deleted_hlc IS NULL').get(id) as Record<string, unknown> | undefined;
  if (!before) throw new AppError('not_found', 'No such software product.');
  const changes: Record<string, unknown> = {};
  if (fields.name !== undefined && fields.name !== before.name) {
    if (sqlite.prepare('SELECT 1 FROM software_products WHERE name_key = ? AND id <> ? AND deleted_hlc IS NULL').get(fields.name.toLowerCase(), id)) {
      throw new AppError('conflict', `A product called "${fields.name}" already exists.`, [{ path: ['fields', 'name'], message: 'Already exists.' }]);
    }
    changes.name = fields.name;
    changes.name_key = fields.name.toLowerCase();
  }
  if (fields.vendor !== undefined) changes.vendor = fields.vendor;
  if (fields.matchNames !== undefined) changes.match_names = JSON.stringify(fields.matchNames);
  if (fields.notes !== undefined) changes.notes = fields.notes;
  const cols = Object.keys(changes).filter((c) => changes[c] !== before[c]);
  if (cols.length) {
    write(ctx, (w) => {
      updateRecord(ctx, w, 'software_products', id, changes as Values, { row: before });
    });
  }
  return getProduct(sqlite, id);
}

const ENT_SELECT = `SELECT e.id, e.product_id AS productId, p.name AS productName, e.type, e.seats, e.licence_key AS licenceKey, e.start_date AS startDate,
  e.end_date AS endDate, e.cost, e.supplier, e.order_number AS orderNumber, e.licensed_to AS licensedTo, e.notes, e.scope_id AS siteId,
  (SELECT count(*) FROM licence_assignments a WHERE a.entitlement_id = e.id AND a.deleted_hlc IS NULL) AS assigned,
  e.created_at AS createdAt, e.updated_at AS updatedAt
  FROM licence_entitlements e JOIN software_products p ON p.id = e.product_id WHERE e.deleted_hlc IS NULL`;

export function listEntitlements(ctx: Ctx, input: { productId?: string; expiringBefore?: string }): Entitlement[] {
  requireActor(ctx);
  const where: string[] = [];
  const args: unknown[] = [];
  if (input.productId) {
    where.push('e.product_id = ?');
    args.push(input.productId);
  }
  if (input.expiringBefore) {
    where.push('e.end_date IS NOT NULL AND e.end_date < ?');
    args.push(input.expiringBefore);
  }
  return ctx.store.sqlite.prepare(`${ENT_SELECT} ${where.map((w) => `AND ${w}`).join(' ')} ORDER BY p.name_key, e.end_date LIMIT 10000`).all(...args) as Entitlement[];
}

function loadEntitlement(sqlite: Database.Database, id: string): Entitlement {
  const e = sqlite.prepare(`${ENT_SELECT} AND e.id = ?`).get(id) as Entitlement | undefined;
  if (!e) throw new AppError('not_found', 'No such licence.');
  return e;
}

export function getEntitlement(ctx: Ctx, id: string): Entitlement & { assignments: LicenceAssignment[] } {
  requireActor(ctx);
  const sqlite = ctx.store.sqlite;
  const e = loadEntitlement(sqlite, id);
  const assignments = sqlite
    .prepare(
      `SELECT a.id, a.entitlement_id AS entitlementId, a.asset_id AS assetId, s.tag AS assetTag, a.user_id AS userId, u.display_name AS userName, a.created_at AS assignedAt
       FROM licence_assignments a LEFT JOIN assets s ON s.id = a.asset_id LEFT JOIN users u ON u.id = a.user_id
       WHERE a.entitlement_id = ? AND a.deleted_hlc IS NULL ORDER BY a.created_at`,
    )
    .all(id) as LicenceAssignment[];
  return { ...e, assignments };
}

export interface EntitlementFields {
  productId?: string;
  type?: LicenceType;
  seats?: number | null;
  licenceKey?: string | null;
  startDate?: string | null;
  endDate?: string | null;
  cost?: number | null;
  supplier?: string | null;
  orderNumber?: string | null;
  licensedTo?: string | null;
  notes?: string | null;
  siteId?: string;
}

const ENT_COLUMNS: Record<keyof EntitlementFields, string> = {
  productId: 'product_id',
  type: 'type',
  seats: 'seats',
  licenceKey: 'licence_key',
  startDate: 'start_date',
  endDate: 'end_date',
  cost: 'cost',
  supplier: 'supplier',
  orderNumber: 'order_number',
  licensedTo: 'licensed_to',
  notes: 'notes',
  siteId: 'scope_id',
};

function checkEntitlement(sqlite: Database.Database, f: EntitlementFields, path: string[]) {
  if (f.productId) getProduct(sqlite, f.productId);
  if (f.siteId && !sqlite.prepare('SELECT 1 FROM sites WHERE id = ? AND deleted_hlc IS NULL').get(f.siteId)) throw bad([...path, 'siteId'], 'No such site.');
  if (f.startDate && f.endDate && f.endDate < f.startDate) throw bad([...path, 'endDate'], 'The licence ends before it starts.');
}

export function createEntitlement(ctx: Ctx, input: EntitlementFields & { productId: string; type: LicenceType }): Entitlement {
  const actor = requireActor(ctx);
  const sqlite = ctx.store.sqlite;
  checkEntitlement(sqlite, input, []);
  if (input.type !== 'site' && (input.seats === undefined || input.seats === null)) throw bad(['seats'], 'Say how many seats this licence gives (only site licences are unlimited).');
  const siteId = input.siteId ?? defaultSiteId(ctx, actor);
  const id = uuidv7();
  write(ctx, (w) => {
    const row: Record<string, unknown> = {};
    for (const [k, col] of Object.entries(ENT_COLUMNS)) if (k !== 'siteId') row[col] = (input as unknown as Record<string, unknown>)[k] ?? null;
    createRecord(ctx, w, 'licence_entitlements', id, siteId, row as Values);
  });
  return loadEntitlement(sqlite, id);
}

export function updateEntitlement(ctx: Ctx, id: string, fields: EntitlementFields): Entitlement {
  requireActor(ctx);
  const sqlite = ctx.store.sqlite;
  const before = sqlite.prepare('SELECT * FROM licence_entitlements WHERE id = ? AND deleted_hlc IS NULL').get(id) as Record<string, unknown> | undefined;
  if (!before) throw new AppError('not_found', 'No such licence.');
  checkEntitlement(sqlite, { startDate: before.start_date as string | null, endDate: before.end_date as string | null, ...fields }, ['fields']);
  const changes: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(fields)) {
    const col = ENT_COLUMNS[k as keyof EntitlementFields];
    if (col && v !== undefined && before[col] !== v) changes[col] = v;
  }
  if (changes.seats !== undefined && changes.seats !== null) {
    const used = sqlite.prepare('SELECT count(*) FROM licence_assignments WHERE entitlement_id = ? AND deleted_hlc IS NULL').pluck().get(id) as number;
    if ((changes.seats as number) < used) throw bad(['fields', 'seats'], `${used} seats are assigned; unassign some before lowering the count to ${String(changes.seats)}.`);
  }
  const cols = Object.keys(changes);
  if (cols.length) {
    write(ctx, (w) => {
      const { scope_id: site, ...fields } = changes;
      updateRecord(ctx, w, 'licence_entitlements', id, fields as Values, { row: before, scopeId: site as string | undefined });
    });
  }
  return loadEntitlement(sqlite, id);
}

export function assignSeat(ctx: Ctx, input: { entitlementId: string; assetId?: string; userId?: string }): LicenceAssignment {
  requireActor(ctx);
  const sqlite = ctx.store.sqlite;
  const e = loadEntitlement(sqlite, input.entitlementId);
  if (input.assetId && !sqlite.prepare('SELECT 1 FROM assets WHERE id = ? AND deleted_hlc IS NULL').get(input.assetId)) throw bad(['assetId'], 'No such asset.');
  if (input.userId && !sqlite.prepare('SELECT 1 FROM users WHERE id = ? AND deleted_hlc IS NULL').get(input.userId)) throw bad(['userId'], 'No such person.');
  if (e.type === 'per_device' && !input.assetId) throw bad(['assetId'], 'A per-device licence is assigned to an asset.');
  if (e.type === 'per_user' && !input.userId) throw bad(['userId'], 'A per-user licence is assigned to a person.');
  if (e.seats !== null && e.assigned >= e.seats) throw new AppError('conflict', `All ${e.seats} seats of this licence are assigned.`);
  if (sqlite.prepare('SELECT 1 FROM licence_assignments WHERE entitlement_id = ? AND asset_id IS ? AND user_id IS ? AND deleted_hlc IS NULL').get(e.id, input.assetId ?? null, input.userId ?? null)) {
    throw new AppError('conflict', 'This licence is already assigned there.');
  }
  // The same seat given on two devices is one row (see set-ids.ts); given again after being taken
  // back, the removed row comes back.
  const id = setRowId('licence_assignments', e.id, input.assetId ?? null, input.userId ?? null);
  write(ctx, (w) => {
    const row = { entitlement_id: e.id, asset_id: input.assetId ?? null, user_id: input.userId ?? null };
    setMember(ctx, w, 'licence_assignments', id, e.siteId, row, true);
  });
  return getEntitlement(ctx, e.id).assignments.find((a) => a.id === id)!;
}

export function unassignSeat(ctx: Ctx, assignmentId: string): void {
  requireActor(ctx);
  const sqlite = ctx.store.sqlite;
  const a = sqlite.prepare('SELECT scope_id, entitlement_id, asset_id, user_id FROM licence_assignments WHERE id = ? AND deleted_hlc IS NULL').get(assignmentId) as
    | Record<string, string | null>
    | undefined;
  if (!a) throw new AppError('not_found', 'No such licence assignment.');
  write(ctx, (w) => {
    setMember(ctx, w, 'licence_assignments', assignmentId, a.scope_id!, {}, false, { audit: { before: a, after: null } });
  });
}

/** Lower-case substrings that identify a product among installed-software names. */
export function matchersOf(p: { name: string; matchNames: string[] }): string[] {
  const names = p.matchNames.length ? p.matchNames : [p.name];
  return names.map((n) => n.trim().toLowerCase()).filter(Boolean);
}

/**
 * Entitled = seats of entitlements in force today; installed = active assets with matching
 * software; assigned = seats given out. Used = max(installed, assigned): an install without a
 * seat and a seat without an install both consume the licence. Gap = entitled − used.
 */
export function compliance(ctx: Ctx, productId?: string): { items: ComplianceRow[]; totals: { under: number; over: number; expired: number; gapCost: number } } {
  requireActor(ctx);
  const sqlite = ctx.store.sqlite;
  const today = ctx.clock.now().toISOString().slice(0, 10);
  const products = (productId ? [getProduct(sqlite, productId)] : listProducts(ctx)).map((p) => ({ ...p, matchers: matchersOf(p) }));
  const inactive = INACTIVE_STATUSES.map((s) => `'${s}'`).join(',');
  const installedStmt = (n: number) =>
    sqlite.prepare(
      `SELECT count(DISTINCT s.asset_id) FROM installed_software s JOIN assets a ON a.id = s.asset_id
       WHERE s.deleted_hlc IS NULL AND a.deleted_hlc IS NULL AND a.status NOT IN (${inactive})
       AND (${Array.from({ length: n }, () => "instr(s.name_key, ?) > 0").join(' OR ')})`,
    );
  const ents = sqlite.prepare(
    `SELECT e.type, e.seats, e.cost, e.start_date AS startDate, e.end_date AS endDate,
      (SELECT count(*) FROM licence_assignments x WHERE x.entitlement_id = e.id AND x.deleted_hlc IS NULL) AS assigned
     FROM licence_entitlements e WHERE e.product_id = ? AND e.deleted_hlc IS NULL`,
  );
  const items: ComplianceRow[] = [];
  let under = 0;
  let over = 0;
  let expired = 0;
  let gapCost = 0;
  for (const p of products) {
    const rows = ents.all(p.id) as { type: LicenceType; seats: number | null; cost: number | null; startDate: string | null; endDate: string | null; assigned: number }[];
    const inForce = rows.filter((e) => (!e.startDate || e.startDate <= today) && (!e.endDate || e.endDate >= today));
    const unlimited = inForce.some((e) => e.type === 'site' && e.seats === null);
    const entitled = unlimited ? null : inForce.reduce((s, e) => s + (e.seats ?? 0), 0);
    const assigned = inForce.reduce((s, e) => s + e.assigned, 0);
    const installed = p.matchers.length ? (installedStmt(p.matchers.length).pluck().get(...p.matchers) as number) : 0;
    const used = Math.max(installed, assigned);
    const priced = rows.filter((e) => e.cost !== null && (e.seats ?? 0) > 0);
    const unitCost = priced.length ? Math.round((priced.reduce((s, e) => s + e.cost!, 0) / priced.reduce((s, e) => s + e.seats!, 0)) * 100) / 100 : null;
    const gap = entitled === null ? null : entitled - used;
    const ended = rows.filter((e) => e.endDate !== null && e.endDate < today);
    // Licences that have all ended cover nothing: not "compliant" with 0 of 0 seats.
    const lapsed = rows.length > 0 && inForce.length === 0 && used === 0;
    const status: ComplianceRow['status'] =
      gap === null ? 'unlimited' : gap < 0 ? 'under' : lapsed ? (ended.length ? 'expired' : 'not_started') : gap > 0 ? 'over' : 'compliant';
    const cost = gap === null || unitCost === null ? null : Math.round(Math.abs(gap) * unitCost * 100) / 100;
    if (status === 'under') {
      under++;
      gapCost += cost ?? 0;
    }
    if (status === 'over') over++;
    if (status === 'expired') expired++;
    const expiredSeats = ended.some((e) => e.seats === null) ? null : ended.reduce((s, e) => s + (e.seats ?? 0), 0);
    items.push({ productId: p.id, productName: p.name, vendor: p.vendor, entitled, installed, assigned, used, gap, status, unitCost, gapCost: cost, entitlements: rows.length, inForce: inForce.length, expiredSeats });
  }
  items.sort((a, b) => (a.gap ?? Infinity) - (b.gap ?? Infinity) || a.productName.localeCompare(b.productName));
  return { items, totals: { under, over, expired, gapCost: Math.round(gapCost * 100) / 100 } };
}

export function renewals(ctx: Ctx, days: 30 | 60 | 90): Renewal[] {
  requireActor(ctx);
  const now = ctx.clock.now();
  const today = now.toISOString().slice(0, 10);
  const until = new Date(now.getTime() + days * 86400_000).toISOString().slice(0, 10);
  const rows = ctx.store.sqlite
    .prepare(
      `SELECT e.id AS entitlementId, e.product_id AS productId, p.name AS productName, e.type, e.end_date AS endDate, e.seats, e.cost, e.supplier
       FROM licence_entitlements e JOIN software_products p ON p.id = e.product_id
       WHERE e.deleted_hlc IS NULL AND e.end_date IS NOT NULL AND e.end_date >= ? AND e.end_date <= ? ORDER BY e.end_date`,
    )
    .all(today, until) as Omit<Renewal, 'daysLeft' | 'bucket'>[];
  return rows.map((r) => {
    const daysLeft = Math.round((Date.parse(`${r.endDate}T00:00:00Z`) - Date.parse(`${today}T00:00:00Z`)) / 86400_000);
    return { ...r, daysLeft, bucket: daysLeft <= 30 ? 30 : daysLeft <= 60 ? 60 : 90 };
  });
}
