/**
 * kpis.get: the service desk figures defined in docs/kpis.md, computed in SQL over the local store
 * (so a branch office without a network sees what head office sees, from the same synced records).
 * Every figure is one aggregate per slice (GROUP BY), medians by window functions, never a scan in
 * JavaScript.
 */
import type Database from 'better-sqlite3';
import type { Ctx } from '../core/context';
import { requireActor } from '../core/write';
import type { Hours, KpiBucket, KpiFigures, KpiFilter, KpiPart, Kpis, KpiSlice } from '../../../shared/api/kpis';

/** Reopened and reassignments come from ticket_figures, kept with the history (see services/sla/figures.ts and migration 0026). */
const REOPENS = `coalesce(f.reopen_count, 0)`;
const REASSIGNMENTS = `coalesce(f.reassignment_count, 0)`;
const HOURS = (a: string, b: string) => `((julianday(${b}) - julianday(${a})) * 24.0)`;
const MS_HOURS = (col: string) => `(${col} / 3600000.0)`;
/** Finished: resolved or closed (not cancelled), at its resolve time (or its close time when it was closed without one). */
const FINISHED = `t.status IN ('resolved', 'closed')`;
/** Finished in the period: two index ranges (resolve time, else close time) rather than one expression. */
function finishedIn(w: Where): string {
  return `${FINISHED} AND ((${inPeriod(w, 't.resolved_at')}) OR (t.resolved_at IS NULL AND ${inPeriod(w, 't.closed_at')}))`;
}
/**
 * Open at the end of the period (or now): what the queue's `openAt` filter selects (opened before the
 * end, neither resolved nor closed before it), as disjoint parts that each walk an index (the tickets
 * open now; those resolved, or else closed, after the end) rather than every ticket opened before it.
 */
function backlogParts(w: Where): string[] {
  if (!w.to) return ['t.is_open = 1'];
  const notClosedBefore = '(t.closed_at IS NULL OR t.closed_at >= @to)';
  // Unary + keeps the planner off the opened_at and is_open indexes (most tickets were opened before the end).
  return [
    `t.is_open = 1 AND +t.opened_at < @to AND (t.resolved_at IS NULL OR t.resolved_at >= @to) AND ${notClosedBefore}`,
    `+t.is_open = 0 AND t.resolved_at >= @to AND +t.opened_at < @to AND ${notClosedBefore}`,
    `+t.is_open = 0 AND +t.resolved_at IS NULL AND t.closed_at >= @to AND +t.opened_at < @to`,
    `+t.is_open = 0 AND +t.resolved_at IS NULL AND t.closed_at IS NULL AND +t.opened_at < @to`,
  ];
}

interface Where {
  sql: string;
  /** The selection without the soft-delete condition (see liveCounts). */
  live: string;
  params: Record<string, string>;
  from: string | null;
  to: string | null;
}

function where(f: KpiFilter): Where {
  const parts = ['t.deleted_hlc IS NULL'];
  const params: Record<string, string> = {};
  if (f.siteId) {
    parts.push('t.scope_id = @site');
    params.site = f.siteId;
  }
  if (f.groupId) {
    parts.push('t.group_id = @grp');
    params.grp = f.groupId;
  }
  const from = f.from ? new Date(f.from).toISOString() : null;
  const to = f.to ? new Date(f.to).toISOString() : null;
  if (from) params.from = from;
  if (to) params.to = to;
  return { sql: parts.join(' AND '), live: parts.slice(1).join(' AND ') || '1', params, from, to };
}

/**
 * Live tickets per key: counted inside the index that serves `cond` (no read of each row for its
 * soft-delete mark), less the deleted ones found through their small partial index.
 */
