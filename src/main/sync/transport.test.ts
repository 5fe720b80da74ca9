/**
 * The sync transport over real HTTP on loopback: what the sync client hears when the server goes
 * away at awkward moments. A server that stops mid-answer is offline for the person, but was there
 * a moment ago (the device retries on its backoff, without probing); a live stream the server
 * answers but refuses is told from one that cannot reach it; one the client itself ends is no news.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { DroppedError, HttpTransport, OfflineError } from './transport';

let server: http.Server | null = null;
async function stopServing(): Promise<void> {
  server?.closeAllConnections();
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  server = null;
}
afterEach(stopServing);

/** What a live stream to `url` says first (connected?, refused?), then stopped. */
async function firstLiveState(url: string): Promise<[boolean, boolean | undefined][]> {
  const states: [boolean, boolean | undefined][] = [];
  const stop = transportTo(url).live(
    () => undefined,
    (up, refused) => states.push([up, refused]),
  );
  for (let i = 0; i < 200 && !states.length; i++) await new Promise((r) => setTimeout(r, 10));
  stop();
  return states;
}

async function serve(handler: http.RequestListener): Promise<string> {
  server = http.createServer(handler);
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', () => r()));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const transportTo = (url: string) =>
  new HttpTransport(url, { accessToken: 'a', refreshToken: 'r', accessExpiresAt: Date.now() + 3_600_000 }, () => undefined);

describe('the sync transport', () => {
  it('a server that stops halfway through a page is offline (dropped), not a server answering wrongly', async () => {
    const url = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '5000' });
      res.write('{"ok":true,"value":{"changes":[');
      setTimeout(() => res.socket?.destroy(), 20);
    });
    const err = await transportTo(url)
      .pull(0, 500)
      .then(
        () => null,
        (e: unknown) => e,
      );
    expect(err).toBeInstanceOf(OfflineError);
    expect(err).toBeInstanceOf(DroppedError);
    expect((err as Error).message).toContain(`The connection to the server at ${url} dropped while its answer arrived`);
  });

  it('a live stream ended by the device says nothing more; one the server drops says it is down', async () => {
    const streams: http.ServerResponse[] = [];
    const url = await serve((req, res) => {
      if (req.url !== '/sync/live') return void res.writeHead(404).end();
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('event: hello\ndata: {}\n\n');
      streams.push(res);
    });
    const states: boolean[] = [];
    let pokes = 0;
    const stop = transportTo(url).live(
      () => pokes++,
      (up) => states.push(up),
    );
    for (let i = 0; i < 200 && pokes < 1; i++) await new Promise((r) => setTimeout(r, 10));
    expect(states).toEqual([true]);
    expect(pokes).toBe(1);
    // The server drops it: down, then up again on the reconnect (with its hello).
    streams[0]!.socket?.destroy();
    for (let i = 0; i < 400 && pokes < 2; i++) await new Promise((r) => setTimeout(r, 10));
    expect(states).toEqual([true, false, true]);
    // The device ends it: no "down" follows, so nobody starts probing a server that is there.
    stop();
    await new Promise((r) => setTimeout(r, 200));
    expect(states).toEqual([true, false, true]);
  });

  it('a live stream the server answers but refuses says so, apart from one that cannot reach it', async () => {
    const url = await serve((_req, res) => {
      res.writeHead(503, { 'content-type': 'text/html' }).end('<h1>Service Unavailable</h1>');
    });
    expect(await firstLiveState(url)).toEqual([[false, true]]);
    // The same address with nothing listening: cannot reach it, not refused.
    await stopServing();
    expect(await firstLiveState(url)).toEqual([[false, false]]);
  });
});
