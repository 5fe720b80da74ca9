/** The scheduler's backoff, the pulled page's sizing and the outbox's batching, on their own. */
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { APPLY_BUDGET_MS, MIN_PULL_LIMIT, PARSE_BUDGET_MS, backoff, nextPullLimit, yieldToIo } from './client';
import { DEFAULT_PULL_LIMIT } from '../../shared/sync/wire';
import { nextBatch, acknowledge, pendingCount } from './outbox';
import { makeWorld, type World } from '../testing';
import { createTicket } from '../services/tickets/tickets';

let world: World | null = null;
afterEach(() => {
  world?.dispose();
  world = null;
});

describe('backoff', () => {
  it('grows exponentially with jitter and caps at five minutes', () => {
    expect(backoff(0, () => 0)).toBe(500);
    expect(backoff(0, () => 1)).toBe(1000);
    expect(backoff(3, () => 0.5)).toBe(6000);
    expect(backoff(50, () => 1)).toBe(300_000);
    for (let f = 0; f < 20; f++) {
      const v = backoff(f);
      expect(v).toBeGreaterThan(0);
      expect(v).toBeLessThanOrEqual(300_000);
    }
  });
});

describe('outbox', () => {
  it('cuts batches under the byte limit in device order and acknowledges answered ops', () => {
    world = makeWorld();
    const ctx = world.ctx(world.admin);
    for (let i = 0; i < 30; i++) createTicket(ctx, { type: 'incident', title: `T${i}`, description: 'x'.repeat(2000) });
    const total = pendingCount(world.store.sqlite);
    const b = nextBatch(world.store.sqlite, 20_000);
    expect(b.ops.length).toBeGreaterThan(0);
    expect(b.ops.length).toBeLessThan(total);
    expect(b.bytes).toBeLessThanOrEqual(20_000);
    const seqs = b.ops.map((o) => o.deviceSeq);
    expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
    acknowledge(world.store.sqlite, [{ deviceSeq: seqs[0]!, status: 'applied' }, { deviceSeq: seqs[1]!, status: 'rejected', reason: 'no' }]);
    expect(pendingCount(world.store.sqlite)).toBe(total - 2);
    expect(nextBatch(world.store.sqlite, 20_000).ops[0]!.deviceSeq).toBe(seqs[2]);
  });
});

describe('outbox batches that stay short', () => {
  it('reads only as many ops as fit: a full batch is the same op list whether read in one go or in parts', () => {
    world = makeWorld();
    const ctx = world.ctx(world.admin);
    for (let i = 0; i < 1200; i++) createTicket(ctx, { type: 'incident', title: `T${i}` });
    const total = pendingCount(world.store.sqlite);
    const all = nextBatch(world.store.sqlite, 100 * 1024 * 1024);
    // Past the 500 rows one read takes: nothing skipped, nothing twice, device order.
    expect(all.ops.length).toBe(total);
    expect(new Set(all.ops.map((o) => o.deviceSeq)).size).toBe(total);
    const seqs = all.ops.map((o) => o.deviceSeq);
    expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
    expect(nextBatch(world.store.sqlite, 100 * 1024 * 1024, 700).ops.map((o) => o.deviceSeq)).toEqual(seqs.slice(0, 700));
  });

  it('ends a batch once building it took its time budget, with at least one op, and the next batch goes on from there', () => {
    world = makeWorld();
    const ctx = world.ctx(world.admin);
    for (let i = 0; i < 50; i++) createTicket(ctx, { type: 'incident', title: `T${i}` });
    const first = nextBatch(world.store.sqlite, undefined, undefined, 0);
    expect(first.ops).toHaveLength(1);
    acknowledge(world.store.sqlite, [{ deviceSeq: first.ops[0]!.deviceSeq, status: 'applied' }]);
    const rest = nextBatch(world.store.sqlite);
    expect(rest.ops[0]!.deviceSeq).toBeGreaterThan(first.ops[0]!.deviceSeq);
    expect(rest.ops.length).toBe(pendingCount(world.store.sqlite));
  });

  it('acknowledges a few thousand answered ops at once and keeps the rejected ones for the user', () => {
    world = makeWorld();
    const ctx = world.ctx(world.admin);
    for (let i = 0; i < 1500; i++) createTicket(ctx, { type: 'incident', title: `T${i}` });
    const total = pendingCount(world.store.sqlite);
    const b = nextBatch(world.store.sqlite, 100 * 1024 * 1024);
    const answered = b.ops.slice(0, 1400).map((o, i) => ({ deviceSeq: o.deviceSeq, status: i === 7 ? ('rejected' as const) : ('applied' as const), reason: i === 7 ? 'no' : undefined }));
    const r = acknowledge(world.store.sqlite, answered);
    expect(r.rejected.map((x) => x.deviceSeq)).toEqual([b.ops[7]!.deviceSeq]);
    expect(pendingCount(world.store.sqlite)).toBe(total - 1400);
    expect(nextBatch(world.store.sqlite).ops[0]!.deviceSeq).toBe(b.ops[1400]!.deviceSeq);
  });
});

