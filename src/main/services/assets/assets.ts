/** The asset register: create, edit, lifecycle, check-out/in, moves, bulk actions, relations. */
import type Database from 'better-sqlite3';
import type { Actor, Ctx } from '../core/context';
import { requireActor, write, type WriteScope } from '../core/write';
import { appendRecord, createRecord, setMember, storeOf, updateRecord, type CreateOptions, type Value, type Values } from '../core/record';
import { stmt } from '../core/stmt';
import { actorJoin } from '../core/audit';
import { uuidv7 } from '../../../shared/ids';
import { setRowId } from '../core/set-ids';
import { AppError } from '../../../shared/result';
import { assetTransitionError, normaliseTag, type AssetStatus, type RelationKind } from '../../../shared/assets/rules';
import type { Asset, AssetDetail, AssetFields, AssetRelation, AssetTimelineEntry } from '../../../shared/api/assets';
import { ASSET_COLUMNS, loadRaw, loadRawByTag, toAsset, type AssetField, type AssetRaw } from './mapping';
import { checkCustomFields } from './fields';

export type AssetColumn = (typeof ASSET_COLUMNS)[AssetField];

/** Columns of a new asset row, as the importer and create() build them. */
export type NewAssetRow = {
  tag: string;
  tag_key: string;
  name: string;
  type: string;
  status: AssetStatus;
} & Partial<Record<Exclude<AssetColumn, 'tag' | 'name' | 'type' | 'status' | 'scope_id'>, string | number | null>>;

/** Every column a new asset row can set besides id, site, times and clocks (the importer's one row shape). */
export const ASSET_INSERT_COLS = [
  'tag',
  'tag_key',
  'name',
  'type',
  'category',
  'manufacturer',
  'model',
  'model_number',
  'serial',
  'uuid',
  'status',
  'status_label',
  'assigned_to_id',
  'location_id',
  'home_location_id',
  'checked_out_at',
  'expected_return',
  'purchase_date',
  'cost',
  'supplier',
  'order_number',
  'warranty_end',
  'eol_date',
  'last_audit_at',
  'next_audit_at',
  'last_inventory_at',
  'notes',
  'custom_fields',
  'hardware',
] as const;

export { stmt };

/**
 * Creates an asset through the record primitive (row, clocks, create op; by default no audit event
 * of its own: the caller's event covers the action). In a bulk write, `buffer` queues the row with
 * the others (see BulkSink).
 */
export function insertAsset(sqlite: Database.Database, w: WriteScope, siteId: string, row: NewAssetRow, id = uuidv7(), opts: CreateOptions = { audit: false }): string {
  const r = row as Record<string, Value | undefined>;
  const values: Values = {};
  // Every column, so a bulk write's rows share one column list.
  for (const c of ASSET_INSERT_COLS) values[c] = r[c] ?? (c === 'custom_fields' ? '{}' : null);
  createRecord(storeOf(sqlite), w, 'assets', id, siteId, values, opts);
  return id;
}

/**
 * Writes changed columns of one asset with their field clocks and a setFields op (a new scope_id
 * moves it, with its history, software and maintenance, to that site). Returns the columns that
 * really changed (unchanged values write nothing).
 */
export function setAssetColumns(sqlite: Database.Database, w: WriteScope, before: AssetRaw, changes: Partial<Record<AssetColumn | 'tag_key', unknown>>, audit = true): string[] {
  const { scope_id: site, ...fields } = changes as Record<string, Value | undefined>;
  const prior = updateRecord(storeOf(sqlite), w, 'assets', before.id, fields, { row: before, scopeId: typeof site === 'string' ? site : undefined, ...(audit ? {} : { audit: false }) });
  return Object.keys(prior);
}

export interface HistoryInput {
  kind: 'status' | 'assignment' | 'field' | 'inventory' | 'audit' | 'vulnerability';
  field?: string | null;
  from?: string | null;
  to?: string | null;
  reason?: string | null;
  assignedToId?: string | null;
  locationId?: string | null;
  expectedReturn?: string | null;
}

