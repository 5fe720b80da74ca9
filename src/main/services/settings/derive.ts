/**
 * Derived ticket priority on this device: an open ticket whose priority was not set by hand follows
 * impact × urgency through the team's matrix. The server derives the same way when it applies ops
 * (src/server/derive.ts), so every replica ends with the same value; recomputing here keeps the
 * device right in between (its own unsent matrix, or pulled tickets). No ops: it is derived data.
 */
import type Database from 'better-sqlite3';
import type { Change } from '../../../shared/sync/wire';
import type { PriorityMatrix } from '../../../shared/tickets/rules';
import { PRIORITY_MATRIX_ID } from '../../../shared/settings/team';

const DERIVED = "json_extract(?, printf('$[%d][%d]', impact - 1, urgency - 1))";

/** Sets the derived priority on open, not hand-set tickets (all, or only `ids`); returns how many changed. */
export function recomputeOpenPriorities(sqlite: Database.Database, matrix: PriorityMatrix, ids?: string[]): number {
  const m = JSON.stringify(matrix);
  // With ids (a pulled page), look each one up by key: the unary + keeps SQLite from walking the
  // is_open index over every open ticket instead.
  const open = ids ? '+is_open = 1 AND id IN (SELECT value FROM json_each(?))' : 'is_open = 1';
  const args: unknown[] = [m];
  if (ids) args.push(JSON.stringify(ids));
  args.push(m);
  return sqlite
    .prepare(
      `UPDATE tickets SET priority = ${DERIVED}
       WHERE ${open} AND priority_overridden = 0 AND deleted_hlc IS NULL
         AND impact BETWEEN 1 AND 3 AND urgency BETWEEN 1 AND 3 AND priority IS NOT ${DERIVED}`,
    )
    .run(...args).changes;
}

/**
 * After a pulled page is written (inside its transaction): a matrix change recomputes every open
 * ticket; pulled tickets are recomputed with this device's matrix (which differs from the server's
 * only while an edit of it waits to be pushed).
 */
export function derivePulled(
  sqlite: Database.Database,
  changes: readonly Pick<Change, 'entity' | 'id'>[],
  matrix: () => PriorityMatrix,
): number {
  let matrixChanged = false;
  const tickets: string[] = [];
  for (const c of changes) {
    if (c.entity === 'team_settings' && c.id === PRIORITY_MATRIX_ID) matrixChanged = true;
    else if (c.entity === 'tickets') tickets.push(c.id);
  }
  if (!matrixChanged && !tickets.length) return 0;
  return recomputeOpenPriorities(sqlite, matrix(), matrixChanged ? undefined : tickets);
}
