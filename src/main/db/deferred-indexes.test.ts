/** Indexes left out while a register is filled in bulk, and built again: here, in a worker, and on an encrypted store. */
import { describe, expect, it } from 'vitest';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { tempDir } from '../testing';
import { openStore, type Store } from './open';
import { bulkFillOver, deferIndexes, deferredIndexes, restoreIndexes, restoreIndexesNow, BULK_SEARCH, DEFERRED_INDEXES_KEY, INDEX_BUILD } from './deferred-indexes';
import { writeGate } from './write-gate';

const NOW = new Date('2026-03-02T09:00:00Z');

function indexList(s: Store): { name: string; sql: string | null }[] {
  return s.sqlite.prepare("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name IN ('tickets', 'assets') ORDER BY name").all() as { name: string; sql: string | null }[];
}

function addTickets(s: Store, n: number, from = 0): void {
  const ins = s.sqlite.prepare(
    "INSERT INTO tickets (id, scope_id, created_at, updated_at, field_hlc, number, type, title, description, status, is_open, impact, urgency, priority, opened_at) VALUES (?, 'site', ?, ?, '{}', ?, 'incident', ?, 'Printer on floor 2', 'new', 1, 3, 3, 5, ?)",
  );
  s.sqlite.pragma('foreign_keys = OFF');
  s.sqlite.transaction(() => {
    for (let i = from; i < from + n; i++) ins.run(crypto.randomUUID(), NOW.toISOString(), NOW.toISOString(), `INC${String(i + 1).padStart(7, '0')}`, `Ticket ${i}`, NOW.toISOString());
  })();
  s.sqlite.pragma('foreign_keys = ON');
}

