/**
 * Settings › Security over HTTP: an administrator lists this device's backups (time, size, check),
 * writes one now and restores it — the current store kept aside, the console carrying on on the
 * restored one; nobody else may, and a name that is not a listed backup is refused.
 */
import { afterEach, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { startTestHost, type TestHost } from '../testing/host';
import { TEST_PASSWORD } from '../testing';

let t: TestHost | null = null;
afterEach(async () => {
  await t?.close();
  t = null;
});

interface Backup {
  name: string;
  at: string;
  bytes: number;
  checked: string;
}

describe('backups from Settings', () => {
  it('an administrator lists, writes and restores a backup; the console carries on on it', async () => {
    t = await startTestHost({ people: { tess: 'technician' } });
    const admin = t.tokens.admin!;
    expect(await t.ok('store.state', {})).toEqual({ state: 'open', encrypted: false, cipher: null, canProtect: false });
    expect(await t.ok<Backup[]>('store.backups', {}, admin)).toEqual([]);
    await t.ok('tickets.create', { type: 'incident', title: 'Kept in the backup: pallet scanner' }, admin);
    const made = await t.ok<Backup>('store.backup', {}, admin);
    expect(made.name).toMatch(/^outpost-\d{8}T\d{6}Z\.db$/);
    expect(made.bytes).toBeGreaterThan(0);
    expect(made.checked).toBe('when written');
    expect(await t.ok<Backup[]>('store.backups', {}, admin)).toEqual([made]);

    for (const [name, input] of [
      ['store.backups', {}],
      ['store.backup', {}],
      ['store.restore', { name: made.name }],
    ] as const) {
      expect((await t.post(name, input, t.tokens.tess)).status, name).toBe(403);
      expect((await t.post(name, input)).status, name).toBe(401);
    }
    const traversal = await t.post('store.restore', { name: '../outpost.db' }, admin);
    expect(traversal.status).toBe(400);
    expect(traversal.body.error?.message).toContain('Name a backup from the list');
    const unknown = await t.post('store.restore', { name: 'outpost-20200101T000000Z.db' }, admin);
    expect(unknown.status).toBe(404);

    await t.ok('tickets.create', { type: 'incident', title: 'After the backup: dock door sensor' }, admin);
    expect(await t.ok('store.restore', { name: made.name }, admin)).toEqual({ restored: made.name });
    expect(fs.existsSync(path.join(t.dir, 'outpost.db.before-restore'))).toBe(true);

    // The restored store holds the sessions it held then; the administrator signs in again.
    const again = await t.ok<{ token: string }>('session.login', { username: 'admin', password: TEST_PASSWORD });
    const list = await t.ok<{ items: { title: string }[] }>('tickets.list', {}, again.token);
    expect(list.items.map((i) => i.title)).toEqual(['Kept in the backup: pallet scanner']);
    const chain = await t.ok<{ valid: boolean }>('audit.verify', {}, again.token);
    expect(chain.valid).toBe(true);
    expect((await t.ok<Backup[]>('store.backups', {}, again.token)).map((b) => b.name)).toEqual([made.name]);
  });
});
