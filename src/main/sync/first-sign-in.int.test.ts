/**
 * Password hashes never travel between devices. A team member first seen on a device through sync
 * signs in there once through the server, which checks the password; the device keeps it, and the
 * person signs in offline from then on. A wrong password is refused, online or not.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, serverLogin, serverPost, startDevice, startTestServer, type Device, type TestServer } from '../../testing/sync-harness';

describe('first sign-in of a team member on another device', () => {
  let server: TestServer;
  let a: Device;
  let b: Device;

  beforeAll(async () => {
    server = await startTestServer();
    a = await startDevice({ site: 'HQ' });
    b = await startDevice({ site: 'Depot' });
  });
  afterAll(async () => {
    a?.close();
    b?.close();
    await server?.close();
  });

  it('is checked by the server once, then works offline; a wrong password never works', async () => {
    const admin = await serverLogin(server);
    expect((await serverPost(server, '/auth/users', { username: 'nina', password: 'nina-password-1', role: 'technician', sites: null }, admin)).status).toBe(200);
    await a.call('sync.join', { serverUrl: server.url, ...ADMIN });
    await a.call('users.create', { username: 'nina', displayName: 'Nina Field', role: 'technician', password: 'nina-password-1' });
    await a.call('sync.now');
    await b.call('sync.join', { serverUrl: server.url, ...ADMIN });
    await b.call('sync.now');

    // B received Nina's profile but no password hash.
    const hash = b.rt.store.sqlite.prepare("SELECT password_hash FROM users WHERE username = 'nina'").pluck().get() as string;
    expect(hash).toBe('!');
    await expect(b.call('session.login', { username: 'nina', password: 'wrong-password' } as never)).rejects.toThrow(/Wrong username or password/);
    const s = await b.call('session.login', { username: 'nina', password: 'nina-password-1' } as never);
    expect(s.token).toBeTruthy();
    expect(b.rt.store.sqlite.prepare("SELECT password_hash FROM users WHERE username = 'nina'").pluck().get()).toMatch(/^scrypt\$/);

    // The server goes away: Nina still signs in on B, from the password B now keeps.
    await server.http.close();
    const again = await b.call('session.login', { username: 'nina', password: 'nina-password-1' } as never);
    expect(again.token).toBeTruthy();
    await expect(b.call('session.login', { username: 'nina', password: 'wrong-password' } as never)).rejects.toThrow(/Wrong username or password/);
  });
});
