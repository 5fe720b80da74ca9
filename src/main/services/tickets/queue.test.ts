import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeWorld, type World } from '../../testing';
import type { Actor } from '../core/context';
import { DEFAULT_SORT, listTickets, RECENT_DAYS, viewCounts } from './queue';
import { deleteView, listViews, saveView } from './views';
import { createGroup } from '../directory/groups';
import { createSite } from '../directory/sites';
import { generateTickets, insertGeneratedTickets, mulberry32 } from './generate';
import { createTicket } from './tickets';
import { QUEUE_SORTS, QUEUE_VIEWS, type QueueSort, type QueueView, type TicketFilter, type TicketRow } from '../../../shared/api/tickets';
import { savePolicy } from '../sla/settings';
import { AppError } from '../../../shared/result';

let w: World;
let tech: Actor;
let req: Actor;
let groups: string[];
let sites: string[];
const SEED = 20260302;

beforeAll(() => {
  w = makeWorld({});
  const a = w.ctx(w.admin);
  sites = [w.siteId, createSite(a, { name: 'Depot' }).id];
  tech = w.user('technician', 'tina');
  const tech2 = w.user('technician', 'tom');
  req = w.user('requester', 'rita');
  const req2 = w.user('requester', 'rob');
  groups = [createGroup(a, { name: 'Desk', memberIds: [tech.id] }).id, createGroup(a, { name: 'Network', memberIds: [tech2.id] }).id];
  // An SLA policy (around the clock) so "Breaching soon" holds tickets: short targets for P1/P2.
  savePolicy(a, {
    name: 'All',
    position: 0,
    active: true,
    type: null,
    category: null,
    siteId: null,
    calendarId: null,
    warnShare: 0.75,
    targets: { '1': { response: 30, resolution: 240 }, '2': { response: 60, resolution: 480 }, '3': { response: 240, resolution: 60 * 24 * 400 } },
    escalations: [],
  });
  console.log(`queue.test seed ${SEED}`);
  const specs = generateTickets(mulberry32(SEED), 1500, {
    now: w.clock.now(),
    days: 120,
    siteIds: sites,
    groupIds: groups,
    technicianIds: [tech.id, tech2.id],
    requesterIds: [req.id, req2.id],
  });
  insertGeneratedTickets(w.ctx(w.admin, 'seed'), specs, { chunk: 400 });
  // Tickets made at one instant share opened_at and updated_at: the keyset must break ties on id.
  for (let i = 0; i < 40; i++)
    createTicket(w.ctx(i % 2 ? tech : req), { type: 'incident', title: `Same instant ${i}`, impact: ((i % 3) + 1) as 1 | 2 | 3, assigneeId: i % 4 === 1 ? tech.id : null });
});
afterAll(() => w.dispose());

/** The same rows in the same order, by a plain SQL query written independently of queue.ts. */
function reference(actor: Actor, view: QueueView, sort: QueueSort, filter: TicketFilter = {}): string[] {
  const where = ['deleted_hlc IS NULL'];
  const args: unknown[] = [];
  const add = (clause: string, ...values: unknown[]) => {
    where.push(clause);
    args.push(...values);
  };
  const inList = (col: string, values?: readonly unknown[]) => values && add(`${col} IN (${values.map(() => '?').join(',')})`, ...values);
  if (view === 'my_work') add('assignee_id = ? AND is_open = 1', actor.id);
  if (view === 'unassigned') add('assignee_id IS NULL AND is_open = 1');
  if (view === 'all_open') add('is_open = 1');
  if (view === 'breaching_soon') add('sla_warn_at <= ? AND is_open = 1', w.clock.now().getTime());
  if (view === 'recently_resolved') add('is_open = 0 AND resolved_at >= ?', new Date(w.clock.now().getTime() - RECENT_DAYS * 86400_000).toISOString());
  if (actor.role === 'requester') add('requester_id = ?', actor.id);
  if (sort === 'resolved') add('resolved_at IS NOT NULL');
  if (sort === 'due') add('sla_due_at IS NOT NULL');
  inList('status', filter.status);
  inList('priority', filter.priority);
  inList('type', filter.type);
  inList('group_id', filter.groupId);
  inList('scope_id', filter.siteId);
  const order = {
    priority: 'priority ASC, opened_at ASC, id ASC',
    newest: 'opened_at DESC, id DESC',
    oldest: 'opened_at ASC, id ASC',
    updated: 'updated_at DESC, id DESC',
    resolved: 'resolved_at DESC, id DESC',
    due: 'sla_due_at ASC, id ASC',
  }[sort];
  return w.store.sqlite.prepare(`SELECT id FROM tickets WHERE ${where.join(' AND ')} ORDER BY ${order}`).pluck().all(...args) as string[];
}

function walk(actor: Actor, view: QueueView, sort: QueueSort | undefined, filter: TicketFilter, limit: number, walkRows?: number): TicketRow[] {
  const rows: TicketRow[] = [];
  let cursor: string | null = null;
  for (let i = 0; i < 10_000; i++) {
    const page = listTickets(w.ctx(actor), { view, sort, filter, limit, cursor }, { walkRows });
    expect(page.items.length).toBeLessThanOrEqual(limit);
    rows.push(...page.items);
    cursor = page.nextCursor;
    if (!cursor) break;
    expect(page.items.length).toBe(limit);
  }
  return rows;
}

