/** Tickets (incidents and service requests), their timeline, queue views and search. */
import { z } from 'zod';
import { ADMIN, ALL_ROLES, call, STAFF } from './contract';
import type { ImportError } from './assets';
import { uploadId } from './common';
import { id, trimmed, type Page } from './common';
import {
  CONTACT_CHANNELS,
  LEVELS,
  RESOLUTION_CODES,
  TICKET_STATUSES,
  TICKET_TYPES,
  type ContactChannel,
  type Level,
  type PendingReason,
  type Priority,
  type ResolutionCode,
  type TicketStatus,
  type TicketType,
} from '../tickets/rules';
import { priority } from './settings';

export interface Ticket {
  id: string;
  number: string;
  type: TicketType;
  title: string;
  description: string;
  category: string | null;
  subcategory: string | null;
  impact: Level;
  urgency: Level;
  priority: Priority;
  priorityOverridden: boolean;
  status: TicketStatus;
  pendingReason: PendingReason | null;
  resolutionCode: ResolutionCode | null;
  resolutionNotes: string | null;
  assigneeId: string | null;
  assigneeName: string | null;
  groupId: string | null;
  groupName: string | null;
  requesterId: string | null;
  requesterName: string | null;
  siteId: string;
  siteName: string | null;
  contactChannel: ContactChannel | null;
  linkedAssetId: string | null;
  openedAt: string;
  firstResponseAt: string | null;
  resolvedAt: string | null;
  closedAt: string | null;
  /** The resolution SLA as recorded when the ticket resolved: met, missed, or null when not recorded. */
  slaMet: boolean | null;
  /**
   * The number the ticket was shown with before the server numbered it at sync (a provisional
   * number given offline, or one another device held); it still leads here. Null when never renumbered.
   */
  formerNumber: string | null;
  createdAt: string;
  updatedAt: string;
}

/** A queue row: what the list shows, kept small so pages stay fast. */
export type TicketRow = Pick<
  Ticket,
  | 'id'
  | 'number'
  | 'type'
  | 'title'
  | 'priority'
  | 'status'
  | 'assigneeId'
  | 'assigneeName'
  | 'groupId'
  | 'groupName'
  | 'requesterName'
  | 'siteId'
  | 'openedAt'
  | 'updatedAt'
  | 'resolvedAt'
> & {
  /**
   * The SLA as this device derived it (services/sla): state of the clock, which clock the deadline
   * is for, the deadline and warning instants (epoch ms) while it runs, and what is left of the
   * target (ms, negative once missed) while it is paused or after it stopped.
   */
  slaState: 'running' | 'paused' | 'stopped' | null;
  slaClock: 'response' | 'resolution' | null;
  slaDueAt: number | null;
  slaWarnAt: number | null;
  slaLeftMs: number | null;
};

export type TimelineEntry =
  | { kind: 'comment'; id: string; at: string; authorId: string; authorName: string; body: string; internal: boolean }
  | { kind: 'worklog'; id: string; at: string; authorId: string; authorName: string; minutes: number; note: string | null }
  | {
      kind: 'status';
      id: string;
      at: string;
      authorId: string;
      authorName: string;
      from: TicketStatus | null;
      to: TicketStatus;
      reason: string | null;
    }
  | {
      kind: 'field';
      id: string;
      at: string;
      authorId: string;
      authorName: string;
      field: string;
      from: string | null;
      to: string | null;
    };

export interface TicketDetail extends Ticket {
  timeline: TimelineEntry[];
  timeSpentMinutes: number;
  /** Tags as shown, alphabetical. */
  tags: string[];
  watchers: TicketWatcher[];
  links: TicketLink[];
}

export const QUEUE_VIEWS = ['my_work', 'unassigned', 'all_open', 'breaching_soon', 'recently_resolved', 'all'] as const;
export type QueueView = (typeof QUEUE_VIEWS)[number];
export const QUEUE_VIEW_LABELS: Record<QueueView, string> = {
  my_work: 'My work',
  unassigned: 'Unassigned',
  all_open: 'All open',
  breaching_soon: 'Breaching soon',
  recently_resolved: 'Recently resolved',
  all: 'All tickets',
};

export const QUEUE_SORTS = ['priority', 'newest', 'oldest', 'updated', 'resolved', 'due'] as const;
export type QueueSort = (typeof QUEUE_SORTS)[number];
export const QUEUE_SORT_LABELS: Record<QueueSort, string> = {
  priority: 'Priority, then newest',
  newest: 'Newest first',
  oldest: 'Oldest first',
  updated: 'Recently updated',
  resolved: 'Recently resolved',
  due: 'SLA deadline, soonest first',
};

