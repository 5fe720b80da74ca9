/**
 * Evidence files attached to a requirement result, a risk or a finding: the bytes go to the blob
 * store by their SHA-256, the `evidence` record (name, type, size, hash, what it belongs to, who
 * added it) through the record primitive, in the site of the record it belongs to.
 */
import type { Ctx } from '../core/context';
import { requireActor, write } from '../core/write';
import { createRecord, deleteRecord } from '../core/record';
import { uuidv7 } from '../../../shared/ids';
import { AppError } from '../../../shared/result';
import { MAX_EVIDENCE_FILE_BYTES } from '../../../shared/sync/blobs';
import type { EvidenceOwnerType } from '../../../shared/sync/entities-evidence';
import type { EvidenceItem } from '../../../shared/api/evidence';
import type { ExportFile } from '../../../shared/api/assets';
import { blobStoreOf } from './blobs';
import { resultId } from '../assessments/assessments';

/** The table holding each kind of record evidence belongs to . */
export const EVIDENCE_OWNER_TABLES: Record<EvidenceOwnerType, string> = {
  requirement_assessment: 'requirement_assessments',
  risk: 'risks',
  finding: 'findings',
};

const OWNER_WORDS: Record<EvidenceOwnerType, string> = { requirement_assessment: 'requirement result', risk: 'risk', finding: 'finding' };

function tableExists(ctx: Ctx, table: string): boolean {
  return !!ctx.store.sqlite.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(table);
}

/** The record a call names: by id, or a requirement's result by its assessment and the requirement's ref. */
export function evidenceTarget(ctx: Ctx, input: { recordType: EvidenceOwnerType; recordId?: string; assessmentId?: string; ref?: string; requirementId?: string }): string {
  if (input.recordId) return input.recordId;
  const sqlite = ctx.store.sqlite;
  const fw = sqlite.prepare('SELECT framework_id FROM assessments WHERE id = ? AND deleted_hlc IS NULL').pluck().get(input.assessmentId) as string | undefined;
  if (!fw) throw new AppError('not_found', 'No such assessment.', [{ path: ['assessmentId'], message: 'Not found.' }]);
  const req = (
    input.requirementId
      ? sqlite.prepare('SELECT id, ref_id AS ref FROM framework_requirements WHERE framework_id = ? AND id = ? AND deleted_hlc IS NULL').get(fw, input.requirementId)
      : sqlite.prepare('SELECT id, ref_id AS ref FROM framework_requirements WHERE framework_id = ? AND ref_id = ? AND deleted_hlc IS NULL').get(fw, input.ref)
  ) as { id: string; ref: string | null } | undefined;
  const named = input.ref ?? input.requirementId;
  if (!req) throw new AppError('not_found', `The assessment's framework has no requirement ${named}.`, [{ path: ['ref'], message: 'Not found.' }]);
  const rid = resultId(input.assessmentId!, req.id);
  if (!sqlite.prepare('SELECT 1 FROM requirement_assessments WHERE id = ? AND deleted_hlc IS NULL').get(rid)) {
    throw new AppError('conflict', `Assess requirement ${req.ref ?? named} first; evidence is attached to its result.`, [{ path: ['ref'], message: 'Not assessed yet.' }]);
  }
  return rid;
}

/** The record evidence is attached to: its site, or a clear error. */
export function evidenceOwner(ctx: Ctx, recordType: EvidenceOwnerType, recordId: string): { scopeId: string } {
  const table = EVIDENCE_OWNER_TABLES[recordType];
  const row = tableExists(ctx, table)
    ? (ctx.store.sqlite.prepare(`SELECT scope_id AS scopeId FROM ${table} WHERE id = ? AND deleted_hlc IS NULL`).get(recordId) as
        { scopeId: string } | undefined)
    : undefined;
  if (!row)
    throw new AppError('not_found', `No such ${OWNER_WORDS[recordType]} to attach evidence to.`, [
      { path: ['recordId'], message: 'Not found.' },
    ]);
  return row;
}

interface Row {
  id: string;
  record_type: EvidenceOwnerType;
  record_id: string;
  file_name: string;
  media_type: string;
  size: number;
  sha256: string;
  note: string | null;
  uploaded_by: string;
  uploader: string | null;
  created_at: string;
}

const SELECT = `SELECT e.id, e.record_type, e.record_id, e.file_name, e.media_type, e.size, e.sha256, e.note, e.uploaded_by, u.display_name AS uploader, e.created_at
  FROM evidence e LEFT JOIN users u ON u.id = e.uploaded_by`;

