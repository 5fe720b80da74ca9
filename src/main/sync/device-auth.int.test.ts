/**
 * The device's side of server accounts, against a real server: the live stream (token in the
 * header, stopped for good when the device is revoked) and a joined user's own password change,
 * which goes to the server's auth route instead of being pushed as a `users` edit.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serverLogin, serverPost, startDevice, startTestServer, type Device, type TestServer } from '../../testing/sync-harness';
import { HttpTransport } from './transport';
import type { SecretBox } from './secret-box';
import { startRuntime } from '../runtime';
import { dispatchAsync } from '../api/dispatch';
import { createLogger } from '../log';
import { uuidv7 } from '../../shared/ids';

describe('device and server accounts', () => {
  let server: TestServer;
  let device: Device;

  beforeAll(async () => {
    server = await startTestServer();
    device = await startDevice({ site: 'HQ' });
  });
  afterAll(async () => {
    device?.close();
    await server?.close();
  });

  it('the live stream sends its token in a header and stops for good when the device is revoked', async () => {
    const admin = await serverLogin(server);
    expect(
      (await serverPost(server, '/auth/users', { username: 'roamer', password: 'roamer-password', role: 'technician', sites: null }, admin))
        .status,
    ).toBe(200);
    const deviceId = uuidv7();
    const transport = new HttpTransport(server.url, null, () => {});
    await transport.login('roamer', 'roamer-password', deviceId, 'laptop');
    const states: boolean[] = [];
    let pokes = 0;
    const stop = transport.live(
      () => pokes++,
      (s) => states.push(s),
    );
    try {
      await expect.poll(() => states.at(-1), { timeout: 5000 }).toBe(true);
      expect(pokes).toBeGreaterThan(0); // the server's hello
      expect((await serverPost(server, '/auth/revoke', { deviceId }, admin)).status).toBe(200);
      await expect.poll(() => states.at(-1), { timeout: 5000 }).toBe(false);
      const seen = states.length;
      await new Promise((r) => setTimeout(r, 1500));
      expect(states.length).toBe(seen); // no reconnecting
    } finally {
      stop();
    }
  });

  it("a joined user's password change goes to the server, not into the outbox", async () => {
    const admin = await serverLogin(server);
    // The device's local account "tech" joins as the server account of the same name.
    expect(
      (await serverPost(server, '/auth/users', { username: 'tech', password: 'password123', role: 'technician', sites: null }, admin))
        .status,
    ).toBe(200);
    await device.call('sync.join', { serverUrl: server.url, username: 'tech', password: 'password123' });
    await device.call('sync.now');

    await expect(device.call('session.changePassword', { current: 'not-my-password', next: 'new-password-9' })).rejects.toThrow(
      /current password is wrong/,
    );
    const seqBefore = device.rt.store.sqlite.prepare("SELECT value FROM meta WHERE key = 'device_seq'").pluck().get();
    await device.call('session.changePassword', { current: 'password123', next: 'new-password-9' });
    // No op was recorded at all (the device sequence did not move).
    expect(device.rt.store.sqlite.prepare("SELECT value FROM meta WHERE key = 'device_seq'").pluck().get()).toBe(seqBefore);

    // The server has the new password…
    expect(
      (await serverPost(server, '/auth/login', { username: 'tech', password: 'password123', deviceId: uuidv7(), deviceName: 'x' })).status,
    ).toBe(401);
    expect(
      (await serverPost(server, '/auth/login', { username: 'tech', password: 'new-password-9', deviceId: uuidv7(), deviceName: 'x' }))
        .status,
    ).toBe(200);
    // …the device signs in locally with it too…
    expect((await device.call('session.login', { username: 'tech', password: 'new-password-9' })).token).toBeTruthy();
    // …and no users edit waits to be pushed (the server would refuse it).
    const queued = device.rt.store.sqlite
      .prepare("SELECT count(*) FROM pending_ops WHERE entity = 'users' AND payload LIKE '%password_hash%'")
      .pluck()
      .get() as number;
    expect(queued).toBe(0);
    // The device's own session survived the change: it still syncs.
    await expect(device.call('sync.now')).resolves.toBeTruthy();
  });

  it('with a secret box from the shell, the stored tokens are sealed; a store opened without it says so', async () => {
    const admin = await serverLogin(server);
    expect(
      (await serverPost(server, '/auth/users', { username: 'sealer', password: 'sealer-password', role: 'technician', sites: null }, admin))
        .status,
    ).toBe(200);
    // A stand-in for safeStorage (the real one needs Electron): reversible, and tagged with its kind.
    const box: SecretBox = {
      kind: 'electron-safe-storage',
      encrypt: (p) => Buffer.from([...Buffer.from(p)].map((x) => x ^ 0x5a)).toString('base64'),
      decrypt: (s) => Buffer.from([...Buffer.from(s, 'base64')].map((x) => x ^ 0x5a)).toString(),
    };
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'outpost-sealed-'));
    const open = (secretBox: SecretBox | null) => startRuntime({ dataDir: dir, secretBox, log: createLogger({ level: 'silent' }) });
    const call = async (rt: ReturnType<typeof open>, name: string, input: unknown, token: string | null) => {
      const r = await dispatchAsync(rt, name, input, token);
      if (!r.ok) throw new Error(r.error.message);
      return r.value as Record<string, unknown>;
    };
    let rt = open(box);
    try {
      const { token } = (await call(
        rt,
        'setup.init',
        { admin: { username: 'sealer', displayName: 'Sealer', password: 'password123' }, site: { name: 'HQ' } },
        null,
      )) as { token: string };
      await call(rt, 'sync.join', { serverUrl: server.url, username: 'sealer', password: 'sealer-password' }, token);
      await call(rt, 'sync.now', {}, token);
      const stored = rt.store.sqlite.prepare("SELECT value FROM meta WHERE key = 'sync.creds'").pluck().get() as string;
      expect(JSON.parse(stored)).toMatchObject({ sealed: 'electron-safe-storage' });
      expect(stored).not.toMatch(/refreshToken|accessToken/);
      rt.close();

      rt = open(box); // the same keychain: the sign-in survives a restart
      const again = (await call(rt, 'session.login', { username: 'sealer', password: 'password123' }, null)) as { token: string };
      await expect(call(rt, 'sync.now', {}, again.token)).resolves.toBeTruthy();
      rt.close();

      rt = open(null); // the browser host on the same store cannot read the sealed tokens
      const t3 = (await call(rt, 'session.login', { username: 'sealer', password: 'password123' }, null)) as { token: string };
      await expect(call(rt, 'sync.now', {}, t3.token)).rejects.toThrow(/encrypted by the desktop app/);
    } finally {
      rt.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
