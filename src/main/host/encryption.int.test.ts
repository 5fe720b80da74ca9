/**
 * Encryption at rest through the real `npm run serve` entry (scripts/serve.mjs, real processes, real
 * HTTP): with a passphrase file, nothing in the data folder is readable without it — no file starts
 * with SQLite's header or holds a ticket's text, WAL and logs included — and the same passphrase
 * opens it again. A plain store is encrypted on its first start with a passphrase.
 */
import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { tempDir } from '../testing';
import { allFiles, call, HEADER, readableFiles, serve, serveFails, stop } from '../testing/serve-process';

const ADMIN = { username: 'admin', displayName: 'Ada Admin', password: 'password123' };

describe('encryption at rest, through npm run serve', () => {
  it('with a passphrase file, no file holds the store in plain; the same passphrase opens it again and a wrong one is refused', async () => {
    const t = tempDir('outpost-enc-');
    const data = path.join(t.dir, 'data');
    const pass = path.join(t.dir, 'passphrase');
    fs.writeFileSync(pass, 'correct horse battery staple\n');
    try {
      let host = await serve(data, pass);
      expect(host.output()).toContain('encrypted');
      const session = await call<{ token: string }>(host, 'setup.init', { admin: ADMIN, site: { name: 'Harbour depot' } });
      expect(await call<{ encrypted: boolean }>(host, 'setup.status', {})).toMatchObject({ encrypted: true });
      await call(host, 'tickets.create', { type: 'incident', title: 'Forklift scanner cradle zebra-marigold', description: 'Serial plum-quartz-7781 in bay 4' }, session.token);
      await stop(host);

      expect(allFiles(data)).toContain('outpost.db');
      expect(readableFiles(data, ['zebra-marigold', 'plum-quartz-7781', 'Harbour depot', 'Ada Admin'])).toEqual([]);

      // Killed mid-work: the write-ahead log left behind is encrypted too.
      host = await serve(data, pass);
      const again = await call<{ token: string }>(host, 'session.login', { username: 'admin', password: ADMIN.password });
      await call(host, 'tickets.create', { type: 'request', title: 'Second ticket lantern-okapi' }, again.token);
      const list = await call<{ items: { title: string }[] }>(host, 'tickets.list', {}, again.token);
      expect(list.items.map((i) => i.title)).toEqual(expect.arrayContaining(['Forklift scanner cradle zebra-marigold', 'Second ticket lantern-okapi']));
      await stop(host, 'SIGKILL');
      expect(allFiles(data)).toContain('outpost.db-wal');
      expect(readableFiles(data, ['zebra-marigold', 'plum-quartz-7781', 'lantern-okapi', 'Harbour depot'])).toEqual([]);

      const wrong = path.join(t.dir, 'wrong');
      fs.writeFileSync(wrong, 'not the passphrase\n');
      const refused = await serveFails(data, wrong);
      expect(refused.code).not.toBe(0);
      expect(refused.output).toContain('The passphrase does not open this store');

      host = await serve(data, pass);
      const third = await call<{ token: string }>(host, 'session.login', { username: 'admin', password: ADMIN.password });
      const after = await call<{ items: { title: string }[] }>(host, 'tickets.list', {}, third.token);
      expect(after.items.map((i) => i.title)).toContain('Second ticket lantern-okapi');
      await stop(host);
    } finally {
      t.cleanup();
    }
  });

  it('a plain store is encrypted on its first start with a passphrase, nothing lost, no plain copy left', async () => {
    const t = tempDir('outpost-enc-migrate-');
    const data = path.join(t.dir, 'data');
    const pass = path.join(t.dir, 'passphrase');
    fs.writeFileSync(pass, 'a long passphrase for the depot\n');
    try {
      let host = await serve(data, null);
      expect(host.output()).toContain('NOT encrypted');
      const session = await call<{ token: string }>(host, 'setup.init', { admin: ADMIN, site: { name: 'Harbour depot' } });
      expect(await call<{ encrypted: boolean }>(host, 'setup.status', {})).toMatchObject({ encrypted: false });
      for (let i = 0; i < 30; i++) await call(host, 'tickets.create', { type: 'incident', title: `Plain ticket ${i} heron-juniper` }, session.token);
      await stop(host);
      expect(fs.readFileSync(path.join(data, 'outpost.db')).subarray(0, HEADER.length).equals(HEADER)).toBe(true);

      host = await serve(data, pass);
      expect(await call<{ encrypted: boolean }>(host, 'setup.status', {})).toMatchObject({ encrypted: true });
      const again = await call<{ token: string }>(host, 'session.login', { username: 'admin', password: ADMIN.password });
      const list = await call<{ items: { title: string }[]; total?: number }>(host, 'tickets.list', { limit: 100 }, again.token);
      expect(list.items.filter((i) => i.title.endsWith('heron-juniper'))).toHaveLength(30);
      const chain = await call<{ valid: boolean; count: number }>(host, 'audit.verify', {}, again.token);
      expect(chain.valid).toBe(true);
      await stop(host);
      expect(allFiles(data).filter((f) => f.includes('plain-backup') || f.includes('encrypting'))).toEqual([]);
      expect(readableFiles(data, ['heron-juniper', 'Harbour depot'])).toEqual([]);
    } finally {
      t.cleanup();
    }
  });
});
