/** ITIL rules for tickets: the priority matrix and the status machine, shared by every process. */

import { formatHumanNumber, provisionalPrefix } from '../numbers';

export const TICKET_TYPES = ['incident', 'request'] as const;
export type TicketType = (typeof TICKET_TYPES)[number];

export const TICKET_STATUSES = [
  'new',
  'assigned',
  'in_progress',
  'pending',
  'resolved',
  'closed',
  'cancelled',
] as const;
export type TicketStatus = (typeof TICKET_STATUSES)[number];

export const OPEN_STATUSES: readonly TicketStatus[] = ['new', 'assigned', 'in_progress', 'pending'];

export const STATUS_LABELS: Record<TicketStatus, string> = {
  new: 'New',
  assigned: 'Assigned',
  in_progress: 'In progress',
  pending: 'Pending',
  resolved: 'Resolved',
  closed: 'Closed',
  cancelled: 'Cancelled',
};

export const PENDING_REASONS = ['customer', 'vendor', 'change'] as const;
export type PendingReason = (typeof PENDING_REASONS)[number];
export const PENDING_REASON_LABELS: Record<PendingReason, string> = {
  customer: 'Awaiting customer',
  vendor: 'Awaiting vendor',
  change: 'Awaiting change',
};

export const RESOLUTION_CODES = [
  'solved_permanently',
  'solved_workaround',
  'not_reproducible',
  'duplicate',
  'no_fault_found',
  'cancelled_by_requester',
] as const;
export type ResolutionCode = (typeof RESOLUTION_CODES)[number];
export const RESOLUTION_LABELS: Record<ResolutionCode, string> = {
  solved_permanently: 'Solved (permanently)',
  solved_workaround: 'Solved (workaround)',
  not_reproducible: 'Not reproducible',
  duplicate: 'Duplicate',
  no_fault_found: 'No fault found',
  cancelled_by_requester: 'Cancelled by requester',
};

export const CONTACT_CHANNELS = ['phone', 'email', 'portal', 'walk_in', 'chat', 'monitoring'] as const;
export type ContactChannel = (typeof CONTACT_CHANNELS)[number];

export const PRIORITIES = [1, 2, 3, 4] as const;
export type Priority = (typeof PRIORITIES)[number];
export const PRIORITY_LABELS: Record<Priority, string> = {
  1: 'P1 Critical',
  2: 'P2 High',
  3: 'P3 Moderate',
  4: 'P4 Low',
};

/** Impact and urgency run 1 (high) to 3 (low). */
export const LEVELS = [1, 2, 3] as const;
export type Level = (typeof LEVELS)[number];
export const IMPACT_LABELS: Record<Level, string> = { 1: 'High', 2: 'Medium', 3: 'Low' };
export const URGENCY_LABELS: Record<Level, string> = { 1: 'High', 2: 'Medium', 3: 'Low' };

/** matrix[impact-1][urgency-1] = priority */
export type PriorityMatrix = Priority[][];

export const DEFAULT_PRIORITY_MATRIX: PriorityMatrix = [
  [1, 2, 3],
  [2, 3, 4],
  [3, 4, 4],
];

export function priorityFor(matrix: PriorityMatrix, impact: number, urgency: number): Priority {
  const row = matrix[impact - 1];
  const p = row?.[urgency - 1];
  if (p === undefined) throw new RangeError(`No priority for impact ${impact} × urgency ${urgency}`);
  return p;
}

export function isValidMatrix(m: unknown): m is PriorityMatrix {
  return (
    Array.isArray(m) &&
    m.length === LEVELS.length &&
    m.every(
      (row) =>
        Array.isArray(row) &&
        row.length === LEVELS.length &&
        row.every((p) => (PRIORITIES as readonly number[]).includes(p as number)),
    )
  );
}

/** Which statuses may follow which. Reopen is resolved → in_progress. */
export const TRANSITIONS: Record<TicketStatus, readonly TicketStatus[]> = {
  new: ['assigned', 'in_progress', 'pending', 'resolved', 'cancelled'],
  assigned: ['new', 'in_progress', 'pending', 'resolved', 'cancelled'],
  in_progress: ['assigned', 'pending', 'resolved', 'cancelled'],
  pending: ['assigned', 'in_progress', 'resolved', 'cancelled'],
  resolved: ['in_progress', 'closed'],
  closed: [],
  cancelled: [],
};

export function canTransition(from: TicketStatus, to: TicketStatus): boolean {
  return TRANSITIONS[from].includes(to);
}

export function isOpen(status: TicketStatus): boolean {
  return OPEN_STATUSES.includes(status);
}

export interface TransitionFacts {
  from: TicketStatus;
  to: TicketStatus;
  assigneeId: string | null;
  groupId: string | null;
  reason?: string | null;
  resolutionCode?: string | null;
  resolutionNotes?: string | null;
}

/** Why a transition is refused, in words for the user, or null when it is allowed. */
export function transitionError(f: TransitionFacts): string | null {
  if (f.from === f.to) return `The ticket is already ${STATUS_LABELS[f.to].toLowerCase()}.`;
  if (!canTransition(f.from, f.to)) {
    const allowed = TRANSITIONS[f.from].map((s) => STATUS_LABELS[s]).join(', ');
    return `A ${STATUS_LABELS[f.from].toLowerCase()} ticket cannot move to ${STATUS_LABELS[f.to].toLowerCase()}${
      allowed ? ` (allowed: ${allowed})` : ' (it is final)'
    }.`;
  }
  if (f.to === 'assigned' && !f.assigneeId && !f.groupId)
    return 'Set an assignee or a group before marking the ticket assigned.';
  if (f.to === 'pending' && !(PENDING_REASONS as readonly string[]).includes(f.reason ?? ''))
    return `Say why the ticket is pending: ${PENDING_REASONS.join(', ')}.`;
  if (f.to === 'resolved') {
    if (!(RESOLUTION_CODES as readonly string[]).includes(f.resolutionCode ?? ''))
      return 'Choose a resolution code to resolve the ticket.';
    if (!f.resolutionNotes || !f.resolutionNotes.trim()) return 'Write resolution notes to resolve the ticket.';
  }
  return null;
}

export function numberPrefix(type: TicketType): string {
  return type === 'incident' ? 'INC' : 'REQ';
}

export function formatNumber(prefix: string, n: number): string {
  return formatHumanNumber(prefix, n);
}

export const NUMBER_RE = /^(INC|REQ)\d{7}$/i;

/** A ticket number someone may type or have written down: a final one, or a provisional one (INC-P-3F9A2C-1). */
export function isTicketNumber(text: string): boolean {
  const t = text.trim().toUpperCase();
  if (NUMBER_RE.test(t)) return true;
  const p = provisionalPrefix(t);
  return p === 'INC' || p === 'REQ';
}
