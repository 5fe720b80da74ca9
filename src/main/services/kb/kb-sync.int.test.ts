/**
 * Knowledge over a real server and real HTTP: a requester's device receives published public
 * articles only (no drafts, internal articles or revisions), its API refuses anything else, a
 * modified client reading the raw pull or pushing an article write is refused, and an article
 * withdrawn from requesters (retired) leaves their device at the next sync. On the embedded store,
 * and on PostgreSQL when OUTPOST_TEST_PG_URL is set (CI sets it).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, serverLogin, serverPost, startDevice, startTestServer, type Device, type TestServer } from '../../../testing/sync-harness';
import { signIn } from '../../../server/testing/actors';

const PG = process.env.OUTPOST_TEST_PG_URL;
const STORES: [string, string | undefined][] = [['embedded store', undefined], ...(PG ? [['PostgreSQL', PG] as [string, string]] : [])];

describe.each(STORES)('knowledge base across devices (%s)', (_name, pgUrl) => {
  let server: TestServer;
  let staff: Device;
  let req: Device;

  beforeAll(async () => {
    server = await startTestServer({ pgUrl });
    staff = await startDevice({ site: 'HQ' });
    req = await startDevice({ site: 'Kiosk' });
  });
  afterAll(async () => {
    staff?.close();
    req?.close();
    await server?.close();
  });

  it('gives a requester published public articles only, and takes back a retired one', async () => {
    await staff.call('sync.join', { serverUrl: server.url, ...ADMIN });
    const hq = (await staff.call('sites.list')).items.find((s) => s.name === 'HQ')!.id;
    const mk = async (title: string, visibility: 'internal' | 'public', publish: boolean) => {
      const a = await staff.call('kb.create', { title, body: `How to handle ${title.toLowerCase()}.`, visibility, siteId: null });
      return publish ? staff.call('kb.move', { id: a.id, to: 'published' }) : a;
    };
    const pub = await mk('Guest Wi-Fi access', 'public', true);
    const internal = await mk('Wi-Fi controller recovery', 'internal', true);
    const draft = await mk('Wi-Fi roaming draft', 'public', false);
    const siteOnly = await staff.call('kb.create', { title: 'HQ Wi-Fi printer', body: 'Wi-Fi printer on floor 2.', visibility: 'public', siteId: hq });
    await staff.call('kb.move', { id: siteOnly.id, to: 'published' });
    await staff.call('sync.now');
    // Numbered offline as provisional (no lease yet), replaced by the server at the sync.
    expect(pub.number).toMatch(/^KB-P-/);
    expect((await staff.call('kb.get', { id: pub.id })).number).toMatch(/^KB\d{7}$/);

    const admin = await serverLogin(server);
    expect((await serverPost(server, '/auth/users', { username: 'rita', password: 'password123', role: 'requester', sites: [hq] }, admin)).status).toBe(200);
    await req.call('sync.join', { serverUrl: server.url, username: 'rita', password: 'password123' });
    await req.call('sync.now');

    // The requester's store holds the two published public articles, nothing else of the knowledge base.
    const held = req.rt.store.sqlite.prepare('SELECT id FROM kb_articles ORDER BY number').pluck().all();
    expect(held.sort()).toEqual([pub.id, siteOnly.id].sort());
    expect(req.rt.store.sqlite.prepare('SELECT count(*) FROM kb_article_revisions').pluck().get()).toBe(0);
    const list = await req.call('kb.list', {});
    expect(list.items.map((a) => a.title).sort()).toEqual(['Guest Wi-Fi access', 'HQ Wi-Fi printer']);
    const hits = await req.call('kb.search', { q: 'wi-fi' });
    expect(hits.items.every((h) => h.status === 'published' && h.visibility === 'public')).toBe(true);
    await expect(req.call('kb.get', { id: internal.id })).rejects.toThrow(/No such article/);
    await expect(req.call('kb.get', { id: draft.id })).rejects.toThrow(/No such article/);
    await expect(req.call('kb.create', { title: 'Mine', body: 'x' })).rejects.toThrow(/not allowed|forbidden|role/i);

    // A modified client reading the server directly gets the same cut, and cannot write articles.
    const rita = await signIn(server.url, 'rita', 'password123', 'requester');
    const pulled = (await rita.pullAll()).filter((c) => c.entity.startsWith('kb_') && Object.keys(c.data).length > 0);
    expect([...new Set(pulled.map((c) => c.id))].sort()).toEqual([pub.id, siteOnly.id].sort());
    expect(pulled.some((c) => c.id === internal.id || c.id === draft.id)).toBe(false);
    const forged = await rita.one({ kind: 'setFields', entity: 'kb_articles', recordId: internal.id, scopeId: 'global', payload: { visibility: 'public' } });
    expect(forged.status).toBe('rejected');
    // A technician may not publish by hand-made op either.
    expect((await serverPost(server, '/auth/users', { username: 'tess', password: 'password123', role: 'technician', sites: [hq] }, admin)).status).toBe(200);
    const tess = await signIn(server.url, 'tess', 'password123', 'technician');
    const publish = await tess.one({ kind: 'setFields', entity: 'kb_articles', recordId: draft.id, scopeId: 'global', payload: { status: 'published' } });
    expect(publish).toMatchObject({ status: 'rejected' });
    expect(publish.reason).toMatch(/cannot move|Only administrators publish/);

    // Retired: withdrawn from the requester's device at the next sync.
    await staff.call('kb.move', { id: pub.id, to: 'retired' });
    await staff.call('sync.now');
    await req.call('sync.now');
    expect(req.rt.store.sqlite.prepare('SELECT id FROM kb_articles').pluck().all()).toEqual([siteOnly.id]);
    await expect(req.call('kb.get', { id: pub.id })).rejects.toThrow(/No such article/);

    // Staff on another device read the history the publish kept.
    const full = await staff.call('kb.get', { id: pub.id });
    expect(full.revisions.map((r) => r.version)).toEqual([1]);
  });
});