describe('queue views', () => {
  it('has data in every view', () => {
    for (const c of viewCounts(w.ctx(tech))) expect(c.count, c.view).toBeGreaterThan(0);
  });

  for (const view of QUEUE_VIEWS)
    for (const sort of QUEUE_SORTS)
      it(`${view} sorted by ${sort}: keyset pages have no gaps or duplicates`, () => {
        const rows = walk(tech, view, sort, {}, 97);
        const ids = rows.map((r) => r.id);
        expect(new Set(ids).size).toBe(ids.length);
        expect(ids).toEqual(reference(tech, view, sort));
      });

  it('uses each view’s default sort', () => {
    for (const view of QUEUE_VIEWS) {
      const first = listTickets(w.ctx(tech), { view, filter: {}, limit: 20 }).items.map((r) => r.id);
      expect(first).toEqual(reference(tech, view, DEFAULT_SORT[view]).slice(0, 20));
    }
  });

  it('my work is only my open tickets', () => {
    const rows = walk(tech, 'my_work', undefined, {}, 200);
    expect(rows.length).toBeGreaterThan(0);
    for (const r of rows) {
      expect(r.assigneeId).toBe(tech.id);
      expect(['new', 'assigned', 'in_progress', 'pending']).toContain(r.status);
    }
  });

  const filters: [string, () => TicketFilter][] = [
    ['status', () => ({ status: ['pending', 'in_progress'] })],
    ['priority', () => ({ priority: [1, 2] })],
    ['type', () => ({ type: ['request'] })],
    ['group', () => ({ groupId: [groups[1]!] })],
    ['site', () => ({ siteId: [sites[1]!] })],
    ['combined', () => ({ status: ['closed'], type: ['incident'], siteId: [sites[0]!], priority: [3, 4] })],
  ];
  for (const [name, f] of filters)
    it(`filters by ${name} in SQL, across pages`, () => {
      const filter = f();
      const rows = walk(tech, 'all', 'newest', filter, 50);
      expect(rows.length).toBeGreaterThan(0);
      expect(rows.map((r) => r.id)).toEqual(reference(tech, 'all', 'newest', filter));
      // Whichever plan serves a page (walk in sort order, give up and let SQLite plan, or no walk
      // at all), the pages are the same.
      for (const sort of QUEUE_SORTS)
        for (const walkRows of [0, 5, 1e9]) expect(walk(tech, 'all', sort, filter, 40, walkRows).map((r) => r.id), `${sort} ${walkRows}`).toEqual(reference(tech, 'all', sort, filter));
    });

  it('filters by assignee, including "nobody"', () => {
    const rows = walk(tech, 'all', 'oldest', { assigneeId: [tech.id, null] }, 100);
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((r) => r.assigneeId === tech.id || r.assigneeId === null)).toBe(true);
    const all = w.store.sqlite.prepare('SELECT count(*) FROM tickets WHERE assignee_id = ? OR assignee_id IS NULL').pluck().get(tech.id);
    expect(rows.length).toBe(all);
  });

  it('filters by text with the search index', () => {
    const t = createTicket(w.ctx(tech), { type: 'incident', title: 'Zeppelin hangar badge reader offline' });
    const rows = listTickets(w.ctx(tech), { view: 'all', filter: { text: 'zeppel' }, limit: 50 }).items;
    expect(rows.map((r) => r.id)).toEqual([t.id]);
    expect(listTickets(w.ctx(tech), { view: 'all', filter: { text: 'zeppel' }, limit: 50 }, { walkRows: 1e9 }).items.map((r) => r.id)).toEqual([t.id]);
    // A common word: the same pages whichever plan runs.
    const a = walk(tech, 'all', 'updated', { text: 'printer' }, 20);
    expect(a.length).toBeGreaterThan(20);
    for (const walkRows of [0, 3, 1e9]) expect(walk(tech, 'all', 'updated', { text: 'printer' }, 20, walkRows).map((r) => r.id)).toEqual(a.map((r) => r.id));
    expect(listTickets(w.ctx(tech), { view: 'all', filter: { text: '"()*' }, limit: 5 }).items.length).toBe(5); // nothing searchable: no text filter
  });

  it('returns the total when asked, and counts per view', () => {
    const p = listTickets(w.ctx(tech), { view: 'all_open', filter: {}, limit: 10, withTotal: true });
    expect(p.total).toBe(reference(tech, 'all_open', 'priority').length);
    const counts = Object.fromEntries(viewCounts(w.ctx(tech)).map((c) => [c.view, c.count]));
    expect(counts).toEqual({
      my_work: reference(tech, 'my_work', 'priority').length,
      unassigned: reference(tech, 'unassigned', 'priority').length,
      all_open: reference(tech, 'all_open', 'priority').length,
      breaching_soon: reference(tech, 'breaching_soon', 'due').length,
      recently_resolved: reference(tech, 'recently_resolved', 'newest').length,
    });
  });

  it('a requester sees only their own tickets in every view', () => {
    for (const view of QUEUE_VIEWS) {
      const rows = walk(req, view, undefined, {}, 150);
      expect(rows.map((r) => r.id)).toEqual(reference(req, view, DEFAULT_SORT[view]));
    }
    const mine = w.store.sqlite.prepare('SELECT count(*) FROM tickets WHERE requester_id = ?').pluck().get(req.id);
    expect(listTickets(w.ctx(req), { view: 'all', filter: {}, limit: 1, withTotal: true }).total).toBe(mine);
  });

  it('refuses a cursor from another sort or a forged one', () => {
    const p = listTickets(w.ctx(tech), { view: 'all', sort: 'newest', filter: {}, limit: 5 });
    const e = (() => {
      try {
        listTickets(w.ctx(tech), { view: 'all', sort: 'priority', filter: {}, limit: 5, cursor: p.nextCursor });
      } catch (x) {
        return x as AppError;
      }
    })();
    expect(e?.code).toBe('invalid_input');
    expect(e?.message).toMatch(/page cursor is not valid/);
    expect(() => listTickets(w.ctx(tech), { view: 'all', filter: {}, limit: 5, cursor: 'bm90IGpzb24' })).toThrow(AppError);
  });
});

