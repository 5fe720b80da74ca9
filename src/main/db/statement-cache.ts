/**
 * Prepared statements kept per store connection, so a call no longer compiles its SQL again and,
 * above all, no longer leaves a native statement behind for the garbage collector.
 *
 * Every service prepares its SQL where it runs it (`sqlite.prepare(sql).get(...)`). Each such
 * statement is a native object that better-sqlite3 finalizes when V8 collects its wrapper, and
 * finalizing is SQLite freeing the compiled program piece by piece: about 15–20 µs for the ticket
 * query, inside the collection's pause. A minor collection that found a few hundred of them (the
 * queue pages and edits made since the last one) held an edit for 7–13 ms of CPU at a million
 * tickets: the longest edits' CPU was that, not the edit (docs/architecture.md, "The longest edits at
 * a million tickets").
 *
 * `cacheStatements` replaces the connection's `prepare` with one that keeps the last `max`
 * distinct SQL texts' statements (least recently used dropped) and hands out a small plain-object
 * view of the statement for each call. Each view keeps its own modes (pluck, raw, expand,
 * safeIntegers, bound parameters), applied to the shared statement just before it runs, so two
 * places running the same SQL in different modes never see each other's. A view that would run
 * while the shared statement is busy (another view is iterating it) or that binds parameters
 * permanently gets a statement of its own. The view dies young as a plain object, which costs the
 * collector nothing.
 */
import type Database from 'better-sqlite3';

/** Distinct SQL texts kept per connection (most services use a few dozen; dynamic queue SQL more). */
export const STATEMENT_CACHE_MAX = 300;

interface Entry {
  stmt: Database.Statement;
  /** The modes the shared statement is in now (set lazily, only when a view needs another). */
  pluck: boolean;
  raw: boolean;
  expand: boolean;
  safe: boolean;
}

export interface StatementCache {
  /** Statements compiled and views handed out since the cache was installed. */
  counts(): { prepared: number; reused: number; cached: number };
}

const caches = new WeakMap<Database.Database, StatementCache>();

/** The statement cache of a connection, if `cacheStatements` was installed on it. */
export function statementCacheOf(sqlite: Database.Database): StatementCache | null {
  return caches.get(sqlite) ?? null;
}

export function cacheStatements(sqlite: Database.Database, max = STATEMENT_CACHE_MAX): StatementCache {
  const existing = caches.get(sqlite);
  if (existing) return existing;
  const compile = sqlite.prepare.bind(sqlite) as (sql: string) => Database.Statement;
  const entries = new Map<string, Entry>();
  let prepared = 0;
  let reused = 0;
  const fresh = (sql: string) => {
    prepared++;
    return compile(sql);
  };
  const entryFor = (sql: string): Entry => {
    let e = entries.get(sql);
    if (e) {
      // Most recently used last: the Map's order is the eviction order.
      entries.delete(sql);
      entries.set(sql, e);
      reused++;
      return e;
    }
    const stmt = fresh(sql);
    e = { stmt, pluck: false, raw: false, expand: false, safe: false };
    entries.set(sql, e);
    if (entries.size > max) entries.delete(entries.keys().next().value as string);
    return e;
  };
  (sqlite as { prepare: unknown }).prepare = (sql: string) => view(sql, entryFor(sql), fresh);
  const cache: StatementCache = { counts: () => ({ prepared, reused, cached: entries.size }) };
  caches.set(sqlite, cache);
  return cache;
}

type Mode = { pluck: boolean; raw: boolean; expand: boolean; safe: boolean };

function view(sql: string, entry: Entry, fresh: (sql: string) => Database.Statement): Database.Statement {
  const shared = entry.stmt;
  const mode: Mode = { pluck: false, raw: false, expand: false, safe: false };
  /** A statement of this view's own: after bind(), or once the shared one was busy when it ran. */
  let own: Entry | null = null;
  const onlyForReaders = (name: string, on: boolean | undefined) => {
    if (on !== false && !shared.reader) throw new TypeError(`The ${name}() method is only for statements that return data`);
  };
  /** The statement to run now, in this view's modes (changed only when they differ: a toggle is a native call). */
  const ready = (): Database.Statement => {
    if (!own && shared.busy) own = { stmt: fresh(sql), pluck: false, raw: false, expand: false, safe: false };
    const e = own ?? entry;
    const st = e.stmt;
    if (e.safe !== mode.safe) st.safeIntegers((e.safe = mode.safe));
    if (st.reader && (e.pluck !== mode.pluck || e.raw !== mode.raw || e.expand !== mode.expand)) {
      // better-sqlite3 turns the other two off when one is turned on.
      if (mode.pluck) st.pluck(true);
      else if (mode.raw) st.raw(true);
      else if (mode.expand) st.expand(true);
      else st.pluck(false).raw(false).expand(false);
      e.pluck = mode.pluck;
      e.raw = mode.raw;
      e.expand = mode.expand;
    }
    return st;
  };
  const self = {
    get source() {
      return shared.source;
    },
    get reader() {
      return shared.reader;
    },
    get readonly() {
      return shared.readonly;
    },
    get busy() {
      return (own?.stmt ?? shared).busy;
    },
    get database() {
      return shared.database;
    },
    run: (...params: unknown[]) => ready().run(...params),
    get: (...params: unknown[]) => ready().get(...params),
    all: (...params: unknown[]) => ready().all(...params),
    iterate: (...params: unknown[]) => ready().iterate(...params),
    columns: () => shared.columns(),
    pluck(on?: boolean) {
      onlyForReaders('pluck', on);
      mode.pluck = on !== false;
      if (mode.pluck) mode.raw = mode.expand = false;
      return self;
    },
    raw(on?: boolean) {
      onlyForReaders('raw', on);
      mode.raw = on !== false;
      if (mode.raw) mode.pluck = mode.expand = false;
      return self;
    },
    expand(on?: boolean) {
      onlyForReaders('expand', on);
      mode.expand = on !== false;
      if (mode.expand) mode.pluck = mode.raw = false;
      return self;
    },
    safeIntegers(on?: boolean) {
      mode.safe = on !== false;
      return self;
    },
    bind(...params: unknown[]) {
      // Bound parameters stay with the statement for good: never on the shared one.
      own ??= { stmt: fresh(sql), pluck: false, raw: false, expand: false, safe: false };
      own.stmt.bind(...params);
      return self;
    },
  };
  return self as unknown as Database.Statement;
}
