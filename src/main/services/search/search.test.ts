import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeWorld, type World } from '../../testing';
import type { Actor } from '../core/context';
import { ftsQuery, reindexSearch, searchIndexStale, searchTickets } from './search';
import { commentTicket, createTicket, updateTicket } from '../tickets/tickets';
import type { Ticket } from '../../../shared/api/tickets';

let w: World;
let tech: Actor;
let req: Actor;
const t: Record<string, Ticket> = {};

beforeAll(() => {
  w = makeWorld();
  tech = w.user('technician', 'tina');
  req = w.user('requester', 'rita');
  const c = w.ctx(tech);
  t.titlePrinter = createTicket(c, { type: 'incident', title: 'Printer on floor 3 jams', description: 'Paper stuck in tray two.' });
  t.descPrinter = createTicket(c, { type: 'incident', title: 'Office supplies', description: 'Order toner for the printer please.' });
  t.vpn = createTicket(c, { type: 'incident', title: 'VPN drops every hour', description: 'Happens on hotel Wi-Fi.' });
  t.own = createTicket(w.ctx(req), { type: 'request', title: 'Printer access for new starter', description: 'Café printer, please.' });
  commentTicket(c, t.vpn.id, 'Replaced the certificate on the gateway', false);
  commentTicket(c, t.own.id, 'Secret: badge override code', true);
});
afterAll(() => w.dispose());

const ids = (hits: { id: string }[]) => hits.map((h) => h.id);

