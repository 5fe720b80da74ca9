/** Installed software per asset (by hand; inventory writes its own) and maintenance records. */
import type { Ctx } from '../core/context';
import { requireActor, write } from '../core/write';
import { createRecord, deleteRecord, updateRecord, type Values } from '../core/record';
import { uuidv7 } from '../../../shared/ids';
import { AppError } from '../../../shared/result';
import type { InstalledSoftware, Maintenance, MaintenanceKind, MaintenanceStatus, SoftwareTitle } from '../../../shared/api/software';
import { getAssetOrThrow } from '../assets/assets';

export function listInstalled(ctx: Ctx, assetId: string): InstalledSoftware[] {
  requireActor(ctx);
  getAssetOrThrow(ctx.store.sqlite, { id: assetId });
  return ctx.store.sqlite
    .prepare(
      `SELECT id, asset_id AS assetId, name, vendor, version, installed_on AS installedOn, source FROM installed_software
       WHERE asset_id = ? AND deleted_hlc IS NULL ORDER BY name_key, version`,
    )
    .all(assetId) as InstalledSoftware[];
}

export function listTitles(ctx: Ctx, input: { text?: string; limit: number; cursor?: string | null }): { items: SoftwareTitle[]; nextCursor: string | null } {
  requireActor(ctx);
  const where = ['deleted_hlc IS NULL'];
  const args: unknown[] = [];
  if (input.text) {
    where.push("name_key LIKE ? ESCAPE '\\'");
    args.push(`%${input.text.toLowerCase().replace(/[%_\\]/g, (c) => '\\' + c)}%`);
  }
  if (input.cursor) {
    where.push('name_key > ?');
    args.push(Buffer.from(input.cursor, 'base64url').toString('utf8'));
  }
  const rows = ctx.store.sqlite
    .prepare(
      `SELECT name_key AS k, min(name) AS name, min(vendor) AS vendor, count(DISTINCT coalesce(version, '')) AS versions, count(DISTINCT asset_id) AS installs
       FROM installed_software WHERE ${where.join(' AND ')} GROUP BY name_key ORDER BY name_key LIMIT ?`,
    )
    .all(...args, input.limit + 1) as (SoftwareTitle & { k: string })[];
  const more = rows.length > input.limit;
  if (more) rows.pop();
  const last = rows[rows.length - 1];
  return { items: rows.map(({ k: _k, ...t }) => t), nextCursor: more && last ? Buffer.from(last.k).toString('base64url') : null };
}

export function addSoftware(ctx: Ctx, input: { assetId: string; name: string; vendor?: string | null; version?: string | null; installedOn?: string | null }): InstalledSoftware {
  requireActor(ctx);
  const sqlite = ctx.store.sqlite;
  const asset = getAssetOrThrow(sqlite, { id: input.assetId });
  const dup = sqlite
    .prepare('SELECT 1 FROM installed_software WHERE asset_id = ? AND name_key = ? AND version IS ? AND deleted_hlc IS NULL')
    .get(asset.id, input.name.toLowerCase(), input.version ?? null);
  if (dup) throw new AppError('conflict', `${input.name} ${input.version ?? ''} is already listed on ${asset.tag}.`.replace('  ', ' '));
  const id = uuidv7();
  write(ctx, (w) => {
    const row = { asset_id: asset.id, name: input.name, name_key: input.name.toLowerCase(), vendor: input.vendor ?? null, version: input.version ?? null, installed_on: input.installedOn ?? null, source: 'manual' };
    createRecord(ctx, w, 'installed_software', id, asset.scope_id, row);
  });
  return listInstalled(ctx, asset.id).find((s) => s.id === id)!;
}

export function removeSoftware(ctx: Ctx, id: string): void {
  requireActor(ctx);
  const sqlite = ctx.store.sqlite;
  const r = sqlite.prepare('SELECT scope_id, asset_id, name, version FROM installed_software WHERE id = ? AND deleted_hlc IS NULL').get(id) as Record<string, string | null> | undefined;
  if (!r) throw new AppError('not_found', 'No such installed software.');
  write(ctx, (w) => {
    deleteRecord(ctx, w, 'installed_software', id, { audit: { before: r, after: null } });
  });
}

const M_SELECT = `SELECT m.id, m.asset_id AS assetId, a.tag AS assetTag, a.name AS assetName, m.kind, m.title, m.software, m.from_version AS fromVersion,
  m.to_version AS toVersion, m.status, m.window_start AS windowStart, m.window_end AS windowEnd, m.performed_by_id AS performedById,
  u.display_name AS performedByName, m.ticket_id AS ticketId, t.number AS ticketNumber, m.notes, m.created_at AS createdAt, m.updated_at AS updatedAt
  FROM maintenance_records m JOIN assets a ON a.id = m.asset_id LEFT JOIN users u ON u.id = m.performed_by_id LEFT JOIN tickets t ON t.id = m.ticket_id
  WHERE m.deleted_hlc IS NULL`;

