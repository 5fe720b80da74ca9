/**
 * Live pokes follow sites: a push pokes the live streams of people who read the site it wrote to
 * (and everyone for the team-wide records), never the streams of other sites; an account change
 * still reaches every stream and closes the one whose device was revoked. With two hundred devices
 * online, poking every stream on every push made every device pull after every push anywhere.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openLiveStream, post, signIn, ticketNumber, ticketPayload, type Actor, type LiveStream } from './testing/actors';
import { startTestServer, TEST_ADMIN, type TestServer } from './testing/server';

const settle = () => new Promise((r) => setTimeout(r, 400));

describe('live pokes follow sites', () => {
  let server: TestServer;
  let admin: Actor;
  const streams: LiveStream[] = [];
  beforeAll(async () => {
    server = await startTestServer();
    admin = await signIn(server.url, TEST_ADMIN.username, TEST_ADMIN.password, 'admin');
    for (const [id, name] of [['site-north', 'North'], ['site-south', 'South']]) {
      expect((await admin.one({ kind: 'create', entity: 'sites', recordId: id, scopeId: 'global', payload: { name, code: null, timezone: null, scope_id: 'global' } })).status).toBe('applied');
    }
    for (const [username, site] of [['north1', 'site-north'], ['south1', 'site-south']]) {
      expect((await post(server.url, '/auth/users', { username, password: 'password123', role: 'technician', sites: [site] }, admin.token)).status).toBe(200);
    }
  });
  afterAll(async () => {
    for (const s of streams) s.abort();
    await server?.close();
  });

  it('pokes the streams of the site a push wrote to, everyone for team-wide records, and closes a revoked device’s at once', async () => {
    const north = await signIn(server.url, 'north1', 'password123', 'technician');
    const south = await signIn(server.url, 'south1', 'password123', 'technician');
    const [n, s, a] = await Promise.all([openLiveStream(server.url, { token: north.token }), openLiveStream(server.url, { token: south.token }), openLiveStream(server.url, { token: admin.token })]);
    streams.push(n, s, a);
    await settle();
    const before = [n.pokes(), s.pokes(), a.pokes()];

    // A ticket in the north: the north's technician and the administrator (every site) are poked.
    expect((await north.one({ kind: 'create', entity: 'tickets', recordId: '01900000-0000-7000-8000-00000000a001', scopeId: 'site-north', payload: ticketPayload('site-north', { number: ticketNumber() }) })).status).toBe('applied');
    await settle();
    expect([n.pokes() - before[0]!, s.pokes() - before[1]!, a.pokes() - before[2]!]).toEqual([1, 0, 1]);

    // A ticket in the south pokes the south, not the north.
    expect((await south.one({ kind: 'create', entity: 'tickets', recordId: '01900000-0000-7000-8000-00000000a002', scopeId: 'site-south', payload: ticketPayload('site-south', { number: ticketNumber() }) })).status).toBe('applied');
    await settle();
    expect([n.pokes() - before[0]!, s.pokes() - before[1]!, a.pokes() - before[2]!]).toEqual([1, 1, 2]);

    // A team-wide record (a new site) is read by everyone: every stream is poked.
    expect((await admin.one({ kind: 'create', entity: 'sites', recordId: 'site-east', scopeId: 'global', payload: { name: 'East', code: null, timezone: null, scope_id: 'global' } })).status).toBe('applied');
    await settle();
    expect([n.pokes() - before[0]!, s.pokes() - before[1]!, a.pokes() - before[2]!]).toEqual([2, 2, 3]);

    // A push that writes nothing (its sequence number was used already: a clash) pokes nobody.
    const replay = await north.push([{ kind: 'setFields', entity: 'tickets', recordId: '01900000-0000-7000-8000-00000000a001', scopeId: 'site-north', payload: { urgency: 2 }, deviceSeq: 1 }]);
    expect(replay.status).toBe(200);
    await settle();
    expect([n.pokes() - before[0]!, s.pokes() - before[1]!, a.pokes() - before[2]!]).toEqual([2, 2, 3]);

    // Revoking the south's device reaches every stream: the south's closes with the reason, the others stay open.
    expect((await post(server.url, '/auth/revoke', { deviceId: south.deviceId }, admin.token)).status).toBe(200);
    await Promise.race([s.ended, new Promise((r) => setTimeout(r, 5000))]);
    expect(s.text()).toMatch(/event: closed\ndata: .*device_revoked/);
    expect(n.text()).not.toMatch(/event: closed/);
  });
});
