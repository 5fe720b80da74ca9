/**
 * The conflicts inbox. Conflicts are synced records made by the server's merge; resolving one is
 * itself a local write (ops for the chosen value and for the conflict's status), so every replica
 * converges on the decision.
 */
import type Database from 'better-sqlite3';
import type { Ctx } from '../services/core/context';
import { requireActor, write, type WriteScope } from '../services/core/write';
import { deviceId } from '../services/core/ops';
import { restoreRecord, updateRecord } from '../services/core/record';
import { isKnownEntity, ruleFor } from '../../shared/sync/entities';
import { transitionTicket, updateTicket } from '../services/tickets/tickets';
import type { TicketFields } from '../../shared/api/tickets';
import { FIELD_COLUMNS, type EditableField } from '../services/tickets/mapping';
import { parseHlc, stampHlc } from '../../shared/hlc';
import { AppError } from '../../shared/result';
import type { ConflictItem, ConflictPage, ConflictSide } from '../../shared/api/sync';
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
  lost_author: string | null;
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
  risks: { sql: 'SELECT number, title FROM risks WHERE id = ?', format: (r) => `Risk ${String(r.number)} ${String(r.title)}` },
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

/** The inbox's filters (all optional; together they narrow the inbox, never widen it). */
export interface ConflictFilter {
  recordId?: string;
  kind?: ConflictItem['kind'];
  entity?: string;
  siteId?: string;
  /** Whose value lost: this person's (on any device, or this device's), someone else's, or anyone's. */
  lostBy?: 'me' | 'others' | 'anyone';
}

/**
 * Which conflicts the signed-in person's inbox holds, as SQL: every open conflict (it waits for a
 * decision), and the auto-resolved ones that overwrote this person's value (on any device) or this
 * device's. One builder for the list, its total and the top-bar count, so they always agree.
 */
function inboxWhere(ctx: Ctx, f: ConflictFilter): { sql: string; args: unknown[] } {
  const actor = requireActor(ctx);
  const me = deviceId(ctx.store.sqlite);
  const mine = '(lost_author = ? OR lost_device = ?)';
  const where = [`deleted_hlc IS NULL`, `(status = 'open' OR (status = 'auto' AND ${mine}))`];
  const args: unknown[] = [actor.id, me];
  if (f.recordId) {
    where.push('record_id = ?');
    args.push(f.recordId);
  }
  if (f.kind) {
    where.push('kind = ?');
    args.push(f.kind);
  }
  if (f.entity) {
    where.push('entity = ?');
    args.push(f.entity);
  }
  if (f.siteId) {
    where.push('scope_id = ?');
    args.push(f.siteId);
  }
  if (f.lostBy === 'me' || f.lostBy === 'others') {
    where.push(f.lostBy === 'me' ? mine : `NOT ${mine}`);
    args.push(actor.id, me);
  }
  return { sql: where.join(' AND '), args };
}

/** How many conflicts the inbox holds under these filters (the top bar: no filters). */
export function countConflicts(ctx: Ctx, f: ConflictFilter = {}): number {
  const w = inboxWhere(ctx, f);
  return ctx.store.sqlite.prepare(`SELECT count(*) FROM sync_conflicts WHERE ${w.sql}`).pluck().get(...w.args) as number;
}

function encodeCursor(r: { created_at: string; id: string }): string {
  return Buffer.from(JSON.stringify([r.created_at, r.id])).toString('base64url');
}

function decodeCursor(cursor: string): [string, string] {
  try {
    const v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(v) && v.length === 2 && v.every((x) => typeof x === 'string')) return v as [string, string];
  } catch {
    /* fall through */
  }
  throw new AppError('invalid_input', 'The page cursor is not valid for the conflicts list; start from the first page.', [{ path: ['cursor'], message: 'Invalid cursor.' }]);
}

export const CONFLICT_PAGE_MAX = 500;

/**
 * One page of the inbox, newest first, by keyset (created_at, id): no cap on how far it goes, and
 * a conflict arriving meanwhile never shifts or repeats a page. `total` counts the whole inbox
 * under the same filters.
 */