/** Appends a row to an asset's history; the action's own audit event covers it. */
export function appendAssetHistory(sqlite: Database.Database, w: WriteScope, assetId: string, scopeId: string, h: HistoryInput, id = uuidv7()): void {
  appendRecord(
    storeOf(sqlite),
    w,
    'asset_history',
    id,
    scopeId,
    {
      asset_id: assetId,
      actor_id: w.actorId,
      kind: h.kind,
      field: h.field ?? null,
      from_value: h.from ?? null,
      to_value: h.to ?? null,
      reason: h.reason ?? null,
      assigned_to_id: h.assignedToId ?? null,
      location_id: h.locationId ?? null,
      expected_return: h.expectedReturn ?? null,
    },
    { audit: false },
  );
}

export function defaultSiteId(ctx: Ctx, actor: Actor | null): string {
  if (actor?.siteIds[0]) return actor.siteIds[0];
  const s = ctx.store.sqlite.prepare('SELECT id FROM sites WHERE deleted_hlc IS NULL ORDER BY created_at LIMIT 1').pluck().get() as string | undefined;
  if (!s) throw new AppError('conflict', 'Create a site before adding assets.');
  return s;
}

function bad(path: string, message: string): AppError {
  return new AppError('invalid_input', message, [{ path: [path], message }]);
}

export function assertUser(sqlite: Database.Database, id: string | null | undefined, path = 'assignedToId'): void {
  if (!id) return;
  const ok = sqlite.prepare('SELECT active FROM users WHERE id = ? AND deleted_hlc IS NULL').pluck().get(id) as number | undefined;
  if (ok === undefined) throw bad(path, 'No such person.');
  if (!ok) throw bad(path, 'That person is deactivated; assets cannot be checked out to them.');
}

/** Returns the location's site, or throws a clear error. */
export function assertLocation(sqlite: Database.Database, id: string | null | undefined, path = 'locationId'): string | null {
  if (!id) return null;
  const site = sqlite.prepare('SELECT scope_id FROM locations WHERE id = ? AND deleted_hlc IS NULL').pluck().get(id) as string | undefined;
  if (!site) throw bad(path, 'No such location.');
  return site;
}

function assertSite(sqlite: Database.Database, id: string): void {
  if (!sqlite.prepare('SELECT 1 FROM sites WHERE id = ? AND deleted_hlc IS NULL').get(id)) throw bad('siteId', 'No such site.');
}

function assertTagFree(sqlite: Database.Database, tag: string, exceptId?: string): string {
  const key = normaliseTag(tag);
  const clash = sqlite.prepare('SELECT id FROM assets WHERE tag_key = ? AND id IS NOT ?').pluck().get(key, exceptId ?? null);
  if (clash) throw new AppError('conflict', `Asset tag ${tag} is already in use.`, [{ path: ['tag'], message: 'Already in use.' }]);
  return key;
}

export function getAssetOrThrow(sqlite: Database.Database, ref: { id: string } | { tag: string }): AssetRaw {
  const raw = 'id' in ref ? loadRaw(sqlite, ref.id) : loadRawByTag(sqlite, normaliseTag(ref.tag));
  if (!raw) throw new AppError('not_found', 'id' in ref ? 'No such asset.' : `No asset is tagged ${ref.tag}.`);
  return raw;
}

const JSON_FIELDS = new Set(['customFields']);

/** Field values in column form (JSON fields serialised). */
function toColumns(fields: AssetFields): Partial<Record<AssetColumn | 'tag_key', unknown>> {
  const out: Partial<Record<AssetColumn | 'tag_key', unknown>> = {};
  for (const [k, v] of Object.entries(fields)) {
    if (v === undefined) continue;
    const col = ASSET_COLUMNS[k as AssetField];
    if (!col) continue;
    out[col] = JSON_FIELDS.has(k) ? JSON.stringify(v) : v;
  }
  if (fields.tag !== undefined) out.tag_key = normaliseTag(fields.tag);
  return out;
}

