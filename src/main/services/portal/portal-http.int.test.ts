/**
 * The requester portal served by the central server, over real HTTP: a requester signs in at
 * /portal with their server account, submits a catalogue request, a technician's device pulls it
 * and answers offline with a public comment and an internal note, and after the sync the requester
 * sees the public comment only. Another requester cannot read or write that ticket through /portal,
 * a modified client cannot push a request whose form is incomplete, and calls from another origin
 * are refused.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, serverLogin, serverPost, startDevice, startTestServer, type Device, type TestServer } from '../../../testing/sync-harness';
import { signIn } from '../../../server/testing/actors';
import { uuidv7 } from '../../../shared/ids';
import type { PortalTicket, PortalTicketDetail } from '../../../shared/api/portal';
import type { CatalogueItem } from '../../../shared/catalogue/items';

const PG = process.env.OUTPOST_TEST_PG_URL;

interface Answer<T> {
  status: number;
  body: { ok: true; value: T } | { ok: false; error: { code: string; message: string } };
}

async function portal<T>(server: TestServer, name: string, input: unknown, token?: string, headers: Record<string, string> = {}): Promise<Answer<T>> {
  const res = await fetch(`${server.url}/portal/api/${name}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
    body: JSON.stringify(input),
  });
  return { status: res.status, body: (await res.json()) as Answer<T>['body'] };
}

function value<T>(a: Answer<T>): T {
  if (!a.body.ok) throw new Error(`${a.status}: ${a.body.error.message}`);
  return a.body.value;
}

async function portalSignIn(server: TestServer, username: string): Promise<string> {
  return value(await portal<{ accessToken: string }>(server, 'portal.signIn', { username, password: 'password123' })).accessToken;
}

for (const variant of ['sqlite', 'postgres'] as const) {
  describe.skipIf(variant === 'postgres' && !PG)(`the requester portal on the server (${variant} store)`, () => {
    let server: TestServer;
    let tech: Device;
    let item: CatalogueItem;
    let hq: string;
    let groupId: string;

    beforeAll(async () => {
      server = await startTestServer({ pgUrl: variant === 'postgres' ? PG : undefined });
      tech = await startDevice({ site: 'HQ' });
      await tech.call('sync.join', { serverUrl: server.url, ...ADMIN });
      hq = (await tech.call('sites.list')).items.find((s) => s.name === 'HQ')!.id;
      groupId = (await tech.call('groups.create', { name: 'Hardware desk' })).id;
      item = await tech.call('catalogue.save', {
        name: 'New laptop',
        description: 'A laptop for work, set up and ready.',
        section: 'Hardware',
        icon: 'laptop',
        ticketType: 'request',
        ticketCategory: 'Hardware',
        groupId,
        fields: [
          { key: 'model', label: 'Laptop model', kind: 'select', required: true, options: ['13-inch', '15-inch'] },
          { key: 'needed_by', label: 'Needed by', kind: 'date', required: false },
          { key: 'accessories', label: 'Accessories', kind: 'textarea', required: false },
          { key: 'agree', label: 'I will return my old laptop', kind: 'checkbox', required: true },
        ],
      });
      for (const [title, visibility] of [['Connect to the VPN', 'public'], ['VPN concentrator runbook', 'internal']] as const) {
        const a = await tech.call('kb.create', { title, body: `## ${title}\n\nOpen the VPN app and sign in with your usual account.`, visibility, category: 'Network' });
        await tech.call('kb.move', { id: a.id, to: 'published' });
      }
      await tech.call('kb.create', { title: 'VPN draft', body: 'Not yet.', visibility: 'public' });
      await tech.call('sync.now');
      const admin = await serverLogin(server);
      for (const username of ['rita', 'ravi']) {
        expect((await serverPost(server, '/auth/users', { username, password: 'password123', role: 'requester', sites: [hq] }, admin)).status).toBe(200);
      }
    });
    afterAll(async () => {
      tech?.close();
      await server?.close();
    });

    it('a requester submits through /portal; a technician answers offline; the requester sees the public comment only', async () => {
      const rita = await portalSignIn(server, 'rita');
      const catalogue = value(await portal<{ items: CatalogueItem[] }>(server, 'portal.catalogue', {}, rita));
      expect(catalogue.items.map((i) => i.name)).toEqual(['New laptop']);
      expect(catalogue.items[0]!.fields.map((f) => f.label)).toContain('Laptop model');

      const submitted = value(
        await portal<{ id: string; number: string }>(
          server,
          'portal.submit',
          { itemId: item.id, title: 'Laptop for the new starter', description: 'Starts on Monday.', answers: { model: '13-inch', needed_by: '2026-12-14', accessories: 'Mouse\nDock', agree: true } },
          rita,
        ),
      );
      // Numbered by the server (the portal numbers provisionally, as an offline device does).
      expect(submitted.number).toMatch(/^REQ\d{7}$/);

      // The technician's device pulls it like any other ticket: in the item's group, answers in words.
      await tech.call('sync.now');
      const t = await tech.call('tickets.get', { id: submitted.id });
      expect(t).toMatchObject({ number: submitted.number, type: 'request', category: 'Hardware', groupId, contactChannel: 'portal', status: 'new' });
      expect(t.description).toContain('Starts on Monday.');
      expect(t.description).toContain('**Laptop model:** 13-inch');
      expect(t.description).toContain('**I will return my old laptop:** Yes');
      expect(t.timeline.some((e) => e.kind === 'status' && e.to === 'new')).toBe(true);

      // Offline: a public answer and an internal note, then the device syncs.
      await tech.call('tickets.comment', { id: submitted.id, body: 'We have a 13-inch in stock; it will be ready on Friday.' });
      await tech.call('tickets.comment', { id: submitted.id, body: 'INTERNAL: take it from the spare shelf, asset tag pending', internal: true });
      await tech.call('sync.now');

      const detail = value(await portal<PortalTicketDetail>(server, 'portal.ticket', { id: submitted.id }, rita));
      const comments = detail.timeline.filter((e) => e.kind === 'comment');
      expect(comments.map((c) => (c.kind === 'comment' ? c.body : ''))).toEqual(['We have a 13-inch in stock; it will be ready on Friday.']);
      expect(JSON.stringify(detail)).not.toContain('INTERNAL');
      expect(detail.answers).toMatchObject({ model: '13-inch', agree: true });
      expect(detail.can).toEqual({ comment: true, cancel: true, reopen: false, close: false });

      // The requester answers back; the technician's device receives it.
      value(await portal(server, 'portal.comment', { id: submitted.id, body: 'Thank you, Friday is fine.' }, rita));
      await tech.call('sync.now');
      const after = await tech.call('tickets.get', { id: submitted.id });
      expect(after.timeline.some((e) => e.kind === 'comment' && e.body === 'Thank you, Friday is fine.' && !e.internal)).toBe(true);

      const mine = value(await portal<{ items: PortalTicket[] }>(server, 'portal.myTickets', {}, rita));
      expect(mine.items.map((x) => x.number)).toEqual([submitted.number]);
      expect(mine.items[0]!.catalogueItemName).toBe('New laptop');
    });

    it('help articles: a requester reads the published public ones only, searched by their words', async () => {
      const rita = await portalSignIn(server, 'rita');
      const all = value(await portal<{ items: { id: string; title: string; excerpt: string }[] }>(server, 'portal.articles', {}, rita));
      expect(all.items.map((a) => a.title)).toEqual(['Connect to the VPN']);
      const hit = value(await portal<{ items: { id: string; title: string; excerpt: string }[] }>(server, 'portal.articles', { q: 'usual account' }, rita));
      expect(hit.items[0]!.excerpt).toContain('usual account');
      expect(value(await portal<{ items: unknown[] }>(server, 'portal.articles', { q: 'printer' }, rita)).items).toEqual([]);
      const article = value(await portal<{ body: string }>(server, 'portal.article', { id: all.items[0]!.id }, rita));
      expect(article.body).toContain('Open the VPN app');
      // The app answers the same call with the same articles, whoever looks.
      expect((await tech.call('portal.articles', { q: '' })).items.map((a) => a.title)).toEqual(['Connect to the VPN']);
    });

    it('"Report a problem" raises an incident; the requester cancels it and the technician sees it cancelled', async () => {
      const rita = await portalSignIn(server, 'rita');
      const missing = await portal(server, 'portal.submit', { itemId: null, title: 'Printer jams', description: '   ' }, rita);
      expect(missing.status).toBe(400);
      const p = value(await portal<{ id: string; number: string }>(server, 'portal.submit', { itemId: null, title: 'Printer jams', description: 'Every page jams on floor 2.', urgency: 2 }, rita));
      expect(p.number).toMatch(/^INC\d{7}$/);
      value(await portal(server, 'portal.move', { id: p.id, move: 'cancel', reason: 'It works again.' }, rita));
      const again = await portal(server, 'portal.move', { id: p.id, move: 'cancel' }, rita);
      expect(again.status).toBe(409);
      await tech.call('sync.now');
      expect((await tech.call('tickets.get', { id: p.id })).status).toBe('cancelled');
    });

    it('a required field left out is refused with its name, by the portal and by the server for a modified client', async () => {
      const rita = await portalSignIn(server, 'rita');
      const r = await portal(server, 'portal.submit', { itemId: item.id, title: 'Laptop', answers: { agree: true } }, rita);
      expect(r.status).toBe(400);
      expect(r.body.ok === false && r.body.error.message).toBe('“Laptop model” is required.');
      const badOption = await portal(server, 'portal.submit', { itemId: item.id, title: 'Laptop', answers: { model: '17-inch', agree: true } }, rita);
      expect(badOption.body.ok === false && badOption.body.error.message).toBe('“Laptop model” must be one of: 13-inch, 15-inch.');

      // A device that skips its own check: the server judges the answers against the item's form.
      const device = await signIn(server.url, 'rita', 'password123', 'requester');
      const id = uuidv7();
      const op = await device.one({
        kind: 'create',
        entity: 'tickets',
        recordId: id,
        scopeId: hq,
        payload: {
          number: 'REQ-P-ABCDEF-1',
          type: 'request',
          title: 'Laptop',
          description: '',
          impact: 3,
          urgency: 3,
          priority: 4,
          status: 'new',
          is_open: 1,
          opened_at: new Date().toISOString(),
          requester_id: device.personId,
          catalogue_item_id: item.id,
          form_answers: JSON.stringify({ agree: true }),
        },
      });
      expect(op.status).toBe('rejected');
      expect(op.reason).toBe('The request form “New laptop” was not filled in correctly: “Laptop model” is required.');
      expect((await device.pullAll()).some((c) => c.id === id)).toBe(false);
    });

    it('another requester can neither read nor write that ticket through /portal', async () => {
      const rita = await portalSignIn(server, 'rita');
      const own = value(await portal<{ id: string }>(server, 'portal.submit', { itemId: null, title: 'VPN drops', description: 'Every hour.' }, rita));
      const ravi = await portalSignIn(server, 'ravi');
      expect(value(await portal<{ items: PortalTicket[] }>(server, 'portal.myTickets', {}, ravi)).items).toEqual([]);
      for (const [name, input] of [
        ['portal.ticket', { id: own.id }],
        ['portal.comment', { id: own.id, body: 'I can see this' }],
        ['portal.move', { id: own.id, move: 'cancel' }],
      ] as const) {
        const r = await portal(server, name, input, ravi);
        expect(r.status, name).toBe(404);
      }
      // Nothing of ravi's reached the ticket.
      await tech.call('sync.now');
      const t = await tech.call('tickets.get', { id: own.id });
      expect(t.status).toBe('new');
      expect(t.timeline.some((e) => e.kind === 'comment')).toBe(false);
      // Staff-only and unknown calls are not part of the portal.
      expect((await portal(server, 'tickets.list', {}, ravi)).status).toBe(404);
    });

    it('an item an administrator removes leaves the server portal once their device syncs', async () => {
      const extra = await tech.call('catalogue.save', { name: 'Desk phone', section: 'Hardware', icon: 'phone', fields: [] });
      await tech.call('sync.now');
      const rita = await portalSignIn(server, 'rita');
      const names = async () => value(await portal<{ items: CatalogueItem[] }>(server, 'portal.catalogue', {}, rita)).items.map((i) => i.name);
      expect(await names()).toEqual(['Desk phone', 'New laptop']);
      expect((await tech.call('catalogue.list', {})).items.map((i) => i.name)).toContain('Desk phone');
      await tech.call('catalogue.delete', { id: extra.id });
      await tech.call('sync.now');
      expect(await names()).toEqual(['New laptop']);
      expect((await portal(server, 'portal.submit', { itemId: extra.id, title: 'Phone' }, rita)).status).toBe(404);
    });

    it('answers one person a limited number of calls a minute, and other people still', async () => {
      const token = await portalSignIn(server, 'rita');
      let last: Answer<unknown> | null = null;
      let calls = 0;
      for (; calls <= 500 && last?.status !== 429; calls++) last = await portal(server, 'portal.catalogue', {}, token);
      expect(last!.status).toBe(429);
      // 120 a minute (server/portal.ts), counted in fixed minutes: at most two minutes' worth if a
      // minute turned during the loop; the other tests of this file made some of them already.
      expect(calls).toBeLessThanOrEqual(241);
      expect(last!.body.ok ? null : last!.body.error.message).toContain('at most 120 requests a minute per person');
      expect((await portal(server, 'portal.catalogue', {}, await portalSignIn(server, 'ravi'))).status).toBe(200);
    });

    it('refuses calls from another origin, without JSON, or without a token', async () => {
      const rita = await portalSignIn(server, 'rita');
      const cross = await portal(server, 'portal.myTickets', {}, rita, { origin: 'http://evil.example' });
      expect(cross.status).toBe(403);
      const crossSignIn = await portal(server, 'portal.signIn', { username: 'rita', password: 'password123' }, undefined, { origin: 'http://evil.example' });
      expect(crossSignIn.status).toBe(403);
      const form = await fetch(`${server.url}/portal/api/portal.myTickets`, { method: 'POST', headers: { 'content-type': 'text/plain', authorization: `Bearer ${rita}` }, body: '{}' });
      expect(form.status).toBe(415);
      expect((await portal(server, 'portal.myTickets', {})).status).toBe(401);
      const wrong = await portal(server, 'portal.signIn', { username: 'rita', password: 'not-it' });
      expect(wrong.status).toBe(401);
    });
  });
}
