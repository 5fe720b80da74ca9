/** Asset list (filters and sorts in SQL, keyset pages), full-text search and CSV export. */
import Papa from 'papaparse';
import type { Ctx } from '../core/context';
import { requireActor } from '../core/write';
import { AppError } from '../../../shared/result';
import type { AssetFilter, AssetRow, AssetSearchHit, AssetSort, ExportFile } from '../../../shared/api/assets';
import { normaliseTag, type AssetStatus } from '../../../shared/assets/rules';
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

/** A filter on one indexed column (equality or IN): its index can count its rows without reading them. */
export interface SizedFilter {
  index: string;
  cond: string;
  args: unknown[];
}

/** The index whose first column each list filter tests (migration 0002). */
const FILTER_INDEX: Record<string, string> = {
  'a.status': 'assets_status_idx',
  'a.type': 'assets_type_idx',
  'a.category': 'assets_category_idx',
  'a.scope_id': 'assets_scope_idx',
  'a.location_id': 'assets_location_idx',
  'a.assigned_to_id': 'assets_assignee_idx',
};

function sizedList(col: string, values: readonly unknown[], where: string[], args: unknown[], sized?: SizedFilter[]) {
  const at = where.length;
  inList(col, values, where, args);
  if (sized && where.length > at) sized.push({ index: FILTER_INDEX[col]!, cond: where[at]!, args: [...values] });
}

/**
 * Appends the filter's SQL terms (where[0] is always the deleted test) and, into `sized`, the
 * single-column filters a page can count cheaply to choose its route.
 */
export function filterWhere(ctx: Ctx, f: AssetFilter, where: string[], args: unknown[], sized?: SizedFilter[]): void {
  where.push('a.deleted_hlc IS NULL');
  if (f.status) sizedList('a.status', f.status, where, args, sized);
  if (f.type) sizedList('a.type', f.type, where, args, sized);
  if (f.category) sizedList('a.category', f.category, where, args, sized);
  if (f.siteId) sizedList('a.scope_id', f.siteId, where, args, sized);
  if (f.locationId) sizedList('a.location_id', descendantIds(ctx.store.sqlite, f.locationId), where, args, sized);
  if (f.assignedToId && f.assignedToId.length && !f.assignedToId.includes(null)) sizedList('a.assigned_to_id', f.assignedToId, where, args, sized);
  else if (f.assignedToId && f.assignedToId.length) {
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
}

// ---------------------------------------------------------------------------------------------
// Text search. "Contains" semantics: every word of the text must appear, as a substring and
// ignoring case, in the tag, name, serial, model, manufacturer or the assignee's name; an exact
// tag (a scan) always matches. The trigram index assets_search (migration 0010) finds candidate
// rows for words of three or more characters; every candidate is re-checked with LIKE here
// because the index stores no positions (detail=none keeps it small, so imports stay fast), so
// it only knows that a row holds all the trigrams of a word, not that they are adjacent.

/** The columns the trigram index covers; the LIKE re-check must use exactly these. */
const TEXT_COLUMNS = ['a.tag', 'a.name', 'a.serial', 'a.model', 'a.manufacturer'] as const;
/**
 * indexRouteMax: up to this many index candidates, a page reads and sorts them all; beyond it,
 * it walks the sort order. walkBudget: how many rows a walk inspects before the candidates are
 * sorted instead. Measured on 500k assets (bench:assets). Tests shrink them to reach every path.
 */
export const TEXT_TUNING = { indexRouteMax: 5_000, walkBudget: 20_000 };
/** The users a word names (display name or username): evaluated once per statement by SQLite. */
const USERS_NAMED = `SELECT id FROM users WHERE (display_name LIKE ? ESCAPE '\\' OR username LIKE ? ESCAPE '\\') AND deleted_hlc IS NULL`;

export interface TextSearch {
  /** SQL that is true for a matching row of `assets a` (with its arguments). */
  cond: string;
  args: unknown[];
  /** The trigram MATCH expression that every match (bar the exact tag and assignee-only rows) satisfies, or null. */
  match: string | null;
  /** Extra candidate rows the index cannot find: the exact tag and assets of matching users. */
  extra: string;
  extraArgs: unknown[];
}

/** Words of the text: split on spaces only, since tags and serials carry dashes and dots. */
export function searchWords(text: string): string[] {
  return text
    .normalize('NFKC')
    .toLowerCase()
    .split(/\s+/u)
    .filter((w) => w.length > 0)
    .slice(0, 8);
}

export function likePattern(word: string): string {
  return `%${word.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** The distinct trigrams of a word, quoted for an FTS5 query (each one a bare token). */
export function trigrams(word: string): string[] {
  const chars = [...word];
  const out = new Set<string>();
  for (let i = 0; i + 3 <= chars.length; i++) out.add(chars.slice(i, i + 3).join(''));
  return [...out].map((t) => `"${t.replace(/"/g, '""')}"`);
}