export interface NewAsset extends AssetFields {
  tag: string;
  name: string;
  status?: AssetStatus;
  assignedToId?: string | null;
}

export function createAsset(ctx: Ctx, input: NewAsset): Asset {
  const actor = requireActor(ctx);
  const sqlite = ctx.store.sqlite;
  const tagKey = assertTagFree(sqlite, input.tag);
  const locSite = assertLocation(sqlite, input.locationId);
  const siteId = input.siteId ?? locSite ?? defaultSiteId(ctx, actor);
  assertSite(sqlite, siteId);
  if (locSite && locSite !== siteId) throw bad('locationId', 'That location belongs to another site.');
  const homeSite = assertLocation(sqlite, input.homeLocationId, 'homeLocationId');
  if (homeSite && homeSite !== siteId) throw bad('homeLocationId', 'The home location belongs to another site.');
  assertUser(sqlite, input.assignedToId);
  checkCustomFields(sqlite, input.category, input.customFields ?? {}, true, ['customFields']);
  const status = input.status ?? (input.assignedToId ? 'deployed' : 'in_stock');
  const cols = toColumns(input);
  delete cols.scope_id;
  const id = uuidv7();
  write(ctx, (w) => {
    const row = { ...cols, tag: input.tag, tag_key: tagKey, name: input.name, type: input.type ?? 'other', status, checked_out_at: input.assignedToId ? w.now : null } as NewAssetRow;
    insertAsset(sqlite, w, siteId, row, id);
    appendAssetHistory(sqlite, w, id, siteId, { kind: 'status', from: null, to: status });
    if (input.assignedToId || input.locationId) {
      appendAssetHistory(sqlite, w, id, siteId, { kind: 'assignment', field: 'checkout', assignedToId: input.assignedToId ?? null, locationId: input.locationId ?? null });
    }
    w.audit('asset', id, null, { ...row, scope_id: siteId });
  });
  return toAsset(sqlite, loadRaw(sqlite, id)!);
}

/** Fields whose edits appear on the asset timeline (the rest are in the audit trail). */
const TIMELINE_FIELDS = new Set(['tag', 'name', 'serial', 'model', 'manufacturer', 'warranty_end', 'eol_date', 'next_audit_at', 'cost', 'purchase_date', 'scope_id', 'location_id', 'home_location_id']);

export function updateAsset(ctx: Ctx, id: string, fields: AssetFields): Asset {
  requireActor(ctx);
  const sqlite = ctx.store.sqlite;
  const before = getAssetOrThrow(sqlite, { id });
  if (fields.tag !== undefined) assertTagFree(sqlite, fields.tag, id);
  if (fields.siteId !== undefined) assertSite(sqlite, fields.siteId);
  const locSite = assertLocation(sqlite, fields.locationId);
  const site = fields.siteId ?? before.scope_id;
  if (locSite && locSite !== site) throw bad('fields.locationId', 'That location belongs to another site.');
  const homeSite = assertLocation(sqlite, fields.homeLocationId, 'fields.homeLocationId');
  if (homeSite && homeSite !== site) throw bad('fields.homeLocationId', 'The home location belongs to another site.');
  if (fields.customFields !== undefined) checkCustomFields(sqlite, fields.category ?? before.category, fields.customFields, false, ['fields', 'customFields']);
  const cols = toColumns(fields);
  // Moving to another site drops a location that belongs to the old one.
  if (fields.siteId && fields.siteId !== before.scope_id && fields.locationId === undefined && before.location_id) cols.location_id = null;
  if (fields.siteId && fields.siteId !== before.scope_id && fields.homeLocationId === undefined && before.home_location_id) cols.home_location_id = null;
  write(ctx, (w) => {
    const changed = setAssetColumns(sqlite, w, before, cols);
    const rec = before as unknown as Record<string, unknown>;
    for (const c of changed) {
      if (!TIMELINE_FIELDS.has(c)) continue;
      const to = (cols as Record<string, unknown>)[c];
      appendAssetHistory(sqlite, w, id, site, { kind: 'field', field: c, from: rec[c] == null ? null : String(rec[c]), to: to == null ? null : String(to) });
    }
  });
  return toAsset(sqlite, loadRaw(sqlite, id)!);
}

