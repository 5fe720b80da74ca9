/**
 * Regression for the divergence found by the convergence property (SYNC_PROPERTY_SEED=560731967,
 * run 239), written out as the exact sequence: a laptop whose clock runs a day ahead creates a
 * ticket, pushes it, changes its impact (so its priority), pushes again and loses the reply after
 * the server committed, pulls while that edit is still pending, then retries. Before the fix the
 * server clamped both ops to the same clock value (the edit tied with the create and was dropped)
 * and the retry's answer left the author's optimistic copy in place: the author kept impact 1 /
 * priority 3 while the server and everyone else had impact 3 / priority 4.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import * as schema from '../db/schema';
import { openStore, type Store } from '../db/open';
import { checkpointsOf } from '../db/checkpointer';
import { initialize } from '../services/setup/setup';
import { loadActor } from '../services/directory/users';
import { createTicket, updateTicket } from '../services/tickets/tickets';
import type { Clock, Ctx } from '../services/core/context';
import { resetDeviceState } from '../services/core/ops';
import { setMeta, setMetaJson } from '../services/core/meta';
import { SyncClient } from './client';
import type { SyncTransport } from './transport';
import { openSqliteStore } from '../../server/store/sqlite';
import { clampHlc, push } from '../../server/engine';
import type { ServerStore } from '../../server/store/types';
import { expandFieldHlc, formatHlc, MAX_DRIFT_MS, parseHlc } from '../../shared/hlc';

const BASE = Date.parse('2026-03-02T09:00:00Z');
const DAY = 86_400_000;
/** The server's clock stands still, as in the property test: every push lands in the same instant. */
const SERVER_NOW = BASE + 60_000;

let dir: string;
let image: Buffer;
let actorId: string;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'outpost-clamp-'));
  const store = openStore(path.join(dir, 'template.db'));
  const clock: Clock = { now: () => new Date(BASE) };
  const s = initialize({ store, clock, actor: null, call: 'setup.init' }, { admin: { username: 'admin', displayName: 'Ada', password: 'password123' }, site: { name: 'HQ' } });
  actorId = s.user.id;
  // Changing the journal mode needs the only connection: the checkpoint worker's lets go first.
  checkpointsOf(store.sqlite)?.stop();
  store.sqlite.pragma('journal_mode = DELETE');
  image = store.sqlite.serialize();
  store.close();
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

interface Device {
  store: Store;
  ctx: Ctx;
  client: SyncClient;
  clock: { t: number };
  /** The next push commits on the server, then its reply is lost. */
  loseNextPushReply(): void;
}

const open: { close(): void | Promise<void> }[] = [];
afterEach(async () => {
  for (const o of open.splice(0)) await o.close();
});

function device(name: string, server: ServerStore, skewMs: number): Device {
  const sqlite = new Database(image);
  sqlite.pragma('foreign_keys = ON');
  const store: Store = { sqlite, db: drizzle(sqlite, { schema }), path: ':memory:', close: () => sqlite.close() };
  open.push(store);
  resetDeviceState(sqlite);
  setMeta(sqlite, 'device_id', name);
  setMeta(sqlite, 'device_seq', '0');
  sqlite.prepare('DELETE FROM pending_ops').run();
  setMeta(sqlite, 'sync.server_url', 'http://fake');
  setMetaJson(sqlite, 'sync.creds', { accessToken: 'x', refreshToken: 'y', accessExpiresAt: Number.MAX_SAFE_INTEGER });
  const clock = { t: BASE + skewMs };
  const ctxClock: Clock = { now: () => new Date(clock.t) };
  let loseReply = false;
  const transport: SyncTransport = {
    login: async () => {
      throw new Error('not used');
    },
    push: async (req) => {
      const out = await push(server, { userId: 'server-admin', role: 'admin', sites: null, deviceId: name }, req, SERVER_NOW);
      if (loseReply) {
        loseReply = false;
        throw new Error('reply lost after the server committed');
      }
      return out;
    },
    pull: async (cursor, limit) => ({ from: cursor, ...(await server.pull(null, cursor, limit)) }),
    lease: async () => ({ prefix: 'INC', first: 1, last: 0 }),
    revoke: async () => {},
    live: () => () => {},
  };
  const client = new SyncClient({ store, clock: ctxClock, transportFactory: () => transport });
  return {
    store,
    ctx: { store, clock: ctxClock, actor: loadActor(sqlite, actorId)!, call: 'test' },
    client,
    clock,
    loseNextPushReply: () => (loseReply = true),
  };
}

function ticketRow(d: Device, id: string) {
  return d.store.sqlite.prepare('SELECT impact, urgency, priority, priority_overridden FROM tickets WHERE id = ?').get(id);
}

async function serverTicket(server: ServerStore, id: string) {
  const page = await server.pull(null, 0, 100_000);
  const c = page.changes.find((x) => x.entity === 'tickets' && x.id === id)!;
  return { data: c.data, fieldHlc: c.fieldHlc };
}

