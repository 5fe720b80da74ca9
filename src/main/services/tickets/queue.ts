/** Queue views, filters, sorts and keyset pages: all in SQL, each view backed by an index. */
import type { Ctx } from '../core/context';
import { requireActor } from '../core/write';
import { AppError } from '../../../shared/result';
import type { QueueSort, QueueView, TicketFilter, TicketRow, ViewCount } from '../../../shared/api/tickets';
import { QUEUE_VIEWS } from '../../../shared/api/tickets';
import { ROW_COLUMNS, toRow } from './mapping';
import { ftsQuery } from '../search/search';

export const RECENT_DAYS = 30;

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
};

const SORT_KEYS: Record<QueueSort, (r: Record<string, unknown>) => unknown[]> = {
  priority: (r) => [r.priority, r.openedAt, r.id],
  newest: (r) => [r.openedAt, r.id],
  oldest: (r) => [r.openedAt, r.id],
  updated: (r) => [r.updatedAt, r.id],
  resolved: (r) => [r.resolvedAt, r.id],
};

export const DEFAULT_SORT: Record<QueueView, QueueSort> = {
  my_work: 'priority',
  unassigned: 'priority',
  all_open: 'priority',
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
  where.push('t.deleted_hlc IS NULL');
}

function inList(col: string, values: readonly unknown[], where: string[], args: unknown[]) {
  if (!values.length) return;
  where.push(values.length === 1 ? `${col} = ?` : `${col} IN (${values.map(() => '?').join(',')})`);
  args.push(...values);
}

function filterWhere(ctx: Ctx, f: TicketFilter, where: string[], args: unknown[]) {
  if (f.status) inList('t.status', f.status, where, args);
  if (f.priority) inList('t.priority', f.priority, where, args);
  if (f.type) inList('t.type', f.type, where, args);
  if (f.groupId) inList('t.group_id', f.groupId, where, args);
  if (f.siteId) inList('t.scope_id', f.siteId, where, args);
  if (f.assigneeId && f.assigneeId.length) {
    const ids = f.assigneeId.filter((x): x is string => x !== null);
    const parts: string[] = [];
    if (ids.length) {
      parts.push(`t.assignee_id IN (${ids.map(() => '?').join(',')})`);
      args.push(...ids);
    }
    if (f.assigneeId.includes(null)) parts.push('t.assignee_id IS NULL');
    where.push(`(${parts.join(' OR ')})`);
  }
  if (f.text) {
    const q = ftsQuery(f.text, requireActor(ctx).role === 'requester');
    if (q) {
      where.push('t.rowid IN (SELECT rowid FROM tickets_fts WHERE tickets_fts MATCH ?)');
      args.push(q);
    }
  }
}

export interface ListInput {
  view: QueueView;
  filter: TicketFilter;
  sort?: QueueSort;
  limit: number;
  cursor?: string | null;
  withTotal?: boolean;
}

export function listTickets(ctx: Ctx, input: ListInput): { items: TicketRow[]; nextCursor: string | null; total: number | null } {
  const sort = input.sort ?? DEFAULT_SORT[input.view];
  const def = SORTS[sort];
  const where: string[] = [];
  const args: unknown[] = [];
  viewWhere(ctx, input.view, where, args);
  filterWhere(ctx, input.filter, where, args);
  if (sort === 'resolved') where.push('t.resolved_at IS NOT NULL');
  let total: number | null = null;
  if (input.withTotal) {
    total = ctx.store.sqlite.prepare(`SELECT count(*) FROM tickets t WHERE ${where.join(' AND ')}`).pluck().get(...args) as number;
  }
  const pageWhere = [...where];
  const pageArgs = [...args];
  if (input.cursor) {
    const values = decodeCursor(input.cursor, def.cols.length);
    pageWhere.push(`(${def.cols.join(', ')}) ${def.dir === 'ASC' ? '>' : '<'} (${def.cols.map(() => '?').join(', ')})`);
    pageArgs.push(...values);
  }
  const sql = `SELECT ${ROW_COLUMNS} FROM tickets t WHERE ${pageWhere.join(' AND ')}
    ORDER BY ${def.cols.map((c) => `${c} ${def.dir}`).join(', ')} LIMIT ?`;
  const rows = ctx.store.sqlite.prepare(sql).all(...pageArgs, input.limit + 1) as Record<string, unknown>[];
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
    const count = ctx.store.sqlite.prepare(`SELECT count(*) FROM tickets t WHERE ${where.join(' AND ')}`).pluck().get(...args) as number;
    return { view, count };
  });
}