function applyTransition(sqlite: Database.Database, w: WriteScope, before: AssetRaw, to: AssetStatus, reason: string | null, extra: Partial<Record<AssetColumn, unknown>> = {}): void {
  const err = assetTransitionError(before.status, to);
  if (err) throw new AppError('invalid_transition', err);
  const changes: Partial<Record<AssetColumn, unknown>> = { status: to, ...extra };
  // Leaving service ends any check-out.
  if (to === 'retired' || to === 'disposed' || to === 'in_stock') {
    changes.assigned_to_id ??= null;
    changes.checked_out_at ??= null;
    changes.expected_return ??= null;
  }
  // The status travels as a field change (the sync server's state machines cover tickets only);
  // the history row keeps from → to and the reason.
  setAssetColumns(sqlite, w, before, changes, false);
  appendAssetHistory(sqlite, w, before.id, before.scope_id, { kind: 'status', from: before.status, to, reason });
  w.audit('asset', before.id, { status: before.status }, { status: to, reason, ...extra });
}

export function transitionAsset(ctx: Ctx, id: string, to: AssetStatus, reason?: string): Asset {
  requireActor(ctx);
  const sqlite = ctx.store.sqlite;
  const before = getAssetOrThrow(sqlite, { id });
  if ((to === 'retired' || to === 'disposed') && !reason) {
    throw new AppError('invalid_input', `Say why the asset is being ${to}.`, [{ path: ['reason'], message: 'A reason is required.' }]);
  }
  write(ctx, (w) => applyTransition(sqlite, w, before, to, reason ?? null));
  return toAsset(sqlite, loadRaw(sqlite, id)!);
}

export interface CheckoutInput {
  assignedToId?: string | null;
  locationId?: string | null;
  expectedReturn?: string | null;
  note?: string;
}

function applyCheckout(sqlite: Database.Database, w: WriteScope, before: AssetRaw, input: CheckoutInput): void {
  if (!input.assignedToId && !input.locationId) throw bad('assignedToId', 'Check out to a person, a location, or both.');
  if (before.status === 'retired' || before.status === 'disposed' || before.status === 'in_repair' || before.status === 'on_order') {
    throw new AppError('invalid_transition', `An asset that is ${before.status.replace('_', ' ')} cannot be checked out. Put it back in stock first.`);
  }
  assertUser(sqlite, input.assignedToId);
  const locSite = assertLocation(sqlite, input.locationId);
  if (locSite && locSite !== before.scope_id) throw bad('locationId', 'That location belongs to another site; move the asset to that site first.');
  if (input.expectedReturn && input.expectedReturn < w.now.slice(0, 10)) throw bad('expectedReturn', 'The expected return date is in the past.');
  const extra: Partial<Record<AssetColumn, unknown>> = {
    assigned_to_id: input.assignedToId ?? null,
    checked_out_at: w.now,
    expected_return: input.expectedReturn ?? null,
  };
  if (input.locationId !== undefined && input.locationId !== null) extra.location_id = input.locationId;
  if (before.status === 'deployed') setAssetColumns(sqlite, w, before, extra);
  else applyTransition(sqlite, w, before, 'deployed', input.note ?? null, extra);
  appendAssetHistory(sqlite, w, before.id, before.scope_id, {
    kind: 'assignment',
    field: 'checkout',
    assignedToId: input.assignedToId ?? null,
    locationId: (extra.location_id as string | undefined) ?? before.location_id,
    expectedReturn: input.expectedReturn ?? null,
    reason: input.note ?? null,
  });
}