function liveCounts(sqlite: Database.Database, w: Where, key: string, cond: string): Map<Key, number> {
  const out = new Map<Key, number>();
  for (const r of sqlite.prepare(`SELECT ${key} AS k, count(*) AS n FROM tickets t WHERE ${w.live} AND ${cond} GROUP BY k`).all(w.params) as { k: Key; n: number }[]) out.set(r.k, r.n);
  const deleted = `SELECT ${key} AS k, count(*) AS n FROM tickets t INDEXED BY tickets_deleted_idx WHERE t.deleted_hlc IS NOT NULL AND ${w.live} AND ${cond} GROUP BY k`;
  for (const r of sqlite.prepare(deleted).all(w.params) as { k: Key; n: number }[]) {
    const left = (out.get(r.k) ?? 0) - r.n;
    if (left > 0) out.set(r.k, left);
    else out.delete(r.k);
  }
  return out;
}

function inPeriod(w: Where, col: string): string {
  const c = [`${col} IS NOT NULL`];
  if (w.from) c.push(`${col} >= @from`);
  if (w.to) c.push(`${col} < @to`);
  return c.join(' AND ');
}

/** A slice dimension: the key expression and how to name a key. */
interface Dim {
  key: string;
  label: (sqlite: Database.Database, key: string | number | null) => string;
}

const NAME = (table: string, col: string) => (s: Database.Database, k: string | number | null) =>
  k === null ? 'None' : ((s.prepare(`SELECT ${col} FROM ${table} WHERE id = ?`).pluck().get(k) as string | undefined) ?? String(k));

const DIMS: Record<'all' | 'priority' | 'category' | 'group' | 'site' | 'assignee' | 'channel', Dim> = {
  all: { key: `'all'`, label: () => 'All' },
  priority: { key: 't.priority', label: (_s, k) => `P${k}` },
  category: { key: 't.category', label: (_s, k) => (k === null ? 'None' : String(k)) },
  group: { key: 't.group_id', label: NAME('groups', 'name') },
  site: { key: 't.scope_id', label: NAME('sites', 'name') },
  assignee: { key: 't.assignee_id', label: NAME('users', 'display_name') },
  channel: { key: 't.contact_channel', label: (_s, k) => (k === null ? 'None' : String(k)) },
};

type Key = string | number | null;
const keyOf = (k: Key) => (k === null ? '\u0000' : String(k));

function empty(): KpiFigures {
  return {
    backlog: 0,
    opened: 0,
    resolved: 0,
    closed: 0,
    cancelled: 0,
    mttrHours: { median: null, mean: null },
    mttaHours: { median: null, mean: null },
    mttrBusinessHours: { median: null, mean: null },
    mttaBusinessHours: { median: null, mean: null },
    slaMissed: 0,
    reopened: 0,
    slaMetPercent: null,
    reopenRatePercent: null,
    reassignmentsPerTicket: null,
    firstContactResolutionPercent: null,
  };
}

const round = (n: number | null, places = 2) => (n === null ? null : Math.round(n * 10 ** places) / 10 ** places);

