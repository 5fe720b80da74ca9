/**
 * Two status moves in a row by one person on one record (a change draft → assessment → awaiting
 * approval; a ticket new → assigned → in progress), pushed to the real server in one batch or two,
 * with the laptop's clock right or running minutes ahead of the server (its clocks clamped): the
 * record ends in the second move's status on the server and on every device that pulls it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatHlc, MAX_DRIFT_MS } from '../shared/hlc';
import { uuidv7 } from '../shared/ids';
import { ENTITY_RULES } from '../shared/sync/entities';
import type { WireOp } from '../shared/sync/wire';
import { latest, signIn, ticketNumber, ticketPayload, type Actor } from './testing/actors';
import { newPayload } from './testing/matrix';
import { startTestServer, TEST_ADMIN, type TestServer } from './testing/server';

const PG = process.env.OUTPOST_TEST_PG_URL;
const A = 'site-a';

for (const variant of ['sqlite', 'postgres'] as const) {
  describe.skipIf(variant === 'postgres' && !PG)(`two status moves in a row are both kept (${variant} store)`, () => {
    let server: TestServer;
    let admin: Actor;

    beforeAll(async () => {
      server = await startTestServer({ pgUrl: variant === 'postgres' ? PG : undefined });
      admin = await signIn(server.url, TEST_ADMIN.username, TEST_ADMIN.password, 'admin');
      expect((await admin.one({ kind: 'create', entity: 'sites', recordId: A, scopeId: 'global', payload: { name: 'Site A', scope_id: 'global' } })).status).toBe('applied');
    });
    afterAll(async () => {
      await server?.close();
    });

    async function stored(entity: string, id: string): Promise<Record<string, unknown>> {
      const rec = (await server.store.withSyncTx((tx) => tx.loadRecords([{ entity, id }]))).get(`${entity}/${id}`);
      return rec!.data;
    }

    /**
     * Clocks of a laptop `aheadMs` in front of the server: each after the last ('rising'), the same
     * value for every op ('same', as two writes in one millisecond of a faulty clock), or one set
     * back after the first op ('set back': the laptop's clock corrected between two writes).
     */
    function clocks(aheadMs: number, kind: 'rising' | 'same' | 'set back'): () => string {
      let wall = Date.now() + aheadMs;
      let n = 0;
      return () => {
        n++;
        if (kind === 'rising') wall++;
        if (kind === 'set back' && n === 3) wall -= aheadMs + 60_000;
        return formatHlc({ wall, counter: 0 });
      };
    }

    const cases = [
      { entity: 'changes', moves: ['assessment', 'awaiting_approval'] },
      { entity: 'tickets', moves: ['assigned', 'in_progress'] },
    ] as const;

    for (const { entity, moves } of cases) {
      for (const batch of ['one push', 'two pushes'] as const) {
        for (const [ahead, kind] of [[0, 'rising'], [MAX_DRIFT_MS + 3 * 60_000, 'rising'], [0, 'same'], [MAX_DRIFT_MS + 3 * 60_000, 'same'], [MAX_DRIFT_MS + 3 * 60_000, 'set back']] as const) {
          it(`${entity}: ${moves.join(' then ')} in ${batch}, laptop clock ${ahead ? 'minutes ahead (clamped)' : 'right'}, ${kind === 'rising' ? 'each op after the last' : kind === 'same' ? 'both moves and the create on one clock value' : 'set back before the second move'}`, async () => {
            const id = uuidv7();
            const hlc = clocks(ahead, kind);
            const payload = entity === 'tickets' ? { number: ticketNumber(), ...ticketPayload(A) } : newPayload(entity, ENTITY_RULES[entity]!, A, null, admin.personId);
            const created = await admin.one({ kind: 'create', entity, recordId: id, scopeId: A, hlc: hlc(), payload });
            expect(created.status).toBe('applied');
            const ops: Partial<WireOp>[] = moves.map((to, i) =>
              entity === 'tickets'
                ? { kind: 'transition', entity, recordId: id, scopeId: A, hlc: hlc(), payload: { from: i ? moves[i - 1] : 'new', to, fields: { status: to } } }
                : { kind: 'setFields', entity, recordId: id, scopeId: A, hlc: hlc(), payload: { status: to } },
            );
            const answers = [];
            if (batch === 'one push') {
              const r = await admin.push(ops);
              expect(r.status, JSON.stringify(r.body)).toBe(200);
              answers.push(...r.body.value!.results);
            } else for (const op of ops) answers.push(await admin.one(op));
            expect(answers.map((a) => a.status), JSON.stringify(answers)).toEqual(['applied', 'applied']);
            // The device is told when its op was stored under another clock than it carried.
            if (ahead || kind !== 'rising') expect(answers.every((a) => a.clamped)).toBe(true);
            else expect(answers.some((a) => a.clamped)).toBe(false);
            expect((await stored(entity, id)).status).toBe(moves[1]);
            expect(latest(await admin.pullAll()).get(`${entity}/${id}`)!.data.status).toBe(moves[1]);
          });
        }
      }
    }

    it("another person's later edit still wins over a device's op that is only ordered after its own writes", async () => {
      const other = await signIn(server.url, TEST_ADMIN.username, TEST_ADMIN.password, 'admin');
      const id = uuidv7();
      const t0 = Date.now();
      const at = (ms: number) => formatHlc({ wall: t0 + ms, counter: 0 });
      expect((await admin.one({ kind: 'create', entity: 'changes', recordId: id, scopeId: A, hlc: at(0), payload: newPayload('changes', ENTITY_RULES.changes!, A, null, admin.personId) })).status).toBe('applied');
      // The second laptop renames the change later than the first laptop's next edit is clocked…
      expect((await other.one({ kind: 'setFields', entity: 'changes', recordId: id, scopeId: A, hlc: at(50), payload: { title: 'Their title' } })).status).toBe('applied');
      // …whose clock repeats its create's: it goes after its own create, not after the other laptop.
      const mine = await admin.one({ kind: 'setFields', entity: 'changes', recordId: id, scopeId: A, hlc: at(0), payload: { title: 'My title', status: 'assessment' } });
      expect(mine).toMatchObject({ status: 'merged', clamped: true });
      const data = await stored('changes', id);
      expect(data.title).toBe('Their title');
      expect(data.status).toBe('assessment');
    });
  });
}
