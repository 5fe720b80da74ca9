/**
 * A stolen laptop: the data folder of a console that is running and locked is copied whole (store,
 * write-ahead log, evidence files, key files) to another machine. Nothing in the copy is readable
 * without the key: no file starts with SQLite's header or holds a ticket's, a risk's or an evidence
 * file's text; SQLite cannot open the store, keyed or not; Outpost started on the copy answers
 * nothing but its unlock screen. Two ways the key is kept are tried:
 * - the browser host, its key derived from a passphrase (real `npm run serve` processes, real HTTP);
 * - the desktop, its random key sealed by the OS keychain, here a stand-in bound to the machine it
 *   runs on (Electron's safeStorage cannot run here): the copy's sealed key does not open on
 *   another machine's keychain.
 * The copy itself is whole: with the passphrase it opens and shows everything, so it is the key,
 * not anything missing from the copy, that keeps the thief out.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import CipherDatabase from 'better-sqlite3-multiple-ciphers';
import { describe, expect, it } from 'vitest';
import { sealedKey, SEALED_KEY_FILE, type KeySealer } from '../db/store-key';
import { createLogger } from '../log';
import { startRuntime } from '../runtime';
import { tempDir } from '../testing';
import { allFiles, call, readableFiles, reply, serve, stop, type Running } from '../testing/serve-process';
import { startHost } from './server';

const ADMIN = { username: 'admin', displayName: 'Ada Admin', password: 'password123' };
const quiet = createLogger({ level: 'silent' });
const SECRETS = ['Harbour depot', 'Ada Admin', 'crowbar-tangerine', 'badge-reader-9317', 'unpatched-kiosk-walrus', 'cabinet photo lagoon-thistle'];

/** SQLite cannot read the file: not plain, not with an empty or a guessed key. */
function unopenable(file: string): void {
  const plain = new Database(file, { readonly: true, fileMustExist: true });
  try {
    expect(() => plain.prepare('SELECT count(*) FROM sqlite_master').get()).toThrow(/not a database/);
  } finally {
    plain.close();
  }
  for (const guess of ["x'" + '00'.repeat(32) + "'", 'raw:' + '11'.repeat(32), 'password123']) {
    const keyed = new CipherDatabase(file, { readonly: true, fileMustExist: true });
    try {
      expect(() => {
        keyed.pragma(`key = "${guess}"`);
        keyed.prepare('SELECT count(*) FROM sqlite_master').get();
      }).toThrow(/not a database/);
    } finally {
      keyed.close();
    }
  }
}

/** The whole folder, as a thief's copy of a running laptop's disk would have it. */
function copyFolder(from: string, to: string): void {
  fs.cpSync(from, to, { recursive: true });
  expect(allFiles(to).sort()).toEqual(allFiles(from).sort());
}

/** An OS keychain stand-in: it seals with a secret that never leaves its machine (AES-256-GCM). */
function keychainOf(machineSecret: Buffer): KeySealer {
  return {
    seal(key) {
      const iv = crypto.randomBytes(12);
      const c = crypto.createCipheriv('aes-256-gcm', machineSecret, iv);
      const body = Buffer.concat([c.update(key), c.final()]);
      return Buffer.concat([iv, c.getAuthTag(), body]);
    },
    unseal(sealed) {
      const d = crypto.createDecipheriv('aes-256-gcm', machineSecret, sealed.subarray(0, 12));
      d.setAuthTag(sealed.subarray(12, 28));
      return Buffer.concat([d.update(sealed.subarray(28)), d.final()]);
    },
  };
}

/** Setup, a ticket, a risk with an evidence file, then the console locked: what the laptop holds when it is taken. */
async function fillAndLock(post: <T>(name: string, input: unknown, token?: string) => Promise<T>): Promise<string> {
  const { token } = await post<{ token: string }>('setup.init', { admin: ADMIN, site: { name: 'Harbour depot' } });
  await post('tickets.create', { type: 'incident', title: 'Gate barrier crowbar-tangerine', description: 'Badge reader badge-reader-9317 loops' }, token);
  const risk = await post<{ id: string }>('risks.create', { title: 'Lobby unpatched-kiosk-walrus', reviewEveryDays: 30 }, token);
  await post(
    'evidence.attach',
    { recordType: 'risk', recordId: risk.id, fileName: 'cabinet.txt', mediaType: 'text/plain', content: Buffer.from('cabinet photo lagoon-thistle '.repeat(200)).toString('base64') },
    token,
  );
  expect(await post('session.lock', {}, token)).toEqual({ locked: true });
  return token;
}

