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
import { faultWanted } from './fault-point';

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

/** How a search index is built beside the indexes (see BULK_SEARCH). */
interface Beside {
  fill: string;
  text?: string;
}

/** A ticket's entry in tickets_fts, as migration 0041 repairs it: number, title, description, and its comments in order of writing. */
const TICKETS_FTS_ROWS = `SELECT t.rowid, t.number, t.title, t.description,
         coalesce((SELECT group_concat(char(10) || body, '') FROM (SELECT body FROM ticket_comments WHERE ticket_id = t.id ORDER BY created_at, id)), '')
       FROM tickets t`;

/**
 * The full-text indexes fed by triggers on the registers a first sync fills, what each reads
 * (`tables`: all must be empty for it to be deferred) and how it is built in one pass. Kept up by
 * the triggers, a pulled ticket cost more in its search entries (the full-text index and the
 * prefix-indexed title index) than in its row. tickets_fts is built exactly as migration 0041
 * repairs it: number, title, description, and the ticket's comments in order of writing.
 *
 * `beside`: the same entries written into a copy of the index in a separate in-memory database
 * (`side`), from the same rows in the same order, so that a second worker builds them while the
 * first builds the indexes (see restoreIndexes): `fill` writes the copy (for an index that reads a
 * register, external content, the rows FTS5's `rebuild` reads, in rowid order); `text`, for an
 * index that keeps its own copy of the text (tickets_fts), writes that copy straight into the
 * store, the copy beside being made without it (contentless), so the text is not written twice.
 */
