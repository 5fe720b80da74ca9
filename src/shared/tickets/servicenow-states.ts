/**
 * ServiceNow's incident states and the Outpost status each stands for (pending with its reason): what
 * the ServiceNow import maps each update to, and how a pending move imported before the import wrote
 * Outpost's own reason reads (its reason is ServiceNow's text, "ServiceNow: Awaiting User Info (…)").
 */
import type { PendingReason, TicketStatus } from './rules';

export const SERVICENOW_STATES: Record<string, { status: TicketStatus; pending?: PendingReason }> = {
  new: { status: 'new' },
  active: { status: 'in_progress' },
  'in progress': { status: 'in_progress' },
  'awaiting user info': { status: 'pending', pending: 'customer' },
  'awaiting evidence': { status: 'pending', pending: 'customer' },
  'awaiting caller': { status: 'pending', pending: 'customer' },
  'awaiting vendor': { status: 'pending', pending: 'vendor' },
  'awaiting problem': { status: 'pending', pending: 'change' },
  'awaiting change': { status: 'pending', pending: 'change' },
  'on hold': { status: 'pending', pending: 'customer' },
  resolved: { status: 'resolved' },
  closed: { status: 'closed' },
  canceled: { status: 'cancelled' },
  cancelled: { status: 'cancelled' },
};

/** The prefix the import gave the reasons of the status moves it wrote ("ServiceNow: <state> (<who>)"). */
export const SERVICENOW_REASON_PREFIX = 'ServiceNow: ';

/**
 * The pending reason a status move's reason stands for: Outpost's own ('customer', 'vendor',
 * 'change') as it is, and the ServiceNow state text an earlier import recorded mapped as the import
 * maps it now ("ServiceNow: Awaiting User Info (…)" → customer). Anything else: as it is.
 */
export function pendingReasonOf(reason: string | null): string | null {
  if (!reason || !reason.startsWith(SERVICENOW_REASON_PREFIX)) return reason;
  const rest = reason.slice(SERVICENOW_REASON_PREFIX.length);
  const paren = rest.indexOf(' (');
  const state = (paren >= 0 ? rest.slice(0, paren) : rest).trim().toLowerCase();
  return SERVICENOW_STATES[state]?.pending ?? reason;
}
