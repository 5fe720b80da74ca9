/**
 * Ticket watchers: a set per ticket, one row per (ticket, user) with an add/remove clock and an id
 * made from that pair, so watching on two devices while apart is one record. Staff may add or
 * remove anyone; everyone else only themselves, on tickets they can see.
 */
import type { Ctx } from '../core/context';
import { requireActor, write } from '../core/write';
import { setRowId } from '../core/set-ids';
import { AppError } from '../../../shared/result';
import { getTicketOrThrow } from './tickets';
import { writeSetMember } from './tags';
import { watchersOf, type Watcher } from './set-reads';

function setWatch(ctx: Ctx, ticketId: string, userId: string | undefined, present: boolean): { watchers: Watcher[] } {
  const actor = requireActor(ctx);
  const staff = actor.role === 'admin' || actor.role === 'technician';
  const who = userId ?? actor.id;
  if (who !== actor.id && !staff) throw new AppError('forbidden', 'You can only watch or stop watching tickets yourself.');
  const t = getTicketOrThrow(ctx, ticketId);
  const sqlite = ctx.store.sqlite;
  if (present && who !== actor.id) {
    const ok = sqlite.prepare('SELECT 1 FROM users WHERE id = ? AND active = 1 AND deleted_hlc IS NULL').get(who);
    if (!ok) throw new AppError('invalid_input', 'No such active user to add as a watcher.', [{ path: ['userId'], message: 'Unknown user.' }]);
  }
  const id = setRowId('ticket_watchers', t.id, who);
  write(ctx, (w) => {
    if (!writeSetMember(sqlite, w, 'ticket_watchers', id, t.siteId, { ticket_id: t.id, user_id: who }, present)) return;
    w.audit('ticket_watcher', id, present ? null : { ticketId: t.id, userId: who }, present ? { ticketId: t.id, userId: who } : null);
  });
  return { watchers: watchersOf(sqlite, t.id) };
}

export function watchTicket(ctx: Ctx, ticketId: string, userId?: string): { watchers: Watcher[] } {
  return setWatch(ctx, ticketId, userId, true);
}

export function unwatchTicket(ctx: Ctx, ticketId: string, userId?: string): { watchers: Watcher[] } {
  return setWatch(ctx, ticketId, userId, false);
}