describe('a stolen laptop: the data folder of a locked console copied to another machine', () => {
  it('browser host with a passphrase: nothing in the copy is readable, and Outpost on the copy opens only with the passphrase', async () => {
    const t = tempDir('outpost-stolen-');
    const data = path.join(t.dir, 'laptop');
    const copy = path.join(t.dir, 'thief');
    const pass = path.join(t.dir, 'passphrase');
    fs.writeFileSync(pass, 'tide-table over the breakwater\n');
    try {
      const host = await serve(data, pass);
      const token = await fillAndLock((name, input, tok) => call(host, name, input, tok));
      // Locked: the session's token reads nothing until the password is given again.
      const locked = await reply(host, 'tickets.list', {}, token);
      expect(locked.status).toBe(423);

      copyFolder(data, copy); // taken while the console runs, locked
      await stop(host, 'SIGKILL'); // the laptop's lid closed for good

      expect(allFiles(copy)).toEqual(expect.arrayContaining(['outpost.db', 'outpost.db-wal']));
      expect(allFiles(copy).some((f) => f.startsWith('blobs'))).toBe(true);
      expect(readableFiles(copy, SECRETS)).toEqual([]);
      unopenable(path.join(copy, 'outpost.db'));

      // Outpost itself on the copy, without the passphrase: only the unlock screen answers.
      const thief = await serve(copy, null);
      try {
        expect(await call(thief, 'store.state', {})).toEqual({ state: 'locked', encrypted: true, cipher: null, canProtect: false });
        for (const [name, input, tok] of [
          ['session.login', { username: 'admin', password: ADMIN.password }, undefined],
          ['tickets.list', {}, token],
          ['evidence.list', { recordType: 'risk' }, token],
        ] as const) {
          const r = await reply(thief, name, input, tok);
          expect(r.status, name).toBe(423);
        }
        const guess = await reply(thief, 'store.unlock', { passphrase: 'password123' });
        expect(guess.status).toBe(401);
        expect(guess.body.error?.message).toContain('That passphrase does not open this store');
      } finally {
        await stop(thief);
      }

      // The copy is whole: with the passphrase, everything is there.
      const owner = await serve(copy, pass);
      try {
        const s = await call<{ token: string }>(owner, 'session.login', { username: 'admin', password: ADMIN.password });
        const tickets = await call<{ items: { title: string }[] }>(owner, 'tickets.list', {}, s.token);
        expect(tickets.items.map((i) => i.title)).toContain('Gate barrier crowbar-tangerine');
        const risks = await call<{ items: { id: string; title: string }[] }>(owner, 'risks.list', {}, s.token);
        const risk = risks.items.find((r) => r.title === 'Lobby unpatched-kiosk-walrus')!;
        const evidence = await call<{ items: { id: string; fileName: string }[] }>(owner, 'evidence.list', { recordType: 'risk', recordId: risk.id }, s.token);
        expect(evidence.items.map((e) => e.fileName)).toEqual(['cabinet.txt']);
        expect((await call<{ valid: boolean }>(owner, 'audit.verify', {}, s.token)).valid).toBe(true);
      } finally {
        await stop(owner);
      }
    } finally {
      t.cleanup();
    }
  });

  it("desktop with the key sealed by the OS keychain: the copy's sealed key does not open on another machine, and the store does not open without it", async () => {
    const t = tempDir('outpost-stolen-desktop-');
    const data = path.join(t.dir, 'laptop');
    const copy = path.join(t.dir, 'thief');
    const laptopKeychain = keychainOf(crypto.randomBytes(32));
    const thiefKeychain = keychainOf(crypto.randomBytes(32));
    try {
      const key = sealedKey(data, laptopKeychain);
      const rt = startRuntime({ dataDir: data, key, log: quiet });
      const host = await startHost(rt, { port: 0, staticDir: null });
      try {
        // The same calls over HTTP as the browser host's test makes.
        const running = { url: host.url } as Running;
        const post = <T,>(name: string, input: unknown, token?: string) => call<T>(running, name, input, token);
        await fillAndLock(post);
        copyFolder(data, copy); // taken while the console runs, locked
      } finally {
        await host.close();
        rt.close();
      }

      expect(allFiles(copy)).toContain(SEALED_KEY_FILE);
      const sealed = fs.readFileSync(path.join(copy, SEALED_KEY_FILE));
      expect(sealed.includes(key)).toBe(false);
      expect(readableFiles(copy, [...SECRETS, key.toString('hex'), key.toString('base64')])).toEqual([]);
      unopenable(path.join(copy, 'outpost.db'));

      // Another machine's keychain cannot unseal the copy's key, and without a key the store does not open.
      expect(() => sealedKey(copy, thiefKeychain)).toThrow();
      expect(() => startRuntime({ dataDir: copy, key: null, log: quiet })).toThrow(/encrypted and Outpost has no key for it/);
      expect(readableFiles(copy, SECRETS)).toEqual([]);

      // On the laptop's own keychain the copy opens whole.
      const back = startRuntime({ dataDir: copy, key: sealedKey(copy, laptopKeychain), log: quiet });
      try {
        const row = back.store.sqlite.prepare("SELECT count(*) AS n FROM tickets WHERE title = 'Gate barrier crowbar-tangerine'").get() as { n: number };
        expect(row.n).toBe(1);
      } finally {
        back.close();
      }
    } finally {
      t.cleanup();
    }
  });
});
