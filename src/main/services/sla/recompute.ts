/**
 * Keeps each ticket's SLA columns (sla_state, sla_due_at, sla_warn_at, …) in step with its status
 * history and the team's policies, inside the transaction that changed either: a ticket written
 * here, a pulled page, a policy or calendar edited. The columns are derived on the device and never
 * synced; they exist so the queue can show chips and "Breaching soon" can walk an index.
 */
import type Database from 'better-sqlite3';
import type { StatusEvent } from '../../../shared/sla/clock';
import { slaOfTicket, type TicketSlaFacts } from '../../../shared/sla/setup';
import type { TicketStatus } from '../../../shared/tickets/rules';
import { loadSlaSetup, type SlaSetup } from './load';
import { deriveTicketFigures, FACTS, type Facts } from './figures';
import { columnsOf } from './columns';
import { stmt } from '../core/stmt';

export { slaOfTicket, type TicketSla, type TicketSlaFacts } from '../../../shared/sla/setup';
export { columnsOf, type SlaColumns } from './columns';
import type { SlaColumns } from './columns';

const TICKET_FACTS = 'SELECT id, type, category, scope_id, priority, opened_at, first_response_at FROM tickets';
const FACTS_AND_DELETED = FACTS.replace(' FROM tickets', ', deleted_hlc IS NOT NULL AS deleted FROM tickets WHERE id = ?');

function historyStatement(sqlite: Database.Database) {
  return stmt(
    sqlite,
    "SELECT id, created_at AS at, to_value AS \"to\", reason FROM ticket_history WHERE ticket_id = ? AND kind = 'status' AND deleted_hlc IS NULL",
  );
}

export function historyOf(sqlite: Database.Database, ticketId: string): StatusEvent[] {
  return (historyStatement(sqlite).all(ticketId) as { id: string; at: string; to: TicketStatus; reason: string | null }[]).filter((e) => !!e.to);
}

function updateStatement(sqlite: Database.Database) {
  return stmt(
    sqlite,
    `UPDATE tickets SET sla_state = ?, sla_clock = ?, sla_due_at = ?, sla_warn_at = ?, sla_left_ms = ?
     WHERE id = ? AND (sla_state IS NOT ? OR sla_clock IS NOT ? OR sla_due_at IS NOT ? OR sla_warn_at IS NOT ? OR sla_left_ms IS NOT ?)`,
  );
}

function write(stmt: Database.Statement, id: string, c: SlaColumns): number {
  const v = [c.sla_state, c.sla_clock, c.sla_due_at, c.sla_warn_at, c.sla_left_ms];
  return stmt.run(...v, id, ...v).changes;
}

/**
 * Recomputes the given tickets (any status), with their business-hours figures: each ticket is read
 * once for both. Returns how many rows' SLA columns changed.
 */
export function recomputeSla(sqlite: Database.Database, ids: readonly string[], setup: SlaSetup = loadSlaSetup(sqlite)): number {
  if (!ids.length) return 0;
  const get = stmt(sqlite, FACTS_AND_DELETED);
  const hist = historyStatement(sqlite);
  const upd = updateStatement(sqlite);
  let changed = 0;
  for (const id of new Set(ids)) {
    const t = get.get(id) as (Facts & { deleted: number }) | undefined;
    if (!t) continue;
    // The figures are kept for a deleted ticket too (as before); its SLA clock is not.
    deriveTicketFigures(sqlite, t, setup);
    if (t.deleted) continue;
    const sla = setup.policies.length ? slaOfTicket(setup, t, hist.all(id) as StatusEvent[]) : null;
    changed += write(upd, id, columnsOf(sla));
  }
  return changed;
}

/**
 * What applied when a ticket is resolved, as the synced fields the resolution carries: the policy,
 * whether the first response met its target, and the resolution target. `resolvedEvent` is the
 * status change being written (its history row id and time).
 */
export function slaAtResolution(sqlite: Database.Database, ticketId: string, resolvedEvent: StatusEvent): Record<string, string | number | null> {
  const t = sqlite.prepare(`${TICKET_FACTS} WHERE id = ?`).get(ticketId) as TicketSlaFacts | undefined;
  const setup = loadSlaSetup(sqlite);
  const sla = t && setup.policies.length ? slaOfTicket(setup, t, [...historyOf(sqlite, ticketId), resolvedEvent]) : null;
  if (!sla) return { sla_met: null, sla_policy_id: null, sla_response_met: null, sla_resolution_target_minutes: null };
  const tg = sla.policy.targets[String(t!.priority) as '1']!;
  const bit = (m: boolean | null | undefined) => (m === true ? 1 : m === false ? 0 : null);
  return {
    sla_met: bit(sla.figures.resolution?.met),
    sla_policy_id: sla.policy.id,
    sla_response_met: bit(sla.figures.response?.met),
    sla_resolution_target_minutes: tg.resolution,
  };
}
