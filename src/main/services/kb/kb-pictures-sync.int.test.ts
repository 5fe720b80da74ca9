/**
 * Knowledge articles' pictures travel like evidence files, over a real server and real HTTP: a
 * picture added to an article on one laptop is uploaded at its sync and downloaded by another staff
 * laptop at its own; a requester's device receives the pictures of published public articles only,
 * and the server refuses a requester the picture of an internal article.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, serverLogin, serverPost, startDevice, startTestServer, type Device, type TestServer } from '../../../testing/sync-harness';

const PG = process.env.OUTPOST_TEST_PG_URL;
const STORES: [string, string | undefined][] = [['embedded store', undefined], ...(PG ? [['PostgreSQL', PG] as [string, string]] : [])];
const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const picture = (text: string) => Buffer.concat([PNG, Buffer.from(text.repeat(2000))]).toString('base64');

describe.each(STORES)('knowledge pictures across devices (%s)', (_name, pgUrl) => {
  let server: TestServer;
  let a: Device;
  let b: Device;
  let req: Device;

  beforeAll(async () => {
    server = await startTestServer({ pgUrl });
    a = await startDevice({ site: 'HQ' });
    b = await startDevice({ site: 'Laptop B' });
    req = await startDevice({ site: 'Kiosk' });
  });
  afterAll(async () => {
    a?.close();
    b?.close();
    req?.close();
    await server?.close();
  });

  it('reach another laptop and, for a public article, a requester; never an internal one', async () => {
    await a.call('sync.join', { serverUrl: server.url, ...ADMIN });
    const hq = (await a.call('sites.list')).items.find((s) => s.name === 'HQ')!.id;
    const pub = await a.call('kb.addImage', { fileName: 'vpn-button.png', contentBase64: picture('public ') });
    const internal = await a.call('kb.addImage', { fileName: 'rack.png', contentBase64: picture('internal ') });
    for (const [title, visibility, img] of [['Connect to the VPN', 'public', pub], ['Rack layout', 'internal', internal]] as const) {
      const art = await a.call('kb.create', { title, body: `## ${title}\n\n${img.markdown}\n`, visibility, siteId: null });
      await a.call('kb.move', { id: art.id, to: 'published' });
    }
    await a.call('sync.now');

    const admin = await serverLogin(server);
    for (const [username, role] of [['tina', 'technician'], ['rita', 'requester']] as const) {
      expect((await serverPost(server, '/auth/users', { username, password: 'password123', role, sites: [hq] }, admin)).status).toBe(200);
    }
    await b.call('sync.join', { serverUrl: server.url, username: 'tina', password: 'password123' });
    await b.call('sync.now');
    for (const img of [pub, internal]) {
      const got = await b.call('kb.image', { sha256: img.sha256 });
      expect(got.mediaType).toBe('image/png');
      expect(got.contentBase64).toBe((await a.call('kb.image', { sha256: img.sha256 })).contentBase64);
    }

    await req.call('sync.join', { serverUrl: server.url, username: 'rita', password: 'password123' });
    await req.call('sync.now');
    expect((await req.call('kb.image', { sha256: pub.sha256 })).contentBase64).toBe(picture('public '));
    await expect(req.call('kb.image', { sha256: internal.sha256 })).rejects.toThrow(/No such picture/);

    // Asked directly, the server gives a requester the public article's picture and refuses the internal one's.
    const rita = await serverLogin(server, 'rita', 'password123');
    const get = (sha: string) => fetch(`${server.url}/blobs/${sha}`, { headers: { authorization: `Bearer ${rita}` } });
    const ok = await get(pub.sha256);
    expect(ok.status).toBe(200);
    expect(Buffer.from(await ok.arrayBuffer()).toString('base64')).toBe(picture('public '));
    expect((await get(internal.sha256)).status).toBe(403);
  });
});