export function textSearch(sqlite: Ctx['store']['sqlite'], text: string): TextSearch | null {
  const words = searchWords(text);
  if (!words.length) return null;
  const parts: string[] = [];
  const args: unknown[] = [];
  const indexed: string[] = [];
  let anchor: string | null = null;
  for (const w of words) {
    const pat = likePattern(w);
    const namesUser = sqlite.prepare(`${USERS_NAMED} LIMIT 1`).pluck().get(pat, pat) !== undefined;
    const cols = TEXT_COLUMNS.map((c) => `${c} LIKE ? ESCAPE '\\'`);
    args.push(...TEXT_COLUMNS.map(() => pat));
    if (namesUser) {
      cols.push(`a.assigned_to_id IN (${USERS_NAMED})`);
      args.push(pat, pat);
    }
    parts.push(`(${cols.join(' OR ')})`);
    const tri = trigrams(w);
    // A word that names a user may match through the assignee alone, so the index cannot be
    // required to hold it; such words become candidates through the assignee instead.
    if (tri.length && !namesUser) indexed.push(...tri);
    else if (tri.length && [...w].length > [...(anchor ?? '')].length) anchor = w;
  }
  const tag = normaliseTag(text);
  const cond = `(a.tag_key = ? OR (${parts.join(' AND ')}))`;
  const extra: string[] = ['SELECT rowid FROM assets WHERE tag_key = ?'];
  const extraArgs: unknown[] = [tag];
  let match: string | null = null;
  if (indexed.length) match = [...new Set(indexed)].join(' ');
  else if (anchor) {
    // Every long word names a user: the longest one anchors the candidates (index or assignee).
    match = trigrams(anchor).join(' ');
    extra.push(`SELECT rowid FROM assets WHERE assigned_to_id IN (${USERS_NAMED})`);
    extraArgs.push(likePattern(anchor), likePattern(anchor));
  }
  return { cond, args: [tag, ...args], match, extra: extra.join(' UNION '), extraArgs };
}

