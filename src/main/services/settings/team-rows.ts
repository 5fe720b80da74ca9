/**
 * Writes team-wide rows (scope 'global') with per-field clocks and ops: only the fields that
 * actually change are stamped and sent, so an unchanged field never beats a colleague's edit.
 */
import { createHash } from 'node:crypto';
import type Database from 'better-sqlite3';
import { makeStamp } from '../../../shared/hlc';
import { BASELINE_HLC } from '../../../shared/settings/team';
import { GLOBAL_SCOPE } from '../directory/scopes';
import { deviceId, recordOp, type OpInput } from '../core/ops';
import { createRecord, storeOf, updateRecord } from '../core/record';
import type { WriteScope } from '../core/write';
import type { DeviceGuard } from '../core/guard';

export type TeamTable = 'team_settings' | 'ticket_categories' | 'asset_field_defs' | 'asset_models';
export type Cols = Record<string, string | number | null>;

/** What a row write needs from the surrounding `write()`: its stamp, time and op sink. */
export interface RowWriter {
  stamp: string;
  now: string;
  op(op: OpInput): void;
  /** The write's check of the server's rules (WriteScope.guard): baseline ops bypass `op`, so they run it here. */
  guard?: DeviceGuard | null;
}

/**
 * A stable id from names (case-insensitive): two administrators adding "Printers" offline write
 * the same record, which merges, instead of two rows that would show the category twice.
 */
export function nameId(prefix: string, ...parts: string[]): string {
  const h = createHash('sha256')
    .update(parts.map((p) => p.trim().toLowerCase()).join('\u0000'))
    .digest('hex');
  return `${prefix}.${h.slice(0, 32)}`;
}

/** The stamp of a baseline write on this device (see BASELINE_HLC). */
export function baselineStamp(sqlite: Database.Database): string {
  return makeStamp(BASELINE_HLC, deviceId(sqlite));
}

function same(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || a === undefined || b === null || b === undefined) return false;
  return String(a) === String(b);
}

/**
 * Creates the row, or updates the fields that differ. `baseline` writes only create a missing row,
 * at the lowest clock, so they never override a deliberate choice made anywhere else.
 * Returns whether anything was written.
 */
export function putRow(
  sqlite: Database.Database,
  w: RowWriter,
  table: TeamTable,
  id: string,
  cols: Cols,
  opts: { baseline?: boolean } = {},
): boolean {
  const cur = sqlite.prepare(`SELECT * FROM ${table} WHERE id = ?`).get(id) as Record<string, unknown> | undefined;
  if (!cur) {
    const stamp = opts.baseline ? baselineStamp(sqlite) : w.stamp;
    // A baseline op takes the lowest clock, not the write's, so it is recorded here; on a joined
    // device it is judged like any other op of the write (a baseline the server refuses is refused now).
    const op = opts.baseline
      ? (o: OpInput) => {
          w.guard?.(o);
          recordOp(sqlite, stamp, w.now, o);
        }
      : (o: OpInput) => w.op(o);
    createRecord(storeOf(sqlite), scopeOf(w, stamp, op), table, id, GLOBAL_SCOPE, cols, { audit: false });
    return true;
  }
  if (opts.baseline) return false;
  const changed = Object.keys(cols).filter((k) => !same(cur[k], cols[k]));
  if (!changed.length) return false;
  const payload: Cols = {};
  for (const k of changed) payload[k] = cols[k]!;
  updateRecord(storeOf(sqlite), scopeOf(w, w.stamp, (o) => w.op(o)), table, id, payload, { row: cur, audit: false });
  return true;
}

/** The record primitive's scope for a row writer: the caller's settings event covers the rows. */
function scopeOf(w: RowWriter, stamp: string, op: (o: OpInput) => void): WriteScope {
  return { stamp, now: w.now, actorId: 'system', auditsOps: false, op, audit: () => {}, opAudit: () => {} };
}

export function countRows(sqlite: Database.Database, table: TeamTable): number {
  return sqlite.prepare(`SELECT count(*) FROM ${table} WHERE deleted_hlc IS NULL`).pluck().get() as number;
}
