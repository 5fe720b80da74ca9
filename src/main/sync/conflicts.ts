/**
 * The conflicts inbox. Conflicts are synced records made by the server's merge; resolving one is
 * itself a local write (ops for the chosen value and for the conflict's status), so every replica
 * converges on the decision.
 */
import type Database from 'better-sqlite3';
import type { Ctx } from '../services/core/context';
import { requireActor, write } from '../services/core/write';
import { deviceId, restamp } from '../services/core/ops';
import { DELETED, RESTORED } from '../../shared/sync/merge';
import { ruleFor } from '../../shared/sync/entities';
import { transitionTicket } from '../services/tickets/tickets';
import { parseHlc, stampHlc } from '../../shared/hlc';
import { AppError } from '../../shared/result';
import type { ConflictItem, ConflictSide } from '../../shared/api/sync';
import type { TicketStatus } from '../../shared/tickets/rules';

interface ConflictRow {
  id: string;
  scope_id: string;
  created_at: string;
  entity: string;
  record_id: string;
  field: string;
  kind: ConflictItem['kind'];
  kept_value: string | null;
  lost_value: string | null;
  kept_stamp: string | null;
  lost_stamp: string | null;
  kept_device: string | null;
  lost_device: string | null;
  field_hlc: string;
}

function when(stamp: string | null): string | null {
  if (!stamp) return null;
  try {
    return new Date(parseHlc(stampHlc(stamp)).wall).toISOString();
  } catch {
    return null;
  }
}

/** Team settings rows carry fixed ids ("setting.priority_matrix"): what an administrator calls them. */
const SETTING_NAMES: Record<string, string> = {
  'setting.priority_matrix': 'Team setting: priority matrix',
  'setting.organisation': 'Team setting: organisation name',
  'setting.updates': 'Team setting: update feed',
};

/** How the inbox names a record: the words IT staff use for it, not its table and id. */
const LABELS: Record<string, { sql: string; format: (r: Record<string, unknown>) => string }> = {
  tickets: { sql: 'SELECT number, title FROM tickets WHERE id = ?', format: (r) => `${String(r.number)} ${String(r.title)}` },
  assets: { sql: 'SELECT tag, name FROM assets WHERE id = ?', format: (r) => `Asset ${String(r.tag)} ${String(r.name)}` },
  ticket_categories: { sql: 'SELECT name FROM ticket_categories WHERE id = ?', format: (r) => `Category ${String(r.name)}` },
  asset_models: { sql: 'SELECT name FROM asset_models WHERE id = ?', format: (r) => `Asset model ${String(r.name)}` },
  users: { sql: 'SELECT display_name FROM users WHERE id = ?', format: (r) => `Person ${String(r.display_name)}` },
  sites: { sql: 'SELECT name FROM sites WHERE id = ?', format: (r) => `Site ${String(r.name)}` },
  groups: { sql: 'SELECT name FROM groups WHERE id = ?', format: (r) => `Group ${String(r.name)}` },
  locations: { sql: 'SELECT name FROM locations WHERE id = ?', format: (r) => `Location ${String(r.name)}` },
};

function label(sqlite: Database.Database, entity: string, id: string): string {
  if (entity === 'team_settings' && SETTING_NAMES[id]) return SETTING_NAMES[id];
  const l = LABELS[entity];
  if (l) {
    try {
      const r = sqlite.prepare(l.sql).get(id) as Record<string, unknown> | undefined;
      if (r) return l.format(r);
    } catch {
      // A table this version does not have: fall back to the generic label.
    }
  }
  return `${entity.replace(/_/g, ' ')} ${id.slice(0, 8)}`;
}

function sides(r: ConflictRow, me: string): { mine: ConflictSide; theirs: ConflictSide; current: 'mine' | 'theirs' } {
  const kept: ConflictSide = { value: r.kept_value, device: r.kept_device, stamp: r.kept_stamp, at: when(r.kept_stamp) };
  const lost: ConflictSide = { value: r.lost_value, device: r.lost_device, stamp: r.lost_stamp, at: when(r.lost_stamp) };
  // "Mine" is what this device wrote; when this device wrote neither, it is the side that lost.
  if (r.kept_device === me && r.lost_device !== me) return { mine: kept, theirs: lost, current: 'mine' };
  return { mine: lost, theirs: kept, current: 'theirs' };
}

