/**
 * Indexes left out while an empty table is filled in bulk (a device's first sync), and built once
 * at the end. Kept up row by row, the two dozen query and dashboard indexes of `tickets` cost more
 * than the rows themselves: every slice of a pulled page dirtied pages of each of them, and wrote
 * them all to the log again at its commit. Built at the end, each index is one sorted pass.
 *
 * Crash-safe: the indexes are dropped in the same transaction that records their definitions in
 * `meta` (DEFERRED_INDEXES_KEY), and the marker goes in the transaction that builds them again. A
 * device killed in between finds the marker when the store next opens (runtime.ts) and builds them
 * before anything uses the store.
 *
 * Only the tables' non-unique secondary indexes are deferred: primary keys and unique indexes
 * (which the writes themselves rely on) stay. The search entries of those tables (BULK_SEARCH) are
 * deferred with them: the triggers that feed each full-text index row by row are dropped with the
 * indexes (recorded in the same marker) and each index is built in one pass at the end, from the
 * rows as they then stand, before its triggers come back. Building two dozen indexes and the search
 * entries over 100,000 rows takes seconds, longer than a window may wait for an answer, so it runs
 * in a worker thread with its own connection while the main thread holds the write gate; the main
 * thread keeps answering (reads see the rows meanwhile, only slower, and search finds them once
 * the build is done).
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type Database from 'better-sqlite3';
import { connectionCipher, keyPragmas, type StoreKey } from './store-key';
import { writeGate } from './write-gate';

export const DEFERRED_INDEXES_KEY = 'store.deferred_indexes';

interface Deferred {
  /** When the indexes were dropped (for the log). */
  at: string;
  indexes: { name: string; table: string; sql: string }[];
  /**
   * Search indexes left empty meanwhile: the statements that fill each from its tables in one pass,
   * and the triggers (as they were created) that keep it up row by row again afterwards. Absent in
   * a marker written before search entries were deferred.
   */
  search?: { index: string; build: string[]; triggers: { name: string; sql: string }[] }[];
}

/**
 * The full-text indexes fed by triggers on the registers a first sync fills, what each reads
 * (`tables`: all must be empty for it to be deferred) and how it is built in one pass. Kept up by
 * the triggers, a pulled ticket cost more in its search entries (the full-text index and the
 * prefix-indexed title index) than in its row. tickets_fts is built exactly as migration 0041
 * repairs it: number, title, description, and the ticket's comments in order of writing.
 */
export const BULK_SEARCH: readonly { index: string; table: string; tables: readonly string[]; triggers: readonly string[]; build: readonly string[] }[] = [
  {
    index: 'tickets_fts',
    table: 'tickets',
    tables: ['tickets', 'ticket_comments'],
    triggers: ['tickets_fts_ai', 'tickets_fts_au', 'tickets_fts_ad', 'ticket_comments_fts_ai'],
    build: [
      'DELETE FROM tickets_fts',
      `INSERT INTO tickets_fts (rowid, number, title, description, comments)
       SELECT t.rowid, t.number, t.title, t.description,
         coalesce((SELECT group_concat(char(10) || body, '') FROM (SELECT body FROM ticket_comments WHERE ticket_id = t.id ORDER BY created_at, id)), '')
       FROM tickets t`,
    ],
  },
  {
    index: 'tickets_title_fts',
    table: 'tickets',
    tables: ['tickets'],
    triggers: ['tickets_title_fts_ai', 'tickets_title_fts_au', 'tickets_title_fts_ad'],
    build: ["INSERT INTO tickets_title_fts (tickets_title_fts) VALUES ('rebuild')"],
  },
  {
    index: 'assets_search',
    table: 'assets',
    tables: ['assets'],
    triggers: ['assets_search_ai', 'assets_search_au', 'assets_search_ad'],
    build: ["INSERT INTO assets_search (assets_search) VALUES ('rebuild')"],
  },
];

