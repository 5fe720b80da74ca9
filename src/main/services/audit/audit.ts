/** Reading, filtering, exporting and verifying the audit trail. */
import Papa from 'papaparse';
import { rgb, type PDFPage } from 'pdf-lib';
import type { Ctx } from '../core/context';
import { NO_PERSON, type AuditEvent, type AuditEventDetail, type AuditExport, type AuditFacets, type AuditFilter, type AuditListItem, type ChainStatus } from '../../../shared/api/audit';
import { actorJoin, eventHash, formerActorIds, GENESIS, JOIN_CALL, verifyChain } from '../core/audit';
import { checkAnchor } from './anchor';
import { AppError } from '../../../shared/result';
import { normaliseTag } from '../../../shared/assets/rules';
import { csvSafe } from '../assets/list';
import { MM, fit, reportDocument, winAnsi } from '../labels/pdf';

export function listAudit(ctx: Ctx, input: { recordId?: string; limit: number; cursor?: string | null }): { items: AuditEvent[]; nextCursor: string | null } {
  const where: string[] = [];
  const args: unknown[] = [];
  if (input.recordId) {
    // Its own events, and the events that list it among many (a pulled page).
    where.push('(e.record_id = ? OR e.seq IN (SELECT seq FROM audit_event_records WHERE record_id = ?))');
    args.push(input.recordId, input.recordId);
  }
  if (input.cursor) {
    where.push('e.seq < ?');
    args.push(Number(input.cursor) || 0);
  }
  const rows = ctx.store.sqlite
    .prepare(
      `SELECT e.seq, e.id, e.at, e.actor_id AS actorId, u.display_name AS actorName, e.call, e.record_type AS recordType,
        e.record_id AS recordId, e.before, e.after, e.hash
       FROM audit_events e ${actorJoin()}
       ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY e.seq DESC LIMIT ?`,
    )
    .all(...args, input.limit + 1) as (Omit<AuditEvent, 'before' | 'after'> & { before: string | null; after: string | null })[];
  const more = rows.length > input.limit;
  if (more) rows.pop();
  return {
    items: rows.map((r) => ({ ...r, before: r.before ? JSON.parse(r.before) : null, after: r.after ? JSON.parse(r.after) : null })),
    nextCursor: more ? String(rows[rows.length - 1]!.seq) : null,
  };
}

/** The chain's links, and the chain against the last anchor the server acknowledged (anchor.ts). */
export function verifyAudit(ctx: Ctx): ChainStatus {
  const chain = verifyChain(ctx.store.sqlite);
  const anchor = checkAnchor(ctx.store.sqlite);
  return { ...chain, valid: chain.valid && anchor.state !== 'cut' && anchor.state !== 'differs' && anchor.state !== 'refused', anchor };
}

/** What people call a record, looked up by its type (PK lookups, only for the rows on screen). */
const RECORD_LABEL = `CASE e.record_type
    WHEN 'asset' THEN (SELECT tag FROM assets WHERE id = e.record_id)
    WHEN 'ticket' THEN (SELECT number FROM tickets WHERE id = e.record_id)
    WHEN 'user' THEN (SELECT username FROM users WHERE id = e.record_id)
    WHEN 'location' THEN (SELECT name FROM locations WHERE id = e.record_id)
    WHEN 'site' THEN (SELECT name FROM sites WHERE id = e.record_id)
    WHEN 'group' THEN (SELECT name FROM groups WHERE id = e.record_id)
    WHEN 'asset_history' THEN (SELECT a.tag FROM asset_history h JOIN assets a ON a.id = h.asset_id WHERE h.id = e.record_id)
  END`;

const EVENT_COLUMNS = `e.seq, e.id, e.at, e.actor_id AS actorId, u.display_name AS actorName, e.call, e.record_type AS recordType,
  e.record_id AS recordId, ${RECORD_LABEL} AS recordLabel, e.before, e.after, e.prev_hash AS prevHash, e.hash`;

