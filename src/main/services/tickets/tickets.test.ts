import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { countRows, makeWorld, writeFootprint, type World } from '../../testing';
import type { Actor } from '../core/context';
import {
  commentTicket,
  createTicket,
  getTicketByNumber,
  getTicketDetail,
  transitionTicket,
  updateTicket,
  worklogTicket,
  bulkTickets,
} from './tickets';
import { createGroup } from '../directory/groups';
import { createSite } from '../directory/sites';
import { updateSettings } from '../settings/settings';
import { AppError } from '../../../shared/result';

let w: World;
let tech: Actor;
let tech2: Actor;
let req: Actor;

beforeEach(() => {
  w = makeWorld();
  tech = w.user('technician', 'tina');
  tech2 = w.user('technician', 'tom');
  req = w.user('requester', 'rita');
});
afterEach(() => w.dispose());

function err(fn: () => unknown): AppError {
  try {
    fn();
  } catch (e) {
    if (e instanceof AppError) return e;
    throw e;
  }
  throw new Error('expected an AppError');
}

const history = (id: string) =>
  w.store.sqlite.prepare('SELECT kind, field, from_value AS "from", to_value AS "to", reason FROM ticket_history WHERE ticket_id = ? ORDER BY rowid').all(id) as {
    kind: string;
    field: string | null;
    from: string | null;
    to: string | null;
    reason: string | null;
  }[];

describe('createTicket', () => {
  it('numbers incidents and requests separately, with priority from the matrix', () => {
    const c = w.ctx(tech, 'tickets.create');
    const a = createTicket(c, { type: 'incident', title: 'Printer jam', impact: 1, urgency: 1 });
    const b = createTicket(c, { type: 'incident', title: 'VPN down', impact: 2, urgency: 3 });
    const r = createTicket(c, { type: 'request', title: 'New laptop' });
    expect([a.number, b.number, r.number]).toEqual(['INC0000001', 'INC0000002', 'REQ0000001']);
    expect([a.priority, b.priority, r.priority]).toEqual([1, 4, 4]);
    expect(r.impact).toBe(3);
    expect(r.urgency).toBe(3);
    expect(a.status).toBe('new');
    expect(a.openedAt).toBe(w.clock.now().toISOString());
    expect(history(a.id)).toEqual([{ kind: 'status', field: null, from: null, to: 'new', reason: null }]);
  });

  it('uses a custom priority matrix from settings', () => {
    updateSettings(w.ctx(w.admin, 'settings.update'), { priorityMatrix: [[4, 4, 4], [4, 4, 4], [4, 4, 1]] });
    const t = createTicket(w.ctx(tech), { type: 'incident', title: 'x', impact: 3, urgency: 3 });
    expect(t.priority).toBe(1);
  });

  it("defaults the site to the actor's first site, else the first site", () => {
    const other = createSite(w.ctx(w.admin), { name: 'Depot' });
    const fieldTech = w.user('technician', 'fred', { siteIds: [other.id] });
    expect(createTicket(w.ctx(fieldTech), { type: 'incident', title: 'x' }).siteId).toBe(other.id);
    const nomad = w.user('technician', 'nomad', { siteIds: [] });
    expect(createTicket(w.ctx(nomad), { type: 'incident', title: 'x' }).siteId).toBe(w.siteId);
  });

  it("becomes 'assigned' when created with an assignee", () => {
    const t = createTicket(w.ctx(tech), { type: 'incident', title: 'x', assigneeId: tech2.id });
    expect(t.status).toBe('assigned');
    expect(t.assigneeName).toBe(tech2.displayName);
  });

  it('refuses a requester or unknown user as assignee, and writes nothing', () => {
    const before = writeFootprint(w.store);
    expect(err(() => createTicket(w.ctx(tech), { type: 'incident', title: 'x', assigneeId: req.id })).message).toMatch(/Only active administrators and technicians/);
    expect(err(() => createTicket(w.ctx(tech), { type: 'incident', title: 'x', groupId: '0190a0a0-0000-7000-8000-000000000000' })).code).toBe('invalid_input');
    expect(writeFootprint(w.store)).toEqual(before);
  });

  it('a requester creates only their own ticket, unassigned, from the portal', () => {
    const t = createTicket(w.ctx(req), { type: 'request', title: 'Mouse', assigneeId: tech.id, requesterId: tech.id });
    expect(t.requesterId).toBe(req.id);
    expect(t.assigneeId).toBeNull();
    expect(t.status).toBe('new');
    expect(t.contactChannel).toBe('portal');
  });
});

