/**
 * kpis.get: the service desk figures defined in docs/kpis.md, computed in SQL over the local store
 * (so a branch office without a network sees what head office sees, from the same synced records).
 * Counts are aggregates per slice (GROUP BY) read inside the covering KPI indexes (docs/kpis.md);
 * durations, with each ticket's reopenings, reassignments and business hours (kept on the ticket row,
 * carried by the same indexes), are read once per period and their medians taken from the sorted values
 * of each slice. With a site chosen, each statement names the index it reads (see `on`).
 */
import type Database from 'better-sqlite3';
import type { Ctx } from '../core/context';
import { requireActor } from '../core/write';
import { stmt } from '../core/stmt';
import { mean, median } from './stats';
import type { Hours, KpiBucket, KpiFigures, KpiFilter, KpiPart, Kpis, KpiSlice } from '../../../shared/api/kpis';

/** Kept on the ticket row by the history triggers (migration 0039); the business hours by services/sla/figures.ts. */
const REOPENS = `t.reopen_count`;
const REASSIGNMENTS = `t.reassignment_count`;
const HOURS = (a: string, b: string) => `((julianday(${b}) - julianday(${a})) * 24.0)`;
const MS_HOURS = (col: string) => `(${col} / 3600000.0)`;
/** Finished: resolved or closed (not cancelled), at its resolve time (or its close time when it was closed without one). */
const FINISHED = `t.status IN ('resolved', 'closed')`;
/**
 * Finished in the period, as two disjoint parts each read inside one index: resolved in the period,
 * and closed in it without a resolve time (one OR would read each ticket's row to merge the two).
 */
function finishedParts(w: Where): string[] {
  return [`${FINISHED} AND ${inPeriod(w, 't.resolved_at')}`, `${FINISHED} AND t.resolved_at IS NULL AND ${inPeriod(w, 't.closed_at')}`];
}
/**
 * Open at the end of the period (or now): what the queue's `openAt` filter selects (opened before the
 * end, neither resolved nor closed before it), as disjoint parts that each walk a range of
 * tickets_kpi_backlog_idx (site, open, resolve time, close time) rather than every ticket opened
 * before it: the tickets open now; those resolved after the end; closed after it without a resolve
 * time; finished with neither time.
 */
function backlogParts(w: Where): string[] {
  if (!w.to) return ['t.is_open = 1'];
  const notClosedBefore = '(t.closed_at IS NULL OR t.closed_at >= @to)';
  // Unary + keeps the planner off the opened_at index (most tickets were opened before the end).
  return [
    `t.is_open = 1 AND +t.opened_at < @to AND (t.resolved_at IS NULL OR t.resolved_at >= @to) AND ${notClosedBefore}`,
    `t.is_open = 0 AND t.resolved_at >= @to AND +t.opened_at < @to AND ${notClosedBefore}`,
    `t.is_open = 0 AND t.resolved_at IS NULL AND t.closed_at >= @to AND +t.opened_at < @to`,
    `t.is_open = 0 AND t.resolved_at IS NULL AND t.closed_at IS NULL AND +t.opened_at < @to`,
  ];
}

/**
 * The KPI index each kind of statement reads when a site is chosen (docs/kpis.md): named in the
 * statement, because the statistics SQLite keeps are sampled (`PRAGMA optimize` analyses a few thousand
 * entries) and at a million tickets they put a site at a few hundred tickets, which led the planner to
 * queue indexes that read every ticket row. Each index leads with the site and the time counted, and
 * carries every column its statements read; a missing one fails the statement instead of scanning.
 */
type KpiIndex = 'tickets_kpi_backlog_idx' | 'tickets_kpi_opened_idx' | 'tickets_kpi_resolved_idx' | 'tickets_kpi_closed_idx' | 'tickets_kpi_response_idx';

