/**
 * Sync rules for compliance evidence and findings (issue 11): evidence files attached to a
 * requirement result, a risk or a finding (the bytes travel separately as blobs named by their
 * SHA-256, see blobs.ts), findings (non-conformities and observations) and the requirements, risks
 * and assets each finding is linked to. Auditors write all three; they live where the assessment or
 * register they belong to lives: a site, or the whole team (`global`).
 */
import { z } from 'zod';
import { MAX_EVIDENCE_FILE_BYTES, SHA256_HEX } from './blobs';
import type { EntityRule, WriterRole } from './entity-rule';

const id = z.string().min(1).max(80);
const str = (max: number) => z.string().max(max);
const optStr = (max: number) => z.string().max(max).nullable();
const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, { message: 'Dates look like 2026-03-31.' });

/** What evidence can be attached to. */
export const EVIDENCE_OWNER_TYPES = ['requirement_assessment', 'risk', 'finding'] as const;
export type EvidenceOwnerType = (typeof EVIDENCE_OWNER_TYPES)[number];

export const FINDING_KINDS = ['non_conformity', 'observation'] as const;
export type FindingKind = (typeof FINDING_KINDS)[number];
export const FINDING_SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;
export type FindingSeverity = (typeof FINDING_SEVERITIES)[number];
export const FINDING_STATUSES = ['open', 'in_progress', 'resolved', 'closed'] as const;
export type FindingStatus = (typeof FINDING_STATUSES)[number];
export const OPEN_FINDING_STATUSES: readonly FindingStatus[] = ['open', 'in_progress'];
/** What a finding links to: a framework requirement (by its URN), a risk, an asset. */
export const FINDING_LINK_KINDS = ['requirement', 'risk', 'asset'] as const;
export type FindingLinkKind = (typeof FINDING_LINK_KINDS)[number];

/** Auditors write evidence and findings; staff do too. */
const GRC_WRITERS: readonly WriterRole[] = ['admin', 'technician', 'auditor'];

export const EVIDENCE_ENTITY_RULES: Record<string, EntityRule> = {
  evidence: {
    home: 'any',
    globalWriters: GRC_WRITERS,
    merge: 'record',
    writers: GRC_WRITERS,
    identity: ['uploaded_by'],
    // What the file is and what it belongs to never change: a different file is another record.
    fixed: ['record_type', 'record_id', 'sha256', 'size', 'media_type'],
    fields: {
      record_type: z.enum(EVIDENCE_OWNER_TYPES),
      record_id: id,
      file_name: str(255).min(1),
      media_type: str(120).min(1),
      size: z
        .number()
        .int()
        .min(0)
        .max(MAX_EVIDENCE_FILE_BYTES, { message: `An evidence file is at most ${MAX_EVIDENCE_FILE_BYTES / 1024 / 1024} MB.` }),
      sha256: z.string().regex(SHA256_HEX, { message: 'A SHA-256 is 64 lower-case hex digits.' }),
      note: optStr(2000),
      uploaded_by: id,
    },
  },
  findings: {
    home: 'any',
    globalWriters: GRC_WRITERS,
    merge: 'record',
    writers: GRC_WRITERS,
    identity: ['raised_by'],
    textFields: ['description'],
    fields: {
      kind: z.enum(FINDING_KINDS),
      title: str(300).min(1),
      description: str(20_000),
      severity: z.enum(FINDING_SEVERITIES),
      status: z.enum(FINDING_STATUSES),
      owner_id: id.nullable(),
      due_date: day.nullable(),
      /** The assessment it was raised in, when it was. */
      assessment_id: id.nullable(),
      /** The follow-up ticket opened for it. */
      ticket_id: id.nullable(),
      raised_by: id,
    },
  },
  finding_links: {
    home: 'any',
    globalWriters: GRC_WRITERS,
    merge: 'set',
    parent: { field: 'finding_id', entity: 'findings' },
    writers: GRC_WRITERS,
    fields: { finding_id: id, kind: z.enum(FINDING_LINK_KINDS), target_id: str(300).min(1) },
  },
};
