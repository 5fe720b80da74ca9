/**
 * `npm run bench:server -- --devices 200 [--minutes 30]`: the central server under many devices, as
 * one JSON object. Two server instances (`npm run server`, two processes) share one PostgreSQL
 * database (DATABASE_URL or OUTPOST_TEST_PG_URL names the server; the run makes a database of its
 * own there and drops it afterwards); light protocol clients sign in, keep their live streams open,
 * push ticket work at a steady rate and pull when poked. Prints push and poke-to-visible latency,
 * whether anything was lost, each instance's memory, and the targets beside them.
 *
 * Options: --devices N (200), --sites N (4), --minutes N or --seconds N (3 minutes), --warmup-seconds N
 * (150, or a third of a short run), --interval-seconds N (20: mean time between one device's pushes),
 * --sample-seconds N (5), --seed N, --profile DIR (CPU profiles of both instances), --keep-database.
 */
import { runServerLoad } from '../src/server/testing/load';
import { createScratchDatabase } from '../src/server/testing/pg-database';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? process.argv[i + 1] : undefined;
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} takes a positive number (got "${v}").`);
  return n;
}
const flag = (name: string) => process.argv.includes(`--${name}`);
const text = (name: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
};

async function main() {
  const pgUrl = process.env.DATABASE_URL || process.env.OUTPOST_TEST_PG_URL;
  if (!pgUrl) throw new Error('Set DATABASE_URL (or OUTPOST_TEST_PG_URL) to a PostgreSQL server: the load runs two server instances on it.');
  const durationMs = process.argv.includes('--seconds') ? arg('seconds', 180) * 1000 : arg('minutes', 3) * 60_000;
  const warmupMs = arg('warmup-seconds', Math.min(150, Math.round(durationMs / 3000))) * 1000;
  const db = await createScratchDatabase(pgUrl, 'load');
  const log = (m: string) => console.error(`[bench:server] ${m}`);
  log(`database ${db.name}`);
  try {
    const report = await runServerLoad({
      databaseUrl: db.url,
      devices: arg('devices', 200),
      sites: arg('sites', 4),
      devicesPerPerson: 2,
      durationMs,
      warmupMs,
      pushIntervalMs: arg('interval-seconds', 20) * 1000,
      sampleMs: arg('sample-seconds', 5) * 1000,
      instances: 2,
      profileDir: text('profile'),
      drainMs: 60_000,
      seed: arg('seed', 14),
      log,
    });
    console.log(JSON.stringify(report, null, 2));
  } finally {
    if (!flag('keep-database')) await db.drop();
  }
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.stack : String(e));
  process.exit(1);
});
