/**
 * Export everything / import everything over HTTP, for moving to a new machine: a joined device
 * exports its store, evidence files and key in one file under a passphrase chosen at export; a new
 * machine (its store protected with its own passphrase) imports it at first run — a wrong passphrase
 * or a changed file refused, nothing written — and, checked, carries on: the same people sign in, the
 * evidence reads, and sync goes on under a new device id with nothing lost or doubled.
 */
import { afterEach, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { serverLogin, serverPost, startTestServer, type TestServer } from '../../testing/sync-harness';
import { startTestHost, type TestHost } from '../testing/host';
import { startRuntime, type StartedRuntime } from '../runtime';
import { startHost, type Host } from './server';
import { isPlainStore, passphraseKey } from '../db/store-key';
import { blobStoreOf } from '../services/evidence/blobs';
import { deviceId } from '../services/core/ops';
import { tempDir, TEST_PASSWORD } from '../testing';
import { createLogger } from '../log';
import { restore } from './restore';

let server: TestServer | null = null;
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  await server?.close();
  server = null;
});

async function post<T>(url: string, name: string, input: unknown, token?: string): Promise<{ status: number; body: { ok: boolean; value: T; error?: { code: string; message: string } } }> {
  const res = await fetch(`${url}/api/${name}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(input),
  });
  return { status: res.status, body: (await res.json()) as { ok: boolean; value: T; error?: { code: string; message: string } } };
}

const titles = (rt: StartedRuntime) => rt.store.sqlite.prepare("SELECT title FROM tickets WHERE title LIKE 'MV %' ORDER BY title").pluck().all() as string[];

describe('export everything, import everything', () => {
  it('a new machine imports a joined device and syncs on without losing or doubling a ticket', async () => {
    server = await startTestServer();
    const admin = await serverLogin(server);
    await serverPost(server, '/auth/users', { username: 'tech', password: 'password123', role: 'technician', sites: null }, admin);

    const a: TestHost = await startTestHost({ prefix: 'outpost-move-a-' });
    cleanups.push(() => a.close());
    const tokenA = a.tokens.admin!;
    await a.ok('sync.join', { serverUrl: server.url, username: 'tech', password: 'password123' }, tokenA);
    await a.ok('tickets.create', { type: 'incident', title: 'MV 1 before the export' }, tokenA);
    await a.ok('sync.now', {}, tokenA);
    const evidence = blobStoreOf(a.rt.store).write(Buffer.from('scanned delivery note, gate 7'));
    expect((await post(a.url, 'store.export', { passphrase: 'short' }, tokenA)).status).toBe(400);
    expect((await post(a.url, 'store.export', { passphrase: 'moving day passphrase' }, a.tokens.admin)).status).toBe(200);
    const exports = fs.readdirSync(path.join(a.dir, 'exports'));
    expect(exports).toHaveLength(1);
    const file = path.join(a.dir, 'exports', exports[0]!);
    expect(fs.readFileSync(file).includes(Buffer.from('MV 1 before the export'))).toBe(false);
    const idA = deviceId(a.rt.store.sqlite);
    await a.ok('tickets.create', { type: 'incident', title: 'MV 2 after the export, synced' }, tokenA);
    await a.ok('sync.now', {}, tokenA);

    // The new machine: its own passphrase chosen at first run, then "Import from another machine".
    const t = tempDir('outpost-move-b-');
    const rtB = startRuntime({ dataDir: t.dir, key: passphraseKey(t.dir, 'new laptop passphrase'), log: createLogger({ level: 'silent' }), canProtect: true });
    const hostB: Host = await startHost(rtB, { port: 0, staticDir: null });
    cleanups.push(async () => {
      await hostB.close();
      rtB.close();
      t.cleanup();
    });
    const wrong = await post(hostB.url, 'store.import', { path: file, passphrase: 'not the export passphrase' });
    expect(wrong.status).toBe(400);
    expect(wrong.body.error?.message).toContain('The passphrase does not open this export');
    const changed = path.join(t.dir, '..', `${path.basename(t.dir)}-changed.outpost`);
    const bytes = fs.readFileSync(file);
    bytes.writeUInt8(bytes.readUInt8(bytes.length - 100) ^ 0xff, bytes.length - 100);
    fs.writeFileSync(changed, bytes);
    cleanups.push(() => fs.rmSync(changed, { force: true }));
    expect((await post(hostB.url, 'store.import', { path: changed, passphrase: 'moving day passphrase' })).body.error?.message).toContain('changed or cut short');
    expect((await post(hostB.url, 'setup.status', {})).body.value).toMatchObject({ initialized: false });
    expect(fs.existsSync(path.join(t.dir, '.importing'))).toBe(false);

    const imported = await post<{ rows: number; blobs: number }>(hostB.url, 'store.import', { path: file, passphrase: 'moving day passphrase' });
    expect(imported.status).toBe(200);
    expect(imported.body.value.blobs).toBe(1);
    expect(isPlainStore(path.join(t.dir, 'outpost.db'))).toBe(false);
    expect(blobStoreOf(rtB.store).read(evidence.sha256)?.toString()).toBe('scanned delivery note, gate 7');
    expect((await post(hostB.url, 'store.import', { path: file, passphrase: 'moving day passphrase' })).status).toBe(409);

    const login = await post<{ token: string }>(hostB.url, 'session.login', { username: 'admin', password: TEST_PASSWORD });
    const tokenB = login.body.value.token;
    expect((await post<{ valid: boolean }>(hostB.url, 'audit.verify', {}, tokenB)).body.value.valid).toBe(true);
    expect(titles(rtB)).toEqual(['MV 1 before the export']);
    await post(hostB.url, 'tickets.create', { type: 'incident', title: 'MV 3 on the new machine' }, tokenB);
    // A copied store meets the clash on its first push and continues under a new id on the next.
    for (let i = 0; i < 3; i++) await post(hostB.url, 'sync.now', {}, tokenB);
    expect((await post(hostB.url, 'sync.now', {}, tokenB)).status).toBe(200);
    expect(deviceId(rtB.store.sqlite)).not.toBe(idA);
    const all = ['MV 1 before the export', 'MV 2 after the export, synced', 'MV 3 on the new machine'];
    expect(titles(rtB)).toEqual(all);
    await a.ok('sync.now', {}, tokenA);
    expect(titles(a.rt)).toEqual(all);
    const onServer = (await server.store.pull(null, 0, 10_000)).changes.filter((c) => c.entity === 'tickets').map((c) => String(c.data.title)).filter((x) => x.startsWith('MV '));
    expect(onServer.sort()).toEqual(all);
  });

  it('npm run restore takes an export of everything too, with its passphrase, into a plain data folder', async () => {
    const a: TestHost = await startTestHost({ prefix: 'outpost-move-cli-' });
    cleanups.push(() => a.close());
    await a.ok('tickets.create', { type: 'incident', title: 'MV carried by the command line' }, a.tokens.admin);
    const out = await a.ok<{ file: string }>('store.export', { passphrase: 'command line passphrase' }, a.tokens.admin);
    const t = tempDir('outpost-move-cli-b-');
    cleanups.push(() => t.cleanup());
    const data = path.join(t.dir, 'data');
    const pass = path.join(t.dir, 'export-pass');
    fs.writeFileSync(pass, 'command line passphrase\n');
    expect(() => restore([out.file, '--data-dir', data])).toThrow(/--export-passphrase-file/);
    expect(restore([out.file, '--data-dir', data, '--export-passphrase-file', pass])).toContain('Imported everything');
    expect(isPlainStore(path.join(data, 'outpost.db'))).toBe(true);
    const rt = startRuntime({ dataDir: data, log: createLogger({ level: 'silent' }) });
    cleanups.push(() => rt.close());
    expect(titles(rt)).toEqual(['MV carried by the command line']);
  });
});
