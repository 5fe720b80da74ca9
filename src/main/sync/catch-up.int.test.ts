/**
 * Catch-up on its own: the server goes away while two devices keep working, and comes back on the
 * same address. Without anyone pressing Sync now, each device notices within seconds (a cheap probe
 * of the server's /health while it is away, and the live channel reconnecting at once), pushes what
 * it made meanwhile and pulls what the other made.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer } from '../../server/http';
import { ADMIN, startDevice, startTestServer, type Device, type TestServer } from '../../testing/sync-harness';

async function until(what: () => Promise<boolean>, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await what()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return what();
}

describe('catch-up after the server comes back', () => {
  let server: TestServer;
  let a: Device;
  let b: Device;

  beforeAll(async () => {
    server = await startTestServer();
    a = await startDevice({ site: 'HQ' });
    b = await startDevice({ site: 'Depot' });
    await a.call('sync.join', { serverUrl: server.url, ...ADMIN });
    await b.call('sync.join', { serverUrl: server.url, ...ADMIN });
    await a.call('sync.now');
    await b.call('sync.now');
  });
  afterAll(async () => {
    a?.close();
    b?.close();
    await server?.close();
  });

  it('pushes and pulls within 5 s of the server’s return, with nobody calling sync.now', async () => {
    await server.http.close();
    const fromA = await a.call('tickets.create', { type: 'incident', title: 'Made on A while the server was away' });
    const fromB = await b.call('tickets.create', { type: 'incident', title: 'Made on B while the server was away' });
    await a.call('tickets.comment', { id: fromA.id, body: 'Still offline', internal: false });
    // Both devices try, fail and start probing; a few seconds of outage.
    expect(await until(async () => (await a.call('sync.status')).state === 'offline' && (await b.call('sync.status')).state === 'offline', 3000)).toBe(true);
    await new Promise((r) => setTimeout(r, 6000));
    expect((await a.call('sync.status')).pending).toBeGreaterThan(0);

    server.http = await startServer(server.store, { port: server.http.port });
    const back = Date.now();
    const caughtUp = async () => {
      const [sa, sb] = [await a.call('sync.status'), await b.call('sync.status')];
      if (sa.pending || sb.pending) return false;
      const onA = (await a.call('tickets.list', {})).items.some((t) => t.id === fromB.id);
      const onB = (await b.call('tickets.list', {})).items.some((t) => t.id === fromA.id);
      return onA && onB;
    };
    expect(await until(caughtUp, 8000)).toBe(true);
    const took = Date.now() - back;
    expect(took, `caught up ${took} ms after the server came back`).toBeLessThan(5000);
    // The other device's push pokes this one, so a short pass that pulls it may still be running.
    expect(await until(async () => (await a.call('sync.status')).state === 'synced', 3000)).toBe(true);
    expect((await b.call('tickets.get', { id: fromA.id })).title).toBe('Made on A while the server was away');
  });

  it('a window saying the network is back starts a sync at once', async () => {
    await server.http.close();
    const t = await a.call('tickets.create', { type: 'incident', title: 'Made while the cable was out' });
    expect(await until(async () => (await a.call('sync.status')).state === 'offline', 3000)).toBe(true);
    server.http = await startServer(server.store, { port: server.http.port });
    const st = await a.call('sync.online');
    expect(st.serverUrl).toBe(server.url);
    expect(await until(async () => (await a.call('sync.status')).pending === 0, 1500)).toBe(true);
    expect(await until(async () => (await b.call('tickets.list', {})).items.some((x) => x.id === t.id), 5000)).toBe(true);
  });
});