describe('search', () => {
  it('ranks a title match above a description match (bm25 weights)', () => {
    const hits = searchTickets(w.ctx(tech), 'printer', 20);
    expect(ids(hits).slice(0, 3).sort()).toEqual([t.titlePrinter!.id, t.own!.id, t.descPrinter!.id].sort());
    expect(ids(hits).indexOf(t.titlePrinter!.id)).toBeLessThan(ids(hits).indexOf(t.descPrinter!.id));
    for (let i = 1; i < hits.length; i++) expect(hits[i]!.rank).toBeGreaterThanOrEqual(hits[i - 1]!.rank);
  });

  it('marks matches in the snippet with \\u0002 … \\u0003', () => {
    const [hit] = searchTickets(w.ctx(tech), 'jams', 5);
    expect(hit!.id).toBe(t.titlePrinter!.id);
    expect(hit!.snippet).toContain('\u0002jams\u0003');
  });

  it('matches the last word as a prefix, diacritics-insensitively, and all words', () => {
    expect(ids(searchTickets(w.ctx(tech), 'certificate gatew', 5))).toEqual([t.vpn!.id]);
    expect(ids(searchTickets(w.ctx(tech), 'certif gateway', 5))).toEqual([]);
    expect(ids(searchTickets(w.ctx(tech), 'cafe', 5))).toEqual([t.own!.id]);
    expect(searchTickets(w.ctx(tech), 'printer vpn', 5)).toEqual([]);
  });

  it('finds a ticket by its number, first', () => {
    const hits = searchTickets(w.ctx(tech), t.vpn!.number.toLowerCase(), 5);
    expect(hits[0]!.id).toBe(t.vpn!.id);
    expect(hits[0]!.snippet).toBe(`\u0002${t.vpn!.number}\u0003 ${t.vpn!.title}`);
    expect(ids(hits).filter((x) => x === t.vpn!.id)).toHaveLength(1); // not repeated by the FTS hit
  });

  it('treats FTS syntax and punctuation as plain text', () => {
    for (const q of ['"', '*', 'OR', 'NEAR(', 'printer OR vpn', 'NOT printer', '"printer', 'vpn*', 'title:printer', '(vpn', '^vpn', '-', "'; DROP TABLE tickets; --", '{number}: x', 'AND AND']) {
      expect(() => searchTickets(w.ctx(tech), q, 10), q).not.toThrow();
    }
    expect(ids(searchTickets(w.ctx(tech), '(vpn', 5))).toEqual([t.vpn!.id]);
    expect(searchTickets(w.ctx(tech), '"*()', 5)).toEqual([]);
    expect(ftsQuery('  ')).toBeNull();
    expect(ftsQuery('a "b" OR cd')).toBe('"a" "b" "OR" "cd"*');
    // A last word of one letter is matched whole: as a prefix it would stand for every word with that letter.
    expect(ftsQuery('printer f')).toBe('"printer" "f"');
  });

  it('matches a number or title being typed by its prefix, and a word of a comment once typed', () => {
    expect(ids(searchTickets(w.ctx(tech), t.vpn!.number.slice(0, 6), 20))).toContain(t.vpn!.id);
    expect(ids(searchTickets(w.ctx(tech), 'vpn dro', 5))).toEqual([t.vpn!.id]);
    const [hit] = searchTickets(w.ctx(tech), 'gateway', 5);
    expect(hit!.id).toBe(t.vpn!.id);
    expect(hit!.snippet).toContain('\u0002gateway\u0003');
  });

  it('follows edits: a new title is found and the old one is not', () => {
    updateTicket(w.ctx(tech), t.descPrinter!.id, { title: 'Stationery order', description: 'Pens and paper.' });
    expect(ids(searchTickets(w.ctx(tech), 'toner', 5))).toEqual([]);
    expect(ids(searchTickets(w.ctx(tech), 'stationery', 5))).toEqual([t.descPrinter!.id]);
  });

  it('a requester finds only their own tickets, and never internal notes', () => {
    expect(ids(searchTickets(w.ctx(req), 'printer', 10))).toEqual([t.own!.id]);
    expect(searchTickets(w.ctx(req), 'badge override', 10)).toEqual([]);
    expect(ids(searchTickets(w.ctx(tech), 'badge override', 10))).toEqual([t.own!.id]);
    expect(searchTickets(w.ctx(req), t.vpn!.number, 10)).toEqual([]);
  });

  it('rebuilds the index after it falls out of step', () => {
    expect(searchIndexStale(w)).toBe(false);
    w.store.sqlite.exec('DELETE FROM tickets_fts');
    expect(searchIndexStale(w)).toBe(true);
    reindexSearch(w);
    expect(searchIndexStale(w)).toBe(false);
    expect(ids(searchTickets(w.ctx(tech), 'certificate', 5))).toEqual([t.vpn!.id]);
  });

  it('finds the index stale when its first or last row is missing, or names another ticket', () => {
    const sqlite = w.store.sqlite;
    const end = (dir: 'ASC' | 'DESC') => sqlite.prepare(`SELECT rowid, number FROM tickets ORDER BY rowid ${dir} LIMIT 1`).get() as { rowid: number; number: string };
    for (const dir of ['ASC', 'DESC'] as const) {
      const row = end(dir);
      sqlite.prepare('DELETE FROM tickets_fts WHERE rowid = ?').run(row.rowid);
      expect(searchIndexStale(w), `the ${dir === 'ASC' ? 'oldest' : 'newest'} ticket unindexed`).toBe(true);
      reindexSearch(w);
      sqlite.prepare('UPDATE tickets_fts SET number = ? WHERE rowid = ?').run('INC9999999', row.rowid);
      expect(searchIndexStale(w), `the ${dir === 'ASC' ? 'oldest' : 'newest'} row under another number`).toBe(true);
      reindexSearch(w);
      expect(searchIndexStale(w)).toBe(false);
    }
  });

  it('finds the index stale after the tickets were renumbered under it (a copy that did not keep rowids)', () => {
    const world = makeWorld();
    try {
      const c = world.ctx(world.user('technician', 'tom'));
      const made = ['Dock scanner', 'Gate printer', 'Forklift battery', 'Badge reader'].map((title) => createTicket(c, { type: 'incident', title }));
      const sqlite = world.store.sqlite;
      expect(searchIndexStale(world)).toBe(false);
      // Moving a row's rowid fires no search trigger: the index keeps the old numbering.
      sqlite.exec('UPDATE tickets SET rowid = rowid + 100');
      expect(searchIndexStale(world)).toBe(true);
      reindexSearch(world);
      expect(searchIndexStale(world)).toBe(false);
      expect(ids(searchTickets(world.ctx(world.user('technician', 'tara')), 'badge', 5))).toEqual([made[3]!.id]);
    } finally {
      world.dispose();
    }
  });

  it('checks at start without counting or sorting the index: every statement reads one row by rowid order or key', () => {
    const sqlite = w.store.sqlite;
    const seen: string[] = [];
    const prepare = sqlite.prepare.bind(sqlite);
    sqlite.prepare = ((sql: string) => {
      seen.push(sql);
      return prepare(sql);
    }) as typeof sqlite.prepare;
    try {
      expect(searchIndexStale(w)).toBe(false);
    } finally {
      sqlite.prepare = prepare;
    }
    expect(seen.length).toBeGreaterThan(0);
    for (const sql of seen) {
      const args = ([...sql.matchAll(/\?/g)].length === 2 ? ['"x"', 1] : []) as unknown[];
      const plan = (prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...args) as { detail: string }[]).map((r) => r.detail).join('; ');
      // A count or a sort would read every row of a million-ticket store before the console opens.
      expect(sql, plan).not.toMatch(/count\(\*\)\s+FROM\s+(tickets|tickets_fts)\b/i);
      expect(plan, sql).not.toMatch(/TEMP B-TREE/);
      expect(sql.includes('LIMIT 1') || /rowid = \?/.test(sql), sql).toBe(true);
    }
  });
});
