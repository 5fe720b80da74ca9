/**
 * Support for the crash tests (host processes SIGKILLed mid-work, see src/main/db/fault-point.ts): a
 * store seeded to a size that takes a while to copy, what a store holds when opened straight from
 * disk, a seeded random source for kills at a random time, and the kill itself: a host process
 * started with a fault point, set to work, and SIGKILLed where it stopped.
 */
import fs from 'node:fs';
import path from 'node:path';
import { startRuntime } from '../runtime';
import { createLogger } from '../log';
import { initialize } from '../services/setup/setup';
import { loadActor } from '../services/directory/users';
import { commentTicket, createTicket } from '../services/tickets/tickets';
import { verifyChain } from '../services/core/audit';
import { openConnection, type StoreCipher, type StoreKey } from '../db/store-key';
import { mulberry32 } from '../../shared/random';
import { call, spawnServe, stop, type Running } from './serve-process';

/** The same seed gives the same kill times on every run. */
export const seededRandom = mulberry32;

export const CRASH_ADMIN = { username: 'admin', displayName: 'Ada Admin', password: 'password123' };

/** What the crash tests add to a host's environment: test mode (fault points live), quieter logs. */
export const CRASH_ENV = { OUTPOST_TEST: '1', OUTPOST_LOG_LEVEL: 'warn' };

/** Signs the administrator above in on a running host; their session token. */
export async function signInAdmin(host: Running): Promise<string> {
  return (await call<{ token: string }>(host, 'session.login', { username: CRASH_ADMIN.username, password: CRASH_ADMIN.password })).token;
}

/** Writes `passphrase` to a file in `dir`, as `--passphrase-file` reads it; its path. */
export function passphraseFile(dir: string, passphrase: string, name = 'passphrase'): string {
  const f = path.join(dir, name);
  fs.writeFileSync(f, `${passphrase}\n`);
  return f;
}

/**
 * Starts a host on `data` with the fault point `fault` (`name`, `name#N`, or `mark:name` with `delayMs`
 * for a kill that long after the step began), lets `work` ask it for something, and SIGKILLs it where
 * it stopped. Resolves with what became of the request: cut off by the kill, or answered before it.
 */
export async function killAt(
  data: string,
  passphrase: string | null,
  fault: string,
  work: (host: Running) => Promise<unknown>,
  delayMs = 0,
): Promise<'answered' | 'cut off'> {
  const host = await spawnServe(data, passphrase, { ...CRASH_ENV, OUTPOST_FAULT_AT: fault });
  await host.waitFor(host.url);
  const answered = work(host).then(
    () => 'answered' as const,
    () => 'cut off' as const,
  );
  await host.waitFor(fault.startsWith('mark:') ? `fault mark ${fault.slice(5)}` : `fault point ${fault.split('#')[0]}`);
  if (delayMs) await new Promise((r) => setTimeout(r, delayMs));
  await stop(host, 'SIGKILL');
  return answered;
}

/**
 * Sets up a store in `dataDir` (the administrator above, one site) holding `tickets` tickets with a
 * long description and one comment each, written through the real services (ops, audit trail).
 * `marker` is in every ticket's text, to look for in plain on disk.
 */
export function seedStore(dataDir: string, opts: { tickets: number; key?: StoreKey | null; cipher?: StoreCipher; marker: string; seed?: number }): void {
  const rt = startRuntime({ dataDir, key: opts.key ?? null, cipher: opts.cipher ?? null, log: createLogger({ level: 'silent' }) });
  try {
    const ctx = { store: rt.store, clock: rt.clock, actor: null, call: 'setup.init' };
    const session = initialize(ctx, { admin: CRASH_ADMIN, site: { name: 'Harbour depot' } });
    const actor = loadActor(rt.store.sqlite, session.user.id)!;
    const as = { store: rt.store, clock: rt.clock, actor, call: 'tickets.create' };
    const rnd = mulberry32(opts.seed ?? 7);
    const words = ['pallet', 'scanner', 'forklift', 'gate', 'cradle', 'battery', 'label', 'printer', 'dock', 'bay', 'router', 'badge'];
    const text = (n: number) => Array.from({ length: n }, () => words[Math.floor(rnd() * words.length)]).join(' ');
    for (let i = 0; i < opts.tickets; i++) {
      const t = createTicket(as, { type: 'incident', title: `${opts.marker} ${i} ${text(4)}`, description: `${opts.marker} ${text(1200)}` });
      commentTicket({ ...as, call: 'tickets.comment' }, t.id, `${opts.marker} note ${i} ${text(40)}`, false);
    }
  } finally {
    rt.close();
  }
}

export interface StoreOnDisk {
  integrity: string;
  chain: { valid: boolean; count: number };
  tickets: number;
  comments: number;
  /** Tickets carrying a ServiceNow source number (imported). */
  imported: number;
  assets: number;
}

/** Opens the store file (`name` in the folder) of a stopped host with its key: SQLite's integrity check, the audit chain, and what it holds. */
export function storeOnDisk(dataDir: string, key: StoreKey | null, name = 'outpost.db'): StoreOnDisk {
  const sqlite = openConnection(path.join(dataDir, name), key);
  try {
    const n = (sql: string) => sqlite.prepare(sql).pluck().get() as number;
    const chain = verifyChain(sqlite);
    return {
      integrity: String(sqlite.pragma('integrity_check', { simple: true })),
      chain: { valid: chain.valid, count: chain.count },
      tickets: n('SELECT count(*) FROM tickets'),
      comments: n('SELECT count(*) FROM ticket_comments'),
      imported: n('SELECT count(*) FROM tickets WHERE source_number IS NOT NULL'),
      assets: n('SELECT count(*) FROM assets'),
    };
  } finally {
    sqlite.close();
  }
}

/** Files in the data folder (recursively) whose names match, for leftovers of interrupted work. */
export function filesMatching(dir: string, re: RegExp): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && re.test(e.name))
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)));
}
