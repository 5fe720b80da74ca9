/**
 * `npm run seed -- --data-dir D [--tickets N] [--admin-password P] [--seed S]`: fills a store with
 * a realistic team (sites, groups, technicians, requesters) and N tickets, setting it up first
 * (admin "admin") when it is new. Safe to run against an existing store: people and sites are
 * reused, tickets are added.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { defaultDataDir, startRuntime } from '../src/main/runtime';
import { password as passwordSchema } from '../src/shared/api/setup';
import type { Ctx } from '../src/main/services/core/context';
import { initialize, isInitialized } from '../src/main/services/setup/setup';
import { loadSampleData } from '../src/main/services/setup/sample';
import { SAMPLE_PASSWORD } from '../src/shared/api/setup';
import { loadActor } from '../src/main/services/directory/users';

export const DEFAULT_ADMIN_PASSWORD = 'outpost-admin';
export const DEFAULT_TICKETS = 3000;
const USAGE = 'Usage: npm run seed -- --data-dir D [--tickets N] [--admin-password P] [--seed S]';

const seedArgs = z
  .object({
    dataDir: z.string().min(1, { message: '--data-dir needs a folder' }),
    tickets: z.coerce
      .number({ message: '--tickets must be a whole number' })
      .int({ message: '--tickets must be a whole number' })
      .min(0, { message: '--tickets cannot be negative' })
      .max(2_000_000, { message: '--tickets is limited to 2,000,000 (use npm run bench for more)' }),
    adminPassword: passwordSchema,
    seed: z.coerce.number({ message: '--seed must be a whole number' }).int({ message: '--seed must be a whole number' }),
  })
  .strict();

export type SeedArgs = z.output<typeof seedArgs>;

const FLAGS: Record<string, keyof SeedArgs> = {
  '--data-dir': 'dataDir',
  '--tickets': 'tickets',
  '--admin-password': 'adminPassword',
  '--seed': 'seed',
};

/** Parses and validates the command line; throws an Error whose message names the bad option. */
export function parseSeedArgs(argv: readonly string[], env: Readonly<Record<string, string | undefined>> = process.env): SeedArgs {
  const raw: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const eq = a.indexOf('=');
    const flag = eq > 0 ? a.slice(0, eq) : a;
    const key = FLAGS[flag];
    if (!key) throw new Error(`Unknown option ${a}. ${USAGE}`);
    let value: string | undefined;
    if (eq > 0) value = a.slice(eq + 1);
    else {
      value = argv[i + 1];
      if (value === undefined || value.startsWith('--')) throw new Error(`${flag} needs a value. ${USAGE}`);
      i++;
    }
    raw[key] = value;
  }
  const parsed = seedArgs.safeParse({
    dataDir: raw.dataDir ?? (env.OUTPOST_DATA_DIR || defaultDataDir()),
    tickets: raw.tickets ?? DEFAULT_TICKETS,
    adminPassword: raw.adminPassword ?? DEFAULT_ADMIN_PASSWORD,
    seed: raw.seed ?? 42,
  });
  if (!parsed.success) {
    const i = parsed.error.issues[0]!;
    const where = i.path[0] === 'adminPassword' ? '--admin-password: ' : '';
    throw new Error(`${where}${i.message.replace(/\.$/, '')}. ${USAGE}`);
  }
  return { ...parsed.data, dataDir: path.resolve(parsed.data.dataDir) };
}

export interface SeedSummary {
  dataDir: string;
  createdStore: boolean;
  ticketsAdded: number;
  totals: { sites: number; groups: number; users: number; tickets: number };
  seconds: number;
}

export function seed(args: SeedArgs, log: (line: string) => void = console.log): SeedSummary {
  const started = Date.now();
  log(`Opening the store in ${args.dataDir}…`);
  const rt = startRuntime({ dataDir: args.dataDir });
  try {
    const base: Ctx = { store: rt.store, clock: rt.clock, actor: null, call: 'seed' };
    const createdStore = !isInitialized(base);
    let actorId: string;
    if (createdStore) {
      log('New store: creating the administrator "admin" and the first site.');
      const session = initialize({ ...base, call: 'setup.init' }, {
        organisation: 'Outpost sample team',
        admin: { username: 'admin', displayName: 'Administrator', password: args.adminPassword },
        site: { name: 'Head Office', code: 'HQ' },
      });
      actorId = session.user.id;
    } else {
      // An existing store keeps its accounts: the sample data is recorded as done by its first admin.
      const id = rt.store.sqlite
        .prepare("SELECT id FROM users WHERE role = 'admin' AND active = 1 AND deleted_hlc IS NULL ORDER BY username = 'admin' DESC, created_at LIMIT 1")
        .pluck()
        .get() as string | undefined;
      if (!id) throw new Error('This store has no active administrator to record the sample data against.');
      actorId = id;
      log('Existing store: adding to it (people and sites already there are reused).');
    }
    const actor = loadActor(rt.store.sqlite, actorId);
    if (!actor) throw new Error('The administrator account could not be loaded.');
    log(`Adding sites, groups, sample people and ${args.tickets.toLocaleString('en')} tickets…`);
    const t = Date.now();
    const { tickets } = loadSampleData({ ...base, actor }, { tickets: args.tickets, seed: args.seed });
    const secs = (Date.now() - t) / 1000;
    log(`  done in ${secs.toFixed(1)} s (${Math.round(tickets / Math.max(secs, 0.001)).toLocaleString('en')} tickets/s).`);
    const count = (table: string) => rt.store.sqlite.prepare(`SELECT count(*) FROM ${table} WHERE deleted_hlc IS NULL`).pluck().get() as number;
    return {
      dataDir: args.dataDir,
      createdStore,
      ticketsAdded: tickets,
      totals: { sites: count('sites'), groups: count('groups'), users: count('users'), tickets: count('tickets') },
      seconds: (Date.now() - started) / 1000,
    };
  } finally {
    rt.close();
  }
}

function main(): void {
  let args: SeedArgs;
  try {
    args = parseSeedArgs(process.argv.slice(2));
  } catch (e) {
    console.error(e instanceof Error ? e.message : String(e));
    process.exit(2);
  }
  try {
    const s = seed(args);
    console.log(
      [
        `Sample data ready in ${s.seconds.toFixed(1)} s: ${s.totals.sites} sites, ${s.totals.groups} groups, ${s.totals.users} users, ${s.totals.tickets.toLocaleString('en')} tickets (${s.ticketsAdded.toLocaleString('en')} added).`,
        s.createdStore ? `Sign in as "admin" with the password you chose (default "${DEFAULT_ADMIN_PASSWORD}").` : 'Sign in with your existing accounts.',
        `Sample people sign in with their username (e.g. the technicians listed under Directory) and the password "${SAMPLE_PASSWORD}".`,
        `Open it with: npm run serve -- --data-dir ${s.dataDir}`,
      ].join('\n'),
    );
  } catch (e) {
    // Tickets go in batches of one transaction each: a failure keeps the batches already written, never half of one.
    console.error(`Seeding stopped: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
