/** Compliance evidence files and evidence packs (a zip that proves what an assessment or register held). */
import { z } from 'zod';
import { call } from './contract';
import { GRC_READERS } from './grc';
import { id } from './common';
import type { ExportFile } from './assets';
import { EVIDENCE_OWNER_TYPES, type EvidenceOwnerType } from '../sync/entities-evidence';
import { MAX_EVIDENCE_FILE_BYTES } from '../sync/blobs';

/** Who reads and writes evidence: auditors run assessments; staff see and add to them. */
export const GRC_ROLES = GRC_READERS;

export interface EvidenceItem {
  id: string;
  recordType: EvidenceOwnerType;
  recordId: string;
  fileName: string;
  mediaType: string;
  size: number;
  sha256: string;
  note: string | null;
  uploadedBy: string;
  uploadedByName: string | null;
  uploadedAt: string;
  /**
   * Whether this device holds the file. Evidence added on another device arrives with its record
   * first and its bytes on a later sync: "not yet downloaded", never broken.
   */
  available: boolean;
}

/** What an evidence pack's check found: every entry as the manifest says, or which ones changed. */
export interface PackCheck {
  ok: boolean;
  /** Entries checked against the manifest. */
  checked: number;
  /** Entries whose bytes no longer match their SHA-256 in the manifest. */
  changed: string[];
  /** Entries the manifest lists that the zip no longer holds. */
  missing: string[];
  /** Entries in the zip the manifest does not list. */
  unexpected: string[];
  /** The audit-chain head the pack was exported with. */
  chainHead: string | null;
  /** SHA-256 of manifest.json: the export's audit event ("evidence_pack") records the same. */
  manifestSha256: string | null;
  /** One sentence for the user. */
  summary: string;
}

// Base64 grows a file by a third: the largest evidence file, encoded.
const MAX_BASE64 = Math.ceil((MAX_EVIDENCE_FILE_BYTES * 4) / 3) + 4;

export const PACK_KINDS = ['assessment', 'register'] as const;
export type PackKind = (typeof PACK_KINDS)[number];

/** Evidence names its record by id, or a requirement's result by its assessment and the requirement's ref. */
const names = (v: { recordType: string; recordId?: string; assessmentId?: string; ref?: string; requirementId?: string }) =>
  v.recordId !== undefined || (v.recordType === 'requirement_assessment' && v.assessmentId !== undefined && (v.ref !== undefined || v.requirementId !== undefined));
const NAMES_MESSAGE = {
  message: 'Name the record: its recordId, or for a requirement result its assessmentId and the requirement (ref or requirementId).',
  path: ['recordId'],
};

export const evidenceCalls = {
  'evidence.attach': call<EvidenceItem>()(
    z
      .object({
        recordType: z.enum(EVIDENCE_OWNER_TYPES, { message: `Evidence belongs to one of: ${EVIDENCE_OWNER_TYPES.join(', ')}.` }),
        /** The record it belongs to; for a requirement's result, `assessmentId` and the requirement's `ref` may name it instead. */
        recordId: id.optional(),
        assessmentId: id.optional(),
        ref: z.string().trim().min(1).max(200).optional(),
        requirementId: id.optional(),
        fileName: z
          .string()
          .trim()
          .min(1, { message: 'The file needs a name.' })
          .max(255, { message: 'File names are at most 255 characters.' }),
        mediaType: z.string().trim().max(120).default('application/octet-stream'),
        /** The file's bytes, base64. */
        content: z.string().max(MAX_BASE64, { message: `An evidence file is at most ${MAX_EVIDENCE_FILE_BYTES / 1024 / 1024} MB.` }),
        note: z.string().trim().max(2000).optional(),
      })
      .strict()
      .refine(names, NAMES_MESSAGE),
    GRC_ROLES,
    { mutates: true },
  ),
  'evidence.list': call<{ items: EvidenceItem[] }>()(
    z
      .object({
        recordType: z.enum(EVIDENCE_OWNER_TYPES),
        recordId: id.optional(),
        assessmentId: id.optional(),
        ref: z.string().trim().min(1).max(200).optional(),
        requirementId: id.optional(),
      })
      .strict()
      .refine(names, NAMES_MESSAGE),
    GRC_ROLES,
  ),
  /** The file itself (base64), when this device holds it. */
  'evidence.file': call<ExportFile>()(z.object({ id }).strict(), GRC_ROLES),
  'evidence.remove': call<{ removed: true }>()(z.object({ id }).strict(), GRC_ROLES, { mutates: true }),
  /**
   * One zip: report.pdf, a CSV of every record, the evidence files and manifest.json (each file's
   * SHA-256 and the audit-chain head). `id` names the assessment for an assessment pack.
   */
  'evidence.exportPack': call<ExportFile & { files: number; missingEvidence: number; chainHead: string | null }>()(
    z
      .object({ kind: z.enum(PACK_KINDS), id: id.optional() })
      .strict()
      .refine((v) => v.kind !== 'assessment' || v.id !== undefined, { message: 'Choose the assessment to export.', path: ['id'] }),
    GRC_ROLES,
  ),
  /** Checks a pack (base64 zip) against its own manifest. */
  'evidence.verifyPack': call<PackCheck>()(
    z
      .object({
        content: z
          .string()
          .min(1)
          .max(256 * 1024 * 1024),
      })
      .strict(),
    GRC_ROLES,
  ),
};
