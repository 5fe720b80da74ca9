/** Asset list (filters and sorts in SQL, keyset pages), full-text search and CSV export. */
import Papa from 'papaparse';
import type { Ctx } from '../core/context';
import { requireActor } from '../core/write';
import { AppError } from '../../../shared/result';
import type { AssetFilter, AssetRow, AssetSearchHit, AssetSort, ExportFile } from '../../../shared/api/assets';
import { normaliseTag, type AssetStatus } from '../../../shared/assets/rules';
import { ftsQuery } from '../search/search';
import { descendantIds, ROW_SELECT, toRow } from './mapping';

/** Assets without the date sort last; the expressions match the expression indexes (migration 0007). */
export const NO_DATE = '9999-12-31';
export const WARRANTY = `coalesce(a.warranty_end, '${NO_DATE}')`;
export const NEXT_AUDIT = `coalesce(a.next_audit_at, '${NO_DATE}')`;

interface SortDef {
  cols: string[];
  /** Key values of a row, in `cols` order, for the cursor. */
  key: (r: Record<string, unknown>) => unknown[];
}

/** One direction per sort so a row-value comparison seeks the index. */
const SORTS: Record<AssetSort, SortDef & { dir: 'ASC' | 'DESC' }> = {
  tag: { cols: ['a.tag_key'], key: (r) => [r.tagKey], dir: 'ASC' },
  name: { cols: ['a.name', 'a.id'], key: (r) => [r.name, r.id], dir: 'ASC' },
  updated: { cols: ['a.updated_at', 'a.id'], key: (r) => [r.updatedAt, r.id], dir: 'DESC' },
  warranty: { cols: [WARRANTY, 'a.id'], key: (r) => [r.warrantyEnd ?? NO_DATE, r.id], dir: 'ASC' },
  next_audit: { cols: [NEXT_AUDIT, 'a.id'], key: (r) => [r.nextAuditAt ?? NO_DATE, r.id], dir: 'ASC' },
  status: { cols: ['a.status', 'a.tag_key'], key: (r) => [r.status, r.tagKey], dir: 'ASC' },
};

function encodeCursor(values: unknown[]): string {
  return Buffer.from(JSON.stringify(values)).toString('base64url');
}

function decodeCursor(cursor: string, n: number): unknown[] {
  try {
    const v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(v) && v.length === n && v.every((x) => typeof x === 'string' || typeof x === 'number')) return v;
  } catch {
    /* fall through */
  }
  throw new AppError('invalid_input', 'The page cursor is not valid for this list; start from the first page.', [{ path: ['cursor'], message: 'Invalid cursor.' }]);
}

function inList(col: string, values: readonly unknown[], where: string[], args: unknown[]) {
  if (!values.length) return;
  where.push(values.length === 1 ? `${col} = ?` : `${col} IN (${values.map(() => '?').join(',')})`);
  args.push(...values);
}

export function filterWhere(ctx: Ctx, f: AssetFilter, where: string[], args: unknown[]): void {
  where.push('a.deleted_hlc IS NULL');
  if (f.status) inList('a.status', f.status, where, args);
  if (f.type) inList('a.type', f.type, where, args);
  if (f.category) inList('a.category', f.category, where, args);
  if (f.siteId) inList('a.scope_id', f.siteId, where, args);
  if (f.locationId) inList('a.location_id', descendantIds(ctx.store.sqlite, f.locationId), where, args);
  if (f.assignedToId && f.assignedToId.length) {
    const ids = f.assignedToId.filter((x): x is string => x !== null);
    const parts: string[] = [];
    if (ids.length) {
      parts.push(`a.assigned_to_id IN (${ids.map(() => '?').join(',')})`);
      args.push(...ids);
    }
    if (f.assignedToId.includes(null)) parts.push('a.assigned_to_id IS NULL');
    where.push(`(${parts.join(' OR ')})`);
  }
  if (f.manufacturer) {
    where.push('a.manufacturer = ? COLLATE NOCASE');
    args.push(f.manufacturer);
  }
  if (f.warrantyBefore) {
    where.push(`${WARRANTY} < ?`);
    args.push(f.warrantyBefore);
  }
  if (f.auditDueBefore) {
    // Only assets with a due date: "never audited" is its own question (sort by next audit shows them last).
    where.push(`${NEXT_AUDIT} < ?`);
    args.push(f.auditDueBefore);
  }
  if (f.overdue) {
    where.push("a.status = 'deployed' AND a.expected_return IS NOT NULL AND a.expected_return < ?");
    args.push(ctx.clock.now().toISOString().slice(0, 10));
  }
  if (f.text) {
    const q = ftsQuery(f.text);
    if (q) {
      // An exact tag is the commonest search (a scan): match it directly as well.
      where.push('(a.tag_key = ? OR a.rowid IN (SELECT rowid FROM assets_fts WHERE assets_fts MATCH ?))');
      args.push(normaliseTag(f.text), q);
    }
  }
}