const level = z.union([z.literal(1), z.literal(2), z.literal(3)], {
  message: `Must be ${LEVELS.join(', ')} (1 is highest).`,
});

export const TICKET_LINK_KINDS = ['relates', 'caused_by', 'duplicates'] as const;
export type TicketLinkKind = (typeof TICKET_LINK_KINDS)[number];
export interface TicketLink {
  kind: TicketLinkKind;
  /** True when this ticket is the one that relates to / was caused by / duplicates the other. */
  outgoing: boolean;
  otherId: string;
  /** Null when the other ticket is not on this device (another site). */
  otherNumber: string | null;
  otherTitle: string | null;
}

export interface TicketWatcher {
  userId: string;
  displayName: string;
}

/** A tag as typed: the service trims it and compares tags lower-cased. */
export const TAG_MAX_LENGTH = 40;
export const ticketTag = z
  .string()
  .trim()
  .min(1, { message: 'Type a tag.' })
  .max(TAG_MAX_LENGTH, { message: `Tags are at most ${TAG_MAX_LENGTH} characters.` })
  .refine((t) => !t.includes(','), { message: 'Tags cannot contain commas; add each tag on its own.' });

const filterInstant = z.string().datetime({ offset: true, message: 'Give a date and time in ISO 8601 (2026-03-01T00:00:00Z).' });
/** A period: from (inclusive) to (exclusive), either end open. */
export const period = z
  .object({ from: filterInstant.optional(), to: filterInstant.optional() })
  .strict()
  .refine((v) => !v.from || !v.to || Date.parse(v.from) < Date.parse(v.to), { message: 'The period must end after it starts.', path: ['to'] });
export type Period = z.infer<typeof period>;

export const ticketFilter = z
  .object({
    status: z.array(z.enum(TICKET_STATUSES)).max(TICKET_STATUSES.length).optional(),
    priority: z.array(priority).max(4).optional(),
    type: z.array(z.enum(TICKET_TYPES)).max(2).optional(),
    groupId: z.array(id).max(50).optional(),
    /** An id, or null for "nobody". */
    assigneeId: z.array(id.nullable()).max(50).optional(),
    siteId: z.array(id).max(50).optional(),
    text: z.string().trim().max(200).optional(),
    /** Tickets carrying any of these tags. */
    tag: z.array(ticketTag).max(20).optional(),
    /** Opened in the period. The period filters are what the dashboard's figures count (docs/kpis.md). */
    opened: period.optional(),
    /** Resolved or closed, with a resolve time in the period. */
    resolved: period.optional(),
    /** Resolved or closed, finished in the period (at the resolve time, else the close time). */
    finished: period.optional(),
    /** Closed or cancelled in the period (the close time). */
    closed: period.optional(),
    /** Open at this instant: opened before it, and neither resolved nor closed before it. */
    openAt: filterInstant.optional(),
    /** Resolution SLA recorded as missed. */
    breached: z.literal(true).optional(),
    /** Reopened at least once. */
    reopened: z.literal(true).optional(),
  })
  .strict();
export type TicketFilter = z.infer<typeof ticketFilter>;

const editable = z
  .object({
    title: trimmed(200, 'Title'),
    description: z.string().max(20000, { message: 'Description must be at most 20,000 characters.' }),
    category: z.string().trim().max(80).nullable(),
    subcategory: z.string().trim().max(80).nullable(),
    impact: level,
    urgency: level,
    priority,
    assigneeId: id.nullable(),
    groupId: id.nullable(),
    requesterId: id.nullable(),
    siteId: id,
    contactChannel: z.enum(CONTACT_CHANNELS).nullable(),
    linkedAssetId: z.string().trim().max(64).nullable(),
  })
  .partial()
  .strict();
export type TicketFields = z.infer<typeof editable>;

export interface ViewCount {
  view: QueueView;
  count: number;
}

export interface SavedView {
  id: string;
  name: string;
  base: QueueView;
  filter: TicketFilter;
  sort: QueueSort;
}

/** A numbered record other than a ticket, found by its number for the palette. */
export interface NumberHit {
  kind: 'problem' | 'change' | 'article';
  id: string;
  number: string;
  title: string;
}

export interface SearchHit {
  id: string;
  number: string;
  title: string;
  status: TicketStatus;
  priority: Priority;
  /** Text with matches wrapped in \u0002 … \u0003 so the UI can mark them without HTML. */
  snippet: string;
  rank: number;
}

/** Ticket import formats: a ServiceNow incident export in its event-log layout (one row per update). */
export const TICKET_IMPORT_FORMATS = ['servicenow-events'] as const;
export type TicketImportFormat = (typeof TICKET_IMPORT_FORMATS)[number];

