/**
 * A burst of pushes larger than the PostgreSQL connection pool, each overwriting a contested field
 * another device set (so the push holding the lock looks up who wrote the value it overwrote): every
 * push is answered. Before pushes queued inside the instance, the waiting pushes held every pooled
 * connection, the lock holder waited for one more, and the server stopped answering (found by
 * `npm run bench:server`).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signIn, type Actor } from './testing/actors';
import { createScratchDatabase, type ScratchDatabase } from './testing/pg-database';
import { startTestServer, TEST_ADMIN, type TestServer } from './testing/server';

const PG = process.env.OUTPOST_TEST_PG_URL;
if (!PG) console.log('push-burst.int.test: OUTPOST_TEST_PG_URL is not set, so the PostgreSQL burst test is skipped (CI sets it).');

describe.skipIf(!PG)('a burst of pushes on PostgreSQL', () => {
  let db: ScratchDatabase;
  let server: TestServer;
  beforeAll(async () => {
    db = await createScratchDatabase(PG!, 'burst');
    server = await startTestServer({ pgUrl: db.url });
  });
  afterAll(async () => {
    await server?.close();
    await db?.drop();
  });

  it('answers every push of a burst larger than the connection pool, conflicts and all', async () => {
    const site = 'site-burst';
    const first = await signIn(server.url, TEST_ADMIN.username, TEST_ADMIN.password, 'admin');
    expect((await first.one({ kind: 'create', entity: 'sites', recordId: site, scopeId: 'global', payload: { name: 'Burst', code: null, timezone: null, scope_id: 'global' } })).status).toBe('applied');
    const ticket = '01900000-0000-7000-8000-0000000b0001';
    const now = new Date().toISOString();
    const created = await first.one({
      kind: 'create',
      entity: 'tickets',
      recordId: ticket,
      scopeId: site,
      payload: { number: 'INC0000001', type: 'incident', title: 'Burst', description: '', impact: 3, urgency: 3, priority: 4, priority_overridden: 0, status: 'new', is_open: 1, opened_at: now, scope_id: site },
    });
    expect(created.status).toBe('applied');
    // Twelve more devices (the pool holds eight connections), none of which has pulled anything.
    const devices: Actor[] = [];
    for (let i = 0; i < 12; i++) devices.push(await signIn(server.url, TEST_ADMIN.username, TEST_ADMIN.password, 'admin'));
    const replies = await Promise.all(
      devices.map((d, i) =>
        Promise.race([
          d.push([{ kind: 'setFields', entity: 'tickets', recordId: ticket, scopeId: site, payload: { urgency: (i % 3) + 1, category: `Burst ${i}` } }], { cursor: 0 }),
          new Promise<never>((_, reject) => setTimeout(() => reject(new Error('a push was not answered within 30 s')), 30_000)),
        ]),
      ),
    );
    expect(replies.map((r) => r.status)).toEqual(devices.map(() => 200));
    expect(replies.every((r) => r.body.value!.results[0]!.status !== 'rejected')).toBe(true);
    // The server kept answering: each overwritten value was told to the person behind it.
    const conflicts = (await first.pullAll()).filter((c) => c.entity === 'sync_conflicts' && c.data.kind === 'overwritten');
    expect(conflicts.length).toBeGreaterThan(0);
  });
});
