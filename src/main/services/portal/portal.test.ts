/** The portal on the device: a requester sees only their own tickets and public comments, with the SLA aim when one applies. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeWorld, type World } from '../../testing';
import type { Actor } from '../core/context';
import { commentTicket, getTicketOrThrow, transitionTicket } from '../tickets/tickets';
import { saveCalendar, savePolicy } from '../sla/settings';
import { deleteCatalogueItem, loadCatalogue, saveCatalogueItem } from './catalogue';
import { myTickets, portalComment, portalMove, portalTicket, submitRequest } from './portal';
import { AppError } from '../../../shared/result';

let w: World;
let rita: Actor;
let ravi: Actor;
let tech: Actor;

beforeEach(() => {
  w = makeWorld(); // Monday 2 March 2026, 09:00 UTC
  rita = w.user('requester', 'rita');
  ravi = w.user('requester', 'ravi');
  tech = w.user('technician', 'tina');
});
afterEach(() => w.dispose());

function laptopItem() {
  return saveCatalogueItem(w.ctx(w.admin), {
    name: 'New laptop',
    description: '',
    section: 'Hardware',
    icon: 'laptop',
    ticketType: 'request',
    ticketCategory: 'Hardware',
    groupId: null,
    fields: [{ key: 'model', label: 'Laptop model', kind: 'select', required: true, options: ['13-inch', '15-inch'] }],
    position: 0,
    active: true,
  });
}

describe('the portal on the device', () => {
  it('submits a catalogue request with its answers, refusing a missing required one by name', () => {
    const item = laptopItem();
    expect(() => submitRequest(w.ctx(rita), { itemId: item.id, title: 'Laptop', description: '', answers: {}, impact: 3, urgency: 3 })).toThrow('“Laptop model” is required.');
    const r = submitRequest(w.ctx(rita), { itemId: item.id, title: 'Laptop', description: 'For Ann.', answers: { model: '15-inch' }, impact: 3, urgency: 3 });
    const t = getTicketOrThrow(w.ctx(tech), r.id);
    expect(t).toMatchObject({ type: 'request', category: 'Hardware', requesterId: rita.id, contactChannel: 'portal', status: 'new', groupId: null });
    expect(t.description).toContain('**Laptop model:** 15-inch');
    expect(portalTicket(w.ctx(rita), r.id).answers).toEqual({ model: '15-inch' });
  });

  it('shows a requester their own tickets and public comments only, and hides others’ tickets as missing', () => {
    const mine = submitRequest(w.ctx(rita), { itemId: null, title: 'VPN drops', description: 'Every hour.', answers: {}, impact: 3, urgency: 2 });
    submitRequest(w.ctx(ravi), { itemId: null, title: 'Printer', description: 'Jams.', answers: {}, impact: 3, urgency: 3 });
    commentTicket(w.ctx(tech), mine.id, 'Try the new profile.', false);
    commentTicket(w.ctx(tech), mine.id, 'INTERNAL: profile server is flaky', true);
    expect(myTickets(w.ctx(rita)).map((t) => t.title)).toEqual(['VPN drops']);
    const d = portalTicket(w.ctx(rita), mine.id);
    expect(d.timeline.filter((e) => e.kind === 'comment').map((e) => (e.kind === 'comment' ? e.body : ''))).toEqual(['Try the new profile.']);
    expect(() => portalTicket(w.ctx(ravi), mine.id)).toThrow(AppError);
    expect(() => portalComment(w.ctx(ravi), mine.id, 'hi')).toThrow('No such ticket among your requests.');
    expect(() => portalMove(w.ctx(ravi), mine.id, 'cancel', undefined)).toThrow('No such ticket among your requests.');
  });

  it('cancels an open request, and reopens or closes a resolved one', () => {
    const a = submitRequest(w.ctx(rita), { itemId: null, title: 'A', description: 'a', answers: {}, impact: 3, urgency: 3 });
    portalMove(w.ctx(rita), a.id, 'cancel', 'Works again');
    expect(portalTicket(w.ctx(rita), a.id)).toMatchObject({ status: 'cancelled', can: { comment: false, cancel: false, reopen: false, close: false } });
    expect(() => portalMove(w.ctx(rita), a.id, 'cancel', undefined)).toThrow('Only an open request can be cancelled.');
    const b = submitRequest(w.ctx(rita), { itemId: null, title: 'B', description: 'b', answers: {}, impact: 3, urgency: 3 });
    transitionTicket(w.ctx(tech), b.id, { to: 'in_progress' });
    transitionTicket(w.ctx(tech), b.id, { to: 'resolved', resolutionCode: 'solved_permanently', resolutionNotes: 'Replaced the cable.' });
    expect(portalTicket(w.ctx(rita), b.id).can).toMatchObject({ reopen: true, close: true, cancel: false });
    portalMove(w.ctx(rita), b.id, 'reopen', 'Still broken');
    expect(portalTicket(w.ctx(rita), b.id).status).toBe('in_progress');
  });

  it('tells the requester when the team aims to respond, only when an SLA applies', () => {
    const a = submitRequest(w.ctx(rita), { itemId: null, title: 'A', description: 'a', answers: {}, impact: 3, urgency: 3 });
    expect(myTickets(w.ctx(rita))[0]!.aim).toBeNull();
    const admin = w.ctx(w.admin);
    const cal = saveCalendar(admin, { name: 'Office', timezone: 'UTC', hours: [1, 2, 3, 4, 5].map((d) => [d, 540, 1020] as [number, number, number]), holidays: [] });
    const tg = { response: 60, resolution: 480 };
    savePolicy(admin, { name: 'Standard', position: 0, active: true, type: null, category: null, siteId: null, calendarId: cal.id, warnShare: 0.75, targets: { '1': tg, '2': tg, '3': tg, '4': tg }, escalations: [] });
    // Opened Monday 09:00 UTC on office hours: a response within an hour.
    expect(portalTicket(w.ctx(rita), a.id).aim).toEqual({ clock: 'response', dueAt: '2026-03-02T10:00:00.000Z', paused: false, overdue: false });
    // Whether the aim has passed is the device's clock's to say, not the reader's.
    w.clock.set('2026-03-02T10:30:00.000Z');
    expect(myTickets(w.ctx(rita))[0]!.aim).toEqual({ clock: 'response', dueAt: '2026-03-02T10:00:00.000Z', paused: false, overdue: true });
  });

  it('lists only active items, and a removed item is gone', () => {
    const item = laptopItem();
    saveCatalogueItem(w.ctx(w.admin), { ...item, id: item.id, active: false, ticketCategory: null });
    expect(loadCatalogue(w.store.sqlite, true)).toEqual([]);
    expect(loadCatalogue(w.store.sqlite, false).map((i) => i.name)).toEqual(['New laptop']);
    deleteCatalogueItem(w.ctx(w.admin), item.id);
    expect(loadCatalogue(w.store.sqlite, false)).toEqual([]);
  });
});
