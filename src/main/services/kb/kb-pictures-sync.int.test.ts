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
    const ids: string[] = [];
    for (const [title, visibility, img] of [['Connect to the VPN', 'public', pub], ['Rack layout', 'internal', internal]] as const) {
      const art = await a.call('kb.create', { title, body: `## ${title}\n\n${img.markdown}\n`, visibility, siteId: null });
      await a.call('kb.move', { id: art.id, to: 'published' });
      ids.push(art.id);
    }
    const [pubId, internalId] = ids as [string, string];
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

    // Asked directly, the server gives a requester the public article's picture, as a picture that is
    // never sniffed, run or cached, and answers the internal one's as if it did not exist.
    const rita = await serverLogin(server, 'rita', 'password123');
    const get = (sha: string, articleId?: string) =>
      fetch(`${server.url}/blobs/${sha}${articleId ? `?article=${articleId}` : ''}`, { headers: { authorization: `Bearer ${rita}` } });
    const ok = await get(pub.sha256, pubId);
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-type')).toBe('image/png');
    expect(ok.headers.get('x-content-type-options')).toBe('nosniff');
    expect(ok.headers.get('cache-control')).toBe('private, no-store');
    expect(ok.headers.get('content-security-policy')).toContain('sandbox');
    expect(Buffer.from(await ok.arrayBuffer()).toString('base64')).toBe(picture('public '));
    expect((await get(internal.sha256, internalId)).status).toBe(404);
    // Named with another article, or without one (the evidence route), a picture is not served either.
    expect((await get(internal.sha256, pubId)).status).toBe(404);
    expect((await get(pub.sha256, internalId)).status).toBe(404);
    expect((await get(pub.sha256)).status).toBe(403);

    // The same picture shown by a second article travels again for that article (its uploader sends
    // it for each article), and reaches the requester as that article's picture.
    const again = await a.call('kb.create', { title: 'VPN on a phone', body: `Same button:\n\n${pub.markdown}\n`, visibility: 'public', siteId: null });
    await a.call('kb.move', { id: again.id, to: 'published' });
    expect((await get(pub.sha256, again.id)).status, 'not uploaded for it yet').toBe(404);
    await a.call('sync.now');
    expect((await get(pub.sha256, again.id)).status).toBe(200);
    await req.call('sync.now');
    expect((await req.call('portal.picture', { articleId: again.id, sha256: pub.sha256 })).contentBase64).toBe(picture('public '));
  });
});
