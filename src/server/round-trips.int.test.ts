/**
 * What a push and a pull cost the PostgreSQL store, counted in statements sent (each a round trip):
 * a technician's ordinary work (a new ticket with its history, a comment, an edit) and the pull that
 * follows. The server holds the push lock across the push's own round trips, so every statement
 * added there adds to every other device's wait; these bounds keep a later change from adding
 * queries quietly (docs/sync.md, "What a push and a pull cost").
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { post, signIn, type Actor } from './testing/actors';
import { createScratchDatabase, type ScratchDatabase } from './testing/pg-database';
import { startTestServer, TEST_ADMIN, type TestServer } from './testing/server';
import { pgRoundTrips } from './store/pg';
import { DEFAULT_PRIORITY_MATRIX, priorityFor } from '../shared/tickets/rules';

const PG = process.env.OUTPOST_TEST_PG_URL;
if (!PG) console.log('round-trips.int.test: OUTPOST_TEST_PG_URL is not set, so the PostgreSQL round-trip test is skipped (CI sets it).');

/** Statements per call, at most (see docs/sync.md): authentication, then the push's transaction (its poke sent with the commit). */
const PUSH_BOUND = 3;
/** Authentication, then the page (head, records and moves in one statement). */
const PULL_BOUND = 2;

describe.skipIf(!PG)('round trips per push and per pull on PostgreSQL', () => {
  let db: ScratchDatabase;
  let server: TestServer;
  let tech: Actor;
  const site = '01900000-0000-7000-8000-00000000a001';
  beforeAll(async () => {
    db = await createScratchDatabase(PG!, 'trips');
    server = await startTestServer({ pgUrl: db.url });
    const admin = await signIn(server.url, TEST_ADMIN.username, TEST_ADMIN.password, 'admin');
    expect((await admin.one({ kind: 'create', entity: 'sites', recordId: site, scopeId: 'global', payload: { name: 'North', code: null, timezone: null, scope_id: 'global' } })).status).toBe('applied');
    const made = await post(server.url, '/auth/users', { username: 'tina', password: 'tech-password-1', role: 'technician', sites: [site] }, admin.token);
    expect(made.status).toBe(200);
    tech = await signIn(server.url, 'tina', 'tech-password-1', 'technician');
  });
  afterAll(async () => {
    await server?.close();
    await db?.drop();
  });

  async function trips<T>(fn: () => Promise<T>): Promise<{ n: number; value: T }> {
    const before = pgRoundTrips(server.store);
    const value = await fn();
    return { n: pgRoundTrips(server.store) - before, value };
  }

  it('keeps a push of ordinary ticket work within a few round trips, and its pull within two', async () => {
    const now = new Date().toISOString();
    const ticket = '01900000-0000-7000-8000-00000000b001';
    const create = await trips(() =>
      tech.push([
        {
          kind: 'create',
          entity: 'tickets',
          recordId: ticket,
          scopeId: site,
          payload: { number: 'INC0000101', type: 'incident', title: 'Printer jams', description: 'Every second page.', impact: 3, urgency: 2, priority: 3, priority_overridden: 0, status: 'new', is_open: 1, opened_at: now, scope_id: site },
        },
        { kind: 'append', entity: 'ticket_history', recordId: '01900000-0000-7000-8000-00000000c001', scopeId: site, payload: { ticket_id: ticket, actor_id: tech.personId, kind: 'status', field: null, from_value: null, to_value: 'new', reason: null, scope_id: site } },
      ]),
    );
    expect(create.value.status).toBe(200);
    expect(create.value.body.value!.results.map((r) => r.status)).toEqual(['applied', 'applied']);
    const comment = await trips(() =>
      tech.push([{ kind: 'append', entity: 'ticket_comments', recordId: '01900000-0000-7000-8000-00000000d001', scopeId: site, payload: { ticket_id: ticket, author_id: tech.personId, body: 'On site now.', internal: 0, scope_id: site } }]),
    );
    expect(comment.value.body.value!.results[0]!.status).toBe('applied');
    const edit = await trips(() => tech.push([{ kind: 'setFields', entity: 'tickets', recordId: ticket, scopeId: site, payload: { urgency: 1, category: 'Printing' } }]));
    expect(priorityFor(DEFAULT_PRIORITY_MATRIX, 3, 1)).not.toBe(priorityFor(DEFAULT_PRIORITY_MATRIX, 3, 2));
    expect(edit.value.body.value!.results[0]!.status).toBe('applied');
    const pull = await trips(async () => {
      const res = await fetch(`${server.url}/sync/pull?cursor=0&limit=1000&clocks=compact`, { headers: { authorization: `Bearer ${tech.token}` } });
      return (await res.json()) as { ok: boolean; value: { changes: { entity: string; id: string; data: Record<string, unknown> }[] } };
    });
    // The pull holds what the pushes wrote, with the server's derived priority.
    const got = pull.value.value.changes.find((c) => c.entity === 'tickets' && c.id === ticket);
    expect(got?.data).toMatchObject({ urgency: 1, category: 'Printing', priority: priorityFor(DEFAULT_PRIORITY_MATRIX, 3, 1) });
    expect(pull.value.value.changes.some((c) => c.entity === 'ticket_comments')).toBe(true);
    console.log(`round trips: create ${create.n}, comment ${comment.n}, edit ${edit.n}, pull ${pull.n}`);
    expect(create.n).toBeLessThanOrEqual(PUSH_BOUND);
    expect(comment.n).toBeLessThanOrEqual(PUSH_BOUND);
    expect(edit.n).toBeLessThanOrEqual(PUSH_BOUND);
    expect(pull.n).toBeLessThanOrEqual(PULL_BOUND);
  });
});