describe('deferred indexes', () => {
  it('leaves out only the non-unique indexes of empty tables, records them with the drop, and builds the same ones again', () => {
    const t = tempDir('outpost-defer-');
    const s = openStore(path.join(t.dir, 'outpost.db'));
    try {
      const before = indexList(s);
      const dropped = deferIndexes(s.sqlite, ['tickets', 'assets'], NOW);
      expect(dropped.length).toBeGreaterThan(20);
      // Primary keys and unique indexes stay: writes rely on them.
      const during = indexList(s);
      expect(during.map((i) => i.name)).toContain('tickets_number_uq');
      expect(during.every((i) => i.sql === null || /UNIQUE/i.test(i.sql))).toBe(true);
      expect(deferredIndexes(s.sqlite)!.indexes.map((i) => i.name).sort()).toEqual([...dropped].sort());
      // Deferred once: a second call changes nothing.
      expect(deferIndexes(s.sqlite, ['tickets', 'assets'], NOW)).toEqual([]);
      addTickets(s, 500);
      expect(restoreIndexesNow(s.sqlite)).toBe(dropped.length);
      expect(indexList(s)).toEqual(before);
      expect(deferredIndexes(s.sqlite)).toBeNull();
      expect(s.sqlite.pragma('integrity_check', { simple: true })).toBe('ok');
      // A table that holds rows is never stripped.
      expect(deferIndexes(s.sqlite, ['tickets'], NOW)).toEqual([]);
    } finally {
      s.close();
      t.cleanup();
    }
  });

  for (const [what, encrypted, cipher] of [
    ['a plain', false, undefined],
    ['an encrypted', true, undefined],
    ['a SQLCipher 4', true, 'sqlcipher-4'],
    ['a SQLCipher 3', true, 'sqlcipher-3'],
  ] as const) {
    it(`builds them in a worker thread on ${what} store while main-thread writes wait at the gate`, async () => {
      const t = tempDir('outpost-defer-');
      const key = encrypted ? crypto.randomBytes(32) : null;
      const s = openStore(path.join(t.dir, 'outpost.db'), { key, cipher });
      try {
        const before = indexList(s);
        const dropped = deferIndexes(s.sqlite, ['tickets', 'assets'], NOW);
        addTickets(s, 2000);
        const building = restoreIndexes(s);
        expect(writeGate(s.sqlite).busy()).toBe(true);
        // A write made meanwhile waits for the build, then goes through.
        const write = writeGate(s.sqlite).exclusive(() => s.sqlite.prepare("INSERT INTO meta (key, value) VALUES ('after', '1')").run());
        // Reads go on while the worker builds.
        expect(s.sqlite.prepare('SELECT count(*) FROM tickets').pluck().get()).toBe(2000);
        // The search entries were built beside the indexes, by a second worker.
        expect(await building).toEqual({ built: dropped.length, inWorker: true, searchBeside: 3 });
        await write;
        expect(indexList(s)).toEqual(before);
        expect(s.sqlite.prepare('SELECT value FROM meta WHERE key = ?').pluck().get(DEFERRED_INDEXES_KEY)).toBeUndefined();
        // The queue's query uses its index again.
        const plan = s.sqlite.prepare('EXPLAIN QUERY PLAN SELECT id FROM tickets WHERE is_open = 1 ORDER BY priority, opened_at LIMIT 50').all() as { detail: string }[];
        expect(plan.map((p) => p.detail).join(' ')).toMatch(/tickets_open_priority_idx/);
        expect(s.sqlite.pragma('integrity_check', { simple: true })).toBe('ok');
        // Search finds the rows, and FTS5 checks each index against the rows it was built from.
        expect(s.sqlite.prepare("SELECT count(*) FROM tickets_fts WHERE tickets_fts MATCH 'printer'").pluck().get()).toBe(2000);
        expect(s.sqlite.prepare("SELECT count(*) FROM tickets_title_fts WHERE tickets_title_fts MATCH 'tick*'").pluck().get()).toBe(2000);
        for (const table of ['tickets_fts', 'tickets_title_fts', 'assets_search']) s.sqlite.prepare(`INSERT INTO ${table} (${table}, rank) VALUES ('integrity-check', 1)`).run();
        expect(await restoreIndexes(s)).toEqual({ built: 0, inWorker: false, searchBeside: 0 });
      } finally {
        s.close();
        t.cleanup();
      }
    });
  }

  it('leaves the search entries of the empty registers out and builds them from the rows at the end, triggers and all', async () => {
    const t = tempDir('outpost-defer-');
    const s = openStore(path.join(t.dir, 'outpost.db'));
    try {
      const triggers = () => s.sqlite.prepare("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' ORDER BY name").all();
      const before = triggers();
      // Every trigger BULK_SEARCH names exists in the schema the migrations give (else it would silently not defer).
      const names = new Set((before as { name: string }[]).map((x) => x.name));
      for (const x of BULK_SEARCH) for (const n of x.triggers) expect(names.has(n), n).toBe(true);
      deferIndexes(s.sqlite, ['tickets', 'assets'], NOW);
      expect(deferredIndexes(s.sqlite)!.search!.map((x) => x.index)).toEqual(['tickets_fts', 'tickets_title_fts', 'assets_search']);
      expect(names.size - triggers().length).toBe(BULK_SEARCH.reduce((n, x) => n + x.triggers.length, 0));
      addTickets(s, 300);
      // A comment written meanwhile (its trigger is out too) is in its ticket's entry once built.
      const first = s.sqlite.prepare('SELECT id FROM tickets ORDER BY rowid LIMIT 1').pluck().get() as string;
      s.sqlite.pragma('foreign_keys = OFF');
      s.sqlite.prepare("INSERT INTO ticket_comments (id, scope_id, created_at, updated_at, field_hlc, ticket_id, author_id, body, internal) VALUES ('c1', 'site', ?, ?, '{}', ?, 'someone', 'Toner smudges on every page', 0)").run(NOW.toISOString(), NOW.toISOString(), first);
      s.sqlite.pragma('foreign_keys = ON');
      expect(s.sqlite.prepare('SELECT count(*) FROM tickets_fts').pluck().get()).toBe(0);
      // Heavy readers of the registers wait for the fill to end.
      let over = false;
      const waiting = bulkFillOver(s.sqlite, 5).then(() => (over = true));
      await new Promise((r) => setTimeout(r, 30));
      expect(over).toBe(false);
      restoreIndexesNow(s.sqlite);
      await waiting;
      expect(triggers()).toEqual(before);
      expect(s.sqlite.prepare('SELECT count(*) FROM tickets_fts').pluck().get()).toBe(300);
      expect(s.sqlite.prepare("SELECT count(*) FROM tickets_fts WHERE tickets_fts MATCH 'toner'").pluck().get()).toBe(1);
      expect(s.sqlite.prepare("SELECT count(*) FROM tickets_title_fts WHERE tickets_title_fts MATCH 'tick*'").pluck().get()).toBe(300);
      for (const table of ['tickets_fts', 'tickets_title_fts', 'assets_search']) s.sqlite.prepare(`INSERT INTO ${table} (${table}) VALUES ('integrity-check')`).run();
      // Kept up row by row again.
      addTickets(s, 1, 300);
      expect(s.sqlite.prepare('SELECT count(*) FROM tickets_title_fts').pluck().get()).toBe(301);
    } finally {
      s.close();
      t.cleanup();
    }
  });

  it('writes the same search entries beside the indexes as in place, and a build stopped between its transactions resumes', async () => {
    const t = tempDir('outpost-defer-');
    const file = path.join(t.dir, 'outpost.db');
    const s = openStore(file);
    let beside: Store | null = null;
    try {
      deferIndexes(s.sqlite, ['tickets', 'assets'], NOW);
      const marker = s.sqlite.prepare('SELECT value FROM meta WHERE key = ?').pluck().get(DEFERRED_INDEXES_KEY) as string;
      addTickets(s, 3000);
      const first = s.sqlite.prepare('SELECT id FROM tickets ORDER BY rowid LIMIT 1').pluck().get() as string;
      s.sqlite.pragma('foreign_keys = OFF');
      s.sqlite.prepare("INSERT INTO ticket_comments (id, scope_id, created_at, updated_at, field_hlc, ticket_id, author_id, body, internal) VALUES ('c1', 'site', ?, ?, '{}', ?, 'someone', 'Toner smudges on every page', 0)").run(NOW.toISOString(), NOW.toISOString(), first);
      s.sqlite.pragma('foreign_keys = ON');
      s.sqlite.pragma('wal_checkpoint(TRUNCATE)');
      fs.copyFileSync(file, path.join(t.dir, 'beside.db'));
      beside = openStore(path.join(t.dir, 'beside.db'));
      // One store builds in place on this thread, the other in the workers, its search entries beside.
      const dropped = restoreIndexesNow(s.sqlite);
      expect(await restoreIndexes(beside)).toEqual({ built: dropped, inWorker: true, searchBeside: 3 });
      // FTS5's own tables hold the same bytes: index pages, term lists, sizes and text. Only its two
      // bookkeeping records differ, by how they were written: the structure record (10) counts
      // pages written since the index was emptied, which 'rebuild' restarts, and an empty index's
      // averages record (1) is written out as zeros by 'rebuild' and left empty beside.
      const shadow = (x: Store) =>
        Object.fromEntries(
          (x.sqlite.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND (name GLOB 'tickets_*fts_*' OR name GLOB 'assets_search_*') ORDER BY name").pluck().all() as string[]).map((n) => [
            n,
            x.sqlite.prepare(`SELECT * FROM ${n} ${n.endsWith('_data') ? 'WHERE id NOT IN (1, 10)' : ''} ORDER BY 1, 2`).raw().all(),
          ]),
        );
      expect(shadow(beside)).toEqual(shadow(s));
      // Ranked search gives the same order, and FTS5 finds every index in step with its rows.
      const ranked = (x: Store, table: string, q: string) => x.sqlite.prepare(`SELECT rowid, rank FROM ${table} WHERE ${table} MATCH ? ORDER BY rank LIMIT 20`).raw().all(q);
      for (const [table, q] of [['tickets_fts', 'printer OR toner'], ['tickets_title_fts', 'ticket 12*'], ['tickets_fts', 'INC0001*']]) expect(ranked(beside, table!, q!), q).toEqual(ranked(s, table!, q!));
      expect(ranked(beside, 'tickets_fts', 'toner')).toHaveLength(1);
      for (const table of ['tickets_fts', 'tickets_title_fts', 'assets_search']) beside.sqlite.prepare(`INSERT INTO ${table} (${table}, rank) VALUES ('integrity-check', 1)`).run();

      // Stopped after some indexes were committed (each goes in its own transaction): the rest,
      // the search entries and the marker are done at the next start.
      s.sqlite.prepare('INSERT INTO meta (key, value) VALUES (?, ?)').run(DEFERRED_INDEXES_KEY, marker);
      const deferred = JSON.parse(marker) as { indexes: { name: string }[]; search: { triggers: { name: string }[] }[] };
      for (const i of deferred.indexes.slice(0, 10)) s.sqlite.exec(`DROP INDEX "${i.name}"`);
      // Search entries already written beside (their triggers back) are not built again.
      s.sqlite.exec('DROP TRIGGER tickets_title_fts_ai');
      const structure = () => s.sqlite.prepare('SELECT block FROM tickets_fts_data WHERE id = 10').pluck().get();
      const kept = structure();
      expect(restoreIndexesNow(s.sqlite)).toBe(10);
      expect(structure()).toEqual(kept);
      expect(deferredIndexes(s.sqlite)).toBeNull();
      expect(shadow(s)).toEqual(shadow(beside));
      expect(s.sqlite.pragma('integrity_check', { simple: true })).toBe('ok');
    } finally {
      beside?.close();
      s.close();
      t.cleanup();
    }
  });

  it('builds the search entries of a register too large to copy in memory after the indexes, in place, and the others beside', async () => {
    const t = tempDir('outpost-defer-');
    const s = openStore(path.join(t.dir, 'outpost.db'));
    const limit = INDEX_BUILD.besideMaxRows;
    try {
      const dropped = deferIndexes(s.sqlite, ['tickets', 'assets'], NOW);
      addTickets(s, 500);
      INDEX_BUILD.besideMaxRows = 100;
      // The tickets' two search indexes are built in place; the (empty) asset register's beside.
      expect(await restoreIndexes(s)).toEqual({ built: dropped.length, inWorker: true, searchBeside: 1 });
      expect(deferredIndexes(s.sqlite)).toBeNull();
      expect(s.sqlite.prepare("SELECT count(*) FROM tickets_title_fts WHERE tickets_title_fts MATCH 'tick*'").pluck().get()).toBe(500);
      for (const table of ['tickets_fts', 'tickets_title_fts', 'assets_search']) s.sqlite.prepare(`INSERT INTO ${table} (${table}, rank) VALUES ('integrity-check', 1)`).run();
      expect(s.sqlite.pragma('integrity_check', { simple: true })).toBe('ok');
    } finally {
      INDEX_BUILD.besideMaxRows = limit;
      s.close();
      t.cleanup();
    }
  });
});
