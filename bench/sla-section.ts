/**
 * The `sla` section of `npm run bench`: an SLA policy on office hours is saved (which recomputes
 * every open ticket's deadline in the same transaction, timed), then a full recompute on its own,
 * then pages of "Breaching soon" and its count.
 */
import type { Ctx } from '../src/main/services/core/context';
import { deletePolicy, saveCalendar, savePolicy } from '../src/main/services/sla/settings';
import { recomputeAllSla } from '../src/main/services/sla/recompute';
import { listTickets } from '../src/main/services/tickets/queue';

export interface Timer {
  time(fn: () => void): number;
  repeat(n: number, fn: (i: number) => void): { median_ms: number; p95_ms: number; max_ms: number; n: number };
}

/** `label` tells apart the calendars of several rounds on one store. */
export function slaSection(admin: Ctx, tech: Ctx, t: Timer, label = '') {
  const sqlite = admin.store.sqlite;
  const open = sqlite.prepare('SELECT count(*) FROM tickets WHERE is_open = 1 AND deleted_hlc IS NULL').pluck().get() as number;
  const cal = saveCalendar(admin, {
    name: `Bench office${label}`,
    timezone: 'Europe/London',
    hours: [1, 2, 3, 4, 5].map((d) => [d, 480, 1080] as [number, number, number]),
    holidays: [{ date: '2026-12-25', name: 'Christmas Day' }, { date: '2026-12-28', name: 'Boxing Day (substitute)' }],
  });
  let policyId = '';
  const save = t.time(() => {
    policyId = savePolicy(admin, {
      name: `Bench standard${label}`,
      position: 0,
      active: true,
      type: null,
      category: null,
      siteId: null,
      calendarId: cal.id,
      warnShare: 0.75,
      targets: { '1': { response: 15, resolution: 240 }, '2': { response: 60, resolution: 480 }, '3': { response: 240, resolution: 1440 }, '4': { response: 480, resolution: 4800 } },
      escalations: [],
    }).id;
  });
  let recomputed = { tickets: 0, changed: 0 };
  const again = t.time(() => {
    recomputed = sqlite.transaction(() => recomputeAllSla(sqlite)).immediate();
  });
  const running = sqlite.prepare('SELECT count(*) FROM tickets WHERE sla_due_at IS NOT NULL').pluck().get() as number;
  const page = t.repeat(30, () => listTickets(tech, { view: 'breaching_soon', filter: {}, limit: 50 }));
  const withTotal = t.repeat(10, () => listTickets(tech, { view: 'breaching_soon', filter: {}, limit: 50, withTotal: true }));
  const total = listTickets(tech, { view: 'breaching_soon', filter: {}, limit: 1, withTotal: true }).total;
  deletePolicy(admin, policyId);
  return {
    open_tickets: open,
    running_clocks: running,
    breaching_soon: total,
    save_policy_with_recompute_ms: Math.round(save),
    recompute_all_open_ms: Math.round(again),
    recompute_tickets_per_sec: Math.round((recomputed.tickets / again) * 1000),
    breaching_soon_page: page,
    breaching_soon_page_with_count: withTotal,
  };
}