/** The indexes waiting to be built again, or null when none are. */
export function deferredIndexes(sqlite: Database.Database): Deferred | null {
  const v = sqlite.prepare('SELECT value FROM meta WHERE key = ?').pluck().get(DEFERRED_INDEXES_KEY) as string | undefined;
  return v ? (JSON.parse(v) as Deferred) : null;
}

/**
 * Drops the non-unique secondary indexes of those `tables` that hold no row yet, and the triggers
 * of their search indexes (BULK_SEARCH, when every table such an index reads is empty), and records
 * them, in one transaction. Nothing happens when indexes are already deferred or no listed table is
 * empty. Returns the names of the indexes dropped.
 */
export function deferIndexes(sqlite: Database.Database, tables: readonly string[], now: Date): string[] {
  return sqlite.transaction(() => {
    if (deferredIndexes(sqlite)) return [];
    const empty = tables.filter((t) => /^[a-z][a-z0-9_]*$/.test(t) && sqlite.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?`).get(t) && !sqlite.prepare(`SELECT 1 FROM ${t} LIMIT 1`).get());
    if (!empty.length) return [];
    const indexes = sqlite
      .prepare(`SELECT name, tbl_name AS "table", sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN (SELECT value FROM json_each(?)) ORDER BY tbl_name, name`)
      .all(JSON.stringify(empty)) as Deferred['indexes'];
    const deferred = indexes.filter((i) => !/^\s*CREATE\s+UNIQUE\s/i.test(i.sql));
    if (!deferred.length) return [];
    const search = deferrableSearch(sqlite, empty);
    sqlite.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value').run(DEFERRED_INDEXES_KEY, JSON.stringify({ at: now.toISOString(), indexes: deferred, search } satisfies Deferred));
    for (const i of deferred) sqlite.exec(`DROP INDEX "${i.name}"`);
    for (const x of search) for (const t of x.triggers) sqlite.exec(`DROP TRIGGER "${t.name}"`);
    return deferred.map((i) => i.name);
  }).immediate();
}

/**
 * The search indexes of these (empty) tables that can be left empty and built at the end: every
 * table the index reads is empty, the index itself is, and all its triggers are as expected (a
 * store whose schema differs keeps its triggers).
 */
function deferrableSearch(sqlite: Database.Database, empty: readonly string[]): NonNullable<Deferred['search']> {
  const trigger = sqlite.prepare("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ?").pluck();
  const out: NonNullable<Deferred['search']> = [];
  for (const x of BULK_SEARCH) {
    if (!empty.includes(x.table)) continue;
    if (!sqlite.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(x.index)) continue;
    if (x.tables.some((t) => !empty.includes(t) && sqlite.prepare(`SELECT 1 FROM ${t} LIMIT 1`).get())) continue;
    if (sqlite.prepare(`SELECT 1 FROM ${x.index} LIMIT 1`).get()) continue;
    const triggers = x.triggers.map((name) => ({ name, sql: trigger.get(name) as string | undefined }));
    if (triggers.some((t) => !t.sql)) continue;
    out.push({ index: x.index, build: [...x.build], triggers: triggers as { name: string; sql: string }[] });
  }
  return out;
}

/**
 * The statements that build the deferred indexes again and clear the marker, in one transaction.
 * Written as plain JavaScript in a string because the worker below runs it too (an eval worker needs
 * no bundled file, in the Electron app or from source); the main thread runs the same text.
 */
const REBUILD = `
  const row = db.prepare('SELECT value FROM meta WHERE key = ?').pluck().get(marker);
  if (!row) return 0;
  const exists = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = ?");
  let built = 0;
  db.transaction(() => {
    const deferred = JSON.parse(row);
    for (const i of deferred.indexes) {
      if (exists.get(i.name)) continue;
      db.exec(i.sql);
      built++;
    }
    const trigger = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'trigger' AND name = ?");
    for (const x of deferred.search || []) {
      for (const sql of x.build) db.exec(sql);
      for (const t of x.triggers) if (!trigger.get(t.name)) db.exec(t.sql);
    }
    db.prepare('DELETE FROM meta WHERE key = ?').run(marker);
  }).immediate();
  return built;
`;

// REBUILD is this module's own constant, never input.
const rebuildHere = new Function('db', 'marker', REBUILD) as (db: Database.Database, marker: string) => number;

/**
 * Builds the deferred indexes on this connection, now (blocking): for a store being opened, before
 * anything else uses it. Returns how many indexes it built (0 when none waited).
 */
export function restoreIndexesNow(sqlite: Database.Database): number {
  return rebuildHere(sqlite, DEFERRED_INDEXES_KEY);
}

const WORKER = `
  const { parentPort, workerData } = require('node:worker_threads');
  let db;
  try {
    const Database = require(workerData.driver);
    db = new Database(workerData.file);
    for (const p of workerData.pragmas) db.pragma(p);
    db.pragma('busy_timeout = 10000');
    // The sorter's runs of index keys stay in memory rather than in temporary files on disk.
    db.pragma('temp_store = MEMORY');
    // SQLite's default page cache (2 MB), not a large one: each index is a fresh scan of the table
    // whichever the size, and measured over 100,000 tickets the 40 indexes and search entries cost
    // about a sixth less CPU with it than with a 128 MB cache that holds the whole table (plain and
    // encrypted stores alike: the table's pages come from the OS's file cache, and AEGIS decrypts a
    // page far faster than SQLite takes its rows apart; docs/sync.md).
    db.pragma('cache_size = -2000');
    const built = (function (db, marker) {${REBUILD}})(db, workerData.marker);
    parentPort.postMessage({ built });
  } catch (e) {
    parentPort.postMessage({ error: String((e && e.message) || e) });
  } finally {
    if (db) db.close();
  }
`;

/** Where the SQLite driver lives, for the worker's own require (it cannot resolve from an eval script). */
function driverPath(): string {
  return createRequire(import.meta.url).resolve('better-sqlite3-multiple-ciphers');
}

/**
 * Builds the deferred indexes of this store in a worker thread, holding the write gate meanwhile
 * (main-thread writes wait for it asynchronously, reads go on). Falls back to the main thread when
 * a worker cannot run. Resolves with how many indexes were built, and where.
 */
export function restoreIndexes(store: { sqlite: Database.Database; path: string; key?: StoreKey | null }): Promise<{ built: number; inWorker: boolean }> {
  return writeGate(store.sqlite).hold(async () => {
    if (!deferredIndexes(store.sqlite)) return { built: 0, inWorker: false };
    try {
      const built = await new Promise<number>((resolve, reject) => {
        const w = new Worker(WORKER, {
          eval: true,
          workerData: { driver: driverPath(), file: store.path, pragmas: store.key ? keyPragmas(store.key, connectionCipher(store.sqlite) ?? undefined) : [], marker: DEFERRED_INDEXES_KEY },
        });
        w.once('message', (m: { built?: number; error?: string }) => (m.error !== undefined ? reject(new Error(m.error)) : resolve(m.built ?? 0)));
        w.once('error', reject);
        w.once('exit', (code) => reject(new Error(`The index worker stopped (exit code ${code}) before answering.`)));
      });
      return { built, inWorker: true };
    } catch {
      // No worker (or it failed): the indexes are built here, holding the event loop, rather than never.
      return { built: restoreIndexesNow(store.sqlite), inWorker: false };
    }
  });
}

/**
 * Resolves once no bulk fill is under way in this store (no deferred indexes or search entries):
 * for heavy work that reads the registers, such as training triage suggestions, which would
 * otherwise share the event loop with a first sync and learn from a half-filled store. Resolves at
 * once when the store closes meanwhile.
 */
export async function bulkFillOver(sqlite: Database.Database, pollMs = 250): Promise<void> {
  while (sqlite.open && deferredIndexes(sqlite)) await new Promise((r) => setTimeout(r, pollMs).unref());
}
