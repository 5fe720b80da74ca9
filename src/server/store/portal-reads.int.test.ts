/**
 * The requester portal's reads on both server stores go through their indexes: with 5,000 tickets of
 * other people in the log, a requester's own tickets and their comments and history are found by
 * the requester and ticket indexes, not by walking the records; and they are exactly that person's.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { openSqliteStore } from './sqlite';
import { openPgStore } from './pg';
import { liveRecordsSql, requesterTicketsSql, ticketChildrenSql } from './portal-reads';
import type { ServerStore, StoredRecord } from './types';
import { createScratchDatabase } from '../testing/pg-database';

const PG = process.env.OUTPOST_TEST_PG_URL;
const stamp = '001770000000000:00000000@seed';

function rec(entity: string, id: string, data: Record<string, unknown>, deleted = false): StoredRecord {
  const fieldHlc: Record<string, string> = { scope_id: stamp };
  for (const k of Object.keys(data)) fieldHlc[k] = stamp;
  return { entity, id, scopeId: 'site-a', data, fieldHlc, deletedHlc: deleted ? stamp : null, createdAt: '2026-01-01T00:00:00.000Z', updatedAt: '2026-01-01T00:00:00.000Z', seq: 0, fieldSeq: {} };
}

async function seed(store: ServerStore): Promise<void> {
  const others: StoredRecord[] = [];
  for (let i = 0; i < 5000; i++) {
    others.push(rec('tickets', `t-${i}`, { number: `INC${String(i + 1).padStart(7, '0')}`, title: `Ticket ${i}`, status: 'new', requester_id: `person-${i % 50}` }));
    others.push(rec('ticket_comments', `c-${i}`, { ticket_id: `t-${i}`, body: 'Seen.', internal: 0, author_id: 'tech' }));
    others.push(rec('ticket_history', `h-${i}`, { ticket_id: `t-${i}`, kind: 'status', to_value: 'new', actor_id: `person-${i % 50}` }));
  }
  await store.withSyncTx((tx) => tx.writeRecords(others));
  await store.withSyncTx((tx) =>
    tx.writeRecords([
      rec('tickets', 'rita-1', { number: 'INC9000001', title: 'Mine', status: 'new', requester_id: 'rita' }),
      rec('tickets', 'rita-2', { number: 'INC9000002', title: 'Mine, withdrawn', status: 'new', requester_id: 'rita' }, true),
      rec('ticket_comments', 'rita-c1', { ticket_id: 'rita-1', body: 'Any news?', internal: 0, author_id: 'rita' }),
      rec('ticket_history', 'rita-h1', { ticket_id: 'rita-1', kind: 'status', to_value: 'new', actor_id: 'rita' }),
      rec('kb_articles', 'kb-1', { number: 'KB0000001', title: 'VPN', body: 'Open the app.', status: 'published', visibility: 'public' }),
    ]),
  );
}

async function reads(store: ServerStore) {
  return {
    tickets: (await store.requesterTickets('rita')).map((r) => r.id),
    comments: (await store.ticketChildren('ticket_comments', ['rita-1'])).map((r) => r.id),
    history: (await store.ticketChildren('ticket_history', ['rita-1', 't-7'])).map((r) => r.id).sort(),
    articles: (await store.liveRecordsOf('kb_articles')).map((r) => r.id),
  };
}

const EXPECTED = { tickets: ['rita-1'], comments: ['rita-c1'], history: ['h-7', 'rita-h1'], articles: ['kb-1'] };

describe("the requester portal's reads", () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c();
  });

  it('use the requester and ticket indexes on the embedded store', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'outpost-portal-reads-'));
    const store = openSqliteStore(dir);
    cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }), () => store.close());
    await store.migrate();
    await seed(store);
    expect(await reads(store)).toEqual(EXPECTED);
    const db = new Database(path.join(dir, 'outpost-server.db'), { readonly: true });
    cleanups.push(() => void db.close());
    const plan = (sql: string, ...args: unknown[]) => (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...args) as { detail: string }[]).map((r) => r.detail).join('\n');
    expect(plan(requesterTicketsSql('sqlite'), 'rita')).toMatch(/SEARCH records USING INDEX records_ticket_requester_idx/);
    expect(plan(ticketChildrenSql('sqlite', 'ticket_comments'), '["rita-1"]')).toMatch(/SEARCH records USING INDEX records_comment_ticket_idx/);
    expect(plan(ticketChildrenSql('sqlite', 'ticket_history'), '["rita-1"]')).toMatch(/SEARCH records USING INDEX records_history_ticket_idx/);
    expect(plan(liveRecordsSql('sqlite'), 'kb_articles')).toMatch(/SEARCH records USING INDEX sqlite_autoindex_records_1 \(entity=\?\)/);
    for (const sql of [requesterTicketsSql('sqlite'), ticketChildrenSql('sqlite', 'ticket_comments'), liveRecordsSql('sqlite')]) expect(plan(sql, 'x')).not.toMatch(/SCAN records/);
  });

  it.skipIf(!PG)('use the requester and ticket indexes on PostgreSQL', async () => {
    const scratch = await createScratchDatabase(PG!, 'portal_reads_plan');
    cleanups.push(() => scratch.drop());
    const store = await openPgStore(scratch.url);
    cleanups.push(() => store.close());
    await store.migrate();
    await seed(store);
    expect(await reads(store)).toEqual(EXPECTED);
    const c = new pg.Client({ connectionString: scratch.url });
    await c.connect();
    try {
      await c.query('ANALYZE records');
      const plan = async (sql: string, arg: unknown) => (await c.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${sql}`, [arg])).rows.map((r) => r['QUERY PLAN']).join('\n');
      expect(await plan(requesterTicketsSql('postgres'), 'rita')).toMatch(/records_ticket_requester_idx/);
      expect(await plan(ticketChildrenSql('postgres', 'ticket_comments'), ['rita-1'])).toMatch(/records_comment_ticket_idx/);
      expect(await plan(ticketChildrenSql('postgres', 'ticket_history'), ['rita-1'])).toMatch(/records_history_ticket_idx/);
      for (const sql of [requesterTicketsSql('postgres'), ticketChildrenSql('postgres', 'ticket_history')]) expect(await plan(sql, sql.includes('ANY') ? ['x'] : 'x')).not.toMatch(/Seq Scan on records/);
    } finally {
      await c.end();
    }
  });
});
