/**
 * Links between tickets (relates to, caused by, duplicates): a set, one row per (ticket, other,
 * kind) with an add/remove clock and an id from that triple, so the same link made on two devices
 * while apart is one record. "Relates" has no direction: it is stored from the lower id, so linking
 * A to B and B to A is the same row. Each ticket shows its links both ways.
 */
import type { Ctx } from '../core/context';
import { requireActor, write } from '../core/write';
import { setRowId } from '../core/set-ids';
import { AppError } from '../../../shared/result';
import type { TicketLink, TicketLinkKind } from '../../../shared/api/tickets';
import { getTicketOrThrow } from './tickets';
import { writeSetMember } from './tags';
import { linksOf } from './set-reads';

function setLink(ctx: Ctx, ticketId: string, otherId: string, kind: TicketLinkKind, present: boolean): { links: TicketLink[] } {
  const actor = requireActor(ctx);
  if (actor.role !== 'admin' && actor.role !== 'technician') throw new AppError('forbidden', 'Only administrators and technicians can link tickets.');
  if (ticketId === otherId) throw new AppError('invalid_input', 'A ticket cannot be linked to itself.', [{ path: ['otherId'], message: 'Same ticket.' }]);
  const t = getTicketOrThrow(ctx, ticketId);
  const other = ctx.store.sqlite.prepare('SELECT id, scope_id AS siteId FROM tickets WHERE id = ? AND deleted_hlc IS NULL').get(otherId) as { id: string; siteId: string } | undefined;
  // Unlinking may name a ticket this device no longer holds; linking needs it here.
  if (!other && present) throw new AppError('invalid_input', 'No such ticket to link to.', [{ path: ['otherId'], message: 'Unknown ticket.' }]);
  // "Relates" is stored from the lower id; the row then lives in that ticket's site.
  const [from, to, scopeId] = kind === 'relates' && otherId < ticketId ? [otherId, ticketId, other?.siteId ?? t.siteId] : [ticketId, otherId, t.siteId];
  const id = setRowId('ticket_links', from, to, kind);
  const sqlite = ctx.store.sqlite;
  write(ctx, (w) => {
    if (!writeSetMember(sqlite, w, 'ticket_links', id, scopeId, { ticket_id: from, other_id: to, kind }, present)) return;
    w.audit('ticket_link', id, present ? null : { ticketId: from, otherId: to, kind }, present ? { ticketId: from, otherId: to, kind } : null);
  });
  return { links: linksOf(sqlite, t.id) };
}

export function linkTickets(ctx: Ctx, ticketId: string, otherId: string, kind: TicketLinkKind): { links: TicketLink[] } {
  return setLink(ctx, ticketId, otherId, kind, true);
}

export function unlinkTickets(ctx: Ctx, ticketId: string, otherId: string, kind: TicketLinkKind): { links: TicketLink[] } {
  return setLink(ctx, ticketId, otherId, kind, false);
}
