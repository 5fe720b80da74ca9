/**
 * The store's cipher over HTTP, on real files: an administrator sees it in store.state and switches it
 * (password asked again; other roles, a wrong password, a plain store and an unknown cipher refused with
 * what to do); the choice holds across restarts (a SQLCipher store is never re-encrypted to AEGIS-256X4),
 * and backups (written, checked, restored), export everything / import everything on a new machine and
 * the lost-device wipe keep it.
 */
import { afterEach, describe, expect, it } from 'vitest';
import pino from 'pino';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { startTestHost, type TestHost } from '../testing/host';
import { startRuntime, WIPED_META } from '../runtime';
import { startHost } from './server';
import { CIPHER_FILE, passphraseKey, readCipherChoice, storeCipherOf, writeCipherChoice } from '../db/store-key';
import { createLogger } from '../log';
import { tempDir, TEST_PASSWORD } from '../testing';
import { restore } from './restore';
import type { BackupSummary, ExportSummary, StoreState } from '../../shared/api/store';
import { ROLES } from '../../shared/api/contract';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const silent = createLogger({ level: 'silent' });
const titles = (h: { rt: TestHost['rt'] }) => h.rt.store.sqlite.prepare("SELECT title FROM tickets WHERE title LIKE 'CI %' ORDER BY title").pluck().all() as string[];

