import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeWorld, type World } from '../../testing';
import type { Actor } from '../core/context';
import { createTicket, updateTicket } from '../tickets/tickets';
import { searchTickets } from './search';
import { MERGED_INDEXES, mergeSearchIndexes } from './maintenance';

let w: World;
let tech: Actor;
beforeAll(() => {
  w = makeWorld();
  tech = w.user('technician', 'tina');
});
afterAll(() => w.dispose());

/** FTS5's count of segments in an index: the structure record's header (version, levels, segments) says it. */
function segments(table: string): number {
  const block = w.store.sqlite.prepare(`SELECT block FROM ${table}_data WHERE id = 10`).pluck().get() as Buffer;
  // After the 4-byte cookie: varint levels, varint segments.
  let at = 4;
  const varint = () => {
    let v = 0;
    for (let shift = 0; ; shift += 7) {
      const b = block[at++]!;
      v |= (b & 0x7f) << shift;
      if (!(b & 0x80)) return v;
    }
  };
  varint();
  return varint();
}

describe('search index merging off the write path', () => {
  it('edits leave their index segments unmerged; an idle merge step merges them and the search still finds the right tickets', () => {
    for (const t of MERGED_INDEXES) {
      expect(w.store.sqlite.prepare(`SELECT v FROM ${t}_config WHERE k = 'automerge'`).pluck().get(), t).toBe(0);
    }
    const c = w.ctx(tech);
    const tickets = Array.from({ length: 12 }, (_, i) => createTicket(c, { type: 'incident', title: `Kiosk ${i} frozen`, description: 'The lobby kiosk froze.' }));
    for (const [i, t] of tickets.entries()) updateTicket(c, t.id, { title: `Kiosk ${i} restarted` });
    // One segment per write: nothing merged them while the edits ran (crisismerge waits for 16 on a level).
    const before = segments('tickets_fts');
    expect(before).toBeGreaterThanOrEqual(8);

    // Inside a transaction (an edit under way) the step does nothing.
    w.store.sqlite.transaction(() => expect(mergeSearchIndexes(w.store.sqlite)).toBe(false))();
    expect(segments('tickets_fts')).toBe(before);

    let steps = 0;
    while (mergeSearchIndexes(w.store.sqlite) && steps < 100) steps++;
    expect(steps).toBeGreaterThan(0);
    expect(steps).toBeLessThan(100);
    expect(segments('tickets_fts')).toBeLessThan(before);
    expect(w.store.sqlite.prepare("INSERT INTO tickets_fts (tickets_fts, rank) VALUES ('integrity-check', 1)").run()).toBeTruthy();
    expect(w.store.sqlite.prepare("INSERT INTO tickets_title_fts (tickets_title_fts, rank) VALUES ('integrity-check', 1)").run()).toBeTruthy();
    expect(searchTickets(w.ctx(tech), 'kiosk frozen', 20)).toEqual([]);
    expect(searchTickets(w.ctx(tech), 'kiosk restart', 20).map((h) => h.id).sort()).toEqual(tickets.map((t) => t.id).sort());
  });
});
