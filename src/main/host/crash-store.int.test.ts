/**
 * The host SIGKILLed mid-backup, mid-restore, mid-encryption and mid-switch of the store's cipher, as real processes (`npm run serve`'s entry): at
 * known steps (fault points, src/main/db/fault-point.ts) and once at a seeded random time. After each
 * kill the host starts again on the same data folder and the store opens, passes SQLite's integrity
 * check and the audit chain, holds every ticket and comment it held, lists no half-written backup,
 * leaves no copy behind, and the interrupted work runs again to the end.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { tempDir } from '../testing';
import { call, readableFiles, serve, spawnServe, stop } from '../testing/serve-process';
import { CRASH_ADMIN, CRASH_ENV as TEST_ENV, filesMatching, killAt, passphraseFile, seededRandom, seedStore, signInAdmin as login, storeOnDisk } from '../testing/crash';
import { checkStoreFile, listBackups } from '../db/backup';
import Database from 'better-sqlite3-multiple-ciphers';
import { encryptPlainStore, isPlainStore, passphraseKey, readCipherChoice, storeCipherOf, type StoreCipher, type StoreKey } from '../db/store-key';
import { verifyCopy } from '../runtime';

const PASSPHRASE = 'harbour depot crash passphrase';
const MARKER = 'kestrel-quince';
/** Enough tickets (each ~8 kB of text and a comment) that copying the store takes a noticeable while. */
const TICKETS = 600;
/** The seed of the random kill times; printed so a failing run can be replayed. */
const SEED = Number(process.env.OUTPOST_CRASH_SEED ?? 20261206);

let t: ReturnType<typeof tempDir>;
let plainSeed: string;
let seeded: { tickets: number; comments: number; events: number };
beforeAll(() => {
  t = tempDir('outpost-crash-store-');
  plainSeed = path.join(t.dir, 'seed-plain');
  seedStore(plainSeed, { tickets: TICKETS, marker: MARKER });
  const s = storeOnDisk(plainSeed, null);
  seeded = { tickets: s.tickets, comments: s.comments, events: s.chain.count };
  console.log(`crash tests: seed ${SEED}, store ${(fs.statSync(path.join(plainSeed, 'outpost.db')).size / 1e6).toFixed(1)} MB`);
}, 300_000);
afterAll(() => t?.cleanup());

/** A fresh data folder holding a copy of the seeded plain store. */
function copyOfSeed(name: string): string {
  const dir = path.join(t.dir, name);
  fs.cpSync(plainSeed, dir, { recursive: true });
  return dir;
}

const passFile = () => passphraseFile(t.dir, PASSPHRASE);

/** The store holds what it was seeded with (plus `events` more audit events at least), whole. */
function expectWhole(dataDir: string, key: StoreKey | null) {
  const s = storeOnDisk(dataDir, key);
  expect(s.integrity).toBe('ok');
  expect(s.chain.valid).toBe(true);
  expect(s.chain.count).toBeGreaterThanOrEqual(seeded.events);
  expect(s.tickets).toBe(seeded.tickets);
  expect(s.comments).toBe(seeded.comments);
}

/**
 * Starts the host with the passphrase and a fault point on `data`, SIGKILLs it there (or a seeded
 * random time after a `mark:`), then starts it again with the passphrase: it says the store is
 * encrypted, signs in, and the audit chain verifies.
 */
async function killThenStartAgain(data: string, fault: string, seed: number, what: string, env: Record<string, string> = {}): Promise<void> {
  const host = await spawnServe(data, passFile(), { ...TEST_ENV, ...env, OUTPOST_FAULT_AT: fault });
  if (fault.startsWith('mark:')) {
    await host.waitFor(`fault mark ${fault.slice(5)}`);
    const delay = Math.floor(seededRandom(seed)() * 2500);
    console.log(`crash tests: ${what} killed ${delay} ms after it began (seed ${SEED})`);
    await new Promise((r) => setTimeout(r, delay));
  } else await host.waitFor(`fault point ${fault}`);
  await stop(host, 'SIGKILL');

  const again = await serve(data, passFile(), TEST_ENV);
  expect(again.output()).toContain('encrypted');
  const token = await login(again);
  expect((await call<{ valid: boolean }>(again, 'audit.verify', {}, token)).valid).toBe(true);
  await stop(again);
}

