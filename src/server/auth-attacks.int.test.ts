/**
 * Sign-in and account attacks against a real server over HTTP (embedded store, and PostgreSQL when
 * OUTPOST_TEST_PG_URL is set): brute force, deactivated users, revoked devices, refresh-token
 * reuse, live-stream tokens, password changes and resets.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSqliteStore } from './store/sqlite';
import { openPgStore } from './store/pg';
import { resetPg } from './store/reset';
import { ensureAdmin, THROTTLE } from './auth';
import { startServer, type RunningServer } from './http';
import type { ServerStore } from './store/types';
import { uuidv7 } from '../shared/ids';
import { openLiveStream } from './testing/actors';

const PG = process.env.OUTPOST_TEST_PG_URL;
if (!PG) console.log('auth-attacks.int.test: OUTPOST_TEST_PG_URL is not set, so the PostgreSQL variant is skipped (CI sets it).');

const ADMIN = { username: 'admin', password: 'admin-password-1' };
const NOW = Date.parse('2026-03-01T10:00:00Z');

interface Reply {
  status: number;
  headers: Headers;
  body: { ok: boolean; value?: unknown; error?: { code: string; message: string } };
}

interface Pair {
  accessToken: string;
  refreshToken: string;
  user: { id: string };
  deviceId: string;
}

for (const variant of ['sqlite', 'postgres'] as const) {
  describe.skipIf(variant === 'postgres' && !PG)(`server sign-in and accounts under attack (${variant})`, () => {
    let store: ServerStore;
    let srv: RunningServer;
    let dir: string;
    let clock = NOW;

    beforeEach(async () => {
      clock = NOW;
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'outpost-auth-'));
      if (variant === 'postgres') await resetPg(PG!);
      store = variant === 'postgres' ? await openPgStore(PG!) : openSqliteStore(dir);
      await store.migrate();
      await ensureAdmin(store, ADMIN.username, ADMIN.password);
      srv = await startServer(store, { port: 0, now: () => clock, liveCheckMs: 200 });
    });
    afterEach(async () => {
      await srv?.close();
      await store?.close();
      fs.rmSync(dir, { recursive: true, force: true });
    });

    async function call(method: string, route: string, body?: unknown, token?: string): Promise<Reply> {
      const res = await fetch(srv.url + route, {
        method,
        headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: res.status, headers: res.headers, body: (await res.json()) as Reply['body'] };
    }
    const post = (route: string, body: unknown, token?: string) => call('POST', route, body, token);
    const login = (username: string, password: string, deviceId: string = uuidv7()) =>
      post('/auth/login', { username, password, deviceId, deviceName: 'laptop' });
    async function signIn(username: string, password: string, deviceId: string = uuidv7()): Promise<Pair> {
      const r = await login(username, password, deviceId);
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      return r.body.value as Pair;
    }
    async function addUser(username: string, role = 'technician', sites: string[] | null = ['site-a']): Promise<string> {
      const admin = await signIn(ADMIN.username, ADMIN.password);
      const r = await post('/auth/users', { username, password: 'tech-password-1', role, sites }, admin.accessToken);
      expect(r.status).toBe(200);
      return (r.body.value as { id: string }).id;
    }
    const pull = (token: string) => call('GET', '/sync/pull?cursor=0&limit=10', undefined, token);
    const push = (token: string, deviceId: string) =>
      post('/sync/push', { deviceId, clientVersion: '0.1.0', schemaVersion: 1, cursor: 0, ops: [] }, token);

    const openLive = (init: { token?: string; ticket?: string }) => openLiveStream(srv.url, init);
    const within = <T>(p: Promise<T>, ms = 5000) =>
      Promise.race([p.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), ms))]);

    it('brute force: 30 wrong passwords, then the right one is answered 429 with Retry-After; the lock lifts with time', async () => {
      await addUser('tech1');
      const answers: number[] = [];
      for (let i = 0; i < 30; i++) answers.push((await login('tech1', `wrong-guess-${i}`)).status);
      expect(answers.slice(0, THROTTLE.userFree)).toEqual(Array(THROTTLE.userFree).fill(401));
      expect(answers.slice(THROTTLE.userFree + 1)).toEqual(Array(30 - THROTTLE.userFree - 1).fill(429));
      const right = await login('tech1', 'tech-password-1');
      expect(right.status).toBe(429);
      expect(right.body.error).toMatchObject({ code: 'too_many_attempts' });
      expect(right.body.error!.message).toMatch(/Too many failed sign-ins\. Try again in \d+ seconds?\./);
      const wait = Number(right.headers.get('retry-after'));
      expect(wait).toBeGreaterThan(0);
      // Thirty guesses sent at once meet the same lock (they are checked one after another).
      const burst = await Promise.all(Array.from({ length: 30 }, (_, i) => login('tech1', `burst-${i}`)));
      expect(burst.every((r) => r.status === 429)).toBe(true);
      clock += wait * 1000 + 1;
      expect((await login('tech1', 'tech-password-1')).status).toBe(200);
      // A success clears the username's count.
      expect((await login('tech1', 'wrong-again')).status).toBe(401);
    });

    it('brute force across many usernames from one address is throttled per address', async () => {
      const answers: number[] = [];
      for (let i = 0; i < THROTTLE.addressFree + 3; i++) answers.push((await login(`nobody${i}`, 'guess-guess')).status);
      expect(answers.slice(0, THROTTLE.addressFree)).toEqual(Array(THROTTLE.addressFree).fill(401));
      expect(answers.slice(THROTTLE.addressFree + 1).every((s) => s === 429)).toBe(true);
      const r = await login(ADMIN.username, ADMIN.password);
      expect(r.status).toBe(429);
      expect(Number(r.headers.get('retry-after'))).toBeGreaterThan(0);
    });

    it('a parallel burst of 30 wrong passwords cannot slip past the lock', async () => {
      await addUser('tech1');
      const burst = await Promise.all(Array.from({ length: 30 }, (_, i) => login('tech1', `guess-${i}`)));
      expect(burst.filter((r) => r.status === 401).length).toBe(THROTTLE.userFree + 1);
      expect((await login('tech1', 'tech-password-1')).status).toBe(429);
    });

    it('/auth/verify (a joined device checking a person’s password) backs off per person and per address, and shares the lock with sign-in', async () => {
      await addUser('tech1');
      await addUser('tech2');
      const device = await signIn('tech2', 'tech-password-1');
      const verify = (username: string, password: string) => post('/auth/verify', { username, password }, device.accessToken);
      // Per person: the free tries answer 401, then 429 with Retry-After, even for the right password.
      const answers: number[] = [];
      for (let i = 0; i < THROTTLE.userFree + 3; i++) answers.push((await verify('tech1', `wrong-guess-${i}`)).status);
      expect(answers.slice(0, THROTTLE.userFree)).toEqual(Array(THROTTLE.userFree).fill(401));
      expect(answers.slice(THROTTLE.userFree + 1).every((s) => s === 429)).toBe(true);
      const right = await verify('tech1', 'tech-password-1');
      expect(right.status).toBe(429);
      expect(right.body.error).toMatchObject({ code: 'too_many_attempts' });
      const wait = Number(right.headers.get('retry-after'));
      expect(wait).toBeGreaterThan(0);
      // The same lock holds at sign-in: guessing through a device does not get around it.
      expect((await login('tech1', 'tech-password-1')).status).toBe(429);
      clock += wait * 1000 + 1;
      const ok = await verify('tech1', 'tech-password-1');
      expect(ok.status).toBe(200);
      expect(ok.body.value).toEqual({ username: 'tech1', role: 'technician' });

      // Per address: guessing at many people from one address locks the address, whoever is asked about.
      const many: number[] = [];
      for (let i = 0; i < THROTTLE.addressFree + 3; i++) many.push((await verify(`nobody${i}`, 'guess-guess')).status);
      expect(many.slice(THROTTLE.addressFree + 1).every((s) => s === 429)).toBe(true);
      const other = await verify('tech1', 'tech-password-1');
      expect(other.status).toBe(429);
      expect(Number(other.headers.get('retry-after'))).toBeGreaterThan(0);
      // Without a signed-in device it answers nothing about anyone.
      expect((await post('/auth/verify', { username: 'tech1', password: 'tech-password-1' })).status).toBe(401);
    });

    it('a deactivated user cannot sign in, refresh, push, pull or keep a live stream; devices are revoked', async () => {
      const userId = await addUser('leaver');
      const admin = await signIn(ADMIN.username, ADMIN.password);
      const t = await signIn('leaver', 'tech-password-1');
      expect((await pull(t.accessToken)).status).toBe(200);
      const live = await openLive({ token: t.accessToken });
      expect(live.status).toBe(200);

      // Only an administrator may deactivate, and not themselves.
      expect((await post('/auth/users/deactivate', { userId: admin.user.id }, t.accessToken)).status).toBe(403);
      expect((await post('/auth/users/deactivate', { userId: admin.user.id }, admin.accessToken)).status).toBe(409);
      const d = await post('/auth/users/deactivate', { userId }, admin.accessToken);
      expect(d.status).toBe(200);
      expect(d.body.value).toMatchObject({ id: userId, active: false, devicesRevoked: 1 });

      expect(await within(live.ended)).toBe(true);
      expect(live.text()).toMatch(/event: closed/);

      const again = await login('leaver', 'tech-password-1');
      expect(again.status).toBe(403);
      expect(again.body.error).toMatchObject({ code: 'account_deactivated' });
      expect(again.body.error!.message).toMatch(/deactivated by an administrator/);
      // A wrong password still says only that: no hint about the account to a guesser.
      expect((await login('leaver', 'not-the-password')).body.error!.code).toBe('unauthenticated');
      expect((await post('/auth/refresh', { refreshToken: t.refreshToken })).status).toBe(401);
      expect((await push(t.accessToken, t.deviceId)).status).toBe(401);
      expect((await pull(t.accessToken)).status).toBe(401);
      const reopen = await openLive({ token: t.accessToken });
      expect(reopen.status).toBe(401);
      expect((await post('/sync/live-ticket', {}, t.accessToken)).status).toBe(401);
      // The administrator is unaffected.
      expect((await pull(admin.accessToken)).status).toBe(200);
    });

    it('a revoked device cannot sign in again under its id, and its live stream closes', async () => {
      await addUser('tech1');
      const admin = await signIn(ADMIN.username, ADMIN.password);
      const deviceId = uuidv7();
      const t = await signIn('tech1', 'tech-password-1', deviceId);
      const live = await openLive({ token: t.accessToken });
      expect(live.status).toBe(200);
      expect((await post('/auth/revoke', { deviceId }, admin.accessToken)).status).toBe(200);
      expect(await within(live.ended)).toBe(true);
      expect(live.text()).toMatch(/event: closed\ndata: .*device_revoked/);

      const again = await login('tech1', 'tech-password-1', deviceId);
      expect(again.status).toBe(403);
      expect(again.body.error).toMatchObject({ code: 'device_revoked' });
      expect(again.body.error!.message).toMatch(/cannot be used again/);
      expect((await post('/auth/refresh', { refreshToken: t.refreshToken })).status).toBe(401);
      expect((await pull(t.accessToken)).status).toBe(401);
      // The person may still join from a new device id.
      expect((await login('tech1', 'tech-password-1')).status).toBe(200);
    });

    it('a device reported lost takes every device forked from its store with it, however many copies deep', async () => {
      await addUser('tech1');
      const admin = await signIn(ADMIN.username, ADMIN.password);
      const laptop = await signIn('tech1', 'tech-password-1');
      // The laptop's store was copied, and the copy copied again: each continued under a new id.
      const copyId = uuidv7();
      const forked = await post('/auth/device/fork', { deviceId: copyId, deviceName: 'copy' }, laptop.accessToken);
      expect(forked.status, JSON.stringify(forked.body)).toBe(200);
      const copy = forked.body.value as Pair;
      const copyOfCopyId = uuidv7();
      const forked2 = await post('/auth/device/fork', { deviceId: copyOfCopyId, deviceName: 'copy of copy' }, copy.accessToken);
      expect(forked2.status).toBe(200);
      const copyOfCopy = forked2.body.value as Pair;
      // Another device of the same person, not forked from the laptop, is left alone.
      const desktop = await signIn('tech1', 'tech-password-1');
      for (const p of [copy, copyOfCopy, desktop]) expect((await pull(p.accessToken)).status).toBe(200);

      expect((await post('/auth/devices/lost', { deviceId: laptop.deviceId }, admin.accessToken)).status).toBe(200);
      expect(await store.getDevice(laptop.deviceId)).toMatchObject({ revoked: true, lostAt: expect.any(String) });
      for (const p of [copy, copyOfCopy]) {
        expect((await store.getDevice(p.deviceId))!.revoked).toBe(true);
        expect((await pull(p.accessToken)).status).toBe(401);
        expect((await push(p.accessToken, p.deviceId)).status).toBe(401);
        expect((await post('/auth/refresh', { refreshToken: p.refreshToken })).status).toBe(401);
        const again = await login('tech1', 'tech-password-1', p.deviceId);
        expect(again.status).toBe(403);
        expect(again.body.error).toMatchObject({ code: 'device_revoked' });
      }
      expect((await pull(desktop.accessToken)).status).toBe(200);
      expect((await store.getDevice(desktop.deviceId))!.revoked).toBe(false);
    });

    it('reporting a copy lost (the store call behind `npm run server -- device lost`) revokes the device it was copied from', async () => {
      await addUser('tech1');
      const laptop = await signIn('tech1', 'tech-password-1');
      const copyId = uuidv7();
      const copy = (await post('/auth/device/fork', { deviceId: copyId, deviceName: 'copy' }, laptop.accessToken)).body.value as Pair;
      expect(await store.markDeviceLost(copyId, new Date(NOW).toISOString())).toBe(true);
      // Lost: the copy; its family (the laptop it came from) is revoked with it.
      expect((await store.getDevice(laptop.deviceId))!.revoked).toBe(true);
      expect((await pull(laptop.accessToken)).status).toBe(401);
      expect((await pull(copy.accessToken)).status).toBe(410);
      expect(await store.markDeviceLost('no-such-device', new Date(NOW).toISOString())).toBe(false);
    });

    it('a refresh token used twice revokes its whole session; other sessions of the user keep working', async () => {
      await addUser('tech1');
      const a = await signIn('tech1', 'tech-password-1');
      const other = await signIn('tech1', 'tech-password-1');
      const r1 = await post('/auth/refresh', { refreshToken: a.refreshToken });
      expect(r1.status).toBe(200);
      const rotated = r1.body.value as Pair;
      expect((await pull(rotated.accessToken)).status).toBe(200);

      // Someone replays the spent token (copied from the device).
      const replay = await post('/auth/refresh', { refreshToken: a.refreshToken });
      expect(replay.status).toBe(401);
      expect(replay.body.error).toMatchObject({ code: 'session_revoked' });
      // Every token of that session is dead: the rotated refresh token and both access tokens.
      expect((await post('/auth/refresh', { refreshToken: rotated.refreshToken })).status).toBe(401);
      expect((await pull(rotated.accessToken)).status).toBe(401);
      expect((await pull(a.accessToken)).status).toBe(401);
      expect((await push(rotated.accessToken, rotated.deviceId)).status).toBe(401);
      // The same user's other device is a different session.
      expect((await pull(other.accessToken)).status).toBe(200);
      expect((await post('/auth/refresh', { refreshToken: other.refreshToken })).status).toBe(200);
      // The device itself is not revoked: it signs in again.
      expect((await login('tech1', 'tech-password-1', a.deviceId)).status).toBe(200);
    });

    it('the live stream takes no token in the URL; a one-minute ticket opens it once', async () => {
      const t = await signIn(ADMIN.username, ADMIN.password);
      const inUrl = await fetch(`${srv.url}/sync/live?token=${t.accessToken}`);
      expect(inUrl.status).toBe(400);
      expect(((await inUrl.json()) as Reply['body']).error!.message).toMatch(/Authorization header/);

      const tk = await post('/sync/live-ticket', {}, t.accessToken);
      expect(tk.status).toBe(200);
      const { ticket, expiresIn } = tk.body.value as { ticket: string; expiresIn: number };
      expect(expiresIn).toBe(60);
      const first = await openLive({ ticket });
      expect(first.status).toBe(200);
      await expect.poll(() => first.text()).toMatch(/event: hello/);
      first.abort();
      expect((await openLive({ ticket })).status).toBe(401); // single use

      const late = (await post('/sync/live-ticket', {}, t.accessToken)).body.value as { ticket: string };
      clock += 61_000;
      expect((await openLive({ ticket: late.ticket })).status).toBe(401); // expired
    });

    it('a user changes their own password on the server; an administrator resets one', async () => {
      const userId = await addUser('tech1');
      const admin = await signIn(ADMIN.username, ADMIN.password);
      const laptop = await signIn('tech1', 'tech-password-1');
      const desktop = await signIn('tech1', 'tech-password-1');

      const wrong = await post('/auth/password', { current: 'not-it', next: 'new-password-2' }, laptop.accessToken);
      expect(wrong.status).toBe(400);
      expect(wrong.body.error!.message).toMatch(/current password is wrong/);
      expect((await post('/auth/password', { current: 'tech-password-1', next: 'short' }, laptop.accessToken)).status).toBe(400);
      expect((await post('/auth/password', { current: 'tech-password-1', next: 'new-password-2' }, laptop.accessToken)).status).toBe(200);
      expect((await login('tech1', 'tech-password-1')).status).toBe(401);
      expect((await login('tech1', 'new-password-2')).status).toBe(200);
      // The session that changed it keeps working; the user's other sessions end.
      expect((await pull(laptop.accessToken)).status).toBe(200);
      expect((await pull(desktop.accessToken)).status).toBe(401);

      expect((await post('/auth/users/reset-password', { userId, password: 'reset-password-3' }, laptop.accessToken)).status).toBe(403);
      const reset = await post('/auth/users/reset-password', { userId, password: 'reset-password-3' }, admin.accessToken);
      expect(reset.status).toBe(200);
      expect((await pull(laptop.accessToken)).status).toBe(401);
      expect((await login('tech1', 'new-password-2')).status).toBe(401);
      expect((await login('tech1', 'reset-password-3', laptop.deviceId)).status).toBe(200);
    });
  });
}
