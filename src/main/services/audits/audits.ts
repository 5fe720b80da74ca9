/**
 * Physical audits: a session snapshots what the register places at a location, each scan is an
 * append-only row (undo tombstones it), and closing writes last/next audit dates and the
 * reconciliation (found, missing, unexpected, unknown).
 */
import type Database from 'better-sqlite3';
import type { Ctx } from '../core/context';
import { requireActor, write } from '../core/write';
import { appendRecord, createRecord, deleteRecord, updateRecord } from '../core/record';
import { uuidv7 } from '../../../shared/ids';
import { AppError } from '../../../shared/result';
import { normaliseTag } from '../../../shared/assets/rules';
import type { AuditCounts, AuditDetail, AuditScan, AuditSession, ExpectedAsset, ScanResult } from '../../../shared/api/audits';
import { appendAssetHistory, applyMove, getAssetOrThrow, stmt } from '../assets/assets';
import { descendantIds, locationPathOf } from '../assets/mapping';
import { addMonths } from '../assets/import/values';

/** Assets in these states are not expected on the shelf. */
const NOT_EXPECTED = ['disposed', 'on_order'];

interface SessionRaw {
  id: string;
  scope_id: string;
  created_at: string;
  field_hlc: string;
  location_id: string;
  include_sub: number;
  status: 'open' | 'closed';
  started_by_id: string;
  closed_at: string | null;
  signed_off_by: string | null;
  sign_off_note: string | null;
}

function loadSession(sqlite: Database.Database, id: string): SessionRaw {
  const s = stmt(sqlite, 'SELECT * FROM audit_sessions WHERE id = ? AND deleted_hlc IS NULL').get(id) as SessionRaw | undefined;
  if (!s) throw new AppError('not_found', 'No such audit.');
  return s;
}

function openSession(sqlite: Database.Database, id: string): SessionRaw {
  const s = loadSession(sqlite, id);
  if (s.status !== 'open') throw new AppError('conflict', 'This audit is closed; start a new one to scan again.');
  return s;
}

export function auditCounts(sqlite: Database.Database, auditId: string): AuditCounts {
  const expected = stmt(sqlite, 'SELECT count(*) FROM audit_expected WHERE audit_id = ?').pluck().get(auditId) as number;
  const rows = stmt(sqlite, 'SELECT result, count(*) AS n FROM audit_scans WHERE audit_id = ? AND deleted_hlc IS NULL GROUP BY result').all(auditId) as { result: ScanResult; n: number }[];
  const by = Object.fromEntries(rows.map((r) => [r.result, r.n])) as Partial<Record<ScanResult, number>>;
  const found = by.found ?? 0;
  return { expected, found, missing: expected - found, unexpected: by.unexpected ?? 0, unknown: by.unknown ?? 0, duplicate: by.duplicate ?? 0 };
}

function toSession(sqlite: Database.Database, s: SessionRaw): AuditSession {
  const names = stmt(sqlite, 'SELECT (SELECT name FROM locations WHERE id = ?) AS loc, (SELECT display_name FROM users WHERE id = ?) AS who').get(s.location_id, s.started_by_id) as {
    loc: string | null;
    who: string | null;
  };
  return {
    id: s.id,
    locationId: s.location_id,
    locationName: names.loc ?? 'Unknown location',
    locationPath: locationPathOf(sqlite, s.location_id) ?? '',
    includeSubLocations: !!s.include_sub,
    status: s.status,
    startedAt: s.created_at,
    startedById: s.started_by_id,
    startedByName: names.who ?? 'Unknown',
    closedAt: s.closed_at,
    signedOffBy: s.signed_off_by,
    signOffNote: s.sign_off_note,
    counts: auditCounts(sqlite, s.id),
  };
}

export function listAudits(ctx: Ctx, status?: 'open' | 'closed'): AuditSession[] {
  requireActor(ctx);
  const sqlite = ctx.store.sqlite;
  const rows = sqlite
    .prepare(`SELECT * FROM audit_sessions WHERE deleted_hlc IS NULL ${status ? 'AND status = ?' : ''} ORDER BY created_at DESC LIMIT 500`)
    .all(...(status ? [status] : [])) as SessionRaw[];
  return rows.map((s) => toSession(sqlite, s));
}