describe('SIGKILL mid-backup', () => {
  let data: string;
  let key: StoreKey;
  const pass = () => passFile();
  beforeAll(async () => {
    // An encrypted store (its backups are encrypted with its key), migrated from the seed on first start.
    data = copyOfSeed('backup');
    const host = await serve(data, pass(), TEST_ENV);
    await stop(host);
    key = passphraseKey(data, PASSPHRASE);
  }, 120_000);

  /** Starts the host with a fault point, asks for a backup, kills the host where it stopped. */
  async function killDuringBackup(fault: string): Promise<void> {
    const delay = fault.startsWith('mark:') ? Math.floor(seededRandom(SEED)() * 1500) : 0;
    if (fault.startsWith('mark:')) console.log(`crash tests: backup killed ${delay} ms after it began (seed ${SEED})`);
    const answered = await killAt(data, pass(), fault, async (host) => call(host, 'store.backup', {}, await login(host)), delay);
    if (!fault.startsWith('mark:')) expect(answered).toBe('cut off');
  }

  /** After a kill: the next start removes leftovers, lists only whole backups, and a new backup succeeds and checks out. */
  async function expectRecovered(listedBefore: string[]): Promise<string[]> {
    const host = await serve(data, pass(), TEST_ENV);
    const token = await login(host);
    const listed = (await call<{ name: string }[]>(host, 'store.backups', {}, token)).map((b) => b.name);
    // A backup listed is one that was written whole and checked (the kill may have come after the rename).
    for (const name of listed) expect(checkStoreFile(path.join(data, 'backups', name), key, verifyCopy)).toBeNull();
    expect(listed.filter((n) => !listedBefore.includes(n)).length).toBeLessThanOrEqual(1);
    expect(filesMatching(path.join(data, 'backups'), /\.(partial|removing)/)).toEqual([]);
    const chain = await call<{ valid: boolean }>(host, 'audit.verify', {}, token);
    expect(chain.valid).toBe(true);
    // Two backups in one second would share a name: wait for the next second.
    await new Promise((r) => setTimeout(r, 1100));
    const made = await call<{ name: string }>(host, 'store.backup', {}, token);
    await stop(host);
    expect(checkStoreFile(path.join(data, 'backups', made.name), key, verifyCopy)).toBeNull();
    expect(isPlainStore(path.join(data, 'backups', made.name))).toBe(false);
    expectWhole(data, key);
    return listBackups(path.join(data, 'backups')).map((b) => path.basename(b.file));
  }

  it('killed after the copy is written and before it is checked: the copy is not listed and is removed at the next start', async () => {
    await killDuringBackup('backup.written');
    // The half-done copy is on disk under a name that is never listed.
    expect(filesMatching(path.join(data, 'backups'), /\.partial$/)).toHaveLength(1);
    expect(listBackups(path.join(data, 'backups'))).toEqual([]);
    expect(storeOnDisk(data, key).integrity).toBe('ok');
    await expectRecovered([]);
  }, 180_000);

  it('killed after the copy checked out and before it took its name: not listed, removed, the next backup checks out', async () => {
    const before = listBackups(path.join(data, 'backups')).map((b) => path.basename(b.file));
    await killDuringBackup('backup.checked');
    expect(filesMatching(path.join(data, 'backups'), /\.partial$/)).toHaveLength(1);
    expect(listBackups(path.join(data, 'backups')).map((b) => path.basename(b.file))).toEqual(before);
    await expectRecovered(before);
  }, 180_000);

  it('killed while an old backup is being removed: it is out of the list at once, and gone at the next start', async () => {
    process.env.OUTPOST_BACKUP_KEEP = '1';
    try {
      const before = listBackups(path.join(data, 'backups')).map((b) => path.basename(b.file));
      expect(before.length).toBeGreaterThanOrEqual(1);
      await new Promise((r) => setTimeout(r, 1100));
      await killDuringBackup('backup.pruning');
      const after = listBackups(path.join(data, 'backups'));
      for (const b of after) expect(checkStoreFile(b.file, key, verifyCopy)).toBeNull();
      expect(filesMatching(path.join(data, 'backups'), /\.removing$/).length).toBeGreaterThanOrEqual(1);
      const kept = await expectRecovered(after.map((b) => path.basename(b.file)));
      expect(kept).toHaveLength(1);
    } finally {
      delete process.env.OUTPOST_BACKUP_KEEP;
    }
  }, 180_000);

  it('killed at a seeded random time during a backup: the store is whole and only checked backups are listed', async () => {
    const before = listBackups(path.join(data, 'backups')).map((b) => path.basename(b.file));
    await new Promise((r) => setTimeout(r, 1100));
    await killDuringBackup('mark:backup.writing');
    await expectRecovered(before);
  }, 180_000);
});

