/**
 * Knowledge articles' pictures on the server, as an attacker with one valid account of each role
 * would try them over real HTTP (both stores): the picture route (`GET /blobs/<sha>?article=<id>`)
 * and the portal's `portal.picture` serve a file only as the picture of the article it was uploaded
 * for, to someone who may read that article; naming a file's hash in an article (evidence of this
 * site or another) serves nothing, and a hash is made a picture only by sending every byte of it.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uuidv7 } from '../shared/ids';
import { addAccount, signIn, type Actor } from './testing/actors';
import { startTestServer, TEST_ADMIN, type TestServer } from './testing/server';

const PG = process.env.OUTPOST_TEST_PG_URL;
const A = 'site-a';
const B = 'site-b';
const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const png = (text: string) => Buffer.concat([PNG, Buffer.from(text)]);
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
let numbers = 0;

type Name = 'pubA' | 'intA' | 'draftA' | 'pubB' | 'intB' | 'pubG';
/** The articles every role is tried against, in the order of the columns of the table in docs/security.md. */
const ARTICLES: Record<Name, { scope: string; visibility: 'public' | 'internal'; status: 'published' | 'draft' }> = {
  pubA: { scope: A, visibility: 'public', status: 'published' },
  intA: { scope: A, visibility: 'internal', status: 'published' },
  draftA: { scope: A, visibility: 'public', status: 'draft' },
  pubB: { scope: B, visibility: 'public', status: 'published' },
  intB: { scope: B, visibility: 'internal', status: 'published' },
  pubG: { scope: 'global', visibility: 'public', status: 'published' },
};

/** The written expectation: "role/article" → letters (`r` the picture route serves it, `p` the portal does). */
function expectedPictures(): Map<string, string> {
  const doc = fs.readFileSync(path.resolve(__dirname, '../../docs/security.md'), 'utf8');
  const start = doc.indexOf('<!-- pictures:start -->');
  const end = doc.indexOf('<!-- pictures:end -->');
  if (start < 0 || end < 0) throw new Error('docs/security.md has no table of knowledge pictures between its markers.');
  const out = new Map<string, string>();
  for (const line of doc.slice(start, end).split('\n')) {
    const cells = line.split('|').slice(1, -1).map((c) => c.trim());
    if (!['admin', 'technician', 'auditor', 'requester'].includes(cells[0]!)) continue;
    (Object.keys(ARTICLES) as Name[]).forEach((name, i) => out.set(`${cells[0]}/${name}`, cells[1 + i]!));
  }
  return out;
}

