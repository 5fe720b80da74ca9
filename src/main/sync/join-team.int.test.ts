/**
 * A new laptop joins an existing team at first run: it signs in to the team's server, pulls the
 * team's sites, people and settings, and starts as the person's own synced account, with no local
 * administrator or site of its own; nothing of it waits under "Not accepted by the server".
 * Each way joining can fail says why: wrong password, deactivated account, no team profile, nothing
 * answering, an untrusted certificate.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer } from '../../server/http';
import { ADMIN, serverLogin, serverPost, startDevice, startTestServer, type Device, type TestServer } from '../../testing/sync-harness';

describe('joining a team at first run', () => {
  let server: TestServer;
  let a: Device;
  const fresh: Device[] = [];
  let adminToken = '';
  let ninaProfileId = '';

  const newLaptop = async () => {
    const d = await startDevice({ setUp: false });
    fresh.push(d);
    return d;
  };

  beforeAll(async () => {
    server = await startTestServer();
    a = await startDevice({ site: 'HQ' });
    adminToken = await serverLogin(server);
    for (const [username, role] of [['nina', 'technician'], ['omar', 'technician'], ['pat', 'technician']] as const) {
      expect((await serverPost(server, '/auth/users', { username, password: `${username}-password-1`, role, sites: null }, adminToken)).status).toBe(200);
    }
    await a.call('sync.join', { serverUrl: server.url, ...ADMIN });
    await a.call('settings.update', { organisation: 'Northwind IT' });
    const depot = await a.call('sites.create', { name: 'Depot' });
    const hq = (await a.call('sites.list')).items.find((s) => s.name === 'HQ')!;
    ninaProfileId = (await a.call('users.create', { username: 'nina', displayName: 'Nina Field', role: 'technician', password: 'local-only-pass', siteIds: [hq.id, depot.id] })).id;
    await a.call('users.create', { username: 'omar', displayName: 'Omar Gone', role: 'technician', password: 'local-only-pass', siteIds: [hq.id] });
    for (let i = 0; i < 5; i++) await a.call('tickets.create', { type: 'incident', title: `Printer ${i} jammed` });
    await a.call('sync.now');
  });
  afterAll(async () => {
    a?.close();
    for (const d of fresh) d.close();
    await server?.close();
  });

  it('starts as the person’s synced account with the team’s sites, people and settings, and nothing of its own', async () => {
    const b = await newLaptop();
    expect((await b.call('setup.status')).initialized).toBe(false);
    const session = await b.call('setup.join', { serverUrl: server.url, username: 'Nina', password: 'nina-password-1' });
    b.token = session.token;
    expect(session.user).toMatchObject({ id: ninaProfileId, username: 'nina', role: 'technician' });
    expect(await b.call('setup.status')).toMatchObject({ initialized: true, organisation: 'Northwind IT' });

    // The same people and sites as the team: no local administrator, no site of its own.
    const names = async (d: Device) => (await d.call('users.list', {})).items.map((u) => `${u.id} ${u.username}`).sort();
    expect(await names(b)).toEqual(await names(a));
    const sites = async (d: Device) => (await d.call('sites.list')).items.map((s) => `${s.id} ${s.name}`).sort();
    expect(await sites(b)).toEqual(await sites(a));
    expect((await b.call('tickets.list', {})).items.map((t) => t.title).sort()).toEqual([0, 1, 2, 3, 4].map((i) => `Printer ${i} jammed`));

    // Nothing was created here to be pushed, let alone refused.
    const st = await b.call('sync.status');
    expect(st).toMatchObject({ pending: 0, rejected: 0, username: 'nina' });
    expect((await b.call('conflicts.rejected')).items).toEqual([]);

    // Her work goes to the team as hers, and the server accepts it.
    const t = await b.call('tickets.create', { type: 'incident', title: 'Badge reader offline' });
    await b.call('sync.now');
    expect((await b.call('sync.status')).rejected).toBe(0);
    await a.call('sync.now');
    expect((await a.call('tickets.get', { id: t.id })).title).toBe('Badge reader offline');

    // The password the server confirmed signs her in here offline from now on.
    await server.http.close();
    try {
      expect((await b.call('session.login', { username: 'nina', password: 'nina-password-1' })).user.id).toBe(ninaProfileId);
      await expect(b.call('session.login', { username: 'nina', password: 'wrong-password' })).rejects.toThrow(/Wrong username or password/);
    } finally {
      server.http = await startServer(server.store, { port: server.http.port });
    }
    // Once set up, joining at first run is over.
    await expect(b.call('setup.join', { serverUrl: server.url, username: 'nina', password: 'nina-password-1' })).rejects.toThrow(/already set up/);
  });

  it('a wrong password, a deactivated account or an account with no team profile are refused, each saying why, and leave the device at first run', async () => {
    const b = await newLaptop();
    await expect(b.call('setup.join', { serverUrl: server.url, username: 'nina', password: 'not-her-password' })).rejects.toThrow(/username or password is wrong/);

    const omar = (await serverPost(server, '/auth/login', { username: 'omar', password: 'omar-password-1', deviceId: crypto.randomUUID(), deviceName: 'x' })).body.value as { user: { id: string } };
    expect((await serverPost(server, '/auth/users/deactivate', { userId: omar.user.id }, adminToken)).status).toBe(200);
    await expect(b.call('setup.join', { serverUrl: server.url, username: 'omar', password: 'omar-password-1' })).rejects.toThrow(/deactivated/);

    // Pat has a server account but nobody added Pat to the team's people.
    await expect(b.call('setup.join', { serverUrl: server.url, username: 'pat', password: 'pat-password-1' })).rejects.toThrow(/no profile for your account/);
    expect(await b.call('setup.status')).toMatchObject({ initialized: false });
    // Not joined either: the attempt left the server again.
    expect(b.rt.store.sqlite.prepare("SELECT key FROM meta WHERE key IN ('sync.server_url', 'sync.creds', 'sync.user')").pluck().all()).toEqual([]);

    // A failed attempt leaves nothing in the way of the right one.
    const s = await b.call('setup.join', { serverUrl: server.url, username: 'nina', password: 'nina-password-1' });
    expect(s.user.id).toBe(ninaProfileId);
  });

  it('says when nothing answers at the address', async () => {
    const b = await newLaptop();
    const probe = await startServer(server.store, { port: 0 });
    const deadUrl = probe.url;
    await probe.close();
    await expect(b.call('setup.join', { serverUrl: deadUrl, username: 'nina', password: 'nina-password-1' })).rejects.toThrow(/nothing answers there \(connection refused\)/);
    expect((await b.call('setup.status')).initialized).toBe(false);
  });

  it('says when the server’s certificate is not trusted, or the address should be http://', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'outpost-join-tls-'));
    const key = path.join(dir, 'key.pem');
    const cert = path.join(dir, 'cert.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost'], { stdio: 'ignore' });
    const tls = await startServer(server.store, { port: 0, tls: { cert: fs.readFileSync(cert), key: fs.readFileSync(key) } });
    try {
      const b = await newLaptop();
      await expect(b.call('setup.join', { serverUrl: tls.url, username: 'nina', password: 'nina-password-1' })).rejects.toThrow(/certificate this computer does not trust/);
      await expect(b.call('setup.join', { serverUrl: server.url.replace('http://', 'https://'), username: 'nina', password: 'nina-password-1' })).rejects.toThrow(/does not answer HTTPS/);
      expect((await b.call('setup.status')).initialized).toBe(false);
    } finally {
      await tls.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
