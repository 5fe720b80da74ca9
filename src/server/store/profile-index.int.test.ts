/**
 * The lookup every signed-in request makes (the person behind an account, by username) never walks
 * the whole change log: with 5,000 tickets written before a person's record, PostgreSQL reads the
 * username index and SQLite only the team-wide records; both find the person.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { openSqliteStore } from './sqlite';
import { openPgStore } from './pg';
import type { ServerStore, StoredRecord } from './types';
import { createScratchDatabase, type ScratchDatabase } from '../testing/pg-database';

const PG = process.env.OUTPOST_TEST_PG_URL;
const stamp = '001770000000000:00000000@seed';

function rec(entity: string, id: string, scopeId: string, data: Record<string, unknown>): StoredRecord {
  const fieldHlc: Record<string, string> = { scope_id: stamp };
  for (const k of Object.keys(data)) fieldHlc[k] = stamp;
  return { entity, id, scopeId, data, fieldHlc, deletedHlc: null, createdAt: '2026-01-01T00:00:00.000Z', updatedAt: '2026-01-01T00:00:00.000Z', seq: 0, fieldSeq: {} };
}

async function seed(store: ServerStore): Promise<string> {
  const tickets = Array.from({ length: 5000 }, (_, i) => rec('tickets', `t-${i}`, 'site-a', { number: `INC${String(i + 1).padStart(7, '0')}`, title: `Ticket ${i}`, status: 'new' }));
  await store.withSyncTx((tx) => tx.writeRecords(tickets));
  await store.withSyncTx((tx) => tx.writeRecords([rec('users', 'person-late', 'global', { username: 'late.joiner', display_name: 'Late Joiner', role: 'technician', active: 1 })]));
  return 'person-late';
}

const PROFILE_SQLITE = "SELECT id FROM records WHERE scope_id = 'global' AND entity = 'users' AND deleted_hlc IS NULL AND json_extract(data, '$.username') = ? ORDER BY seq LIMIT 1";
const PROFILE_PG = "SELECT id FROM records WHERE scope_id = 'global' AND entity = 'users' AND deleted_hlc IS NULL AND (data::jsonb ->> 'username') = $1 ORDER BY seq LIMIT 1";

describe('finding the person behind an account', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c();
  });

  it('reads only the team-wide records on the embedded store', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'outpost-profile-'));
    const store = openSqliteStore(dir);
    cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }), () => store.close());
    await store.migrate();
    const id = await seed(store);
    expect(await store.findProfileId('late.joiner')).toBe(id);
    const db = new Database(path.join(dir, 'outpost-server.db'), { readonly: true });
    cleanups.push(() => void db.close());
    const plan = (db.prepare(`EXPLAIN QUERY PLAN ${PROFILE_SQLITE}`).all('late.joiner') as { detail: string }[]).map((r) => r.detail).join('\n');
    expect(plan).toMatch(/SEARCH records USING INDEX records_scope_seq_idx \(scope_id=\?\)/);
  });

  it.skipIf(!PG)('reads the username index on PostgreSQL', async () => {
    const db: ScratchDatabase = await createScratchDatabase(PG!, 'profile');
    cleanups.push(() => db.drop());
    const store = await openPgStore(db.url);
    cleanups.push(() => store.close());
    await store.migrate();
    const id = await seed(store);
    expect(await store.findProfileId('late.joiner')).toBe(id);
    const c = new pg.Client({ connectionString: db.url });
    await c.connect();
    try {
      await c.query('ANALYZE records');
      const plan = (await c.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${PROFILE_PG}`, ['late.joiner'])).rows.map((r) => r['QUERY PLAN']).join('\n');
      expect(plan).toMatch(/records_users_username_idx/);
    } finally {
      await c.end();
    }
  });
});
