/**
 * The knowledge base on a real store: numbers KB0000001 on, the status machine (only administrators
 * publish), a revision kept at each publish, ranked full-text search with marked snippets,
 * suggestions from a ticket's words, "solved with this article" counts, and requesters reading
 * published public articles only.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeWorld, type World } from '../../testing';
import { createTicket } from '../tickets/tickets';
import { blobStoreOf } from '../evidence/blobs';
import { portalPicture } from '../portal/portal';
import { addImage, articleImage, articlesForTicket, createArticle, getArticle, listArticles, markSolved, moveArticle, searchArticles, suggestArticles, updateArticle } from './kb';

let w: World;
beforeEach(() => {
  w = makeWorld();
});
afterEach(() => w.dispose());

const VPN = `# VPN drops every few minutes

When the **VPN** disconnects on hotel Wi-Fi, lower the MTU:

| Setting | Value |
| --- | --- |
| MTU | 1380 |

\`\`\`
netsh interface ipv4 set subinterface "Wi-Fi" mtu=1380
\`\`\`
`;

function published(title: string, body: string, visibility: 'internal' | 'public' = 'internal') {
  const a = createArticle(w.ctx(w.admin, 'kb.create'), { title, body, visibility, siteId: null, tags: ['network'] });
  return moveArticle(w.ctx(w.admin, 'kb.move'), a.id, 'published');
}

describe('knowledge base', () => {
  it('numbers articles and moves them draft → in review → published, only administrators publishing', () => {
    const tech = w.user('technician');
    const a = createArticle(w.ctx(tech, 'kb.create'), { title: 'Reset a forgotten password', body: 'Use the self-service page.', visibility: 'public', siteId: null, tags: ['Accounts', 'accounts', 'Self-service'] });
    const b = createArticle(w.ctx(tech, 'kb.create'), { title: 'Printer jams', body: '', visibility: 'internal', siteId: w.siteId });
    expect([a.number, b.number]).toEqual(['KB0000001', 'KB0000002']);
    expect(a).toMatchObject({ status: 'draft', version: 0, siteId: null, ownerId: tech.id, tags: ['Accounts', 'Self-service'] });
    expect(b.siteId).toBe(w.siteId);

    expect(() => moveArticle(w.ctx(tech, 'kb.move'), a.id, 'published')).toThrow(/Only administrators publish/);
    expect(moveArticle(w.ctx(tech, 'kb.move'), a.id, 'in_review').status).toBe('in_review');
    expect(() => moveArticle(w.ctx(tech, 'kb.move'), a.id, 'retired')).toThrow(/cannot move to Retired/);
    const p = moveArticle(w.ctx(w.admin, 'kb.move'), a.id, 'published');
    expect(p).toMatchObject({ status: 'published', version: 1 });
    expect(p.publishedAt).not.toBeNull();
    // A technician cannot change what readers of a published article see.
    expect(() => updateArticle(w.ctx(tech, 'kb.update'), { id: a.id, body: 'Call the desk.' })).toThrow(/Only administrators change a published article/);
    expect(getArticle(w.ctx(tech), a.id).body).toBe('Use the self-service page.');
    // An empty article is not published.
    expect(() => moveArticle(w.ctx(w.admin, 'kb.move'), b.id, 'published')).toThrow(/Write the article/);
  });

  it('keeps each published version as a revision, newest first, with who published it', () => {
    const a = published('VPN drops', 'Version one.');
    w.clock.advance(60_000);
    const v2 = updateArticle(w.ctx(w.admin, 'kb.update'), { id: a.id, body: 'Version two.' });
    expect(v2).toMatchObject({ status: 'published', version: 2, body: 'Version two.' });
    // Sent back to draft, reworked, published again: three versions in the history.
    const tech = w.user('technician');
    moveArticle(w.ctx(tech, 'kb.move'), a.id, 'draft');
    updateArticle(w.ctx(tech, 'kb.update'), { id: a.id, title: 'VPN drops on hotel Wi-Fi', body: 'Version three.' });
    const v3 = moveArticle(w.ctx(w.admin, 'kb.move'), a.id, 'published');
    expect(v3.revisions.map((r) => [r.version, r.title, r.body, r.actorName])).toEqual([
      [3, 'VPN drops on hotel Wi-Fi', 'Version three.', 'Ada Admin'],
      [2, 'VPN drops', 'Version two.', 'Ada Admin'],
      [1, 'VPN drops', 'Version one.', 'Ada Admin'],
    ]);
    // Revisions are append-only children sent as such.
    const ops = w.store.sqlite.prepare("SELECT kind FROM pending_ops WHERE entity = 'kb_article_revisions'").pluck().all();
    expect(ops).toEqual(['append', 'append', 'append']);
  });

  it('finds articles by their words, ranked, with the matches marked in a snippet', () => {
    const vpn = published('VPN drops every few minutes', VPN);
    published('Outlook asks for a password again', 'Remove the cached credentials in Credential Manager, then restart Outlook.');
    published('Wi-Fi printer offline', 'Reconnect the printer to the office Wi-Fi; the VPN is not involved.');
    const hits = searchArticles(w.ctx(w.admin), { q: 'vpn mtu', limit: 20 }).items;
    expect(hits.map((h) => h.number)).toEqual([vpn.number]);
    expect(hits[0]!.snippet).toContain('\u0002MTU\u0003');
    const vpnHits = searchArticles(w.ctx(w.admin), { q: 'vpn', limit: 20 }).items;
    // The article with VPN in its title ranks above the one that mentions it once in its body.
    expect(vpnHits.map((h) => h.title)).toEqual(['VPN drops every few minutes', 'Wi-Fi printer offline']);
    // Prefix of the last word, as it is typed; tags are searched too.
    expect(searchArticles(w.ctx(w.admin), { q: 'credent', limit: 20 }).items.map((h) => h.title)).toEqual(['Outlook asks for a password again']);
    expect(searchArticles(w.ctx(w.admin), { q: 'network', limit: 20 }).items).toHaveLength(3);
    // Operators typed by a user are plain words, not FTS syntax.
    expect(searchArticles(w.ctx(w.admin), { q: 'vpn OR "NEAR(', limit: 20 }).items).toEqual([]);
  });

  it('suggests published articles for what a ticket says, and counts tickets solved with one', () => {
    const vpn = published('VPN drops every few minutes', VPN);
    const draft = createArticle(w.ctx(w.admin, 'kb.create'), { title: 'VPN client upgrade', body: 'Upcoming VPN change.', visibility: 'internal', siteId: null });
    const tech = w.user('technician');
    const s = suggestArticles(w.ctx(tech), 'My VPN keeps disconnecting at the hotel', 5).items;
    expect(s.map((h) => h.id)).toEqual([vpn.id]);
    expect(s.map((h) => h.id)).not.toContain(draft.id);
    expect(suggestArticles(w.ctx(tech), 'the and with', 5).items).toEqual([]);

    const t = createTicket(w.ctx(tech, 'tickets.create'), { type: 'incident', title: 'VPN drops', description: 'At the hotel', impact: 3, urgency: 3 });
    const r = markSolved(w.ctx(tech, 'kb.solved'), { ticketId: t.id, articleId: vpn.id, present: true });
    expect(r).toMatchObject({ solvedCount: 1, linked: true });
    // Marking twice counts once (one set member per ticket and article).
    expect(markSolved(w.ctx(tech, 'kb.solved'), { ticketId: t.id, articleId: vpn.id, present: true }).solvedCount).toBe(1);
    expect(getArticle(w.ctx(tech), vpn.id).solvedCount).toBe(1);
    expect(articlesForTicket(w.ctx(tech), t.id).items.map((a) => a.number)).toEqual([vpn.number]);
    const link = w.store.sqlite.prepare("SELECT kind, scope_id FROM pending_ops WHERE entity = 'kb_ticket_links'").all();
    expect(link).toEqual([{ kind: 'setAdd', scope_id: w.siteId }]);
    expect(() => markSolved(w.ctx(tech, 'kb.solved'), { ticketId: t.id, articleId: draft.id, present: true })).toThrow(/not published/);
    expect(markSolved(w.ctx(tech, 'kb.solved'), { ticketId: t.id, articleId: vpn.id, present: false }).solvedCount).toBe(0);
  });

  it('shows requesters published public articles only, whatever they ask for', () => {
    const pub = published('Connect to the guest Wi-Fi', 'Pick "Guest" and accept the terms.', 'public');
    const internal = published('Wi-Fi controller admin password rotation', 'Rotate the Wi-Fi controller password monthly.', 'internal');
    const draft = createArticle(w.ctx(w.admin, 'kb.create'), { title: 'Wi-Fi guide draft', body: 'Wi-Fi', visibility: 'public', siteId: null });
    const req = w.user('requester');
    const ctx = w.ctx(req);
    expect(searchArticles(ctx, { q: 'wi-fi', limit: 20 }).items.map((h) => h.id)).toEqual([pub.id]);
    // Asking for internal articles by filter changes nothing.
    expect(searchArticles(ctx, { q: 'wi-fi', visibility: 'internal', limit: 20 }).items).toEqual([]);
    expect(listArticles(ctx, { limit: 100, offset: 0 }).items.map((a) => a.id)).toEqual([pub.id]);
    expect(suggestArticles(ctx, 'wifi controller password guest', 5).items.map((h) => h.id)).toEqual([pub.id]);
    expect(() => getArticle(ctx, internal.id)).toThrow(/No such article/);
    expect(() => getArticle(ctx, draft.id)).toThrow(/No such article/);
    const seen = getArticle(ctx, pub.id);
    expect(seen.revisions).toEqual([]);
    // Retired: gone for requesters.
    moveArticle(w.ctx(w.admin, 'kb.move'), pub.id, 'retired');
    expect(() => getArticle(ctx, pub.id)).toThrow(/No such article/);
    // Staff see everything, with filters.
    expect(listArticles(w.ctx(w.admin), { status: 'draft', limit: 100, offset: 0 }).items.map((a) => a.id)).toEqual([draft.id]);
    expect(listArticles(w.ctx(w.admin), { visibility: 'internal', limit: 100, offset: 0 }).items.map((a) => a.id)).toEqual([internal.id]);
  });
});

describe('knowledge pictures', () => {
  const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.from('IHDR-test-bytes')]);

  it('keeps a picture in the blob store and shows it only to readers of an article that shows it', () => {
    const add = addImage(w.ctx(w.admin, 'kb.addImage'), { fileName: 'router-ports.png', contentBase64: PNG.toString('base64') });
    expect(add.markdown).toBe(`![router-ports](blob:${add.sha256})`);
    // Not shown by any article yet: nobody reads it through the knowledge base.
    expect(() => articleImage(w.ctx(w.admin), add.sha256)).toThrow(/No such picture/);
    const internal = published('Router ports', `Ports:\n\n${add.markdown}`, 'internal');
    const img = articleImage(w.ctx(w.admin), add.sha256);
    expect(img.mediaType).toBe('image/png');
    expect(Buffer.from(img.contentBase64, 'base64').equals(PNG)).toBe(true);
    const req = w.user('requester');
    expect(() => articleImage(w.ctx(req), add.sha256)).toThrow(/No such picture/);
    updateArticle(w.ctx(w.admin, 'kb.update'), { id: internal.id, visibility: 'public' });
    expect(articleImage(w.ctx(req), add.sha256).mediaType).toBe('image/png');
  });

  it('refuses what is not a picture, and requesters adding pictures', () => {
    expect(() => addImage(w.ctx(w.admin, 'kb.addImage'), { fileName: 'evil.png', contentBase64: Buffer.from('<svg onload=alert(1)>').toString('base64') })).toThrow(/not a PNG, JPEG, GIF or WebP/);
    expect(() => addImage(w.ctx(w.user('requester'), 'kb.addImage'), { fileName: 'a.png', contentBase64: PNG.toString('base64') })).toThrow(/Only administrators and technicians/);
  });

  it('never shows a file of the store that was not taken in as a picture (evidence), whatever an article names', () => {
    // A photo kept as evidence on this device: a picture by its bytes, but not one of an article.
    const evidence = blobStoreOf(w.store).write(Buffer.concat([PNG, Buffer.from('server room, kept as evidence')])).sha256;
    const tech = w.user('technician');
    // Written on this device, an article cannot name it …
    expect(() => createArticle(w.ctx(tech, 'kb.create'), { title: 'Server room', body: `![room](blob:${evidence})`, visibility: 'public', siteId: null })).toThrow(
      /was not added as a picture on this device/,
    );
    const a = published('Server room', 'See below.', 'public');
    expect(() => updateArticle(w.ctx(w.admin, 'kb.update'), { id: a.id, body: `![room](blob:${evidence})` })).toThrow(/was not added as a picture/);
    // … and one that arrives naming it (a modified device's, pulled) shows nothing of it, in the
    // knowledge base or the portal, to anyone.
    w.store.sqlite.prepare('UPDATE kb_articles SET body = ? WHERE id = ?').run(`![room](blob:${evidence})`, a.id);
    for (const who of [w.admin, tech, w.user('auditor'), w.user('requester')]) {
      expect(() => articleImage(w.ctx(who), evidence)).toThrow(/No such picture/);
      expect(() => articleImage(w.ctx(who), evidence, a.id)).toThrow(/No such picture/);
      if (who.role !== 'auditor') expect(() => portalPicture(w.ctx(who), a.id, evidence)).toThrow(/No such picture/);
    }
    // Pictures it already showed stay editable around: an edit that keeps them is not refused.
    const pic = addImage(w.ctx(tech, 'kb.addImage'), { fileName: 'rack.png', contentBase64: PNG.toString('base64') });
    const b = createArticle(w.ctx(tech, 'kb.create'), { title: 'Rack', body: pic.markdown, visibility: 'public', siteId: null });
    w.store.sqlite.prepare('DELETE FROM kb_picture_blobs').run();
    expect(updateArticle(w.ctx(tech, 'kb.update'), { id: b.id, body: `Rack:\n\n${pic.markdown}` }).body).toContain(pic.sha256);
  });

  it('shows a help article’s picture in the portal for a published public article only, whoever asks', () => {
    const pic = addImage(w.ctx(w.admin, 'kb.addImage'), { fileName: 'vpn.png', contentBase64: PNG.toString('base64') });
    const pub = published('VPN', pic.markdown, 'public');
    const internal = published('VPN (internal)', pic.markdown, 'internal');
    const draft = createArticle(w.ctx(w.admin, 'kb.create'), { title: 'VPN draft', body: pic.markdown, visibility: 'public', siteId: null });
    for (const who of [w.admin, w.user('technician'), w.user('requester')]) {
      expect(portalPicture(w.ctx(who), pub.id, pic.sha256)).toEqual({ mediaType: 'image/png', contentBase64: PNG.toString('base64') });
      for (const other of [internal.id, draft.id]) expect(() => portalPicture(w.ctx(who), other, pic.sha256)).toThrow(/No such picture/);
    }
    // Named with an article that does not show it, it is not served either.
    const plain = published('Other', 'No pictures here.', 'public');
    expect(() => portalPicture(w.ctx(w.admin), plain.id, pic.sha256)).toThrow(/No such picture/);
    // Staff and auditors read the internal article's picture in the knowledge base; requesters do not.
    expect(articleImage(w.ctx(w.user('auditor')), pic.sha256, internal.id).mediaType).toBe('image/png');
    expect(() => articleImage(w.ctx(w.user('requester')), pic.sha256, internal.id)).toThrow(/No such picture/);
    expect(() => articleImage(w.ctx(w.user('requester')), pic.sha256, draft.id)).toThrow(/No such picture/);
  });
});
