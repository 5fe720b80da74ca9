/**
 * What a ticket's sets hold, for its detail view: watchers and links (both directions). Plain reads,
 * kept apart from the ticket lifecycle and from the set writers so each can import them.
 */
import type Database from 'better-sqlite3';
import type { TicketLink } from '../../../shared/api/tickets';

export interface Watcher {
  userId: string;
  displayName: string;
}

export function watchersOf(sqlite: Database.Database, ticketId: string): Watcher[] {
  return sqlite
    .prepare(
      `SELECT w.user_id AS userId, coalesce(u.display_name, w.user_id) AS displayName FROM ticket_watchers w
       LEFT JOIN users u ON u.id = w.user_id WHERE w.ticket_id = ? AND w.deleted_hlc IS NULL ORDER BY displayName COLLATE NOCASE`,
    )
    .all(ticketId) as Watcher[];
}

export function linksOf(sqlite: Database.Database, ticketId: string): TicketLink[] {
  const rows = sqlite
    .prepare(
      `SELECT l.kind, l.ticket_id = ? AS outgoing, CASE WHEN l.ticket_id = ? THEN l.other_id ELSE l.ticket_id END AS otherId, t.number AS otherNumber, t.title AS otherTitle
         FROM ticket_links l LEFT JOIN tickets t ON t.id = (CASE WHEN l.ticket_id = ? THEN l.other_id ELSE l.ticket_id END) AND t.deleted_hlc IS NULL
        WHERE (l.ticket_id = ? OR l.other_id = ?) AND l.deleted_hlc IS NULL ORDER BY l.kind, otherNumber`,
    )
    .all(ticketId, ticketId, ticketId, ticketId, ticketId) as (Omit<TicketLink, 'outgoing'> & { outgoing: number })[];
  return rows.map((r) => ({ ...r, outgoing: r.outgoing === 1 || r.kind === 'relates' }));
}