export function listMaintenance(ctx: Ctx, input: { assetId?: string; status?: MaintenanceStatus[]; limit: number }): Maintenance[] {
  requireActor(ctx);
  const where: string[] = [];
  const args: unknown[] = [];
  if (input.assetId) {
    where.push('m.asset_id = ?');
    args.push(input.assetId);
  }
  if (input.status?.length) {
    where.push(`m.status IN (${input.status.map(() => '?').join(',')})`);
    args.push(...input.status);
  }
  return ctx.store.sqlite
    .prepare(`${M_SELECT} ${where.map((w) => `AND ${w}`).join(' ')} ORDER BY coalesce(m.window_start, m.created_at) DESC LIMIT ?`)
    .all(...args, input.limit) as Maintenance[];
}

export interface MaintenanceFields {
  assetId?: string;
  kind?: MaintenanceKind;
  title?: string;
  software?: string | null;
  fromVersion?: string | null;
  toVersion?: string | null;
  status?: MaintenanceStatus;
  windowStart?: string | null;
  windowEnd?: string | null;
  performedById?: string | null;
  ticketId?: string | null;
  notes?: string | null;
}

const M_COLUMNS: Record<keyof MaintenanceFields, string> = {
  assetId: 'asset_id',
  kind: 'kind',
  title: 'title',
  software: 'software',
  fromVersion: 'from_version',
  toVersion: 'to_version',
  status: 'status',
  windowStart: 'window_start',
  windowEnd: 'window_end',
  performedById: 'performed_by_id',
  ticketId: 'ticket_id',
  notes: 'notes',
};

function checkRefs(ctx: Ctx, f: MaintenanceFields, path: string[]) {
  const sqlite = ctx.store.sqlite;
  const bad = (field: string, message: string) => new AppError('invalid_input', message, [{ path: [...path, field], message }]);
  if (f.performedById && !sqlite.prepare('SELECT 1 FROM users WHERE id = ? AND deleted_hlc IS NULL').get(f.performedById)) throw bad('performedById', 'No such person.');
  if (f.ticketId && !sqlite.prepare('SELECT 1 FROM tickets WHERE id = ? AND deleted_hlc IS NULL').get(f.ticketId)) throw bad('ticketId', 'No such ticket.');
  if (f.windowStart && f.windowEnd && Date.parse(f.windowEnd) < Date.parse(f.windowStart)) throw bad('windowEnd', 'The maintenance window ends before it starts.');
}

function loadMaintenance(ctx: Ctx, id: string): Maintenance {
  const m = ctx.store.sqlite.prepare(`${M_SELECT} AND m.id = ?`).get(id) as Maintenance | undefined;
  if (!m) throw new AppError('not_found', 'No such maintenance record.');
  return m;
}

export function createMaintenance(ctx: Ctx, input: MaintenanceFields & { assetId: string; kind: MaintenanceKind; title: string }): Maintenance {
  const actor = requireActor(ctx);
  const sqlite = ctx.store.sqlite;
  const asset = getAssetOrThrow(sqlite, { id: input.assetId });
  checkRefs(ctx, input, []);
  const id = uuidv7();
  write(ctx, (w) => {
    const row: Record<string, unknown> = {};
    for (const [k, col] of Object.entries(M_COLUMNS)) row[col] = (input as unknown as Record<string, unknown>)[k] ?? null;
    row.status ??= 'planned';
    // Applied or failed work was done by someone: the person recording it unless told otherwise.
    if ((row.status === 'applied' || row.status === 'failed') && !row.performed_by_id) row.performed_by_id = actor.id;
    createRecord(ctx, w, 'maintenance_records', id, asset.scope_id, row as Values);
  });
  return loadMaintenance(ctx, id);
}

export function updateMaintenance(ctx: Ctx, id: string, fields: MaintenanceFields): Maintenance {
  const actor = requireActor(ctx);
  const sqlite = ctx.store.sqlite;
  const before = sqlite.prepare('SELECT * FROM maintenance_records WHERE id = ? AND deleted_hlc IS NULL').get(id) as Record<string, unknown> | undefined;
  if (!before) throw new AppError('not_found', 'No such maintenance record.');
  checkRefs(ctx, { windowStart: before.window_start as string | null, windowEnd: before.window_end as string | null, ...fields }, ['fields']);
  const changes: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(fields)) {
    const col = M_COLUMNS[k as keyof MaintenanceFields];
    if (col && v !== undefined && before[col] !== v) changes[col] = v;
  }
  if ((changes.status === 'applied' || changes.status === 'failed') && !before.performed_by_id && changes.performed_by_id === undefined) changes.performed_by_id = actor.id;
  const cols = Object.keys(changes);
  if (cols.length) {
    write(ctx, (w) => {
      updateRecord(ctx, w, 'maintenance_records', id, changes as Values, { row: before });
    });
  }
  return loadMaintenance(ctx, id);
}