/** A figure as the file states it and as Outpost computes it from the folded history. */
export interface TicketImportFigures {
  /** Incidents with a resolve time. */
  resolved: number;
  /** Incidents reopened at least once. */
  reopened: number;
  reopenedPercent: number;
  /** Share of incidents whose resolution SLA was met (of those where it is known), or null. */
  madeSlaPercent: number | null;
}

/** Outpost's own resolution SLA over an imported history. */
export interface OwnSlaFigures {
  /** Incidents under a policy whose resolution clock stopped (resolved or closed): the share's base. */
  measured: number;
  /** Of those, resolved within the policy's target. */
  met: number;
  /** Under a policy but still open (or cancelled): no outcome yet. */
  notStopped: number;
  /** No active policy has a target for the incident's priority (and type, category, site). */
  noPolicy: number;
  /** The policies that applied, by name. */
  policies: string[];
}

export interface TicketImportResult {
  format: TicketImportFormat;
  dryRun: boolean;
  /** Rows read (one per update in the event log). */
  events: number;
  /** Distinct incident numbers: one ticket each. */
  incidents: number;
  /** New tickets. */
  created: number;
  /** Tickets imported before (found by their source number) and brought up to date. */
  updated: number;
  /** Of those, tickets the file left exactly as they were. */
  unchanged: number;
  /** The file's own figures: `resolved` counts incidents with a resolve time; `reopened` those whose last event has reopen_count > 0. */
  resolved: number;
  reopened: number;
  reopenedPercent: number;
  /** Share of incidents whose last event (highest sys_mod_count) says made_sla = true. */
  madeSlaPercent: number;
  /**
   * The same figures as Outpost reads them from the folded status history. Its `madeSlaPercent` is
   * Outpost's own resolution SLA (the team's policy, business hours and pauses) over the incidents
   * whose clock stopped (`sla.measured`), null when none could be measured.
   */
  outpost: TicketImportFigures & { mttrHours: { median: number | null; mean: number | null }; sla: OwnSlaFigures };
  people: { created: number; matched: number };
  groups: { created: number; matched: number };
  /** Row errors: the row (1-based, header excluded) and column. With any, nothing is written. */
  errors: ImportError[];
  /** SHA-256 of the file, recorded in the audit trail. */
  sha256: string;
}

