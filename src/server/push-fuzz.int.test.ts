/**
 * Fuzzing POST /sync/push with ops a modified client could send (fast-check, fixed seed, 10,000
 * ops): any record type, kind, site, id, field and value (objects, lists, huge text, forged clocks,
 * far-future times), from every role. The server never answers 5xx, stores nothing it refused, and
 * every device's next pull still parses with only plain values and well-formed clocks.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatHlc, isHlc } from '../shared/hlc';
import { uuidv7 } from '../shared/ids';
import { ENTITY_RULES } from '../shared/sync/entities';
import { OP_KINDS, type WireOp } from '../shared/sync/wire';
import { latest, post, signIn, ticketNumber, ticketPayload, type Actor } from './testing/actors';
import { startTestServer, TEST_ADMIN, type TestServer } from './testing/server';

const SEED = 20261206;
const RUNS = 2500;
const OPS_PER_PUSH = 4;
const A = 'site-a';
const B = 'site-b';

describe(`push fuzzing (seed ${SEED}, ${RUNS * OPS_PER_PUSH} ops)`, () => {
  let server: TestServer;
  let actors: Actor[];
  const seeded = new Set<string>();
  const ids: string[] = [];

  beforeAll(async () => {
    server = await startTestServer();
    const admin = await signIn(server.url, TEST_ADMIN.username, TEST_ADMIN.password, 'admin');
    for (const site of [A, B]) {
      await admin.one({ kind: 'create', entity: 'sites', recordId: site, scopeId: 'global', payload: { name: site, scope_id: 'global' } });
      seeded.add(`sites/${site}`);
    }
    actors = [admin];
    for (const [name, role, sites] of [['tech', 'technician', [A]], ['req', 'requester', [A]], ['aud', 'auditor', [A]]] as const) {
      await post(server.url, '/auth/users', { username: name, password: 'password123', role, sites }, admin.token);
      actors.push(await signIn(server.url, name, 'password123', role));
    }
    // A few real records for the fuzzed ops to aim at.
    for (const site of [A, B]) {
      const t = uuidv7();
      await admin.one({ kind: 'create', entity: 'tickets', recordId: t, scopeId: site, payload: { number: ticketNumber(), ...ticketPayload(site, { requester_id: actors[2]!.personId }) } });
      seeded.add(`tickets/${t}`);
      ids.push(t);
    }
  });
  afterAll(async () => {
    await server?.close();
  });

  it('never fails, never stores what it refused, and every pull still parses', async () => {
    const entities = [...Object.keys(ENTITY_RULES), 'future_things', '__proto__', 'pending_ops'];
    const value = fc.oneof(
      fc.string({ maxLength: 30 }),
      fc.integer(),
      fc.double(),
      fc.boolean(),
      fc.constant(null),
      fc.constantFrom('new', 'closed', 'cancelled', 'resolved', 'in_progress', 'admin', '2026-01-01', '{}', '[]', 'INC0000001', A, B, 'global'),
      fc.dictionary(fc.string({ maxLength: 5 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 }),
      fc.array(fc.integer(), { maxLength: 3 }),
      fc.constant('x'.repeat(300_000)),
    );
    const field = (entity: string) => fc.oneof(fc.constantFrom(...Object.keys(ENTITY_RULES[entity]?.fields ?? { title: 1 }), 'scope_id', 'from', 'to', 'fields', 'from_scope', 'password_hash', 'requester_id', 'author_id'), fc.string({ maxLength: 12 }));
    const op = fc.constantFrom(...entities).chain((entity) =>
      fc.record({
        kind: fc.constantFrom(...OP_KINDS),
        entity: fc.constant(entity),
        recordId: fc.oneof(fc.constantFrom(...ids), fc.uuid()),
        scopeId: fc.constantFrom(A, B, 'global', 'site-z'),
        payload: fc.dictionary(field(entity), value, { maxKeys: 6 }),
        hlc: fc.oneof(
          fc.constant(undefined),
          fc.record({ wall: fc.integer({ min: 0, max: 999_999_999_999_999 }), counter: fc.integer({ min: 0, max: 0xffffffff }) }).map((h) => formatHlc(h)),
        ),
        createdAt: fc.oneof(fc.constant(undefined), fc.constantFrom('2099-01-01T00:00:00.000Z', 'yesterday', '')),
        who: fc.integer({ min: 0, max: 3 }),
      }),
    );
    const accepted = new Set<string>();
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: OPS_PER_PUSH }), async (batch) => {
        const actor = actors[batch[0]!.who]!;
        const ops = batch.map(({ who: _who, hlc, createdAt, ...o }) => ({ ...o, ...(hlc ? { hlc } : {}), ...(createdAt !== undefined ? { createdAt } : {}) }) as Partial<WireOp>);
        const r = await actor.push(ops);
        expect(r.status, JSON.stringify(r.body).slice(0, 300)).toBeLessThan(500);
        if (r.status === 200) {
          const results = r.body.value!.results;
          for (let i = 0; i < results.length; i++) {
            const o = ops.find((x) => x.deviceSeq === results[i]!.deviceSeq) ?? ops[i]!;
            if (results[i]!.status !== 'rejected') accepted.add(`${o.entity}/${o.recordId}`);
          }
        }
      }),
      { seed: SEED, numRuns: RUNS, endOnFailure: true },
    );
    console.log(`push fuzzing: ${accepted.size} records accepted of ${RUNS * OPS_PER_PUSH} ops at most`);
    // The fuzzing reached the merge rules, not only the validation in front of them.
    expect(accepted.size).toBeGreaterThan(20);
    for (const actor of actors) {
      // pullAll parses each page as a device does.
      const seen = latest(await actor.pullAll());
      for (const [key, c] of seen) {
        if (c.createdAt === '') continue; // a moved-out entry carries no data
        // Nothing the server refused was stored: every record was seeded, accepted, or the server's own.
        if (c.entity !== 'sync_conflicts') expect(seeded.has(key) || accepted.has(key), `${key} was stored though every op on it was refused`).toBe(true);
        for (const [k, v] of Object.entries(c.data)) expect(v === null || ['string', 'number', 'boolean'].includes(typeof v), `${key}.${k}`).toBe(true);
        for (const s of Object.values(c.fieldHlc)) expect(isHlc(s.slice(0, s.indexOf('@'))), `${key} clock ${s}`).toBe(true);
        expect(c.data).not.toHaveProperty('password_hash');
        expect(c.createdAt <= new Date().toISOString()).toBe(true);
      }
    }
  });
});
