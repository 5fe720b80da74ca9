/**
 * The ServiceNow sample imported through the importer, then every KPI checked against a computation
 * written here from the raw CSV (papaparse and plain arithmetic, none of Outpost's code), following
 * the definitions in docs/kpis.md.
 */
import fs from 'node:fs';
import Papa from 'papaparse';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeWorld, type World } from '../../testing';
import { fixture } from '../assets/test-fixtures';
import { importServiceNow } from '../tickets/import/servicenow';
import { getKpis } from './kpis';
import { listTickets } from '../tickets/queue';
import { saveCalendar, savePolicy } from '../sla/settings';
import { loadSlaSetup } from '../sla/load';
import { historyOf, slaOfTicket, type TicketSlaFacts } from '../sla/recompute';
import type { StatusEvent } from '../../../shared/sla/clock';
import { DRILL_FIGURES, drillFilter, type DrillFigure } from '../../../shared/kpis/drill';
import type { KpiFigures, KpiFilter } from '../../../shared/api/kpis';
import type { TicketImportResult } from '../../../shared/api/tickets';

const file = fixture('incidents/servicenow-incident-event-log-sample.csv');

type Row = Record<string, string>;

/** dd-mm-yyyy HH:MM read as UTC. */
function time(s: string): number | null {
  if (s === '?') return null;
  const [d, m, rest] = s.split('-');
  const [y, hm] = rest!.split(' ');
  const [h, mi] = hm!.split(':');
  return Date.UTC(Number(y), Number(m) - 1, Number(d), Number(h), Number(mi));
}

/** Office time between two instants, in ms: Monday to Friday 08:00-17:00 UTC, not on Good Friday 2016. */
function officeMs(a: number, b: number): number {
  const DAY = 86_400_000;
  let ms = 0;
  for (let d = Math.floor(a / DAY) * DAY; d < b; d += DAY) {
    const dow = new Date(d).getUTCDay();
    if (dow === 0 || dow === 6 || new Date(d).toISOString().startsWith('2016-03-25')) continue;
    const s = Math.max(a, d + 8 * 3_600_000);
    const e = Math.min(b, d + 17 * 3_600_000);
    if (e > s) ms += e - s;
  }
  return ms;
}

const OPEN_STATES = new Set(['New', 'Active', 'Awaiting User Info', 'Awaiting Problem', 'Awaiting Vendor', 'Awaiting Evidence']);
const DONE_STATES = new Set(['Resolved', 'Closed']);

/**
 * Outpost's resolution SLA of one incident, counted here from the raw rows under the test policy
 * (office hours, targets P1 4 h, P2 8 h, P3 24 h, P4 80 h): the incident opens in the state of its
 * first update; the later updates follow in time order (then update count). The clock runs in
 * office hours while New, Active or awaiting a problem, pauses while awaiting the caller, the
 * evidence or a vendor, and stops at Resolved or Closed (a reopen runs it on).
 */
function independentSla(i: Incident): { stopped: boolean; met: boolean } {
  const RUNS = new Set(['New', 'Active', 'Awaiting Problem']);
  const TARGET_MIN: Record<number, number> = { 1: 240, 2: 480, 3: 1440, 4: 4800 };
  const moves = i.events
    .slice(1)
    .map((e) => ({ at: Math.max(i.openedAt, time(e.sys_updated_at!)!), mod: Number(e.sys_mod_count), state: e.incident_state! }))
    .sort((a, b) => a.at - b.at || a.mod - b.mod);
  let counted = 0;
  let from = i.openedAt;
  let state = i.events[0]!.incident_state!;
  for (const m of moves) {
    if (RUNS.has(state)) counted += officeMs(from, m.at);
    from = m.at;
    state = m.state;
  }
  return { stopped: DONE_STATES.has(state), met: counted <= TARGET_MIN[i.priority]! * 60_000 };
}
const hours = (a: number, b: number) => (b - a) / 3_600_000;
const med = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const avg = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

interface Incident {
  number: string;
  events: Row[];
  last: Row;
  priority: number;
  openedAt: number;
  resolvedAt: number | null;
  closedAt: number | null;
  finalState: string;
  firstResponse: number | null;
  reopened: boolean;
  reassignments: number;
  madeSla: boolean;
}

