/**
 * Problem and change management (synced): problems with their linked incidents and the actions of
 * their post-incident review; changes with their affected assets and approval votes.
 */
import { sql } from 'drizzle-orm';
import { integer, sqliteTable, text, index, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { syncedColumns } from './columns';

export const problems = sqliteTable(
  'problems',
  {
    ...syncedColumns(),
    number: text('number').notNull(),
    title: text('title').notNull(),
    description: text('description'),
    status: text('status').notNull(),
    rootCause: text('root_cause'),
    workaround: text('workaround'),
    /** 1 once the root cause and a workaround are known: the workaround shows on every linked incident. */
    knownError: integer('known_error').notNull().default(0),
    ownerId: text('owner_id'),
    groupId: text('group_id'),
    priority: integer('priority').notNull(),
    /** The change that fixes the problem. */
    fixChangeId: text('fix_change_id'),
    createdBy: text('created_by').notNull(),
    /** The post-incident review's impact and causes (its timeline is built from the incidents' histories). */
    reviewImpact: text('review_impact'),
    reviewCauses: text('review_causes'),
  },
  (t) => [
    uniqueIndex('problems_number_uq').on(t.number),
    index('problems_live_status_idx').on(t.status, t.number).where(sql`deleted_hlc IS NULL`),
    index('problems_scope_idx').on(t.scopeId, t.number),
  ],
);

/** Incidents linked to a problem: a set, one member per (problem, ticket). */
export const problemIncidents = sqliteTable(
  'problem_incidents',
  { ...syncedColumns(), problemId: text('problem_id').notNull(), ticketId: text('ticket_id').notNull() },
  (t) => [uniqueIndex('problem_incidents_uq').on(t.problemId, t.ticketId), index('problem_incidents_ticket_idx').on(t.ticketId)],
);

/** The review's actions: append-only, each with an owner and a due date. */
export const problemActions = sqliteTable(
  'problem_actions',
  {
    ...syncedColumns(),
    problemId: text('problem_id').notNull(),
    authorId: text('author_id').notNull(),
    description: text('description').notNull(),
    ownerId: text('owner_id'),
    dueOn: text('due_on'),
  },
  (t) => [index('problem_actions_problem_idx').on(t.problemId, t.createdAt)],
);

/**
 * A change: its type (standard, normal, emergency), risk and impact, plans, schedule window and
 * site. `status` is what people set; while a change awaits approval its votes decide whether it
 * is scheduled or rejected (shared/itsm/rules effectiveStatus).
 */
export const changes = sqliteTable(
  'changes',
  {
    ...syncedColumns(),
    number: text('number').notNull(),
    type: text('type').notNull(),
    title: text('title').notNull(),
    description: text('description'),
    status: text('status').notNull(),
    risk: text('risk').notNull(),
    impact: text('impact'),
    implementationPlan: text('implementation_plan'),
    testPlan: text('test_plan'),
    backoutPlan: text('backout_plan'),
    /** The schedule window (ISO, UTC); the end is exclusive. */
    windowStart: text('window_start'),
    windowEnd: text('window_end'),
    ownerId: text('owner_id'),
    groupId: text('group_id'),
    createdBy: text('created_by').notNull(),
    /**
     * The approval round: a new id each time the plan, window, risk, impact, assets or type change
     * while the change awaits approval or was scheduled by its votes; only votes of this round count.
     */
    approvalRound: text('approval_round'),
  },
  (t) => [
    uniqueIndex('changes_number_uq').on(t.number),
    // The calendar and the collision check read live changes by window.
    index('changes_window_idx').on(t.windowStart, t.windowEnd).where(sql`deleted_hlc IS NULL`),
    index('changes_status_idx').on(t.status, t.number).where(sql`deleted_hlc IS NULL`),
  ],
);

/** Assets a change affects: a set, one member per (change, asset). */
export const changeAssets = sqliteTable(
  'change_assets',
  { ...syncedColumns(), changeId: text('change_id').notNull(), assetId: text('asset_id').notNull() },
  (t) => [uniqueIndex('change_assets_uq').on(t.changeId, t.assetId), index('change_assets_asset_idx').on(t.assetId)],
);

/** Votes on a change: append-only; each approver's latest vote counts. */
export const changeApprovals = sqliteTable(
  'change_approvals',
  {
    ...syncedColumns(),
    changeId: text('change_id').notNull(),
    approverId: text('approver_id').notNull(),
    decision: text('decision').notNull(),
    comment: text('comment'),
    /** The change's approval round the vote was given in (null: before rounds existed, or none yet). */
    round: text('round'),
  },
  (t) => [index('change_approvals_change_idx').on(t.changeId, t.createdAt)],
);
