/**
 * Backups that restore, against a real server: a device's checked backup, restored with
 * `npm run restore` after more work was synced, carries on syncing — the server recognises the
 * restored store, it continues under a new device id, receives what it missed, sends what is new,
 * and no ticket is lost or doubled on it, on the server or on another device.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { serverLogin, serverPost, startDevice, startTestServer, type Device, type TestServer } from '../../testing/sync-harness';
import { listBackups } from '../db/backup';
import { isPlainStore, KEY_INFO_FILE, passphraseKey } from '../db/store-key';
import { restore } from './restore';
import { deviceId } from '../services/core/ops';

let server: TestServer | null = null;
const devices: Device[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const d of devices.splice(0)) d.close();
  await server?.close();
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function titles(d: Device): string[] {
  return d.rt.store.sqlite.prepare("SELECT title FROM tickets WHERE title LIKE 'BR %' ORDER BY title").pluck().all() as string[];
}

async function syncUntilSettled(d: Device) {
  // A restored store meets the clash on its first push and continues under a new id on the next.
  for (let i = 0; i < 3; i++) await d.call('sync.now').catch(() => undefined);
  await d.call('sync.now');
}

const ALL = ['BR 1 before the backup', 'BR 2 after the backup, synced', 'BR 3 after the restore'];

/**
 * After a restore to the backup holding BR 1 (BR 2 synced since): a ticket made on the restored store
 * and a sync leave it under a new device id with all three, once each, here, on the server and on
 * another device of the site.
 */
async function carriesOn(restored: Device, idBefore: string) {
  await restored.call('tickets.create', { type: 'incident', title: 'BR 3 after the restore' });
  await syncUntilSettled(restored);
  expect(deviceId(restored.rt.store.sqlite)).not.toBe(idBefore);
  expect(titles(restored)).toEqual(ALL);
  const onServer = (await server!.store.pull(null, 0, 10_000)).changes.filter((c) => c.entity === 'tickets').map((c) => String(c.data.title)).filter((t) => t.startsWith('BR '));
  expect(onServer.sort()).toEqual(ALL);
  const other = await startDevice({ site: 'HQ' });
  devices.push(other);
  await other.call('sync.join', { serverUrl: server!.url, username: 'tech', password: 'password123' });
  await other.call('sync.now').catch(() => undefined);
  await other.call('sync.now');
  expect(titles(other)).toEqual(ALL);
}