function applyCheckin(sqlite: Database.Database, w: WriteScope, before: AssetRaw, input: { locationId?: string | null; note?: string }): void {
  if (before.status !== 'deployed') throw new AppError('invalid_transition', 'Only a deployed (checked-out) asset can be checked in.');
  const locSite = assertLocation(sqlite, input.locationId);
  if (locSite && locSite !== before.scope_id) throw bad('locationId', 'That location belongs to another site.');
  const extra: Partial<Record<AssetColumn, unknown>> = { assigned_to_id: null, checked_out_at: null, expected_return: null };
  // No location given: back to its home location (as Snipe-IT does), if it has one in its site.
  const to = input.locationId || homeInSite(sqlite, before);
  if (to) extra.location_id = to;
  applyTransition(sqlite, w, before, 'in_stock', input.note ?? null, extra);
  appendAssetHistory(sqlite, w, before.id, before.scope_id, { kind: 'assignment', field: 'checkin', locationId: to ?? before.location_id, reason: input.note ?? null });
}

/** The asset's home location while it is a live location of the asset's own site. */
function homeInSite(sqlite: Database.Database, a: AssetRaw): string | null {
  if (!a.home_location_id) return null;
  const site = sqlite.prepare('SELECT scope_id FROM locations WHERE id = ? AND deleted_hlc IS NULL').pluck().get(a.home_location_id) as string | undefined;
  return site === a.scope_id ? a.home_location_id : null;
}

export function applyMove(sqlite: Database.Database, w: WriteScope, before: AssetRaw, locationId: string, reason: string | null = null): void {
  const locSite = assertLocation(sqlite, locationId)!;
  const changes: Partial<Record<AssetColumn, unknown>> = { location_id: locationId };
  if (locSite !== before.scope_id) changes.scope_id = locSite;
  if (!setAssetColumns(sqlite, w, before, changes).length) return;
  appendAssetHistory(sqlite, w, before.id, locSite, { kind: 'assignment', field: 'move', locationId, assignedToId: before.assigned_to_id, reason });
}

export function checkoutAsset(ctx: Ctx, id: string, input: CheckoutInput): Asset {
  requireActor(ctx);
  const sqlite = ctx.store.sqlite;
  const before = getAssetOrThrow(sqlite, { id });
  write(ctx, (w) => applyCheckout(sqlite, w, before, input));
  return toAsset(sqlite, loadRaw(sqlite, id)!);
}

export function checkinAsset(ctx: Ctx, id: string, input: { locationId?: string | null; note?: string }): Asset {
  requireActor(ctx);
  const sqlite = ctx.store.sqlite;
  const before = getAssetOrThrow(sqlite, { id });
  write(ctx, (w) => applyCheckin(sqlite, w, before, input));
  return toAsset(sqlite, loadRaw(sqlite, id)!);
}

export type BulkAction =
  | ({ kind: 'checkout' } & CheckoutInput)
  | { kind: 'checkin'; locationId?: string | null; note?: string }
  | { kind: 'move'; locationId: string }
  | { kind: 'status'; to: AssetStatus; reason?: string };

/**
 * One transaction; each asset in its own savepoint so one refusal (wrong status, unknown tag)
 * is reported without undoing the others.
 */
