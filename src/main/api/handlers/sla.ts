/** Handlers for SLA settings, a ticket's SLA figures and escalation runs. */
import type { slaCalls } from '../../../shared/api/sla';
import type { HandlersFor } from './types';
import { deleteCalendar, deletePolicy, importHolidays, listCalendars, listPolicies, saveCalendar, savePolicy } from '../../services/sla/settings';
import { escalationNotices, runEscalations } from '../../services/sla/escalate';
import { ticketSlaView } from '../../services/sla/view';

export const slaHandlers: HandlersFor<typeof slaCalls> = {
  'sla.settings': (ctx) => ({ calendars: listCalendars(ctx), policies: listPolicies(ctx) }),
  'sla.saveCalendar': (ctx, input) => saveCalendar(ctx, input),
  'sla.deleteCalendar': (ctx, input) => {
    deleteCalendar(ctx, input.id);
    return { ok: true as const };
  },
  'sla.importHolidays': (_ctx, input) => importHolidays(input.text, { from: input.fromYear, to: input.toYear }),
  'sla.savePolicy': (ctx, input) => savePolicy(ctx, input),
  'sla.deletePolicy': (ctx, input) => {
    deletePolicy(ctx, input.id);
    return { ok: true as const };
  },
  'sla.ticket': (ctx, input) => ticketSlaView(ctx, input.id),
  'sla.escalate': (ctx) => runEscalations(ctx),
  'sla.notices': (ctx, input) => ({ items: escalationNotices(ctx, input.limit) }),
};
