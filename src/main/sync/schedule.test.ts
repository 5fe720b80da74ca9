/**
 * When the sync client runs its next pass. A poke from the server, or an edit on this device, that
 * arrives while a pass is ending asks for a pass of its own at once: the poll the ending pass
 * schedules (a minute away) must never put it off, or the other device's ticket, or this device's
 * edit, waits a minute to travel.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { makeWorld, type World } from '../testing';
import { setMeta, setMetaJson } from '../services/core/meta';
import { createTicket } from '../services/tickets/tickets';
import { PROBE_FAST_MS, SyncClient } from './client';
import { DroppedError, OfflineError, type SyncTransport } from './transport';
import type { PullResponse } from '../../shared/sync/wire';

let w: World;
let client: SyncClient | null = null;
afterEach(() => {
  client?.stop();
  client = null;
  w.dispose();
});

/** A server that answers at once, except the pull it is told to hold until it is let go. */
function fakeServer(opts: { refusesLive?: boolean; dropsPulls?: boolean } = {}) {
  const calls = { pulls: 0, pushedOps: 0, liveStarts: 0, probes: 0 };
  let away = false;
  let holdNext = false;
  let held: { release: () => void; reached: Promise<void> } | null = null;
  let poke: () => void = () => undefined;
  let liveState: (connected: boolean) => void = () => undefined;
  const transport: SyncTransport = {
    login: () => Promise.reject(new Error('not used')),
    push: async (req) => {
      if (away) throw new OfflineError('Cannot reach the server: nothing answers there (connection refused).');
      calls.pushedOps += req.ops.length;
      return { results: req.ops.map((o) => ({ deviceSeq: o.deviceSeq, status: 'applied' as const })), serverHlc: '' };
    },
    pull: async (cursor) => {
      if (away) throw new OfflineError('Cannot reach the server: nothing answers there (connection refused).');
      calls.pulls++;
      if (opts.dropsPulls) throw new DroppedError('The connection to the server dropped while its answer arrived (other side closed).');
      const page: PullResponse = { from: cursor, cursor, hasMore: false, changes: [] };
      if (holdNext) {
        holdNext = false;
        await new Promise<void>((release) => {
          let reached!: () => void;
          held = { release, reached: new Promise<void>((r) => (reached = r)) };
          reached();
        });
      }
      return page;
    },
    lease: () => Promise.reject(new Error('not used')),
    revoke: async () => undefined,
    live: (onPoke, onState) => {
      calls.liveStarts++;
      poke = onPoke;
      liveState = onState;
      // A proxy in front of the server that answers, but will not hold a stream open.
      if (opts.refusesLive) setTimeout(() => onState(false, true), 10);
      return () => undefined;
    },
    health: async () => {
      calls.probes++;
      return !away;
    },
  };
  return {
    transport,
    calls,
    holdNextPull: () => (holdNext = true),
    /** Resolves once a pull is being held. */
    async pullHeld(): Promise<{ release: () => void }> {
      while (!held) await new Promise((r) => setTimeout(r, 5));
      const h = held as { release: () => void; reached: Promise<void> };
      await h.reached;
      held = null;
      return h;
    },
    poke: () => poke(),
    /** The server stops answering, or answers again; the live stream says so as a real one would. */
    setAway: (isAway: boolean, opts: { liveToo: boolean } = { liveToo: true }) => {
      away = isAway;
      if (opts.liveToo) liveState(!isAway);
    },
  };
}

async function joinedClient(server: ReturnType<typeof fakeServer>): Promise<SyncClient> {
  const sqlite = w.store.sqlite;
  sqlite.prepare('DELETE FROM pending_ops').run();
  setMeta(sqlite, 'sync.server_url', 'http://sync.example.test');
  setMetaJson(sqlite, 'sync.creds', { accessToken: 'x', refreshToken: 'y', accessExpiresAt: Number.MAX_SAFE_INTEGER });
  const c = new SyncClient({ store: w.store, clock: w.clock, transportFactory: () => server.transport });
  // The first pass, at start, with nothing to do.
  c.start();
  for (let i = 0; i < 200 && server.calls.pulls < 1; i++) await new Promise((r) => setTimeout(r, 5));
  await new Promise((r) => setTimeout(r, 20));
  return c;
}

/** A joined device whose server goes away, with a ticket made since that waits to be pushed. */
async function offlineWithATicket(title: string): Promise<ReturnType<typeof fakeServer>> {
  w = makeWorld();
  const server = fakeServer();
  client = await joinedClient(server);
  server.setAway(true);
  createTicket(w.ctx(w.admin), { type: 'incident', title });
  client.localChange();
  expect(await waitFor(() => client!.status().state === 'offline', 1_000)).toBe(true);
  return server;
}

