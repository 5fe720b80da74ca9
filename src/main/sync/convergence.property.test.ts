/**
 * Property: 3–5 devices making random edits (create, set fields, status changes, comments,
 * worklogs, moves between sites, saved views created/renamed/deleted) and syncing on random
 * schedules with lost, duplicated and stale replies all end identical to the server once every
 * queue drains; no comment or worklog is lost and every status is valid.
 * SYNC_PROPERTY_RUNS sets the number of runs (default 1000). CI runs a fixed seed so a red build
 * reproduces; SYNC_PROPERTY_SEED=<number> runs another seed and SYNC_PROPERTY_SEED=random draws
 * one (long exploratory runs: SYNC_PROPERTY_RUNS=10000 SYNC_PROPERTY_SEED=random). The seed prints
 * on failure. Seeds that once failed are kept as hand-written regressions (clamp-retry.test.ts).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import * as schema from '../db/schema';
import { openStore, type Store } from '../db/open';
import { initialize } from '../services/setup/setup';
import { loadActor } from '../services/directory/users';
import { createSite } from '../services/directory/sites';
import { commentTicket, createTicket, transitionTicket, updateTicket, worklogTicket } from '../services/tickets/tickets';
import { deleteView, saveView } from '../services/tickets/views';
import type { Actor, Clock, Ctx } from '../services/core/context';
import { resetDeviceState } from '../services/core/ops';
import { setMeta, setMetaJson } from '../services/core/meta';
import { SyncClient } from './client';
import type { SyncTransport } from './transport';
import { openSqliteStore } from '../../server/store/sqlite';
import { push } from '../../server/engine';
import type { ServerStore } from '../../server/store/types';
import type { PullResponse } from '../../shared/sync/wire';
import { TICKET_STATUSES, type TicketStatus } from '../../shared/tickets/rules';
import { uuidv7 } from '../../shared/ids';

const RUNS = Number(process.env.SYNC_PROPERTY_RUNS ?? 1000);
/** The seed CI uses when none is given. */
const DEFAULT_SEED = 20260302;

function chooseSeed(text: string | undefined): number {
  if (text === undefined || text === '') return DEFAULT_SEED;
  if (text === 'random') return Date.now() % 2 ** 31;
  const n = Number(text);
  if (!Number.isSafeInteger(n)) throw new Error(`SYNC_PROPERTY_SEED must be a whole number or "random", not "${text}".`);
  return n;
}
const ENTITIES = ['tickets', 'ticket_comments', 'ticket_worklogs', 'ticket_history', 'saved_views', 'sync_conflicts'] as const;
const BASE = Date.parse('2026-03-02T09:00:00Z');

type PushFault = 'none' | 'lostReply' | 'failBefore';
type PullFault = 'none' | 'lostReply' | 'dup' | 'stale';
type OpSpec = { kind: 'create' | 'title' | 'desc' | 'priority' | 'transition' | 'comment' | 'worklog' | 'move' | 'viewCreate' | 'viewRename' | 'viewDelete'; pick: number; value: number };

let templateDir: string;
let templateFile: string;
let templateImage: Buffer;
let actorId: string;
let sites: string[];

beforeAll(() => {
  templateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'outpost-prop-'));
  templateFile = path.join(templateDir, 'template.db');
  const store = openStore(templateFile);
  const clock: Clock = { now: () => new Date(BASE) };
  const s = initialize({ store, clock, actor: null, call: 'setup.init' }, { admin: { username: 'admin', displayName: 'Ada', password: 'password123' }, site: { name: 'HQ' } });
  const admin = loadActor(store.sqlite, s.user.id)!;
  const second = createSite({ store, clock, actor: admin, call: 't' }, { name: 'Depot' });
  actorId = admin.id;
  sites = [admin.siteIds[0]!, second.id];
  // An image in WAL mode cannot be opened from memory: switch the template back to a rollback journal.
  store.sqlite.pragma('journal_mode = DELETE');
  templateImage = store.sqlite.serialize();
  store.close();
});

/** An in-memory copy of the migrated template: thousands of replicas without touching the disk. */
function openCopy(): Store {
  const sqlite = new Database(templateImage);
  sqlite.pragma('foreign_keys = ON');
  return { sqlite, db: drizzle(sqlite, { schema }), path: ':memory:', close: () => sqlite.close() };
}
afterAll(() => fs.rmSync(templateDir, { recursive: true, force: true }));

interface Replica {
  store: Store;
  ctx: Ctx;
  client: SyncClient;
  clockMs: { t: number };
  faults: { push: PushFault[]; pull: PullFault[] };
}