describe('SIGKILL mid-encryption of a plain store', () => {
  /**
   * Starts the host with the passphrase on a copy of the plain seed, kills it at `fault`, then starts
   * it again with the passphrase: the store ends encrypted and whole, with no plain copy left.
   */
  async function killAndRecover(name: string, fault: string) {
    const data = copyOfSeed(name);
    await killThenStartAgain(data, fault, SEED + 1, 'encryption');

    const key = passphraseKey(data, PASSPHRASE);
    expect(isPlainStore(path.join(data, 'outpost.db'))).toBe(false);
    expectWhole(data, key);
    expect(filesMatching(data, /plain-backup|encrypting/)).toEqual([]);
    expect(readableFiles(data, [MARKER, 'Harbour depot'])).toEqual([]);
  }

  for (const fault of ['encrypt.copied', 'encrypt.rekeyed', 'encrypt.aside', 'encrypt.swapped', 'encrypt.plain-zeroed']) {
    it(`killed at ${fault}: the next start ends with the store encrypted, whole, and no plain copy`, async () => {
      await killAndRecover(fault, fault);
    }, 180_000);
  }

  it('killed at a seeded random time during the encryption: the same', async () => {
    await killAndRecover('random', 'mark:encrypt.start');
  }, 180_000);

  it('killed with the plain store moved aside, then started without the passphrase: the plain store is back, whole', async () => {
    const data = copyOfSeed('aside-no-key');
    const host = await spawnServe(data, passFile(), { ...TEST_ENV, OUTPOST_FAULT_AT: 'encrypt.aside' });
    await host.waitFor('fault point encrypt.aside');
    await stop(host, 'SIGKILL');
    expect(fs.existsSync(path.join(data, 'outpost.db'))).toBe(false);
    const again = await serve(data, null, TEST_ENV);
    expect(again.output()).toContain('NOT encrypted');
    await login(again);
    await stop(again);
    expect(isPlainStore(path.join(data, 'outpost.db'))).toBe(true);
    expectWhole(data, null);
    expect(filesMatching(data, /plain-backup/)).toEqual([]);
  }, 180_000);
});

describe('SIGKILL mid-re-encryption of a store in SQLCipher 4 (AEGIS-256X4 since)', () => {
  /** A copy of the seed encrypted with SQLCipher 4's scheme under the passphrase's key, as Outpost wrote stores before. */
  function copyOfLegacySeed(name: string): { data: string; key: StoreKey } {
    const data = copyOfSeed(name);
    const key = passphraseKey(data, PASSPHRASE);
    const db = new Database(path.join(data, 'outpost.db'));
    try {
      db.pragma('journal_mode = DELETE');
      db.pragma("cipher = 'sqlcipher'");
      db.pragma('legacy = 4');
      db.pragma(`rekey = "x'${key.toString('hex')}'"`);
    } finally {
      db.close();
    }
    expect(storeCipherOf(path.join(data, 'outpost.db'), key)).toBe('sqlcipher-4');
    return { data, key };
  }

  async function killAndRecover(name: string, fault: string) {
    const { data, key } = copyOfLegacySeed(name);
    await killThenStartAgain(data, fault, SEED + 2, 're-encryption');

    expect(storeCipherOf(path.join(data, 'outpost.db'), key)).toBe('aegis-256x4');
    expectWhole(data, key);
    expect(filesMatching(data, /sqlcipher-backup|reencrypting/)).toEqual([]);
    expect(readableFiles(data, [MARKER, 'Harbour depot'])).toEqual([]);
  }

  for (const fault of ['reencrypt.copied', 'reencrypt.rekeyed', 'reencrypt.aside', 'reencrypt.swapped']) {
    it(`killed at ${fault}: the next start ends with the store in AEGIS-256X4, whole, and no copy left`, async () => {
      await killAndRecover(fault, fault);
    }, 180_000);
  }

  it('killed at a seeded random time during the re-encryption: the same', async () => {
    await killAndRecover('reencrypt-random', 'mark:reencrypt.start');
  }, 180_000);
});

