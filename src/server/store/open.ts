/** Picks the store: PostgreSQL when a database URL is given, else the embedded SQLite file. */
import { openSqliteStore } from './sqlite';
import { openPgStore } from './pg';
import type { ServerStore } from './types';

export async function openStore(opts: { databaseUrl?: string; dataDir: string }): Promise<ServerStore> {
  if (opts.databaseUrl) return openPgStore(opts.databaseUrl);
  return openSqliteStore(opts.dataDir);
}
