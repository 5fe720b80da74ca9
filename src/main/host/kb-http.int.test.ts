/**
 * The knowledge base over the real browser host, as a team uses it: a technician writes an article
 * with a picture and edits it, an administrator publishes it, it is suggested while a new ticket is
 * typed, the ticket is marked solved with it (and unmarked), and a requester reads the public
 * article and its picture but nothing of a draft; bad input gets a specific error.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHost, type TestHost } from '../testing/host';
import type { KbArticle, KbArticleSummary, KbHit } from '../../shared/api/kb';

// A 1×1 PNG.
const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==';

let h: TestHost;
const tech = () => h.tokens.tech!;
const admin = () => h.tokens.admin!;
const rita = () => h.tokens.rita!;

beforeAll(async () => {
  h = await startTestHost({ prefix: 'outpost-kb-http-', people: { tech: 'technician', rita: 'requester' } });
});
afterAll(async () => {
  await h?.close();
});

describe('knowledge base over HTTP', () => {
  it('writes, publishes, suggests and links an article, and a requester reads only what is public', async () => {
    const img = await h.ok<{ sha256: string; markdown: string }>('kb.addImage', { fileName: 'vpn-settings.png', contentBase64: PNG }, tech());
    expect(img.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(img.markdown).toBe(`![vpn-settings](blob:${img.sha256})`);

    const a = await h.ok<KbArticle>(
      'kb.create',
      { title: 'Reconnect the VPN client', body: 'Open the client.', category: 'Network', tags: ['vpn'], visibility: 'public' },
      tech(),
    );
    expect(a).toMatchObject({ status: 'draft', version: 0, tags: ['vpn'] });
    const edited = await h.ok<KbArticle>('kb.update', { id: a.id, body: `Open the VPN client and press Reconnect.\n\n${img.markdown}` }, tech());
    expect(edited.body).toContain('press Reconnect');
    expect(edited.body).toContain(`blob:${img.sha256}`);

    // A requester sees nothing of a draft, not even its picture.
    expect((await h.post('kb.get', { id: a.id }, rita())).body.error?.message).toMatch(/No such article/);
    expect((await h.post('kb.image', { sha256: img.sha256 }, rita())).body.ok).toBe(false);

    await h.ok('kb.move', { id: a.id, to: 'in_review' }, tech());
    // Publishing is an administrator's.
    expect((await h.post('kb.move', { id: a.id, to: 'published' }, tech())).body.ok).toBe(false);
    const pub = await h.ok<KbArticle>('kb.move', { id: a.id, to: 'published' }, admin());
    expect(pub).toMatchObject({ status: 'published', version: 1 });

    // Suggested while a new ticket about the VPN is typed.
    const sug = await h.ok<{ items: KbHit[] }>('kb.suggest', { text: 'VPN will not reconnect after sleep' }, tech());
    expect(sug.items.map((x) => x.id)).toContain(a.id);

    // Solved with this article: counted, listed on the ticket, and removable.
    const t = await h.ok<{ id: string }>('tickets.create', { type: 'incident', title: 'VPN will not reconnect', description: '', impact: 3, urgency: 3 }, tech());
    const solved = await h.ok<{ linked: boolean; solvedCount: number }>('kb.solved', { ticketId: t.id, articleId: a.id }, tech());
    expect(solved).toMatchObject({ linked: true, solvedCount: 1 });
    const forTicket = await h.ok<{ items: KbArticleSummary[] }>('kb.forTicket', { ticketId: t.id }, tech());
    expect(forTicket.items.map((x) => x.number)).toEqual([pub.number]);
    expect((await h.ok<KbArticle>('kb.get', { id: a.id }, tech())).solvedCount).toBe(1);
    expect(await h.ok('kb.solved', { ticketId: t.id, articleId: a.id, present: false }, tech())).toMatchObject({ linked: false, solvedCount: 0 });
    expect((await h.ok<{ items: KbArticleSummary[] }>('kb.forTicket', { ticketId: t.id }, tech())).items).toEqual([]);

    // The requester reads the published public article and the picture it shows; cannot mark tickets.
    expect((await h.ok<KbArticle>('kb.get', { id: a.id }, rita())).revisions).toEqual([]);
    const pic = await h.ok<{ mediaType: string; contentBase64: string }>('kb.image', { sha256: img.sha256 }, rita());
    expect(pic).toEqual({ mediaType: 'image/png', contentBase64: PNG });
    // The portal's help article shows it too, as that article's picture only.
    expect(await h.ok('portal.picture', { articleId: a.id, sha256: img.sha256 }, rita())).toEqual({ mediaType: 'image/png', contentBase64: PNG });
    const other = await h.ok<KbArticle>('kb.create', { title: 'Printer', body: 'No picture.', visibility: 'public' }, admin());
    expect((await h.post('portal.picture', { articleId: other.id, sha256: img.sha256 }, rita())).body.error?.message).toMatch(/No such picture/);
    expect((await h.post('kb.solved', { ticketId: t.id, articleId: a.id }, rita())).status).toBe(403);
    expect((await h.post('kb.forTicket', { ticketId: t.id }, rita())).status).toBe(403);
  });

  it('refuses bad input with a specific error', async () => {
    const notPicture = await h.post('kb.addImage', { fileName: 'notes.txt', contentBase64: Buffer.from('plain text').toString('base64') }, tech());
    expect(notPicture.body.ok).toBe(false);
    expect(notPicture.body.error?.message).toMatch(/PNG|JPEG|picture/i);
    const badName = await h.post('kb.image', { sha256: 'abc' }, tech());
    expect(badName.status).toBe(400);
    expect(badName.body.error?.message).toContain('SHA-256');
    const commaTag = await h.post('kb.update', { id: '00000000-0000-4000-8000-000000000000', tags: ['a,b'] }, tech());
    expect(commaTag.status).toBe(400);
    expect(commaTag.body.error?.message).toContain('commas');
  });
});
