/**
 * Transport: HTTPS with a certificate made here by openssl, the refusal to serve plain HTTP beyond
 * loopback, and the same through `npm run server` (src/server/cli.ts) as a child process, with its
 * account commands (user list / deactivate / reset-password).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSqliteStore } from './store/sqlite';
import { ensureAdmin, login } from './auth';
import { isLoopback, startServer } from './http';

const ROOT = path.resolve(__dirname, '../..');
const CLI = path.join(ROOT, 'src/server/cli.ts');
let dir: string;
let cert: string;
let key: string;
const children: ChildProcess[] = [];

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'outpost-tls-'));
  key = path.join(dir, 'key.pem');
  cert = path.join(dir, 'cert.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      key,
      '-out',
      cert,
      '-days',
      '1',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=IP:127.0.0.1,DNS:localhost',
    ],
    { stdio: 'ignore' },
  );
});
afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  fs.rmSync(dir, { recursive: true, force: true });
});

/** GET over HTTPS trusting only the test's certificate. */
function httpsGet(url: string, ca: Buffer): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    https
      .get(url, { ca }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      })
      .on('error', reject);
  });
}

/** Runs the server CLI; resolves when it exits or prints that it listens. */
function runCli(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; out: string; proc: ChildProcess }> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], {
      cwd: ROOT,
      env: { ...process.env, DATABASE_URL: '', OUTPOST_ADMIN_USER: 'admin', OUTPOST_ADMIN_PASSWORD: 'admin-password-1', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(proc);
    let out = '';
    const timer = setTimeout(() => reject(new Error(`no answer from the CLI: ${out}`)), 30_000);
    const onData = (b: Buffer) => {
      out += b.toString();
      if (/listening on/.test(out)) {
        clearTimeout(timer);
        resolve({ code: null, out, proc });
      }
    };
    proc.stdout!.on('data', onData);
    proc.stderr!.on('data', onData);
    proc.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, out, proc });
    });
  });
}

