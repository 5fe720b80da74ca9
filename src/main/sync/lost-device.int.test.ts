/**
 * A lost device over real HTTP: an administrator reports it lost on the server (the HTTP route, and
 * `npm run server -- device lost ID`); at its next contact the server refuses its pushes and says
 * why, and the device wipes its store (files overwritten and removed, WAL and SHM too) and opens on
 * the first-run screen with the reason.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { serverLogin, serverPost, startDevice, type Device, type TestServer } from '../../testing/sync-harness';
import { ensureAdmin } from '../../server/auth';
import { startServer } from '../../server/http';
import { openSqliteStore } from '../../server/store/sqlite';
import { TEST_ADMIN } from '../../server/testing/server';
import { deviceId } from '../services/core/ops';
import { restoreStore } from '../db/backup';
import { verifyCopy } from '../runtime';

/** What `npm run restore -- FILE --data-dir DIR` does to a plain store. */
function restore(file: string, dir: string): void {
  fs.mkdirSync(dir, { recursive: true });
  restoreStore(file, path.join(dir, 'outpost.db'), null, verifyCopy);
}

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const run = promisify(execFile);

/** A server on an embedded store in a folder the CLI can open too. */
async function serverIn(dir: string): Promise<TestServer> {
  const store = openSqliteStore(dir);
  await store.migrate();
  await ensureAdmin(store, TEST_ADMIN.username, TEST_ADMIN.password);
  const http = await startServer(store, { port: 0 });
  return { url: http.url, store, http, close: async () => (await http.close(), await store.close()) };
}

function titles(d: Device): string[] {
  return d.rt.store.sqlite.prepare('SELECT title FROM tickets ORDER BY title').pluck().all() as string[];
}

function filesHolding(dir: string, texts: string[]): string[] {
  const found: string[] = [];
  for (const e of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!e.isFile()) continue;
    const p = path.join(e.parentPath, e.name);
    const b = fs.readFileSync(p);
    for (const t of texts) if (b.includes(Buffer.from(t))) found.push(`${path.relative(dir, p)}: ${t}`);
  }
  return found;
}

let server: TestServer | null = null;
let device: Device | null = null;
let serverDir = '';
afterEach(async () => {
  device?.close();
  await server?.close();
  if (serverDir) fs.rmSync(serverDir, { recursive: true, force: true });
  device = null;
  server = null;
});

async function joinedDevice(): Promise<{ admin: string; id: string }> {
  serverDir = fs.mkdtempSync(path.join(os.tmpdir(), 'outpost-lost-srv-'));
  server = await serverIn(serverDir);
  const admin = await serverLogin(server);
  await serverPost(server, '/auth/users', { username: 'tech', password: 'password123', role: 'technician', sites: null }, admin);
  device = await startDevice({ site: 'HQ' });
  await device.call('sync.join', { serverUrl: server.url, username: 'tech', password: 'password123' });
  await device.call('tickets.create', { type: 'incident', title: 'Synced before the loss kestrel-umber' });
  await device.call('sync.now');
  const id = deviceId(device.rt.store.sqlite);
  expect((await server.store.getDevice(id))?.revoked).toBe(false);
  return { admin, id };
}

async function expectWiped(d: Device, texts: string[]) {
  await expect.poll(async () => (await d.call('setup.status')).initialized, { timeout: 10_000 }).toBe(false);
  const status = await d.call('setup.status');
  expect(status.wiped?.reason).toMatch(/An administrator reported this device lost on \d{4}-\d\d-\d\d \d\d:\d\d UTC/);
  expect(d.rt.store.sqlite.prepare('SELECT count(*) FROM tickets').pluck().get()).toBe(0);
  expect(filesHolding(d.dir, texts)).toEqual([]);
  // The old session is gone with the store.
  await expect(d.call('tickets.list')).rejects.toThrow(/session has ended/);
}

