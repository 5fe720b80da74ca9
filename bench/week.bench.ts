/**
 * `npm run bench:week -- [--seed-tickets 2000] [--changes 10000] [--overlaps N] [--pg]`: the
 * three-laptop week offline (see src/testing/week.ts) as one JSON object. Not a test: the
 * invariants at small size are asserted by src/main/sync/week.int.test.ts.
 */
import fs from 'node:fs';
import { Session } from 'node:inspector/promises';
import { runWeek } from '../src/testing/week';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? process.argv[i + 1] : undefined;
  return v === undefined ? fallback : Number(v);
}

const pgUrl = process.argv.includes('--pg') ? process.env.DATABASE_URL || process.env.OUTPOST_TEST_PG_URL : undefined;
const overlaps = arg('overlaps', 0);
// OUTPOST_PROFILE=file.cpuprofile: a CPU profile of the catch-up alone (server back → converged).
const profileTo = process.env.OUTPOST_PROFILE;
const session = profileTo ? new Session() : null;
const report = await runWeek({
  seedTickets: arg('seed-tickets', 2000),
  changes: arg('changes', 10_000),
  overlapsPerKind: overlaps || undefined,
  convergeTimeoutMs: arg('timeout', 300) * 1000,
  pgUrl,
  onCatchUp: session
    ? {
        start: async () => {
          session.connect();
          await session.post('Profiler.enable');
          await session.post('Profiler.start');
        },
        stop: async () => {
          const { profile } = await session.post('Profiler.stop');
          fs.writeFileSync(profileTo!, JSON.stringify(profile));
        },
      }
    : undefined,
  progress: (m) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${m}\n`),
});
process.stdout.write(`${JSON.stringify({ store: pgUrl ? 'postgresql' : 'embedded', ...report }, null, 2)}\n`);
process.exit(0);
