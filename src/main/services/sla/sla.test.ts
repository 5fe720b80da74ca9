import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { countRows, makeWorld, type World } from '../../testing';
import type { Actor } from '../core/context';
import { createTicket, getTicketDetail, loadTicket, transitionTicket } from '../tickets/tickets';
import { createGroup } from '../directory/groups';
import { listTickets, viewCounts } from '../tickets/queue';
import { deletePolicy, saveCalendar, savePolicy } from './settings';
import { runEscalations, escalationNotices } from './escalate';
import { listAlerts } from '../alerts/alerts';
import { ticketSlaView } from './view';
import { recomputeAllSla } from './recompute-job';
import { dryRun, saveRule } from '../routing/routing';
import { AppError } from '../../../shared/result';

const H = 3_600_000;
let w: World;
let tech: Actor;
let lead: Actor;

beforeEach(() => {
  w = makeWorld(); // Monday 2 March 2026, 09:00 UTC
  tech = w.user('technician', 'tina');
  lead = w.user('technician', 'lena');
});
afterEach(() => w.dispose());

function officePolicy(extra: Partial<Parameters<typeof savePolicy>[1]> = {}) {
  const admin = w.ctx(w.admin);
  const cal = saveCalendar(admin, { name: 'London office', timezone: 'Europe/London', hours: [1, 2, 3, 4, 5].map((d) => [d, 540, 1020] as [number, number, number]), holidays: [] });
  return savePolicy(admin, {
    name: 'Standard',
    position: 0,
    active: true,
    type: null,
    category: null,
    siteId: null,
    calendarId: cal.id,
    warnShare: 0.75,
    targets: { '4': { response: 60, resolution: 8 * 60 } },
    escalations: [],
    ...extra,
  });
}

describe('SLA deadlines on the device', () => {
  it('derives a new ticket’s deadline from the policy and shows it in the queue and in "Breaching soon" once the warning share passes', () => {
    officePolicy();
    const t = createTicket(w.ctx(tech), { type: 'incident', title: 'Printer jammed' });
    const row = listTickets(w.ctx(tech), { view: 'all_open', filter: {}, limit: 10 }).items.find((r) => r.id === t.id)!;
    // The response clock (1 h) is the nearer deadline.
    expect(row).toMatchObject({ slaState: 'running', slaClock: 'response', slaDueAt: Date.parse('2026-03-02T10:00:00Z'), slaWarnAt: Date.parse('2026-03-02T09:45:00Z') });
    expect(listTickets(w.ctx(tech), { view: 'breaching_soon', filter: {}, limit: 10 }).items).toEqual([]);
    w.clock.set('2026-03-02T09:50:00Z');
    expect(listTickets(w.ctx(tech), { view: 'breaching_soon', filter: {}, limit: 10 }).items.map((r) => r.id)).toEqual([t.id]);
    expect(viewCounts(w.ctx(tech)).find((v) => v.view === 'breaching_soon')?.count).toBe(1);
    expect(ticketSlaView(w.ctx(tech), t.id).clocks.map((c) => [c.clock, c.level])).toEqual([
      ['response', 'warning'],
      ['resolution', 'ok'],
    ]);
  });

  it('pauses while pending on the customer, resumes after, and records what applied at resolution', () => {
    const p = officePolicy();
    const t = createTicket(w.ctx(tech), { type: 'incident', title: 'VPN drops' });
    w.clock.set('2026-03-02T10:00:00Z');
    transitionTicket(w.ctx(tech), t.id, { to: 'in_progress' });
    w.clock.set('2026-03-02T11:00:00Z');
    transitionTicket(w.ctx(tech), t.id, { to: 'pending', reason: 'customer' });
    const paused = listTickets(w.ctx(tech), { view: 'all_open', filter: {}, limit: 10 }).items[0]!;
    expect(paused).toMatchObject({ slaState: 'paused', slaDueAt: null, slaLeftMs: 6 * H });
    w.clock.set('2026-03-04T09:00:00Z');
    transitionTicket(w.ctx(tech), t.id, { to: 'in_progress' });
    // 2 h used before the pause: 6 h left from Wednesday 09:00.
    expect(listTickets(w.ctx(tech), { view: 'all_open', filter: {}, limit: 10 }).items[0]).toMatchObject({ slaState: 'running', slaClock: 'resolution', slaDueAt: Date.parse('2026-03-04T15:00:00Z') });
    w.clock.set('2026-03-04T16:00:00Z');
    transitionTicket(w.ctx(tech), t.id, { to: 'resolved', resolutionCode: 'solved_permanently', resolutionNotes: 'New profile' });
    const row = w.store.sqlite.prepare('SELECT sla_met, sla_policy_id, sla_response_met, sla_resolution_target_minutes, sla_state, sla_due_at, sla_left_ms FROM tickets WHERE id = ?').get(t.id);
    expect(row).toEqual({ sla_met: 0, sla_policy_id: p.id, sla_response_met: 1, sla_resolution_target_minutes: 480, sla_state: 'stopped', sla_due_at: null, sla_left_ms: -1 * H });
    // The resolution travels with the transition op.
    const op = w.store.sqlite.prepare("SELECT payload FROM pending_ops WHERE entity = 'tickets' AND kind = 'transition' ORDER BY device_seq DESC LIMIT 1").pluck().get() as string;
    expect(JSON.parse(op).fields).toMatchObject({ sla_met: 0, sla_policy_id: p.id, sla_response_met: 1, sla_resolution_target_minutes: 480 });
  });

  it('recomputes open tickets when a policy changes, and clears them when it goes', () => {
    const p = officePolicy();
    const t = createTicket(w.ctx(tech), { type: 'incident', title: 'Slow laptop' });
    savePolicy(w.ctx(w.admin), { ...p, targets: { '4': { response: null, resolution: 120 } } });
    expect(loadRow(t.id)).toMatchObject({ sla_clock: 'resolution', sla_due_at: Date.parse('2026-03-02T11:00:00Z') });
    deletePolicy(w.ctx(w.admin), p.id);
    expect(loadRow(t.id)).toMatchObject({ sla_state: null, sla_due_at: null });
    expect(recomputeAllSla(w.store.sqlite)).toEqual({ tickets: 0, changed: 0 });
  });

  it('refuses bad settings with a clear reason', () => {
    const admin = w.ctx(w.admin);
    expect(() => savePolicy(admin, { name: 'x', position: 0, active: true, type: null, category: null, siteId: null, calendarId: 'nope', warnShare: 0.75, targets: {}, escalations: [] })).toThrow(/No such calendar/);
    const lvl = { key: 'a', clock: 'resolution' as const, at: 'warning' as const, offsetMinutes: 0, raisePriority: true, groupId: null, assigneeId: null, watcherId: null, notify: false };
    const e = (() => {
      try {
        officePolicy({ escalations: [lvl, lvl] });
      } catch (x) {
        return x as AppError;
      }
      return null;
    })();
    expect(e?.message).toMatch(/share the key “a”/);
  });
});