export interface AssetListInput {
  filter: AssetFilter;
  sort: AssetSort;
  limit: number;
  cursor?: string | null;
  withTotal?: boolean;
}

export function listAssets(ctx: Ctx, input: AssetListInput): { items: AssetRow[]; nextCursor: string | null; total: number | null } {
  requireActor(ctx);
  const sqlite = ctx.store.sqlite;
  const def = SORTS[input.sort];
  const where: string[] = [];
  const args: unknown[] = [];
  filterWhere(ctx, input.filter, where, args);
  let total: number | null = null;
  if (input.withTotal) total = sqlite.prepare(`SELECT count(*) FROM assets a WHERE ${where.join(' AND ')}`).pluck().get(...args) as number;
  if (input.cursor) {
    const values = decodeCursor(input.cursor, def.cols.length);
    where.push(`(${def.cols.join(', ')}) ${def.dir === 'ASC' ? '>' : '<'} (${def.cols.map(() => '?').join(', ')})`);
    args.push(...values);
  }
  // The page is chosen from assets alone (so the planner walks the sort's index and stops after
  // `limit` rows); names are joined onto those rows only. Joined in one statement, SQLite's
  // planner was seen scanning the whole table and sorting it.
  const order = def.cols.map((c) => `${c} ${def.dir}`).join(', ');
  const sql = `${ROW_SELECT.replace('SELECT a.id,', 'SELECT a.tag_key AS tagKey, a.id,').replace(
    'FROM assets a',
    `FROM (SELECT a.rowid AS rid FROM assets a WHERE ${where.join(' AND ')} ORDER BY ${order} LIMIT ?) page CROSS JOIN assets a ON a.rowid = page.rid`,
  )} ORDER BY ${order}`;
  const rows = sqlite.prepare(sql).all(...args, input.limit + 1) as Record<string, unknown>[];
  const more = rows.length > input.limit;
  if (more) rows.pop();
  const last = rows[rows.length - 1];
  return { items: rows.map(toRow), nextCursor: more && last ? encodeCursor(def.key(last)) : null, total };
}

export function searchAssets(ctx: Ctx, text: string, limit: number): AssetSearchHit[] {
  requireActor(ctx);
  const sqlite = ctx.store.sqlite;
  const hits: AssetSearchHit[] = [];
  const exact = sqlite.prepare('SELECT id, tag, name, status, serial FROM assets WHERE tag_key = ? AND deleted_hlc IS NULL').get(normaliseTag(text)) as
    | Omit<AssetSearchHit, 'snippet'>
    | undefined;
  if (exact) hits.push({ ...exact, snippet: `\u0002${exact.tag}\u0003 ${exact.name}` });
  const q = ftsQuery(text);
  if (q) {
    const rows = sqlite
      .prepare(
        `SELECT a.id, a.tag, a.name, a.status, a.serial, snippet(assets_fts, -1, char(2), char(3), '…', 12) AS snippet
         FROM assets_fts f JOIN assets a ON a.rowid = f.rowid
         WHERE assets_fts MATCH ? AND a.deleted_hlc IS NULL ORDER BY bm25(assets_fts, 10.0, 5.0, 8.0, 2.0, 1.0, 1.0, 0.5) LIMIT ?`,
      )
      .all(q, limit) as (AssetSearchHit & { status: AssetStatus })[];
    for (const r of rows) if (r.id !== exact?.id) hits.push(r);
  }
  return hits.slice(0, limit);
}

