/**
 * Click-through: the queue filter that lists exactly the tickets a dashboard figure counts
 * (docs/kpis.md). The dashboard links with it and a test checks each link's count against its figure.
 */
import type { KpiFilter } from '../api/kpis';
import type { TicketFilter } from '../api/tickets';
import { TICKET_STATUSES, isOpen, type Priority } from '../tickets/rules';

/** The figures that count tickets (durations and shares open the tickets they are computed over). */
export const DRILL_FIGURES = ['backlog', 'opened', 'resolved', 'closed', 'cancelled', 'slaMissed', 'reopened', 'finished'] as const;
export type DrillFigure = (typeof DRILL_FIGURES)[number];

/** A slice of the figures a click narrows to (a priority, group, site or person row). */
export type DrillSlice = { priority: Priority } | { groupId: string } | { siteId: string } | { assigneeId: string | null };

export function drillFilter(
  figure: DrillFigure,
  k: Pick<KpiFilter, 'from' | 'to' | 'siteId' | 'groupId'>,
  slice?: DrillSlice,
): TicketFilter {
  const period = { ...(k.from ? { from: new Date(k.from).toISOString() } : {}), ...(k.to ? { to: new Date(k.to).toISOString() } : {}) };
  const f: TicketFilter = {};
  if (k.siteId) f.siteId = [k.siteId];
  if (k.groupId) f.groupId = [k.groupId];
  if (slice && 'priority' in slice) f.priority = [slice.priority];
  if (slice && 'groupId' in slice) f.groupId = [slice.groupId];
  if (slice && 'siteId' in slice) f.siteId = [slice.siteId];
  if (slice && 'assigneeId' in slice) f.assigneeId = [slice.assigneeId];
  switch (figure) {
    case 'backlog':
      if (period.to) f.openAt = period.to;
      else f.status = TICKET_STATUSES.filter(isOpen);
      break;
    case 'opened':
      f.opened = period;
      break;
    case 'resolved':
      f.resolved = period;
      break;
    case 'closed':
      f.status = ['closed'];
      f.closed = period;
      break;
    case 'cancelled':
      f.status = ['cancelled'];
      f.closed = period;
      break;
    case 'finished':
      f.finished = period;
      break;
    case 'slaMissed':
      f.finished = period;
      f.breached = true;
      break;
    case 'reopened':
      f.finished = period;
      f.reopened = true;
      break;
  }
  return f;
}