function loadRow(id: string) {
  return w.store.sqlite.prepare('SELECT sla_state, sla_clock, sla_due_at, sla_warn_at FROM tickets WHERE id = ?').get(id) as Record<string, unknown>;
}

describe('escalation', () => {
  it('fires each level once, raising priority, reassigning, adding a watcher and notifying', () => {
    const group = createGroup(w.ctx(w.admin), { name: 'Second line', memberIds: [lead.id] });
    officePolicy({
      escalations: [
        { key: 'warn', clock: 'resolution', at: 'warning', offsetMinutes: 0, raisePriority: true, groupId: null, assigneeId: null, watcherId: lead.id, notify: true },
        { key: 'breach', clock: 'resolution', at: 'breach', offsetMinutes: 30, raisePriority: false, groupId: group.id, assigneeId: lead.id, watcherId: null, notify: true },
      ],
    });
    const t = createTicket(w.ctx(tech), { type: 'incident', title: 'Mail down', assigneeId: tech.id });
    transitionTicket(w.ctx(tech), t.id, { to: 'in_progress' });
    expect(runEscalations(w.ctx(tech)).fired).toEqual([]);
    w.clock.set('2026-03-02T15:00:00Z'); // 6 h of 8: the warning
    const first = runEscalations(w.ctx(tech));
    expect(first.fired.map((f) => f.level)).toEqual(['warn']);
    expect(loadTicket(w.store.sqlite, t.id)?.priority).toBe(3);
    expect(getTicketDetail(w.ctx(tech), t.id).watchers.map((x) => x.userId)).toContain(lead.id);
    expect(runEscalations(w.ctx(tech)).fired).toEqual([]);
    // Raising the priority changed the policy's targets for P3 (none here): the ticket has no SLA now.
    w.clock.set('2026-03-02T17:30:00Z');
    expect(runEscalations(w.ctx(tech)).fired).toEqual([]);
    expect(countRows(w.store, 'ticket_escalations')).toBe(1);
    expect(escalationNotices(w.ctx(lead)).map((n) => n.summary)).toEqual(['Resolution warning (level warn): priority raised to P3 Moderate, watcher added, team notified']);
    const timeline = getTicketDetail(w.ctx(tech), t.id).timeline.filter((e) => e.kind === 'field' && e.field === 'escalation');
    expect(timeline).toHaveLength(1);
    // The notified person (the watcher it added) finds it in their alerts bell, opening the ticket by number.
    const bell = listAlerts(w.ctx(lead), { kinds: ['escalation_notice'], horizonDays: 30, limit: 10 });
    expect(bell.counts.escalation_notice).toBe(1);
    expect(bell.items[0]).toMatchObject({ kind: 'escalation_notice', title: `${t.number} escalated`, recordType: 'ticket', recordId: t.id, recordNumber: t.number });
    expect(bell.items[0]!.detail).toContain('Mail down');
    // Someone who neither works nor watches the ticket is not notified.
    const other = w.user('technician', 'otto');
    expect(listAlerts(w.ctx(other), { kinds: ['escalation_notice'], horizonDays: 30, limit: 10 }).counts.escalation_notice).toBe(0);
  });

  it('escalates at breach plus its offset on the policy that still applies', () => {
    const group = createGroup(w.ctx(w.admin), { name: 'Second line', memberIds: [lead.id] });
    officePolicy({
      targets: { '4': { response: null, resolution: 120 } },
      escalations: [{ key: 'breach', clock: 'resolution', at: 'breach', offsetMinutes: 30, raisePriority: false, groupId: group.id, assigneeId: lead.id, watcherId: null, notify: false }],
    });
    const t = createTicket(w.ctx(tech), { type: 'incident', title: 'Disk full', assigneeId: tech.id });
    w.clock.set('2026-03-02T11:20:00Z');
    expect(runEscalations(w.ctx(tech)).fired).toEqual([]);
    w.clock.set('2026-03-02T11:30:00Z');
    expect(runEscalations(w.ctx(tech)).fired.map((f) => f.summary)).toEqual(['Resolution breach (level breach): reassigned to another group, reassigned']);
    expect(loadTicket(w.store.sqlite, t.id)).toMatchObject({ groupId: group.id, assigneeId: lead.id });
    expect(ticketSlaView(w.ctx(tech), t.id).escalations).toHaveLength(1);
  });
});

