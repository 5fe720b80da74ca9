/** Tickets and their append-only children (comments, worklogs, history). */
import { sql } from 'drizzle-orm';
import { integer, sqliteTable, text, index, uniqueIndex, type AnySQLiteColumn } from 'drizzle-orm/sqlite-core';
import { syncedColumns } from './columns';
import { groups, users } from './directory';

/** The columns the dashboards slice and filter by, carried at the end of each KPI index. */
function kpiKeys<T extends { groupId: AnySQLiteColumn; assigneeId: AnySQLiteColumn; priority: AnySQLiteColumn; category: AnySQLiteColumn; contactChannel: AnySQLiteColumn }>(t: T) {
  return [t.groupId, t.assigneeId, t.priority, t.category, t.contactChannel] as const;
}

export const tickets = sqliteTable(
  'tickets',
  {
    ...syncedColumns(),
    number: text('number').notNull(),
    type: text('type', { enum: ['incident', 'request'] }).notNull(),
    title: text('title').notNull(),
    description: text('description').notNull().default(''),
    category: text('category'),
    subcategory: text('subcategory'),
    impact: integer('impact').notNull(),
    urgency: integer('urgency').notNull(),
    priority: integer('priority').notNull(),
    priorityOverridden: integer('priority_overridden', { mode: 'boolean' }).notNull().default(false),
    status: text('status', {
      enum: ['new', 'assigned', 'in_progress', 'pending', 'resolved', 'closed', 'cancelled'],
    }).notNull(),
    /** 1 while the status is new/assigned/in progress/pending: lets queue indexes lead with it. */
    isOpen: integer('is_open').notNull(),
    pendingReason: text('pending_reason'),
    resolutionCode: text('resolution_code'),
    resolutionNotes: text('resolution_notes'),
    assigneeId: text('assignee_id').references(() => users.id),
    groupId: text('group_id').references(() => groups.id),
    requesterId: text('requester_id').references(() => users.id),
    contactChannel: text('contact_channel'),
    linkedAssetId: text('linked_asset_id'),
    openedAt: text('opened_at').notNull(),
    firstResponseAt: text('first_response_at'),
    resolvedAt: text('resolved_at'),
    closedAt: text('closed_at'),
    /**
     * Whether the resolution SLA was met, as recorded when the ticket resolved (1 met, 0 missed,
     * null not recorded): written at resolution in Outpost, or taken from an imported file.
     */
    slaMet: integer('sla_met'),
    /**
     * The number the ticket was first shown with, when the server gave it another at sync (a
     * provisional number made offline, or one another device held): set by the server only, synced,
     * so the old number leads to this ticket on every device.
     */
    formerNumber: text('former_number'),
    /** The number the ticket had in the tool it was imported from (ServiceNow's INC0000045): finds it again on a re-import. */
    sourceNumber: text('source_number'),
    /** The SLA policy that applied when the ticket was resolved, with its targets (synced, written at resolution). */
    slaPolicyId: text('sla_policy_id'),
    slaResponseMet: integer('sla_response_met'),
    slaResolutionTargetMinutes: integer('sla_resolution_target_minutes'),
    /** The service catalogue item a request was raised from, and the requester's answers to its form (JSON). */
    catalogueItemId: text('catalogue_item_id'),
    formAnswers: text('form_answers'),
    /**
     * Derived on this device from the ticket's status history and the policy (services/sla), never
     * synced: the clock's state, its next deadline and warning (epoch ms) while it runs, what is left
     * of the target while it is paused, and which clock (response, resolution) the deadline is for.
     */
    slaState: text('sla_state'),
    slaClock: text('sla_clock'),
    slaDueAt: integer('sla_due_at'),
    slaWarnAt: integer('sla_warn_at'),
    slaLeftMs: integer('sla_left_ms'),
    /**
     * The dashboards' per-ticket figures (docs/kpis.md), derived on this device and never synced, kept
     * on the row so the KPI indexes below carry them: moves back from resolved or closed to an open
     * status and moments the group or assignee changed away from a set value (kept by triggers on
     * ticket_history, migration 0039, in the transaction of whatever wrote the history), and the open
     * time of the SLA policy's calendar from opened to first response and to resolved (services/sla,
     * null: no policy, or not reached).
     */
    reopenCount: integer('reopen_count').notNull().default(0),
    reassignmentCount: integer('reassignment_count').notNull().default(0),
    responseBusinessMs: integer('response_business_ms'),
    resolveBusinessMs: integer('resolve_business_ms'),
  },
  (t) => [
    uniqueIndex('tickets_number_uq').on(t.number),
    index('tickets_open_priority_idx').on(t.isOpen, t.priority, t.openedAt, t.id),
    index('tickets_open_opened_idx').on(t.isOpen, t.openedAt, t.id),
    index('tickets_open_updated_idx').on(t.isOpen, t.updatedAt, t.id),
    index('tickets_open_resolved_idx').on(t.isOpen, t.resolvedAt, t.id),
    index('tickets_assignee_idx').on(t.assigneeId, t.isOpen, t.priority, t.openedAt, t.id),
    index('tickets_group_idx').on(t.groupId, t.isOpen, t.priority, t.openedAt, t.id),
    index('tickets_scope_idx').on(t.scopeId, t.isOpen, t.priority, t.openedAt, t.id),
    index('tickets_requester_idx').on(t.requesterId, t.openedAt),
    index('tickets_opened_idx').on(t.openedAt, t.id),
    index('tickets_updated_idx').on(t.updatedAt, t.id),
    index('tickets_source_number_idx').on(t.sourceNumber).where(sql`source_number IS NOT NULL`),
    index('tickets_status_idx').on(t.status, t.priority, t.openedAt, t.id),
    // Dashboards (services/kpis): a period of one site, by the time each figure counts. Each holds
    // every column its figures read (the slicing keys last), so a figure is counted inside the index
    // without reading a ticket row: a dashboard reads the period's index entries, not the tickets.
    index('tickets_kpi_opened_idx').on(t.scopeId, t.openedAt, ...kpiKeys(t)),
    // The per-ticket figures ride in the indexes of the times they are counted at (reopenings,
    // reassignments and business hours of finished tickets; business hours to the first response), so
    // durations and finished figures are read from index entries alone, never from ticket rows.
    index('tickets_kpi_resolved_idx').on(
      t.scopeId,
      t.resolvedAt,
      t.status,
      t.openedAt,
      t.deletedHlc,
      t.slaMet,
      ...kpiKeys(t),
      t.reopenCount,
      t.reassignmentCount,
      t.resolveBusinessMs,
    ),
    index('tickets_kpi_closed_idx').on(t.scopeId, t.closedAt, t.status, t.resolvedAt, t.deletedHlc, t.slaMet, ...kpiKeys(t), t.reopenCount, t.reassignmentCount),
    index('tickets_kpi_response_idx').on(t.scopeId, t.firstResponseAt, t.openedAt, t.deletedHlc, ...kpiKeys(t), t.responseBusinessMs),
    // The backlog at the end of a period (open now; or finished, else closed, after the end) and its age.
    index('tickets_kpi_backlog_idx').on(t.scopeId, t.isOpen, t.resolvedAt, t.closedAt, t.openedAt, t.deletedHlc, ...kpiKeys(t)),
    // Soft-deleted tickets only (few): queue counts subtract these instead of reading every row.
    // Running clocks only: "Breaching soon" walks deadlines in order, and counts warnings reached.
    // Each carries what "Breaching soon" filters on (warning reached, open, site, deleted), so its page
    // walks deadlines in order and its count reads the warnings reached, both inside the index.
    index('tickets_sla_due_idx').on(t.slaDueAt, t.id, t.slaWarnAt, t.isOpen, t.scopeId, t.deletedHlc).where(sql`sla_due_at IS NOT NULL`),
    index('tickets_sla_warn_idx').on(t.slaWarnAt, t.isOpen, t.scopeId, t.deletedHlc, t.slaDueAt).where(sql`sla_warn_at IS NOT NULL`),
    // The queue's "reopened" filter (a drill-down of the reopened figure): the few reopened tickets.
    index('tickets_reopened_idx').on(t.resolvedAt).where(sql`reopen_count > 0`),
    index('tickets_deleted_idx').on(t.deletedHlc).where(sql`deleted_hlc IS NOT NULL`),
    // Requesters' new tickets nobody has taken yet (few): a staff device routes them (services/routing/raised.ts).
    index('tickets_unrouted_idx').on(t.openedAt, t.id).where(sql`status = 'new' AND contact_channel = 'portal' AND assignee_id IS NULL`),
  ],
);

