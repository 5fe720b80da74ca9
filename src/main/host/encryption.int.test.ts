/**
 * Encryption at rest through the real `npm run serve` entry (scripts/serve.mjs, real processes, real
 * HTTP): with a passphrase file, nothing in the data folder is readable without it — no file starts
 * with SQLite's header or holds a ticket's text, WAL and logs included — and the same passphrase
 * opens it again. A plain store is encrypted on its first start with a passphrase.
 */
import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { tempDir } from '../testing';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const HEADER = Buffer.from('SQLite format 3\0', 'latin1');

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
}

interface Running {
  child: ChildProcess;
  url: string;
  output: () => string;
}

/** `npm run serve -- --no-build --port P --data-dir D [--passphrase-file F]`, resolved once it prints its URL. */
async function serve(dataDir: string, passphraseFile: string | null): Promise<Running> {
  const port = await freePort();
  const args = ['scripts/serve.mjs', '--no-build', '--port', String(port), '--data-dir', dataDir, ...(passphraseFile ? ['--passphrase-file', passphraseFile] : [])];
  const child = spawn(process.execPath, args, { cwd: ROOT, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  const url = `http://127.0.0.1:${port}`;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the host printed no URL in time: ${out}`)), 90_000);
    const check = () => {
      if (out.includes(url)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the host exited with ${code}: ${out}`));
    });
  });
  child.removeAllListeners('exit');
  return { child, url, output: () => out };
}

/** Runs the host to the end and returns what it printed (for a start that must fail). */
function serveFails(dataDir: string, passphraseFile: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['scripts/serve.mjs', '--no-build', '--port', '0', '--data-dir', dataDir, '--passphrase-file', passphraseFile], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    child.once('exit', (code) => resolve({ code, output: out }));
  });
}

async function stop(r: Running, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  const exited = new Promise((res) => r.child.once('exit', res));
  try {
    process.kill(-r.child.pid!, signal);
  } catch {
    /* already gone */
  }
  await exited;
}

async function call<T>(r: Running, name: string, input: unknown, token?: string): Promise<T> {
  const res = await fetch(`${r.url}/api/${name}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(input),
  });
  const body = (await res.json()) as { ok: boolean; value?: T; error?: { message: string } };
  if (!body.ok) throw new Error(`${name}: ${body.error?.message}`);
  return body.value as T;
}

/** Every file under the folder that starts with SQLite's header or holds one of the texts. */
function readableFiles(dir: string, texts: string[]): string[] {
  const found: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) {
        const b = fs.readFileSync(p);
        if (b.subarray(0, HEADER.length).equals(HEADER)) found.push(`${path.relative(dir, p)} (SQLite header)`);
        for (const t of texts) if (b.includes(Buffer.from(t, 'utf8'))) found.push(`${path.relative(dir, p)} (holds "${t}")`);
      }
    }
  };
  walk(dir);
  return found;
}

function allFiles(dir: string): string[] {
  return fs.readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => path.relative(dir, path.join(e.parentPath, e.name)));
}

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