interface EventRow {
  seq: number;
  id: string;
  at: string;
  actorId: string | null;
  actorName: string | null;
  call: string;
  recordType: string;
  recordId: string | null;
  recordLabel: string | null;
  before: string | null;
  after: string | null;
  prevHash: string;
  hash: string;
}

/** The day after a YYYY-MM-DD date, so "to" includes its whole day. */
function nextDay(d: string): string {
  const t = new Date(`${d}T00:00:00.000Z`);
  t.setUTCDate(t.getUTCDate() + 1);
  return t.toISOString();
}

/** The ids a record filter means: the text itself, and any asset tag, ticket number or username it names. */
function recordIds(ctx: Ctx, text: string): string[] {
  const sqlite = ctx.store.sqlite;
  const ids = new Set<string>([text]);
  const found = sqlite
    .prepare('SELECT id FROM assets WHERE tag_key = ? UNION ALL SELECT id FROM tickets WHERE number = ? UNION ALL SELECT id FROM users WHERE username = ?')
    .pluck()
    .all(normaliseTag(text), text.toUpperCase(), text.toLowerCase()) as string[];
  for (const id of found) ids.add(id);
  return [...ids];
}

/** The WHERE clause of a filter; every condition has an index on (column, seq) or (at). */
function whereOf(ctx: Ctx, f: AuditFilter): { sql: string; args: unknown[] } {
  const where: string[] = [];
  const args: unknown[] = [];
  if (f.actorId === NO_PERSON) where.push('e.actor_id IS NULL');
  else if (f.actorId) {
    // The person, also under the id they had before their device joined the team.
    const ids = formerActorIds(ctx.store.sqlite, f.actorId);
    where.push(`e.actor_id IN (${ids.map(() => '?').join(', ')})`);
    args.push(...ids);
  }
  if (f.recordType) {
    where.push('e.record_type = ?');
    args.push(f.recordType);
  }
  if (f.call) {
    where.push('e.call = ?');
    args.push(f.call);
  }
  if (f.recordId) {
    const ids = recordIds(ctx, f.recordId);
    const marks = ids.map(() => '?').join(', ');
    where.push(`(e.record_id IN (${marks}) OR e.seq IN (SELECT seq FROM audit_event_records WHERE record_id IN (${marks})))`);
    args.push(...ids, ...ids);
  }
  if (f.from) {
    where.push('e.at >= ?');
    args.push(f.from.length === 10 ? `${f.from}T00:00:00.000Z` : f.from);
  }
  if (f.to) {
    if (f.to.length === 10) {
      where.push('e.at < ?');
      args.push(nextDay(f.to));
    } else {
      where.push('e.at <= ?');
      args.push(f.to);
    }
  }
  if (f.from && f.to && (f.from.length === 10 ? `${f.from}T00:00:00.000Z` : f.from) > (f.to.length === 10 ? nextDay(f.to) : f.to)) {
    throw new AppError('invalid_input', 'The period ends before it starts.', [{ path: ['to'], message: 'Before "from".' }]);
  }
  return { sql: where.length ? `WHERE ${where.join(' AND ')}` : '', args };
}

function fieldsOf(before: string | null, after: string | null): string[] {
  const keys = new Set<string>();
  for (const text of [before, after]) {
    if (!text) continue;
    const v = JSON.parse(text) as unknown;
    if (v && typeof v === 'object' && !Array.isArray(v)) for (const k of Object.keys(v)) keys.add(k);
  }
  return [...keys];
}