/** Every figure for one dimension: key → figures. */
function figuresBy(sqlite: Database.Database, w: Where, dim: Dim): Map<string, { key: Key; f: KpiFigures }> {
  const out = new Map<string, { key: Key; f: KpiFigures }>();
  const at = (k: Key) => {
    let e = out.get(keyOf(k));
    if (!e) out.set(keyOf(k), (e = { key: k, f: empty() }));
    return e.f;
  };
  const rows = <T>(sql: string) => sqlite.prepare(sql).all(w.params) as (T & { k: Key })[];
  const base = `FROM tickets t LEFT JOIN ticket_figures f ON f.ticket_id = t.id WHERE ${w.sql}`;
  const by = `GROUP BY k`;
  const count = (cond: string, set: (f: KpiFigures, n: number) => void) => {
    for (const [k, n] of liveCounts(sqlite, w, dim.key, cond)) set(at(k), n);
  };

  for (const part of backlogParts(w)) count(part, (f, n) => (f.backlog += n));
  count(inPeriod(w, 't.opened_at'), (f, n) => (f.opened = n));
  count(`t.status = 'closed' AND ${inPeriod(w, 't.closed_at')}`, (f, n) => (f.closed = n));
  count(`t.status = 'cancelled' AND ${inPeriod(w, 't.closed_at')}`, (f, n) => (f.cancelled = n));

  // Durations, wall clock and business hours: mean and median per key (medians from each key's ordered rows).
  type Dur = { n: number; mean: number | null; median: number | null; bmean: number | null; bmedian: number | null; first: number };
  const durations = (wall: string, business: string, cond: string) =>
    rows<Dur>(
      `WITH d AS (SELECT ${dim.key} AS k, ${wall} AS h, ${business} AS hb, (${REOPENS} = 0 AND ${REASSIGNMENTS} = 0) AS first ${base} AND ${cond}),
       o AS (SELECT k, h, hb, first, row_number() OVER (PARTITION BY k ORDER BY h) AS rn, count(*) OVER (PARTITION BY k) AS n,
                    row_number() OVER (PARTITION BY k ORDER BY hb NULLS LAST) AS rb, count(hb) OVER (PARTITION BY k) AS nb FROM d)
       SELECT k, max(n) AS n, avg(h) AS mean, avg(CASE WHEN rn IN ((n + 1) / 2, (n + 2) / 2) THEN h END) AS median,
              avg(hb) AS bmean, avg(CASE WHEN nb > 0 AND rb IN ((nb + 1) / 2, (nb + 2) / 2) THEN hb END) AS bmedian, total(first) AS first FROM o GROUP BY k`,
    );
  const hours = (median: number | null, mean: number | null): Hours => ({ median: round(median), mean: round(mean) });
  for (const r of durations(HOURS('t.opened_at', 't.resolved_at'), MS_HOURS('f.resolve_business_ms'), `${FINISHED} AND ${inPeriod(w, 't.resolved_at')}`)) {
    const f = at(r.k);
    f.resolved = r.n;
    f.mttrHours = hours(r.median, r.mean);
    f.mttrBusinessHours = hours(r.bmedian, r.bmean);
    // First-contact resolution, over tickets resolved in the period.
    f.firstContactResolutionPercent = r.n ? round((100 * r.first) / r.n) : null;
  }
  for (const r of durations(HOURS('t.opened_at', 't.first_response_at'), MS_HOURS('f.response_business_ms'), inPeriod(w, 't.first_response_at'))) {
    const f = at(r.k);
    f.mttaHours = hours(r.median, r.mean);
    f.mttaBusinessHours = hours(r.bmedian, r.bmean);
  }

  // Finished tickets: SLA outcome, reopenings, reassignments.
  for (const r of rows<{ n: number; sla_n: number; sla_met: number; reopened: number; reassigned: number }>(
    `SELECT ${dim.key} AS k, count(*) AS n, count(t.sla_met) AS sla_n, total(t.sla_met) AS sla_met, total(${REOPENS} > 0) AS reopened, total(${REASSIGNMENTS}) AS reassigned
     ${base} AND ${finishedIn(w)} ${by}`,
  )) {
    const f = at(r.k);
    f.slaMetPercent = r.sla_n ? round((100 * r.sla_met) / r.sla_n) : null;
    f.slaMissed = r.sla_n - r.sla_met;
    f.reopened = r.reopened;
    f.reopenRatePercent = r.n ? round((100 * r.reopened) / r.n) : null;
    f.reassignmentsPerTicket = r.n ? round(r.reassigned / r.n, 3) : null;
  }
  return out;
}

function slices(sqlite: Database.Database, w: Where, dim: Dim): KpiSlice[] {
  return [...figuresBy(sqlite, w, dim).values()]
    .map(({ key, f }) => ({ key, label: dim.label(sqlite, key), ...f }))
    .sort((a, b) => b.backlog + b.resolved - (a.backlog + a.resolved) || String(a.key).localeCompare(String(b.key)));
}

function overall(sqlite: Database.Database, w: Where): KpiFigures {
  return figuresBy(sqlite, w, DIMS.all).get('all')?.f ?? empty();
}

const DAY = 86_400_000;

