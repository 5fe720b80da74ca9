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
import { applyPage, getCursor } from './apply';
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
