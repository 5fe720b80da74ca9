/**
 * The idle lock over the browser host's real HTTP: after the team's idle time without input at the
 * window, every call but unlock and sign-out is refused (423), a restart of the host finds the
 * session still locked, and only the signed-in person's password unlocks it.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startRuntime, type StartedRuntime } from '../runtime';
import { startHost, type Host } from './server';
import type { Clock } from '../services/core/context';
import { tempDir } from '../testing';

let offsetMs = 0;
const clock: Clock = { now: () => new Date(Date.now() + offsetMs) };
let tmp: ReturnType<typeof tempDir>;
let rt: StartedRuntime;
let host: Host;

async function post(name: string, input: unknown, token?: string) {
  const res = await fetch(`${host.url}/api/${name}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(input),
  });
  return { status: res.status, body: (await res.json()) as { ok: boolean; value?: Record<string, unknown>; error?: { code: string; message: string } } };
}

async function start() {
  rt = startRuntime({ dataDir: tmp.dir, clock });
  host = await startHost(rt, { port: 0, staticDir: null });
}
async function stop() {
  await host.close();
  rt.close();
}

beforeEach(async () => {
  offsetMs = 0;
  tmp = tempDir('outpost-lock-');
  await start();
});
afterEach(async () => {
  await stop();
  tmp.cleanup();
});

const PASSWORD = 'password123';

async function setUp(): Promise<string> {
  const r = await post('setup.init', { admin: { username: 'admin', displayName: 'Ada Admin', password: PASSWORD }, site: { name: 'HQ' } });
  return (r.body.value as { token: string }).token;
}

describe('idle lock', () => {
  it('locks after the idle time, refuses every other call, survives a restart, and unlocks only with the password', async () => {
    const token = await setUp();
    expect((await post('session.lockState', {}, token)).body.value).toMatchObject({ locked: false, idleLockMinutes: 15, username: 'admin' });
    await post('session.activity', {}, token);
    offsetMs += 14 * 60_000;
    expect((await post('tickets.list', {}, token)).status).toBe(200);

    offsetMs += 2 * 60_000; // 16 minutes since the last input
    const refused = await post('tickets.create', { type: 'incident', title: 'Written while locked' }, token);
    expect(refused.status).toBe(423);
    expect(refused.body.error).toMatchObject({ code: 'locked', message: 'Outpost is locked. Enter your password to unlock it.' });
    for (const name of ['tickets.list', 'session.me', 'settings.get', 'audit.verify', 'session.activity']) {
      expect((await post(name, {}, token)).body.error?.code, name).toBe('locked');
    }
    expect(rt.store.sqlite.prepare("SELECT count(*) FROM tickets WHERE title = 'Written while locked'").pluck().get()).toBe(0);
    expect((await post('session.lockState', {}, token)).body.value).toMatchObject({ locked: true });

    // A reload, or the host restarted: still locked.
    await stop();
    await start();
    expect((await post('tickets.list', {}, token)).status).toBe(423);

    const wrong = await post('session.unlock', { password: 'not-it-at-all' }, token);
    expect(wrong.status).toBe(403);
    expect(wrong.body.error?.message).toBe('Wrong password.');
    expect((await post('tickets.list', {}, token)).status).toBe(423);

    expect((await post('session.unlock', { password: PASSWORD }, token)).status).toBe(200);
    expect((await post('tickets.list', {}, token)).status).toBe(200);
    const trail = rt.store.sqlite.prepare("SELECT call, after FROM audit_events WHERE call LIKE 'session.%lock' ORDER BY seq").all() as { call: string; after: string | null }[];
    expect(trail.map((e) => [e.call, e.after && JSON.parse(e.after).outcome])).toEqual([
      ['session.unlock', 'failed'],
      ['session.unlock', 'ok'],
    ]);
  });

  it('locks on request at once; repeated wrong passwords are throttled; signing out still works', async () => {
    const token = await setUp();
    expect((await post('session.lock', {}, token)).status).toBe(200);
    expect((await post('tickets.list', {}, token)).status).toBe(423);
    for (let i = 0; i < 5; i++) expect((await post('session.unlock', { password: `wrong-${i}-password` }, token)).status).toBe(403);
    const throttled = await post('session.unlock', { password: PASSWORD }, token);
    expect(throttled.status).toBe(429);
    offsetMs += 61_000;
    expect((await post('session.unlock', { password: PASSWORD }, token)).status).toBe(200);
    await post('session.lock', {}, token);
    expect((await post('session.logout', {}, token)).status).toBe(200);
    expect((await post('tickets.list', {}, token)).status).toBe(401);
  });

  it("follows the team's setting: a longer idle time, or 0 for never", async () => {
    const token = await setUp();
    const set = await post('settings.update', { idleLockMinutes: 60 }, token);
    expect(set.body.value).toMatchObject({ idleLockMinutes: 60 });
    expect((await post('settings.update', { idleLockMinutes: -1 }, token)).status).toBe(400);
    await post('session.activity', {}, token);
    offsetMs += 30 * 60_000;
    expect((await post('tickets.list', {}, token)).status).toBe(200);
    offsetMs += 31 * 60_000;
    expect((await post('tickets.list', {}, token)).status).toBe(423);
    await post('session.unlock', { password: PASSWORD }, token);
    await post('settings.update', { idleLockMinutes: 0 }, token);
    offsetMs += 10 * 60 * 60_000;
    expect((await post('tickets.list', {}, token)).status).toBe(200);
  });
});