/** Rows of the candidate set: the index's matches plus the rows it cannot see. */
function candidates(t: TextSearch & { match: string }): { sql: string; args: unknown[] } {
  return { sql: `SELECT rowid AS rid FROM assets_search WHERE assets_search MATCH ? UNION ${t.extra}`, args: [t.match, ...t.extraArgs] };
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
  const sized: SizedFilter[] = [];
  filterWhere(ctx, input.filter, where, args, sized);
  const text = input.filter.text ? textSearch(sqlite, input.filter.text) : null;
  let total: number | null = null;
  if (input.withTotal) {
    if (!text) total = sqlite.prepare(`SELECT count(*) FROM assets a WHERE ${where.join(' AND ')}`).pluck().get(...args) as number;
    else if (!text.match) total = sqlite.prepare(`SELECT count(*) FROM assets a WHERE ${where.join(' AND ')} AND ${text.cond}`).pluck().get(...args, ...text.args) as number;
    else {
      const c = candidates({ ...text, match: text.match });
      total = sqlite
        .prepare(`SELECT count(*) FROM (${c.sql}) c CROSS JOIN assets a ON a.rowid = c.rid WHERE ${where.join(' AND ')} AND ${text.cond}`)
        .pluck()
        .get(...c.args, ...args, ...text.args) as number;
    }
  }
  if (input.cursor) {
    const values = decodeCursor(input.cursor, def.cols.length);
    where.push(cursorTerm(def));
    args.push(values[0], ...values);
  }
  const order = def.cols.map((c) => `${c} ${def.dir}`).join(', ');
  const filtered = where.length - (input.cursor ? 1 : 0) > 1;
  const rids = text
    ? textPage(sqlite, text, where, args, input.sort, order, input.limit + 1, !!input.cursor)
    : filtered
      ? filteredPage(sqlite, where, args, input.sort, order, input.limit + 1, !!input.cursor, sized)
      : null;
  // The page is chosen from assets alone (so the planner walks the sort's index and stops after
  // `limit` rows); names are joined onto those rows only. Joined in one statement, SQLite's
  // planner was seen scanning the whole table and sorting it.
  const pageSql = rids
    ? `SELECT value AS rid FROM json_each(?)`
    : `SELECT a.rowid AS rid FROM assets a WHERE ${where.join(' AND ')} ORDER BY ${order} LIMIT ?`;
  const sql = `${ROW_SELECT.replace('SELECT a.id,', 'SELECT a.tag_key AS tagKey, a.id,').replace('FROM assets a', `FROM (${pageSql}) page CROSS JOIN assets a ON a.rowid = page.rid`)} ORDER BY ${order}`;
  const rows = (rids ? sqlite.prepare(sql).all(JSON.stringify(rids)) : sqlite.prepare(sql).all(...args, input.limit + 1)) as Record<string, unknown>[];
  const more = rows.length > input.limit;
  if (more) rows.pop();
  const last = rows[rows.length - 1];
  return { items: rows.map(toRow), nextCursor: more && last ? encodeCursor(def.key(last)) : null, total };
}

/**
 * After the cursor: the row-value comparison, plus the same bound on the first key alone. SQLite
 * seeks an index with a row value only over plain columns; on the date sorts' expression indexes
 * (coalesce(date, …)) it scanned the index from its start, seconds deep into 500k assets, while
 * a plain bound on the expression seeks. Its arguments: the first key, then every key.
 */
function cursorTerm(def: SortDef & { dir: 'ASC' | 'DESC' }): string {
  const op = def.dir === 'ASC' ? '>' : '<';
  return `(${def.cols[0]} ${op}= ? AND (${def.cols.join(', ')}) ${op} (${def.cols.map(() => '?').join(', ')}))`;
}

/** The index each sort walks (migrations 0002, 0006, 0007): named so a walk can insist on it. */
const SORT_INDEX: Record<AssetSort, string> = {
  tag: 'assets_tag_uq',
  name: 'assets_name_idx',
  updated: 'assets_updated_idx',
  warranty: 'assets_warranty_sort_idx',
  next_audit: 'assets_audit_sort_idx',
  status: 'assets_status_idx',
};
/**
 * rows: how many rows a filtered page walks in sort order before it sizes the filters.
 * sortMax: a filter with fewer rows than this has them read and sorted.
 * countMax: filters are counted (index entries only) up to this many rows.
 * Measured on 500k assets with skewed, correlated data (bench/asset-lists.bench.ts).
 */
export const FILTER_WALK_BUDGET = { rows: 5_000, sortMax: 10_000, countMax: 200_000 };