/** The raw file, folded per number by the rules docs/kpis.md states, in plain code. */
function independent(text: string) {
  const parsed = Papa.parse<Row>(text, { header: true, skipEmptyLines: true });
  const rows: Row[] = parsed.data.map((r, i) => ({ ...r, __i: String(i) }));
  const by = new Map<string, Row[]>();
  for (const r of rows) by.set(r.number!, [...(by.get(r.number!) ?? []), r]);
  const incidents: Incident[] = [];
  for (const [number, all] of by) {
    // One row per update count: the later of two rows with the same count.
    const byMod = new Map<number, Row>();
    for (const r of all) {
      const k = Number(r.sys_mod_count);
      const have = byMod.get(k);
      const later = have && (time(r.sys_updated_at!)! > time(have.sys_updated_at!)! || (time(r.sys_updated_at!) === time(have.sys_updated_at!) && Number(r.__i) > Number(have.__i)));
      if (!have || later) byMod.set(k, r);
    }
    const events = [...byMod.keys()].sort((a, b) => a - b).map((k) => byMod.get(k)!);
    const last = events[events.length - 1]!;
    let reopened = false;
    const moments = new Set<string>();
    for (let i = 1; i < events.length; i++) {
      const a = events[i - 1]!;
      const b = events[i]!;
      if (DONE_STATES.has(a.incident_state!) && OPEN_STATES.has(b.incident_state!)) reopened = true;
      const groupMoved = a.assignment_group !== b.assignment_group && a.assignment_group !== '?';
      const personMoved = a.assigned_to !== b.assigned_to && a.assigned_to !== '?';
      if (groupMoved || personMoved) moments.add(b.sys_updated_at!);
    }
    const openedAt = time(last.opened_at!)!;
    const responded = events.find((e) => e.incident_state !== 'New');
    const done = DONE_STATES.has(last.incident_state!);
    incidents.push({
      number,
      events,
      last,
      priority: Number(last.priority!.slice(0, 1)),
      openedAt,
      resolvedAt: done ? time(last.resolved_at!) : null,
      closedAt: last.incident_state === 'Closed' ? time(last.closed_at!) : null,
      finalState: last.incident_state!,
      firstResponse: responded ? Math.max(time(responded.sys_updated_at!)!, openedAt) : null,
      reopened,
      reassignments: moments.size,
      madeSla: last.made_sla === 'TRUE',
    });
  }
  return { rows: rows.length, incidents };
}


