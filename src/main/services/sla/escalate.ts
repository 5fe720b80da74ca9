/**
 * Escalation: each level of a ticket's SLA policy fires once, when its moment (the clock's warning
 * or its deadline, shifted by the level's offset) has passed: raise the priority, reassign to a
 * group or person, add a watcher, notify in the app. The record of a level that fired has an id
 * made from ticket + policy + level, so two devices that notice it while apart write one record
 * (the server answers the second "already recorded") and every device then knows it fired.
 * Runs on staff devices, asked by the console every minute and when the queue opens.
 */
import type { Ctx } from '../core/context';
import { requireActor, write } from '../core/write';
import { createRecord } from '../core/record';
import { setRowId } from '../core/set-ids';
import { readClock, type ClockFigures } from '../../../shared/sla/clock';
import type { EscalationLevel } from '../../../shared/sla/policy';
import { PRIORITY_LABELS, type Priority } from '../../../shared/tickets/rules';
import { appendHistory, loadTicket, updateTicket } from '../tickets/tickets';
import { watchTicket } from '../tickets/watchers';
import { loadSlaSetup } from './load';
import { historyOf, slaOfTicket, type TicketSlaFacts } from './recompute';
import type { TicketFields } from '../../../shared/api/tickets';

export function escalationId(ticketId: string, policyId: string, levelKey: string): string {
  return setRowId('ticket_escalations', ticketId, policyId, levelKey);
}

/** When a level fires for a clock, or null while that cannot be known (paused, stopped before it). */
export function momentOf(level: EscalationLevel, c: ClockFigures): number | null {
  const base = level.at === 'warning' ? c.warnAt : c.dueAt;
  if (base === null) return null;
  return base + level.offsetMinutes * 60_000;
}

export interface EscalationRun {
  checked: number;
  fired: { ticketId: string; number: string; level: string; summary: string }[];
}

/** Fires every level whose moment has passed on open tickets with a running clock. */
export function runEscalations(ctx: Ctx): EscalationRun {
  const actor = requireActor(ctx);
  const out: EscalationRun = { checked: 0, fired: [] };
  if (actor.role !== 'admin' && actor.role !== 'technician') return out;
  const sqlite = ctx.store.sqlite;
  const setup = loadSlaSetup(sqlite);
  const levels = setup.policies.flatMap((p) => p.escalations);
  if (!levels.length) return out;
  const now = ctx.clock.now().getTime();
  // A level may fire before the warning (a negative offset from the deadline): look that far ahead.
  const ahead = Math.max(0, ...levels.map((l) => -l.offsetMinutes * 60_000));
  // Administrators hold every site; a technician only theirs (none: no ticket is theirs to escalate),
  // as the server judges the ops an escalation writes.
  const held = actor.role === 'admin' ? null : new Set(actor.siteIds);
  const candidates = sqlite
    .prepare(
      `SELECT id, type, category, scope_id, priority, opened_at, first_response_at FROM tickets
       WHERE sla_warn_at IS NOT NULL AND sla_warn_at <= ? AND is_open = 1 AND deleted_hlc IS NULL`,
    )
    .all(now + ahead) as TicketSlaFacts[];
  const seen = sqlite.prepare('SELECT 1 FROM ticket_escalations WHERE id = ?');
  for (const t of candidates) {
    if (held && !held.has(t.scope_id)) continue;
    out.checked++;
    const sla = slaOfTicket(setup, t, historyOf(sqlite, t.id));
    if (!sla) continue;
    for (const level of sla.policy.escalations) {
      const clock = level.clock === 'response' ? sla.figures.response : sla.figures.resolution;
      if (!clock || clock.state !== 'running') continue;
      const at = momentOf(level, clock);
      if (at === null || at > now) continue;
      const id = escalationId(t.id, sla.policy.id, level.key);
      if (seen.get(id)) continue;
      const summary = fire(ctx, t.id, id, sla.policy.id, level, clock, at);
      if (summary) out.fired.push({ ticketId: t.id, number: loadTicket(sqlite, t.id)?.number ?? t.id, level: level.key, summary });
    }
  }
  return out;
}