/** A page of the trail, newest first, filtered in SQL; the cursor is the last event's sequence. */
export function searchAudit(ctx: Ctx, input: AuditFilter & { limit: number; cursor?: string | null }): { items: AuditListItem[]; nextCursor: string | null } {
  const { sql, args } = whereOf(ctx, input);
  const cursor = input.cursor ? Number(input.cursor) || 0 : 0;
  const rows = ctx.store.sqlite
    .prepare(
      `SELECT ${EVENT_COLUMNS} FROM audit_events e ${actorJoin()}
       ${sql ? `${sql}${cursor ? ' AND e.seq < ?' : ''}` : cursor ? 'WHERE e.seq < ?' : ''} ORDER BY e.seq DESC LIMIT ?`,
    )
    .all(...args, ...(cursor ? [cursor] : []), input.limit + 1) as EventRow[];
  const more = rows.length > input.limit;
  if (more) rows.pop();
  return {
    items: rows.map((r) => ({
      seq: r.seq,
      id: r.id,
      at: r.at,
      actorId: r.actorId,
      actorName: r.actorName,
      call: r.call,
      recordType: r.recordType,
      recordId: r.recordId,
      recordLabel: r.recordLabel ?? null,
      fields: fieldsOf(r.before, r.after),
    })),
    nextCursor: more ? String(rows[rows.length - 1]!.seq) : null,
  };
}

/** One event with its before/after and whether its own link in the chain holds. */
export function getAuditEvent(ctx: Ctx, seq: number): AuditEventDetail {
  const sqlite = ctx.store.sqlite;
  const r = sqlite.prepare(`SELECT ${EVENT_COLUMNS} FROM audit_events e ${actorJoin()} WHERE e.seq = ?`).get(seq) as EventRow | undefined;
  if (!r) throw new AppError('not_found', 'No such audit event.');
  const prior = (sqlite.prepare('SELECT hash FROM audit_events WHERE seq < ? ORDER BY seq DESC LIMIT 1').pluck().get(seq) as string | undefined) ?? GENESIS;
  const linkValid = r.prevHash === prior && eventHash(r.prevHash, r) === r.hash;
  return {
    seq: r.seq,
    id: r.id,
    at: r.at,
    actorId: r.actorId,
    actorName: r.actorName,
    call: r.call,
    recordType: r.recordType,
    recordId: r.recordId,
    recordLabel: r.recordLabel ?? null,
    before: r.before ? JSON.parse(r.before) : null,
    after: r.after ? JSON.parse(r.after) : null,
    hash: r.hash,
    prevHash: r.prevHash,
    linkValid,
  };
}

/** Distinct values of an indexed column without reading the whole index (a skip scan, one seek per value). */
function distinct(ctx: Ctx, column: 'actor_id' | 'record_type' | 'call'): string[] {
  return ctx.store.sqlite
    .prepare(
      `WITH RECURSIVE v(x) AS (
         SELECT min(${column}) FROM audit_events
         UNION ALL SELECT (SELECT min(${column}) FROM audit_events WHERE ${column} > v.x) FROM v WHERE v.x IS NOT NULL
       ) SELECT x FROM v WHERE x IS NOT NULL`,
    )
    .pluck()
    .all() as string[];
}

export function auditFacets(ctx: Ctx): AuditFacets {
  const sqlite = ctx.store.sqlite;
  const names = new Map(
    (sqlite.prepare('SELECT id, display_name AS name FROM users').all() as { id: string; name: string }[]).map((u) => [u.id, u.name]),
  );
  // An id someone had before their device joined the team is listed as that person.
  const joined = new Map(
    (sqlite.prepare(`SELECT json_extract(before, '$.id') AS former, record_id AS person FROM audit_events WHERE call = '${JOIN_CALL}' AND record_type = 'user'`).all() as {
      former: string | null;
      person: string;
    }[]).flatMap((j) => (j.former ? [[j.former, j.person] as const] : [])),
  );
  const seen = new Set<string>();
  const actors = distinct(ctx, 'actor_id').flatMap((raw) => {
    const id = joined.get(raw) ?? raw;
    if (seen.has(id)) return [];
    seen.add(id);
    return [{ id, name: names.get(id) ?? (id === 'agent' ? 'Inventory agent' : id === 'system' ? 'Outpost' : `Unknown (${id.slice(0, 8)}…)`) }];
  });
  actors.sort((a, b) => a.name.localeCompare(b.name));
  if (sqlite.prepare('SELECT 1 FROM audit_events WHERE actor_id IS NULL LIMIT 1').get()) actors.push({ id: NO_PERSON, name: 'No person (sync, sign-in, Outpost)' });
  return { actors, recordTypes: distinct(ctx, 'record_type'), calls: distinct(ctx, 'call') };
}

