/**
 * Keeps each ticket's SLA columns (sla_state, sla_due_at, sla_warn_at, …) in step with its status
 * history and the team's policies, inside the transaction that changed either: a ticket written
 * here, a pulled page, a policy or calendar edited. The columns are derived on the device and never
 * synced; they exist so the queue can show chips and "Breaching soon" can walk an index.
 */
import type Database from 'better-sqlite3';
import type { ClockFigures, StatusEvent } from '../../../shared/sla/clock';
import { slaOfTicket, type TicketSla, type TicketSlaFacts } from '../../../shared/sla/setup';
import type { TicketStatus } from '../../../shared/tickets/rules';
import { loadSlaSetup, type SlaSetup } from './load';
import { deriveTicketFigures, FACTS, rebuildBusinessFigures, type Facts } from './figures';
import { stmt } from '../core/stmt';

export { slaOfTicket, type TicketSla, type TicketSlaFacts } from '../../../shared/sla/setup';

const RECOMPUTE_CHUNK = 5000;

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

export interface SlaColumns {
  sla_state: 'running' | 'paused' | 'stopped' | null;
  sla_clock: 'response' | 'resolution' | null;
  sla_due_at: number | null;
  sla_warn_at: number | null;
  sla_left_ms: number | null;
}

const NONE: SlaColumns = { sla_state: null, sla_clock: null, sla_due_at: null, sla_warn_at: null, sla_left_ms: null };

/** The stored form: the running clock with the nearest deadline, else the paused or stopped resolution clock. */
export function columnsOf(sla: TicketSla | null): SlaColumns {
  if (!sla) return NONE;
  const { response, resolution } = sla.figures;
  const running = ([['response', response], ['resolution', resolution]] as const).filter(
    (x): x is readonly ['response' | 'resolution', ClockFigures] => !!x[1] && x[1].state === 'running' && x[1].dueAt !== null,
  );
  running.sort((a, b) => a[1].dueAt! - b[1].dueAt!);
  const first = running[0];
  if (first) return { sla_state: 'running', sla_clock: first[0], sla_due_at: first[1].dueAt, sla_warn_at: first[1].warnAt ?? first[1].dueAt, sla_left_ms: null };
  const main = resolution ?? response;
  if (!main) return NONE;
  const clock = resolution ? 'resolution' : 'response';
  if (main.state === 'running') return { sla_state: 'running', sla_clock: clock, sla_due_at: null, sla_warn_at: null, sla_left_ms: null };
  return { sla_state: main.state, sla_clock: clock, sla_due_at: null, sla_warn_at: null, sla_left_ms: main.met === null && main.state === 'stopped' ? null : main.targetMs - main.elapsedMs };
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
 * Recomputes every open ticket, and clears the columns of closed ones that still hold a running
 * clock (a policy change reaches open tickets only: what applied to a resolved ticket was recorded
 * when it was resolved). History is read in one ordered pass, not one query per ticket.
 */
export function recomputeAllSla(sqlite: Database.Database, setup: SlaSetup = loadSlaSetup(sqlite)): { tickets: number; changed: number } {
  // Every ticket's business-hours figures follow the calendars (resolved ones too: they are durations, not what applied).
  rebuildBusinessFigures(sqlite, setup);
  const upd = updateStatement(sqlite);
  let changed = 0;
  let tickets = 0;
  if (!setup.policies.length) {
    changed += sqlite.prepare('UPDATE tickets SET sla_state = NULL, sla_clock = NULL, sla_due_at = NULL, sla_warn_at = NULL, sla_left_ms = NULL WHERE sla_state IS NOT NULL').run().changes;
    return { tickets: 0, changed };
  }
  // A chunk of open tickets at a time, with their status history in one ordered read.
  const chunk = sqlite.prepare(
    `SELECT t.id, t.type, t.category, t.scope_id, t.priority, t.opened_at, t.first_response_at,
            h.id AS hid, h.created_at AS hat, h.to_value AS hto, h.reason AS hreason
     FROM (SELECT id, type, category, scope_id, priority, opened_at, first_response_at FROM tickets
           WHERE is_open = 1 AND deleted_hlc IS NULL AND id > ? ORDER BY id LIMIT ?) t
     LEFT JOIN ticket_history h ON h.ticket_id = t.id AND h.kind = 'status' AND h.deleted_hlc IS NULL
     ORDER BY t.id`,
  );
  type Row = TicketSlaFacts & { hid: string | null; hat: string; hto: TicketStatus; hreason: string | null };
  let after = '';
  for (;;) {
    const rows = chunk.all(after, RECOMPUTE_CHUNK) as Row[];
    if (!rows.length) break;
    let cur: TicketSlaFacts | null = null;
    let hist: StatusEvent[] = [];
    const flush = () => {
      if (!cur) return;
      tickets++;
      changed += write(upd, cur.id, columnsOf(slaOfTicket(setup, cur, hist)));
    };
    for (const r of rows) {
      if (!cur || cur.id !== r.id) {
        flush();
        cur = { id: r.id, type: r.type, category: r.category, scope_id: r.scope_id, priority: r.priority, opened_at: r.opened_at, first_response_at: r.first_response_at };
        hist = [];
      }
      if (r.hid && r.hto) hist.push({ id: r.hid, at: r.hat, to: r.hto, reason: r.hreason });
    }
    flush();
    after = rows[rows.length - 1]!.id;
  }
  changed += sqlite
    .prepare("UPDATE tickets SET sla_state = 'stopped', sla_due_at = NULL, sla_warn_at = NULL WHERE is_open = 0 AND sla_due_at IS NOT NULL")
    .run().changes;
  return { tickets, changed };
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

/**
 * After a pulled page is written (inside its transaction): a policy or calendar change recomputes
 * every open ticket; otherwise the tickets the page touched (the tickets themselves and their
 * status history). Returns how many tickets' SLA columns changed.
 */
export function derivePulledSla(sqlite: Database.Database, changes: readonly { entity: string; id: string; data: Record<string, unknown> }[]): number {
  const ids = new Set<string>();
  for (const c of changes) {
    if (c.entity === 'sla_policies' || c.entity === 'sla_calendars') return recomputeAllSla(sqlite).changed;
    if (c.entity === 'tickets') ids.add(c.id);
    else if (c.entity === 'ticket_history') {
      const t = typeof c.data.ticket_id === 'string' ? c.data.ticket_id : (sqlite.prepare('SELECT ticket_id FROM ticket_history WHERE id = ?').pluck().get(c.id) as string | undefined);
      if (t) ids.add(t);
    }
  }
  if (!ids.size) return 0;
  const setup = loadSlaSetup(sqlite);
  // No policy: nothing to do (the common case for a team without SLAs). Columns left by a policy
  // were cleared when it was deleted, and pulled rows never carry them.
  if (!setup.policies.length) return 0;
  return recomputeSla(sqlite, [...ids], setup);
}
