/**
 * Ticket tags and watchers over real HTTP: the browser host on a temp data dir, calls made with
 * fetch as the renderer makes them. Also the happy-path coverage of tickets.tag/untag/watch/unwatch/
 * link/unlink.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRuntime, type StartedRuntime } from '../runtime';
import { startHost, type Host } from './server';
import { tempDir } from '../testing';

let tmp: ReturnType<typeof tempDir>;
let rt: StartedRuntime;
let host: Host;

interface Reply {
  status: number;
  body: { ok: boolean; value?: unknown; error?: { code: string; message: string } };
}

async function post(name: string, input: unknown, token = ''): Promise<Reply> {
  const res = await fetch(`${host.url}/api/${name}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(input),
  });
  return { status: res.status, body: (await res.json()) as Reply['body'] };
}

async function ok<T>(name: string, input: unknown, token: string): Promise<T> {
  const r = await post(name, input, token);
  expect(r.body.error, `${name}: ${JSON.stringify(r.body.error)}`).toBeUndefined();
  expect(r.status).toBe(200);
  return r.body.value as T;
}

const tokens = { admin: '', requester: '' };
let ticketId = '';
let requesterId = '';

beforeAll(async () => {
  tmp = tempDir('outpost-ticket-sets-');
  rt = startRuntime({ dataDir: tmp.dir });
  host = await startHost(rt, { port: 0, staticDir: null });
  const init = await post('setup.init', { admin: { username: 'admin', displayName: 'Ada Admin', password: 'password123' }, site: { name: 'HQ' } });
  tokens.admin = (init.body.value as { token: string }).token;
  requesterId = (await ok<{ id: string }>('users.create', { username: 'req', displayName: 'Rita Requester', role: 'requester', password: 'password123' }, tokens.admin)).id;
  tokens.requester = (await ok<{ token: string }>('session.login', { username: 'req', password: 'password123' }, '')).token;
  ticketId = (await ok<{ id: string }>('tickets.create', { type: 'incident', title: 'VPN drops every hour', requesterId }, tokens.admin)).id;
});

afterAll(async () => {
  await host?.close();
  rt?.close();
  tmp?.cleanup();
});

describe('ticket tags over HTTP', () => {
  it('tickets.tag and tickets.untag: detail and queue follow', async () => {
    expect(await ok('tickets.tag', { id: ticketId, tag: '  VPN ' }, tokens.admin)).toEqual({ tags: ['VPN'] });
    expect(await ok('tickets.tag', { id: ticketId, tag: 'network' }, tokens.admin)).toEqual({ tags: ['network', 'VPN'] });
    // The same tag in another case is the same tag.
    expect(await ok('tickets.tag', { id: ticketId, tag: 'vpn' }, tokens.admin)).toEqual({ tags: ['network', 'VPN'] });
    expect((await ok<{ tags: string[] }>('tickets.get', { id: ticketId }, tokens.admin)).tags).toEqual(['network', 'VPN']);
    const byTag = await ok<{ items: { id: string }[] }>('tickets.list', { view: 'all', filter: { tag: ['vpn'] } }, tokens.admin);
    expect(byTag.items.map((t) => t.id)).toEqual([ticketId]);
    expect(await ok('tickets.untag', { id: ticketId, tag: 'Vpn' }, tokens.admin)).toEqual({ tags: ['network'] });
    expect((await ok<{ items: unknown[] }>('tickets.list', { view: 'all', filter: { tag: ['vpn'] } }, tokens.admin)).items).toEqual([]);
  });

  it('requesters cannot tag (403), and a comma is a clear 400', async () => {
    expect((await post('tickets.tag', { id: ticketId, tag: 'mine' }, tokens.requester)).status).toBe(403);
    const bad = await post('tickets.tag', { id: ticketId, tag: 'a,b' }, tokens.admin);
    expect(bad.status).toBe(400);
    expect(bad.body.error?.message).toMatch(/comma/i);
  });
});

describe('ticket watchers over HTTP', () => {
  it('tickets.watch and tickets.unwatch: a requester watches their own ticket', async () => {
    expect(await ok('tickets.watch', { id: ticketId }, tokens.requester)).toEqual({ watchers: [{ userId: requesterId, displayName: 'Rita Requester' }] });
    expect((await ok<{ watchers: unknown[] }>('tickets.get', { id: ticketId }, tokens.requester)).watchers).toHaveLength(1);
    expect(await ok('tickets.unwatch', { id: ticketId }, tokens.requester)).toEqual({ watchers: [] });
  });

  it('a requester cannot add someone else (403)', async () => {
    const me = await ok<{ id: string }>('session.me', {}, tokens.admin);
    const r = await post('tickets.watch', { id: ticketId, userId: me.id }, tokens.requester);
    expect(r.status).toBe(403);
  });
});

describe('ticket links over HTTP', () => {
  it('tickets.link and tickets.unlink: both tickets show the link; relates is one row either way', async () => {
    const other = await ok<{ id: string; number: string }>('tickets.create', { type: 'incident', title: 'VPN concentrator reboots' }, tokens.admin);
    const made = await ok<{ links: { kind: string; otherId: string; outgoing: boolean; otherNumber: string }[] }>(
      'tickets.link',
      { id: ticketId, otherId: other.id, kind: 'caused_by' },
      tokens.admin,
    );
    expect(made.links).toEqual([{ kind: 'caused_by', outgoing: true, otherId: other.id, otherNumber: other.number, otherTitle: 'VPN concentrator reboots' }]);
    const back = await ok<{ links: { kind: string; outgoing: boolean; otherId: string }[] }>('tickets.get', { id: other.id }, tokens.admin);
    expect(back.links).toMatchObject([{ kind: 'caused_by', outgoing: false, otherId: ticketId }]);
    await ok('tickets.link', { id: ticketId, otherId: other.id, kind: 'relates' }, tokens.admin);
    // Linking the other way round is the same "relates" link.
    expect((await ok<{ links: unknown[] }>('tickets.link', { id: other.id, otherId: ticketId, kind: 'relates' }, tokens.admin)).links).toHaveLength(2);
    expect((await ok<{ links: unknown[] }>('tickets.unlink', { id: other.id, otherId: ticketId, kind: 'relates' }, tokens.admin)).links).toHaveLength(1);
    expect((await ok<{ links: unknown[] }>('tickets.unlink', { id: ticketId, otherId: other.id, kind: 'caused_by' }, tokens.admin)).links).toEqual([]);
    const self = await post('tickets.link', { id: ticketId, otherId: ticketId, kind: 'relates' }, tokens.admin);
    expect(self.status).toBe(400);
    expect(self.body.error?.message).toMatch(/itself/);
    expect((await post('tickets.link', { id: ticketId, otherId: other.id, kind: 'relates' }, tokens.requester)).status).toBe(403);
  });
});