/** Most events one export carries: a CSV stays a file a spreadsheet opens, a PDF a document people read. */
export const EXPORT_MAX = { csv: 100_000, pdf: 5_000 } as const;

function describeFilter(f: AuditFilter): string {
  const parts = [
    f.actorId && `who=${f.actorId}`,
    f.recordType && `what=${f.recordType}`,
    f.recordId && `record=${f.recordId}`,
    f.call && `call=${f.call}`,
    f.from && `from=${f.from}`,
    f.to && `to=${f.to}`,
  ].filter(Boolean);
  return parts.length ? parts.join('; ') : 'the whole trail';
}

/** "field: before → after" for each changed field, short enough for a report line. */
function changeSummary(before: unknown, after: unknown): string {
  const b = before && typeof before === 'object' ? (before as Record<string, unknown>) : {};
  const a = after && typeof after === 'object' ? (after as Record<string, unknown>) : {};
  const keys = [...new Set([...Object.keys(b), ...Object.keys(a)])];
  const show = (v: unknown) => (v === undefined || v === null ? '—' : typeof v === 'string' ? v : JSON.stringify(v));
  return keys.map((k) => (k in b ? `${k}: ${show(b[k])} → ${show(a[k])}` : `${k}: ${show(a[k])}`)).join('; ');
}

