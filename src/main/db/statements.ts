/**
 * Statements kept per connection by their SQL text: for fixed SQL that runs once per pulled page or
 * per batch (where preparing it each time shows up in an initial sync's profile). Only for SQL built
 * from a bounded set of names (tables, columns), never from values.
 */
import type Database from 'better-sqlite3';

const statements = new WeakMap<Database.Database, Map<string, Database.Statement>>();

/** The connection's statement for `sql`, prepared once; `pluck` statements are kept apart. */
export function prepared(sqlite: Database.Database, sql: string, opts: { pluck?: boolean } = {}): Database.Statement {
  let m = statements.get(sqlite);
  if (!m) statements.set(sqlite, (m = new Map()));
  const key = opts.pluck ? `pluck:${sql}` : sql;
  let st = m.get(key);
  if (!st) {
    st = sqlite.prepare(sql);
    if (opts.pluck) st.pluck();
    m.set(key, st);
  }
  return st;
}