describe('soft-deleted tickets', () => {
  it('drop out of every view, count and total', () => {
    const counts = () => Object.fromEntries(viewCounts(w.ctx(tech)).map((c) => [c.view, c.count]));
    const before = counts();
    const victim = listTickets(w.ctx(tech), { view: 'my_work', filter: {}, limit: 1 }).items[0]!;
    // What a synced delete leaves behind: the row stays with its delete stamp.
    w.store.sqlite.prepare("UPDATE tickets SET deleted_hlc = '000000000000001:00000000@dev' WHERE id = ?").run(victim.id);
    const after = counts();
    expect(after.my_work).toBe(before.my_work! - 1);
    expect(after.all_open).toBe(before.all_open! - 1);
    expect(after.unassigned).toBe(before.unassigned);
    for (const view of QUEUE_VIEWS) expect(walk(tech, view, undefined, {}, 500).some((r) => r.id === victim.id)).toBe(false);
    expect(listTickets(w.ctx(tech), { view: 'all_open', filter: {}, limit: 1, withTotal: true }).total).toBe(after.all_open);
    w.store.sqlite.prepare('UPDATE tickets SET deleted_hlc = NULL WHERE id = ?').run(victim.id);
  });

  it('drop out of text-filtered pages, where the walk checks the delete mark on its hits only', () => {
    const filter = { text: 'printer' };
    const before = walk(tech, 'all', 'updated', filter, 20);
    // Deleted: the first match of the first page, one in the middle of the walk, and the last match.
    const victims = [before[0]!, before[Math.floor(before.length / 2)]!, before[before.length - 1]!];
    const mark = w.store.sqlite.prepare('UPDATE tickets SET deleted_hlc = ? WHERE id = ?');
    for (const v of victims) mark.run('000000000000001:00000000@dev', v.id);
    const expected = before.filter((r) => !victims.includes(r)).map((r) => r.id);
    // The walk (3,000 rows, or 3 so it gives up at once) and SQLite's own plan give the same pages.
    for (const walkRows of [undefined, 3, 0, 1e9]) expect(walk(tech, 'all', 'updated', filter, 20, walkRows).map((r) => r.id)).toEqual(expected);
    const first = listTickets(w.ctx(tech), { view: 'all', sort: 'updated', filter, limit: 20 });
    expect(first.items.map((r) => r.id)).toEqual(expected.slice(0, 20));
    for (const v of victims) mark.run(null, v.id);
  });
});

describe('saved views', () => {
  it('saves, lists by name, renames, refuses duplicates and deletes, per owner', () => {
    const c = w.ctx(tech, 'views.save');
    const v = saveView(c, { name: 'P1 network', base: 'all_open', filter: { priority: [1], groupId: [groups[1]!] }, sort: 'updated' });
    saveView(c, { name: 'all mine', base: 'my_work', filter: {}, sort: 'priority' });
    expect(listViews(c).map((x) => x.name)).toEqual(['all mine', 'P1 network']);
    expect(listViews(c)[1]).toEqual({ id: v.id, name: 'P1 network', base: 'all_open', filter: { priority: [1], groupId: [groups[1]!] }, sort: 'updated' });
    expect(() => saveView(c, { name: 'p1 NETWORK', base: 'all', filter: {}, sort: 'newest' })).toThrow(/already have a view called/);
    const renamed = saveView(c, { id: v.id, name: 'Network P1', base: 'all_open', filter: { priority: [1] }, sort: 'updated' });
    expect(renamed.filter).toEqual({ priority: [1] });
    expect(listViews(w.ctx(req))).toEqual([]);
    expect(() => deleteView(w.ctx(req), v.id)).toThrow(/No such saved view/);
    deleteView(c, v.id);
    expect(listViews(c).map((x) => x.name)).toEqual(['all mine']);
  });
});