export function bulkAssets(ctx: Ctx, targets: { ids?: string[]; tags?: string[] }, action: BulkAction): { updated: number; failed: { ref: string; message: string }[] } {
  requireActor(ctx);
  const sqlite = ctx.store.sqlite;
  const refs: ({ id: string } | { tag: string })[] = [...(targets.ids ?? []).map((id) => ({ id })), ...(targets.tags ?? []).map((tag) => ({ tag }))];
  const failed: { ref: string; message: string }[] = [];
  let updated = 0;
  const seen = new Set<string>();
  write(ctx, (w) => {
    for (const ref of refs) {
      const label = 'id' in ref ? ref.id : ref.tag;
      try {
        sqlite.transaction(() => {
          const before = getAssetOrThrow(sqlite, ref);
          if (seen.has(before.id)) return;
          seen.add(before.id);
          switch (action.kind) {
            case 'checkout':
              applyCheckout(sqlite, w, before, action);
              break;
            case 'checkin':
              applyCheckin(sqlite, w, before, action);
              break;
            case 'move':
              applyMove(sqlite, w, before, action.locationId);
              break;
            case 'status':
              if ((action.to === 'retired' || action.to === 'disposed') && !action.reason) throw bad('reason', `Say why the assets are being ${action.to}.`);
              applyTransition(sqlite, w, before, action.to, action.reason ?? null);
              break;
          }
          updated++;
        })();
      } catch (e) {
        if (!(e instanceof AppError)) throw e;
        failed.push({ ref: label, message: e.message });
      }
    }
  });
  return { updated, failed };
}

export function relateAssets(ctx: Ctx, id: string, otherId: string, kind: RelationKind): AssetRelation {
  requireActor(ctx);
  const sqlite = ctx.store.sqlite;
  if (id === otherId) throw bad('otherId', 'An asset cannot be related to itself.');
  const a = getAssetOrThrow(sqlite, { id });
  const b = getAssetOrThrow(sqlite, { id: otherId });
  if (kind === 'part_of') {
    // part-of must stay a tree: refuse when `other` is already (transitively) part of `a`.
    const cycle = sqlite
      .prepare(
        `WITH RECURSIVE up(id) AS (SELECT ? UNION SELECT r.other_id FROM asset_relations r JOIN up ON r.asset_id = up.id WHERE r.kind = 'part_of' AND r.deleted_hlc IS NULL)
         SELECT 1 FROM up WHERE id = ?`,
      )
      .get(otherId, id);
    if (cycle) throw bad('otherId', `${b.tag} is already part of ${a.tag}; that would make a loop.`);
  }
  const existing = sqlite.prepare('SELECT id, deleted_hlc FROM asset_relations WHERE asset_id = ? AND other_id = ? AND kind = ?').get(id, otherId, kind) as
    | { id: string; deleted_hlc: string | null }
    | undefined;
  if (existing && !existing.deleted_hlc) throw new AppError('conflict', 'These assets are already related that way.');
  // The same relation added on two devices is one row (see set-ids.ts); a row made before ids were
  // derived keeps its id.
  const relId = existing?.id ?? setRowId('asset_relations', id, otherId, kind);
  write(ctx, (w) => {
    setMember(ctx, w, 'asset_relations', relId, a.scope_id, { asset_id: id, other_id: otherId, kind }, true, { audit: { type: 'asset_relation', before: null, after: { asset: a.tag, other: b.tag, kind } } });
  });
  return { id: relId, kind, direction: 'outgoing', otherId, otherTag: b.tag, otherName: b.name };
}

export function unrelateAssets(ctx: Ctx, relationId: string): void {
  requireActor(ctx);
  const sqlite = ctx.store.sqlite;
  const r = sqlite.prepare('SELECT scope_id, asset_id, other_id, kind FROM asset_relations WHERE id = ? AND deleted_hlc IS NULL').get(relationId) as
    | { scope_id: string; asset_id: string; other_id: string; kind: string }
    | undefined;
  if (!r) throw new AppError('not_found', 'No such relation.');
  write(ctx, (w) => {
    setMember(ctx, w, 'asset_relations', relationId, r.scope_id, {}, false, { audit: { type: 'asset_relation', before: r, after: null } });
  });
}