export const BULK_SEARCH: readonly { index: string; table: string; tables: readonly string[]; triggers: readonly string[]; build: readonly string[]; beside: Beside }[] = [
  {
    index: 'tickets_fts',
    table: 'tickets',
    tables: ['tickets', 'ticket_comments'],
    triggers: ['tickets_fts_ai', 'tickets_fts_au', 'tickets_fts_ad', 'ticket_comments_fts_ai'],
    build: ['DELETE FROM tickets_fts', `INSERT INTO tickets_fts (rowid, number, title, description, comments) ${TICKETS_FTS_ROWS}`],
    beside: {
      fill: `INSERT INTO side.tickets_fts (rowid, number, title, description, comments) ${TICKETS_FTS_ROWS}`,
      text: `INSERT INTO main.tickets_fts_content (id, c0, c1, c2, c3) ${TICKETS_FTS_ROWS}`,
    },
  },
  {
    index: 'tickets_title_fts',
    table: 'tickets',
    tables: ['tickets'],
    triggers: ['tickets_title_fts_ai', 'tickets_title_fts_au', 'tickets_title_fts_ad'],
    build: ["INSERT INTO tickets_title_fts (tickets_title_fts) VALUES ('rebuild')"],
    beside: { fill: 'INSERT INTO side.tickets_title_fts (rowid, number, title) SELECT rowid, number, title FROM main.tickets ORDER BY rowid' },
  },
  {
    index: 'assets_search',
    table: 'assets',
    tables: ['assets'],
    triggers: ['assets_search_ai', 'assets_search_au', 'assets_search_ad'],
    build: ["INSERT INTO assets_search (assets_search) VALUES ('rebuild')"],
    beside: { fill: 'INSERT INTO side.assets_search (rowid, tag, name, serial, model, manufacturer) SELECT rowid, tag, name, serial, model, manufacturer FROM main.assets ORDER BY rowid' },
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
 * Written as plain JavaScript in a string because the workers below run it too (an eval worker
 * needs no bundled file, in the Electron app or from source); the main thread runs the same text.
 *
 * `part` 'all': every index and search index still missing, then the marker goes. 'indexes': only
 * the indexes, while the search entries are built beside them (BESIDE); the marker stays. A search
 * index whose triggers are all back is built already (they come back in the transaction that fills
 * it, and went in the one that wrote the marker), and so is an index that exists: a build stopped
 * between its transactions resumes where it stood.
 */
const REBUILD = `
  const row = db.prepare('SELECT value FROM meta WHERE key = ?').pluck().get(marker);
  if (!row) return 0;
  const deferred = JSON.parse(row);
  const exists = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = ?");
  const trigger = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'trigger' AND name = ?");
  let built = 0;
  db.transaction(() => {
    for (const i of deferred.indexes) {
      if (exists.get(i.name)) continue;
      db.exec(i.sql);
      built++;
    }
    if (part === 'indexes') return;
    for (const x of deferred.search || []) {
      if (x.triggers.every((t) => trigger.get(t.name))) continue;
      for (const sql of x.build) db.exec(sql);
      for (const t of x.triggers) if (!trigger.get(t.name)) db.exec(t.sql);
    }
    db.prepare('DELETE FROM meta WHERE key = ?').run(marker);
  }).immediate();
  return built;
`;

// REBUILD is this module's own constant, never input.
const rebuildHere = new Function('db', 'marker', 'part', REBUILD) as (db: Database.Database, marker: string, part: 'all' | 'indexes') => number;

/**
 * Builds the deferred indexes on this connection, now (blocking): for a store being opened, before
 * anything else uses it. Returns how many indexes it built (0 when none waited).
 */
export function restoreIndexesNow(sqlite: Database.Database): number {
  return rebuildHere(sqlite, DEFERRED_INDEXES_KEY, 'all');
}

/**
 * The search entries built beside the indexes, by a second worker: each search index still
 * missing (`beside`: what fills it, from BULK_SEARCH) is filled into a copy of itself in an
 * in-memory database attached to this connection (created from the index's own definition, so the
 * same columns, tokenizer, prefixes and detail), from the store's rows as they stand, while the
 * other worker holds the write lock for the indexes. Once that worker is done (`indexesDone()`),
 * in one transaction, the index's own tables (FTS5's data, term index, sizes and, for an index
 * that keeps its text, the text) are replaced by the copy's and its triggers come back. Its words
 * never reach a file: the attached database lives in this worker's memory. Returns how many search
 * indexes it built.
 */
const BESIDE = `
  const row = db.prepare('SELECT value FROM meta WHERE key = ?').pluck().get(marker);
  if (!row) return 0;
  const trigger = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'trigger' AND name = ?");
  const todo = (JSON.parse(row).search || []).filter((x) => beside[x.index] && !x.triggers.every((t) => trigger.get(t.name)));
  if (!todo.length) return 0;
  db.exec("ATTACH DATABASE ':memory:' AS side KEY ''");
  const definition = db.prepare("SELECT sql FROM main.sqlite_master WHERE type = 'table' AND name = ?").pluck();
  const shadows = db.prepare("SELECT name FROM main.sqlite_master WHERE type = 'table' AND name IN (@n || '_data', @n || '_idx', @n || '_docsize', @n || '_content')").pluck();
  for (const x of todo) {
    const sql = definition.get(x.index);
    const head = /^CREATE VIRTUAL TABLE [\\x60"]?[a-z_]+[\\x60"]? USING fts5\\(/i;
    if (!sql || !head.test(sql)) throw new Error('The search index ' + x.index + ' is not an FTS5 table as expected.');
    const spec = beside[x.index];
    db.exec(sql.replace(head, 'CREATE VIRTUAL TABLE side."' + x.index + '" USING fts5(' + (spec.text ? "content='', " : '')));
    db.exec(spec.fill);
  }
  indexesDone();
  // FTS5's own tables are written directly only here, on this worker's connection: SQLite's
  // defensive mode (on for every connection) refuses that, so it is off for this transaction.
  db.unsafeMode(true);
  try {
    db.transaction(() => {
      for (const x of todo) {
        if (x.triggers.every((t) => trigger.get(t.name))) continue;
        for (const t of shadows.all({ n: x.index })) {
          db.exec('DELETE FROM main."' + t + '"');
          if (t === x.index + '_content' && beside[x.index].text) db.exec(beside[x.index].text);
          else db.exec('INSERT INTO main."' + t + '" SELECT * FROM side."' + t + '"');
        }
        for (const t of x.triggers) if (!trigger.get(t.name)) db.exec(t.sql);
      }
    }).immediate();
  } finally {
    db.unsafeMode(false);
  }
  db.exec('DETACH DATABASE side');
  return todo.length;
`;

const WORKER = `
  const { parentPort, workerData } = require('node:worker_threads');
  let db;
  try {
    const Database = require(workerData.driver);
    db = new Database(workerData.file);
    for (const p of workerData.pragmas) db.pragma(p);
    // Waits for a transaction of another connection (the other worker's, a checkpoint's TRUNCATE).
    db.pragma('busy_timeout = 10000');
    // The sorter's runs of index keys stay in memory rather than in temporary files on disk.
    db.pragma('temp_store = MEMORY');
    // SQLite's default page cache (2 MB), not a large one: each index is a fresh scan of the table
    // whichever the size, and measured over 100,000 tickets the 40 indexes and search entries cost
    // about a sixth less CPU with it than with a 128 MB cache that holds the whole table (plain and
    // encrypted stores alike: the table's pages come from the OS's file cache, and AEGIS decrypts a
    // page far faster than SQLite takes its rows apart; docs/sync.md).
    db.pragma('cache_size = -2000');
    // Helper threads for the sorter of each index build: the sorting of one run of keys overlaps the
    // scan for the next, on the core the search worker leaves free once its copy is built (about a
    // tenth off the build with both workers, docs/sync.md). Not for the search worker (no sorting).
    if (workerData.sorterThreads) db.pragma('threads = ' + workerData.sorterThreads);
    // Set by the index worker (or the main thread) when the indexes' transaction has ended.
    const signal = new Int32Array(workerData.signal);
    const indexesDone = () => {
      while (Atomics.load(signal, 0) === 0) Atomics.wait(signal, 0, 0, 1000);
    };
    let built;
    try {
      built = workerData.part === 'search'
        ? (function (db, marker, beside, indexesDone) {${BESIDE}})(db, workerData.marker, workerData.beside, indexesDone)
        : (function (db, marker, part) {${REBUILD}})(db, workerData.marker, workerData.part);
      if (workerData.fault) {
        // A crash test stops the process here (fault-point.ts): the indexes are committed, the search entries not yet written.
        require('node:fs').writeSync(2, 'fault point ' + workerData.fault + '\\n');
        for (;;) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
      }
    } finally {
      if (workerData.part !== 'search') {
        Atomics.store(signal, 0, 1);
        Atomics.notify(signal, 0);
      }
    }
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

type Part = 'all' | 'indexes' | 'search';

/** The fault point (crash tests) between the indexes' transaction and the search entries written beside them. */
export const INDEXES_COMMITTED = 'index-build:indexes-committed';

/** Runs one part of the build in a worker thread with its own connection to the store; resolves with how many it built. */
function inWorker(store: { sqlite: Database.Database; path: string; key?: StoreKey | null }, part: Part, signal = new SharedArrayBuffer(4), beside: Record<string, Beside> = {}): Promise<number> {
  const done = new Int32Array(signal);
  const run = new Promise<number>((resolve, reject) => {
    const w = new Worker(WORKER, {
      eval: true,
      workerData: {
        driver: driverPath(),
        file: store.path,
        pragmas: store.key ? keyPragmas(store.key, connectionCipher(store.sqlite) ?? undefined) : [],
        marker: DEFERRED_INDEXES_KEY,
        part,
        beside,
        signal,
        sorterThreads: part === 'search' ? 0 : INDEX_BUILD.sorterThreads,
        fault: part === 'indexes' && faultWanted(INDEXES_COMMITTED) ? INDEXES_COMMITTED : null,
      },
    });
    w.once('message', (m: { built?: number; error?: string }) => (m.error !== undefined ? reject(new Error(m.error)) : resolve(m.built ?? 0)));
    w.once('error', reject);
    w.once('exit', (code) => reject(new Error(`The index worker stopped (exit code ${code}) before answering.`)));
  });
  if (part === 'search') return run;
  // However the index worker ends (even stopped before its own signal), the search worker goes on.
  const signalDone = () => {
    Atomics.store(done, 0, 1);
    Atomics.notify(done, 0);
  };
  return run.finally(signalDone);
}


/**
 * How the build runs (benchmarks compare): `searchBeside: false` builds the search entries after
 * the indexes, in the same worker; `sorterThreads`, the index worker's `PRAGMA threads`. Registers
 * of more than `besideMaxRows` rows have their search entries built after the indexes, in place,
 * rather than beside them: the copy beside lives in memory (about 250 bytes a ticket).
 */
export const INDEX_BUILD = { searchBeside: true, sorterThreads: 2, besideMaxRows: 400_000 };

/** The search indexes still to build that a second worker can build beside the indexes: what fills each copy. */
function besideSearch(sqlite: Database.Database, deferred: Deferred): Record<string, Beside> {
  const out: Record<string, Beside> = {};
  if (!INDEX_BUILD.searchBeside) return out;
  for (const x of deferred.search ?? []) {
    const spec = BULK_SEARCH.find((b) => b.index === x.index);
    if (!spec) continue;
    const rows = Math.max(...spec.tables.map((t) => (sqlite.prepare(`SELECT coalesce(max(rowid), 0) FROM ${t}`).pluck().get() as number)));
    if (rows <= INDEX_BUILD.besideMaxRows) out[x.index] = spec.beside;
  }
  return out;
}

/** Whether any deferred index or search index is still to build (the marker aside). */
function unbuilt(sqlite: Database.Database, deferred: Deferred): boolean {
  const has = sqlite.prepare('SELECT 1 FROM sqlite_master WHERE type = ? AND name = ?');
  return deferred.indexes.some((i) => !has.get('index', i.name)) || (deferred.search ?? []).some((x) => x.triggers.some((t) => !has.get('trigger', t.name)));
}

/**
 * Builds the deferred indexes of this store in worker threads, holding the write gate meanwhile
 * (main-thread writes wait for it asynchronously, reads go on): one worker builds the indexes, a
 * second the search entries beside them (BESIDE), so the two halves of the build share the
 * machine's cores instead of running one after the other; whatever is left (a search index too
 * large to build beside, or one whose worker failed) is built after, in a worker, and the marker
 * goes last. Falls back to the main thread when a worker cannot run. Resolves with how many indexes
 * were built, where, and how many search indexes were built beside.
 */
export function restoreIndexes(store: { sqlite: Database.Database; path: string; key?: StoreKey | null }): Promise<{ built: number; inWorker: boolean; searchBeside: number }> {
  return writeGate(store.sqlite).hold(async () => {
    const deferred = deferredIndexes(store.sqlite);
    if (!deferred) return { built: 0, inWorker: false, searchBeside: 0 };
    let built = 0;
    let searchBeside = 0;
    try {
      const beside = besideSearch(store.sqlite, deferred);
      if (Object.keys(beside).length) {
        // Both settle before going on: nothing else may write while either still does.
        const signal = new SharedArrayBuffer(4);
        const [indexes, search] = await Promise.allSettled([inWorker(store, 'indexes', signal), inWorker(store, 'search', signal, beside)]);
        if (indexes.status === 'rejected') throw indexes.reason;
        built = indexes.value;
        searchBeside = search.status === 'fulfilled' ? search.value : 0;
      }
      // Only the marker left (the usual case): cleared here, in a moment; else the rest in a worker.
      built += unbuilt(store.sqlite, deferred) ? await inWorker(store, 'all') : restoreIndexesNow(store.sqlite);
      return { built, inWorker: true, searchBeside };
    } catch {
      // No worker (or it failed): the rest is built here, holding the event loop, rather than never.
      return { built: built + restoreIndexesNow(store.sqlite), inWorker: false, searchBeside };
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