describe('routing on creation', () => {
  it('routes by the first matching rule, takes turns in the group, and says so in the history', () => {
    const group = createGroup(w.ctx(w.admin), { name: 'Network', memberIds: [tech.id, lead.id] });
    const admin = w.ctx(w.admin);
    saveRule(admin, { name: 'Printers', position: 0, active: true, conditions: { words: ['printer'] }, actions: { priority: 2, tags: ['printing'] } });
    saveRule(admin, { name: 'Network', position: 1, active: true, conditions: { types: ['incident'], words: ['vpn', 'wifi'] }, actions: { groupId: group.id, turn: 'round_robin' } });
    const a = createTicket(w.ctx(w.admin), { type: 'incident', title: 'VPN will not connect' });
    w.clock.advance(60_000);
    const b = createTicket(w.ctx(w.admin), { type: 'incident', title: 'Wifi slow on floor 2' });
    expect([a.groupId, b.groupId]).toEqual([group.id, group.id]);
    expect(new Set([a.assigneeId, b.assigneeId])).toEqual(new Set([tech.id, lead.id]));
    const c = createTicket(w.ctx(w.admin), { type: 'request', title: 'New printer toner' });
    expect(c.priority).toBe(2);
    const d = getTicketDetail(w.ctx(w.admin), c.id);
    expect(d.tags).toEqual(['printing']);
    expect(d.timeline.some((e) => e.kind === 'field' && e.field === 'routing' && e.to === 'Routed by rule “Printers”')).toBe(true);
    // Explicit choices are kept.
    const e = createTicket(w.ctx(w.admin), { type: 'incident', title: 'VPN again', assigneeId: w.admin.id });
    expect(e.assigneeId).toBe(w.admin.id);
  });

  it('dry run names the rule and why each rule before it did not match', () => {
    const admin = w.ctx(w.admin);
    saveRule(admin, { name: 'Requests', position: 0, active: true, conditions: { types: ['request'] }, actions: { priority: 4 } });
    saveRule(admin, { name: 'Off', position: 1, active: false, conditions: {}, actions: { priority: 1 } });
    saveRule(admin, { name: 'Laptops', position: 2, active: true, conditions: { words: ['laptop'] }, actions: { priority: 2 } });
    const r = dryRun(admin, { type: 'incident', title: 'My laptop is hot', description: '', category: null, siteId: w.siteId, requesterId: null, linkedAssetId: null });
    expect(r.ruleName).toBe('Laptops');
    expect(r.trace.map((t) => [t.ruleName, t.matched, t.skipped ?? null])).toEqual([
      ['Requests', false, null],
      ['Off', false, 'inactive'],
      ['Laptops', true, null],
    ]);
    expect(r.trace[0]!.checks[0]).toEqual({ condition: 'type is request', met: false, detail: 'type is incident' });
    expect(r.outcome).toEqual({ groupName: null, assigneeName: null, priority: 2, tags: [] });
  });
});