describe('pulled page size', () => {
  const quick = { longestSliceMs: 20, parseMs: 5 };

  it('grows by a quarter while slices and parsing keep within their budgets, up to the default page', () => {
    expect(nextPullLimit(500, { changes: 500, ...quick })).toBe(625);
    expect(nextPullLimit(1900, { changes: 1900, ...quick })).toBe(DEFAULT_PULL_LIMIT);
    expect(nextPullLimit(DEFAULT_PULL_LIMIT, { changes: DEFAULT_PULL_LIMIT, ...quick })).toBe(DEFAULT_PULL_LIMIT);
  });

  it('halves (or more) when a slice ran past its budget', () => {
    expect(nextPullLimit(1000, { changes: 1000, longestSliceMs: APPLY_BUDGET_MS + 1, parseMs: 5 })).toBe(500);
    expect(nextPullLimit(1000, { changes: 1000, longestSliceMs: APPLY_BUDGET_MS * 4, parseMs: 5 })).toBe(250);
  });

  it('shrinks when decoding and parsing the page held the app past its budget, whatever the slices did', () => {
    expect(nextPullLimit(2000, { changes: 2000, longestSliceMs: 10, parseMs: PARSE_BUDGET_MS * 2 })).toBe(1000);
    expect(nextPullLimit(2000, { changes: 2000, longestSliceMs: 10, parseMs: PARSE_BUDGET_MS * 8 })).toBe(250);
  });

  it('grows no further than the parse budget allows at the last page’s cost per change', () => {
    // 1,000 changes parsed in 25 ms: 1,200 would take the whole 30 ms budget.
    expect(nextPullLimit(1000, { changes: 1000, longestSliceMs: 10, parseMs: (PARSE_BUDGET_MS * 1000) / 1200 })).toBe(1200);
    // Already at the parse budget: stays.
    expect(nextPullLimit(1000, { changes: 1000, longestSliceMs: 10, parseMs: PARSE_BUDGET_MS })).toBe(1000);
  });

  it('never goes below the smallest page, and a short page (the end of the log) changes nothing', () => {
    expect(nextPullLimit(MIN_PULL_LIMIT, { changes: MIN_PULL_LIMIT, longestSliceMs: 1000, parseMs: 1000 })).toBe(MIN_PULL_LIMIT);
    expect(nextPullLimit(2000, { changes: 30, longestSliceMs: 500, parseMs: 500 })).toBe(2000);
  });
});

describe('yieldToIo', () => {
  /**
   * From inside an I/O callback (a pulled page's body just arrived), `yielder` is awaited while a
   * window's message already waits on its socket: which comes first, the message or the work after?
   */
  async function firstAfter(yielder: () => Promise<void>): Promise<string[]> {
    const order: string[] = [];
    const server = net.createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as net.AddressInfo).port;
    const accepted = new Promise<net.Socket>((r) => server.once('connection', r));
    const page = net.connect(port, '127.0.0.1');
    const pageEnd = await accepted;
    const window = net.connect(port, '127.0.0.1');
    const windowEnd = await new Promise<net.Socket>((r) => server.once('connection', r));
    await new Promise<void>((r) => (window.readyState === 'open' ? r() : window.once('connect', () => r())));
    windowEnd.on('data', () => order.push('window answered'));
    await new Promise<void>((done) => {
      page.once('data', () => {
        // The window's call reaches the host while the first slice holds the loop.
        window.write('call');
        const until = Date.now() + 30;
        while (Date.now() < until) {
          // the first slice
        }
        void yielder().then(() => {
          order.push('next slice');
          setTimeout(done, 50);
        });
      });
      pageEnd.write('page');
    });
    for (const s of [page, window, pageEnd, windowEnd]) s.destroy();
    server.close();
    return order;
  }

  it('lets a call waiting on its socket be read before the next slice, even right after a page arrived', async () => {
    expect(await firstAfter(yieldToIo)).toEqual(['window answered', 'next slice']);
  });

  it('(one setImmediate from an I/O callback would run the next slice first)', async () => {
    expect(await firstAfter(() => new Promise<void>((r) => setImmediate(r)))).toEqual(['next slice', 'window answered']);
  });
});
