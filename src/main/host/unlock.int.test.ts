/**
 * A passphrase chosen in the console (first run, or Settings › Security later), through the real
 * `npm run serve` process and HTTP: the store is encrypted at once; every later start without a
 * passphrase file is locked — nothing but store.state and store.unlock answers — until the passphrase
 * is given; a wrong one is refused in words and tries that keep failing wait longer; the passphrase
 * appears in no log.
 */
import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { tempDir } from '../testing';
import { allFiles, call, readableFiles, reply, serve, stop } from '../testing/serve-process';

const ADMIN = { username: 'admin', displayName: 'Ada Admin', password: 'password123' };
const PASSPHRASE = 'saffron-kettle under the pier';

/** Every file of the folder that holds the text (logs included). */
function filesHolding(dir: string, text: string): string[] {
  return allFiles(dir).filter((f) => fs.readFileSync(path.join(dir, f)).includes(Buffer.from(text, 'utf8')));
}

describe('a passphrase chosen in the console, and the unlock screen', () => {
  it('chosen at first run: the store is encrypted, the next start is locked until the passphrase opens it', async () => {
    const t = tempDir('outpost-unlock-');
    const data = path.join(t.dir, 'data');
    try {
      let host = await serve(data, null);
      expect(await call(host, 'store.state', {})).toEqual({ state: 'open', encrypted: false, cipher: null, canProtect: true });
      const short = await reply(host, 'store.protect', { passphrase: 'short' });
      expect(short.status).toBe(400);
      expect(short.body.error?.message).toContain('at least 8 characters');
      expect(await call(host, 'store.protect', { passphrase: PASSPHRASE })).toEqual({ encrypted: true });
      expect(await call(host, 'store.state', {})).toEqual({ state: 'open', encrypted: true, cipher: 'aegis-256x4', canProtect: false });
      const session = await call<{ token: string }>(host, 'setup.init', { admin: ADMIN, site: { name: 'Quayside depot' } });
      await call(host, 'tickets.create', { type: 'incident', title: 'Crane radio otter-lantern', description: 'Channel 9 saffron static' }, session.token);
      await stop(host);
      expect(allFiles(data)).toContain('outpost.keyinfo.json');
      expect(readableFiles(data, ['otter-lantern', 'Quayside depot', 'Ada Admin'])).toEqual([]);

      host = await serve(data, null);
      expect(host.output()).toContain('locked');
      expect(await call(host, 'store.state', {})).toEqual({ state: 'locked', encrypted: true, cipher: null, canProtect: false });
      // Nothing else answers while locked, signed in or not.
      for (const [name, input, token] of [
        ['setup.status', {}, undefined],
        ['session.login', { username: 'admin', password: ADMIN.password }, undefined],
        ['tickets.list', {}, session.token],
      ] as const) {
        const r = await reply(host, name, input, token);
        expect(r.status, name).toBe(423);
        expect(r.body.error?.code).toBe('locked');
      }
      const events = await fetch(`${host.url}/api/events?token=${session.token}`);
      expect(events.status).toBe(423);

      // Wrong passphrases: refused in words; from the third in a row the next try must wait.
      for (let i = 1; i <= 3; i++) {
        const wrong = await reply(host, 'store.unlock', { passphrase: `not the passphrase ${i}` });
        expect(wrong.status).toBe(401);
        expect(wrong.body.error?.message).toContain('That passphrase does not open this store');
        if (i === 3) expect(wrong.body.error?.message).toContain('Wait 2 seconds');
      }
      const tooSoon = await reply(host, 'store.unlock', { passphrase: PASSPHRASE });
      expect(tooSoon.status).toBe(429);
      expect(tooSoon.body.error?.message).toMatch(/Too many wrong passphrases\. Try again in \d seconds?\./);
      await new Promise((r) => setTimeout(r, 2_100));

      expect(await call(host, 'store.unlock', { passphrase: PASSPHRASE })).toEqual({ unlocked: true });
      expect(await call(host, 'store.state', {})).toEqual({ state: 'open', encrypted: true, cipher: 'aegis-256x4', canProtect: false });
      const again = await reply(host, 'store.unlock', { passphrase: PASSPHRASE });
      expect(again.status).toBe(409);
      const signedIn = await call<{ token: string }>(host, 'session.login', { username: 'admin', password: ADMIN.password });
      const list = await call<{ items: { title: string }[] }>(host, 'tickets.list', {}, signedIn.token);
      expect(list.items.map((i) => i.title)).toContain('Crane radio otter-lantern');
      await stop(host);

      expect(filesHolding(data, PASSPHRASE)).toEqual([]);
      expect(host.output()).not.toContain(PASSPHRASE);
    } finally {
      t.cleanup();
    }
  });

  it('an administrator encrypts a plain store from Settings; a technician or a stranger cannot', async () => {
    const t = tempDir('outpost-unlock-settings-');
    const data = path.join(t.dir, 'data');
    try {
      let host = await serve(data, null);
      const admin = await call<{ token: string }>(host, 'setup.init', { admin: ADMIN, site: { name: 'Quayside depot' } });
      const sites = await call<{ items: { id: string }[] }>(host, 'sites.list', {}, admin.token);
      await call(host, 'users.create', { username: 'tess', displayName: 'Tess Tech', role: 'technician', password: 'password123', siteIds: [sites.items[0]!.id] }, admin.token);
      const tech = await call<{ token: string }>(host, 'session.login', { username: 'tess', password: 'password123' });
      for (let i = 0; i < 20; i++) await call(host, 'tickets.create', { type: 'incident', title: `Plain ticket ${i} gannet-teasel` }, admin.token);

      expect((await reply(host, 'store.protect', { passphrase: PASSPHRASE })).status).toBe(401);
      expect((await reply(host, 'store.protect', { passphrase: PASSPHRASE }, tech.token)).status).toBe(403);
      expect(await call(host, 'store.protect', { passphrase: PASSPHRASE }, admin.token)).toEqual({ encrypted: true });
      // The console carries on without signing in again.
      const list = await call<{ items: { title: string }[] }>(host, 'tickets.list', { limit: 100 }, admin.token);
      expect(list.items.filter((i) => i.title.endsWith('gannet-teasel'))).toHaveLength(20);
      await call(host, 'tickets.create', { type: 'incident', title: 'After encryption heron-quince' }, admin.token);
      expect((await reply(host, 'store.protect', { passphrase: PASSPHRASE }, admin.token)).body.error?.message).toContain('already encrypted');
      await stop(host);
      expect(allFiles(data).filter((f) => f.includes('plain-backup') || f.includes('encrypting'))).toEqual([]);
      expect(readableFiles(data, ['gannet-teasel', 'heron-quince', 'Quayside depot'])).toEqual([]);

      host = await serve(data, null);
      expect(await call(host, 'store.unlock', { passphrase: PASSPHRASE })).toEqual({ unlocked: true });
      const signedIn = await call<{ token: string }>(host, 'session.login', { username: 'admin', password: ADMIN.password });
      const chain = await call<{ valid: boolean }>(host, 'audit.verify', {}, signedIn.token);
      expect(chain.valid).toBe(true);
      const after = await call<{ items: { title: string }[] }>(host, 'tickets.list', { limit: 100 }, signedIn.token);
      expect(after.items.map((i) => i.title)).toContain('After encryption heron-quince');
      await stop(host);
      expect(filesHolding(data, PASSPHRASE)).toEqual([]);
    } finally {
      t.cleanup();
    }
  });
});
