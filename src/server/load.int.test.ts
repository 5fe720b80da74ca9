/**
 * A small run of the server load tool (`npm run bench:server`): two server processes on one
 * PostgreSQL database, ten devices over two sites spread across both. Every pushed op reaches every
 * device of its site and none of the other, devices on both instances are poked, and changes pushed
 * through one instance become visible on devices of the other.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runServerLoad } from './testing/load';
import { createScratchDatabase, type ScratchDatabase } from './testing/pg-database';

const PG = process.env.OUTPOST_TEST_PG_URL;
if (!PG) console.log('load.int.test: OUTPOST_TEST_PG_URL is not set, so the two-instance load test is skipped (CI sets it).');

describe.skipIf(!PG)('the server under load, two instances on PostgreSQL', () => {
  let db: ScratchDatabase;
  beforeAll(async () => {
    db = await createScratchDatabase(PG!, 'loadtest');
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('delivers every pushed op to every device of its site, through either instance, and nothing elsewhere', async () => {
    const r = await runServerLoad({
      databaseUrl: db.url,
      devices: 10,
      sites: 2,
      devicesPerPerson: 2,
      durationMs: 20_000,
      warmupMs: 5_000,
      pushIntervalMs: 2_000,
      sampleMs: 2_000,
      instances: 2,
      drainMs: 30_000,
      seed: 14,
    });
    console.log(JSON.stringify({ pushes: r.pushes, pushMs: r.pushMs, pokeToVisibleMs: r.pokeToVisibleMs, lost: r.lost, pokes: r.pokes, staleRetries: r.staleRetries }));
    expect(r.stalled).toBe(false);
    expect(r.ops).toBeGreaterThan(30);
    expect(r.rejectedOps).toBe(0);
    expect(r.errors).toEqual({ push: 0, pull: 0, live: 0, refresh: 0 });
    expect(r.lost).toEqual({ ops: 0, deliveries: 0, examples: [] });
    expect(r.foreignDeliveries).toBe(0);
    // Devices on both instances were poked, and changes crossed from one instance to the other.
    expect(r.pokes.perInstance.every((n) => n > 0)).toBe(true);
    expect(r.pokeToVisibleMs.crossInstanceP95).not.toBeNull();
    expect(r.pokeToVisibleMs.sameInstanceP95).not.toBeNull();
    // Memory and CPU of both processes were sampled.
    expect(r.servers.map((s) => s.rssMb.max > 0)).toEqual([true, true]);
  });
});
