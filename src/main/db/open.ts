/** Opens the local store: pragmas, then every pending migration, before anything else runs. */
import type Database from 'better-sqlite3';
import { drizzle, type BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as schema from './schema';
import { writeGateBusy } from './write-gate';
import { openConnection, type StoreKey } from './store-key';

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

/** The log pages past which a commit checkpoints itself (the timer below usually comes first). */
export const WAL_AUTOCHECKPOINT_PAGES = 2000;
const CHECKPOINT_EVERY_MS = 1_000;

/** `key`: the store's 256-bit key (see store-key.ts); a new store is created encrypted with it. */
export function openStore(file: string, opts: { migrationsFolder?: string; key?: StoreKey | null } = {}): Store {
  if (file !== ':memory:') fs.mkdirSync(path.dirname(file), { recursive: true });
  const key = opts.key ?? null;
  const sqlite: Database.Database = openConnection(file, key);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  sqlite.pragma('cache_size = -65536');
  sqlite.pragma('temp_store = MEMORY');
  // Checkpoint the WAL from a timer while idle rather than inside whichever write crosses the
  // threshold, so an edit never pays for folding the log back (the larger limit is a safety net).
  // A checkpoint holds the event loop while it copies the log into the database, about as long as
  // the log is: every second, and at most 2,000 pages (8 MB) at the worst, so a catch-up writing
  // tens of megabytes never folds them back in one long stall.
  sqlite.pragma(`wal_autocheckpoint = ${WAL_AUTOCHECKPOINT_PAGES}`);
  const db = drizzle(sqlite, { schema });
  migrate(db, { migrationsFolder: opts.migrationsFolder ?? defaultMigrationsFolder() });
  const checkpoint = setInterval(() => {
    try {
      // Not while a worker holds the write gate: the next tick after it finishes folds its log back.
      if (sqlite.open && !sqlite.inTransaction && !writeGateBusy(sqlite)) sqlite.pragma('wal_checkpoint(PASSIVE)');
    } catch {
      // a busy database checkpoints next time
    }
  }, CHECKPOINT_EVERY_MS);
  checkpoint.unref();
  return {
    sqlite,
    db,
    path: file,
    key,
    close: () => {
      clearInterval(checkpoint);
      try {
        sqlite.pragma('optimize');
      } finally {
        sqlite.close();
      }
    },
  };
}
