/** Opens the local store: pragmas, then every pending migration, before anything else runs. */
import type Database from 'better-sqlite3';
import { drizzle, type BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as schema from './schema';
import { cacheStatements } from './statement-cache';
import { startCheckpoints } from './checkpointer';
import { openConnection, type StoreCipher, type StoreKey } from './store-key';

export type Drizzle = BetterSQLite3Database<typeof schema>;

export interface Store {
  /** The raw connection, for hot paths and FTS. */
  sqlite: Database.Database;
  db: Drizzle;
  path: string;
  /** The key the store is encrypted with (null: a plain store). Other connections to the file need it. */
  key?: StoreKey | null;
  close(): void;
}

/** Finds migrations/desktop whether running from source, a bundle, or a packaged app. */
export function defaultMigrationsFolder(): string {
  const candidates = [
    process.env.OUTPOST_MIGRATIONS,
    (process as { resourcesPath?: string }).resourcesPath ? path.join((process as { resourcesPath?: string }).resourcesPath!, 'migrations/desktop') : undefined,
    path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../migrations/desktop'),
    path.resolve(process.cwd(), 'migrations/desktop'),
  ].filter((p): p is string => !!p);
  for (const c of candidates) if (fs.existsSync(path.join(c, 'meta/_journal.json'))) return c;
  throw new Error(`Cannot find the database migrations (looked in ${candidates.join(', ')}).`);
}

/**
 * `key`: the store's 256-bit key (see store-key.ts); a new store is created encrypted with it, with
 * `cipher` (the store's chosen cipher; an existing store opens whichever it is in).
 */
export function openStore(file: string, opts: { migrationsFolder?: string; key?: StoreKey | null; cipher?: StoreCipher } = {}): Store {
  if (file !== ':memory:') fs.mkdirSync(path.dirname(file), { recursive: true });
  const key = opts.key ?? null;
  const sqlite: Database.Database = openConnection(file, key, opts.cipher);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  sqlite.pragma('cache_size = -65536');
  sqlite.pragma('temp_store = MEMORY');
  // Statements are compiled once per SQL text and kept (statement-cache.ts): a call no longer leaves a
  // native statement for the garbage collector to finalize, which held edits for milliseconds.
  // OUTPOST_STATEMENT_CACHE=off leaves it out (for comparisons).
  if (process.env.OUTPOST_STATEMENT_CACHE !== 'off') cacheStatements(sqlite);
  const db = drizzle(sqlite, { schema });
  migrate(db, { migrationsFolder: opts.migrationsFolder ?? defaultMigrationsFolder() });
  // The log is folded back into the file by a worker thread (see checkpointer.ts), never by a commit
  // or a timer on this thread: a checkpoint's fsync can wait on the disk for 100 ms and more.
  // OUTPOST_CHECKPOINTS=main-thread keeps them on a timer here (for comparisons).
  const checkpoints = file === ':memory:' ? null : startCheckpoints(sqlite, file, key, process.env.OUTPOST_CHECKPOINTS === 'main-thread' ? 'main thread' : 'worker');
  return {
    sqlite,
    db,
    path: file,
    key,
    close: () => {
      // First: the main connection is then the last one, and closing it folds the log back and removes it.
      checkpoints?.stop();
      try {
        sqlite.pragma('optimize');
      } finally {
        sqlite.close();
      }
    },
  };
}