describe('updateTicket', () => {
  it('writes one field-history row per changed field, with display names', () => {
    const g = createGroup(w.ctx(w.admin), { name: 'Network' });
    const t = createTicket(w.ctx(tech), { type: 'incident', title: 'Old title' });
    w.clock.advance(60_000);
    const u = updateTicket(w.ctx(tech), t.id, { title: 'New title', groupId: g.id, description: '' });
    expect(u.title).toBe('New title');
    expect(u.updatedAt).toBe(w.clock.now().toISOString());
    const fields = history(t.id).filter((h) => h.kind === 'field');
    // description was already '' so it did not change
    expect(fields).toEqual([
      { kind: 'field', field: 'title', from: 'Old title', to: 'New title', reason: null },
      { kind: 'field', field: 'groupId', from: null, to: 'Network', reason: null },
    ]);
  });

  it('an edit that changes nothing writes nothing', () => {
    const t = createTicket(w.ctx(tech), { type: 'incident', title: 'Same' });
    const before = writeFootprint(w.store);
    updateTicket(w.ctx(tech), t.id, { title: 'Same' });
    expect(writeFootprint(w.store)).toEqual(before);
  });

  it('recomputes priority from impact × urgency, unless set by hand', () => {
    const c = w.ctx(tech);
    const t = createTicket(c, { type: 'incident', title: 'x', impact: 3, urgency: 3 });
    expect(updateTicket(c, t.id, { impact: 1 }).priority).toBe(3);
    const manual = updateTicket(c, t.id, { priority: 1 });
    expect(manual.priority).toBe(1);
    expect(manual.priorityOverridden).toBe(true);
    // A title edit keeps the hand-set priority...
    expect(updateTicket(c, t.id, { title: 'y' }).priority).toBe(1);
    // ...an impact/urgency change takes the matrix again.
    const again = updateTicket(c, t.id, { urgency: 2 });
    expect(again.priority).toBe(2);
    expect(again.priorityOverridden).toBe(false);
    const fields = history(t.id).filter((h) => h.kind === 'field').map((h) => `${h.field}:${h.from}->${h.to}`);
    expect(fields).toEqual(['impact:3->1', 'priority:4->3', 'priority:3->1', 'title:x->y', 'urgency:3->2', 'priority:1->2']);
  });

  it('setting an assignee on a new ticket marks it assigned; clearing it goes back to new', () => {
    const c = w.ctx(tech);
    const t = createTicket(c, { type: 'incident', title: 'x' });
    expect(updateTicket(c, t.id, { assigneeId: tech.id }).status).toBe('assigned');
    expect(updateTicket(c, t.id, { assigneeId: null }).status).toBe('new');
    expect(history(t.id).filter((h) => h.kind === 'status').map((h) => [h.from, h.to, h.reason])).toEqual([
      [null, 'new', null],
      ['new', 'assigned', 'assignment'],
      ['assigned', 'new', 'assignment'],
    ]);
  });

  it('closed tickets refuse edits (except linking), and nothing is written', () => {
    const c = w.ctx(tech);
    const t = createTicket(c, { type: 'incident', title: 'x', assigneeId: tech.id });
    transitionTicket(c, t.id, { to: 'resolved', resolutionCode: 'solved_permanently', resolutionNotes: 'Done' });
    transitionTicket(c, t.id, { to: 'closed' });
    const before = writeFootprint(w.store);
    const e = err(() => updateTicket(c, t.id, { title: 'changed' }));
    expect(e.code).toBe('conflict');
    expect(e.message).toBe('This ticket is closed; reopen it before editing.');
    expect(writeFootprint(w.store)).toEqual(before);
    expect(updateTicket(c, t.id, { category: 'Hardware' }).category).toBe('Hardware');
  });
});

