/** Queue views, filters, sorts and keyset pages: all in SQL, each view backed by an index. */
import type { Ctx } from '../core/context';
import { requireActor } from '../core/write';
import { AppError } from '../../../shared/result';
import type { Period, QueueSort, QueueView, TicketFilter, TicketRow, ViewCount } from '../../../shared/api/tickets';
import { QUEUE_VIEWS } from '../../../shared/api/tickets';
import { ROW_COLUMNS, toRow } from './mapping';
import { ftsQuery } from '../search/search';

export const RECENT_DAYS = 30;
const NOT_DELETED = 't.deleted_hlc IS NULL';

interface SortDef {
  cols: string[];
  dir: 'ASC' | 'DESC';
}

/** Every sort is one direction across its columns, so a row-value comparison seeks the index. */
const SORTS: Record<QueueSort, SortDef> = {
  priority: { cols: ['t.priority', 't.opened_at', 't.id'], dir: 'ASC' },
  newest: { cols: ['t.opened_at', 't.id'], dir: 'DESC' },
  oldest: { cols: ['t.opened_at', 't.id'], dir: 'ASC' },
  updated: { cols: ['t.updated_at', 't.id'], dir: 'DESC' },
  resolved: { cols: ['t.resolved_at', 't.id'], dir: 'DESC' },
  due: { cols: ['t.sla_due_at', 't.id'], dir: 'ASC' },
};

const SORT_KEYS: Record<QueueSort, (r: Record<string, unknown>) => unknown[]> = {
  priority: (r) => [r.priority, r.openedAt, r.id],
  newest: (r) => [r.openedAt, r.id],
  oldest: (r) => [r.openedAt, r.id],
  updated: (r) => [r.updatedAt, r.id],
  resolved: (r) => [r.resolvedAt, r.id],
  due: (r) => [r.slaDueAt, r.id],
};

