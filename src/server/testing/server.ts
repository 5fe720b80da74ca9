/** Test support: a real central server on a temporary embedded store, or on the PostgreSQL of CI. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ensureAdmin } from '../auth';
import { startServer, type RunningServer } from '../http';
import { openPgStore } from '../store/pg';
import { resetPg } from '../store/reset';
import { openSqliteStore } from '../store/sqlite';
import type { ServerStore } from '../store/types';

export const TEST_ADMIN = { username: 'admin', password: 'password123' };

export interface TestServer {
  url: string;
  store: ServerStore;
  http: RunningServer;
  close(): Promise<void>;
}

export async function startTestServer(opts: { pgUrl?: string; now?: () => number } = {}): Promise<TestServer> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'outpost-srv-'));
  if (opts.pgUrl) await resetPg(opts.pgUrl);
  const store = opts.pgUrl ? await openPgStore(opts.pgUrl) : openSqliteStore(dir);
  await store.migrate();
  await ensureAdmin(store, TEST_ADMIN.username, TEST_ADMIN.password);
  const http = await startServer(store, { port: 0, now: opts.now, log: process.env.OUTPOST_TEST_SERVER_LOG ? (m, x) => console.error(m, x) : undefined });
  return {
    url: http.url,
    store,
    http,
    close: async () => {
      await http.close();
      await store.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
