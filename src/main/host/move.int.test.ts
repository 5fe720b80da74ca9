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
import { isPlainStore, openConnection, passphraseKey } from '../db/store-key';
import { blobStoreOf } from '../services/evidence/blobs';
import { deviceId } from '../services/core/ops';
import { tempDir, TEST_PASSWORD } from '../testing';
import { createLogger } from '../log';
import { restore } from './restore';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ExportSummary } from '../../shared/api/store';

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

/** GETs a download the host offered, as a browser would, checking its headers, into `to`. */
async function download(url: string, to: string, bytes: number, name: string): Promise<void> {
  const res = await fetch(url);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-disposition')).toBe(`attachment; filename="${name}"`);
  expect(res.headers.get('content-type')).toBe('application/octet-stream');
  expect(res.headers.get('cache-control')).toBe('no-store');
  expect(Number(res.headers.get('content-length'))).toBe(bytes);
  await pipeline(Readable.fromWeb(res.body! as import('node:stream/web').ReadableStream), fs.createWriteStream(to));
  expect(fs.statSync(to).size).toBe(bytes);
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
    const ticketsAtExport = a.rt.store.sqlite.prepare('SELECT count(*) FROM tickets').pluck().get() as number;
    const exported = await post<ExportSummary>(a.url, 'store.export', { passphrase: 'moving day passphrase' }, a.tokens.admin);
    expect(exported.status).toBe(200);
    // The browser host offers a download, never a path on its disk.
    const offer = exported.body.value;
    expect(offer).toMatchObject({ cancelled: false, file: null, blobs: 1 });
    expect(offer.download!.name).toMatch(/^outpost-export-\d{8}T\d{6}Z\.outpost$/);
    const t = tempDir('outpost-move-b-');
    const file = path.join(t.dir, '..', `${path.basename(t.dir)}-${offer.download!.name}`);
    cleanups.push(() => fs.rmSync(file, { force: true }));
    await download(a.url + offer.download!.url, file, offer.bytes, offer.download!.name);
    expect(fs.readFileSync(file).includes(Buffer.from('MV 1 before the export'))).toBe(false);
    // Sent whole, it is gone from the host and the address answers no more.
    expect(fs.readdirSync(path.join(a.dir, 'exports'))).toEqual([]);
    expect((await fetch(a.url + offer.download!.url)).status).toBe(404);
    const idA = deviceId(a.rt.store.sqlite);
    await a.ok('tickets.create', { type: 'incident', title: 'MV 2 after the export, synced' }, tokenA);
    await a.ok('sync.now', {}, tokenA);

    // The new machine: its own passphrase chosen at first run, then "Import from another machine".
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
    // Everything the export held is here. The device is joined, so its first pass may already have
    // pulled what was synced since the export (MV 2): that, and nothing twice.
    const held = titles(rtB);
    const pulledSince = held.includes('MV 2 after the export, synced') ? 1 : 0;
    expect(held.filter((x) => x !== 'MV 2 after the export, synced')).toEqual(['MV 1 before the export']);
    expect(rtB.store.sqlite.prepare('SELECT count(*) FROM tickets').pluck().get()).toBe(ticketsAtExport + pulledSince);
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

  it('the download answers only the session that asked, while it is signed in, and only by its id', async () => {
    const a: TestHost = await startTestHost({ prefix: 'outpost-move-dl-', people: { technician: 'technician' } });
    cleanups.push(() => a.close());
    // Only administrators export.
    expect((await post(a.url, 'store.export', { passphrase: 'moving day passphrase' }, a.tokens.technician)).status).toBe(403);
    const first = (await post<ExportSummary>(a.url, 'store.export', { passphrase: 'moving day passphrase' }, a.tokens.admin)).body.value;
    const url = a.url + first.download!.url;
    expect(first.download!.url).toMatch(/^\/api\/download\/[A-Za-z0-9_-]{32}$/);
    expect((await fetch(url, { method: 'POST' })).status).toBe(405);
    expect((await fetch(`${a.url}/api/download/not-an-offer`)).status).toBe(404);
    expect((await fetch(`${a.url}/api/download/${'A'.repeat(32)}`)).status).toBe(404);
    expect((await fetch(url, { headers: { origin: 'http://evil.example' } })).status).toBe(403);
    // Signed out: the offer ends and its file is removed from the host.
    await a.ok('session.logout', {}, a.tokens.admin);
    expect((await fetch(url)).status).toBe(401);
    expect(fs.readdirSync(path.join(a.dir, 'exports'))).toEqual([]);
    expect((await fetch(url)).status).toBe(404);
  });

  it('on the desktop the export goes where the save dialog says, and nowhere when it is cancelled', async () => {
    const t = tempDir('outpost-move-desktop-');
    cleanups.push(() => t.cleanup());
    let answer: string | null = null;
    const asked: string[] = [];
    const rt = startRuntime({
      dataDir: path.join(t.dir, 'data'),
      log: createLogger({ level: 'silent' }),
      saveExportAs: (name) => {
        asked.push(name);
        return Promise.resolve(answer);
      },
    });
    const h: Host = await startHost(rt, { port: 0, staticDir: null });
    cleanups.push(async () => {
      await h.close();
      rt.close();
    });
    const token = (await post<{ token: string }>(h.url, 'setup.init', { admin: { username: 'admin', displayName: 'Ada Admin', password: TEST_PASSWORD }, site: { name: 'HQ' } })).body.value.token;
    const cancelled = await post<ExportSummary>(h.url, 'store.export', { passphrase: 'desktop passphrase' }, token);
    expect(cancelled.body.value).toEqual({ cancelled: true, file: null, bytes: 0, blobs: 0, download: null });
    expect(asked[0]).toMatch(/^outpost-export-\d{8}T\d{6}Z\.outpost$/);
    expect(fs.existsSync(path.join(t.dir, 'data', 'exports')) ? fs.readdirSync(path.join(t.dir, 'data', 'exports')) : []).toEqual([]);
    answer = path.join(t.dir, 'chosen', 'moving.outpost');
    fs.mkdirSync(path.dirname(answer));
    const saved = await post<ExportSummary>(h.url, 'store.export', { passphrase: 'desktop passphrase' }, token);
    expect(saved.body.value).toMatchObject({ cancelled: false, file: answer, download: null });
    expect(fs.statSync(answer).size).toBe(saved.body.value.bytes);
    expect(fs.readdirSync(path.dirname(answer))).toEqual(['moving.outpost']);
    // The note naming its partial file while it was written (for the next start, had it been killed) is gone.
    expect(fs.readdirSync(path.join(t.dir, 'data', 'exports'))).toEqual([]);
  });

  it('npm run restore takes an export of everything too, with its passphrase, into a plain data folder', async () => {
    const a: TestHost = await startTestHost({ prefix: 'outpost-move-cli-' });
    cleanups.push(() => a.close());
    await a.ok('tickets.create', { type: 'incident', title: 'MV carried by the command line' }, a.tokens.admin);
    const offer = await a.ok<ExportSummary>('store.export', { passphrase: 'command line passphrase' }, a.tokens.admin);
    const t = tempDir('outpost-move-cli-b-');
    cleanups.push(() => t.cleanup());
    const out = { file: path.join(t.dir, offer.download!.name) };
    await download(a.url + offer.download!.url, out.file, offer.bytes, offer.download!.name);
    const data = path.join(t.dir, 'data');
    const pass = path.join(t.dir, 'export-pass');
    fs.writeFileSync(pass, 'command line passphrase\n');
    expect(() => restore([out.file, '--data-dir', data])).toThrow(/--export-passphrase-file/);
    expect(restore([out.file, '--data-dir', data, '--export-passphrase-file', pass])).toContain('Imported everything');
    expect(isPlainStore(path.join(data, 'outpost.db'))).toBe(true);
    // Imported again over that store: the one it replaces is kept aside, whole.
    expect(restore([out.file, '--data-dir', data, '--export-passphrase-file', pass])).toContain('Imported everything');
    const kept = openConnection(path.join(data, 'outpost.db.before-restore'), null);
    try {
      expect(kept.prepare("SELECT title FROM tickets WHERE title LIKE 'MV %'").pluck().all()).toEqual(['MV carried by the command line']);
      expect(kept.pragma('integrity_check', { simple: true })).toBe('ok');
    } finally {
      kept.close();
    }
    expect(fs.existsSync(path.join(data, '.importing'))).toBe(false);
    const rt = startRuntime({ dataDir: data, log: createLogger({ level: 'silent' }) });
    cleanups.push(() => rt.close());
    expect(titles(rt)).toEqual(['MV carried by the command line']);
  });
});