export function listConflicts(ctx: Ctx, recordId?: string): ConflictItem[] {
  requireActor(ctx);
  const sqlite = ctx.store.sqlite;
  const me = deviceId(sqlite);
  const rows = sqlite
    .prepare(
      `SELECT * FROM sync_conflicts WHERE status = 'open' AND deleted_hlc IS NULL ${recordId ? 'AND record_id = ?' : ''} ORDER BY created_at DESC, id LIMIT 500`,
    )
    .all(...(recordId ? [recordId] : [])) as ConflictRow[];
  return rows.map((r) => ({
    id: r.id,
    entity: r.entity,
    recordId: r.record_id,
    recordLabel: label(sqlite, r.entity, r.record_id),
    field: r.field,
    kind: r.kind,
    ...sides(r, me),
    createdAt: r.created_at,
  }));
}

function markResolved(ctx: Ctx, r: ConflictRow, keep: 'mine' | 'theirs', w: { stamp: string; now: string; op: (o: { kind: 'setFields' | 'restore'; entity: string; recordId: string; scopeId: string; payload: unknown }) => void; audit: (t: string, id: string | null, b: unknown, a: unknown) => void }) {
  const sqlite = ctx.store.sqlite;
  const actor = requireActor(ctx);
  const cols = { status: 'resolved', resolution: keep, resolved_by: actor.id };
  sqlite
    .prepare('UPDATE sync_conflicts SET status = ?, resolution = ?, resolved_by = ?, updated_at = ?, field_hlc = ? WHERE id = ?')
    .run(cols.status, cols.resolution, cols.resolved_by, w.now, restamp(r.field_hlc, Object.keys(cols), w.stamp), r.id);
  w.op({ kind: 'setFields', entity: 'sync_conflicts', recordId: r.id, scopeId: r.scope_id, payload: cols });
  w.audit('sync_conflict', r.id, { status: 'open' }, { status: 'resolved', keep, field: r.field, recordId: r.record_id });
}

export function resolveConflict(ctx: Ctx, id: string, keep: 'mine' | 'theirs'): { id: string; resolved: true } {
  requireActor(ctx);
  const sqlite = ctx.store.sqlite;
  const r = sqlite.prepare('SELECT * FROM sync_conflicts WHERE id = ? AND deleted_hlc IS NULL').get(id) as (ConflictRow & { status: string }) | undefined;
  if (!r) throw new AppError('not_found', 'No such conflict.');
  if (r.status !== 'open') throw new AppError('conflict', 'This conflict was already resolved (perhaps on another device).');
  const { mine, theirs } = sides(r, deviceId(sqlite));
  const chosen = keep === 'mine' ? mine : theirs;

  if (r.kind === 'transition') {
    const cur = sqlite.prepare('SELECT status FROM tickets WHERE id = ?').pluck().get(r.record_id) as string | undefined;
    if (chosen.value && cur && chosen.value !== cur) {
      // Re-run the move through the normal rules: it may need a reason or a resolution.
      transitionTicket(ctx, r.record_id, { to: chosen.value as TicketStatus });
    }
    write(ctx, (w) => markResolved(ctx, r, keep, w));
    return { id, resolved: true };
  }
  if (r.kind === 'deleted') {
    if (chosen.value === 'deleted') {
      write(ctx, (w) => markResolved(ctx, r, keep, w));
      return { id, resolved: true };
    }
    restoreRecord(ctx, r, chosen.value, keep);
    return { id, resolved: true };
  }

  const table = r.entity;
  const safe = /^[a-z][a-z0-9_]*$/;
  const hasColumn = safe.test(table) && safe.test(r.field) && !!sqlite.prepare('SELECT 1 FROM pragma_table_info(?) WHERE name = ?').get(table, r.field);
  if (!hasColumn) throw new AppError('conflict', `Cannot resolve a conflict on ${table}.${r.field}: this device does not have that field.`);
  const row = sqlite.prepare(`SELECT ${r.field} AS v, field_hlc, scope_id, deleted_hlc FROM ${table} WHERE id = ?`).get(r.record_id) as
    | { v: unknown; field_hlc: string; scope_id: string; deleted_hlc: string | null }
    | undefined;
  if (!row) throw new AppError('not_found', 'The record behind this conflict is not on this device yet; sync, then try again.');
  write(ctx, (w) => {
    const current = row.v === null || row.v === undefined ? null : String(row.v);
    if (current !== chosen.value && !row.deleted_hlc) {
      sqlite.prepare(`UPDATE ${table} SET ${r.field} = ?, updated_at = ?, field_hlc = ? WHERE id = ?`).run(chosen.value, w.now, restamp(row.field_hlc, [r.field], w.stamp), r.record_id);
      w.op({ kind: 'setFields', entity: table, recordId: r.record_id, scopeId: row.scope_id, payload: { [r.field]: chosen.value } });
      w.audit(table.replace(/s$/, ''), r.record_id, { [r.field]: current }, { [r.field]: chosen.value });
    }
    markResolved(ctx, r, keep, w);
  });
  return { id, resolved: true };
}


