/**
 * Problems and changes (ITIL problem and change management): their statuses, the change status
 * machine and how approvals decide a change. Read by the device's services, the server's rules
 * (shared/sync/access) and the renderer alike, so all three agree on every move.
 */

export const PROBLEM_STATUSES = ['new', 'investigating', 'known_error', 'resolved', 'closed'] as const;
export type ProblemStatus = (typeof PROBLEM_STATUSES)[number];
export const PROBLEM_STATUS_LABELS: Record<ProblemStatus, string> = {
  new: 'New',
  investigating: 'Investigating',
  known_error: 'Known error',
  resolved: 'Resolved',
  closed: 'Closed',
};

export const CHANGE_TYPES = ['standard', 'normal', 'emergency'] as const;
export type ChangeType = (typeof CHANGE_TYPES)[number];
export const CHANGE_TYPE_LABELS: Record<ChangeType, string> = { standard: 'Standard', normal: 'Normal', emergency: 'Emergency' };

export const CHANGE_STATUSES = ['draft', 'assessment', 'awaiting_approval', 'scheduled', 'implementing', 'review', 'closed', 'rejected', 'cancelled'] as const;
export type ChangeStatus = (typeof CHANGE_STATUSES)[number];
export const CHANGE_STATUS_LABELS: Record<ChangeStatus, string> = {
  draft: 'Draft',
  assessment: 'Assessment',
  awaiting_approval: 'Awaiting approval',
  scheduled: 'Scheduled',
  implementing: 'Implementing',
  review: 'Review',
  closed: 'Closed',
  rejected: 'Rejected',
  cancelled: 'Cancelled',
};

export const CHANGE_RISKS = ['low', 'medium', 'high'] as const;
export type ChangeRisk = (typeof CHANGE_RISKS)[number];

export const APPROVAL_DECISIONS = ['approve', 'reject'] as const;
export type ApprovalDecision = (typeof APPROVAL_DECISIONS)[number];

/**
 * Who approves changes and how many approvals each type needs (a team setting). Approvers are the
 * administrators, plus the members of `groupId` when one is named. Standard changes are
 * pre-approved: their quorum is always 0.
 */
export interface ChangeApprovalPolicy {
  groupId: string | null;
  quorum: { normal: number; emergency: number };
}
export const DEFAULT_APPROVAL_POLICY: ChangeApprovalPolicy = { groupId: null, quorum: { normal: 2, emergency: 1 } };

export function quorumFor(policy: ChangeApprovalPolicy, type: ChangeType): number {
  return type === 'standard' ? 0 : policy.quorum[type];
}

/**
 * The moves a person makes by hand. `scheduled` after `awaiting_approval` and `rejected` are never
 * made by hand: the approvals make them (see effectiveStatus). A standard change needs no
 * approval, so it goes from its assessment straight to the schedule.
 */
const MOVES: Record<ChangeStatus, readonly ChangeStatus[]> = {
  draft: ['assessment', 'cancelled'],
  assessment: ['draft', 'awaiting_approval', 'cancelled'],
  awaiting_approval: ['assessment', 'cancelled'],
  scheduled: ['implementing', 'cancelled'],
  implementing: ['review'],
  review: ['closed', 'implementing'],
  closed: [],
  rejected: ['draft'],
  cancelled: [],
};

export function changeMoves(type: ChangeType, from: ChangeStatus): readonly ChangeStatus[] {
  if (type === 'standard' && (from === 'draft' || from === 'assessment')) return [...MOVES[from].filter((s) => s !== 'awaiting_approval'), 'scheduled'];
  return MOVES[from];
}

/** One person's vote as the change holds it: the latest of their votes counts. */
export interface Vote {
  approverId: string;
  decision: ApprovalDecision;
  /** When it was given (ISO); with `id` it orders two votes of the same person. */
  at: string;
  id: string;
  /** The approval round it was given in (null: before the change had one). */
  round?: string | null;
}

/**
 * What approvers approve: a change of any of these (or of the affected assets) while the change
 * awaits approval or was scheduled by its votes starts a new approval round, and the votes given
 * before it no longer count (they stay on the change as given on an earlier plan).
 */
export const CHANGE_PLAN_FIELDS = ['type', 'risk', 'impact', 'implementation_plan', 'test_plan', 'backout_plan', 'window_start', 'window_end'] as const;