/** Sets or clears tickets.linked_asset_id (the ticket's asset field). */
export function linkTicket(ctx: Ctx, assetId: string | null, ticketId: string): void {
  requireActor(ctx);
  const sqlite = ctx.store.sqlite;
  if (assetId) getAssetOrThrow(sqlite, { id: assetId });
  const t = sqlite.prepare('SELECT scope_id, field_hlc, linked_asset_id FROM tickets WHERE id = ? AND deleted_hlc IS NULL').get(ticketId) as
    | { scope_id: string; field_hlc: string; linked_asset_id: string | null }
    | undefined;
  if (!t) throw new AppError('not_found', 'No such ticket.');
  if (t.linked_asset_id === assetId) return;
  write(ctx, (w) => {
    updateRecord(ctx, w, 'tickets', ticketId, { linked_asset_id: assetId }, { row: t, audit: { type: 'ticket' } });
  });
}

function timeline(sqlite: Database.Database, assetId: string): AssetTimelineEntry[] {
  const rows = sqlite
    .prepare(
      `SELECT h.id, h.created_at AS at, h.actor_id AS actorId, coalesce(u.display_name, CASE h.actor_id WHEN 'system' THEN 'Outpost' WHEN 'agent' THEN 'Inventory agent' ELSE 'Unknown' END) AS actorName,
         h.kind, h.field, h.from_value AS fromValue, h.to_value AS toValue, h.reason, h.assigned_to_id AS assignedToId, au.display_name AS assignedToName,
         h.location_id AS locationId, l.name AS locationName, h.expected_return AS expectedReturn
       FROM asset_history h LEFT JOIN users u ON u.id = h.actor_id LEFT JOIN users au ON au.id = h.assigned_to_id LEFT JOIN locations l ON l.id = h.location_id
       WHERE h.asset_id = ? AND h.deleted_hlc IS NULL ORDER BY h.created_at, h.id`,
    )
    .all(assetId) as {
    id: string;
    at: string;
    actorId: string;
    actorName: string;
    kind: string;
    field: string | null;
    fromValue: string | null;
    toValue: string | null;
    reason: string | null;
    assignedToId: string | null;
    assignedToName: string | null;
    locationId: string | null;
    locationName: string | null;
    expectedReturn: string | null;
  }[];
  const entries = rows.map((r): AssetTimelineEntry => {
    const base = { id: r.id, at: r.at, actorId: r.actorId, actorName: r.actorName };
    switch (r.kind) {
      case 'status':
        return { kind: 'status', ...base, from: r.fromValue as AssetStatus | null, to: r.toValue as AssetStatus, reason: r.reason };
      case 'assignment':
        return {
          kind: 'assignment',
          ...base,
          action: (r.field ?? 'move') as 'checkout' | 'checkin' | 'move',
          assignedToId: r.assignedToId,
          assignedToName: r.assignedToName,
          locationId: r.locationId,
          locationName: r.locationName,
          expectedReturn: r.expectedReturn,
          note: r.reason,
        };
      case 'audit':
        return { kind: 'audit', ...base, auditId: r.field ?? '', result: r.toValue ?? '', locationName: r.locationName };
      case 'inventory':
        return { kind: 'inventory', ...base, source: r.field ?? 'inventory', note: r.reason };
      default:
        return { kind: 'field', ...base, field: r.field ?? '', from: r.fromValue, to: r.toValue };
    }
  });
  // An import writes no history rows of its own; its audit events (one per asset) say when it came in.
  const imports = sqlite
    .prepare(
      `SELECT e.id, e.at, coalesce(e.actor_id, 'system') AS actorId, coalesce(u.display_name, 'Unknown') AS actorName, e.before IS NULL AS created, e.after
       FROM audit_events e ${actorJoin()}
       WHERE e.record_id = ? AND e.record_type = 'asset' AND e.call = 'assets.import' ORDER BY e.seq`,
    )
    .all(assetId) as { id: string; at: string; actorId: string; actorName: string; created: number; after: string | null }[];
  // A large import lists its records a few hundred per event: this asset's part of each.
  const grouped = sqlite
    .prepare(
      `SELECT e.id, e.at, coalesce(e.actor_id, 'system') AS actorId, coalesce(u.display_name, 'Unknown') AS actorName, e.after
       FROM audit_event_records r JOIN audit_events e ON e.seq = r.seq ${actorJoin()}
       WHERE r.record_id = ? AND e.record_type = 'asset' AND e.call = 'assets.import' ORDER BY e.seq`,
    )
    .all(assetId) as { id: string; at: string; actorId: string; actorName: string; after: string | null }[];
  for (const g of grouped) {
    const list = g.after ? (JSON.parse(g.after) as { changes?: { id: string; before: unknown; after: unknown }[] }).changes ?? [] : [];
    const mine = list.find((c) => c.id === assetId);
    if (mine) imports.push({ id: g.id, at: g.at, actorId: g.actorId, actorName: g.actorName, created: mine.before === null ? 1 : 0, after: JSON.stringify(mine.after ?? {}) });
  }
  if (!imports.length) return entries;
  for (const e of imports) {
    const after = e.after ? (JSON.parse(e.after) as Record<string, unknown>) : {};
    entries.push({ kind: 'import', id: e.id, at: e.at, actorId: e.actorId, actorName: e.actorName, action: e.created ? 'created' : 'updated', fields: Object.keys(after).filter((k) => k !== 'scope_id' && k !== 'tag_key') });
  }
  // Oldest first, as the rows above; an import's event sorts before history written in the same instant.
  return entries.map((t, i) => ({ t, i })).sort((a, b) => (a.t.at < b.t.at ? -1 : a.t.at > b.t.at ? 1 : (a.t.kind === 'import' ? 0 : 1) - (b.t.kind === 'import' ? 0 : 1) || a.i - b.i)).map((x) => x.t);
}