export const ticketComments = sqliteTable(
  'ticket_comments',
  {
    ...syncedColumns(),
    ticketId: text('ticket_id')
      .notNull()
      .references(() => tickets.id),
    authorId: text('author_id').notNull(),
    body: text('body').notNull(),
    internal: integer('internal', { mode: 'boolean' }).notNull(),
  },
  (t) => [index('ticket_comments_ticket_idx').on(t.ticketId, t.createdAt)],
);

export const ticketWorklogs = sqliteTable(
  'ticket_worklogs',
  {
    ...syncedColumns(),
    ticketId: text('ticket_id')
      .notNull()
      .references(() => tickets.id),
    authorId: text('author_id').notNull(),
    minutes: integer('minutes').notNull(),
    note: text('note'),
  },
  (t) => [index('ticket_worklogs_ticket_idx').on(t.ticketId, t.createdAt)],
);

/** Status changes and field changes, appended with each write. */
export const ticketHistory = sqliteTable(
  'ticket_history',
  {
    ...syncedColumns(),
    ticketId: text('ticket_id')
      .notNull()
      .references(() => tickets.id),
    actorId: text('actor_id').notNull(),
    kind: text('kind', { enum: ['status', 'field'] }).notNull(),
    field: text('field'),
    fromValue: text('from_value'),
    toValue: text('to_value'),
    reason: text('reason'),
  },
  (t) => [index('ticket_history_ticket_idx').on(t.ticketId, t.createdAt)],
);