describe('transitions', () => {
  it('stamps first response, resolution and closure, and reopen clears the resolution', () => {
    const c = w.ctx(tech);
    const t = createTicket(w.ctx(req), { type: 'incident', title: 'Laptop dead' });
    w.clock.advance(10 * 60_000);
    const started = transitionTicket(c, t.id, { to: 'in_progress' });
    expect(started.assigneeId).toBe(tech.id); // starting work takes the ticket
    expect(started.firstResponseAt).toBe(w.clock.now().toISOString());
    const firstResponse = started.firstResponseAt;
    w.clock.advance(60_000);
    const pending = transitionTicket(c, t.id, { to: 'pending', reason: 'vendor' });
    expect(pending.pendingReason).toBe('vendor');
    expect(pending.firstResponseAt).toBe(firstResponse);
    w.clock.advance(60_000);
    const resolved = transitionTicket(c, t.id, { to: 'resolved', resolutionCode: 'solved_workaround', resolutionNotes: 'Swapped charger' });
    expect(resolved.resolvedAt).toBe(w.clock.now().toISOString());
    expect(resolved.pendingReason).toBeNull();
    expect(resolved.resolutionCode).toBe('solved_workaround');
    w.clock.advance(60_000);
    const reopened = transitionTicket(w.ctx(req), t.id, { to: 'in_progress' });
    expect(reopened.status).toBe('in_progress');
    expect(reopened.resolvedAt).toBeNull();
    expect(reopened.resolutionCode).toBeNull();
    expect(reopened.resolutionNotes).toBeNull();
    transitionTicket(c, t.id, { to: 'resolved', resolutionCode: 'solved_permanently', resolutionNotes: 'New battery' });
    w.clock.advance(60_000);
    const closed = transitionTicket(c, t.id, { to: 'closed' });
    expect(closed.closedAt).toBe(w.clock.now().toISOString());
    expect(history(t.id).map((h) => h.to)).toEqual(['new', 'in_progress', 'pending', 'resolved', 'in_progress', 'resolved', 'closed']);
    expect(history(t.id)[3]!.reason).toBe('solved_workaround: Swapped charger');
  });

  it('refuses invalid transitions with the rule message, writing nothing', () => {
    const c = w.ctx(tech);
    const t = createTicket(c, { type: 'incident', title: 'x' });
    const before = writeFootprint(w.store);
    const e1 = err(() => transitionTicket(c, t.id, { to: 'closed' }));
    expect(e1.code).toBe('invalid_transition');
    expect(e1.message).toMatch(/A new ticket cannot move to closed/);
    expect(err(() => transitionTicket(c, t.id, { to: 'pending' })).message).toMatch(/Say why the ticket is pending/);
    expect(err(() => transitionTicket(c, t.id, { to: 'resolved', resolutionCode: 'duplicate' })).message).toBe('Write resolution notes to resolve the ticket.');
    expect(err(() => transitionTicket(c, t.id, { to: 'assigned' })).message).toMatch(/Set an assignee or a group/);
    expect(writeFootprint(w.store)).toEqual(before);
  });

  it('requesters may only cancel, or reopen/close a resolved ticket', () => {
    const t = createTicket(w.ctx(req), { type: 'request', title: 'x' });
    expect(err(() => transitionTicket(w.ctx(req), t.id, { to: 'in_progress' })).code).toBe('forbidden');
    expect(transitionTicket(w.ctx(req), t.id, { to: 'cancelled' }).status).toBe('cancelled');
  });
});

