/**
 * `npm run bench:dashboards -- [--tickets 1000000] [--store DIR]`: every dashboard widget over a store
 * of generated tickets with the period (last 30 days) and site filters set, each role's whole home
 * dashboard, and what keeping the per-ticket figures adds to a single edit. The store is seeded once
 * into DIR (default /tmp/outpost-dashboards-bench) and reused. Prints JSON; asserts nothing.
 */
import path from 'node:path';
import { openStore } from '../src/main/db/open';
import { systemClock, type Actor, type Ctx } from '../src/main/services/core/context';
import { loadActor } from '../src/main/services/directory/users';
import { getKpis } from '../src/main/services/kpis/kpis';
import { listTickets } from '../src/main/services/tickets/queue';
import { transitionTicket, updateTicket } from '../src/main/services/tickets/tickets';
import { saveCalendar, savePolicy } from '../src/main/services/sla/settings';
import { deriveBusinessFigures } from '../src/main/services/sla/figures';
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

function stats(samples: number[]) {
  const s = [...samples].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.ceil(p * s.length) - 1)]!;
  const r = (x: number) => Math.round(x * 100) / 100;
  return { n: s.length, median_ms: r(q(0.5)), p95_ms: r(q(0.95)), max_ms: r(s[s.length - 1]!) };
}
function time(fn: () => unknown): number {
  const t = performance.now();
  fn();
  return performance.now() - t;
}
function repeat(n: number, fn: () => unknown) {
  fn();
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(time(fn));
  return stats(out);
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
    const widgets = Object.fromEntries(ticketWidgets.map((w) => [w, repeat(30, widget(w, tech))]));
    const dashboard = (ids: readonly WidgetId[], who: Ctx) => () => ids.forEach((w) => widget(w, who)());
    log('role dashboards');
    const dashboards = {
      team_lead: repeat(15, dashboard(TEAM_LEAD_DASHBOARD, tech)),
      technician: repeat(15, dashboard(ROLE_DASHBOARDS.technician, tech)),
      administrator: repeat(15, dashboard(ROLE_DASHBOARDS.admin, admin)),
      auditor_ticket_widgets: repeat(15, dashboard(ROLE_DASHBOARDS.auditor, admin)),
      kpis_get_everything: repeat(5, () => getKpis(tech, filter)),
    };

    // A single edit (reassign, then a status move) with the figures kept, and with the history
    // triggers dropped and the business-hours derivation timed apart: alternating rounds.
    log('edits');
    const open = sqlite.prepare('SELECT id FROM tickets WHERE is_open = 1 AND scope_id = ? ORDER BY random() LIMIT 400').pluck().all(site) as string[];
    const groups = sqlite.prepare('SELECT id FROM groups ORDER BY id').pluck().all() as string[];
    const triggers = sqlite.prepare("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'ticket_figures_%'").pluck().all() as string[];
    const withFigures: number[] = [];
    const without: number[] = [];
    const derive: number[] = [];
    let n = 0;
    const edit = (id: string) => {
      const i = n++;
      return time(() => {
        updateTicket(tech, id, { groupId: groups[i % groups.length]! });
        const cur = sqlite.prepare('SELECT status FROM tickets WHERE id = ?').pluck().get(id) as string;
        transitionTicket(tech, id, cur === 'pending' ? { to: 'in_progress' } : { to: 'pending', reason: 'customer' });
      });
    };
    for (let round = 0; round < 4; round++) {
      const slice = open.slice(round * 100, round * 100 + 100);
      for (const id of slice.slice(0, 50)) withFigures.push(edit(id));
      for (const t of sqlite.prepare("SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'ticket_figures_%'").pluck().all() as string[]) sqlite.exec(`DROP TRIGGER ${t}`);
      for (const id of slice.slice(50)) {
        without.push(edit(id));
        // The edit above ran recomputeSla, which derives business hours twice (once per write): time that work alone.
        derive.push(2 * time(() => deriveBusinessFigures(sqlite, [id])));
      }
      for (const t of triggers) sqlite.exec(t);
    }
    const kept = stats(withFigures);
    const bare = stats(without.map((t, i) => t - derive[i]!));
    const overheadPct = Math.round(((kept.median_ms - bare.median_ms) / bare.median_ms) * 1000) / 10;

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
          edit_reassign_plus_status: { figures_kept: kept, figures_not_kept: bare, overhead_pct_of_median: overheadPct },
          goals: { widget_p95_ms: 50, role_dashboard_ms: 300, edit_overhead_pct: 10 },
          note: 'one run on a shared, loaded 2-core machine; figures kept = history triggers + business-hours derivation',
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
