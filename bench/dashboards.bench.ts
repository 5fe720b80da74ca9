/**
 * `npm run bench:dashboards -- [--tickets 1000000] [--store DIR]`: every dashboard widget over a store
 * of generated tickets with the period (last 30 days) and site filters set, each role's whole home
 * dashboard, and what keeping the per-ticket figures adds to a single edit. The store is seeded once
 * into DIR (default /tmp/outpost-dashboards-bench) and reused. Prints JSON; asserts nothing.
 */
import os from 'node:os';
import path from 'node:path';
import { openStore } from '../src/main/db/open';
import { systemClock, type Actor, type Ctx } from '../src/main/services/core/context';
import { loadActor } from '../src/main/services/directory/users';
import { getKpis } from '../src/main/services/kpis/kpis';
import { listTickets } from '../src/main/services/tickets/queue';
import { transitionTicket, updateTicket } from '../src/main/services/tickets/tickets';
import { saveCalendar, savePolicy } from '../src/main/services/sla/settings';
import { businessDurations, FACTS, type Facts } from '../src/main/services/sla/figures';
import { loadSlaSetup } from '../src/main/services/sla/load';
import { ROLE_DASHBOARDS, TEAM_LEAD_DASHBOARD, WIDGET_INFO, WIDGETS, type WidgetId } from '../src/shared/dashboards/widgets';
import type { KpiFilter } from '../src/shared/api/kpis';
import { seededStore } from './dashboards-seed';

const argOf = (name: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const TICKETS = Number(argOf('tickets') ?? 1_000_000);
const DIR = path.resolve(argOf('store') ?? '/tmp/outpost-dashboards-bench');
const log = (m: string) => process.stderr.write(`[bench] ${m}\n`);

const GOALS = { widget_p95_ms: 50, role_dashboard_p95_ms: 300, edit_overhead_pct: 10 };

function stats(samples: number[]) {
  const s = [...samples].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.ceil(p * s.length) - 1)]!;
  const r = (x: number) => Math.round(x * 100) / 100;
  return { n: s.length, median_ms: r(q(0.5)), p95_ms: r(q(0.95)), max_ms: r(s[s.length - 1]!) };
}
/** The figures beside their goal, and whether the p95 meets it (with the CPU time of the same runs). */
function against(goal: number, r: { wall: ReturnType<typeof stats>; cpu: ReturnType<typeof stats> }) {
  const s = r.wall;
  return { p50_ms: s.median_ms, p95_ms: s.p95_ms, goal_p95_ms: goal, met: s.p95_ms <= goal, n: s.n, max_ms: s.max_ms, cpu_p50_ms: r.cpu.median_ms, cpu_p95_ms: r.cpu.p95_ms };
}
function time(fn: () => unknown): number {
  const t = performance.now();
  fn();
  return performance.now() - t;
}
/** Wall time, and this process's CPU time (user + system: on a loaded machine, what the work costs without the wait for a core). */
function repeat(n: number, fn: () => unknown) {
  fn();
  const out: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < n; i++) {
    const u = process.cpuUsage();
    out.push(time(fn));
    const d = process.cpuUsage(u);
    cpu.push((d.user + d.system) / 1000);
  }
  return { wall: stats(out), cpu: stats(cpu) };
}