export function startAudit(ctx: Ctx, locationId: string, includeSub: boolean): { id: string; expected: number; session: AuditSession } {
  const actor = requireActor(ctx);
  const sqlite = ctx.store.sqlite;
  const site = sqlite.prepare('SELECT scope_id FROM locations WHERE id = ? AND deleted_hlc IS NULL').pluck().get(locationId) as string | undefined;
  if (!site) throw new AppError('invalid_input', 'No such location.', [{ path: ['locationId'], message: 'Unknown location.' }]);
  const locs = includeSub ? descendantIds(sqlite, locationId) : [locationId];
  const id = uuidv7();
  write(ctx, (w) => {
    const row = { location_id: locationId, include_sub: includeSub ? 1 : 0, status: 'open', started_by_id: actor.id };
    // The snapshot: what the register says is here now. Moves during the audit do not change it.
    const ids: string[] = [];
    for (let i = 0; i < locs.length; i += 500) {
      const chunk = locs.slice(i, i + 500);
      ids.push(
        ...(sqlite
          .prepare(`SELECT id FROM assets WHERE location_id IN (${chunk.map(() => '?').join(',')}) AND deleted_hlc IS NULL AND status NOT IN (${NOT_EXPECTED.map(() => '?').join(',')})`)
          .pluck()
          .all(...chunk, ...NOT_EXPECTED) as string[]),
      );
    }
    // One append op per expected asset: the sync server takes plain rows, and 5,000 small ops fit its batches.
    createRecord(ctx, w, 'audit_sessions', id, site, row, { audit: { before: null, after: { ...row, expected: ids.length } } });
    for (const assetId of ids) appendRecord(ctx, w, 'audit_expected', uuidv7(), site, { audit_id: id, asset_id: assetId }, { audit: false });
  });
  const session = toSession(sqlite, loadSession(sqlite, id));
  return { id, expected: session.counts.expected, session };
}

function scanRow(sqlite: Database.Database, id: string): AuditScan {
  return stmt(
    sqlite,
    `SELECT s.id, s.created_at AS at, s.tag, s.result, s.asset_id AS assetId, a.name AS assetName, l.name AS registeredLocation, s.relocated,
       coalesce(u.display_name, 'Unknown') AS auditorName
     FROM audit_scans s LEFT JOIN assets a ON a.id = s.asset_id LEFT JOIN locations l ON l.id = s.registered_location_id LEFT JOIN users u ON u.id = s.auditor_id
     WHERE s.id = ?`,
  )
    .all(id)
    .map((r) => ({ ...(r as AuditScan), relocated: !!(r as { relocated: number }).relocated }))[0]!;
}

export function scan(ctx: Ctx, auditId: string, rawTag: string): { result: ScanResult; scan: AuditScan; counts: AuditCounts } {
  const actor = requireActor(ctx);
  const sqlite = ctx.store.sqlite;
  const session = openSession(sqlite, auditId);
  const tagKey = normaliseTag(rawTag);
  const asset = stmt(sqlite, 'SELECT id, location_id FROM assets WHERE tag_key = ? AND deleted_hlc IS NULL').get(tagKey) as { id: string; location_id: string | null } | undefined;
  let result: ScanResult;
  if (!asset) {
    const again = stmt(sqlite, "SELECT 1 FROM audit_scans WHERE audit_id = ? AND tag_key = ? AND deleted_hlc IS NULL AND result <> 'duplicate'").get(auditId, tagKey);
    result = again ? 'duplicate' : 'unknown';
  } else {
    const again = stmt(sqlite, "SELECT 1 FROM audit_scans WHERE audit_id = ? AND tag_key = ? AND deleted_hlc IS NULL AND result <> 'duplicate'").get(auditId, tagKey);
    if (again) result = 'duplicate';
    else result = stmt(sqlite, 'SELECT 1 FROM audit_expected WHERE audit_id = ? AND asset_id = ?').get(auditId, asset.id) ? 'found' : 'unexpected';
  }
  const id = uuidv7();
  write(ctx, (w) => {
    const row = { audit_id: auditId, tag: rawTag.trim(), tag_key: tagKey, result, asset_id: asset?.id ?? null, registered_location_id: asset?.location_id ?? null, relocated: 0, auditor_id: actor.id };
    appendRecord(ctx, w, 'audit_scans', id, session.scope_id, row, { audit: { before: null, after: { audit: auditId, tag: row.tag, result } } });
  });
  return { result, scan: scanRow(sqlite, id), counts: auditCounts(sqlite, auditId) };
}

export function undoScan(ctx: Ctx, auditId: string): { undone: AuditScan | null; counts: AuditCounts } {
  requireActor(ctx);
  const sqlite = ctx.store.sqlite;
  // Only an open audit's scans can be undone.
  openSession(sqlite, auditId);
  const last = sqlite.prepare('SELECT id FROM audit_scans WHERE audit_id = ? AND deleted_hlc IS NULL ORDER BY created_at DESC, id DESC LIMIT 1').pluck().get(auditId) as string | undefined;
  if (!last) return { undone: null, counts: auditCounts(sqlite, auditId) };
  const undone = scanRow(sqlite, last);
  write(ctx, (w) => {
    deleteRecord(ctx, w, 'audit_scans', last, { audit: { before: { tag: undone.tag, result: undone.result }, after: null } });
  });
  return { undone, counts: auditCounts(sqlite, auditId) };
}