/**
 * The rowids of one page with filters (no text). SQLite's planner picks one index for the filter
 * or one for the order from its statistics, and was seen choosing badly both ways on 500k assets:
 * sorting 125k matches of a common status (seconds) or walking the whole name index for a person
 * with no assets (seconds). So, unless one index serves both filter and order, the page tries:
 * 1. Walk the sort's index, testing the filters on each row, for at most FILTER_WALK_BUDGET.rows.
 *    A common filter fills the page early (a 2% filter needs about 5,000 rows).
 * 2. Otherwise size each single-column filter by counting its index entries (no row reads), up to
 *    sortMax. If one is smaller, collect its rows through that index and sort only those (the CTE
 *    is materialized so the planner cannot turn it back into a walk).
 * 3. If every filter is large, the matches are many but lie further along the sort order (new
 *    rows on order at the top of "recently updated", say): walk on for as many rows as the
 *    smallest filter has, then sort that filter's rows. Walking and sorting cost about the same
 *    per row, so this is never much worse than the better of the two (the rent-or-buy rule).
 *    Filters with no index to count (dates, overdue, manufacturer) go to 2 directly.
 */
function filteredPage(sqlite: Ctx['store']['sqlite'], where: string[], args: unknown[], sort: AssetSort, order: string, n: number, hasCursor: boolean, sized: SizedFilter[]): number[] {
  // When one index serves both a filter (by equality) and the order (a room by name, a status by
  // warranty date), the planner's own plan reads just the page: no temporary sort, one SEARCH.
  const plain = `SELECT a.rowid FROM assets a WHERE ${where.join(' AND ')} ORDER BY ${order} LIMIT ?`;
  const plan = sqlite.prepare(`EXPLAIN QUERY PLAN ${plain}`).all(...args, n) as { detail: string }[];
  if (plan.length === 1 && /^SEARCH a USING (COVERING )?INDEX \S+ \(\w+=\?/.test(plan[0]!.detail)) return sqlite.prepare(plain).pluck().all(...args, n) as number[];
  const walk = walkSort(sqlite, where, args, sort, order, n, hasCursor, null, FILTER_WALK_BUDGET.rows);
  if (walk.complete) return walk.rows;
  const filters = where.length - 1 - (hasCursor ? 1 : 0);
  let smallest: (SizedFilter & { rows: number }) | null = null;
  for (const f of sized) {
    const rows = sqlite.prepare(`SELECT count(*) FROM (SELECT 1 FROM assets a INDEXED BY ${f.index} WHERE ${f.cond} LIMIT ?)`).pluck().get(...f.args, FILTER_WALK_BUDGET.countMax) as number;
    if (!smallest || rows < smallest.rows) smallest = { ...f, rows };
    if (rows < FILTER_WALK_BUDGET.sortMax) break;
  }
  if (smallest && smallest.rows >= FILTER_WALK_BUDGET.sortMax && sized.length === filters) {
    // Walking on costs about what sorting the smallest filter's rows would: walk that far first.
    const further = walkSort(sqlite, where, args, sort, order, n, hasCursor, null, smallest.rows);
    if (further.complete) return further.rows;
  }
  return sortMatches(sqlite, where, args, sort, n, null, hasCursor, smallest?.index ?? null);
}

/** An extra row test on top of the filters (the text search), with its arguments. */
interface Extra {
  cond: string;
  args: unknown[];
}

/**
 * Walks the sort's index from the cursor, testing the filters (and `extra`) on each row, for at
 * most `budget` rows (-1: no limit). Complete when the page filled or the walk reached the end.
 * The outer query has no ORDER BY on purpose: SQLite runs the inner one as a co-routine that
 * yields rows in index order, so the outer stops at the n-th hit instead of sorting the window.
 */
function walkSort(
  sqlite: Ctx['store']['sqlite'],
  where: string[],
  args: unknown[],
  sort: AssetSort,
  order: string,
  n: number,
  hasCursor: boolean,
  extra: Extra | null,
  budget: number,
): { rows: number[]; complete: boolean } {
  // where[0] is the deleted test, then the filters, then the cursor (when any): the walk seeks
  // the index to the cursor and tests the rest on each row it passes.
  const nCursorArgs = hasCursor ? SORTS[sort].cols.length + 1 : 0;
  const tests = [...where.slice(1, hasCursor ? -1 : undefined), ...(extra ? [extra.cond] : [])];
  const seek = [where[0]!, ...(hasCursor ? [where[where.length - 1]!] : [])].join(' AND ');
  const testArgs = [...args.slice(0, args.length - nCursorArgs), ...(extra?.args ?? [])];
  const cursorArgs = args.slice(args.length - nCursorArgs);
  const from = `assets a INDEXED BY ${SORT_INDEX[sort]} WHERE ${seek} ORDER BY ${order} LIMIT ?`;
  const rows = sqlite
    .prepare(`SELECT rid FROM (SELECT a.rowid AS rid, (${tests.length ? tests.join(' AND ') : '1'}) AS hit FROM ${from}) WHERE hit LIMIT ?`)
    .pluck()
    .all(...testArgs, ...cursorArgs, budget, n) as number[];
  if (rows.length >= n || budget < 0) return { rows, complete: true };
  // Fewer than a page: the walk either reached the end (complete) or ran out of budget.
  const seen = sqlite.prepare(`SELECT count(*) FROM (SELECT 1 FROM ${from})`).pluck().get(...cursorArgs, budget) as number;
  return { rows, complete: seen < budget };
}

/**
 * The filter's matches found through the filter's own index and sorted: the CTE is materialized
 * so the planner cannot turn it back into a walk of the sort order. The cursor's bound is kept
 * from choosing the index (unary +): it would turn the read into a walk of the rest of the order.
 * `via`: the filter index to read through, when the caller has sized it.
 */
function sortMatches(sqlite: Ctx['store']['sqlite'], where: string[], args: unknown[], sort: AssetSort, n: number, extra: Extra | null, hasCursor: boolean, via: string | null = null): number[] {
  const def = SORTS[sort];
  const keys = def.cols.map((c, i) => `${c} AS k${i}`).join(', ');
  const terms = hasCursor ? [...where.slice(0, -1), `+(${where[where.length - 1]!})`] : where;
  return sqlite
    .prepare(
      `WITH m AS MATERIALIZED (SELECT a.rowid AS rid, ${keys} FROM assets a${via ? ` INDEXED BY ${via}` : ''} WHERE ${[...terms, ...(extra ? [extra.cond] : [])].join(' AND ')})
       SELECT rid FROM m ORDER BY ${def.cols.map((_, i) => `k${i} ${def.dir}`).join(', ')} LIMIT ?`,
    )
    .pluck()
    .all(...args, ...(extra?.args ?? []), n) as number[];
}

/**
 * The rowids of one page of a text search, in sort order. Which way is cheaper depends on how
 * many assets match, so the trigram index is asked first how many it has, counting no further
 * than TEXT_TUNING.indexRouteMax (cheap: it stops there):
 * - fewer: read those candidates, re-check them, sort them (a few thousand row reads at most);
 * - more: the text is common, so walking the sort's index and testing each row (text and
 *   filters) fills the page after a few hundred rows. The walk gives up after
 *   TEXT_TUNING.walkBudget rows (FILTER_WALK_BUDGET with filters); then the filters' matches are
 *   sorted when there are filters, else the text's candidates.
 * Words under three characters have no trigrams; with no filter to go on the walk then runs to
 * the end (correct, slower).
 */
function textPage(sqlite: Ctx['store']['sqlite'], text: TextSearch, where: string[], args: unknown[], sort: AssetSort, order: string, n: number, hasCursor: boolean): number[] {
  const fromIndex = (t: TextSearch & { match: string }) => {
    const c = candidates(t);
    // CROSS JOIN keeps the candidates as the outer loop: the planner must not walk an index instead.
    return sqlite
      .prepare(`SELECT a.rowid FROM (${c.sql}) c CROSS JOIN assets a ON a.rowid = c.rid WHERE ${where.join(' AND ')} AND ${text.cond} ORDER BY ${order} LIMIT ?`)
      .pluck()
      .all(...c.args, ...args, ...text.args, n) as number[];
  };
  if (text.match) {
    const many = sqlite.prepare(`SELECT count(*) FROM (SELECT rowid FROM assets_search WHERE assets_search MATCH ? LIMIT ?)`).pluck().get(text.match, TEXT_TUNING.indexRouteMax) as number;
    if (many < TEXT_TUNING.indexRouteMax) return fromIndex({ ...text, match: text.match });
  }
  const filtered = where.length - (hasCursor ? 1 : 0) > 1;
  const budget = filtered ? FILTER_WALK_BUDGET.rows : text.match ? TEXT_TUNING.walkBudget : -1;
  const extra = { cond: text.cond, args: text.args };
  const walk = walkSort(sqlite, where, args, sort, order, n, hasCursor, extra, budget);
  if (walk.complete) return walk.rows;
  return filtered || !text.match ? sortMatches(sqlite, where, args, sort, n, extra, hasCursor) : fromIndex({ ...text, match: text.match });
}

/** Marks the first occurrence of `word` in `value` for the search palette (\u0002 … \u0003). */
function mark(value: string, word: string): string | null {
  const i = value.toLowerCase().indexOf(word);
  if (i < 0 || !word) return null;
  return `${value.slice(0, i)}\u0002${value.slice(i, i + word.length)}\u0003${value.slice(i + word.length)}`;
}

/**
 * The palette's asset search: an exact tag first, then matches ranked by where the text was
 * found (tag, then name, then serial, then anything else), newest first within each rank.
 */
export function searchAssets(ctx: Ctx, text: string, limit: number): AssetSearchHit[] {
  requireActor(ctx);
  const sqlite = ctx.store.sqlite;
  const t = textSearch(sqlite, text);
  if (!t) return [];
  const first = searchWords(text)[0]!;
  const pat = likePattern(first);
  const rank = `CASE WHEN a.tag_key = ? THEN 0 WHEN a.tag LIKE ? ESCAPE '\\' THEN 1 WHEN a.name LIKE ? ESCAPE '\\' THEN 2 WHEN a.serial LIKE ? ESCAPE '\\' THEN 3 ELSE 4 END`;
  const rankArgs = [normaliseTag(text), pat, pat, pat];
  // Ranking looks at every candidate: cap them (newest first) so a common word stays instant.
  const source = t.match
    ? { sql: `(SELECT * FROM (SELECT rowid AS rid FROM assets_search WHERE assets_search MATCH ? ORDER BY rowid DESC LIMIT 5000) UNION ${t.extra}) c CROSS JOIN assets a ON a.rowid = c.rid`, args: [t.match, ...t.extraArgs] }
    : { sql: 'assets a', args: [] };
  const rows = sqlite
    .prepare(
      `SELECT a.id, a.tag, a.name, a.status, a.serial, a.model, a.manufacturer FROM ${source.sql}
       WHERE a.deleted_hlc IS NULL AND ${t.cond} ORDER BY ${rank}, a.rowid DESC LIMIT ?`,
    )
    .all(...source.args, ...t.args, ...rankArgs, limit) as (Omit<AssetSearchHit, 'snippet'> & { status: AssetStatus; model: string | null; manufacturer: string | null })[];
  return rows.map(({ model, manufacturer, ...r }) => {
    const where = [r.tag, r.name, r.serial, model, manufacturer].find((v) => v && mark(v, first));
    const shown = where && where !== r.tag && where !== r.name ? `${r.tag} ${r.name} · ${mark(where, first)}` : `${mark(r.tag, first) ?? r.tag} ${mark(r.name, first) ?? r.name}`;
    return { ...r, snippet: shown };
  });
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
