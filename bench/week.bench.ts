/**
 * `npm run bench:week -- [--seed-tickets 2000] [--changes 10000] [--overlaps N] [--pg]`: the
 * three-laptop week offline (see src/testing/week.ts) as one JSON object. Not a test: the
 * invariants at small size are asserted by src/main/sync/week.int.test.ts.
 */
import { runWeek } from '../src/testing/week';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? process.argv[i + 1] : undefined;
  return v === undefined ? fallback : Number(v);
}

const pgUrl = process.argv.includes('--pg') ? process.env.DATABASE_URL || process.env.OUTPOST_TEST_PG_URL : undefined;
const overlaps = arg('overlaps', 0);
const report = await runWeek({
  seedTickets: arg('seed-tickets', 2000),
  changes: arg('changes', 10_000),
  overlapsPerKind: overlaps || undefined,
  convergeTimeoutMs: arg('timeout', 300) * 1000,
  pgUrl,
  progress: (m) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${m}\n`),
});
process.stdout.write(`${JSON.stringify({ store: pgUrl ? 'postgresql' : 'embedded', ...report }, null, 2)}\n`);
process.exit(0);