describe.skipIf(!file)('ServiceNow sample: import figures and KPIs against the raw CSV', () => {
  let w: World;
  let result: TicketImportResult;
  let truth: ReturnType<typeof independent>;
  beforeAll(async () => {
    w = makeWorld();
    const bytes = fs.readFileSync(file!);
    truth = independent(bytes.toString('utf8'));
    result = await importServiceNow(w.ctx(w.admin, 'tickets.import'), { bytes }, { dryRun: false });
  }, 120_000);
  afterAll(() => w?.dispose());

  it('reports the file’s own figures', () => {
    const inc = truth.incidents;
    expect(result.errors).toEqual([]);
    expect(result.events).toBe(truth.rows);
    expect(result.events).toBe(5998);
    expect(result.incidents).toBe(inc.length);
    expect(result.incidents).toBe(890);
    expect(result.created).toBe(890);
    expect(result.resolved).toBe(inc.filter((i) => i.last.resolved_at !== '?').length);
    const reopenedByFile = inc.filter((i) => Number(i.last.reopen_count) > 0).length;
    expect(result.reopened).toBe(reopenedByFile);
    expect(result.reopenedPercent).toBeCloseTo((100 * reopenedByFile) / inc.length, 2);
    expect(result.madeSlaPercent).toBeCloseTo((100 * inc.filter((i) => i.madeSla).length) / inc.length, 2);
    // Outpost's reading of the folded history agrees with the file's counters on this sample.
    expect(result.outpost.reopened).toBe(inc.filter((i) => i.reopened).length);
    expect(result.outpost.reopened).toBe(reopenedByFile);
  });

  it('computes every all-time KPI as the raw file says', () => {
    const k = getKpis(w.ctx(w.admin, 'kpis.get'), {});
    const inc = truth.incidents;
    const finished = inc.filter((i) => DONE_STATES.has(i.finalState));
    const resolved = finished.filter((i) => i.resolvedAt !== null);
    const ttr = resolved.map((i) => hours(i.openedAt, i.resolvedAt!));
    const tta = inc.filter((i) => i.firstResponse !== null).map((i) => hours(i.openedAt, i.firstResponse!));
    expect(k.backlog).toBe(inc.filter((i) => OPEN_STATES.has(i.finalState)).length);
    expect(k.opened).toBe(inc.length);
    expect(k.resolved).toBe(resolved.length);
    expect(k.closed).toBe(inc.filter((i) => i.finalState === 'Closed').length);
    expect(k.mttrHours.median).toBeCloseTo(med(ttr), 2);
    expect(k.mttrHours.mean).toBeCloseTo(avg(ttr), 2);
    expect(k.mttaHours.median).toBeCloseTo(med(tta), 2);
    expect(k.mttaHours.mean).toBeCloseTo(avg(tta), 2);
    expect(k.slaMetPercent).toBeCloseTo((100 * finished.filter((i) => i.madeSla).length) / finished.length, 2);
    expect(k.reopenRatePercent).toBeCloseTo((100 * finished.filter((i) => i.reopened).length) / finished.length, 2);
    expect(k.reassignmentsPerTicket).toBeCloseTo(avg(finished.map((i) => i.reassignments)), 3);
    expect(k.firstContactResolutionPercent).toBeCloseTo((100 * resolved.filter((i) => !i.reopened && i.reassignments === 0).length) / resolved.length, 2);
    for (const p of [1, 2, 3, 4]) {
      const slice = k.byPriority.find((s) => s.key === p)!;
      const mine = resolved.filter((i) => i.priority === p);
      expect(slice.resolved).toBe(mine.length);
      expect(slice.mttrHours.mean).toBeCloseTo(avg(mine.map((i) => hours(i.openedAt, i.resolvedAt!))), 2);
      expect(slice.mttrHours.median).toBeCloseTo(med(mine.map((i) => hours(i.openedAt, i.resolvedAt!))), 2);
    }
    // Categories and groups as the file names them.
    const cat = new Map<string, number>();
    for (const i of resolved) cat.set(i.last.category!, (cat.get(i.last.category!) ?? 0) + 1);
    for (const s of k.byCategory) expect(s.resolved).toBe(cat.get(s.key === null ? '?' : String(s.key)) ?? 0);
    expect(k.byCategory.reduce((n, s) => n + s.resolved, 0)).toBe(resolved.length);
    const grp = new Map<string, number>();
    for (const i of resolved) grp.set(i.last.assignment_group!, (grp.get(i.last.assignment_group!) ?? 0) + 1);
    for (const s of k.byGroup) expect(s.resolved).toBe(grp.get(s.key === null ? '?' : s.label) ?? 0);
    expect(k.byGroup.reduce((n, s) => n + s.resolved, 0)).toBe(resolved.length);
    // Printed for docs/kpis.md.
    console.log(JSON.stringify({ backlog: k.backlog, opened: k.opened, resolved: k.resolved, closed: k.closed, mttrHours: k.mttrHours, mttaHours: k.mttaHours, slaMetPercent: k.slaMetPercent, reopenRatePercent: k.reopenRatePercent, reassignmentsPerTicket: k.reassignmentsPerTicket, fcr: k.firstContactResolutionPercent, byPriority: k.byPriority.map((s) => [s.key, s.resolved, s.mttrHours]) }));
  });

  it('computes a period’s KPIs and the period before it', () => {
    const from = '2016-03-01T00:00:00.000Z';
    const to = '2016-03-08T00:00:00.000Z';
    const k = getKpis(w.ctx(w.admin, 'kpis.get'), { from, to });
    const [f, t] = [Date.parse(from), Date.parse(to)];
    const inc = truth.incidents;
    const inP = (x: number | null, a = f, b = t) => x !== null && x >= a && x < b;
    const resolved = inc.filter((i) => DONE_STATES.has(i.finalState) && inP(i.resolvedAt));
    expect(k.opened).toBe(inc.filter((i) => inP(i.openedAt)).length);
    expect(k.resolved).toBe(resolved.length);
    expect(k.mttrHours.mean).toBeCloseTo(avg(resolved.map((i) => hours(i.openedAt, i.resolvedAt!))), 2);
    // Open at the end of the period: opened before it ends, not resolved or closed by then.
    expect(k.backlog).toBe(inc.filter((i) => i.openedAt < t && !(i.resolvedAt !== null && i.resolvedAt < t) && !(i.closedAt !== null && i.closedAt < t)).length);
    const finished = inc.filter((i) => DONE_STATES.has(i.finalState) && inP(i.resolvedAt ?? i.closedAt));
    expect(k.slaMetPercent).toBeCloseTo((100 * finished.filter((i) => i.madeSla).length) / finished.length, 2);
    expect(k.perDay.reduce((s, d) => s + d.resolved, 0)).toBe(resolved.length);
    const span = t - f;
    expect(k.previous!.resolved).toBe(inc.filter((i) => DONE_STATES.has(i.finalState) && inP(i.resolvedAt, f - span, f)).length);
  });

  it('counts opened and resolved per ISO week from Monday, as the raw file says', () => {
    const k = getKpis(w.ctx(w.admin, 'kpis.get'), {});
    const DAY_MS = 86_400_000;
    // A Monday (UTC) per week: days since 1970-01-05, which was one.
    const monday = (ms: number) => new Date(Math.floor(ms / DAY_MS) * DAY_MS - ((((Math.floor(ms / DAY_MS) - 4) % 7) + 7) % 7) * DAY_MS).toISOString().slice(0, 10);
    const tally = (times: number[]) => {
      const m = new Map<string, number>();
      for (const t of times) m.set(monday(t), (m.get(monday(t)) ?? 0) + 1);
      return m;
    };
    const opened = tally(truth.incidents.map((i) => i.openedAt));
    const resolved = tally(truth.incidents.filter((i) => DONE_STATES.has(i.finalState) && i.resolvedAt !== null).map((i) => i.resolvedAt!));
    expect(k.perWeek.length).toBeGreaterThan(4);
    for (const b of k.perWeek) {
      expect(new Date(`${b.start}T00:00:00Z`).getUTCDay()).toBe(1);
      expect([b.start, b.opened, b.resolved]).toEqual([b.start, opened.get(b.start) ?? 0, resolved.get(b.start) ?? 0]);
    }
    expect(k.perWeek.reduce((s, b) => s + b.opened, 0)).toBe(truth.incidents.length);
  });

  it('every counted figure clicks through to exactly its tickets in the queue', () => {
    const ctx = w.ctx(w.admin, 'tickets.list');
    const site = w.store.sqlite.prepare('SELECT scope_id FROM tickets LIMIT 1').pluck().get() as string;
    const group = w.store.sqlite.prepare('SELECT group_id FROM tickets WHERE group_id IS NOT NULL GROUP BY group_id ORDER BY count(*) DESC LIMIT 1').pluck().get() as string;
    const filters: KpiFilter[] = [{}, { from: '2016-03-01T00:00:00.000Z', to: '2016-03-08T00:00:00.000Z', siteId: site }, { from: '2016-02-01T00:00:00Z', to: '2016-04-01T00:00:00Z', groupId: group }];
    const countOf = (k: KpiFigures, f: DrillFigure): number => (f === 'finished' ? -1 : k[f]);
    let checked = 0;
    for (const kf of filters) {
      const k = getKpis(w.ctx(w.admin, 'kpis.get'), kf);
      const total = (filter: ReturnType<typeof drillFilter>) => listTickets(ctx, { view: 'all', filter, limit: 1, withTotal: true }).total;
      for (const fig of DRILL_FIGURES) {
        if (fig === 'finished') continue;
        expect(total(drillFilter(fig, kf)), `${fig} over ${JSON.stringify(kf)}`).toBe(countOf(k, fig));
        checked++;
      }
      for (const s of k.byPriority) {
        expect(total(drillFilter('backlog', kf, { priority: Number(s.key) as 1 })), `P${s.key} backlog`).toBe(s.backlog);
        expect(total(drillFilter('resolved', kf, { priority: Number(s.key) as 1 })), `P${s.key} resolved`).toBe(s.resolved);
        expect(total(drillFilter('slaMissed', kf, { priority: Number(s.key) as 1 })), `P${s.key} SLA missed`).toBe(s.slaMissed);
      }
      for (const s of k.byAssignee) expect(total(drillFilter('opened', kf, { assigneeId: s.key === null ? null : String(s.key) })), `opened by ${s.label}`).toBe(s.opened);
    }
    expect(checked).toBe(21);
    // The figures are not all zero: the check means something on this sample.
    const all = getKpis(w.ctx(w.admin, 'kpis.get'), {});
    expect(all.slaMissed).toBeGreaterThan(300);
    expect(all.reopened).toBe(10);
  });

  it('business-hours figures use the SLA policy’s calendar, beside the wall-clock ones', () => {
    const admin = w.ctx(w.admin, 'sla.savePolicy');
    // Office hours Monday to Friday 08:00-17:00 UTC, Good Friday 2016 off.
    const cal = saveCalendar(admin, { name: 'Office', timezone: 'UTC', hours: [1, 2, 3, 4, 5].map((d) => [d, 480, 1020] as [number, number, number]), holidays: [{ date: '2016-03-25', name: 'Good Friday' }] });
    savePolicy(admin, {
      name: 'Incidents',
      position: 0,
      active: true,
      type: null,
      category: null,
      siteId: null,
      calendarId: cal.id,
      warnShare: 0.75,
      targets: { '1': { response: 60, resolution: 240 }, '2': { response: 120, resolution: 480 }, '3': { response: 240, resolution: 1440 }, '4': { response: 480, resolution: 4800 } },
      escalations: [],
    });
    const business = (a: number, b: number) => officeMs(a, b) / 3_600_000;
    const k = getKpis(w.ctx(w.admin, 'kpis.get'), {});
    const inc = truth.incidents;
    const resolved = inc.filter((i) => DONE_STATES.has(i.finalState) && i.resolvedAt !== null);
    const bttr = resolved.map((i) => business(i.openedAt, i.resolvedAt!));
    const btta = inc.filter((i) => i.firstResponse !== null).map((i) => business(i.openedAt, i.firstResponse!));
    expect(k.mttrBusinessHours.median).toBeCloseTo(med(bttr), 2);
    expect(k.mttrBusinessHours.mean).toBeCloseTo(avg(bttr), 2);
    expect(k.mttaBusinessHours.median).toBeCloseTo(med(btta), 2);
    expect(k.mttaBusinessHours.mean).toBeCloseTo(avg(btta), 2);
    // The wall-clock figures stand as they were.
    expect(k.mttrHours).toEqual({ median: 54.47, mean: 315.87 });
    expect(k.mttrBusinessHours.mean!).toBeLessThan(k.mttrHours.mean!);
    console.log(JSON.stringify({ mttrBusinessHours: k.mttrBusinessHours, mttaBusinessHours: k.mttaBusinessHours, slaMissed: k.slaMissed, reopened: k.reopened }));
  });

  it('reports Outpost’s own resolution SLA over the folded history beside the file’s made_sla', async () => {
    // The policy of the test above: office hours, targets per priority. A dry run reads the same file again.
    const dry = await importServiceNow(w.ctx(w.admin, 'tickets.import'), { bytes: fs.readFileSync(file!) }, { dryRun: true });
    // Independent: the incident opens in the state of its first update (lowest update count); the
    // later updates follow in time order (then update count). The clock runs in office hours while
    // New, Active or awaiting a problem, pauses while awaiting the caller, the evidence or a vendor,
    // and stops at Resolved or Closed (a reopen runs it on). Measured when the last update leaves it
    // stopped; met when the office time counted is within the target.
    let measured = 0;
    let met = 0;
    let open = 0;
    for (const i of truth.incidents) {
      const r = independentSla(i);
      if (!r.stopped) {
        open++;
        continue;
      }
      measured++;
      if (r.met) met++;
    }
    expect(dry.outpost.sla).toEqual({ measured, met, notStopped: open, noPolicy: 0, policies: ['Incidents'] });
    expect(dry.outpost.madeSlaPercent).toBeCloseTo((100 * met) / measured, 2);
    // The file's own figure stays beside it, unchanged.
    expect(dry.madeSlaPercent).toBe(result.madeSlaPercent);
    console.log(JSON.stringify({ fileMadeSlaPercent: dry.madeSlaPercent, outpostMadeSlaPercent: dry.outpost.madeSlaPercent, outpostSla: dry.outpost.sla }));
  });

  it('the console’s SLA clock over each imported incident’s stored history agrees with the independent count', () => {
    // The policy of the tests above. What a ticket's header shows: its clock computed from the status history the import stored.
    const sqlite = w.store.sqlite;
    const setup = loadSlaSetup(sqlite);
    const facts = sqlite
      .prepare('SELECT id, type, category, scope_id, priority, opened_at, first_response_at, source_number FROM tickets WHERE source_number IS NOT NULL')
      .all() as (TicketSlaFacts & { source_number: string })[];
    const byNumber = new Map(truth.incidents.map((i) => [i.number, i]));
    const count = (history: (id: string) => StatusEvent[]) => {
      let measured = 0;
      let met = 0;
      let agree = 0;
      let sameInstant = 0;
      for (const t of facts) {
        const h = history(t.id);
        const r = slaOfTicket(setup, t, h)?.figures.resolution;
        const truthOf = independentSla(byNumber.get(t.source_number)!);
        if (r?.state === 'stopped' && r.met !== null) {
          measured++;
          if (r.met) met++;
        }
        // Two moves stored at the same minute are ordered by their row ids here, by update count in the file.
        if (new Set(h.map((e) => e.at)).size < h.length) sameInstant++;
        else if (r?.state === 'stopped' && truthOf.stopped && r.met === truthOf.met) agree++;
      }
      return { measured, met, agree, sameInstant };
    };
    const device = count((id) => historyOf(sqlite, id));
    // Every incident whose moves are at distinct times gives the independent count's outcome.
    expect(device.agree + device.sameInstant).toBe(facts.length);
    expect(device.measured).toBe(890);
    // Every pending move carries Outpost's reason.
    expect(sqlite.prepare("SELECT count(*) FROM ticket_history WHERE kind = 'status' AND to_value = 'pending' AND (reason IS NULL OR reason NOT IN ('customer', 'vendor', 'change'))").pluck().get()).toBe(0);
    // Before pending moves carried a reason the clock knew, nothing paused: the same history without pauses.
    const unpaused = count((id) => historyOf(sqlite, id).map((e) => (e.to === 'pending' ? { ...e, reason: 'ServiceNow' } : e)));
    expect(unpaused.agree).toBeLessThan(device.agree);
    const pct = (c: { met: number; measured: number }) => Math.round((10_000 * c.met) / c.measured) / 100;
    console.log(JSON.stringify({ deviceMetPercent: pct(device), device, withoutPausesPercent: pct(unpaused), withoutPauses: unpaused }));
  });

  it('a re-import of the same file updates, never doubles', async () => {
    const count = (table: string) => w.store.sqlite.prepare(`SELECT count(*) FROM ${table}`).pluck().get() as number;
    const before = { tickets: count('tickets'), history: count('ticket_history'), users: count('users'), groups: count('groups') };
    const again = await importServiceNow(w.ctx(w.admin, 'tickets.import'), { bytes: fs.readFileSync(file!) }, { dryRun: false });
    expect(again).toMatchObject({ created: 0, updated: 890, unchanged: 890, incidents: 890 });
    expect({ tickets: count('tickets'), history: count('ticket_history'), users: count('users'), groups: count('groups') }).toEqual(before);
  });
});
