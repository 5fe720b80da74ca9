/** What a requester may do with their own ticket in the portal, the same in the app and on the server. */
import { OPEN_STATUSES, type TicketStatus } from '../tickets/rules';
import type { PortalMove, PortalTicketDetail } from '../api/portal';

/** The status each portal move leads to (a reopened ticket goes back to the team in progress). */
export const MOVE_TARGET: Record<PortalMove, TicketStatus> = { cancel: 'cancelled', reopen: 'in_progress', close: 'closed' };

export function portalCan(status: TicketStatus): PortalTicketDetail['can'] {
  return {
    comment: status !== 'closed' && status !== 'cancelled',
    cancel: OPEN_STATUSES.includes(status),
    reopen: status === 'resolved',
    close: status === 'resolved',
  };
}

/** Why a move is not possible now, in the requester's words, or null. */
export function moveRefusal(status: TicketStatus, move: PortalMove): string | null {
  const can = portalCan(status);
  if (move === 'cancel' && !can.cancel) return 'Only an open request can be cancelled.';
  if ((move === 'reopen' || move === 'close') && !can.reopen) return `Only a resolved request can be ${move === 'reopen' ? 'reopened' : 'closed'}.`;
  return null;
}