function makeReplica(i: number, server: ServerStore, skewMs: number): Replica {
  const store = openCopy();
  // Each copy is its own device with an empty outbox.
  resetDeviceState(store.sqlite);
  setMeta(store.sqlite, 'device_id', `dev-${i}-${uuidv7()}`);
  setMeta(store.sqlite, 'device_seq', '0');
  store.sqlite.prepare('DELETE FROM pending_ops').run();
  setMeta(store.sqlite, 'sync.server_url', 'http://fake');
  setMetaJson(store.sqlite, 'sync.creds', { accessToken: 'x', refreshToken: 'y', accessExpiresAt: Number.MAX_SAFE_INTEGER });
  const clockMs = { t: BASE + skewMs };
  const clock: Clock = { now: () => new Date(clockMs.t) };
  const actor: Actor = loadActor(store.sqlite, actorId)!;
  const faults = { push: [] as PushFault[], pull: [] as PullFault[] };
  const deviceId = () => String(store.sqlite.prepare("SELECT value FROM meta WHERE key = 'device_id'").pluck().get());
  let lastPage: PullResponse | null = null;
  const transport: SyncTransport = {
    login: async () => {
      throw new Error('not used');
    },
    push: async (req) => {
      const f = faults.push.shift() ?? 'none';
      if (f === 'failBefore') throw new Error('server unreachable');
      const out = await push(server, { userId: 'server-admin', role: 'admin', sites: null, deviceId: deviceId() }, req, BASE + 60_000);
      if (f === 'lostReply') throw new Error('reply lost after commit');
      return out;
    },
    pull: async (cursor, limit) => {
      const f = faults.pull.shift() ?? 'none';
      if (f === 'stale' && lastPage) return lastPage;
      const page = { from: cursor, ...(await server.pull(null, cursor, limit)) };
      if (f === 'lostReply') throw new Error('reply lost');
      if (f === 'dup') faults.pull.unshift('stale');
      lastPage = page;
      return page;
    },
    lease: async () => ({ prefix: 'INC', first: 1, last: 0 }),
    revoke: async () => {},
    live: () => () => {},
  };
  const client = new SyncClient({ store, clock, transportFactory: () => transport });
  return { store, ctx: { store, clock, actor, call: 'prop' }, client, clockMs, faults };
}

function ids(store: Store, table: string, extra = ''): string[] {
  return store.sqlite.prepare(`SELECT id FROM ${table} WHERE deleted_hlc IS NULL ${extra} ORDER BY id`).pluck().all() as string[];
}

function doOp(rep: Replica, op: OpSpec, made: { comments: Set<string>; worklogs: Set<string> }): void {
  const tickets = ids(rep.store, 'tickets');
  const t = tickets.length ? tickets[op.pick % tickets.length]! : null;
  const views = ids(rep.store, 'saved_views');
  const v = views.length ? views[op.pick % views.length]! : null;
  try {
    switch (op.kind) {
      case 'create':
        createTicket(rep.ctx, { type: op.value % 2 ? 'incident' : 'request', title: `T${op.value}`, description: `d${op.value}`, siteId: sites[op.value % 2] });
        return;
      case 'title':
        if (t) updateTicket(rep.ctx, t, { title: `title ${op.value}` });
        return;
      case 'desc':
        if (t) updateTicket(rep.ctx, t, { description: `desc ${op.value}` });
        return;
      case 'priority':
        if (t) updateTicket(rep.ctx, t, { impact: ((op.value % 3) + 1) as 1 | 2 | 3 });
        return;
      case 'move':
        if (t) updateTicket(rep.ctx, t, { siteId: sites[op.value % 2] });
        return;
      case 'transition': {
        if (!t) return;
        const to = TICKET_STATUSES[op.value % TICKET_STATUSES.length] as TicketStatus;
        transitionTicket(rep.ctx, t, { to, reason: 'customer', resolutionCode: 'solved_permanently', resolutionNotes: `fixed ${op.value}` });
        return;
      }
      case 'comment':
        if (t) made.comments.add(commentTicket(rep.ctx, t, `c${op.value}`, op.value % 2 === 0).id);
        return;
      case 'worklog':
        if (t) made.worklogs.add(worklogTicket(rep.ctx, t, (op.value % 90) + 1, undefined).id);
        return;
      case 'viewCreate':
        saveView(rep.ctx, { name: `view ${op.value}-${uuidv7().slice(-4)}`, base: 'all_open', filter: {}, sort: 'priority' });
        return;
      case 'viewRename':
        if (v) saveView(rep.ctx, { id: v, name: `renamed ${op.value}-${uuidv7().slice(-4)}`, base: 'all_open', filter: {}, sort: 'priority' });
        return;
      case 'viewDelete':
        if (v) deleteView(rep.ctx, v);
        return;
    }
  } catch (e) {
    // Refused locally (a move the state machine forbids, a closed ticket): nothing was written.
    if (!(e instanceof Error) || !('code' in e)) throw e;
  }
}

function snapshot(store: Store, table: string, keys: Map<string, string[]>): Map<string, string> {
  const out = new Map<string, string>();
  for (const [id, cols] of keys) {
    const row = store.sqlite.prepare(`SELECT scope_id, deleted_hlc IS NOT NULL AS del${cols.map((c) => `, ${c}`).join('')} FROM ${table} WHERE id = ?`).get(id) as Record<string, unknown> | undefined;
    out.set(id, JSON.stringify(row ?? null));
  }
  return out;
}