describe('server transport', () => {
  it('serves HTTPS with the given certificate and key', async () => {
    const store = openSqliteStore(path.join(dir, 'https'));
    await store.migrate();
    await ensureAdmin(store, 'admin', 'admin-password-1');
    const srv = await startServer(store, { port: 0, tls: { cert: fs.readFileSync(cert), key: fs.readFileSync(key) } });
    try {
      expect(srv.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      const health = await httpsGet(`${srv.url}/health`, fs.readFileSync(cert));
      expect(health.status).toBe(200);
      expect(JSON.parse(health.body)).toMatchObject({ ok: true, value: { status: 'ok' } });
      // A client that does not trust the certificate is turned away by TLS itself.
      await expect(httpsGet(`${srv.url}/health`, Buffer.from(''))).rejects.toThrow();
      // Plain HTTP to the HTTPS port gets no answer from Outpost.
      const plain = await fetch(srv.url.replace('https:', 'http:') + '/health').then(
        (r) => r.status,
        () => 'refused',
      );
      expect(plain).not.toBe(200);
      expect(
        (await login(store, { username: 'admin', password: 'admin-password-1', deviceId: 'dev-tls', deviceName: 'x' }, Date.now()))
          .accessToken,
      ).toBeTruthy();
    } finally {
      await srv.close();
      await store.close();
    }
  });

  it('refuses to listen beyond loopback without TLS unless told --insecure-http', async () => {
    expect(['127.0.0.1', '127.4.5.6', 'localhost', '::1', '[::1]', '::ffff:127.0.0.1'].every(isLoopback)).toBe(true);
    expect(['0.0.0.0', '::', '192.168.1.10', 'example.org', '::ffff:10.0.0.1'].some(isLoopback)).toBe(false);
    const store = openSqliteStore(path.join(dir, 'bind'));
    await store.migrate();
    try {
      await expect(startServer(store, { port: 0, host: '0.0.0.0' })).rejects.toThrow(
        /Refusing to listen on 0\.0\.0\.0 without TLS.*--tls-cert FILE --tls-key FILE.*--insecure-http/,
      );
      const insecure = await startServer(store, { port: 0, host: '0.0.0.0', insecureHttp: true });
      expect(insecure.url).toMatch(/^http:\/\/0\.0\.0\.0:\d+$/);
      await insecure.close();
      const secure = await startServer(store, {
        port: 0,
        host: '0.0.0.0',
        tls: { cert: fs.readFileSync(cert), key: fs.readFileSync(key) },
      });
      expect(secure.url).toMatch(/^https:/);
      await secure.close();
    } finally {
      await store.close();
    }
  });

  it('npm run server: --host beyond loopback needs TLS; --tls-cert/--tls-key serve HTTPS', async () => {
    const data = path.join(dir, 'cli');
    const refused = await runCli(['--host', '0.0.0.0', '--port', '0', '--data-dir', data]);
    expect(refused.code).toBe(1);
    expect(refused.out).toMatch(/Refusing to listen on 0\.0\.0\.0 without TLS/);
    const half = await runCli(['--port', '0', '--data-dir', data, '--tls-cert', cert]);
    expect(half.code).toBe(1);
    expect(half.out).toMatch(/Give both --tls-cert FILE and --tls-key FILE/);
    const served = await runCli(['--host', '0.0.0.0', '--port', '0', '--data-dir', data, '--tls-cert', cert, '--tls-key', key]);
    expect(served.out).toMatch(/listening on https:\/\/0\.0\.0\.0:\d+/);
    const port = /:(\d+)\s*$/m.exec(served.out.split('\n').find((l) => l.includes('listening'))!)![1];
    expect((await httpsGet(`https://127.0.0.1:${port}/health`, fs.readFileSync(cert))).status).toBe(200);
    served.proc.kill('SIGTERM');
    await new Promise((r) => served.proc.once('exit', r));
  });

  it('npm run server -- user list | deactivate | reset-password', async () => {
    const data = path.join(dir, 'accounts');
    const store = openSqliteStore(data);
    await store.migrate();
    await ensureAdmin(store, 'admin', 'admin-password-1');
    const { hashPassword } = await import('./auth');
    await store.createUser({
      id: 'u-tech',
      username: 'tech1',
      passwordHash: await hashPassword('tech-password-1'),
      role: 'technician',
      sites: ['site-a'],
      active: true,
    });
    await login(store, { username: 'tech1', password: 'tech-password-1', deviceId: 'dev-tech', deviceName: 'laptop' }, Date.now());
    await store.close();

    const list = await runCli(['user', 'list', '--data-dir', data]);
    expect(list.code).toBe(0);
    expect(list.out).toMatch(/admin\s+admin\s+active/);
    expect(list.out).toMatch(/tech1\s+technician\s+active\s+sites: site-a\s+devices: 1 \(0 revoked\)/);
    expect(list.out).not.toMatch(/scrypt/);

    const reset = await runCli(['user', 'reset-password', 'tech1', '--data-dir', data], { OUTPOST_NEW_PASSWORD: 'reset-password-2' });
    expect(reset.code).toBe(0);
    expect(reset.out).toMatch(/Password of tech1 changed/);
    const short = await runCli(['user', 'reset-password', 'tech1', '--data-dir', data], { OUTPOST_NEW_PASSWORD: 'short' });
    expect(short.code).toBe(1);

    const off = await runCli(['user', 'deactivate', 'tech1', '--data-dir', data]);
    expect(off.code).toBe(0);
    expect(off.out).toMatch(/tech1 deactivated; 1 device revoked/);
    const missing = await runCli(['user', 'deactivate', 'nobody', '--data-dir', data]);
    expect(missing.code).toBe(1);
    expect(missing.out).toMatch(/No server user named nobody/);

    const check = openSqliteStore(data);
    try {
      await expect(
        login(check, { username: 'tech1', password: 'reset-password-2', deviceId: 'dev-new', deviceName: 'x' }, Date.now()),
      ).rejects.toMatchObject({ code: 'account_deactivated' });
      expect((await check.getDevice('dev-tech'))?.revoked).toBe(true);
      const after = await runCli(['user', 'list', '--data-dir', data]);
      expect(after.out).toMatch(/tech1\s+technician\s+deactivated\s+sites: site-a\s+devices: 0 \(1 revoked\)/);
    } finally {
      await check.close();
    }
  });
});
