/** The tamper-evident audit trail. */
import { z } from 'zod';
import { call } from './contract';

export interface AuditEvent {
  seq: number;
  id: string;
  at: string;
  actorId: string | null;
  actorName: string | null;
  call: string;
  recordType: string;
  recordId: string | null;
  before: unknown;
  after: unknown;
  hash: string;
}

export interface ChainStatus {
  /** The chain's links hold and it agrees with what the server acknowledged (see `anchor`). */
  valid: boolean;
  count: number;
  head: string | null;
  /** The sequence number of the first event whose hash does not match, if any. */
  firstBroken: number | null;
  /** The chain checked against the last anchor the server acknowledged for this device. */
  anchor: AnchorCheck;
}

/**
 * `none`: never acknowledged by a server (standalone, or not synced yet); `ok`: the event at the
 * anchored position has the anchored hash; `cut`: the store holds fewer events than the server
 * acknowledged; `differs`: the event at that position was rewritten; `refused`: the server refused
 * this store's latest anchor (its trail is shorter than, or differs from, what it acknowledged).
 */
export interface AnchorCheck {
  state: 'none' | 'ok' | 'cut' | 'differs' | 'refused';
  /** The anchor: how many events the server acknowledged, the hash of the last, and when. */
  length: number | null;
  head: string | null;
  at: string | null;
  /** For an auditor, in words. */
  message: string;
}

/** Who may read the trail: administrators and auditors. */
export const AUDIT_TRAIL_ROLES = ['admin', 'auditor'] as const;

/** "Who" for events no person made (pulled from the server, written by Outpost itself). */
export const NO_PERSON = 'none';

const day = z.string().regex(/^\d{4}-\d{2}-\d{2}(T[\d:.]+Z?)?$/, 'A date (YYYY-MM-DD) or an ISO time.');

/** The trail's filters, applied in SQL: who, what (record type), which record, which call, and when. */
export const auditFilter = z
  .object({
    /** A user id, or NO_PERSON. */
    actorId: z.string().max(64).optional(),
    recordType: z.string().max(64).optional(),
    /** A record id, or what people call it: an asset tag, a ticket number, a username. */
    recordId: z.string().trim().max(64).optional(),
    call: z.string().max(64).optional(),
    /** From this day (inclusive) … */
    from: day.optional(),
    /** … to this day (inclusive). */
    to: day.optional(),
  })
  .strict();
export type AuditFilter = z.infer<typeof auditFilter>;

/** One row of the trail list: the event without its before/after (open it with audit.get). */
export interface AuditListItem {
  seq: number;
  id: string;
  at: string;
  actorId: string | null;
  actorName: string | null;
  call: string;
  recordType: string;
  recordId: string | null;
  /** What people call the record (asset tag, ticket number, username…), when it still exists. */
  recordLabel: string | null;
  /** The fields the event changed or set. */
  fields: string[];
}

export interface AuditEventDetail extends AuditEvent {
  recordLabel: string | null;
  prevHash: string;
  /** This event's own link: its hash recomputed from its content and the previous hash. */
  linkValid: boolean;
}

export interface AuditFacets {
  actors: { id: string; name: string }[];
  recordTypes: string[];
  calls: string[];
}

export interface AuditExport {
  filename: string;
  mime: string;
  /** Text for CSV; base64 for PDF. */
  content: string;
  encoding: 'utf-8' | 'base64';
  rows: number;
  /** The chain head when the export was made (null when the trail is empty or broken). */
  chainHead: string | null;
  chainValid: boolean;
  /** More events matched than an export carries; narrow the filter. */
  truncated: boolean;
}

export const auditCalls = {
  'audit.list': call<{ items: AuditEvent[]; nextCursor: string | null }>()(
    z
      .object({
        recordId: z.string().max(64).optional(),
        limit: z.number().int().min(1).max(500).default(100),
        cursor: z.string().max(40).nullable().optional(),
      })
      .strict(),
    AUDIT_TRAIL_ROLES,
  ),
  /** The Audit trail screen's page of events, newest first. */
  'audit.search': call<{ items: AuditListItem[]; nextCursor: string | null }>()(
    auditFilter.extend({ limit: z.number().int().min(1).max(500).default(100), cursor: z.string().max(40).nullable().optional() }).strict(),
    AUDIT_TRAIL_ROLES,
  ),
  'audit.get': call<AuditEventDetail>()(z.object({ seq: z.number().int().positive() }).strict(), AUDIT_TRAIL_ROLES),
  /** The people, record types and calls present in the trail, for the filters. */
  'audit.facets': call<AuditFacets>()(z.object({}).strict().default({}), AUDIT_TRAIL_ROLES),
  'audit.export': call<AuditExport>()(auditFilter.extend({ format: z.enum(['csv', 'pdf']) }).strict(), AUDIT_TRAIL_ROLES),
  'audit.verify': call<ChainStatus>()(z.object({}).strict().default({}), AUDIT_TRAIL_ROLES),
};
