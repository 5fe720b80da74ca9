/**
 * Partial replication on the device: records that moved into a site it does not hold leave it, and
 * a site it gains is back-filled from the start of the change log without re-reading the others.
 */
import { prepared } from '../db/statements';
import type Database from 'better-sqlite3';
import { ENTITY_RULES } from '../../shared/sync/entities';
import { followingChildrenOf, isFollowingParent } from '../../shared/sync/following';
import type { Change } from '../../shared/sync/wire';
import { getMeta, setMeta } from '../services/core/meta';

const SAFE = /^[a-z][a-z0-9_]*$/;

/**
 * Which sites' rows this device may keep: null = every site; 'global' (the directory) always.
 * Undefined before the first pull has told it.
 */
export function heldScopes(scopes: string[] | null | undefined): ((scope: string) => boolean) | null {
  if (scopes === undefined || scopes === null) return null;
  const set = new Set(['global', ...scopes]);
  return (s) => set.has(s);
}

/**
 * The site a moved-out marker names: none (the server's store/moves.ts LEFT_YOUR_SITES), whether the
 * record moved to a site the reader does not hold or left the reader's view in its site.
 */
export const LEFT_YOUR_VIEW = '';

/** A device that receives every site holds any site a record's children sit in. */
export const holdsEverySite = (): boolean => true;

/** A change the server sends to a site's devices when the record moved out of that site (no data). */
export function isMovedOutMarker(c: Change): boolean {
  return c.createdAt === '' && Object.keys(c.data).length === 0;
}

/**
 * Removes one record from this device, with those of its children (comments, worklogs, history of
 * a ticket; history, software, maintenance of an asset) that sit in sites the device does not
 * hold. The server moves a ticket's or an asset's children with it and sends each its own moved-out change, so a child still marked with
 * a held site here leaves when that change arrives (usually in the same page). Runs inside the
 * caller's transaction with foreign keys
 * off. The device's own unsent ops on the record stay in the outbox: the server answers them, and a
 * refusal is kept for the user to see.
 */
export function dropRecord(sqlite: Database.Database, entity: string, id: string, held: (scope: string) => boolean): number {
  if (!SAFE.test(entity)) return 0;
  let removed = 0;
  for (const [child, rule] of Object.entries(ENTITY_RULES)) {
    if (rule.parent?.entity !== entity || !SAFE.test(rule.parent.field) || !tableExists(sqlite, child)) continue;
    const rows = sqlite.prepare(`SELECT id, scope_id FROM ${child} WHERE ${rule.parent.field} = ?`).all(id) as { id: string; scope_id: string }[];
    const del = sqlite.prepare(`DELETE FROM ${child} WHERE id = ?`);
    for (const r of rows) if (!held(r.scope_id)) removed += del.run(r.id).changes;
  }
  if (!tableExists(sqlite, entity)) return removed;
  if (entity === 'tickets') sqlite.prepare('DELETE FROM ticket_number_aliases WHERE ticket_id = ?').run(id);
  removed += sqlite.prepare(`DELETE FROM ${entity} WHERE id = ?`).run(id).changes;
  return removed;
}

/**
 * After a pulled page is written, the children of the tickets and assets in it (see
 * shared/sync/following) take their parent's site (the server keeps them there). This is what
 * brings back children this device moved along with a parent when the server refused the move:
 * the refusal re-sends the parent in its old site, and nothing else would. One statement per child
 * table per page, and only for parents the page carries.
 */
export function alignFollowingChildren(sqlite: Database.Database, changes: Change[]): void {
  const byParent = new Map<string, string[]>();
  for (const c of changes) {
    if (!isFollowingParent(c.entity) || isMovedOutMarker(c)) continue;
    const ids = byParent.get(c.entity) ?? [];
    ids.push(c.id);
    byParent.set(c.entity, ids);
  }
  for (const [parent, ids] of byParent) {
    if (!tableExists(sqlite, parent)) continue;
    const json = JSON.stringify(ids);
    for (const { entity: child, field: f } of followingChildrenOf(parent)) {
      if (!tableExists(sqlite, child)) continue;
      prepared(
        sqlite,
        `UPDATE ${child} SET scope_id = p.scope_id FROM ${parent} p
           WHERE p.id = ${child}.${f} AND ${child}.${f} IN (SELECT value FROM json_each(?)) AND ${child}.scope_id <> p.scope_id`,
      ).run(json);
    }
  }
}

function tableExists(sqlite: Database.Database, name: string): boolean {
  return !!prepared(sqlite, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(name);
}

/** A back-fill in progress: the gained sites, pulled from 0 up to where the main cursor stood. */
export interface Backfill {
  /** null = every site (the user was given all sites). */
  scopes: string[] | null;
  upTo: number;
}

export const BACKFILL_KEY = 'sync.backfill';
export const BACKFILL_CURSOR_KEY = 'sync.backfill_cursor';

export function getBackfill(sqlite: Database.Database): Backfill | null {
  const v = getMeta(sqlite, BACKFILL_KEY);
  if (!v) return null;
  try {
    const b = JSON.parse(v) as Backfill | null;
    return b && typeof b.upTo === 'number' ? b : null;
  } catch {
    return null;
  }
}

/**
 * Starts (or widens) a back-fill for newly gained sites; runs inside the scope change's transaction.
 * A back-fill already under way for other sites restarts from 0 with the union: simpler than
 * tracking one cursor per site, and gaining sites is rare.
 */
export function startBackfill(sqlite: Database.Database, gained: string[] | null, mainCursor: number): void {
  if (mainCursor === 0) return; // Nothing pulled yet: the ordinary pull brings every site.
  const cur = getBackfill(sqlite);
  const scopes = gained === null || (cur && cur.scopes === null) ? null : [...new Set([...(cur?.scopes ?? []), ...gained])];
  setMeta(sqlite, BACKFILL_KEY, JSON.stringify({ scopes, upTo: Math.max(mainCursor, cur?.upTo ?? 0) } satisfies Backfill));
  setMeta(sqlite, BACKFILL_CURSOR_KEY, '0');
}

/** Sites lost during a back-fill are no longer back-filled. */
export function narrowBackfill(sqlite: Database.Database, next: string[] | null): void {
  const cur = getBackfill(sqlite);
  if (!cur || next === null || cur.scopes === null) return;
  const scopes = cur.scopes.filter((s) => next.includes(s));
  if (scopes.length) setMeta(sqlite, BACKFILL_KEY, JSON.stringify({ ...cur, scopes }));
  else endBackfill(sqlite);
}

export function endBackfill(sqlite: Database.Database): void {
  sqlite.prepare('DELETE FROM meta WHERE key IN (?, ?)').run(BACKFILL_KEY, BACKFILL_CURSOR_KEY);
}