for (const variant of ['sqlite', 'postgres'] as const) {
  describe.skipIf(variant === 'postgres' && !PG)(`knowledge pictures on the server, as an attacker would try them (${variant} store)`, () => {
    let server: TestServer;
    let admin: Actor;
    let techA: Actor;
    let techB: Actor;
    let audA: Actor;
    let reqA: Actor;
    const ids = {} as Record<Name, string>;
    const pics = {} as Record<Name, Buffer>;
    const evidenceA = png('a photo kept as evidence of the site A server room');
    const evidenceB = png('a photo kept as evidence of the site B server room');

    const account = (username: string, role: Actor['role'], sites: string[] | null) => addAccount(server.url, admin, username, role, sites);

    const put = (who: Actor, hash: string, bytes: Buffer, size: number, articleId?: string) =>
      fetch(`${server.url}/blobs/${hash}?size=${size}&offset=0${articleId ? `&article=${articleId}` : ''}`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${who.token}`, 'content-type': 'application/octet-stream' },
        body: new Uint8Array(bytes),
      });
    const getPicture = (who: Actor, hash: string, articleId: string) => fetch(`${server.url}/blobs/${hash}?article=${articleId}`, { headers: { authorization: `Bearer ${who.token}` } });
    const portalPicture = (who: Actor, hash: string, articleId: string) =>
      fetch(`${server.url}/portal/api/portal.picture`, {
        method: 'POST',
        headers: { authorization: `Bearer ${who.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ articleId, sha256: hash }),
      });

    async function article(who: Actor, scope: string, fields: { visibility: string; status: string; body: string }): Promise<string> {
      const id = uuidv7();
      const published = fields.status === 'published';
      const r = await who.one({
        kind: 'create',
        entity: 'kb_articles',
        recordId: id,
        scopeId: scope,
        payload: { number: `KB${String(9_000_000 + ++numbers).padStart(7, '0')}`, title: 'How to', category: null, owner_id: who.personId, version: published ? 1 : 0, published_at: published ? new Date().toISOString() : null, ...fields },
      });
      expect(r.status, r.reason).toBe('applied');
      return id;
    }

    beforeAll(async () => {
      server = await startTestServer({ pgUrl: variant === 'postgres' ? PG : undefined });
      admin = await signIn(server.url, TEST_ADMIN.username, TEST_ADMIN.password, 'admin');
      for (const [id, name] of [[A, 'Site A'], [B, 'Site B']] as const) {
        expect((await admin.one({ kind: 'create', entity: 'sites', recordId: id, scopeId: 'global', payload: { name, scope_id: 'global' } })).status).toBe('applied');
      }
      techA = await account('tara', 'technician', [A]);
      techB = await account('bob', 'technician', [B]);
      audA = await account('audrey', 'auditor', [A]);
      reqA = await account('rita', 'requester', [A]);
      // Evidence photos (pictures by their bytes) in both sites, uploaded as evidence.
      for (const [scope, bytes] of [[A, evidenceA], [B, evidenceB]] as const) {
        const r = await admin.one({
          kind: 'create',
          entity: 'evidence',
          recordId: uuidv7(),
          scopeId: scope,
          payload: { record_type: 'finding', record_id: uuidv7(), file_name: 'server-room.png', media_type: 'image/png', size: bytes.length, sha256: sha(bytes), note: null, uploaded_by: admin.personId },
        });
        expect(r.status, r.reason).toBe('applied');
        expect((await put(admin, sha(bytes), bytes, bytes.length)).status).toBe(200);
      }
      for (const [name, a] of Object.entries(ARTICLES) as [Name, (typeof ARTICLES)[Name]][]) {
        pics[name] = png(`the picture of ${name}`);
        ids[name] = await article(admin, a.scope, { visibility: a.visibility, status: a.status, body: `## ${name}\n\n![screen](blob:${sha(pics[name])})\n` });
        const up = await put(admin, sha(pics[name]), pics[name], pics[name].length, ids[name]);
        expect(up.status).toBe(200);
        expect(((await up.json()) as { value: { stored: boolean } }).value.stored).toBe(true);
      }
    });
    afterAll(async () => {
      await server?.close();
    });

    it('serves each picture to exactly the people who may read its article (the table in docs/security.md), and 404 to everyone else', async () => {
      const expected = expectedPictures();
      const differ: string[] = [];
      for (const who of [admin, techA, audA, reqA]) {
        for (const name of Object.keys(ARTICLES) as Name[]) {
          let letters = '';
          const r = await getPicture(who, sha(pics[name]), ids[name]);
          if (r.status === 200) {
            letters += 'r';
            expect(Buffer.from(await r.arrayBuffer()).equals(pics[name])).toBe(true);
            expect(r.headers.get('content-type')).toBe('image/png');
            expect(r.headers.get('x-content-type-options')).toBe('nosniff');
            expect(r.headers.get('cache-control')).toBe('private, no-store');
            expect(r.headers.get('content-security-policy')).toBe("default-src 'none'; sandbox");
          } else {
            expect(r.status, `${who.username} GET ${name}'s picture`).toBe(404);
            await r.body?.cancel();
          }
          const q = await portalPicture(who, sha(pics[name]), ids[name]);
          const body = (await q.json()) as { ok: boolean; value?: { mediaType: string; contentBase64: string } };
          expect(q.headers.get('x-content-type-options')).toBe('nosniff');
          if (q.status === 200) {
            letters += 'p';
            expect(body.value).toEqual({ mediaType: 'image/png', contentBase64: pics[name].toString('base64') });
          } else expect(q.status, `${who.username} portal.picture of ${name}`).toBe(who.role === 'auditor' ? 403 : 404);
          const want = expected.get(`${who.role}/${name}`);
          if ((letters || '·') !== want) differ.push(`${who.role} / ${name}: document ${want}, server ${letters || '·'}`);
        }
      }
      expect(differ).toEqual([]);
      // A technician of the other site, from their side: site B's articles are their own, site A's are not.
      for (const [name, code] of [['intB', 200], ['pubB', 200], ['pubA', 404], ['intA', 404], ['draftA', 404]] as const) {
        const r = await getPicture(techB, sha(pics[name]), ids[name]);
        expect(r.status, `bob GET ${name}'s picture`).toBe(code);
        await r.body?.cancel();
      }
      // A picture asked for as another article's (one its reader may read) is not served either.
      expect((await getPicture(reqA, sha(pics.intA), ids.pubA)).status).toBe(404);
      expect((await portalPicture(reqA, sha(pics.intB), ids.pubG)).status).toBe(404);
    });

    it('a technician naming evidence hashes (their site’s and another site’s) or another site’s picture in a public article gets requesters nothing', async () => {
      // Also the picture of site B's internal article: a picture, but not this article's.
      const body = `Steps\n\n![ours](blob:${sha(evidenceA)})\n![theirs](blob:${sha(evidenceB)})\n![rack](blob:${sha(pics.intB)})\n`;
      const attack = await article(techA, A, { visibility: 'public', status: 'draft', body });
      // An administrator publishes it without noticing.
      expect((await admin.one({ kind: 'setFields', entity: 'kb_articles', recordId: attack, scopeId: A, payload: { status: 'published', version: 1, published_at: new Date().toISOString() } })).status).toBe('applied');
      for (const ev of [evidenceA, evidenceB, pics.intB]) {
        for (const who of [reqA, techA, admin]) {
          expect((await getPicture(who, sha(ev), attack)).status, `${who.username}: evidence through the article`).toBe(404);
          expect((await portalPicture(who, sha(ev), attack)).status).toBe(404);
        }
      }
      // The evidence route still answers requesters as before: no evidence record they may read names it.
      expect((await fetch(`${server.url}/blobs/${sha(evidenceB)}`, { headers: { authorization: `Bearer ${reqA.token}` } })).status).toBe(403);

      // Knowing a hash makes nothing a picture: the server holds the file, yet asks for every byte …
      const status = await fetch(`${server.url}/blobs/${sha(evidenceB)}/status?article=${attack}`, { headers: { authorization: `Bearer ${techA.token}` } });
      expect(((await status.json()) as { value: { stored: boolean; received: number } }).value).toMatchObject({ stored: false, received: 0 });
      // … and bytes that are not the file are refused when the last one arrives.
      const forged = png('anything else');
      const up = await put(techA, sha(evidenceB), forged, forged.length, attack);
      expect(up.status).toBe(422);
      expect((await getPicture(reqA, sha(evidenceB), attack)).status).toBe(404);
    });

    it('only people who write an article upload its pictures, and only pictures', async () => {
      const pic = png('a new screenshot');
      const forA = ids.draftA;
      for (const [who, status] of [[reqA, 403], [audA, 403], [techB, 404]] as const) {
        const r = await put(who, sha(pic), pic, pic.length, forA);
        expect(r.status, `${who.username} uploading a picture for a site A article`).toBe(status);
      }
      expect((await put(techA, sha(pic), pic, pic.length, uuidv7())).status, 'an article the server does not hold').toBe(404);
      // A page or an SVG with script is no picture, whatever its name.
      for (const text of ['<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', '<html><script>alert(1)</script></html>']) {
        const bytes = Buffer.from(text);
        const r = await put(techA, sha(bytes), bytes, bytes.length, forA);
        expect(r.status).toBe(422);
        expect(((await r.json()) as { error: { code: string } }).error.code).toBe('not_a_picture');
      }
      // Uploaded for one article, a picture is that article's only while its body shows it.
      expect((await put(techA, sha(pic), pic, pic.length, forA)).status).toBe(200);
      expect((await getPicture(techA, sha(pic), forA)).status, 'not shown by the article').toBe(404);
      const draft = await article(techA, A, { visibility: 'public', status: 'draft', body: `![new](blob:${sha(pic)})` });
      expect((await getPicture(techA, sha(pic), draft)).status, 'not uploaded for this article yet').toBe(404);
      expect((await put(techA, sha(pic), pic, pic.length, draft)).status).toBe(200);
      expect((await getPicture(techA, sha(pic), draft)).status).toBe(200);
      expect((await getPicture(reqA, sha(pic), draft)).status, 'a draft is not a requester’s').toBe(404);
    });
  });
}