const EXPORT_COLUMNS: Record<string, string> = {
  tag: 'a.tag',
  name: 'a.name',
  type: 'a.type',
  category: 'a.category',
  manufacturer: 'a.manufacturer',
  model: 'a.model',
  modelNumber: 'a.model_number',
  serial: 'a.serial',
  status: 'a.status',
  assignedTo: 'u.display_name',
  assignedToUsername: 'u.username',
  location: 'l.name',
  site: 's.name',
  checkedOutAt: 'a.checked_out_at',
  expectedReturn: 'a.expected_return',
  purchaseDate: 'a.purchase_date',
  cost: 'a.cost',
  supplier: 'a.supplier',
  orderNumber: 'a.order_number',
  warrantyEnd: 'a.warranty_end',
  eolDate: 'a.eol_date',
  lastAuditAt: 'a.last_audit_at',
  nextAuditAt: 'a.next_audit_at',
  notes: 'a.notes',
  id: 'a.id',
};
const EXPORT_HEADERS: Record<string, string> = {
  tag: 'Asset Tag',
  name: 'Name',
  type: 'Type',
  category: 'Category',
  manufacturer: 'Manufacturer',
  model: 'Model',
  modelNumber: 'Model Number',
  serial: 'Serial',
  status: 'Status',
  assignedTo: 'Checked Out To',
  assignedToUsername: 'Checked Out To: Username',
  location: 'Location',
  site: 'Site',
  checkedOutAt: 'Checked Out At',
  expectedReturn: 'Expected Checkin',
  purchaseDate: 'Purchase Date',
  cost: 'Purchase Cost',
  supplier: 'Supplier',
  orderNumber: 'Order Number',
  warrantyEnd: 'Warranty End',
  eolDate: 'Asset EOL Date',
  lastAuditAt: 'Last Audit',
  nextAuditAt: 'Next Audit Date',
  notes: 'Notes',
  id: 'Outpost ID',
};

/** Spreadsheet programs run cells starting with these as formulas: prefix a quote (OWASP CSV injection). */
export function csvSafe(v: unknown): string {
  if (v === null || v === undefined) return '';
  const s = String(v);
  return /^[=+\-@\t\r]/.test(s) && !/^-?\d+(\.\d+)?$/.test(s) ? `'${s}` : s;
}

/** The headers match Snipe-IT's so an export can be imported again here or there. */
export function exportAssets(ctx: Ctx, input: { filter: AssetFilter; sort: AssetSort; columns?: string[] }): ExportFile {
  requireActor(ctx);
  const cols = (input.columns?.length ? input.columns : Object.keys(EXPORT_COLUMNS).filter((c) => c !== 'id')).filter((c) => {
    if (!EXPORT_COLUMNS[c]) throw new AppError('invalid_input', `There is no column "${c}" to export.`, [{ path: ['columns'], message: `Unknown column ${c}.` }]);
    return true;
  });
  const def = SORTS[input.sort];
  const where: string[] = [];
  const args: unknown[] = [];
  filterWhere(ctx, input.filter, where, args);
  const sql = `SELECT ${cols.map((c) => EXPORT_COLUMNS[c]).join(', ')} FROM assets a
    LEFT JOIN users u ON u.id = a.assigned_to_id LEFT JOIN locations l ON l.id = a.location_id LEFT JOIN sites s ON s.id = a.scope_id
    WHERE ${where.join(' AND ')} ORDER BY ${def.cols.map((c) => `${c} ${def.dir}`).join(', ')}`;
  const rows: string[][] = [];
  for (const r of ctx.store.sqlite.prepare(sql).raw().iterate(...args) as IterableIterator<unknown[]>) rows.push(r.map(csvSafe));
  const csv = Papa.unparse({ fields: cols.map((c) => EXPORT_HEADERS[c] ?? c), data: rows }, { newline: '\r\n' });
  const day = ctx.clock.now().toISOString().slice(0, 10);
  return { filename: `assets-${day}.csv`, mime: 'text/csv', content: '\uFEFF' + csv, encoding: 'utf-8', rows: rows.length };
}
