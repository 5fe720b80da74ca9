/**
 * The ServiceNow event-log import on small hand-written files: what a ticket keeps from its events,
 * dry runs, row errors, and the audit trail of every imported record.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { countRows, makeWorld, type World } from '../../../testing';
import { importServiceNow, parseServiceNowTime } from './servicenow';
import { getTicketByNumber, createTicket } from '../tickets';
import { verifyChain } from '../../core/audit';
import { savePolicy } from '../../sla/settings';
import { repairImportedSla } from '../../sla/imported';

const HEADER =
  'number,incident_state,active,reassignment_count,reopen_count,sys_mod_count,made_sla,caller_id,opened_by,opened_at,sys_created_by,sys_created_at,sys_updated_by,sys_updated_at,contact_type,location,category,subcategory,u_symptom,cmdb_ci,impact,urgency,priority,assignment_group,assigned_to,knowledge,u_priority_confirmation,notify,problem_id,rfc,vendor,caused_by,closed_code,resolved_by,resolved_at,closed_at';

function row(o: { n: string; state: string; mod: number; at: string; group?: string; who?: string; reopen?: number; sla?: string; resolved?: string; closed?: string; opened?: string; priority?: string }): string {
  return [
    o.n,
    o.state,
    'TRUE',
    '0',
    String(o.reopen ?? 0),
    String(o.mod),
    o.sla ?? 'TRUE',
    'Caller 7',
    'Opened by 1',
    o.opened ?? '01-03-2016 08:00',
    'Created by 1',
    '01-03-2016 08:00',
    'Updated by 5',
    o.at,
    'Phone',
    'Location 3',
    'Category 9',
    'Subcategory 2',
    'Symptom 4',
    '?',
    '2 - Medium',
    '2 - Medium',
    o.priority ?? '3 - Moderate',
    o.group ?? 'Group 1',
    o.who ?? '?',
    'TRUE',
    'FALSE',
    'Do Not Notify',
    '?',
    '?',
    '?',
    '?',
    'code 6',
    'Resolved by 2',
    o.resolved ?? '?',
    o.closed ?? '?',
  ].join(',');
}

const FILE = [
  HEADER,
  row({ n: 'INC0000100', state: 'New', mod: 0, at: '01-03-2016 08:05' }),
  row({ n: 'INC0000100', state: 'Active', mod: 1, at: '01-03-2016 09:00', who: 'Resolver 1' }),
  row({ n: 'INC0000100', state: 'Active', mod: 2, at: '01-03-2016 10:00', group: 'Group 2', who: 'Resolver 2', priority: '2 - High' }),
  row({ n: 'INC0000100', state: 'Resolved', mod: 3, at: '01-03-2016 12:00', group: 'Group 2', who: 'Resolver 2', resolved: '01-03-2016 12:00', priority: '2 - High' }),
  row({ n: 'INC0000100', state: 'Active', mod: 4, at: '02-03-2016 09:00', group: 'Group 2', who: 'Resolver 2', reopen: 1, priority: '2 - High' }),
  row({ n: 'INC0000100', state: 'Resolved', mod: 5, at: '02-03-2016 11:00', group: 'Group 2', who: 'Resolver 2', reopen: 1, resolved: '02-03-2016 11:00', sla: 'FALSE', priority: '2 - High' }),
  row({ n: 'INC0000100', state: 'Closed', mod: 6, at: '07-03-2016 11:00', group: 'Group 2', who: 'Resolver 2', reopen: 1, resolved: '02-03-2016 11:00', closed: '07-03-2016 11:00', sla: 'FALSE', priority: '2 - High' }),
  row({ n: 'INC0000101', state: 'New', mod: 0, at: '03-03-2016 08:00', opened: '03-03-2016 08:00' }),
  row({ n: 'INC0000101', state: 'Awaiting User Info', mod: 1, at: '03-03-2016 09:30', opened: '03-03-2016 08:00', who: 'Resolver 1' }),
].join('\n');

const bytes = (text: string) => ({ bytes: Buffer.from(text, 'utf8') });

let w: World;
beforeEach(() => {
  w = makeWorld();
});
afterEach(() => w.dispose());

describe('importServiceNow', () => {
  it('reads dd-mm-yyyy HH:MM times and refuses impossible ones', () => {
    expect(parseServiceNowTime('29-02-2016 01:16')).toBe(Date.UTC(2016, 1, 29, 1, 16));
    expect(parseServiceNowTime('?')).toBeNull();
    expect(parseServiceNowTime('30-02-2016 01:16')).toBeUndefined();
    expect(parseServiceNowTime('2016-02-29 01:16')).toBeUndefined();
  });

  it('folds each incident into one ticket with its history at the file’s times', async () => {
    const ctx = w.ctx(w.admin, 'tickets.import');
    const r = await importServiceNow(ctx, bytes(FILE), { dryRun: false });
    expect(r).toMatchObject({ events: 9, incidents: 2, created: 2, updated: 0, resolved: 1, reopened: 1, reopenedPercent: 50, madeSlaPercent: 50, errors: [] });
    expect(r.people).toEqual({ created: 3, matched: 0 });
    expect(r.groups).toEqual({ created: 2, matched: 0 });

    const t = getTicketByNumber(ctx, 'INC0000100');
    expect(t).toMatchObject({ status: 'closed', priority: 2, groupName: 'Group 2', assigneeName: 'Resolver 2', requesterName: 'Caller 7', slaMet: false, contactChannel: 'phone' });
    expect(t.openedAt).toBe('2016-03-01T08:00:00.000Z');
    expect(t.firstResponseAt).toBe('2016-03-01T09:00:00.000Z');
    expect(t.resolvedAt).toBe('2016-03-02T11:00:00.000Z');
    expect(t.closedAt).toBe('2016-03-07T11:00:00.000Z');
    const statuses = t.timeline.filter((e) => e.kind === 'status').map((e) => [e.at, e.kind === 'status' ? e.to : null]);
    expect(statuses).toEqual([
      ['2016-03-01T08:00:00.000Z', 'new'],
      ['2016-03-01T09:00:00.000Z', 'in_progress'],
      ['2016-03-01T12:00:00.000Z', 'resolved'],
      ['2016-03-02T09:00:00.000Z', 'in_progress'],
      ['2016-03-02T11:00:00.000Z', 'resolved'],
      ['2016-03-07T11:00:00.000Z', 'closed'],
    ]);
    const fields = t.timeline.filter((e) => e.kind === 'field').map((e) => (e.kind === 'field' ? [e.at, e.field, e.from, e.to] : null));
    expect(fields).toContainEqual(['2016-03-01T10:00:00.000Z', 'groupId', 'Group 1', 'Group 2']);
    expect(fields).toContainEqual(['2016-03-01T10:00:00.000Z', 'assigneeId', 'Resolver 1', 'Resolver 2']);
    expect(fields).toContainEqual(['2016-03-01T10:00:00.000Z', 'priority', '3', '2']);

    const pending = getTicketByNumber(ctx, 'INC0000101');
    expect(pending).toMatchObject({ status: 'pending', pendingReason: 'customer', resolvedAt: null, slaMet: true });

    // The source number is the ticket's number here, and the counter moved past it.
    const next = createTicket(w.ctx(w.admin), { type: 'incident', title: 'Printer jam' });
    expect(Number(next.number.slice(3))).toBeGreaterThan(101);
    // Imported people cannot sign in until an administrator sets a password.
    const person = w.store.sqlite.prepare("SELECT role, active, password_hash FROM users WHERE display_name = 'Resolver 2'").get();
    expect(person).toEqual({ role: 'technician', active: 0, password_hash: 'imported$no-password' });
  });

  it('keeps a source number that is taken here as an alias that finds the ticket', async () => {
    const ctx = w.ctx(w.admin, 'tickets.import');
    for (let i = 0; i < 101; i++) createTicket(w.ctx(w.admin), { type: 'incident', title: `Local ${i}` });
    await importServiceNow(ctx, bytes(FILE), { dryRun: false });
    const byAlias = w.store.sqlite.prepare("SELECT t.number, t.source_number FROM ticket_number_aliases a JOIN tickets t ON t.id = a.ticket_id WHERE a.number = 'INC0000100'").get() as { number: string; source_number: string };
    expect(byAlias.source_number).toBe('INC0000100');
    expect(byAlias.number).not.toBe('INC0000100');
    expect(getTicketByNumber(ctx, byAlias.number).title).toBe('Symptom 4 — Category 9 / Subcategory 2');
  });

  it('gives every imported record its audit event, in one verified chain', async () => {
    await importServiceNow(w.ctx(w.admin, 'tickets.import'), bytes(FILE), { dryRun: false });
    const ids = w.store.sqlite.prepare('SELECT id FROM tickets UNION ALL SELECT id FROM ticket_history UNION ALL SELECT id FROM users WHERE password_hash = ? UNION ALL SELECT id FROM groups').pluck().all('imported$no-password') as string[];
    const audited = new Set(w.store.sqlite.prepare('SELECT record_id FROM audit_events WHERE call = ?').pluck().all('tickets.import') as string[]);
    expect(ids.length).toBeGreaterThan(10);
    expect(ids.filter((id) => !audited.has(id))).toEqual([]);
    expect(verifyChain(w.store.sqlite)).toMatchObject({ valid: true, firstBroken: null });
  });

  it('a dry run reports the same figures and writes nothing', async () => {
    const before = { tickets: countRows(w.store, 'tickets'), ops: countRows(w.store, 'pending_ops'), audit: countRows(w.store, 'audit_events'), users: countRows(w.store, 'users') };
    const dry = await importServiceNow(w.ctx(w.admin, 'tickets.import'), bytes(FILE), { dryRun: true });
    expect(dry).toMatchObject({ dryRun: true, events: 9, incidents: 2, created: 2, resolved: 1, reopened: 1, errors: [] });
    expect({ tickets: countRows(w.store, 'tickets'), ops: countRows(w.store, 'pending_ops'), audit: countRows(w.store, 'audit_events'), users: countRows(w.store, 'users') }).toEqual(before);
  });

  it('names the row and column of each bad value and writes nothing', async () => {
    const bad = [
      FILE,
      row({ n: 'INC0000102', state: 'Escalated', mod: 0, at: '03-03-2016 08:00' }),
      row({ n: 'INC0000103', state: 'New', mod: 0, at: '31-02-2016 08:00' }),
      row({ n: 'INC0000104', state: 'New', mod: 0, at: '03-03-2016 08:00', opened: '2016-03-03 08:00' }),
    ].join('\n');
    const r = await importServiceNow(w.ctx(w.admin, 'tickets.import'), bytes(bad), { dryRun: false });
    expect(r.errors.map((e) => [e.row, e.column])).toEqual([
      [10, 'incident_state'],
      [11, 'sys_updated_at'],
      [12, 'opened_at'],
    ]);
    expect(r.errors[0]!.message).toContain('"Escalated"');
    expect(r.errors[1]!.message).toContain('dd-mm-yyyy HH:MM');
    expect(countRows(w.store, 'tickets')).toBe(0);
    expect(countRows(w.store, 'ticket_history')).toBe(0);
  });

  it('refuses a file that is not an event log', async () => {
    const r = await importServiceNow(w.ctx(w.admin, 'tickets.import'), bytes('asset_tag,name\nA1,Laptop\n'), { dryRun: false });
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]).toMatchObject({ row: 0, column: '' });
    expect(r.errors[0]!.message).toMatch(/not a ServiceNow incident event log.*number/);
  });

  it('brings a ticket up to date from a later export, moving its status', async () => {
    const ctx = w.ctx(w.admin, 'tickets.import');
    const early = FILE.split('\n').slice(0, 5).join('\n');
    await importServiceNow(ctx, bytes(early), { dryRun: false });
    expect(getTicketByNumber(ctx, 'INC0000100').status).toBe('resolved');
    const later = await importServiceNow(ctx, bytes(FILE), { dryRun: false });
    expect(later).toMatchObject({ created: 1, updated: 1, unchanged: 0 });
    const t = getTicketByNumber(ctx, 'INC0000100');
    expect(t.status).toBe('closed');
    expect(t.timeline.filter((e) => e.kind === 'status')).toHaveLength(6);
    const ops = w.store.sqlite.prepare("SELECT kind FROM pending_ops WHERE entity = 'tickets' AND record_id = ? ORDER BY device_seq").pluck().all(t.id);
    expect(ops).toContain('transition');
  });
});

describe('imported pending incidents and the SLA clock', () => {
  // Waiting on the caller, then on a problem (a change of what it waits on while pending), then on the caller again, still open.
  const WAITING = [
    HEADER,
    row({ n: 'INC0000200', state: 'New', mod: 0, at: '01-03-2016 08:00' }),
    row({ n: 'INC0000200', state: 'Active', mod: 1, at: '01-03-2016 09:00', who: 'Resolver 1' }),
    row({ n: 'INC0000200', state: 'Awaiting User Info', mod: 2, at: '01-03-2016 10:00', who: 'Resolver 1' }),
    row({ n: 'INC0000200', state: 'Awaiting Problem', mod: 3, at: '01-03-2016 13:00', who: 'Resolver 1' }),
    row({ n: 'INC0000200', state: 'On Hold', mod: 4, at: '01-03-2016 14:00', who: 'Resolver 1' }),
  ].join('\n');
  const sla = () =>
    w.store.sqlite.prepare("SELECT sla_state, sla_clock, sla_left_ms, sla_due_at FROM tickets WHERE source_number = 'INC0000200'").get() as Record<string, unknown>;

  function policy() {
    savePolicy(w.ctx(w.admin), { name: 'Around the clock', position: 0, active: true, type: null, category: null, siteId: null, calendarId: null, warnShare: 0.75, targets: { '3': { response: null, resolution: 8 * 60 } }, escalations: [] });
  }

  it('pauses an incident awaiting the caller or on hold as a ticket pending on the customer does, with Outpost’s reasons in its history', async () => {
    policy();
    await importServiceNow(w.ctx(w.admin, 'tickets.import'), bytes(WAITING), { dryRun: false });
    const t = getTicketByNumber(w.ctx(w.admin), 'INC0000200');
    const moves = t.timeline.filter((e) => e.kind === 'status').map((e) => (e.kind === 'status' ? [e.to, e.reason] : null));
    expect(moves).toEqual([
      ['new', 'ServiceNow: New (Updated by 5)'],
      ['in_progress', 'ServiceNow: Active (Updated by 5)'],
      ['pending', 'customer'],
      ['pending', 'change'],
      ['pending', 'customer'],
    ]);
    expect(t.pendingReason).toBe('customer');
    // Ran 08:00–10:00 and 13:00–14:00 (awaiting a problem does not pause): 3 of 8 hours used, paused now.
    expect(sla()).toEqual({ sla_state: 'paused', sla_clock: 'resolution', sla_left_ms: 5 * 3_600_000, sla_due_at: null });
  });

  it('reads the pending moves an earlier import recorded with ServiceNow’s state text the same way, and derives their columns again once at start', async () => {
    policy();
    await importServiceNow(w.ctx(w.admin, 'tickets.import'), bytes(WAITING), { dryRun: false });
    const sqlite = w.store.sqlite;
    // As an earlier import wrote them: ServiceNow's text on the pending moves, no move for a change of what it waits on, no columns.
    sqlite.exec(`UPDATE ticket_history SET reason = 'ServiceNow: Awaiting User Info (Updated by 5)' WHERE kind = 'status' AND to_value = 'pending' AND reason = 'customer';
      DELETE FROM ticket_history WHERE kind = 'status' AND to_value = 'pending' AND reason <> 'ServiceNow: Awaiting User Info (Updated by 5)';
      UPDATE tickets SET sla_state = NULL, sla_clock = NULL, sla_due_at = NULL, sla_warn_at = NULL, sla_left_ms = NULL;
      DELETE FROM meta WHERE key = 'sla.servicenow-pauses';`);
    expect(repairImportedSla(sqlite)).toBe(1);
    // Paused from 10:00 on (the earlier import kept only the first pending move): 2 of 8 hours used.
    expect(sla()).toEqual({ sla_state: 'paused', sla_clock: 'resolution', sla_left_ms: 6 * 3_600_000, sla_due_at: null });
    // Once per store.
    expect(repairImportedSla(sqlite)).toBe(0);
    // A re-import of the file adds the moves the earlier one left out, and the clock follows them.
    await importServiceNow(w.ctx(w.admin, 'tickets.import'), bytes(WAITING), { dryRun: false });
    expect(sla()).toEqual({ sla_state: 'paused', sla_clock: 'resolution', sla_left_ms: 5 * 3_600_000, sla_due_at: null });
  });
});