export function listConflicts(ctx: Ctx, f: ConflictFilter & { cursor?: string | null; limit?: number } = {}): ConflictPage {
  const sqlite = ctx.store.sqlite;
  const me = deviceId(sqlite);
  const actor = requireActor(ctx);
  const limit = Math.min(Math.max(1, f.limit ?? 100), CONFLICT_PAGE_MAX);
  const w = inboxWhere(ctx, f);
  const where = [w.sql];
  const args = [...w.args];
  if (f.cursor) {
    const [at, id] = decodeCursor(f.cursor);
    where.push('(created_at < ? OR (created_at = ? AND id < ?))');
    args.push(at, at, id);
  }
  const rows = sqlite
    .prepare(`SELECT * FROM sync_conflicts WHERE ${where.join(' AND ')} ORDER BY created_at DESC, id DESC LIMIT ?`)
    .all(...args, limit + 1) as (ConflictRow & { status: string })[];
  const more = rows.length > limit;
  const page = rows.slice(0, limit);
  return {
    items: page.map((r) => ({
      id: r.id,
      entity: r.entity,
      recordId: r.record_id,
      recordLabel: label(sqlite, r.entity, r.record_id),
      siteId: r.scope_id,
      field: r.field,
      kind: r.kind,
      autoResolved: r.status === 'auto',
      lostByMe: r.lost_author === actor.id || r.lost_device === me,
      ...sides(r, me),
      createdAt: r.created_at,
    })),
    total: countConflicts(ctx, f),
    nextCursor: more ? encodeCursor(page[page.length - 1]!) : null,
  };
}

function markResolved(ctx: Ctx, w: WriteScope, r: ConflictRow, resolution: 'mine' | 'theirs' | 'kept' | 'lost') {
  const actor = requireActor(ctx);
  // The record primitive writes the row, its clocks, the op and the audit event (status before and after).
  updateRecord(ctx, w, 'sync_conflicts', r.id, { status: 'resolved', resolution, resolved_by: actor.id });
}

function openRow(sqlite: Database.Database, id: string): ConflictRow & { status: string } {
  const r = sqlite.prepare('SELECT * FROM sync_conflicts WHERE id = ? AND deleted_hlc IS NULL').get(id) as (ConflictRow & { status: string }) | undefined;
  if (!r) throw new AppError('not_found', 'No such conflict.');
  return r;
}

/** Ticket columns the ticket service edits (so a value put back keeps its history and rules): column → API field. */
const TICKET_FIELDS: Record<string, EditableField> = Object.fromEntries(Object.entries(FIELD_COLUMNS).map(([api, col]) => [col, api as EditableField]));

/** A conflict's value (stored as text) as the field holds it: numbers for numeric fields. */
function typed(entity: string, field: string, value: string | null): string | number | null {
  if (value === null) return null;
  const schema = ruleFor(entity).fields[field];
  if (!schema || schema.safeParse(value).success) return value;
  const n = Number(value);
  if (value.trim() !== '' && Number.isFinite(n) && schema.safeParse(n).success) return n;
  return value;
}

