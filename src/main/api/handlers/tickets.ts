/** Handlers for tickets, their queue, saved views and search. */
import {
  bulkTickets,
  commentTicket,
  createTicket,
  getTicketByNumber,
  getTicketDetail,
  transitionTicket,
  updateTicket,
  worklogTicket,
} from '../../services/tickets/tickets';
import { listTickets, viewCounts } from '../../services/tickets/queue';
import { tagTicket, untagTicket } from '../../services/tickets/tags';
import { unwatchTicket, watchTicket } from '../../services/tickets/watchers';
import { linkTickets, unlinkTickets } from '../../services/tickets/links';
import { deleteView, listViews, saveView } from '../../services/tickets/views';
import { runTicketImport } from '../../services/tickets/import/servicenow';
import { searchTickets } from '../../services/search/search';
import { findByNumber } from '../../services/search/numbers';
import type { HandlersFor } from './types';
import type { ticketsCalls } from '../../../shared/api/tickets';

export const ticketsHandlers: HandlersFor<typeof ticketsCalls> = {
  'tickets.create': (ctx, input) => createTicket(ctx, input),
  'tickets.import': (ctx, input, req) => runTicketImport(ctx, input, (job) => req.emit?.({ type: 'import.progress', job })),
  'tickets.get': (ctx, input) => getTicketDetail(ctx, input.id),
  'tickets.getByNumber': (ctx, input) => getTicketByNumber(ctx, input.number),
  'tickets.update': (ctx, input) => updateTicket(ctx, input.id, input.fields),
  'tickets.transition': (ctx, input) => {
    const { id, ...rest } = input;
    return transitionTicket(ctx, id, rest);
  },
  'tickets.comment': (ctx, input) => commentTicket(ctx, input.id, input.body, input.internal),
  'tickets.worklog': (ctx, input) => worklogTicket(ctx, input.id, input.minutes, input.note),
  'tickets.bulk': (ctx, input) => bulkTickets(ctx, input.ids, input.action),
  'tickets.list': (ctx, input) => listTickets(ctx, input),
  'tickets.tag': (ctx, input) => tagTicket(ctx, input.id, input.tag),
  'tickets.untag': (ctx, input) => untagTicket(ctx, input.id, input.tag),
  'tickets.watch': (ctx, input) => watchTicket(ctx, input.id, input.userId),
  'tickets.link': (ctx, input) => linkTickets(ctx, input.id, input.otherId, input.kind),
  'tickets.unlink': (ctx, input) => unlinkTickets(ctx, input.id, input.otherId, input.kind),
  'tickets.unwatch': (ctx, input) => unwatchTicket(ctx, input.id, input.userId),
  'tickets.counts': (ctx) => ({ items: viewCounts(ctx) }),
  'views.list': (ctx) => ({ items: listViews(ctx) }),
  'views.save': (ctx, input) => saveView(ctx, input),
  'views.delete': (ctx, input) => {
    deleteView(ctx, input.id);
    return { done: true };
  },
  'search.number': (ctx, input) => findByNumber(ctx, input.text),
  'search.query': (ctx, input) => ({ items: searchTickets(ctx, input.text, input.limit) }),
};
