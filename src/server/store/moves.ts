/**
 * Records that left a site. Pulls filter the change log by a record's current site, so without
 * this a device of the old site would never hear that a ticket moved away and would keep a stale
 * copy. Each move is logged (at the change-log position of the write that moved it) under the
 * site it left; a scoped pull also returns those entries, as bare changes naming the record only
 * (neither its new site nor any of its data: the device may not see that site), and the device
 * drops the record.
 */
import type { Change } from '../../shared/sync/wire';

export interface MovedRow {
  seq: number | string;
  entity: string;
  id: string;
  /** The site the record is in now. */
  scope_id: string;
}

/**
 * Moves out of `scopes` after `cursor` whose record now sits outside `scopes` (a record that moved
 * between two sites the device both holds arrives as an ordinary change), on SQLite. (The
 * PostgreSQL store reads them in the same statement as the page: store/pg.ts pull.)
 */
export function movedOutSql(scopeCount: number): string {
  const marks = Array.from({ length: scopeCount }, () => '?').join(', ');
  return `SELECT m.seq, m.entity, m.id, r.scope_id FROM scope_moves m JOIN records r ON r.entity = m.entity AND r.id = m.id
    WHERE m.seq > ? AND m.from_scope IN (${marks}) AND r.scope_id NOT IN (${marks}) ORDER BY m.seq LIMIT ?`;
}

/**
 * The pseudo-site a record leaves when a field that lets a person read it stops naming them (a
 * ticket's requester changes): logged like a site move, so that person's devices drop the record.
 * Never a real site id (those are UUIDs and `global`).
 */
export const readerView = (personId: string): string => `reader:${personId}`;

/**
 * Records of the given types that left a person's view after `cursor` (see readerView). Only the
 * types that person reads by being named on them: an administrator who checks an asset out to
 * themselves and back in still reads it by its site. Parameters (SQLite): view, cursor, the
 * `entityCount` types, limit. (PostgreSQL: in the page's statement, store/pg.ts pull.)
 */
export function leftReaderSql(entityCount: number): string {
  const marks = Array.from({ length: entityCount }, () => '?').join(', ');
  return `SELECT seq, entity, id, '' AS scope_id FROM scope_moves WHERE from_scope = ? AND seq > ? AND entity IN (${marks}) ORDER BY seq LIMIT ?`;
}

/**
 * The site a moved-out entry names: none. The reader holds neither the record's new site nor any
 * right to know it (a ticket moved to a site they are not in), so the entry says only that the
 * record left; no site id is the empty string, so the device, which holds no such site, drops it.
 */
export const LEFT_YOUR_SITES = '';

export function movedOutChange(m: MovedRow): Change {
  return { seq: Number(m.seq), entity: m.entity, id: m.id, scopeId: LEFT_YOUR_SITES, data: {}, fieldHlc: {}, deletedHlc: null, createdAt: '', updatedAt: '' };
}

/**
 * Merges a page of records (up to limit + 1, in seq order) with moved-out entries (likewise) into
 * one page in change-log order. Says whether more remain beyond `limit`.
 */
export function mergeMovedOut(records: Change[], moved: MovedRow[], limit: number): { changes: Change[]; hasMore: boolean } {
  if (!moved.length) return { changes: records.slice(0, limit), hasMore: records.length > limit };
  const out: Change[] = [];
  let i = 0;
  let j = 0;
  while (out.length < limit + 1 && (i < records.length || j < moved.length)) {
    const r = records[i];
    const m = moved[j];
    if (r && (!m || r.seq <= Number(m.seq))) {
      out.push(r);
      i++;
    } else {
      out.push(movedOutChange(m!));
      j++;
    }
  }
  return { changes: out.slice(0, limit), hasMore: out.length > limit };
}