/** One level, all or nothing: its record, what it does to the ticket, and a line in the ticket's history. */
function fire(ctx: Ctx, ticketId: string, id: string, policyId: string, level: EscalationLevel, clock: ClockFigures, at: number): string | null {
  const sqlite = ctx.store.sqlite;
  const run = sqlite.transaction((): string | null => {
    if (sqlite.prepare('SELECT 1 FROM ticket_escalations WHERE id = ?').get(id)) return null;
    const t = loadTicket(sqlite, ticketId);
    if (!t) return null;
    const did: string[] = [];
    const fields: TicketFields = {};
    if (level.raisePriority && t.priority > 1) {
      fields.priority = (t.priority - 1) as Priority;
      did.push(`priority raised to ${PRIORITY_LABELS[fields.priority]}`);
    }
    if (level.groupId && level.groupId !== t.groupId && sqlite.prepare('SELECT 1 FROM groups WHERE id = ? AND deleted_hlc IS NULL').get(level.groupId)) {
      fields.groupId = level.groupId;
      did.push('reassigned to another group');
    }
    if (level.assigneeId && level.assigneeId !== t.assigneeId && sqlite.prepare("SELECT 1 FROM users WHERE id = ? AND active = 1 AND role IN ('admin', 'technician')").get(level.assigneeId)) {
      fields.assigneeId = level.assigneeId;
      did.push('reassigned');
    }
    // The edits' history lines take their ids from the escalation's: one line each, whichever devices fired it.
    if (Object.keys(fields).length) updateTicket(ctx, ticketId, fields, id);
    if (level.watcherId && sqlite.prepare('SELECT 1 FROM users WHERE id = ? AND active = 1').get(level.watcherId)) {
      watchTicket(ctx, ticketId, level.watcherId);
      did.push('watcher added');
    }
    if (level.notify) did.push('team notified');
    const view = readClock(clock, at);
    const what = `${level.clock === 'response' ? 'First response' : 'Resolution'} ${level.at === 'warning' ? 'warning' : view.level === 'breached' ? 'breach' : 'deadline'}`;
    const summary = `${what} (level ${level.key}): ${did.length ? did.join(', ') : 'recorded'}`;
    write(ctx, (w) => {
      createRecord(ctx, w, 'ticket_escalations', id, t.siteId, {
        ticket_id: ticketId,
        policy_id: policyId,
        level_key: level.key,
        clock: level.clock,
        moment: level.at,
        deadline: new Date((level.at === 'warning' ? clock.warnAt : clock.dueAt) ?? at).toISOString(),
        summary,
      });
      // The history line's id comes from the escalation's too: a second device that fired the same
      // level while apart adds no second line.
      appendHistory(sqlite, w, ticketId, t.siteId, { kind: 'field', field: 'escalation', from: null, to: summary, id: setRowId('ticket_history', id) });
    });
    return summary;
  });
  return run.immediate();
}

export interface EscalationNotice {
  id: string;
  ticketId: string;
  number: string;
  title: string;
  summary: string;
  at: string;
}

/** Escalations that asked to notify, on open tickets the person works on (assignee, group member, watcher) or any for an administrator. */
export function escalationNotices(ctx: Ctx, limit = 50): EscalationNotice[] {
  const actor = requireActor(ctx);
  const sqlite = ctx.store.sqlite;
  const rows = sqlite
    .prepare(
      `SELECT e.id, e.ticket_id AS ticketId, t.number, t.title, e.summary, e.created_at AS at, e.policy_id AS policyId, e.level_key AS levelKey
       FROM ticket_escalations e JOIN tickets t ON t.id = e.ticket_id
       WHERE e.deleted_hlc IS NULL AND t.is_open = 1 AND t.deleted_hlc IS NULL
         AND (? = 'admin' OR t.assignee_id = ? OR t.group_id IN (SELECT group_id FROM group_members WHERE user_id = ? AND deleted_hlc IS NULL)
              OR t.id IN (SELECT ticket_id FROM ticket_watchers WHERE user_id = ? AND deleted_hlc IS NULL))
       ORDER BY e.created_at DESC LIMIT ?`,
    )
    .all(actor.role, actor.id, actor.id, actor.id, limit * 4) as (EscalationNotice & { policyId: string; levelKey: string })[];
  const notify = new Set(loadSlaSetup(sqlite).policies.flatMap((p) => p.escalations.filter((l) => l.notify).map((l) => `${p.id}/${l.key}`)));
  return rows
    .filter((r) => notify.has(`${r.policyId}/${r.levelKey}`))
    .slice(0, limit)
    .map(({ policyId: _p, levelKey: _l, ...n }) => n);
}
