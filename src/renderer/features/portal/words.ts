/** The portal's words for statuses and SLA aims, in a requester's terms. */
import type { TicketStatus } from '../../../shared/tickets/rules';
import type { PortalAim } from '../../../shared/api/portal';

export const STATUS_WORDS: Record<TicketStatus, string> = {
  new: 'Received',
  assigned: 'With the team',
  in_progress: 'Being worked on',
  pending: 'Waiting',
  resolved: 'Resolved',
  closed: 'Closed',
  cancelled: 'Cancelled',
};

/** "We aim to respond by …": only what the ticket's SLA says, never a guess. */
export function aimText(aim: PortalAim, nowMs: number): string {
  const what = aim.clock === 'response' ? 'respond' : 'resolve this';
  if (aim.paused || !aim.dueAt) return `The clock is paused while we wait for an answer; we aim to ${what} once we have it.`;
  const due = new Date(aim.dueAt);
  const late = due.getTime() < nowMs;
  return late ? `We aimed to ${what} by ${due.toLocaleString()}; we are on it.` : `We aim to ${what} by ${due.toLocaleString()}.`;
}