describe('a device reported lost', () => {
  it('is refused at its next push, wipes its store and says why; what it wrote after never reaches the server', async () => {
    const { admin, id } = await joinedDevice();
    const d = device!;
    const techToken = await serverLogin(server!, 'tech', 'password123');
    expect((await serverPost(server!, '/auth/devices/lost', { deviceId: id }, techToken)).status).toBe(403);
    expect((await serverPost(server!, '/auth/devices/lost', { deviceId: 'no-such-device' }, admin)).status).toBe(404);
    const marked = await serverPost(server!, '/auth/devices/lost', { deviceId: id }, admin);
    expect(marked.status).toBe(200);
    expect(marked.body.value).toMatchObject({ deviceId: id, lostAt: expect.any(String) });
    expect(await server!.store.getDevice(id)).toMatchObject({ revoked: true, lostAt: expect.any(String) });

    // Written on the laptop after it was reported lost: refused, never stored on the server.
    await d.call('tickets.create', { type: 'incident', title: 'Written by whoever holds it now saffron-vole' });
    await expect(d.call('sync.now')).rejects.toThrow(/reported this device lost/);
    await expectWiped(d, ['kestrel-umber', 'saffron-vole']);
    const onServer = (await server!.store.pull(null, 0, 10_000)).changes;
    expect(JSON.stringify(onServer)).toContain('kestrel-umber');
    expect(JSON.stringify(onServer)).not.toContain('saffron-vole');

    // A sign-in from the same device id is refused with the same reason.
    const again = await serverPost(server!, '/auth/login', { username: 'tech', password: 'password123', deviceId: id, deviceName: 'laptop' });
    expect(again.status).toBe(410);
    expect(again.body.error?.code).toBe('device_lost');
  });

  it('a sync asked for while one is running is refused with the same reason, not an internal error', async () => {
    const { admin, id } = await joinedDevice();
    const d = device!;
    expect((await serverPost(server!, '/auth/devices/lost', { deviceId: id }, admin)).status).toBe(200);
    await d.call('tickets.create', { type: 'incident', title: 'Written after the loss heron-quince' });
    // The second waits for the first, which learns of the loss and starts the wipe; the second
    // must not then run a pass of its own on the store being wiped.
    const both = await Promise.allSettled([d.call('sync.now'), d.call('sync.now')]);
    for (const r of both) {
      expect(r.status).toBe('rejected');
      expect(String((r as PromiseRejectedResult).reason)).toMatch(/reported this device lost/);
    }
    await expectWiped(d, ['kestrel-umber', 'heron-quince']);
  });

  it('npm run server -- device lost ID does the same from the command line, and device list shows it', async () => {
    const { id } = await joinedDevice();
    const cli = (args: string[]) => run(process.execPath, ['--import', 'tsx', 'src/server/cli.ts', ...args, '--data-dir', serverDir], { cwd: ROOT });
    const listed = await cli(['device', 'list']);
    expect(listed.stdout).toMatch(new RegExp(`${id}\\s+tech\\s+.*active`));
    const out = await cli(['device', 'lost', id]);
    expect(out.stdout).toContain(`Device ${id} reported lost`);
    expect((await cli(['device', 'list'])).stdout).toMatch(new RegExp(`${id}.*LOST`));
    await expect(cli(['device', 'lost', 'nonexistent-id'])).rejects.toThrow(/No device with id nonexistent-id/);

    await expect(device!.call('sync.now')).rejects.toThrow(/reported this device lost/);
    await expectWiped(device!, ['kestrel-umber']);

    // npm run server -- backup: a checked copy of the embedded store while it runs.
    const backup = await cli(['backup']);
    const file = /Backup written and checked: (\S+)/.exec(backup.stdout)?.[1];
    expect(file && fs.existsSync(file)).toBe(true);
    expect(fs.readFileSync(file!).includes(Buffer.from('kestrel-umber'))).toBe(true);
  });

  it("the lost laptop's backup, restored by its owner on a new machine, is kept: it asks to join again, then sends what the backup held, nothing lost or doubled", async () => {
    const { admin, id } = await joinedDevice();
    const laptop = device!;
    await laptop.call('tickets.create', { type: 'incident', title: 'Only in the backup marten-sorrel' });
    const newMachine = fs.mkdtempSync(path.join(os.tmpdir(), 'outpost-lost-new-'));
    const carried = path.join(newMachine, 'carried.db');
    fs.copyFileSync(laptop.rt.backup().file, carried);
    laptop.close();
    device = null;
    expect((await serverPost(server!, '/auth/devices/lost', { deviceId: id }, admin)).status).toBe(200);

    try {
      restore(carried, path.join(newMachine, 'data'));
      const restored = await startDevice({ dir: path.join(newMachine, 'data') });
      device = restored;
      await expect(restored.call('sync.now')).rejects.toThrow(/restored from a backup of a device an administrator reported lost on \d{4}-\d\d-\d\d \d\d:\d\d UTC\. Outpost kept it and sent nothing\. Join the server again to sync it as a new device: the \d+ changes waiting here will be sent then\./);
      // Kept whole, out of the lost device's name; Settings shows why and offers to join.
      expect(await restored.call('setup.status')).toMatchObject({ initialized: true });
      expect(titles(restored)).toEqual(['Only in the backup marten-sorrel', 'Synced before the loss kestrel-umber']);
      const status = await restored.call('sync.status');
      expect(status).toMatchObject({ state: 'standalone', serverUrl: null });
      expect(status.pending).toBeGreaterThan(0);
      expect(status.error).toMatch(/restored from a backup of a device an administrator reported lost/);
      expect(status.deviceId).not.toBe(id);
      const onServerBefore = (await server!.store.pull(null, 0, 10_000)).changes;
      expect(JSON.stringify(onServerBefore)).not.toContain('marten-sorrel');

      // Its owner joins again with their password: a new device, and the backup's change goes.
      await restored.call('sync.join', { serverUrl: server!.url, username: 'tech', password: 'password123' });
      await restored.call('sync.now');
      const after = await restored.call('sync.status');
      expect(after).toMatchObject({ pending: 0, error: null, serverUrl: server!.url });
      expect(await server!.store.getDevice(after.deviceId)).toMatchObject({ revoked: false, lostAt: null });
      expect(await server!.store.getDevice(id)).toMatchObject({ revoked: true, lostAt: expect.any(String) });
      const onServer = (await server!.store.pull(null, 0, 10_000)).changes.filter((c) => c.entity === 'tickets').map((c) => String(c.data.title));
      expect(onServer.sort()).toEqual(['Only in the backup marten-sorrel', 'Synced before the loss kestrel-umber']);
      expect(titles(restored)).toEqual(['Only in the backup marten-sorrel', 'Synced before the loss kestrel-umber']);
    } finally {
      device?.close();
      device = null;
      fs.rmSync(newMachine, { recursive: true, force: true });
    }
  });

  it('a restored store that has synced since is the device itself: reported lost later, it is wiped', async () => {
    const { admin } = await joinedDevice();
    const d = device!;
    const kept = fs.mkdtempSync(path.join(os.tmpdir(), 'outpost-lost-kept-'));
    const carried = path.join(kept, 'carried.db');
    fs.copyFileSync(d.rt.backup().file, carried);
    const copy = path.join(kept, 'copy');
    d.close();
    device = null;
    try {
      // Restored from its own backup and synced on (as a new device id).
      restore(carried, copy);
      const restored = await startDevice({ dir: copy });
      device = restored;
      await restored.call('sync.now').catch(() => undefined);
      await restored.call('sync.now');
      const now = deviceId(restored.rt.store.sqlite);
      await restored.call('tickets.create', { type: 'incident', title: 'After the restore ibis-fennel' });
      expect((await serverPost(server!, '/auth/devices/lost', { deviceId: now }, admin)).status).toBe(200);
      await expect(restored.call('sync.now')).rejects.toThrow(/reported this device lost/);
      await expectWiped(restored, ['kestrel-umber', 'ibis-fennel']);
    } finally {
      device?.close();
      device = null;
      fs.rmSync(kept, { recursive: true, force: true });
    }
  });
});