const opArb: fc.Arbitrary<OpSpec> = fc.record({
  kind: fc.constantFrom('create', 'create', 'title', 'desc', 'priority', 'transition', 'transition', 'comment', 'worklog', 'move', 'viewCreate', 'viewRename', 'viewDelete'),
  pick: fc.nat(20),
  value: fc.nat(1000),
});

const scenario = fc.integer({ min: 3, max: 5 }).chain((n) =>
  fc.record({
    n: fc.constant(n),
    skews: fc.array(fc.constantFrom(0, 0, 0, 86_400_000, -86_400_000, 1234), { minLength: n, maxLength: n }),
    steps: fc.array(
      fc.oneof(
        { weight: 5, arbitrary: fc.record({ r: fc.nat(n - 1), a: fc.constant('op' as const), op: opArb }) },
        { weight: 2, arbitrary: fc.record({ r: fc.nat(n - 1), a: fc.constant('push' as const), fault: fc.constantFrom<PushFault>('none', 'none', 'lostReply', 'failBefore') }) },
        { weight: 2, arbitrary: fc.record({ r: fc.nat(n - 1), a: fc.constant('pull' as const), fault: fc.constantFrom<PullFault>('none', 'none', 'lostReply', 'dup', 'stale') }) },
      ),
      { minLength: 5, maxLength: 30 },
    ),
  }),
);

describe('sync convergence (property)', () => {
  it(`replicas and the server converge (${RUNS} runs)`, async () => {
    const seed = chooseSeed(process.env.SYNC_PROPERTY_SEED);
    // A drawn seed is shown up front too, so a long exploratory run that is stopped can be resumed.
    if (process.env.SYNC_PROPERTY_SEED === 'random') console.log(`sync property: ${RUNS} runs with SYNC_PROPERTY_SEED=${seed}`);
    let run = 0;
    try {
      await fc.assert(
        fc.asyncProperty(scenario, async ({ n, skews, steps }) => {
          run++;
          const server = openSqliteStore('', { memory: true });
          await server.migrate();
          const reps = Array.from({ length: n }, (_, i) => makeReplica(i, server, skews[i]!));
          const made = { comments: new Set<string>(), worklogs: new Set<string>() };
          try {
            for (const s of steps) {
              const rep = reps[s.r]!;
              rep.clockMs.t += 1000;
              if (s.a === 'op') doOp(rep, s.op, made);
              else if (s.a === 'push') {
                rep.faults.push.push(s.fault);
                await rep.client.pushAll().catch(() => undefined);
                rep.faults.push.length = 0;
              } else {
                rep.faults.pull.push(s.fault);
                await rep.client.pullAll(3).catch(() => undefined);
                rep.faults.pull.length = 0;
              }
            }
            // Quiesce: everyone pushes, then everyone pulls, twice (re-sent records settle).
            for (let round = 0; round < 2; round++) {
              for (const rep of reps) await rep.client.pushAll();
              for (const rep of reps) await rep.client.pullAll();
            }
            for (const rep of reps) expect(rep.store.sqlite.prepare('SELECT count(*) FROM pending_ops').pluck().get()).toBe(0);
            const page = await server.pull(null, 0, 1_000_000);
            for (const entity of ENTITIES) {
              const keys = new Map<string, string[]>();
              for (const c of page.changes) if (c.entity === entity) keys.set(c.id, Object.keys(c.data).sort());
              const expected = snapshot(reps[0]!.store, entity, keys);
              for (const rep of reps) {
                expect(snapshot(rep.store, entity, keys)).toEqual(expected);
                // No replica holds rows the server does not know about.
                const local = rep.store.sqlite.prepare(`SELECT id FROM ${entity}`).pluck().all() as string[];
                expect(local.filter((id) => !keys.has(id))).toEqual([]);
              }
              // The server's own values match the replicas' (checked on one, the rest are equal).
              for (const c of page.changes) {
                if (c.entity !== entity) continue;
                const row = JSON.parse(expected.get(c.id)!) as Record<string, unknown>;
                for (const [k, v] of Object.entries(c.data)) expect([k, row[k]]).toEqual([k, typeof v === 'boolean' ? (v ? 1 : 0) : v]);
              }
            }
            for (const rep of reps) {
              const statuses = rep.store.sqlite.prepare('SELECT DISTINCT status FROM tickets').pluck().all() as string[];
              for (const s of statuses) expect(TICKET_STATUSES).toContain(s);
              const comments = new Set(ids(rep.store, 'ticket_comments'));
              const worklogs = new Set(ids(rep.store, 'ticket_worklogs'));
              for (const c of made.comments) expect(comments.has(c)).toBe(true);
              for (const w of made.worklogs) expect(worklogs.has(w)).toBe(true);
            }
          } finally {
            for (const rep of reps) rep.store.close();
            await server.close();
          }
        }),
        { numRuns: RUNS, seed, endOnFailure: true },
      );
    } catch (e) {
      console.error(`sync property failed in run ${run} of ${RUNS}: rerun with SYNC_PROPERTY_SEED=${seed}`);
      throw e;
    }
  }, 600_000);
});