function toItem(ctx: Ctx, r: Row): EvidenceItem {
  return {
    id: r.id,
    recordType: r.record_type,
    recordId: r.record_id,
    fileName: r.file_name,
    mediaType: r.media_type,
    size: r.size,
    sha256: r.sha256,
    note: r.note,
    uploadedBy: r.uploaded_by,
    uploadedByName: r.uploader,
    uploadedAt: r.created_at,
    available: blobStoreOf(ctx.store).has(r.sha256),
  };
}

function requireWriter(ctx: Ctx) {
  const actor = requireActor(ctx);
  if (actor.role === 'requester') throw new AppError('forbidden', 'Requesters cannot add evidence.');
  return actor;
}

export function attachEvidence(
  ctx: Ctx,
  input: {
    recordType: EvidenceOwnerType;
    recordId?: string;
    assessmentId?: string;
    ref?: string;
    fileName: string;
    mediaType?: string;
    content: string;
    note?: string;
  },
): EvidenceItem {
  const actor = requireWriter(ctx);
  const recordId = evidenceTarget(ctx, input);
  const bytes = Buffer.from(input.content, 'base64');
  if (bytes.length === 0) throw new AppError('invalid_input', 'The file is empty.', [{ path: ['content'], message: 'Empty file.' }]);
  if (bytes.length > MAX_EVIDENCE_FILE_BYTES) {
    throw new AppError(
      'invalid_input',
      `${input.fileName} is ${(bytes.length / 1024 / 1024).toFixed(1)} MB; an evidence file is at most ${MAX_EVIDENCE_FILE_BYTES / 1024 / 1024} MB.`,
      [{ path: ['content'], message: 'Too large.' }],
    );
  }
  const owner = evidenceOwner(ctx, input.recordType, recordId);
  // The bytes first: a record never names a blob this device does not hold.
  const blob = blobStoreOf(ctx.store).write(bytes);
  const id = uuidv7();
  write(ctx, (w) =>
    createRecord(ctx, w, 'evidence', id, owner.scopeId, {
      record_type: input.recordType,
      record_id: recordId,
      file_name: input.fileName,
      media_type: input.mediaType || 'application/octet-stream',
      size: blob.size,
      sha256: blob.sha256,
      note: input.note || null,
      uploaded_by: actor.id,
    }),
  );
  return getEvidence(ctx, id);
}

export function getEvidence(ctx: Ctx, id: string): EvidenceItem {
  const r = ctx.store.sqlite.prepare(`${SELECT} WHERE e.id = ? AND e.deleted_hlc IS NULL`).get(id) as Row | undefined;
  if (!r) throw new AppError('not_found', 'No such evidence.');
  return toItem(ctx, r);
}

export function listEvidence(
  ctx: Ctx,
  input: { recordType: EvidenceOwnerType; recordId?: string; assessmentId?: string; ref?: string; requirementId?: string },
): { items: EvidenceItem[] } {
  requireActor(ctx);
  const recordId = evidenceTarget(ctx, input);
  const rows = ctx.store.sqlite
    .prepare(`${SELECT} WHERE e.record_type = ? AND e.record_id = ? AND e.deleted_hlc IS NULL ORDER BY e.created_at, e.id`)
    .all(input.recordType, recordId) as Row[];
  return { items: rows.map((r) => toItem(ctx, r)) };
}

export function evidenceFile(ctx: Ctx, id: string): ExportFile {
  requireActor(ctx);
  const e = getEvidence(ctx, id);
  const blobs = blobStoreOf(ctx.store);
  const check = blobs.verify(e.sha256);
  if (check === 'missing')
    throw new AppError('conflict', `${e.fileName} is not yet downloaded to this device; it arrives with the next sync.`);
  if (check === 'corrupt')
    throw new AppError(
      'conflict',
      `${e.fileName} on this device no longer matches its SHA-256 (${e.sha256.slice(0, 12)}…): the copy here was changed or damaged.`,
    );
  return { filename: e.fileName, mime: e.mediaType, content: blobs.read(e.sha256)!.toString('base64'), encoding: 'base64', rows: 1 };
}

export function removeEvidence(ctx: Ctx, id: string): { removed: true } {
  requireWriter(ctx);
  // The bytes stay: another record (here or on another device) may name the same file.
  write(ctx, (w) => deleteRecord(ctx, w, 'evidence', id));
  return { removed: true };
}
