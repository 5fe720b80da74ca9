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

/**
 * "We aim to respond by Tue 8 Dec, 10:00": only what the ticket's SLA says, as the device or server
 * worked it out (whether it has passed too), never a guess from the reader's clock.
 */
export function aimText(aim: PortalAim): string {
  const what = aim.clock === 'response' ? 'respond' : 'resolve this';
  if (aim.paused || !aim.dueAt) return `The clock is paused while we wait for an answer; we aim to ${what} once we have it.`;
  const due = new Date(aim.dueAt).toLocaleString(undefined, { weekday: 'short', day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' });
  return aim.overdue ? `We aimed to ${what} by ${due}; we are on it.` : `We aim to ${what} by ${due}.`;
}