const waitFor = async (ok: () => boolean, ms: number) => {
  for (const end = Date.now() + ms; Date.now() < end && !ok(); ) await new Promise((r) => setTimeout(r, 10));
  return ok();
};

describe('the next sync pass', () => {
  it('a poke that arrives as a pass ends gets its own pass within a second, not at the next poll', async () => {
    w = makeWorld();
    const server = fakeServer();
    client = await joinedClient(server);
    const before = server.calls.pulls;
    // A pass whose pull was answered before another device pushed: the poke for that push comes as it ends.
    server.holdNextPull();
    client.localChange();
    const held = await server.pullHeld();
    server.poke();
    held.release();
    expect(await waitFor(() => server.calls.pulls >= before + 2, 1_000)).toBe(true);
  });

  it('an edit made while a pass ends is pushed within a second, not at the next poll', async () => {
    w = makeWorld();
    const server = fakeServer();
    client = await joinedClient(server);
    server.holdNextPull();
    client.localChange();
    const held = await server.pullHeld();
    // The push of this pass is over: the new ticket's ops go with the next one.
    createTicket(w.ctx(w.admin), { type: 'incident', title: 'Printer offline on floor 2' });
    client.localChange();
    held.release();
    expect(await waitFor(() => server.calls.pushedOps > 0, 1_000)).toBe(true);
  });

  it('edits in a burst still go together in one pass', async () => {
    w = makeWorld();
    const server = fakeServer();
    client = await joinedClient(server);
    const before = server.calls.pulls;
    for (let i = 0; i < 5; i++) {
      createTicket(w.ctx(w.admin), { type: 'incident', title: `Badge reader ${i} refuses cards` });
      client.localChange();
    }
    expect(await waitFor(() => server.calls.pushedOps > 0, 1_000)).toBe(true);
    await new Promise((r) => setTimeout(r, 400));
    expect(server.calls.pulls).toBe(before + 1);
  });

  it('the live stream reaching the server again after an outage brings a pass, and is kept, not restarted', async () => {
    const server = await offlineWithATicket('Scanner at goods-in reads nothing');
    const streams = server.calls.liveStarts;
    server.setAway(false);
    // Restarting the stream that had just connected dropped it, which counted as the server going away again.
    expect(await waitFor(() => server.calls.pushedOps > 0 && client!.status().state === 'synced', 1_000)).toBe(true);
    expect(server.calls.liveStarts).toBe(streams);
  });

  it('a retried pass that finds the server back reconnects the live stream at once, not after its own backoff', async () => {
    const server = await offlineWithATicket('Door controller at the depot offline');
    const streams = server.calls.liveStarts;
    // The server answers again, but the live stream is still waiting to retry; an edit's pass finds the server.
    server.setAway(false, { liveToo: false });
    client!.localChange();
    expect(await waitFor(() => client!.status().state === 'synced', 1_000)).toBe(true);
    expect(server.calls.liveStarts).toBe(streams + 1);
    // And the new stream brings the next poke's pass.
    const pulls = server.calls.pulls;
    server.poke();
    expect(await waitFor(() => server.calls.pulls > pulls, 1_000)).toBe(true);
  });

  it('a server that answers but refuses the live stream is not probed for, so it does not get a pass every two seconds', async () => {
    w = makeWorld();
    const server = fakeServer({ refusesLive: true });
    client = await joinedClient(server);
    const pulls = server.calls.pulls;
    // Two probes' worth of time: each probe that found the server "back" started a pass.
    await new Promise((r) => setTimeout(r, 2 * PROBE_FAST_MS + 500));
    expect(server.calls.pulls).toBe(pulls);
    expect(client.status().state).toBe('synced');
  });

  it('answers that drop halfway read offline, and are retried on the backoff, not probed for', async () => {
    w = makeWorld();
    const server = fakeServer({ dropsPulls: true });
    client = await joinedClient(server);
    client.localChange();
    expect(await waitFor(() => client!.status().state === 'offline', 1_000)).toBe(true);
    expect(client.status().error).toContain('dropped while its answer arrived');
    // Each probe would find the server there and start another pass at once, whatever the backoff.
    await new Promise((r) => setTimeout(r, PROBE_FAST_MS + 500));
    expect(server.calls.probes).toBe(0);
  });
});
