/**
 * A person's role changes on the server: their device reads again what the new role may receive.
 * A technician made a requester keeps only the tickets they raised (and can still sign in).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, serverLogin, serverPost, startDevice, startTestServer, type Device, type TestServer } from '../../testing/sync-harness';

describe('a role changed on the server', () => {
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

  it('re-filters the device: a technician made a requester keeps only their own tickets', async () => {
    const admin = await serverLogin(server);
    expect((await serverPost(server, '/auth/users', { username: 'tom', password: 'password123', role: 'technician', sites: null }, admin)).status).toBe(200);
    await a.call('sync.join', { serverUrl: server.url, ...ADMIN });
    const hq = (await a.call('sites.list')).items.find((s) => s.name === 'HQ')!.id;
    const others = await a.call('tickets.create', { type: 'incident', title: 'Core switch down', siteId: hq });
    await a.call('tickets.comment', { id: others.id, body: 'INTERNAL: console password is on the rack', internal: true });
    await a.call('sync.now');

    await b.call('sync.join', { serverUrl: server.url, username: 'tom', password: 'password123' });
    await b.call('sync.now');
    expect((await b.call('tickets.get', { id: others.id })).title).toBe('Core switch down');
    const me = (await b.call('session.me')).id;
    const own = await b.call('tickets.create', { type: 'request', title: 'New keyboard please', siteId: hq, requesterId: me });
    await b.call('sync.now');

    const r = await serverPost(server, '/auth/users/role', { username: 'tom', role: 'requester' }, admin);
    expect(r.status).toBe(200);
    await b.call('sync.now');
    await expect(b.call('tickets.get', { id: others.id })).rejects.toThrow(/No such ticket/);
    const comments = b.rt.store.sqlite.prepare('SELECT count(*) FROM ticket_comments WHERE ticket_id = ?').pluck().get(others.id);
    expect(comments).toBe(0);
    expect((await b.call('tickets.get', { id: own.id })).title).toBe('New keyboard please');
    // The directory stays, so the person still signs in on the device.
    expect((await b.call('sites.list')).items.length).toBeGreaterThan(0);

    // Only an administrator changes roles.
    const tomToken = await serverLogin(server, 'tom', 'password123');
    expect((await serverPost(server, '/auth/users/role', { username: 'tom', role: 'admin' }, tomToken)).status).toBe(403);
  });
});
