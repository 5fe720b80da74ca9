/** The scheduler's backoff and the outbox's batching, on their own. */
import { afterEach, describe, expect, it } from 'vitest';
import { backoff } from './client';
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