export function getAssetDetail(ctx: Ctx, ref: { id: string } | { tag: string }): AssetDetail {
  requireActor(ctx);
  const sqlite = ctx.store.sqlite;
  const raw = getAssetOrThrow(sqlite, ref);
  const asset = toAsset(sqlite, raw);
  const relations = sqlite
    .prepare(
      `SELECT r.id, r.kind, 'outgoing' AS direction, o.id AS otherId, o.tag AS otherTag, o.name AS otherName FROM asset_relations r JOIN assets o ON o.id = r.other_id
         WHERE r.asset_id = ? AND r.deleted_hlc IS NULL
       UNION ALL
       SELECT r.id, r.kind, 'incoming', o.id, o.tag, o.name FROM asset_relations r JOIN assets o ON o.id = r.asset_id
         WHERE r.other_id = ? AND r.deleted_hlc IS NULL`,
    )
    .all(raw.id, raw.id) as AssetRelation[];
  const tickets = sqlite
    .prepare(`SELECT id, number, title, status, opened_at AS openedAt FROM tickets WHERE linked_asset_id = ? AND deleted_hlc IS NULL ORDER BY opened_at DESC LIMIT 200`)
    .all(raw.id) as AssetDetail['tickets'];
  const software = sqlite
    .prepare(`SELECT id, name, vendor, version, source FROM installed_software WHERE asset_id = ? AND deleted_hlc IS NULL ORDER BY name_key`)
    .all(raw.id) as AssetDetail['software'];
  const licences = sqlite
    .prepare(
      `SELECT a.id AS assignmentId, e.id AS entitlementId, p.name AS productName, e.type FROM licence_assignments a
       JOIN licence_entitlements e ON e.id = a.entitlement_id JOIN software_products p ON p.id = e.product_id
       WHERE a.asset_id = ? AND a.deleted_hlc IS NULL`,
    )
    .all(raw.id) as AssetDetail['licences'];
  return { ...asset, timeline: timeline(sqlite, raw.id), relations, tickets, software, licences };
}