describe("SIGKILL mid-switch of the store's cipher (--cipher at start, or an administrator in Settings)", () => {
  /** A copy of the seed encrypted with AEGIS-256X4 under the passphrase's key (the default). */
  function copyOfAegisSeed(name: string): { data: string; key: StoreKey } {
    const data = copyOfSeed(name);
    const key = passphraseKey(data, PASSPHRASE);
    encryptPlainStore(path.join(data, 'outpost.db'), key, verifyCopy);
    expect(storeCipherOf(path.join(data, 'outpost.db'), key)).toBe('aegis-256x4');
    return { data, key };
  }

  /** Started again without naming a cipher: the recorded choice finishes the switch; the store is whole and no copy is left. */
  function expectSwitched(data: string, key: StoreKey, cipher: StoreCipher) {
    expect(readCipherChoice(data)).toBe(cipher);
    expect(storeCipherOf(path.join(data, 'outpost.db'), key)).toBe(cipher);
    expectWhole(data, key);
    expect(filesMatching(data, /cipher-backup|reencrypting/)).toEqual([]);
    expect(readableFiles(data, [MARKER, 'Harbour depot'])).toEqual([]);
  }

  for (const fault of ['reencrypt.copied', 'reencrypt.rekeyed', 'reencrypt.aside', 'reencrypt.swapped']) {
    it(`started with --cipher sqlcipher-4 and killed at ${fault}: the next start (no --cipher) ends in SQLCipher 4, whole`, async () => {
      const { data, key } = copyOfAegisSeed(`switch-start-${fault}`);
      const host = await spawnServe(data, passFile(), { ...TEST_ENV, OUTPOST_CIPHER: 'sqlcipher-4', OUTPOST_FAULT_AT: fault });
      await host.waitFor(`fault point ${fault}`);
      await stop(host, 'SIGKILL');
      const again = await serve(data, passFile(), TEST_ENV);
      expect(again.output()).toContain('encrypted with sqlcipher-4');
      const token = await login(again);
      expect((await call<{ valid: boolean }>(again, 'audit.verify', {}, token)).valid).toBe(true);
      await stop(again);
      expectSwitched(data, key, 'sqlcipher-4');
    }, 180_000);
  }

  for (const fault of ['reencrypt.rekeyed', 'reencrypt.aside', 'reencrypt.swapped']) {
    it(`switched to sqlcipher-3 in Settings and killed at ${fault}: the next start ends in SQLCipher 3, whole`, async () => {
      const { data, key } = copyOfAegisSeed(`switch-console-${fault}`);
      const host = await spawnServe(data, passFile(), { ...TEST_ENV, OUTPOST_FAULT_AT: fault });
      await host.waitFor(host.url);
      const token = await login(host);
      void call(host, 'store.setCipher', { cipher: 'sqlcipher-3', password: CRASH_ADMIN.password }, token).catch(() => null);
      await host.waitFor(`fault point ${fault}`);
      await stop(host, 'SIGKILL');
      await killThenStartAgainCheck(data);
      expectSwitched(data, key, 'sqlcipher-3');
    }, 180_000);
  }

  it('killed at a seeded random time during a switch at start: the same', async () => {
    const { data, key } = copyOfAegisSeed('switch-random');
    await killThenStartAgain(data, 'mark:reencrypt.start', SEED + 3, 'cipher switch', { OUTPOST_CIPHER: 'sqlcipher-3' });
    expectSwitched(data, key, 'sqlcipher-3');
  }, 180_000);

  /** Starts the host again with the passphrase and no cipher named: it opens, signs in, and the audit chain verifies. */
  async function killThenStartAgainCheck(data: string) {
    const again = await serve(data, passFile(), TEST_ENV);
    expect(again.output()).toContain('encrypted with');
    const token = await login(again);
    expect((await call<{ valid: boolean }>(again, 'audit.verify', {}, token)).valid).toBe(true);
    await stop(again);
  }
});

describe('SIGKILL mid-restore', () => {
  it('killed after the store moved aside and before the backup took its place: the next start finishes the restore', async () => {
    const data = path.join(t.dir, 'restore');
    let host = await serve(data, null, TEST_ENV);
    const token = (await call<{ token: string }>(host, 'setup.init', { admin: CRASH_ADMIN, site: { name: 'Harbour depot' } })).token;
    await call(host, 'tickets.create', { type: 'incident', title: 'Held in the backup: dock door sensor' }, token);
    const backup = await call<{ name: string }>(host, 'store.backup', {}, token);
    await call(host, 'tickets.create', { type: 'incident', title: 'Made after the backup: badge reader' }, token);
    await stop(host);

    const killed = await spawnServe(data, null, { ...TEST_ENV, OUTPOST_FAULT_AT: 'restore.aside' });
    await killed.waitFor(killed.url);
    const again = await login(killed);
    void call(killed, 'store.restore', { name: backup.name }, again).catch(() => null);
    await killed.waitFor('fault point restore.aside');
    await stop(killed, 'SIGKILL');
    // Without the settling at start this folder has no store: a start would make an empty one.
    expect(fs.existsSync(path.join(data, 'outpost.db'))).toBe(false);

    host = await serve(data, null, TEST_ENV);
    const after = await login(host);
    const titles = (await call<{ items: { title: string }[] }>(host, 'tickets.list', {}, after)).items.map((i) => i.title);
    expect(titles).toContain('Held in the backup: dock door sensor');
    expect(titles).not.toContain('Made after the backup: badge reader');
    await stop(host);
    const s = storeOnDisk(data, null);
    expect(s.integrity).toBe('ok');
    expect(s.chain.valid).toBe(true);
    expect(filesMatching(data, /\.restoring/)).toEqual([]);
    // The store it replaced is kept aside, as a finished restore keeps it.
    expect(fs.existsSync(path.join(data, 'outpost.db.before-restore'))).toBe(true);
  }, 180_000);
});
