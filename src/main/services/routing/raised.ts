/**
 * Requesters' tickets, routed by the first staff device that sees them. A requester cannot read the
 * routing rules or the groups, so a ticket raised in the portal (in the app, or the server's portal
 * in a browser) arrives new and unassigned (in the group of its catalogue item, if it names one). A technician's or administrator's device looks for such
 * tickets (asked by the console every minute and when a pull brings tickets) and runs the same rules
 * a ticket raised by staff meets. The routing's history lines have ids made from the ticket's, so
 * two devices that route the same ticket while apart add one "Routed by rule" line and one line per
 * field (see tickets.routeRaisedTicket).
 */
import type { Ctx } from '../core/context';
import { AppError } from '../../../shared/result';
import { requireActor } from '../core/write';
import { routeRaisedTicket, routingLineId } from '../tickets/tickets';
import { decideRoute, loadRules, type RoutingSample } from './routing';

export interface RaisedRouting {
  checked: number;
  routed: { ticketId: string; number: string; rule: string }[];
  /** Tickets a matching rule could not be applied to, and why. */
  failed: { ticketId: string; number: string; rule: string; message: string }[];
}

export function routeRaisedTickets(ctx: Ctx): RaisedRouting {
  const actor = requireActor(ctx);
  const out: RaisedRouting = { checked: 0, routed: [], failed: [] };
  if (actor.role !== 'admin' && actor.role !== 'technician') return out;
  const sqlite = ctx.store.sqlite;
  const rules = loadRules(sqlite);
  if (!rules.some((r) => r.active)) return out;
  // Administrators hold every site; a technician only theirs (none: no ticket is theirs to route),
  // as the server judges the ops routing writes.
  const held = actor.role === 'admin' ? null : new Set(actor.siteIds);
  // Through tickets_unrouted_idx: raised in the portal, still new, nobody assigned (a catalogue item
  // may have given it a group: the rules keep it and fill in the rest, as for staff). Tickets
  // imported from another tool (a source number) were routed there and stay as they came.
  const waiting = sqlite
    .prepare(
      `SELECT id, number, type, category, scope_id AS siteId, title, description, requester_id AS requesterId, linked_asset_id AS linkedAssetId, group_id AS groupId
       FROM tickets
       WHERE status = 'new' AND contact_channel = 'portal' AND assignee_id IS NULL AND deleted_hlc IS NULL AND source_number IS NULL
       ORDER BY opened_at, id`,
    )
    .all() as (RoutingSample & { id: string; number: string })[];
  const routedAlready = sqlite.prepare('SELECT 1 FROM ticket_history WHERE id = ?');
  for (const t of waiting) {
    if (held && !held.has(t.siteId)) continue;
    // A rule that set only tags or a priority leaves the ticket waiting here: its line says it ran.
    if (routedAlready.get(routingLineId(t.id))) continue;
    out.checked++;
    const { decision } = decideRoute(sqlite, { ...t, assigneeId: null }, rules);
    if (!decision) continue;
    try {
      if (routeRaisedTicket(ctx, t.id, decision)) out.routed.push({ ticketId: t.id, number: t.number, rule: decision.rule.name });
    } catch (e) {
      // A rule naming a person or group since removed: this ticket waits for the team (or a fixed
      // rule), and the others are still routed. Nothing of it was written.
      if (!(e instanceof AppError)) throw e;
      out.failed.push({ ticketId: t.id, number: t.number, rule: decision.rule.name, message: e.message });
    }
  }
  return out;
}