describe('backup and restore', () => {
  it('a restored store syncs on without losing or doubling a ticket', async () => {
    server = await startTestServer();
    const admin = await serverLogin(server);
    await serverPost(server, '/auth/users', { username: 'tech', password: 'password123', role: 'technician', sites: null }, admin);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'outpost-br-'));
    dirs.push(dir);
    const a = await startDevice({ dir, site: 'HQ' });
    await a.call('sync.join', { serverUrl: server.url, username: 'tech', password: 'password123' });
    await a.call('tickets.create', { type: 'incident', title: 'BR 1 before the backup' });
    await a.call('sync.now');

    const backup = a.rt.backup();
    expect(listBackups(path.join(dir, 'backups')).map((b) => b.file)).toEqual([backup.file]);
    const idBefore = deviceId(a.rt.store.sqlite);

    await a.call('tickets.create', { type: 'incident', title: 'BR 2 after the backup, synced' });
    await a.call('sync.now');
    a.close();

    const said = restore([backup.file, '--data-dir', dir]);
    expect(said).toContain('Restored');
    expect(fs.existsSync(path.join(dir, 'outpost.db.before-restore'))).toBe(true);

    const restored = await startDevice({ dir });
    devices.push(restored);
    expect(titles(restored)).toEqual(['BR 1 before the backup']);
    await carriesOn(restored, idBefore);
  });

  it('restored from Settings while the console runs, the store syncs on without losing or doubling a ticket', async () => {
    server = await startTestServer();
    const admin = await serverLogin(server);
    await serverPost(server, '/auth/users', { username: 'tech', password: 'password123', role: 'technician', sites: null }, admin);
    const a = await startDevice({ site: 'HQ' });
    devices.push(a);
    await a.call('sync.join', { serverUrl: server.url, username: 'tech', password: 'password123' });
    await a.call('tickets.create', { type: 'incident', title: 'BR 1 before the backup' });
    await a.call('sync.now');
    const backup = await a.call('store.backup');
    const idBefore = deviceId(a.rt.store.sqlite);
    await a.call('tickets.create', { type: 'incident', title: 'BR 2 after the backup, synced' });
    await a.call('sync.now');

    // Settings › Security › Restore this backup: the same runtime carries on on the restored store.
    expect(await a.call('store.restore', { name: backup.name })).toEqual({ restored: backup.name });
    // Sessions from when the backup was taken end with the restore: everyone signs in again.
    await expect(a.call('tickets.list')).rejects.toThrow(/session/i);
    a.token = (await a.call('session.login', { username: 'tech', password: 'password123' })).token;
    expect(fs.existsSync(path.join(a.dir, 'outpost.db.before-restore'))).toBe(true);
    expect(titles(a)).toEqual(['BR 1 before the backup']);
    await carriesOn(a, idBefore);
  });

  it('an encrypted backup carried to a new machine restores with the passphrase and syncs on without losing or doubling a ticket', async () => {
    server = await startTestServer();
    const admin = await serverLogin(server);
    await serverPost(server, '/auth/users', { username: 'tech', password: 'password123', role: 'technician', sites: null }, admin);
    const laptop = fs.mkdtempSync(path.join(os.tmpdir(), 'outpost-br-laptop-'));
    const stick = fs.mkdtempSync(path.join(os.tmpdir(), 'outpost-br-stick-'));
    const newMachine = fs.mkdtempSync(path.join(os.tmpdir(), 'outpost-br-new-'));
    dirs.push(laptop, stick, newMachine);
    const PASSPHRASE = 'gravel-yard lantern 2026';
    const passFile = path.join(stick, 'passphrase');
    fs.writeFileSync(passFile, `${PASSPHRASE}\n`);

    const a = await startDevice({ dir: laptop, site: 'HQ', key: passphraseKey(laptop, PASSPHRASE) });
    await a.call('sync.join', { serverUrl: server.url, username: 'tech', password: 'password123' });
    await a.call('tickets.create', { type: 'incident', title: 'BR 1 before the backup' });
    await a.call('sync.now');
    const backup = a.rt.backup();
    const idBefore = deviceId(a.rt.store.sqlite);
    await a.call('tickets.create', { type: 'incident', title: 'BR 2 after the backup, synced' });
    await a.call('sync.now');
    a.close();

    // Only the backup travels; the laptop and its data folder are gone.
    const carried = path.join(stick, path.basename(backup.file));
    fs.copyFileSync(backup.file, carried);
    expect(isPlainStore(carried)).toBe(false);
    const saltFile = fs.readFileSync(path.join(path.dirname(backup.file), KEY_INFO_FILE));
    fs.rmSync(laptop, { recursive: true, force: true });

    expect(() => restore([carried, '--data-dir', newMachine])).toThrow(/is encrypted: give the passphrase it was made with/);
    expect(() => restore([carried, '--data-dir', newMachine, '--passphrase-file', passFile])).toThrow(/needs the file outpost.keyinfo.json that sits beside it/);
    expect(fs.existsSync(path.join(newMachine, 'outpost.db'))).toBe(false);
    // The salt file beside the backups (no secret in it) travels with the backup.
    fs.writeFileSync(path.join(stick, KEY_INFO_FILE), saltFile);
    expect(restore([carried, '--data-dir', newMachine, '--passphrase-file', passFile])).toContain('Restored');
    const restored = await startDevice({ dir: newMachine, key: passphraseKey(newMachine, PASSPHRASE) });
    devices.push(restored);
    expect(titles(restored)).toEqual(['BR 1 before the backup']);
    await carriesOn(restored, idBefore);
  });

  it('refuses a damaged backup and leaves the store as it was', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'outpost-br-'));
    dirs.push(dir);
    const a = await startDevice({ dir, site: 'HQ' });
    await a.call('tickets.create', { type: 'incident', title: 'BR kept' });
    const backup = a.rt.backup();
    a.close();
    const bytes = fs.readFileSync(backup.file);
    bytes.fill(0x41, 4096, 8192);
    fs.writeFileSync(backup.file, bytes);
    expect(() => restore([backup.file, '--data-dir', dir])).toThrow(/cannot be restored/);
    const again = await startDevice({ dir });
    devices.push(again);
    expect(titles(again)).toEqual(['BR kept']);
  });
});
