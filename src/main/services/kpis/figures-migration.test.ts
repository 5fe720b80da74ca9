/**
 * A store from before the per-ticket figures moved onto the ticket row (migration 0039) keeps every
 * ticket's reopenings, reassignments and business hours through the move, and the triggers keep them
 * from there: the store is built on the migrations up to 0038 (figures in ticket_figures, as a device
 * had them), then opened as the app opens it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { defaultMigrationsFolder, openStore } from '../../db/open';
import { tempDir } from '../../testing';

const BEFORE = '0039_ticket_figures_on_tickets';

/** A copy of the migrations that stops before 0039. */
function migrationsBefore(dir: string): string {
  const src = defaultMigrationsFolder();
  const out = path.join(dir, 'migrations');
  fs.cpSync(src, out, { recursive: true });
  const journal = JSON.parse(fs.readFileSync(path.join(out, 'meta/_journal.json'), 'utf8')) as { entries: { idx: number; tag: string }[] };
  const at = journal.entries.findIndex((e) => e.tag === BEFORE);
  expect(at, 'migration 0039 is in the journal').toBeGreaterThan(0);
  journal.entries = journal.entries.slice(0, at);
  fs.writeFileSync(path.join(out, 'meta/_journal.json'), JSON.stringify(journal));
  return out;
}

const cleanups: (() => void)[] = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()!();
});

describe('per-ticket figures move onto the ticket row', () => {
  it('keeps what each ticket had, and the triggers count on from there', () => {
    const t = tempDir('outpost-figures-migration-');
    cleanups.push(t.cleanup);
    const file = path.join(t.dir, 'outpost.db');
    const old = openStore(file, { key: null, migrationsFolder: migrationsBefore(t.dir) });
    const s = old.sqlite;
    s.pragma('foreign_keys = OFF');
    const ticket = s.prepare(
      `INSERT INTO tickets (id, scope_id, created_at, updated_at, field_hlc, number, type, title, impact, urgency, priority, status, is_open, opened_at)
       VALUES (?, 'site', '2026-01-05T09:00:00.000Z', '2026-01-05T09:00:00.000Z', '{}', ?, 'incident', 'Printer', 2, 2, 3, ?, ?, '2026-01-05T09:00:00.000Z')`,
    );
    let n = 0;
    const history = s.prepare(
      `INSERT INTO ticket_history (id, scope_id, created_at, updated_at, field_hlc, ticket_id, actor_id, kind, field, from_value, to_value)
       VALUES (?, 'site', ?, ?, '{}', ?, 'user', ?, ?, ?, ?)`,
    );
    const move = (id: string, at: string, kind: 'status' | 'field', field: string | null, from: string | null, to: string) =>
      history.run(`h${++n}`, at, at, id, kind, field, from, to);
    // Reopened once, reassigned twice (group and assignee at one moment count once), business hours derived.
    ticket.run('t1', 'INC0000001', 'in_progress', 1);
    move('t1', '2026-01-05T10:00:00.000Z', 'field', 'groupId', 'g1', 'g2');
    move('t1', '2026-01-05T10:00:00.000Z', 'field', 'assigneeId', 'u1', 'u2');
    move('t1', '2026-01-06T10:00:00.000Z', 'field', 'assigneeId', 'u2', 'u3');
    move('t1', '2026-01-07T10:00:00.000Z', 'status', null, 'resolved', 'in_progress');
    s.prepare('UPDATE ticket_figures SET response_business_ms = 3600000, resolve_business_ms = NULL WHERE ticket_id = ?').run('t1');
    // A ticket with no history at all: nothing to carry, zeros.
    ticket.run('t2', 'INC0000002', 'new', 1);
    expect(s.prepare('SELECT reopen_count, reassignment_count FROM ticket_figures WHERE ticket_id = ?').get('t1')).toEqual({ reopen_count: 1, reassignment_count: 2 });
    old.close();

    const store = openStore(file, { key: null });
    cleanups.push(() => store.close());
    const row = (id: string) =>
      store.sqlite.prepare('SELECT reopen_count, reassignment_count, response_business_ms, resolve_business_ms FROM tickets WHERE id = ?').get(id);
    expect(row('t1')).toEqual({ reopen_count: 1, reassignment_count: 2, response_business_ms: 3600000, resolve_business_ms: null });
    expect(row('t2')).toEqual({ reopen_count: 0, reassignment_count: 0, response_business_ms: null, resolve_business_ms: null });
    expect(store.sqlite.prepare("SELECT count(*) FROM sqlite_master WHERE name = 'ticket_figures'").pluck().get()).toBe(0);

    // From here the triggers keep them: another reopening, and another reassignment.
    store.sqlite.pragma('foreign_keys = OFF');
    const more = store.sqlite.prepare(
      `INSERT INTO ticket_history (id, scope_id, created_at, updated_at, field_hlc, ticket_id, actor_id, kind, field, from_value, to_value)
       VALUES (?, 'site', ?, ?, '{}', 't1', 'user', ?, ?, ?, ?)`,
    );
    more.run('h-next-1', '2026-01-08T10:00:00.000Z', '2026-01-08T10:00:00.000Z', 'status', null, 'closed', 'assigned');
    more.run('h-next-2', '2026-01-08T11:00:00.000Z', '2026-01-08T11:00:00.000Z', 'field', 'groupId', 'g2', 'g3');
    expect(row('t1')).toMatchObject({ reopen_count: 2, reassignment_count: 3 });
  });
});