export function relocate(ctx: Ctx, auditId: string, scanId: string): { scan: AuditScan; counts: AuditCounts } {
  requireActor(ctx);
  const sqlite = ctx.store.sqlite;
  const session = openSession(sqlite, auditId);
  const s = sqlite.prepare('SELECT * FROM audit_scans WHERE id = ? AND audit_id = ? AND deleted_hlc IS NULL').get(scanId, auditId) as
    | { result: ScanResult; asset_id: string | null; relocated: number; field_hlc: string }
    | undefined;
  if (!s) throw new AppError('not_found', 'No such scan in this audit.');
  if (s.result !== 'unexpected' || !s.asset_id) throw new AppError('conflict', 'Only an unexpected asset can be relocated here.');
  if (s.relocated) throw new AppError('conflict', 'This asset has already been relocated here.');
  const before = getAssetOrThrow(sqlite, { id: s.asset_id });
  // The same rule as the server's: an auditor relocates within the audited site; moving an asset
  // between sites is staff work.
  if (ctx.actor?.role === 'auditor' && before.scope_id !== session.scope_id) {
    throw new AppError('forbidden', 'This asset belongs to another site. Auditors relocate assets within the audited site only; ask a technician to move it.');
  }
  write(ctx, (w) => {
    applyMove(sqlite, w, before, session.location_id, `Relocated during audit ${auditId}`);
    updateRecord(ctx, w, 'audit_scans', scanId, { relocated: 1 }, { audit: false });
  });
  return { scan: scanRow(sqlite, scanId), counts: auditCounts(sqlite, auditId) };
}

export function closeAudit(ctx: Ctx, input: { auditId: string; signedOffBy?: string; note?: string; nextAuditMonths: number }): AuditCounts & { session: AuditSession } {
  const actor = requireActor(ctx);
  const sqlite = ctx.store.sqlite;
  const session = openSession(sqlite, input.auditId);
  write(ctx, (w) => {
    const today = w.now.slice(0, 10);
    const next = addMonths(today, input.nextAuditMonths);
    const changes = { status: 'closed', closed_at: w.now, signed_off_by: input.signedOffBy ?? actor.displayName, sign_off_note: input.note ?? null };
    updateRecord(ctx, w, 'audit_sessions', session.id, changes, { audit: false });
    // Seen assets get their audit dates; every expected asset gets a timeline entry (found or missing).
    const seen = sqlite
      .prepare("SELECT DISTINCT asset_id AS id, result FROM audit_scans WHERE audit_id = ? AND deleted_hlc IS NULL AND asset_id IS NOT NULL AND result IN ('found', 'unexpected')")
      .all(session.id) as { id: string; result: string }[];
    const fh = stmt(sqlite, 'SELECT id, field_hlc, scope_id, last_audit_at, next_audit_at FROM assets WHERE id = ?');
    for (const a of seen) {
      const cur = fh.get(a.id) as { field_hlc: string; scope_id: string };
      updateRecord(ctx, w, 'assets', a.id, { last_audit_at: today, next_audit_at: next }, { row: cur, audit: false });
      appendAssetHistory(sqlite, w, a.id, cur.scope_id, { kind: 'audit', field: session.id, to: a.result, locationId: session.location_id });
    }
    const missing = sqlite
      .prepare(
        `SELECT e.asset_id AS id, a.scope_id FROM audit_expected e JOIN assets a ON a.id = e.asset_id WHERE e.audit_id = ?
         AND NOT EXISTS (SELECT 1 FROM audit_scans s WHERE s.audit_id = e.audit_id AND s.asset_id = e.asset_id AND s.result = 'found' AND s.deleted_hlc IS NULL)`,
      )
      .all(session.id) as { id: string; scope_id: string }[];
    for (const m of missing) appendAssetHistory(sqlite, w, m.id, m.scope_id, { kind: 'audit', field: session.id, to: 'missing', locationId: session.location_id });
    w.audit('audit_session', session.id, { status: 'open' }, { ...changes, ...auditCounts(sqlite, session.id) });
  });
  const s = toSession(sqlite, loadSession(sqlite, session.id));
  return { ...s.counts, session: s };
}

export function getAudit(ctx: Ctx, id: string): AuditDetail {
  requireActor(ctx);
  const sqlite = ctx.store.sqlite;
  const session = toSession(sqlite, loadSession(sqlite, id));
  const expected = sqlite
    .prepare(
      `SELECT e.asset_id AS assetId, a.tag, a.name, l.name AS locationName,
         (SELECT min(s.created_at) FROM audit_scans s WHERE s.audit_id = e.audit_id AND s.asset_id = e.asset_id AND s.result = 'found' AND s.deleted_hlc IS NULL) AS foundAt
       FROM audit_expected e JOIN assets a ON a.id = e.asset_id LEFT JOIN locations l ON l.id = a.location_id
       WHERE e.audit_id = ? ORDER BY a.tag_key`,
    )
    .all(id) as ExpectedAsset[];
  const scans = (
    sqlite
      .prepare(
        `SELECT s.id, s.created_at AS at, s.tag, s.result, s.asset_id AS assetId, a.name AS assetName, l.name AS registeredLocation, s.relocated,
           coalesce(u.display_name, 'Unknown') AS auditorName
         FROM audit_scans s LEFT JOIN assets a ON a.id = s.asset_id LEFT JOIN locations l ON l.id = s.registered_location_id LEFT JOIN users u ON u.id = s.auditor_id
         WHERE s.audit_id = ? AND s.deleted_hlc IS NULL ORDER BY s.created_at DESC, s.id DESC`,
      )
      .all(id) as (AuditScan & { relocated: number | boolean })[]
  ).map((s) => ({ ...s, relocated: !!s.relocated }));
  return { ...session, expected, scans };
}