function series(sqlite: Database.Database, w: Where, bucket: 'day' | 'week'): KpiBucket[] {
  // A week starts on Monday: julianday('1970-01-05') was a Monday.
  const start = (col: string) => (bucket === 'day' ? `substr(${col}, 1, 10)` : `date(${col}, '-' || ((CAST(julianday(substr(${col}, 1, 10)) - julianday('1970-01-05') AS INTEGER)) % 7) || ' days')`);
  const out = new Map<string, KpiBucket>();
  const at = (s: string) => {
    let b = out.get(s);
    if (!b) out.set(s, (b = { start: s, opened: 0, resolved: 0, closed: 0 }));
    return b;
  };
  const run = (col: string, cond: string, field: 'opened' | 'resolved' | 'closed') => {
    for (const [k, n] of liveCounts(sqlite, w, start(col), cond)) at(String(k))[field] = n;
  };
  run('t.opened_at', inPeriod(w, 't.opened_at'), 'opened');
  run('t.resolved_at', `${FINISHED} AND ${inPeriod(w, 't.resolved_at')}`, 'resolved');
  run('t.closed_at', `t.status = 'closed' AND ${inPeriod(w, 't.closed_at')}`, 'closed');
  return [...out.values()].sort((a, b) => a.start.localeCompare(b.start));
}

function backlogAge(sqlite: Database.Database, w: Where, nowIso: string): Kpis['backlogAge'] {
  const end = w.to ?? nowIso;
  const days = `(julianday(@end) - julianday(t.opened_at))`;
  const r = { a: 0, b: 0, c: 0, d: 0, e: 0 };
  for (const part of backlogParts(w)) {
    const one = sqlite
      .prepare(
        `SELECT total(${days} < 1) AS a, total(${days} >= 1 AND ${days} < 3) AS b, total(${days} >= 3 AND ${days} < 7) AS c,
          total(${days} >= 7 AND ${days} < 30) AS d, total(${days} >= 30) AS e FROM tickets t WHERE ${w.sql} AND ${part}`,
      )
      .get({ ...w.params, end }) as typeof r;
    for (const k of ['a', 'b', 'c', 'd', 'e'] as const) r[k] += one[k];
  }
  return [
    { bucket: '<1d', count: r.a },
    { bucket: '1-3d', count: r.b },
    { bucket: '3-7d', count: r.c },
    { bucket: '7-30d', count: r.d },
    { bucket: '>30d', count: r.e },
  ];
}

export function getKpis(ctx: Ctx, filter: KpiFilter): Kpis {
  requireActor(ctx);
  const sqlite = ctx.store.sqlite;
  const w = where(filter);
  const want = (p: KpiPart) => !filter.parts || filter.parts.includes(p);
  const now = ctx.clock.now().toISOString();
  const span = w.from && w.to ? Date.parse(w.to) - Date.parse(w.from) : null;
  let previous: KpiFigures | null = null;
  if (span !== null && w.from && want('previous')) {
    const prevFrom = new Date(Date.parse(w.from) - span).toISOString();
    previous = overall(sqlite, where({ ...filter, from: prevFrom, to: w.from }));
  }
  const sliced = (p: KpiPart, dim: Dim) => (want(p) ? slices(sqlite, w, dim) : []);
  return {
    filter,
    at: now,
    ...(want('figures') ? overall(sqlite, w) : empty()),
    byPriority: sliced('byPriority', DIMS.priority).sort((a, b) => Number(a.key) - Number(b.key)),
    byCategory: sliced('byCategory', DIMS.category),
    byGroup: sliced('byGroup', DIMS.group),
    bySite: sliced('bySite', DIMS.site),
    byAssignee: sliced('byAssignee', DIMS.assignee),
    byChannel: sliced('byChannel', DIMS.channel),
    backlogAge: want('backlogAge') ? backlogAge(sqlite, w, now) : [],
    perDay: want('series') && span !== null && span <= 92 * DAY ? series(sqlite, w, 'day') : [],
    perWeek: want('series') ? series(sqlite, w, 'week') : [],
    previous,
  };
}
