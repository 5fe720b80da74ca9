/**
 * Test helpers: a throwaway store on a temp file, a clock the test moves by hand, and factories
 * for the people a scenario needs. Used by unit tests, integration tests and the benchmark.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openStore, type Store } from '../db/open';
import type { StoreCipher } from '../db/store-key';
import type { Actor, Clock, Ctx } from '../services/core/context';
import type { Role } from '../../shared/api/contract';
import { initialize } from '../services/setup/setup';
import { createUser } from '../services/directory/users';
import { hashPassword } from '../services/auth/password';
import { loadActor } from '../services/directory/users';
import { AppError } from '../../shared/result';

/** A temporary directory removed by `cleanup()`. */
export function tempDir(prefix = 'outpost-test-'): { dir: string; cleanup(): void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  return { dir, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

export interface TempStore extends Store {
  dir: string;
  /** Close the store and delete its files. */
  dispose(): void;
}

/** A fresh, migrated SQLite file in os.tmpdir() (encrypted with `key` when one is given). */
export function tempStore(opts: { key?: Buffer | null; cipher?: StoreCipher } = {}): TempStore {
  const t = tempDir('outpost-store-');
  const store = openStore(path.join(t.dir, 'outpost.db'), { key: opts.key ?? null, cipher: opts.cipher });
  let open = true;
  return {
    ...store,
    dir: t.dir,
    dispose() {
      if (open) store.close();
      open = false;
      t.cleanup();
    },
  };
}

export interface TestClock extends Clock {
  set(iso: string | Date): void;
  advance(ms: number): void;
}

/** A clock that stands still until the test moves it. */
export function fixedClock(start: string | Date = '2026-03-02T09:00:00.000Z'): TestClock {
  let t = new Date(start).getTime();
  return {
    now: () => new Date(t),
    set: (iso) => {
      t = new Date(iso).getTime();
    },
    advance: (ms) => {
      t += ms;
    },
  };
}

// scrypt is deliberately slow: hash the shared test password once per process.
export const TEST_PASSWORD = 'password123';
let cachedHash: string | null = null;
function testHash(): string {
  cachedHash ??= hashPassword(TEST_PASSWORD);
  return cachedHash;
}

export interface World {
  store: TempStore;
  clock: TestClock;
  siteId: string;
  admin: Actor;
  /** A context acting as `actor` (or nobody). */
  ctx(actor: Actor | null, call?: string): Ctx;
  /** Creates a user with `role` (password TEST_PASSWORD) and returns them as an actor. */
  user(role: Role, username?: string, opts?: { siteIds?: string[]; groupIds?: string[] }): Actor;
  dispose(): void;
}

let seq = 0;

/** A set-up store: one site and its administrator, plus factories for more people. */
export function makeWorld(opts: { clock?: TestClock; key?: Buffer | null; cipher?: StoreCipher } = {}): World {
  const store = tempStore({ key: opts.key, cipher: opts.cipher });
  const clock = opts.clock ?? fixedClock();
  const ctx = (actor: Actor | null, call = 'test'): Ctx => ({ store, clock, actor, call });
  const session = initialize(ctx(null, 'setup.init'), {
    admin: { username: 'admin', displayName: 'Ada Admin', password: TEST_PASSWORD },
    site: { name: 'Head Office', code: 'HQ' },
  });
  const admin = loadActor(store.sqlite, session.user.id)!;
  const siteId = admin.siteIds[0]!;
  return {
    store,
    clock,
    siteId,
    admin,
    ctx,
    user(role, username, o = {}) {
      const name = username ?? `${role}${++seq}`;
      const u = createUser(
        ctx(admin, 'users.create'),
        { username: name, displayName: `${role[0]!.toUpperCase()}${role.slice(1)} ${name}`, role, password: TEST_PASSWORD, siteIds: o.siteIds ?? [siteId], groupIds: o.groupIds ?? [] },
        { passwordHash: testHash() },
      );
      return loadActor(store.sqlite, u.id)!;
    },
    dispose: () => store.dispose(),
  };
}

/** Row count of a table, for "nothing was written" checks. */
export function countRows(store: Store, table: string): number {
  return store.sqlite.prepare(`SELECT count(*) FROM ${table}`).pluck().get() as number;
}

/** Counts of every table that a write touches. */
export function writeFootprint(store: Store): Record<string, number> {
  const tables = ['tickets', 'ticket_comments', 'ticket_worklogs', 'ticket_history', 'pending_ops', 'audit_events', 'users', 'groups', 'sites', 'saved_views', 'group_members', 'user_sites'];
  const r: Record<string, number> = {};
  for (const t of tables) r[t] = countRows(store, t);
  return r;
}

/** The AppError a call throws (a test of a refusal reads its code and message); fails when it throws none. */
export function appErrorOf(fn: () => unknown): AppError {
  try {
    fn();
  } catch (e) {
    if (e instanceof AppError) return e;
    throw e;
  }
  throw new Error('expected an AppError');
}
