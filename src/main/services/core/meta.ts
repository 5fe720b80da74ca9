/** Small typed accessors over the meta key/value table. */
import type Database from 'better-sqlite3';

const cache = new WeakMap<Database.Database, { get: Database.Statement; set: Database.Statement }>();

function stmts(sqlite: Database.Database) {
  let s = cache.get(sqlite);
  if (!s) {
    s = {
      get: sqlite.prepare('SELECT value FROM meta WHERE key = ?').pluck(),
      set: sqlite.prepare(
        'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value',
      ),
    };
    cache.set(sqlite, s);
  }
  return s;
}

export function getMeta(sqlite: Database.Database, key: string): string | null {
  const v = stmts(sqlite).get.get(key) as string | undefined;
  return v ?? null;
}

export function setMeta(sqlite: Database.Database, key: string, value: string): void {
  stmts(sqlite).set.run(key, value);
}

export function getMetaJson<T>(sqlite: Database.Database, key: string, fallback: T): T {
  const v = getMeta(sqlite, key);
  if (v === null) return fallback;
  try {
    return JSON.parse(v) as T;
  } catch {
    return fallback;
  }
}

export function setMetaJson(sqlite: Database.Database, key: string, value: unknown): void {
  setMeta(sqlite, key, JSON.stringify(value));
}

export function deleteMeta(sqlite: Database.Database, key: string): void {
  sqlite.prepare('DELETE FROM meta WHERE key = ?').run(key);
}

