/** A ticket's SLA as its header shows it: both clocks read at this moment, and the escalations that fired. */
import type { Ctx } from '../core/context';
import { readClock } from '../../../shared/sla/clock';
import type { TicketSlaView } from '../../../shared/api/sla';
import { getTicketOrThrow } from '../tickets/tickets';
import { calendarOf, loadSlaSetup } from './load';
import { historyOf, slaOfTicket, type TicketSlaFacts } from './recompute';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export function ticketSlaView(ctx: Ctx, id: string): TicketSlaView {
  getTicketOrThrow(ctx, id);
  const sqlite = ctx.store.sqlite;
  const t = sqlite.prepare('SELECT id, type, category, scope_id, priority, opened_at, first_response_at, sla_policy_id, is_open FROM tickets WHERE id = ?').get(id) as TicketSlaFacts & {
    sla_policy_id: string | null;
    is_open: number;
  };
  const setup = loadSlaSetup(sqlite);
  const escalations = (
    sqlite.prepare('SELECT id, created_at AS at, summary FROM ticket_escalations WHERE ticket_id = ? AND deleted_hlc IS NULL ORDER BY created_at, id').all(id) as {
      id: string;
      at: string;
      summary: string;
    }[]
  );
  // A resolved ticket keeps the policy recorded at resolution when it still exists.
  const recorded = !t.is_open && t.sla_policy_id ? setup.policies.find((p) => p.id === t.sla_policy_id) : undefined;
  const sla = slaOfTicket(recorded ? { ...setup, policies: [{ ...recorded, active: true, type: null, category: null, siteId: null }] } : setup, t, historyOf(sqlite, id));
  if (!sla) return { policyId: null, policyName: null, calendarName: null, clocks: [], escalations };
  const now = ctx.clock.now().getTime();
  const clocks: TicketSlaView['clocks'] = [];
  for (const clock of ['response', 'resolution'] as const) {
    const c = sla.figures[clock];
    if (!c) continue;
    const v = readClock(c, now);
    clocks.push({ clock, level: v.level, targetMinutes: Math.round(c.targetMs / 60_000), dueAt: iso(v.dueAt ?? c.dueAt), warnAt: iso(c.warnAt), leftMs: v.leftMs });
  }
  return { policyId: sla.policy.id, policyName: sla.policy.name, calendarName: calendarOf(setup, sla.policy).name, clocks, escalations };
}