/** Whether editing the plan of a change in this stored status and type asks for approval again. */
export function replanAsksApproval(stored: ChangeStatus, type: ChangeType): boolean {
  return type !== 'standard' && (stored === 'awaiting_approval' || stored === 'scheduled');
}

/** The plan fields `values` changes on `current` (a value equal to the stored one is no change). */
export function changedPlanFields(current: Record<string, unknown>, values: Record<string, unknown>): string[] {
  return CHANGE_PLAN_FIELDS.filter((f) => f in values && values[f] !== undefined && (values[f] ?? null) !== (current[f] ?? null));
}

/**
 * Why an edit of a change may not be stored as it is, or null: a plan edit while the change awaits
 * approval (or was scheduled by its votes) must start a new approval round, so votes given on the
 * earlier plan stop counting on every replica. The device does so itself; the server refuses a
 * client that does not.
 */
export function replanRefusal(current: Record<string, unknown>, values: Record<string, unknown>): string | null {
  if (!replanAsksApproval(current.status as ChangeStatus, current.type as ChangeType)) return null;
  const changed = changedPlanFields(current, values);
  if (!changed.length) return null;
  const round = values.approval_round;
  if (typeof round === 'string' && round !== current.approval_round) return null;
  return `Changing the ${changed.map((f) => f.replace(/_/g, ' ')).join(', ')} of a change that awaits approval asks for approval again: the edit must start a new approval round.`;
}

/** The votes that count: those given in the change's current approval round. */
export function roundVotes<V extends Vote>(votes: readonly V[], round: string | null | undefined): V[] {
  return votes.filter((v) => (v.round ?? null) === (round ?? null));
}

/** Each approver's latest vote (a second vote by the same person supersedes their first). */
export function latestVotes<V extends Vote>(votes: readonly V[]): V[] {
  const by = new Map<string, V>();
  for (const v of votes) {
    const prior = by.get(v.approverId);
    if (!prior || v.at > prior.at || (v.at === prior.at && v.id > prior.id)) by.set(v.approverId, v);
  }
  return [...by.values()];
}

export interface Tally {
  approvals: number;
  rejections: number;
  quorum: number;
}

export function tally(votes: readonly Vote[], quorum: number): Tally {
  const latest = latestVotes(votes);
  return { approvals: latest.filter((v) => v.decision === 'approve').length, rejections: latest.filter((v) => v.decision === 'reject').length, quorum };
}

/**
 * The status a change is in, given the status stored on it and its votes: while it waits for
 * approval (or was scheduled by its approvals), any rejection rejects it, and approvals reaching the
 * quorum schedule it. Votes given on two laptops offline merge as records, so every replica reaches
 * the same status once it holds the same votes, whichever device counted last.
 */
export function effectiveStatus(stored: ChangeStatus, type: ChangeType, t: Tally): ChangeStatus {
  if (type === 'standard' || (stored !== 'awaiting_approval' && stored !== 'scheduled')) return stored;
  if (t.rejections > 0) return 'rejected';
  if (t.approvals >= t.quorum) return 'scheduled';
  return 'awaiting_approval';
}

/**
 * Why a change may not move from `stored` to `to` (judged on its effective status), or null. The
 * server runs this on every status it receives, so a client cannot schedule a change without its
 * quorum nor skip the machine.
 */
export function changeMoveRefusal(stored: ChangeStatus, to: ChangeStatus, type: ChangeType, t: Tally): string | null {
  const from = effectiveStatus(stored, type, t);
  if (from === to) return null;
  if (changeMoves(type, from).includes(to)) return null;
  if (to === 'scheduled' && from === 'awaiting_approval') return `The change is scheduled by its approvals: ${t.approvals} of ${t.quorum} given.`;
  if (to === 'rejected') return 'A change is rejected by an approver’s rejection, not by a status change.';
  const label = CHANGE_STATUS_LABELS[from].toLowerCase();
  return `${/^[aeiou]/.test(label) ? 'An' : 'A'} ${label} change cannot move to ${CHANGE_STATUS_LABELS[to].toLowerCase()}.`;
}

/** Two schedule windows overlap (ISO times; the end is exclusive). */
export function windowsOverlap(a: { start: string; end: string }, b: { start: string; end: string }): boolean {
  return a.start < b.end && b.start < a.end;
}
