/** Compliance evidence (files by SHA-256), findings and what each finding is linked to. */
import { integer, sqliteTable, text, index, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { syncedColumns } from './columns';
import {
  EVIDENCE_OWNER_TYPES,
  FINDING_KINDS,
  FINDING_LINK_KINDS,
  FINDING_SEVERITIES,
  FINDING_STATUSES,
} from '../../../shared/sync/entities-evidence';

/** One file attached to a requirement result, a risk or a finding; the bytes live in the blob store. */
export const evidence = sqliteTable(
  'evidence',
  {
    ...syncedColumns(),
    recordType: text('record_type', { enum: EVIDENCE_OWNER_TYPES }).notNull(),
    recordId: text('record_id').notNull(),
    fileName: text('file_name').notNull(),
    mediaType: text('media_type').notNull(),
    size: integer('size').notNull(),
    sha256: text('sha256').notNull(),
    note: text('note'),
    uploadedBy: text('uploaded_by').notNull(),
  },
  (t) => [index('evidence_record_idx').on(t.recordType, t.recordId), index('evidence_sha_idx').on(t.sha256)],
);

export const findings = sqliteTable(
  'findings',
  {
    ...syncedColumns(),
    kind: text('kind', { enum: FINDING_KINDS }).notNull(),
    title: text('title').notNull(),
    description: text('description').notNull().default(''),
    severity: text('severity', { enum: FINDING_SEVERITIES }).notNull(),
    status: text('status', { enum: FINDING_STATUSES }).notNull(),
    ownerId: text('owner_id'),
    dueDate: text('due_date'),
    assessmentId: text('assessment_id'),
    ticketId: text('ticket_id'),
    raisedBy: text('raised_by').notNull(),
  },
  (t) => [
    index('findings_status_idx').on(t.status),
    index('findings_ticket_idx').on(t.ticketId),
    index('findings_assessment_idx').on(t.assessmentId),
  ],
);

/** A finding's links to requirements (by URN), risks and assets: one row per member. */
export const findingLinks = sqliteTable(
  'finding_links',
  {
    ...syncedColumns(),
    findingId: text('finding_id').notNull(),
    kind: text('kind', { enum: FINDING_LINK_KINDS }).notNull(),
    targetId: text('target_id').notNull(),
  },
  (t) => [uniqueIndex('finding_links_uq').on(t.findingId, t.kind, t.targetId), index('finding_links_target_idx').on(t.kind, t.targetId)],
);
