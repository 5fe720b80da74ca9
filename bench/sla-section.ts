/**
 * The `sla` section of `npm run bench`: an SLA policy on office hours is saved (the save returns and
 * the recompute it asks for runs after, in chunks, as the app's background job runs it: timed apart,
 * with its chunks and the longest one), then a full recompute on its own (the open tickets; the
 * business-hours figures follow a setup that did not change), an edit of the policy's targets. The
 * pages of "Breaching soon" and its count are measured after (`breachingSoonCases`), while the policy
 * is in place, and `done` removes the policy.
 */
import type { Ctx } from '../src/main/services/core/context';
import { deletePolicy, saveCalendar, savePolicy } from '../src/main/services/sla/settings';
import { finishSlaRecompute, recomputeAllSla, type RecomputeTotals } from '../src/main/services/sla/recompute-job';
import { listTickets } from '../src/main/services/tickets/queue';

export interface Timer {
  time(fn: () => void): number;
  /** Wall time, the process's CPU time, and the main thread's CPU time and page reads from the file (cache misses) of one call. */
  counted(fn: () => void): { ms: number; cpuMs: number; cpu: number | null; reads: number | null };
}

/** `label` tells apart the calendars of several rounds on one store. */
export function slaWrites(admin: Ctx, tech: Ctx, t: Timer, label = '') {
  const sqlite = admin.store.sqlite;
  const openTickets = sqlite.prepare('SELECT count(*) FROM tickets WHERE is_open = 1 AND deleted_hlc IS NULL').pluck().get() as number;
  const cal = saveCalendar(admin, {
    name: `Bench office${label}`,
    timezone: 'Europe/London',
    hours: [1, 2, 3, 4, 5].map((d) => [d, 480, 1080] as [number, number, number]),
    holidays: [{ date: '2026-12-25', name: 'Christmas Day' }, { date: '2026-12-28', name: 'Boxing Day (substitute)' }],
  });
  finishSlaRecompute(sqlite); // what the calendar asked for (nothing to compute without a policy), untimed
  let policyId = '';
  const policy = {
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
  };
  const save = t.time(() => {
    policyId = savePolicy(admin, policy).id;
  });
  // What the background job does after the save, chunk after chunk (a store of a few thousand tickets did it inside the save).
  const afterSave = finishSlaRecompute(sqlite);
  // A full recompute on its own: every open ticket (the business-hours figures follow a setup that did not change).
  let open: { tickets: number; changed: number } = { tickets: 0, changed: 0 };
  const again = t.counted(() => {
    open = recomputeAllSla(sqlite);
  });
  // An edit of the targets: the open tickets' deadlines move, the business-hours figures do not.
  const edit = t.time(() => {
    savePolicy(admin, { ...policy, id: policyId, targets: { ...policy.targets, '3': { response: 300, resolution: 1500 } } });
  });
  const afterEdit = finishSlaRecompute(sqlite);
  const chunks = (r: RecomputeTotals) => ({
    open_tickets: r.tickets,
    open_ms: Math.round(r.openMs),
    open_tickets_per_sec: r.openMs ? Math.round((r.tickets / r.openMs) * 1000) : 0,
    figures_tickets: r.figures,
    figures_ms: Math.round(r.figuresMs),
    changed_rows: r.changed,
    chunks: r.chunks,
    longest_chunk_ms: Math.round(r.longestChunkMs * 10) / 10,
  });
  const running = sqlite.prepare('SELECT count(*) FROM tickets WHERE sla_due_at IS NOT NULL').pluck().get() as number;
  const total = listTickets(tech, { view: 'breaching_soon', filter: {}, limit: 1, withTotal: true }).total;
  return {
    figures: {
      open_tickets: openTickets,
      running_clocks: running,
      breaching_soon: total,
      save_policy_ms: Math.round(save),
      recompute_after_save: chunks(afterSave),
      save_policy_with_recompute_ms: Math.round(save + afterSave.openMs + afterSave.figuresMs),
      recompute_all_open_ms: Math.round(again.ms),
      // The same recompute's CPU time (every thread: the checkpoint worker's included; then the main thread's alone) and its page reads from the file.
      recompute_all_open_cpu_ms: Math.round(again.cpuMs),
      recompute_all_open_main_thread_cpu_ms: again.cpu === null ? -1 : Math.round(again.cpu),
      recompute_all_open_page_reads: again.reads ?? -1,
      recompute_tickets_per_sec: Math.round((open.tickets / again.ms) * 1000),
      edit_targets_ms: Math.round(edit),
      recompute_after_edit: chunks(afterEdit),
    },
    /** Removes the policy and what it asked for, untimed. */
    done() {
      deletePolicy(admin, policyId);
      finishSlaRecompute(sqlite);
    },
  };
}

/** The page of "Breaching soon" and the same with its count, as the console asks for them. */
export function breachingSoonCases(tech: Ctx): Record<'breaching_soon_page' | 'breaching_soon_page_with_count', () => unknown> {
  return {
    breaching_soon_page: () => listTickets(tech, { view: 'breaching_soon', filter: {}, limit: 50 }),
    breaching_soon_page_with_count: () => listTickets(tech, { view: 'breaching_soon', filter: {}, limit: 50, withTotal: true }),
  };
}