describe('far-ahead clock, lost push reply, retry', () => {
  it('keeps the later edit and leaves the author with the server state', async () => {
    const server = openSqliteStore('', { memory: true });
    await server.migrate();
    open.push(server);
    const ahead = device('dev-ahead', server, DAY);
    const other = device('dev-other', server, 0);

    ahead.clock.t += 1000;
    const t = createTicket(ahead.ctx, { type: 'incident', title: 'Printer down', description: 'Floor 2' });
    expect([t.impact, t.urgency, t.priority]).toEqual([3, 3, 4]);
    await ahead.client.pushAll();

    ahead.clock.t += 1000;
    updateTicket(ahead.ctx, t.id, { impact: 1 });
    expect(ticketRow(ahead, t.id)).toEqual({ impact: 1, urgency: 3, priority: 3, priority_overridden: 0 });
    ahead.loseNextPushReply();
    await expect(ahead.client.pushAll()).rejects.toThrow(/reply lost/);
    // The server committed the edit: both ops were clamped, yet the edit still orders after the create.
    expect((await serverTicket(server, t.id)).data).toMatchObject({ impact: 1, priority: 3 });

    // A pull while the edit is still pending keeps the device's own copy on top of the server's.
    ahead.clock.t += 1000;
    await ahead.client.pullAll();
    expect(ahead.store.sqlite.prepare('SELECT count(*) FROM pending_ops').pluck().get()).toBeGreaterThan(0);

    // The retry is answered from the saved result; then everyone pulls.
    await ahead.client.pushAll();
    expect(ahead.store.sqlite.prepare('SELECT count(*) FROM pending_ops').pluck().get()).toBe(0);
    await ahead.client.pullAll();
    await other.client.pullAll();

    const srv = await serverTicket(server, t.id);
    expect(srv.data).toMatchObject({ impact: 1, urgency: 3, priority: 3, priority_overridden: 0 });
    for (const d of [ahead, other]) expect(ticketRow(d, t.id)).toEqual({ impact: 1, urgency: 3, priority: 3, priority_overridden: 0 });
    // The author ends with the server's (clamped) clocks, not its own day-ahead ones, so a later
    // rebase cannot let a stale local value beat a newer edit from someone else.
    const local = JSON.parse(ahead.store.sqlite.prepare('SELECT field_hlc FROM tickets WHERE id = ?').pluck().get(t.id) as string) as Record<string, string>;
    expect(expandFieldHlc(local, [...Object.keys(srv.data), 'scope_id'])).toEqual(srv.fieldHlc);
    const limit = SERVER_NOW + MAX_DRIFT_MS;
    for (const stamp of Object.values(srv.fieldHlc)) expect(parseHlc(stamp.slice(0, stamp.indexOf('@'))).wall).toBeLessThanOrEqual(limit);
  });

  it('converges when the author pulls with edits still pending on the record', async () => {
    const server = openSqliteStore('', { memory: true });
    await server.migrate();
    open.push(server);
    const ahead = device('dev-ahead', server, DAY);
    const other = device('dev-other', server, 0);

    ahead.clock.t += 1000;
    const t = createTicket(ahead.ctx, { type: 'incident', title: 'VPN', description: 'drops' });
    await ahead.client.pushAll();
    ahead.clock.t += 1000;
    updateTicket(ahead.ctx, t.id, { impact: 1 });
    ahead.loseNextPushReply();
    await expect(ahead.client.pushAll()).rejects.toThrow(/reply lost/);
    other.clock.t += 1000;
    await other.client.pullAll();
    updateTicket(other.ctx, t.id, { urgency: 1 });
    await other.client.pushAll();
    // The author edits another field, so it still has pending ops on the record when it pulls.
    ahead.clock.t += 1000;
    updateTicket(ahead.ctx, t.id, { title: 'VPN drops every hour' });
    await ahead.client.pullAll();
    for (let i = 0; i < 2; i++) {
      for (const d of [ahead, other]) await d.client.pushAll();
      for (const d of [ahead, other]) await d.client.pullAll();
    }
    const srv = await serverTicket(server, t.id);
    expect(srv.data).toMatchObject({ title: 'VPN drops every hour' });
    for (const d of [ahead, other]) {
      expect(ticketRow(d, t.id)).toEqual({ impact: srv.data.impact, urgency: srv.data.urgency, priority: srv.data.priority, priority_overridden: srv.data.priority_overridden });
      const local = JSON.parse(d.store.sqlite.prepare('SELECT field_hlc FROM tickets WHERE id = ?').pluck().get(t.id) as string) as Record<string, string>;
      expect(expandFieldHlc(local, [...Object.keys(srv.data), 'scope_id'])).toEqual(srv.fieldHlc);
    }
  });
});

describe('clampHlc', () => {
  const now = BASE;
  const limit = now + MAX_DRIFT_MS;
  const zero = formatHlc({ wall: 0, counter: 0 });

  it('leaves clocks within the drift limit alone', () => {
    const h = formatHlc({ wall: limit, counter: 7 });
    expect(clampHlc(h, now, zero)).toEqual({ hlc: h, clamped: false });
  });

  it('gives far-ahead clocks unique values that keep their order', () => {
    // Two ops a second apart on a day-ahead device, with counters that would invert them if kept.
    const first = formatHlc({ wall: now + DAY, counter: 5 });
    const second = formatHlc({ wall: now + DAY + 1000, counter: 0 });
    const a = clampHlc(first, now, zero);
    const b = clampHlc(second, now, a.hlc);
    expect(a).toEqual({ hlc: formatHlc({ wall: limit, counter: 0 }), clamped: true });
    expect(b).toEqual({ hlc: formatHlc({ wall: limit, counter: 1 }), clamped: true });
    expect(b.hlc > a.hlc).toBe(true);
  });

  it('orders a clamped clock after everything the server has already seen', () => {
    const seen = formatHlc({ wall: limit, counter: 41 });
    expect(clampHlc(formatHlc({ wall: now + DAY, counter: 0 }), now, seen).hlc).toBe(formatHlc({ wall: limit, counter: 42 }));
  });
});