function main() {
  const file = seededStore(DIR, TICKETS, 7, log);
  let migrateMs = 0;
  const store = (() => {
    const t = performance.now();
    const s = openStore(file, { key: null });
    migrateMs = performance.now() - t;
    return s;
  })();
  try {
    const sqlite = store.sqlite;
    const ctx = (actor: Actor, call = 'bench'): Ctx => ({ store, clock: systemClock, actor, call });
    const adminId = sqlite.prepare("SELECT id FROM users WHERE role = 'admin' ORDER BY created_at LIMIT 1").pluck().get() as string;
    const admin = ctx(loadActor(sqlite, adminId)!);
    // Business hours need a calendar: the first run puts one policy on office hours (every ticket's figures derived).
    let policySaveMs: number | null = null;
    if (!sqlite.prepare('SELECT 1 FROM sla_policies WHERE deleted_hlc IS NULL').get()) {
      log('saving an SLA policy on office hours (derives every ticket’s business-hours figures)');
      policySaveMs = time(() => {
        const cal = saveCalendar(admin, { name: 'Office', timezone: 'Europe/London', hours: [1, 2, 3, 4, 5].map((d) => [d, 480, 1080] as [number, number, number]), holidays: [] });
        savePolicy(admin, {
          name: 'Standard', position: 0, active: true, type: null, category: null, siteId: null, calendarId: cal.id, warnShare: 0.75, escalations: [],
          targets: { '1': { response: 15, resolution: 240 }, '2': { response: 60, resolution: 480 }, '3': { response: 240, resolution: 1440 }, '4': { response: 480, resolution: 4800 } },
        });
      });
    }
    const site = sqlite.prepare('SELECT scope_id FROM tickets GROUP BY scope_id ORDER BY count(*) DESC LIMIT 1').pluck().get() as string;
    const busy = sqlite.prepare('SELECT assignee_id FROM tickets WHERE is_open = 1 AND assignee_id IS NOT NULL GROUP BY assignee_id ORDER BY count(*) DESC LIMIT 1').pluck().get() as string;
    const tech = ctx(loadActor(sqlite, busy)!);
    const DAY = 86_400_000;
    const end = Math.floor(Date.now() / DAY) * DAY + DAY;
    const filter: KpiFilter = { from: new Date(end - 30 * DAY).toISOString(), to: new Date(end).toISOString(), siteId: site };
    const inPeriod = sqlite.prepare('SELECT count(*) FROM tickets WHERE scope_id = ? AND opened_at >= ? AND opened_at < ?').pluck().get(site, filter.from, filter.to) as number;

    const widget = (id: WidgetId, who: Ctx) => () => {
      const parts = WIDGET_INFO[id].parts;
      if (parts.length) return getKpis(who, { ...filter, parts: [...parts] });
      if (id === 'myWork') return listTickets(who, { view: 'my_work', filter: { siteId: [site] }, limit: 10, withTotal: true });
      if (id === 'breachingSoon') return listTickets(who, { view: 'breaching_soon', filter: { siteId: [site] }, limit: 10, withTotal: true });
      return null; // risks, findings, sync health: not ticket figures, not measured here
    };
    const ticketWidgets = WIDGETS.filter((w) => WIDGET_INFO[w].parts.length || w === 'myWork' || w === 'breachingSoon');
    log('widgets');
    const widgets = Object.fromEntries(ticketWidgets.map((w) => [w, against(GOALS.widget_p95_ms, repeat(30, widget(w, tech)))]));
    const dashboard = (ids: readonly WidgetId[], who: Ctx) => () => ids.forEach((w) => widget(w, who)());
    log('role dashboards');
    const role = (ids: readonly WidgetId[], who: Ctx) => against(GOALS.role_dashboard_p95_ms, repeat(15, dashboard(ids, who)));
    const dashboards = {
      team_lead: role(TEAM_LEAD_DASHBOARD, tech),
      technician: role(ROLE_DASHBOARDS.technician, tech),
      administrator: role(ROLE_DASHBOARDS.admin, admin),
      auditor_ticket_widgets: role(ROLE_DASHBOARDS.auditor, admin),
    };
    const kpisGetEverything = repeat(5, () => getKpis(tech, filter)).wall;

    // A single edit (reassign, then a status move) with the figures kept, and with the history
    // triggers dropped and the business-hours derivation timed apart: alternating rounds.
    log('edits');
    const open = sqlite.prepare('SELECT id FROM tickets WHERE is_open = 1 AND scope_id = ? ORDER BY random() LIMIT 400').pluck().all(site) as string[];
    const groups = sqlite.prepare('SELECT id FROM groups ORDER BY id').pluck().all() as string[];
    const FIGURE_TRIGGERS = "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'tickets_figures_%'";
    const triggers = sqlite.prepare(FIGURE_TRIGGERS).all() as { name: string; sql: string }[];
    if (!triggers.length) throw new Error('The store has no figure triggers to measure (tickets_figures_*).');
    const setup = loadSlaSetup(sqlite);
    const facts = sqlite.prepare(`${FACTS} WHERE id = ?`);
    const withFigures: number[] = [];
    const without: number[] = [];
    const derive: number[] = [];
    // The same edits in this process's CPU time (user + system): on a loaded machine the wall time
    // mostly measures waiting for a core, the CPU time what the edit costs.
    const cpu = { kept: [] as number[], bare: [] as number[] };
    let n = 0;
    const edit = (id: string, cpuInto: number[]) => {
      const i = n++;
      const u = process.cpuUsage();
      const wall = time(() => {
        updateTicket(tech, id, { groupId: groups[i % groups.length]! });
        const cur = sqlite.prepare('SELECT status FROM tickets WHERE id = ?').pluck().get(id) as string;
        transitionTicket(tech, id, cur === 'pending' ? { to: 'in_progress' } : { to: 'pending', reason: 'customer' });
      });
      const d = process.cpuUsage(u);
      cpuInto.push((d.user + d.system) / 1000);
      return wall;
    };
    // Eight rounds of 25 and 25 (short rounds, so a change in the machine's load falls on both sides).
    for (let round = 0; round < 8; round++) {
      const slice = open.slice(round * 50, round * 50 + 50);
      for (const id of slice.slice(0, 25)) withFigures.push(edit(id, cpu.kept));
      for (const t of triggers) sqlite.exec(`DROP TRIGGER ${t.name}`);
      for (const id of slice.slice(25)) {
        without.push(edit(id, cpu.bare));
        // The edit above made two writes, each deriving the ticket's business hours once from the row
        // it reads anyway (and writing them only when they change): time that work alone.
        const t = facts.get(id) as Facts;
        derive.push(
          2 *
            time(() => {
              const d = businessDurations(setup, t);
              return d.response !== t.response_business_ms || d.resolve !== t.resolve_business_ms;
            }),
        );
      }
      for (const t of triggers) sqlite.exec(t.sql);
    }
    const kept = stats(withFigures);
    const bare = stats(without.map((t, i) => t - derive[i]!));
    const pct = (a: number, b: number) => Math.round(((a - b) / b) * 1000) / 10;
    const overheadPct = pct(kept.median_ms, bare.median_ms);
    const overheadP95Pct = pct(kept.p95_ms, bare.p95_ms);
    const cpuKept = stats(cpu.kept);
    const cpuBare = stats(cpu.bare.map((t, i) => t - derive[i]!));

    const count = (sql: string) => sqlite.prepare(sql).pluck().get() as number;
    console.log(
      JSON.stringify(
        {
          tickets: count('SELECT count(*) FROM tickets'),
          history_rows: count('SELECT count(*) FROM ticket_history'),
          filter: { period_days: 30, site: 'busiest of three', tickets_opened_in_period_at_site: inPeriod },
          first_open_with_migration_ms: Math.round(migrateMs),
          policy_save_deriving_every_ticket_ms: policySaveMs === null ? 'not measured (store reused with its policy)' : Math.round(policySaveMs),
          widget: widgets,
          widget_worst_p95_ms: Math.max(...Object.values(widgets).map((s) => s.p95_ms)),
          role_dashboard: dashboards,
          kpis_get_every_part: kpisGetEverything,
          edit_reassign_plus_status: {
            figures_kept: { p50_ms: kept.median_ms, p95_ms: kept.p95_ms, n: kept.n, max_ms: kept.max_ms },
            figures_not_kept: { p50_ms: bare.median_ms, p95_ms: bare.p95_ms, n: bare.n, max_ms: bare.max_ms },
            overhead_pct_of_median: overheadPct,
            overhead_pct_of_p95: overheadP95Pct,
            cpu_time: {
              figures_kept_p50_ms: cpuKept.median_ms,
              figures_not_kept_p50_ms: cpuBare.median_ms,
              overhead_pct_of_median: pct(cpuKept.median_ms, cpuBare.median_ms),
            },
            goal_overhead_pct: GOALS.edit_overhead_pct,
            met: overheadPct <= GOALS.edit_overhead_pct,
          },
          goals: GOALS,
          load_average: os.loadavg().map((x) => Math.round(x * 100) / 100),
          note: 'figures kept = history triggers + business-hours derivation; goals are judged on wall time; on a shared machine wall time grows with its load (load_average at the end of the run), cpu_* is the same runs in this process’s CPU time',
        },
        null,
        2,
      ),
    );
  } finally {
    store.close();
  }
}

main();