export const DEFAULT_SORT: Record<QueueView, QueueSort> = {
  my_work: 'priority',
  unassigned: 'priority',
  all_open: 'priority',
  breaching_soon: 'due',
  recently_resolved: 'resolved',
  all: 'newest',
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

function viewWhere(ctx: Ctx, view: QueueView, where: string[], args: unknown[]) {
  const actor = requireActor(ctx);
  switch (view) {
    case 'my_work':
      where.push('t.assignee_id = ?', 't.is_open = 1');
      args.push(actor.id);
      break;
    case 'unassigned':
      where.push('t.assignee_id IS NULL', 't.is_open = 1');
      break;
    case 'all_open':
      where.push('t.is_open = 1');
      break;
    case 'breaching_soon':
      // Running SLA clocks past their warning share (or their deadline): see BREACHING below.
      where.push('t.sla_warn_at <= ?', 't.is_open = 1');
      args.push(ctx.clock.now().getTime());
      break;
    case 'recently_resolved':
      where.push('t.is_open = 0', 't.resolved_at >= ?');
      args.push(new Date(ctx.clock.now().getTime() - RECENT_DAYS * 86400_000).toISOString());
      break;
    case 'all':
      break;
  }
  if (actor.role === 'requester') {
    where.push('t.requester_id = ?');
    args.push(actor.id);
  }
  where.push(NOT_DELETED);
}


/**
 * "Breaching soon" reads its two partial indexes by name: the count the warnings reached
 * (tickets_sla_warn_idx), the page the deadlines in order (tickets_sla_due_idx), each carrying the
 * open flag, site and soft-delete mark, so neither reads a ticket row for the site filter. Named
 * because SQLite's sampled statistics put a site at a few hundred tickets of a million, and the planner
 * then preferred the site's queue index and read every open ticket's row of the site.
 */
const BREACHING = { count: 'tickets_sla_warn_idx', page: 'tickets_sla_due_idx' } as const;

/**
 * count(*) of live rows without reading each row for its soft-delete mark: count inside the
 * view's index, then subtract the deleted ones, found through their small partial index.
 */
function countLive(ctx: Ctx, where: string[], args: unknown[], index?: string): number {
  const rest = where.filter((c) => c !== NOT_DELETED);
  const sqlite = ctx.store.sqlite;
  const from = index ? `tickets t INDEXED BY ${index}` : 'tickets t';
  const all = sqlite.prepare(`SELECT count(*) FROM ${from}${rest.length ? ` WHERE ${rest.join(' AND ')}` : ''}`).pluck().get(...args) as number;
  const deleted = sqlite
    .prepare(`SELECT count(*) FROM tickets t INDEXED BY tickets_deleted_idx WHERE t.deleted_hlc IS NOT NULL${rest.length ? ` AND ${rest.join(' AND ')}` : ''}`)
    .pluck()
    .get(...args) as number;
  return all - deleted;
}

function inList(col: string, values: readonly unknown[], where: string[], args: unknown[]) {
  if (!values.length) return;
  where.push(values.length === 1 ? `${col} = ?` : `${col} IN (${values.map(() => '?').join(',')})`);
  args.push(...values);
}

/**
 * `walkSort` prefixes each filtered column with unary +, which keeps SQLite from driving the
 * query by that column's index: it then walks the sort's index and stops after one page.
 */
function filterWhere(ctx: Ctx, f: TicketFilter, where: string[], args: unknown[], walkSort = false) {
  const c = (col: string) => (walkSort ? `+${col}` : col);
  if (f.status) inList(c('t.status'), f.status, where, args);
  if (f.priority) inList(c('t.priority'), f.priority, where, args);
  if (f.type) inList(c('t.type'), f.type, where, args);
  if (f.groupId) inList(c('t.group_id'), f.groupId, where, args);
  if (f.siteId) inList(c('t.scope_id'), f.siteId, where, args);
  if (f.tag && f.tag.length) {
    // Through ticket_tags_key_idx (tag_key, ticket_id): the tickets carrying the tag, read off the index.
    const keys = [...new Set(f.tag.map((t) => t.trim().replace(/\s+/g, ' ').toLowerCase()))];
    where.push(`${c('t.id')} IN (SELECT ticket_id FROM ticket_tags WHERE tag_key IN (${keys.map(() => '?').join(',')}) AND deleted_hlc IS NULL)`);
    args.push(...keys);
  }
  if (f.assigneeId && f.assigneeId.length) {
    const ids = f.assigneeId.filter((x): x is string => x !== null);
    const parts: string[] = [];
    if (ids.length) {
      parts.push(`${c('t.assignee_id')} IN (${ids.map(() => '?').join(',')})`);
      args.push(...ids);
    }
    if (f.assigneeId.includes(null)) parts.push(`${c('t.assignee_id')} IS NULL`);
    where.push(`(${parts.join(' OR ')})`);
  }
  // The dashboard's click-through filters: each the same selection its figure counts (services/kpis).
  const iso = (v: string) => new Date(v).toISOString();
  const range = (col: string, p: Period) => {
    const parts = [`${c(col)} IS NOT NULL`];
    if (p.from) {
      parts.push(`${c(col)} >= ?`);
      args.push(iso(p.from));
    }
    if (p.to) {
      parts.push(`${c(col)} < ?`);
      args.push(iso(p.to));
    }
    return parts.join(' AND ');
  };
  if (f.opened) where.push(range('t.opened_at', f.opened));
  if (f.resolved) where.push(`${c('t.status')} IN ('resolved', 'closed')`, range('t.resolved_at', f.resolved));
  if (f.finished) {
    // At the resolve time, else the close time: two index ranges rather than one expression.
    const byResolve = range('t.resolved_at', f.finished);
    where.push(`${c('t.status')} IN ('resolved', 'closed')`, `((${byResolve}) OR (${c('t.resolved_at')} IS NULL AND ${range('t.closed_at', f.finished)}))`);
  }
  if (f.closed) where.push(range('t.closed_at', f.closed));
  if (f.openAt) {
    const at = iso(f.openAt);
    where.push(`${c('t.opened_at')} < ?`, `(${c('t.resolved_at')} IS NULL OR ${c('t.resolved_at')} >= ?)`, `(${c('t.closed_at')} IS NULL OR ${c('t.closed_at')} >= ?)`);
    args.push(at, at, at);
  }
  if (f.breached) where.push(`${c('t.sla_met')} = 0`);
  if (f.reopened) where.push(`${c('t.reopen_count')} > 0`);
  if (f.text) {
    const q = ftsQuery(f.text, requireActor(ctx).role === 'requester');
    if (q) {
      where.push(`${c('t.rowid')} IN (SELECT rowid FROM tickets_fts WHERE tickets_fts MATCH ?)`);
      args.push(q);
    }
  }
}

/**
 * How far a page may walk the view in sort order looking for filter matches. A broad filter
 * (status = closed is 90% of a mature store) fills its page within a few hundred rows, where
 * SQLite, lacking per-value statistics, would rather fetch every match and sort it. A narrow
 * one gives up after this many rows and lets SQLite drive from the filter's index instead.
 */
export const WALK_ROWS = 3000;

export interface ListInput {
  view: QueueView;
  filter: TicketFilter;
  sort?: QueueSort;
  limit: number;
  cursor?: string | null;
  withTotal?: boolean;
}

export function listTickets(
  ctx: Ctx,
  input: ListInput,
  tuning: { walkRows?: number } = {},
): { items: TicketRow[]; nextCursor: string | null; total: number | null } {
  const walkRows = tuning.walkRows ?? WALK_ROWS;
  const sqlite = ctx.store.sqlite;
  const sort = input.sort ?? DEFAULT_SORT[input.view];
  const def = SORTS[sort];
  const where: string[] = [];
  const args: unknown[] = [];
  viewWhere(ctx, input.view, where, args);
  if (sort === 'resolved') where.push('t.resolved_at IS NOT NULL');
  if (sort === 'due') where.push('t.sla_due_at IS NOT NULL');
  const f = { w: [] as string[], a: [] as unknown[] };
  filterWhere(ctx, input.filter, f.w, f.a);
  const breaching = input.view === 'breaching_soon';
  const total = input.withTotal ? countLive(ctx, [...where, ...f.w], [...args, ...f.a], breaching ? BREACHING.count : undefined) : null;
  // The deadline order of "Breaching soon" walks its index (its WHERE holds the index's sla_due_at IS NOT NULL).
  const from = breaching && sort === 'due' ? `tickets t INDEXED BY ${BREACHING.page}` : 'tickets t';
  const keyWhere: string[] = [];
  const keyArgs: unknown[] = [];
  if (input.cursor) {
    const values = decodeCursor(input.cursor, def.cols.length);
    keyWhere.push(`(${def.cols.join(', ')}) ${def.dir === 'ASC' ? '>' : '<'} (${def.cols.map(() => '?').join(', ')})`);
    keyArgs.push(...values);
  }
  const order = def.cols.map((c) => `${c} ${def.dir}`).join(', ');
  const sortAs = def.cols.map((c, i) => `${c} AS k${i}`).join(', ');
  const orderAs = def.cols.map((_, i) => `k${i} ${def.dir}`).join(', ');
  let rids: number[] | null = null;
  if (f.w.length && walkRows > 0) {
    // Unary + keeps the filter's columns from choosing the index, so the walk follows the sort.
    const walk = { w: [] as string[], a: [] as unknown[] };
    filterWhere(ctx, input.filter, walk.w, walk.a, true);
    // The soft-delete mark is checked on the hits only, not on every row walked: the view's index
    // does not hold it, so checking it in the walk read each walked ticket's row from the file (3,000
    // rows: about 1,300 pages for a text filter, which otherwise needs only the index and the search
    // entries; each page read from the file is also decrypted on an encrypted store). A deleted row
    // in the walk only shortens it; the walk stays in sort order, so the page is the same.
    const walkWhere = [...where.filter((c) => c !== NOT_DELETED), ...keyWhere];
    const found = sqlite
      .prepare(
        `SELECT rid FROM (SELECT t.rowid AS rid, ${sortAs}, (${walk.w.join(' AND ')}) AS hit FROM ${from}
           ${walkWhere.length ? `WHERE ${walkWhere.join(' AND ')}` : ''} ORDER BY ${order} LIMIT ?)
         WHERE hit AND NOT EXISTS (SELECT 1 FROM tickets d WHERE d.rowid = rid AND d.deleted_hlc IS NOT NULL) ORDER BY ${orderAs} LIMIT ?`,
      )
      .pluck()
      .all(...walk.a, ...args, ...keyArgs, walkRows, input.limit + 1) as number[];
    if (found.length > input.limit) rids = found;
  }
  // Otherwise SQLite plans the page itself (filter index, or sort index for no filter).
  rids ??= sqlite
    .prepare(`SELECT t.rowid FROM ${from} WHERE ${[...where, ...f.w, ...keyWhere].join(' AND ')} ORDER BY ${order} LIMIT ?`)
    .pluck()
    .all(...args, ...f.a, ...keyArgs, input.limit + 1) as number[];
  // Read the page's columns last (names come from subqueries): any sort above ran over keys only.
  const rows = rids.length
    ? (sqlite
        .prepare(`SELECT ${ROW_COLUMNS} FROM tickets t WHERE t.rowid IN (${rids.map(() => '?').join(',')}) ORDER BY ${order}`)
        .all(...rids) as Record<string, unknown>[])
    : [];
  const more = rows.length > input.limit;
  if (more) rows.pop();
  const last = rows[rows.length - 1];
  return { items: rows.map(toRow), nextCursor: more && last ? encodeCursor(SORT_KEYS[sort](last)) : null, total };
}

export function viewCounts(ctx: Ctx): ViewCount[] {
  return QUEUE_VIEWS.filter((v) => v !== 'all').map((view) => {
    const where: string[] = [];
    const args: unknown[] = [];
    viewWhere(ctx, view, where, args);
    return { view, count: countLive(ctx, where, args, view === 'breaching_soon' ? BREACHING.count : undefined) };
  });
}
