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
 * (which the writes themselves rely on) stay, and so do the search triggers. Building two dozen
 * indexes over 100,000 rows takes seconds, longer than a window may wait for an answer, so it runs
 * in a worker thread with its own connection while the main thread holds the write gate; the main
 * thread keeps answering (reads see the rows meanwhile, only slower).
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type Database from 'better-sqlite3';
import { keyPragmas, type StoreKey } from './store-key';
import { writeGate } from './write-gate';

export const DEFERRED_INDEXES_KEY = 'store.deferred_indexes';

interface Deferred {
  /** When the indexes were dropped (for the log). */
  at: string;
  indexes: { name: string; table: string; sql: string }[];
}

/** The indexes waiting to be built again, or null when none are. */
export function deferredIndexes(sqlite: Database.Database): Deferred | null {
  const v = sqlite.prepare('SELECT value FROM meta WHERE key = ?').pluck().get(DEFERRED_INDEXES_KEY) as string | undefined;
  return v ? (JSON.parse(v) as Deferred) : null;
}

/**
 * Drops the non-unique secondary indexes of those `tables` that hold no row yet, and records them,
 * in one transaction. Nothing happens when indexes are already deferred or no listed table is
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
    sqlite.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value').run(DEFERRED_INDEXES_KEY, JSON.stringify({ at: now.toISOString(), indexes: deferred } satisfies Deferred));
    for (const i of deferred) sqlite.exec(`DROP INDEX "${i.name}"`);
    return deferred.map((i) => i.name);
  }).immediate();
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
    for (const i of JSON.parse(row).indexes) {
      if (exists.get(i.name)) continue;
      db.exec(i.sql);
      built++;
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
    db.pragma('temp_store = MEMORY');
    // Sorting an index's keys in memory instead of through temporary files.
    db.pragma('cache_size = -131072');
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
          workerData: { driver: driverPath(), file: store.path, pragmas: store.key ? keyPragmas(store.key) : [], marker: DEFERRED_INDEXES_KEY },
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