/** `FROM tickets t`, reading `index` when a site is chosen (without one, SQLite picks a site-less index). */
function on(w: Where, index: KpiIndex): string {
  return w.params.site ? `tickets t INDEXED BY ${index}` : 'tickets t';
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
function liveCounts(sqlite: Database.Database, w: Where, key: string, cond: string, index: KpiIndex): Map<Key, number> {
  const out = new Map<Key, number>();
  for (const r of stmt(sqlite, `SELECT ${key} AS k, count(*) AS n FROM ${on(w, index)} WHERE ${w.live} AND ${cond} GROUP BY k`).all(w.params) as { k: Key; n: number }[])
    out.set(r.k, r.n);
  const deleted = `SELECT ${key} AS k, count(*) AS n FROM tickets t INDEXED BY tickets_deleted_idx WHERE t.deleted_hlc IS NOT NULL AND ${w.live} AND ${cond} GROUP BY k`;
  for (const r of stmt(sqlite, deleted).all(w.params) as { k: Key; n: number }[]) {
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
  k === null ? 'None' : ((stmt(s, `SELECT ${col} FROM ${table} WHERE id = ?`).pluck().get(k) as string | undefined) ?? String(k));

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

/** Finished tickets of one key: how many, with a recorded SLA outcome, met, reopened, reassignments. */
interface Finished {
  k: Key;
  n: number;
  sla_n: number;
  sla_met: number;
  reopened: number;
  reassigned: number;
}

/** One counted ticket: key, hours, business hours (null: no policy), first contact (0/1), SLA met (null: not recorded), reopened (0/1), reassignments. */
type TicketRow = [Key, number, number | null, number, number | null, number, number];

interface Durations {
  k: Key;
  n: number;
  mean: number | null;
  median: number | null;
  bmean: number | null;
  bmedian: number | null;
  /** Tickets never reopened nor reassigned. */
  first: number;
  /** The same tickets' finished figures. */
  finished: Finished;
}

/** Mean and median per key of the counted tickets' durations, and their finished figures. */
function durationsByKey(rows: TicketRow[]): Durations[] {
  const by = new Map<string, { h: number[]; hb: number[]; first: number; finished: Finished }>();
  for (const [k, h, hb, first, slaMet, reopened, reassigned] of rows) {
    let e = by.get(keyOf(k));
    if (!e) by.set(keyOf(k), (e = { h: [], hb: [], first: 0, finished: { k, n: 0, sla_n: 0, sla_met: 0, reopened: 0, reassigned: 0 } }));
    e.h.push(h);
    if (hb !== null) e.hb.push(hb);
    e.first += first;
    const f = e.finished;
    f.n++;
    if (slaMet !== null) {
      f.sla_n++;
      f.sla_met += slaMet;
    }
    f.reopened += reopened;
    f.reassigned += reassigned;
  }
  return [...by.values()].map((e) => ({
    k: e.finished.k,
    n: e.h.length,
    mean: mean(e.h),
    median: median(e.h),
    bmean: mean(e.hb),
    bmedian: median(e.hb),
    first: e.first,
    finished: e.finished,
  }));
}

/** Every figure for one dimension: key → figures. */
function figuresBy(sqlite: Database.Database, w: Where, dim: Dim): Map<string, { key: Key; f: KpiFigures }> {
  const out = new Map<string, { key: Key; f: KpiFigures }>();
  const at = (k: Key) => {
    let e = out.get(keyOf(k));
    if (!e) out.set(keyOf(k), (e = { key: k, f: empty() }));
    return e.f;
  };
  const rows = <T>(sql: string) => stmt(sqlite, sql).all(w.params) as (T & { k: Key })[];
  const base = (index: KpiIndex) => `FROM ${on(w, index)} WHERE ${w.sql}`;
  const by = `GROUP BY k`;
  const count = (cond: string, index: KpiIndex, set: (f: KpiFigures, n: number) => void) => {
    for (const [k, n] of liveCounts(sqlite, w, dim.key, cond, index)) set(at(k), n);
  };

  for (const part of backlogParts(w)) count(part, 'tickets_kpi_backlog_idx', (f, n) => (f.backlog += n));
  count(inPeriod(w, 't.opened_at'), 'tickets_kpi_opened_idx', (f, n) => (f.opened = n));
  count(`t.status = 'closed' AND ${inPeriod(w, 't.closed_at')}`, 'tickets_kpi_closed_idx', (f, n) => (f.closed = n));
  count(`t.status = 'cancelled' AND ${inPeriod(w, 't.closed_at')}`, 'tickets_kpi_closed_idx', (f, n) => (f.cancelled = n));

  // Durations, wall clock and business hours: mean and median per key. One pass over the period's
  // index entries (each carrying the ticket's figures) hands over the few thousand durations; each
  // key's median is taken from its sorted values, which costs less than SQL's ordered windows.
  const resolvedDurations = (cond: string) =>
    durationsByKey(
      stmt(
        sqlite,
        `SELECT ${dim.key} AS k, ${HOURS('t.opened_at', 't.resolved_at')} AS h, ${MS_HOURS('t.resolve_business_ms')} AS hb,
                (${REOPENS} = 0 AND ${REASSIGNMENTS} = 0) AS first, t.sla_met, (${REOPENS} > 0) AS reopened, ${REASSIGNMENTS} AS reassigned
         ${base('tickets_kpi_resolved_idx')} AND ${cond}`,
      )
        .raw(true)
        .all(w.params) as TicketRow[],
    );
  // To the first response only the two durations count (the finished figures come with resolving).
  const responseDurations = (cond: string) =>
    durationsByKey(
      stmt(
        sqlite,
        `SELECT ${dim.key} AS k, ${HOURS('t.opened_at', 't.first_response_at')} AS h, ${MS_HOURS('t.response_business_ms')} AS hb, 0, NULL, 0, 0
         ${base('tickets_kpi_response_idx')} AND ${cond}`,
      )
        .raw(true)
        .all(w.params) as TicketRow[],
    );
  const hours = (median: number | null, mean: number | null): Hours => ({ median: round(median), mean: round(mean) });
  // Finished tickets (SLA outcome, reopenings, reassignments): those resolved in the period come
  // with the resolve durations below; those closed in it without a resolve time are summed apart.
  const finished = new Map<string, Finished>();
  const addFinished = (r: Finished) => {
    const e = finished.get(keyOf(r.k));
    if (!e) finished.set(keyOf(r.k), { ...r });
    else for (const c of ['n', 'sla_n', 'sla_met', 'reopened', 'reassigned'] as const) e[c] += r[c];
  };
  const [resolvedPart, closedPart] = finishedParts(w);
  for (const r of resolvedDurations(resolvedPart!)) {
    const f = at(r.k);
    f.resolved = r.n;
    f.mttrHours = hours(r.median, r.mean);
    f.mttrBusinessHours = hours(r.bmedian, r.bmean);
    // First-contact resolution, over tickets resolved in the period.
    f.firstContactResolutionPercent = r.n ? round((100 * r.first) / r.n) : null;
    addFinished(r.finished);
  }
  for (const r of responseDurations(inPeriod(w, 't.first_response_at'))) {
    const f = at(r.k);
    f.mttaHours = hours(r.median, r.mean);
    f.mttaBusinessHours = hours(r.bmedian, r.bmean);
  }
  for (const r of rows<Finished>(
    `SELECT ${dim.key} AS k, count(*) AS n, count(t.sla_met) AS sla_n, total(t.sla_met) AS sla_met, total(${REOPENS} > 0) AS reopened, total(${REASSIGNMENTS}) AS reassigned
     ${base('tickets_kpi_closed_idx')} AND ${closedPart} ${by}`,
  ))
    addFinished(r);
  for (const r of finished.values()) {
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

/** Opened, resolved and closed per UTC day, counted in SQL; weeks are summed from the days. */
function series(sqlite: Database.Database, w: Where): { days: KpiBucket[]; weeks: KpiBucket[] } {
  const days = buckets();
  const run = (col: string, cond: string, index: KpiIndex, field: 'opened' | 'resolved' | 'closed') => {
    for (const [k, n] of liveCounts(sqlite, w, `substr(${col}, 1, 10)`, cond, index)) days.at(String(k))[field] = n;
  };
  run('t.opened_at', inPeriod(w, 't.opened_at'), 'tickets_kpi_opened_idx', 'opened');
  run('t.resolved_at', `${FINISHED} AND ${inPeriod(w, 't.resolved_at')}`, 'tickets_kpi_resolved_idx', 'resolved');
  run('t.closed_at', `t.status = 'closed' AND ${inPeriod(w, 't.closed_at')}`, 'tickets_kpi_closed_idx', 'closed');
  const weeks = buckets();
  for (const d of days.list()) {
    const b = weeks.at(weekOf(d.start));
    b.opened += d.opened;
    b.resolved += d.resolved;
    b.closed += d.closed;
  }
  return { days: days.list(), weeks: weeks.list() };
}

function buckets() {
  const out = new Map<string, KpiBucket>();
  return {
    at(start: string): KpiBucket {
      let b = out.get(start);
      if (!b) out.set(start, (b = { start, opened: 0, resolved: 0, closed: 0 }));
      return b;
    },
    list: () => [...out.values()].sort((a, b) => a.start.localeCompare(b.start)),
  };
}

/** The Monday (UTC) starting the ISO week of a day `YYYY-MM-DD`: 1970-01-05 was a Monday. */
function weekOf(day: string): string {
  const t = Date.parse(`${day}T00:00:00Z`);
  const sinceMonday = (((Math.floor(t / DAY) - 4) % 7) + 7) % 7;
  return new Date(t - sinceMonday * DAY).toISOString().slice(0, 10);
}

function backlogAge(sqlite: Database.Database, w: Where, nowIso: string): Kpis['backlogAge'] {
  const end = w.to ?? nowIso;
  const days = `(julianday(@end) - julianday(t.opened_at))`;
  const r = { a: 0, b: 0, c: 0, d: 0, e: 0 };
  for (const part of backlogParts(w)) {
    const one = stmt(
      sqlite,
      `SELECT total(${days} < 1) AS a, total(${days} >= 1 AND ${days} < 3) AS b, total(${days} >= 3 AND ${days} < 7) AS c,
        total(${days} >= 7 AND ${days} < 30) AS d, total(${days} >= 30) AS e FROM ${on(w, 'tickets_kpi_backlog_idx')} WHERE ${w.sql} AND ${part}`,
    ).get({ ...w.params, end }) as typeof r;
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
  const perDaySeries = want('series') ? series(sqlite, w) : null;
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
    perDay: perDaySeries && span !== null && span <= 92 * DAY ? perDaySeries.days : [],
    perWeek: perDaySeries?.weeks ?? [],
    previous,
  };
}