const SAFE_NAME = /^[a-z][a-z0-9_]*$/;
const BASE_COLUMNS = new Set(['id', 'scope_id', 'created_at', 'updated_at', 'field_hlc', 'deleted_hlc']);

/**
 * "Keep the edit" on an edit-after-delete conflict: the record comes back. Locally the tombstone is
 * cleared and the lost fields re-applied at a fresh stamp; the restore op carries the same fields,
 * and every replica merges it by the shared rules (it wins over every delete older than it).
 */
function restoreRecord(ctx: Ctx, r: ConflictRow, lostValue: string | null, keep: 'mine' | 'theirs'): void {
  const sqlite = ctx.store.sqlite;
  const table = r.entity;
  if (!SAFE_NAME.test(table) || ruleFor(table).merge !== 'record') throw new AppError('conflict', `A deleted ${table.replace(/_/g, ' ')} cannot be brought back from the inbox.`);
  const cols = new Set(sqlite.prepare('SELECT name FROM pragma_table_info(?)').pluck().all(table) as string[]);
  if (!cols.has('deleted_hlc')) throw new AppError('conflict', `This device has no ${table.replace(/_/g, ' ')} records.`);
  const row = sqlite.prepare(`SELECT scope_id, field_hlc, deleted_hlc FROM ${table} WHERE id = ?`).get(r.record_id) as
    | { scope_id: string; field_hlc: string; deleted_hlc: string | null }
    | undefined;
  if (!row) throw new AppError('not_found', 'The record behind this conflict is not on this device yet; sync, then try again.');
  let lost: unknown;
  try {
    lost = lostValue ? (JSON.parse(lostValue) as unknown) : {};
  } catch {
    lost = {};
  }
  const fields: Record<string, string | number | null> = {};
  if (lost && typeof lost === 'object' && !Array.isArray(lost)) {
    for (const [k, v] of Object.entries(lost as Record<string, unknown>)) {
      // Only plain columns this device knows; the status only ever moves through transitions.
      if (!SAFE_NAME.test(k) || !cols.has(k) || BASE_COLUMNS.has(k) || (k === 'status' && ruleFor(table).status)) continue;
      if (v === null || typeof v === 'string' || typeof v === 'number') fields[k] = v;
      else if (typeof v === 'boolean') fields[k] = v ? 1 : 0;
    }
  }
  write(ctx, (w) => {
    const clocks = JSON.parse(row.field_hlc || '{}') as Record<string, string>;
    if (row.deleted_hlc && clocks[DELETED] === undefined) clocks[DELETED] = row.deleted_hlc;
    clocks[RESTORED] = w.stamp;
    for (const f of Object.keys(fields)) clocks[f] = w.stamp;
    const names = Object.keys(fields);
    sqlite
      .prepare(`UPDATE ${table} SET ${names.map((n) => `${n} = ?, `).join('')}deleted_hlc = NULL, updated_at = ?, field_hlc = ? WHERE id = ?`)
      .run(...names.map((n) => fields[n]), w.now, JSON.stringify(clocks), r.record_id);
    w.op({ kind: 'restore', entity: table, recordId: r.record_id, scopeId: row.scope_id, payload: { fields } });
    w.audit(table.replace(/s$/, ''), r.record_id, { deleted: true }, { deleted: false, restored: fields });
    markResolved(ctx, r, keep, w);
  });
}