export function resolveConflict(ctx: Ctx, id: string, keep: 'mine' | 'theirs'): { id: string; resolved: true } {
  requireActor(ctx);
  const sqlite = ctx.store.sqlite;
  const r = openRow(sqlite, id);
  if (r.status === 'resolved') throw new AppError('conflict', 'This conflict was already resolved (perhaps on another device).');
  const { mine, theirs } = sides(r, deviceId(sqlite));
  const chosen = keep === 'mine' ? mine : theirs;

  if (r.kind === 'transition') {
    const cur = sqlite.prepare('SELECT status FROM tickets WHERE id = ?').pluck().get(r.record_id) as string | undefined;
    sqlite.transaction(() => {
      if (chosen.value && cur && chosen.value !== cur) {
        // Re-run the move through the normal rules: it may need a reason or a resolution.
        transitionTicket(ctx, r.record_id, { to: chosen.value as TicketStatus });
      }
      write(ctx, (w) => markResolved(ctx, w, r, keep));
    }).immediate();
    return { id, resolved: true };
  }
  if (r.kind === 'deleted') {
    if (chosen.value === 'deleted') {
      write(ctx, (w) => markResolved(ctx, w, r, keep));
      return { id, resolved: true };
    }
    restoreFromConflict(ctx, r, chosen.value, keep);
    return { id, resolved: true };
  }

  const table = r.entity;
  const hasColumn = SAFE_NAME.test(table) && SAFE_NAME.test(r.field) && !!sqlite.prepare('SELECT 1 FROM pragma_table_info(?) WHERE name = ?').get(table, r.field);
  if (!hasColumn || !isKnownEntity(table)) throw new AppError('conflict', `Cannot resolve a conflict on ${table}.${r.field}: this device does not have that field.`);
  const row = sqlite.prepare(`SELECT ${r.field} AS v, deleted_hlc FROM ${table} WHERE id = ?`).get(r.record_id) as { v: unknown; deleted_hlc: string | null } | undefined;
  if (!row) throw new AppError('not_found', 'The record behind this conflict is not on this device yet; sync, then try again.');
  const current = row.v === null || row.v === undefined ? null : String(row.v);
  // What the choice keeps, in words every device reads the same way: the value now held, or the other.
  const resolution = r.kind === 'overwritten' ? (current === chosen.value ? 'kept' : 'lost') : keep;
  sqlite.transaction(() => {
    if (current !== chosen.value && !row.deleted_hlc) {
      // Putting a value back is a new edit, written as any edit of that record is.
      const value = typed(table, r.field, chosen.value);
      const apiField = table === 'tickets' ? TICKET_FIELDS[r.field] : undefined;
      if (apiField) updateTicket(ctx, r.record_id, { [apiField]: value } as TicketFields);
      else write(ctx, (w) => updateRecord(ctx, w, table, r.record_id, { [r.field]: value }));
    }
    write(ctx, (w) => markResolved(ctx, w, r, resolution));
  }).immediate();
  return { id, resolved: true };
}

/**
 * "Keep the winner" for conflicts someone has reviewed: each keeps the value the merge kept (the
 * newer edit, the status the ticket is in, the delete), so nothing but the conflicts changes; all
 * in one transaction, each through the same write as a single decision (the server re-checks each).
 * Conflicts already settled (perhaps on another device) are skipped and counted.
 */
export function keepWinners(ctx: Ctx, ids: string[]): { resolved: number; alreadySettled: number } {
  requireActor(ctx);
  const sqlite = ctx.store.sqlite;
  const rows = [...new Set(ids)].map((id) => openRow(sqlite, id));
  let resolved = 0;
  write(ctx, (w) => {
    for (const r of rows) {
      if (r.status === 'resolved') continue;
      markResolved(ctx, w, r, 'kept');
      resolved++;
    }
  });
  return { resolved, alreadySettled: rows.length - resolved };
}

const SAFE_NAME = /^[a-z][a-z0-9_]*$/;
const BASE_COLUMNS = new Set(['id', 'scope_id', 'created_at', 'updated_at', 'field_hlc', 'deleted_hlc']);

/**
 * "Keep the edit" on an edit-after-delete conflict: the record comes back. Locally the tombstone is
 * cleared and the lost fields re-applied at a fresh stamp; the restore op carries the same fields,
 * and every replica merges it by the shared rules (it wins over every delete older than it).
 */
function restoreFromConflict(ctx: Ctx, r: ConflictRow, lostValue: string | null, keep: 'mine' | 'theirs'): void {
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
      if (!SAFE_NAME.test(k) || !cols.has(k) || BASE_COLUMNS.has(k) || !(k in ruleFor(table).fields) || (k === 'status' && ruleFor(table).status)) continue;
      if (v === null || typeof v === 'string' || typeof v === 'number') fields[k] = v;
      else if (typeof v === 'boolean') fields[k] = v ? 1 : 0;
    }
  }
  write(ctx, (w) => {
    restoreRecord(ctx, w, table, r.record_id, fields, { audit: { type: table.replace(/s$/, '') } });
    markResolved(ctx, w, r, keep);
  });
}