/** The filtered trail as CSV or PDF, carrying the chain head (recomputed now) as evidence. */
export async function exportAudit(ctx: Ctx, input: AuditFilter & { format: 'csv' | 'pdf' }): Promise<AuditExport> {
  const { sql, args } = whereOf(ctx, input);
  const max = EXPORT_MAX[input.format];
  const rows = ctx.store.sqlite
    .prepare(`SELECT ${EVENT_COLUMNS} FROM audit_events e ${actorJoin()} ${sql} ORDER BY e.seq DESC LIMIT ?`)
    .all(...args, max + 1) as EventRow[];
  const truncated = rows.length > max;
  if (truncated) rows.pop();
  const chain = verifyAudit(ctx);
  const chainHead = chain.valid ? chain.head : null;
  const headText = chainHead ?? (chain.valid ? 'empty trail' : chain.firstBroken !== null ? `BROKEN at event ${chain.firstBroken}` : 'DOES NOT MATCH THE SERVER');
  const verified = chain.valid ? `yes, ${chain.count} events` : chain.firstBroken !== null ? `no, broken at event ${chain.firstBroken}` : 'no, it does not match what the server acknowledged';
  const generated = ctx.clock.now().toISOString();
  const base = `audit-trail-${generated.slice(0, 10)}`;
  const who = (r: EventRow) => r.actorName ?? (r.actorId === null ? 'No person' : r.actorId === 'agent' ? 'Inventory agent' : r.actorId);
  if (input.format === 'csv') {
    const meta = [
      ['Outpost audit trail export'],
      ['Filter', describeFilter(input)],
      ['Events', String(rows.length) + (truncated ? ` (the newest ${max}; narrow the filter for the rest)` : '')],
      ['Audit trail chain head', headText],
      ['Chain verified', verified],
      ['Anchored with the server', chain.anchor.message],
      ['Exported', generated],
    ];
    const head = Papa.unparse(meta.map((m) => m.map(csvSafe)), { newline: '\r\n' });
    const body = Papa.unparse(
      {
        fields: ['Seq', 'Time (UTC)', 'Who', 'Call', 'What', 'Record', 'Record id', 'Before', 'After', 'Hash'],
        data: rows.map((r) => [r.seq, r.at, who(r), r.call, r.recordType, r.recordLabel ?? '', r.recordId ?? '', r.before ?? '', r.after ?? '', r.hash].map(csvSafe)),
      },
      { newline: '\r\n' },
    );
    return { filename: `${base}.csv`, mime: 'text/csv', content: `\uFEFF${head}\r\n\r\n${body}`, encoding: 'utf-8', rows: rows.length, chainHead, chainValid: chain.valid, truncated };
  }

  const { doc, bold, font, mono } = await reportDocument('Outpost audit trail', ctx.clock.now());
  // Landscape A4: the change column needs the width.
  const W = 297 * MM;
  const H = 210 * MM;
  const left = 12 * MM;
  const width = W - 24 * MM;
  let page: PDFPage = doc.addPage([W, H]);
  let y = H - 15 * MM;
  let pageNo = 1;
  const footer = (p: PDFPage, n: number) => {
    p.drawText(winAnsi(`Outpost audit trail · page ${n} · chain head ${chainHead ?? 'n/a'}`), { x: left, y: 8 * MM, size: 6.5, font: mono, color: rgb(0.35, 0.35, 0.35) });
  };
  page.drawText('Audit trail', { x: left, y, size: 16, font: bold });
  y -= 8 * MM;
  const facts: [string, string][] = [
    ['Filter', describeFilter(input)],
    ['Events', `${rows.length}${truncated ? ` (the newest ${max}; narrow the filter for the rest)` : ''}`],
    ['Chain verified', chain.valid ? verified : verified.replace(/^no, /, 'NO: ')],
    ['Server anchor', chain.anchor.message],
    ['Exported', generated.replace('T', ' ').slice(0, 19) + ' UTC'],
  ];
  for (const [k, v] of facts) {
    page.drawText(winAnsi(k), { x: left, y, size: 9, font: bold });
    page.drawText(fit(font, v, 9, width - 35 * MM), { x: left + 35 * MM, y, size: 9, font });
    y -= 5 * MM;
  }
  y -= 2 * MM;
  page.drawText('Evidence: audit-trail chain head (SHA-256) when this export was made', { x: left, y, size: 8, font: bold });
  y -= 4.5 * MM;
  page.drawText(headText, { x: left, y, size: 7.5, font: mono });
  y -= 8 * MM;
  const cols = [
    { h: 'Seq', w: 16 },
    { h: 'Time (UTC)', w: 30 },
    { h: 'Who', w: 32 },
    { h: 'Call', w: 32 },
    { h: 'What', w: 26 },
    { h: 'Record', w: 30 },
    { h: 'Change', w: 107 },
  ];
  const header = () => {
    let x = left;
    for (const col of cols) {
      page.drawText(col.h, { x, y, size: 8, font: bold });
      x += col.w * MM;
    }
    y -= 2 * MM;
    page.drawLine({ start: { x: left, y }, end: { x: left + width, y }, thickness: 0.5 });
    y -= 4 * MM;
  };
  header();
  for (const r of rows) {
    if (y < 16 * MM) {
      footer(page, pageNo);
      page = doc.addPage([W, H]);
      pageNo++;
      y = H - 15 * MM;
      header();
    }
    const change = changeSummary(r.before ? JSON.parse(r.before) : null, r.after ? JSON.parse(r.after) : null);
    const vals = [String(r.seq), r.at.replace('T', ' ').slice(0, 19), who(r), r.call, r.recordType, r.recordLabel ?? r.recordId ?? '', change];
    let x = left;
    vals.forEach((v, i) => {
      page.drawText(fit(i === 0 ? mono : font, v, 7.5, cols[i]!.w * MM - 2 * MM), { x, y, size: 7.5, font: i === 0 ? mono : font });
      x += cols[i]!.w * MM;
    });
    y -= 4.2 * MM;
  }
  footer(page, pageNo);
  const bytes = await doc.save();
  return { filename: `${base}.pdf`, mime: 'application/pdf', content: Buffer.from(bytes).toString('base64'), encoding: 'base64', rows: rows.length, chainHead, chainValid: chain.valid, truncated };
}
