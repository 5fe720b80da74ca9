/**
 * applyPage writes runs of rows with multi-row statements; these check that it stores exactly what
 * row-by-row writing stored: every row, compact clocks that expand back, search entries, and the
 * number-clash repair (which needs the row-by-row path) inside a batch.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../db/open';
import { applyPage, applyPageSlice, batchParts, CURSOR_KEY, getCursor } from './apply';
import { expandFieldHlc } from '../../shared/hlc';
import type { Change } from '../../shared/sync/wire';

const STAMP = '001772442000000:00000000@dev-a';
const OTHER = '001772442000001:00000002@dev-b';
const opened: { store: Store; dir: string }[] = [];

function store(): Store {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'outpost-apply-'));
  const s = openStore(path.join(dir, 'd.db'));
  opened.push({ store: s, dir });
  return s;
}

afterEach(() => {
  for (const o of opened.splice(0)) {
    o.store.close();
    fs.rmSync(o.dir, { recursive: true, force: true });
  }
});

function ticket(seq: number, number: string, title: string): Change {
  const data: Record<string, unknown> = {
    number, type: 'incident', title, description: `About ${title}`, impact: 2, urgency: 2, priority: 3, priority_overridden: 0,
    status: 'new', is_open: 1, opened_at: '2026-03-01T10:00:00.000Z',
  };
  const fieldHlc: Record<string, string> = { scope_id: STAMP };
  for (const k of Object.keys(data)) fieldHlc[k] = STAMP;
  fieldHlc.title = OTHER;
  return { seq, entity: 'tickets', id: `t-${String(seq).padStart(6, '0')}`, scopeId: 'site-1', data, fieldHlc, deletedHlc: null, createdAt: '2026-03-01T10:00:00.000Z', updatedAt: '2026-03-01T10:00:00.000Z' };
}

describe('applyPage in batches', () => {
  it('stores every row of a long page with compact clocks and search entries', () => {
    const s = store();
    const changes = Array.from({ length: 1234 }, (_, i) => ticket(i + 1, `INC${i + 1}`, i === 700 ? 'Printer jams on floor three' : `Ticket ${i + 1}`));
    const stats = applyPage(s.sqlite, { from: 0, cursor: 1234, hasMore: false, changes }, Date.now());
    expect(stats).toEqual({ applied: 1234, skipped: 0, renumbered: 0 });
    expect(getCursor(s.sqlite)).toBe(1234);
    expect(s.sqlite.prepare('SELECT count(*) FROM tickets').pluck().get()).toBe(1234);
    const row = s.sqlite.prepare('SELECT field_hlc, title FROM tickets WHERE id = ?').get('t-000701') as { field_hlc: string; title: string };
    expect(row.title).toBe('Printer jams on floor three');
    const stored = JSON.parse(row.field_hlc) as Record<string, string>;
    expect(stored).toEqual({ '*': STAMP, title: OTHER });
    expect(expandFieldHlc(stored, [...Object.keys(changes[700]!.data), 'scope_id'])).toEqual(changes[700]!.fieldHlc);
    expect(s.sqlite.prepare("SELECT count(*) FROM tickets_fts WHERE tickets_fts MATCH 'printer'").pluck().get()).toBe(1);
  });

  it('repairs a number clash in the middle of a batch and keeps the rest', () => {
    const s = store();
    applyPage(s.sqlite, { from: 0, cursor: 1, hasMore: false, changes: [ticket(1, 'INC5', 'Made here offline')] }, Date.now());
    // The server gave INC5 to another ticket; the local holder (t-000001) is parked until its own
    // replacement number arrives.
    const page = [ticket(2, 'INC2', 'Two'), { ...ticket(3, 'INC5', 'Server five'), id: 't-server5' }, ticket(4, 'INC4', 'Four')];
    const stats = applyPage(s.sqlite, { from: 1, cursor: 4, hasMore: false, changes: page }, Date.now());
    expect(stats).toEqual({ applied: 3, skipped: 0, renumbered: 1 });
    const numbers = s.sqlite.prepare('SELECT id, number FROM tickets ORDER BY id').all();
    expect(numbers).toEqual([
      { id: 't-000001', number: 'INC5~000001' },
      { id: 't-000002', number: 'INC2' },
      { id: 't-000004', number: 'INC4' },
      { id: 't-server5', number: 'INC5' },
    ]);
  });

  it('writes a batch of any size as a few statements of sizes kept prepared, a clash in one part settled row by row', () => {
    expect(batchParts(500)).toEqual([500]);
    expect(batchParts(437)).toEqual([256, 128, 32, 16, 4, 1]);
    expect(batchParts(1234)).toEqual([500, 500, 128, 64, 32, 8, 2]);
    for (let n = 1; n <= 1200; n++) expect(batchParts(n).reduce((a, b) => a + b, 0)).toBe(n);
    const s = store();
    applyPage(s.sqlite, { from: 0, cursor: 1, hasMore: false, changes: [ticket(1, 'INC300', 'Made here offline')] }, Date.now());
    // 437 rows: the clash sits in the part of 128; every other part goes in one statement.
    const page = Array.from({ length: 437 }, (_, i) => ({ ...ticket(i + 2, `INC${i + 2}`, `Ticket ${i + 2}`), id: `t-s${i + 2}` }));
    const stats = applyPage(s.sqlite, { from: 1, cursor: 438, hasMore: false, changes: page }, Date.now());
    expect(stats).toEqual({ applied: 437, skipped: 0, renumbered: 1 });
    expect(s.sqlite.prepare('SELECT count(*) FROM tickets').pluck().get()).toBe(438);
    expect(s.sqlite.prepare("SELECT number FROM tickets WHERE id = 't-000001'").pluck().get()).toBe('INC300~000001');
    expect(s.sqlite.prepare("SELECT id FROM tickets WHERE number = 'INC300'").pluck().get()).toBe('t-s300');
  });

  it('updates rows already on the device in a batch', () => {
    const s = store();
    const first = Array.from({ length: 10 }, (_, i) => ticket(i + 1, `INC${i + 1}`, `Ticket ${i + 1}`));
    applyPage(s.sqlite, { from: 0, cursor: 10, hasMore: false, changes: first }, Date.now());
    const again = first.map((c, i) => ({ ...c, seq: 11 + i, data: { ...c.data, title: `Renamed ${i + 1}` } }));
    expect(applyPage(s.sqlite, { from: 10, cursor: 20, hasMore: false, changes: again }, Date.now())).toEqual({ applied: 10, skipped: 0, renumbered: 0 });
    expect(s.sqlite.prepare("SELECT count(*) FROM tickets WHERE title LIKE 'Renamed %'").pluck().get()).toBe(10);
    expect(s.sqlite.prepare("SELECT count(*) FROM tickets_fts WHERE tickets_fts MATCH 'renamed'").pluck().get()).toBe(10);
    expect(s.sqlite.prepare("SELECT count(*) FROM tickets_fts WHERE tickets_fts MATCH 'title:ticket'").pluck().get()).toBe(0);
  });
});

describe('applyPageSlice: a page in time-boxed slices', () => {
  it('with no time to spare takes one change per slice, moves the cursor to it, and ends where the whole page would', () => {
    const sliced = store();
    const whole = store();
    // Two changes at the same log position are never split between slices.
    const changes = [ticket(1, 'INC1', 'One'), ticket(2, 'INC2', 'Two'), { ...ticket(3, 'INC3', 'Three') }, { ...ticket(3, 'INC4', 'Four'), id: 't-000004' }, ticket(5, 'INC5', 'Five')];
    const page = { from: 0, cursor: 9, hasMore: false, changes };
    applyPage(whole.sqlite, page, Date.now());
    let rest = page;
    const cursors: number[] = [];
    for (let i = 0; i < 10 && rest.changes.length; i++) {
      const r = applyPageSlice(sliced.sqlite, rest, Date.now(), CURSOR_KEY, 0)!;
      cursors.push(getCursor(sliced.sqlite));
      rest = { ...rest, from: getCursor(sliced.sqlite), changes: rest.changes.slice(r.taken) };
    }
    expect(cursors).toEqual([1, 2, 3, 9]);
    const rows = (s: Store) => s.sqlite.prepare('SELECT id, number, title, field_hlc FROM tickets ORDER BY id').all();
    expect(rows(sliced)).toEqual(rows(whole));
    // A slice that does not start where the device stands is ignored, like a stale page.
    expect(applyPageSlice(sliced.sqlite, { ...page, from: 1 }, Date.now(), CURSOR_KEY, 0)).toBeNull();
  });

  it('writes a field the server’s record leaves out as empty, so a value the server never took does not linger', () => {
    const s = store();
    const t = ticket(1, 'INC1', 'Printer');
    applyPage(s.sqlite, { from: 0, cursor: 1, hasMore: false, changes: [t] }, Date.now());
    // This device resolved it by itself; the server refused the move and sends its own version back.
    s.sqlite.prepare("UPDATE tickets SET status = 'resolved', resolution_code = 'solved_permanently', resolution_notes = 'Fixed here' WHERE id = ?").run(t.id);
    applyPage(s.sqlite, { from: 1, cursor: 2, hasMore: false, changes: [{ ...t, seq: 2, data: { ...t.data, status: 'cancelled' } }] }, Date.now());
    expect(s.sqlite.prepare('SELECT status, resolution_code AS code, resolution_notes AS notes FROM tickets WHERE id = ?').get(t.id)).toEqual({ status: 'cancelled', code: null, notes: null });
  });
});

describe('a long page reads what the device held window by window', () => {
  it('lists a held record changed far into the page with its before and after, a new one as received, and one changed twice twice', () => {
    const s = store();
    // The device already holds 1,200 tickets.
    const held = Array.from({ length: 1200 }, (_, i) => ticket(i + 1, `INC${i + 1}`, `Ticket ${i + 1}`));
    applyPage(s.sqlite, { from: 0, cursor: 1200, hasMore: false, changes: held }, Date.now());
    // The next page: 300 new tickets first, then renames of held ones well past the first read-ahead
    // window, one of them renamed again near the end.
    const fresh = Array.from({ length: 300 }, (_, i) => ticket(1201 + i, `INC${1201 + i}`, `New ${i + 1}`));
    const renames = held.slice(0, 900).map((c, i) => ({ ...c, seq: 1501 + i, data: { ...c.data, title: `Renamed ${i + 1}` } }));
    const again = { ...held[850]!, seq: 2401, data: { ...held[850]!.data, title: 'Renamed twice' } };
    const changes = [...fresh, ...renames, again];
    const page = { from: 1200, cursor: 2401, hasMore: false, changes };
    // In slices of one change at a time and in one go, with the same trail.
    let rest = page;
    while (rest.changes.length) {
      const r = applyPageSlice(s.sqlite, rest, Date.now(), CURSOR_KEY, changes.length - rest.changes.length < 5 ? 0 : Infinity)!;
      rest = { ...rest, from: getCursor(s.sqlite), changes: rest.changes.slice(r.taken) };
    }
    expect(getCursor(s.sqlite)).toBe(2401);
    const listed = (s.sqlite.prepare("SELECT after FROM audit_events WHERE call = 'sync.pull' AND seq > 1 ORDER BY seq").pluck().all() as string[]).flatMap(
      (a) => (JSON.parse(a) as { changes: { id: string; received?: number; before?: { title?: string }; after?: { title?: string } }[] }).changes,
    );
    expect(listed).toHaveLength(300 + 900 + 1);
    expect(listed.filter((c) => c.received !== undefined).map((c) => c.id)).toEqual(fresh.map((c) => c.id));
    const renamed = listed.filter((c) => c.received === undefined);
    expect(renamed.find((c) => c.id === held[700]!.id)).toEqual({ type: expect.any(String), id: held[700]!.id, before: { title: 'Ticket 701' }, after: { title: 'Renamed 701' } });
    expect(renamed.filter((c) => c.id === held[850]!.id).map((c) => [c.before?.title, c.after?.title])).toEqual([
      ['Ticket 851', 'Renamed 851'],
      ['Renamed 851', 'Renamed twice'],
    ]);
    expect(s.sqlite.prepare('SELECT title FROM tickets WHERE id = ?').pluck().get(held[850]!.id)).toBe('Renamed twice');
  });

  it('finds a pulled comment by its words when the comment arrives before its ticket (a ticket edited after it was commented)', () => {
    const s = store();
    // The server sends each record at its newest change: the comment (seq 1) comes before its
    // ticket, renamed after the comment was written (seq 3); a second comment arrives after it.
    const comment = (seq: number, id: string, body: string): Change => ({
      seq, entity: 'ticket_comments', id, scopeId: 'site-1',
      data: { ticket_id: 't-000003', author_id: 'p-1', body, internal: 0 },
      fieldHlc: { ticket_id: STAMP, author_id: STAMP, body: STAMP, internal: STAMP, scope_id: STAMP },
      deletedHlc: null, createdAt: `2026-03-01T10:0${seq}:00.000Z`, updatedAt: `2026-03-01T10:0${seq}:00.000Z`,
    });
    const changes = [comment(1, 'c-1', 'Toner cartridge swapped'), ticket(3, 'INC3', 'Printer on floor two'), comment(4, 'c-2', 'Fuser replaced')];
    applyPage(s.sqlite, { from: 0, cursor: 4, hasMore: false, changes }, Date.now());
    const hits = (q: string) => s.sqlite.prepare('SELECT count(*) FROM tickets_fts WHERE tickets_fts MATCH ?').pluck().get(q);
    expect(hits('toner')).toBe(1);
    expect(hits('fuser')).toBe(1);
    expect(hits('printer')).toBe(1);
  });

  it('repairs the search entry of a ticket whose pulled comments were missed before the fix', () => {
    const s = store();
    // The store as it was: the ticket's insert started its entry with no comments.
    s.sqlite.exec(`DROP TRIGGER tickets_fts_ai;
      CREATE TRIGGER tickets_fts_ai AFTER INSERT ON tickets BEGIN
        INSERT INTO tickets_fts (rowid, number, title, description, comments) VALUES (new.rowid, new.number, new.title, new.description, '');
      END;`);
    const comment: Change = {
      seq: 1, entity: 'ticket_comments', id: 'c-1', scopeId: 'site-1',
      data: { ticket_id: 't-000002', author_id: 'p-1', body: 'Toner cartridge swapped', internal: 0 },
      fieldHlc: { ticket_id: STAMP, author_id: STAMP, body: STAMP, internal: STAMP, scope_id: STAMP },
      deletedHlc: null, createdAt: '2026-03-01T10:01:00.000Z', updatedAt: '2026-03-01T10:01:00.000Z',
    };
    applyPage(s.sqlite, { from: 0, cursor: 3, hasMore: false, changes: [comment, ticket(2, 'INC2', 'Printer'), ticket(3, 'INC3', 'Other')] }, Date.now());
    const hits = (q: string) => s.sqlite.prepare('SELECT count(*) FROM tickets_fts WHERE tickets_fts MATCH ?').pluck().get(q);
    expect(hits('toner')).toBe(0);
    const migration = fs.readFileSync(path.join(__dirname, '../../../migrations/desktop/0041_pulled_comments_search.sql'), 'utf8');
    for (const statement of migration.split('--> statement-breakpoint')) s.sqlite.exec(statement);
    expect(hits('toner')).toBe(1);
    expect(hits('printer')).toBe(1);
    expect(hits('other')).toBe(1);
  });
});