/**
 * Tags on tickets: a set, one row per (ticket, tag) whose id is made from that pair (setRowId), so
 * two devices tagging the same ticket alike while apart write one row and its add/remove clock
 * decides. Removing keeps the row as a tombstone (deleted_hlc) for a later re-add to reuse.
 */
export const ticketTags = sqliteTable(
  'ticket_tags',
  {
    ...syncedColumns(),
    ticketId: text('ticket_id')
      .notNull()
      .references(() => tickets.id),
    /** As first typed (trimmed), for display. */
    tag: text('tag').notNull(),
    /** Lower-case form: what makes two tags the same, and what the queue filters on. */
    tagKey: text('tag_key').notNull(),
  },
  (t) => [uniqueIndex('ticket_tags_uq').on(t.ticketId, t.tagKey), index('ticket_tags_key_idx').on(t.tagKey, t.ticketId)],
);

/** People following a ticket: a set like tags, one row per (ticket, user). */
export const ticketWatchers = sqliteTable(
  'ticket_watchers',
  {
    ...syncedColumns(),
    ticketId: text('ticket_id')
      .notNull()
      .references(() => tickets.id),
    userId: text('user_id').notNull(),
  },
  (t) => [uniqueIndex('ticket_watchers_uq').on(t.ticketId, t.userId), index('ticket_watchers_user_idx').on(t.userId)],
);

/**
 * Links between tickets: a set, one row per (ticket, other, kind) with an id from that triple; a
 * "relates" link is stored from the lower id so linking either way is the same row. The row lives
 * in its ticket's site; both tickets show it.
 */
export const ticketLinks = sqliteTable(
  'ticket_links',
  {
    ...syncedColumns(),
    ticketId: text('ticket_id')
      .notNull()
      .references(() => tickets.id),
    otherId: text('other_id').notNull(),
    kind: text('kind', { enum: ['relates', 'caused_by', 'duplicates'] }).notNull(),
  },
  (t) => [uniqueIndex('ticket_links_uq').on(t.ticketId, t.otherId, t.kind), index('ticket_links_other_idx').on(t.otherId)],
);
