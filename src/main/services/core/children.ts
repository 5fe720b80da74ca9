/**
 * Moving a record's children with it on the device (tickets and assets; see shared/sync/following).
 * The server moves them when it applies the parent's move: the site of a child is server-owned, so
 * no ops are queued for them and their clocks stay as they are. This only keeps the local view the
 * same until the next pull. Runs inside the caller's write.
 */
import type Database from 'better-sqlite3';
import { followingChildrenOf, type FollowingParent } from '../../../shared/sync/following';

export function moveChildrenLocally(sqlite: Database.Database, parent: FollowingParent, parentId: string, siteId: string): void {
  for (const c of followingChildrenOf(parent)) {
    sqlite.prepare(`UPDATE ${c.entity} SET scope_id = ? WHERE ${c.field} = ? AND scope_id <> ?`).run(siteId, parentId, siteId);
  }
}
