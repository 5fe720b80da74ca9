/**
 * Triage suggestions over the real browser host: a technician's resolved tickets teach the device,
 * `triage.suggest` answers a new VPN ticket with the network category and team (with confidences) and
 * the similar tickets, accepting the suggestion is an ordinary edit, and a requester gets no suggestions.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRuntime, type StartedRuntime } from '../../runtime';
import { startHost, type Host } from '../../host/server';
import { tempDir } from '../../testing';
import type { TriageSuggestions } from '../../../shared/api/triage';

let tmp: ReturnType<typeof tempDir>;
let rt: StartedRuntime;
let host: Host;
const tokens = { admin: '', tech: '', req: '' };
let network = '';

async function post<T = Record<string, unknown>>(name: string, input: unknown, token: string) {
  const res = await fetch(`${host.url}/api/${name}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify(input),
  });
  return { status: res.status, body: (await res.json()) as { ok: boolean; value: T; error?: { code: string; message: string } } };
}
async function ok<T = Record<string, unknown>>(name: string, input: unknown, token: string): Promise<T> {
  const r = await post<T>(name, input, token);
  expect(r.body.error, `${name}: ${JSON.stringify(r.body.error)}`).toBeUndefined();
  return r.body.value;
}

beforeAll(async () => {
  tmp = tempDir('outpost-triage-http-');
  rt = startRuntime({ dataDir: tmp.dir });
  host = await startHost(rt, { port: 0, staticDir: null });
  const init = await post<{ token: string }>(
    'setup.init',
    { admin: { username: 'admin', displayName: 'Ada Admin', password: 'password123' }, site: { name: 'HQ' } },
    '',
  );
  tokens.admin = init.body.value.token;
  const siteId = (await ok<{ items: { id: string }[] }>('sites.list', {}, tokens.admin)).items[0]!.id;
  for (const [username, role] of [['tech', 'technician'], ['rita', 'requester']] as const)
    await ok('users.create', { username, displayName: username, role, password: 'password123', siteIds: [siteId] }, tokens.admin);
  tokens.tech = (await ok<{ token: string }>('session.login', { username: 'tech', password: 'password123' }, '')).token;
  tokens.req = (await ok<{ token: string }>('session.login', { username: 'rita', password: 'password123' }, '')).token;
  network = (await ok<{ id: string }>('groups.create', { name: 'Network team' }, tokens.admin)).id;
  const desk = (await ok<{ id: string }>('groups.create', { name: 'Desk support' }, tokens.admin)).id;
  const past: [string, string, string][] = [
    ['VPN drops every hour at home', 'Network', network],
    ['Cannot connect to VPN from the hotel', 'Network', network],
    ['VPN gateway unreachable after update', 'Network', network],
    ['Wi-Fi keeps dropping in room 4', 'Network', network],
    ['Printer on floor 3 jams paper', 'Hardware', desk],
    ['Laptop battery drains fast', 'Hardware', desk],
    ['Monitor flickers after docking', 'Hardware', desk],
  ];
  for (const [title, category, groupId] of past) {
    const t = await ok<{ id: string }>('tickets.create', { type: 'incident', title, description: '', impact: 3, urgency: 3, category, groupId }, tokens.tech);
    await ok('tickets.transition', { id: t.id, to: 'in_progress' }, tokens.tech);
    await ok('tickets.transition', { id: t.id, to: 'resolved', resolutionCode: 'solved_permanently', resolutionNotes: 'Fixed' }, tokens.tech);
  }
});
afterAll(async () => {
  await host?.close();
  rt?.close();
  tmp?.cleanup();
});

describe('triage suggestions over HTTP', () => {
  it('suggests category and group for a new VPN ticket once the device has trained on its resolved tickets', async () => {
    const input = { title: 'VPN keeps disconnecting', description: 'From home since this morning' };
    let s = await ok<TriageSuggestions>('triage.suggest', input, tokens.tech);
    // The first call may find the model still training (it never makes the caller wait for it).
    for (let i = 0; i < 50 && s.model.state !== 'ready'; i++) {
      await new Promise((r) => setTimeout(r, 50));
      s = await ok<TriageSuggestions>('triage.suggest', input, tokens.tech);
    }
    expect(s.model).toMatchObject({ state: 'ready', trainedOn: 7 });
    expect(s.category[0]).toMatchObject({ value: 'Network', label: 'Network' });
    expect(s.category[0]!.confidence).toBeGreaterThan(0.5);
    expect(s.group[0]).toMatchObject({ value: network, label: 'Network team' });
    expect(s.similar.map((x) => x.title)).toContain('VPN drops every hour at home');

    // Accepting is the user's own edit of the ticket, through the ordinary call.
    const t = await ok<{ id: string; category: string | null }>('tickets.create', { type: 'incident', ...input, impact: 3, urgency: 3 }, tokens.tech);
    expect(t.category).toBeNull();
    const edited = await ok<{ category: string; groupId: string }>('tickets.update', { id: t.id, fields: { category: s.category[0]!.value, groupId: s.group[0]!.value } }, tokens.tech);
    expect(edited).toMatchObject({ category: 'Network', groupId: network });
  });

  it('rejects bad input with a specific error and gives a requester no suggestions', async () => {
    const bad = await post('triage.suggest', { title: 'VPN', ticketId: 'not-an-id' }, tokens.tech);
    expect(bad.status).toBe(400);
    expect(bad.body.error?.message).toContain('UUID');
    const req = await post('triage.suggest', { title: 'VPN keeps disconnecting' }, tokens.req);
    expect(req.status).toBe(403);
    expect(req.body.ok).toBe(false);
  });
});