async function post<T>(url: string, name: string, input: unknown, token?: string) {
  const res = await fetch(`${url}/api/${name}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(input),
  });
  return { status: res.status, body: (await res.json()) as { ok: boolean; value: T; error?: { code: string; message: string } } };
}

describe("the store's cipher", () => {
  it('an administrator switches to SQLCipher 4 with their password; it stays across restarts; backups, restore and the lost-device wipe keep it', async () => {
    const key = crypto.randomBytes(32);
    // One person in every role the contract defines but administrator, each named after their role.
    const others = ROLES.filter((r) => r !== 'admin');
    expect(others).toEqual(expect.arrayContaining(['technician', 'auditor', 'requester']));
    const h = await startTestHost({ prefix: 'outpost-cipher-', key, people: Object.fromEntries(others.map((r) => [r, r])) });
    let closed = false;
    cleanups.push(async () => {
      if (!closed) await h.close();
    });
    let admin = h.tokens.admin!;
    const file = path.join(h.dir, 'outpost.db');
    await h.ok('tickets.create', { type: 'incident', title: 'CI 1 before the switch' }, admin);
    expect(await h.ok<StoreState>('store.state', {})).toEqual({ state: 'open', encrypted: true, cipher: 'aegis-256x4', canProtect: false });

    // Refused, with what to do: every other role (with their own right password), a wrong password, an
    // unknown cipher, the cipher it is already in. A refused role changes nothing: the file stays in
    // AEGIS-256X4, no choice is recorded, and the trail below names only the administrator's attempts.
    for (const role of others) {
      const refused = await h.post('store.setCipher', { cipher: 'sqlcipher-4', password: TEST_PASSWORD }, h.tokens[role]);
      expect(refused.status, role).toBe(403);
      expect(refused.body.error?.message).toBe(`Your role (${role}) cannot use store.setCipher.`);
      expect(storeCipherOf(file, key), role).toBe('aegis-256x4');
      expect(readCipherChoice(h.dir), role).toBeNull();
      expect((await h.ok<StoreState>('store.state', {})).cipher, role).toBe('aegis-256x4');
    }
    const wrong = await h.post('store.setCipher', { cipher: 'sqlcipher-4', password: 'not my password' }, admin);
    expect(wrong.status).toBe(403);
    expect(wrong.body.error?.message).toBe('Wrong password.');
    const unknown = await h.post('store.setCipher', { cipher: 'aes-cbc', password: TEST_PASSWORD }, admin);
    expect(unknown.status).toBe(400);
    expect(JSON.stringify(unknown.body.error)).toContain('Choose one of the ciphers Outpost offers: aegis-256x4, aegis-256, sqlcipher-4, sqlcipher-3.');
    const same = await h.post('store.setCipher', { cipher: 'aegis-256x4', password: TEST_PASSWORD }, admin);
    expect(same.status).toBe(409);
    expect(same.body.error?.message).toBe('The store is already encrypted with aegis-256x4.');
    expect(storeCipherOf(file, key)).toBe('aegis-256x4');
    expect(readCipherChoice(h.dir)).toBeNull();

    const before = await h.ok<BackupSummary>('store.backup', {}, admin);
    expect(await h.ok('store.setCipher', { cipher: 'sqlcipher-4', password: TEST_PASSWORD }, admin)).toEqual({ cipher: 'sqlcipher-4', was: 'aegis-256x4' });
    expect(storeCipherOf(file, key)).toBe('sqlcipher-4');
    expect(readCipherChoice(h.dir)).toBe('sqlcipher-4');
    expect(fs.readdirSync(h.dir).filter((f) => /reencrypting|cipher-backup/.test(f))).toEqual([]);
    // The same sessions carry on, on the re-encrypted store, its trail whole and naming the switch.
    expect((await h.ok<StoreState>('store.state', {})).cipher).toBe('sqlcipher-4');
    await h.ok('tickets.create', { type: 'incident', title: 'CI 2 after the switch' }, admin);
    expect((await h.ok<{ valid: boolean }>('audit.verify', {}, admin)).valid).toBe(true);
    const events = h.rt.store.sqlite.prepare("SELECT actor_id AS actor, before, after FROM audit_events WHERE call = 'store.setCipher' ORDER BY seq").all();
    expect(events).toEqual([
      { actor: h.ids.admin, before: null, after: JSON.stringify({ outcome: 'failed' }) },
      { actor: h.ids.admin, before: JSON.stringify({ cipher: 'aegis-256x4' }), after: JSON.stringify({ cipher: 'sqlcipher-4' }) },
    ]);

    // A backup now is in SQLCipher 4 too; one taken before the switch restores and is brought to SQLCipher 4.
    // Backups are named by the second they were taken in.
    await new Promise((r) => setTimeout(r, 1100));
    const after = await h.ok<BackupSummary>('store.backup', {}, admin);
    expect(after.name).not.toBe(before.name);
    expect(storeCipherOf(path.join(h.dir, 'backups', after.name), key)).toBe('sqlcipher-4');
    expect(storeCipherOf(path.join(h.dir, 'backups', before.name), key)).toBe('aegis-256x4');
    await h.ok('store.restore', { name: before.name }, admin);
    expect(storeCipherOf(file, key)).toBe('sqlcipher-4');
    expect(titles(h)).toEqual(['CI 1 before the switch']);
    // A restore ends every session: the administrator signs in again.
    admin = (await h.ok<{ token: string }>('session.login', { username: 'admin', password: TEST_PASSWORD })).token;
    await h.ok('store.restore', { name: after.name }, admin);
    expect(titles(h)).toEqual(['CI 1 before the switch', 'CI 2 after the switch']);

    // Restarted without naming a cipher: the choice holds, nothing is re-encrypted.
    await h.host.close();
    h.rt.close();
    const mtime = fs.statSync(file).mtimeMs;
    const rt = startRuntime({ dataDir: h.dir, key, log: silent });
    try {
      expect(fs.statSync(file).mtimeMs).toBe(mtime);
      expect(storeCipherOf(file, key)).toBe('sqlcipher-4');
      expect(rt.store.sqlite.prepare("SELECT count(*) FROM tickets WHERE title LIKE 'CI %'").pluck().get()).toBe(2);
      // The lost-device wipe: the empty store it opens is in the chosen cipher.
      rt.onLost('This laptop was reported lost.');
      expect(storeCipherOf(file, key)).toBe('sqlcipher-4');
      expect(rt.store.sqlite.prepare('SELECT count(*) FROM tickets').pluck().get()).toBe(0);
      expect(rt.store.sqlite.prepare('SELECT value FROM meta WHERE key = ?').pluck().get(WIPED_META)).toContain('reported lost');
      expect(fs.readdirSync(h.dir).filter((f) => f.startsWith('outpost.db.'))).toEqual([]);
      expect(readCipherChoice(h.dir)).toBe('sqlcipher-4');
    } finally {
      rt.close();
      fs.rmSync(h.dir, { recursive: true, force: true });
      closed = true;
    }
  }, 120_000);

  it('--cipher at start re-keys the store; the export carries the cipher to a new machine, whose own choice wins when it made one', async () => {
    const key = crypto.randomBytes(32);
    const h = await startTestHost({ prefix: 'outpost-cipher-b-', key, cipher: 'sqlcipher-3' });
    cleanups.push(() => h.close());
    expect(storeCipherOf(path.join(h.dir, 'outpost.db'), key)).toBe('sqlcipher-3');
    expect(readCipherChoice(h.dir)).toBe('sqlcipher-3');
    await h.ok('tickets.create', { type: 'incident', title: 'CI 3 moved' }, h.tokens.admin);
    const exported = await h.ok<ExportSummary>('store.export', { passphrase: 'moving day passphrase' }, h.tokens.admin);
    const res = await fetch(h.url + exported.download!.url);
    const file = path.join(h.dir, '..', `${path.basename(h.dir)}.outpost`);
    fs.writeFileSync(file, Buffer.from(await res.arrayBuffer()));
    cleanups.push(() => fs.rmSync(file, { force: true }));

    // A new machine that never chose a cipher keeps the exported store's.
    const b = tempDir('outpost-cipher-new-');
    const keyB = crypto.randomBytes(32);
    const rtB = startRuntime({ dataDir: b.dir, key: keyB, log: silent });
    const hostB = await startHost(rtB, { port: 0, staticDir: null });
    cleanups.push(async () => {
      await hostB.close();
      rtB.close();
      b.cleanup();
    });
    await post(hostB.url, 'store.import', { path: file, passphrase: 'moving day passphrase' }).then((r) => expect(r.status).toBe(200));
    expect(storeCipherOf(path.join(b.dir, 'outpost.db'), keyB)).toBe('sqlcipher-3');
    expect(readCipherChoice(b.dir)).toBe('sqlcipher-3');
    expect(titles({ rt: rtB })).toEqual(['CI 3 moved']);

    // One started with its own choice (npm run restore into a folder that chose AEGIS-256) keeps that.
    const c = tempDir('outpost-cipher-own-');
    cleanups.push(() => c.cleanup());
    writeCipherChoice(c.dir, 'aegis-256');
    const pass = path.join(c.dir, '..', `${path.basename(c.dir)}.pass`);
    const exportPass = `${pass}.export`;
    fs.writeFileSync(pass, 'third machine passphrase\n');
    fs.writeFileSync(exportPass, 'moving day passphrase\n');
    cleanups.push(() => [pass, exportPass].forEach((f) => fs.rmSync(f, { force: true })));
    restore([file, '--data-dir', c.dir, '--passphrase-file', pass, '--export-passphrase-file', exportPass]);
    expect(fs.readFileSync(path.join(c.dir, CIPHER_FILE), 'utf8')).toContain('aegis-256');
    const rtC = startRuntime({ dataDir: c.dir, key: passphraseKey(c.dir, 'third machine passphrase'), log: silent });
    try {
      expect(storeCipherOf(path.join(c.dir, 'outpost.db'), passphraseKey(c.dir, 'third machine passphrase'))).toBe('aegis-256');
      expect(titles({ rt: rtC })).toEqual(['CI 3 moved']);
    } finally {
      rtC.close();
    }
  }, 180_000);

  it('npm run restore of a backup on another machine keeps the cipher chosen for the store it was taken of', () => {
    const a = tempDir('outpost-cipher-from-');
    const b = tempDir('outpost-cipher-to-');
    const pass = path.join(a.dir, '..', `${path.basename(a.dir)}.pass`);
    cleanups.push(() => {
      a.cleanup();
      b.cleanup();
      fs.rmSync(pass, { force: true });
    });
    fs.writeFileSync(pass, 'carried backup passphrase\n');
    const rt = startRuntime({ dataDir: a.dir, key: passphraseKey(a.dir, 'carried backup passphrase'), cipher: 'sqlcipher-4', log: silent });
    let backup: string;
    try {
      rt.store.sqlite.prepare("INSERT INTO meta (key, value) VALUES ('carried', 'in the backup')").run();
      backup = rt.backup().file;
    } finally {
      rt.close();
    }
    expect(readCipherChoice(path.dirname(backup))).toBe('sqlcipher-4');
    restore([backup, '--data-dir', b.dir, '--passphrase-file', pass]);
    expect(readCipherChoice(b.dir)).toBe('sqlcipher-4');
    const keyB = passphraseKey(b.dir, 'carried backup passphrase');
    const rtB = startRuntime({ dataDir: b.dir, key: keyB, log: silent });
    try {
      expect(storeCipherOf(path.join(b.dir, 'outpost.db'), keyB)).toBe('sqlcipher-4');
      expect(rtB.store.sqlite.prepare("SELECT value FROM meta WHERE key = 'carried'").pluck().get()).toBe('in the backup');
    } finally {
      rtB.close();
    }
  });

  it('a plain store has no cipher to switch: it says to encrypt it first', async () => {
    const h = await startTestHost({ prefix: 'outpost-cipher-plain-' });
    cleanups.push(() => h.close());
    expect((await h.ok<StoreState>('store.state', {})).cipher).toBeNull();
    const r = await h.post('store.setCipher', { cipher: 'sqlcipher-4', password: TEST_PASSWORD }, h.tokens.admin);
    expect(r.status).toBe(409);
    expect(r.body.error?.message).toBe('This store is not encrypted: encrypt it first, then choose its cipher.');
  });
  it('a store in AEGIS-256 from before AEGIS-256X4 was the default is brought to it at start when small; a larger one stays in AEGIS-256, recorded and logged, until an administrator switches it', async () => {
    // Made in AEGIS-256, then its recorded choice removed: what a store from before AEGIS-256X4 looks like.
    const made = async (prefix: string) => {
      const key = crypto.randomBytes(32);
      const h = await startTestHost({ prefix, key, cipher: 'aegis-256' });
      await h.ok('tickets.create', { type: 'incident', title: 'CI old store' }, h.tokens.admin);
      await h.host.close();
      h.rt.close();
      cleanups.push(() => fs.rmSync(h.dir, { recursive: true, force: true }));
      fs.rmSync(path.join(h.dir, CIPHER_FILE));
      return { dir: h.dir, key, file: path.join(h.dir, 'outpost.db') };
    };

    // Small (every store here is under the 256 MiB limit): re-encrypted with AEGIS-256X4, no choice recorded.
    const small = await made('outpost-cipher-small-');
    const rtA = startRuntime({ dataDir: small.dir, key: small.key, log: silent });
    try {
      expect(storeCipherOf(small.file, small.key)).toBe('aegis-256x4');
      expect(readCipherChoice(small.dir)).toBeNull();
      expect(titles({ rt: rtA })).toEqual(['CI old store']);
    } finally {
      rtA.close();
    }

    // Larger than the limit (here one byte): left as it is, the start not held up, AEGIS-256 recorded as its cipher and the reason logged.
    const large = await made('outpost-cipher-large-');
    const lines: string[] = [];
    const log = pino({ level: 'info' }, { write: (l: string) => void lines.push(l) });
    const mtime = fs.statSync(large.file).mtimeMs;
    const rtB = startRuntime({ dataDir: large.dir, key: large.key, log, cipherUpgradeMaxBytes: 1 });
    const hostB = await startHost(rtB, { port: 0, staticDir: null });
    cleanups.push(async () => {
      await hostB.close();
      rtB.close();
    });
    expect(fs.statSync(large.file).mtimeMs).toBe(mtime);
    expect(storeCipherOf(large.file, large.key)).toBe('aegis-256');
    expect(readCipherChoice(large.dir)).toBe('aegis-256');
    const said = lines.map((l) => JSON.parse(l) as { msg: string }).find((l) => l.msg.startsWith('the store stays in AEGIS-256'));
    expect(said).toMatchObject({ cipher: 'aegis-256', msg: expect.stringContaining('Settings › Security') });
    // The console says so, and an administrator's switch takes it to AEGIS-256X4 with every record.
    const admin = (await post<{ token: string }>(hostB.url, 'session.login', { username: 'admin', password: TEST_PASSWORD })).body.value.token;
    expect((await post<StoreState>(hostB.url, 'store.state', {}, admin)).body.value.cipher).toBe('aegis-256');
    expect((await post(hostB.url, 'store.setCipher', { cipher: 'aegis-256x4', password: TEST_PASSWORD }, admin)).body.value).toEqual({ cipher: 'aegis-256x4', was: 'aegis-256' });
    expect(storeCipherOf(large.file, large.key)).toBe('aegis-256x4');
    expect(readCipherChoice(large.dir)).toBe('aegis-256x4');
    expect(titles({ rt: rtB })).toEqual(['CI old store']);
  }, 120_000);
});