describe('comments and worklogs', () => {
  it('internal notes are hidden from the requester; a public staff reply is the first response', () => {
    const t = createTicket(w.ctx(req), { type: 'incident', title: 'Email broken' });
    commentTicket(w.ctx(req), t.id, 'Any news?', false);
    expect(getTicketDetail(w.ctx(tech), t.id).firstResponseAt).toBeNull();
    w.clock.advance(5 * 60_000);
    commentTicket(w.ctx(tech), t.id, 'Suspect the mailbox quota', true);
    expect(getTicketDetail(w.ctx(tech), t.id).firstResponseAt).toBeNull(); // internal does not count
    w.clock.advance(5 * 60_000);
    commentTicket(w.ctx(tech), t.id, 'Looking at it now', false);
    const staff = getTicketDetail(w.ctx(tech), t.id);
    expect(staff.firstResponseAt).toBe(w.clock.now().toISOString());
    expect(staff.timeline.filter((e) => e.kind === 'comment').map((e) => (e.kind === 'comment' ? [e.body, e.internal] : null))).toEqual([
      ['Any news?', false],
      ['Suspect the mailbox quota', true],
      ['Looking at it now', false],
    ]);
    const own = getTicketDetail(w.ctx(req), t.id);
    const bodies = own.timeline.filter((e) => e.kind === 'comment').map((e) => (e.kind === 'comment' ? e.body : ''));
    expect(bodies).toEqual(['Any news?', 'Looking at it now']);
    expect(own.timeline.some((e) => e.kind === 'field' || e.kind === 'worklog')).toBe(false);
    expect(err(() => commentTicket(w.ctx(req), t.id, 'sneaky', true)).code).toBe('forbidden');
  });

  it('worklogs add up to the time spent, visible to staff only', () => {
    const t = createTicket(w.ctx(req), { type: 'incident', title: 'x' });
    worklogTicket(w.ctx(tech), t.id, 30, 'diagnosis');
    worklogTicket(w.ctx(tech2), t.id, 45, undefined);
    worklogTicket(w.ctx(tech), t.id, 5, 'call back');
    const d = getTicketDetail(w.ctx(tech), t.id);
    expect(d.timeSpentMinutes).toBe(80);
    expect(d.timeline.filter((e) => e.kind === 'worklog')).toHaveLength(3);
    expect(getTicketDetail(w.ctx(req), t.id).timeSpentMinutes).toBe(0);
  });

  it('closed tickets take no more comments', () => {
    const c = w.ctx(tech);
    const t = createTicket(c, { type: 'incident', title: 'x' });
    transitionTicket(c, t.id, { to: 'cancelled' });
    expect(err(() => commentTicket(c, t.id, 'late', false)).message).toBe('This ticket is cancelled; comments are closed.');
  });
});

describe('requester visibility', () => {
  it("a requester cannot see or touch someone else's ticket", () => {
    const other = w.user('requester', 'otto');
    const t = createTicket(w.ctx(other), { type: 'incident', title: 'Mine' });
    for (const fn of [
      () => getTicketDetail(w.ctx(req), t.id),
      () => getTicketByNumber(w.ctx(req), t.number),
      () => commentTicket(w.ctx(req), t.id, 'hi', false),
      () => transitionTicket(w.ctx(req), t.id, { to: 'cancelled' }),
    ]) {
      const e = err(fn);
      expect(e.code).toBe('not_found');
    }
    expect(getTicketByNumber(w.ctx(other), t.number).id).toBe(t.id);
  });
});

describe('bulk', () => {
  it('applies per ticket and reports each failure by number', () => {
    const c = w.ctx(tech);
    const a = createTicket(c, { type: 'incident', title: 'a' });
    const b = createTicket(c, { type: 'incident', title: 'b' });
    transitionTicket(c, b.id, { to: 'cancelled' });
    const r = bulkTickets(c, [a.id, b.id, a.id], { kind: 'priority', priority: 1 });
    expect(r.updated).toBe(1);
    expect(r.failed).toEqual([{ id: b.id, message: 'INC0000002: This ticket is cancelled; reopen it before editing.' }]);
    expect(countRows(w.store, 'tickets')).toBe(2);
  });
});