export const ticketsCalls = {
  /**
   * Import tickets from another tool. Give the file as `contentBase64`, or (large files) as the
   * `uploadId` the streaming upload answered. All-or-nothing; `dryRun` reports the same figures
   * without writing.
   */
  'tickets.import': call<TicketImportResult>()(
    z
      .object({
        format: z.enum(TICKET_IMPORT_FORMATS, { message: `Format must be one of ${TICKET_IMPORT_FORMATS.join(', ')}.` }),
        contentBase64: z.string().max(90 * 1024 * 1024).optional(),
        uploadId: uploadId.optional(),
        dryRun: z.boolean().default(false),
        /** The site the tickets go to (default: the first site). */
        siteId: id.optional(),
      })
      .strict()
      .refine((v) => (v.contentBase64 !== undefined) !== (v.uploadId !== undefined), { message: 'Give the file as contentBase64 or as an uploadId (one of them).' }),
    ADMIN,
    { mutates: true },
  ),
  'tickets.create': call<Ticket>()(
    z
      .object({
        type: z.enum(TICKET_TYPES, { message: 'Type must be incident or request.' }),
        title: trimmed(200, 'Title'),
        description: z.string().max(20000).default(''),
        impact: level.default(3),
        urgency: level.default(3),
        category: z.string().trim().max(80).nullable().optional(),
        subcategory: z.string().trim().max(80).nullable().optional(),
        assigneeId: id.nullable().optional(),
        groupId: id.nullable().optional(),
        requesterId: id.nullable().optional(),
        siteId: id.optional(),
        contactChannel: z.enum(CONTACT_CHANNELS).nullable().optional(),
        linkedAssetId: z.string().trim().max(64).nullable().optional(),
      })
      .strict(),
    ALL_ROLES.filter((r) => r !== 'auditor'),
    { mutates: true },
  ),
  'tickets.get': call<TicketDetail>()(z.object({ id }).strict(), ALL_ROLES),
  'tickets.getByNumber': call<TicketDetail>()(
    z.object({ number: z.string().trim().toUpperCase().min(3).max(32) }).strict(),
    ALL_ROLES,
  ),
  'tickets.update': call<Ticket>()(z.object({ id, fields: editable }).strict(), STAFF, { mutates: true }),
  'tickets.transition': call<Ticket>()(
    z
      .object({
        id,
        to: z.enum(TICKET_STATUSES),
        reason: z.string().trim().max(2000).optional(),
        resolutionCode: z.enum(RESOLUTION_CODES).optional(),
        resolutionNotes: z.string().trim().max(20000).optional(),
      })
      .strict(),
    ALL_ROLES.filter((r) => r !== 'auditor'),
    { mutates: true },
  ),
  'tickets.comment': call<TimelineEntry>()(
    z
      .object({
        id,
        body: z.string().trim().min(1, { message: 'A comment cannot be empty.' }).max(20000),
        internal: z.boolean().default(false),
      })
      .strict(),
    ALL_ROLES.filter((r) => r !== 'auditor'),
    { mutates: true },
  ),
  'tickets.worklog': call<TimelineEntry>()(
    z
      .object({
        id,
        minutes: z.number().int().min(1, { message: 'Log at least one minute.' }).max(24 * 60, { message: 'Log at most 24 hours at once.' }),
        note: z.string().trim().max(5000).optional(),
      })
      .strict(),
    STAFF,
    { mutates: true },
  ),
  'tickets.bulk': call<{ updated: number; failed: { id: string; message: string }[] }>()(
    z
      .object({
        ids: z.array(id).min(1).max(500),
        action: z.discriminatedUnion('kind', [
          z.object({ kind: z.literal('assign'), assigneeId: id.nullable() }).strict(),
          z.object({ kind: z.literal('priority'), priority }).strict(),
          z.object({ kind: z.literal('group'), groupId: id.nullable() }).strict(),
          z
            .object({
              kind: z.literal('transition'),
              to: z.enum(TICKET_STATUSES),
              reason: z.string().trim().max(2000).optional(),
              resolutionCode: z.enum(RESOLUTION_CODES).optional(),
              resolutionNotes: z.string().trim().max(20000).optional(),
            })
            .strict(),
        ]),
      })
      .strict(),
    STAFF,
    { mutates: true },
  ),
  'tickets.list': call<Page<TicketRow> & { total: number | null }>()(
    z
      .object({
        view: z.enum(QUEUE_VIEWS).default('all_open'),
        filter: ticketFilter.default({}),
        sort: z.enum(QUEUE_SORTS).optional(),
        limit: z.number().int().min(1).max(500).default(50),
        cursor: z.string().max(500).nullable().optional(),
        withTotal: z.boolean().default(false),
      })
      .strict(),
    ALL_ROLES,
  ),
  'tickets.counts': call<{ items: ViewCount[] }>()(z.object({}).strict().default({}), ALL_ROLES),
  'views.list': call<{ items: SavedView[] }>()(z.object({}).strict().default({}), ALL_ROLES),
  'views.save': call<SavedView>()(
    z
      .object({
        id: id.optional(),
        name: trimmed(80, 'View name'),
        base: z.enum(QUEUE_VIEWS),
        filter: ticketFilter,
        sort: z.enum(QUEUE_SORTS),
      })
      .strict(),
    ALL_ROLES,
    { mutates: true },
  ),
  'views.delete': call<{ done: true }>()(z.object({ id }).strict(), ALL_ROLES, { mutates: true }),
  'tickets.tag': call<{ tags: string[] }>()(z.object({ id, tag: ticketTag }).strict(), STAFF, { mutates: true }),
  'tickets.untag': call<{ tags: string[] }>()(z.object({ id, tag: ticketTag }).strict(), STAFF, { mutates: true }),
  'tickets.link': call<{ links: TicketLink[] }>()(z.object({ id, otherId: id, kind: z.enum(TICKET_LINK_KINDS) }).strict(), STAFF, { mutates: true }),
  'tickets.unlink': call<{ links: TicketLink[] }>()(z.object({ id, otherId: id, kind: z.enum(TICKET_LINK_KINDS) }).strict(), STAFF, { mutates: true }),
  'tickets.watch': call<{ watchers: TicketWatcher[] }>()(z.object({ id, userId: id.optional() }).strict(), ALL_ROLES, { mutates: true }),
  'tickets.unwatch': call<{ watchers: TicketWatcher[] }>()(z.object({ id, userId: id.optional() }).strict(), ALL_ROLES, { mutates: true }),
  /** A problem, change or knowledge article by its number (PRB0000001, CHG12, open KB0000003), if the caller may read it. */
  'search.number': call<{ items: NumberHit[] }>()(z.object({ text: z.string().max(100) }).strict(), ALL_ROLES),
  'search.query': call<{ items: SearchHit[] }>()(
    z
      .object({
        text: z.string().trim().min(1, { message: 'Type something to search for.' }).max(200),
        limit: z.number().int().min(1).max(100).default(20),
      })
      .strict(),
    ALL_ROLES,
  ),
};

export const STAFF_ROLES = STAFF;
