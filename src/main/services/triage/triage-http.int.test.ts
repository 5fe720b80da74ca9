/**
 * Triage suggestions over the real browser host: a technician's resolved tickets teach the device,
 * `triage.suggest` answers a new VPN ticket with the network category and team (with confidences) and
 * the similar tickets, accepting the suggestion is an ordinary edit, and a requester gets no suggestions.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHost, type TestHost } from '../../testing/host';
import type { TriageSuggestions } from '../../../shared/api/triage';

let h: TestHost;
let network = '';
const tech = () => h.tokens.tech!;

beforeAll(async () => {
  h = await startTestHost({ prefix: 'outpost-triage-http-', people: { tech: 'technician', rita: 'requester' } });
  network = (await h.ok<{ id: string }>('groups.create', { name: 'Network team' }, h.tokens.admin)).id;
  const desk = (await h.ok<{ id: string }>('groups.create', { name: 'Desk support' }, h.tokens.admin)).id;
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
    const t = await h.ok<{ id: string }>('tickets.create', { type: 'incident', title, description: '', impact: 3, urgency: 3, category, groupId }, tech());
    await h.ok('tickets.transition', { id: t.id, to: 'in_progress' }, tech());
    await h.ok('tickets.transition', { id: t.id, to: 'resolved', resolutionCode: 'solved_permanently', resolutionNotes: 'Fixed' }, tech());
  }
});
afterAll(async () => {
  await h?.close();
});

describe('triage suggestions over HTTP', () => {
  it('suggests category and group for a new VPN ticket once the device has trained on its resolved tickets', async () => {
    const input = { title: 'VPN keeps disconnecting', description: 'From home since this morning' };
    let s = await h.ok<TriageSuggestions>('triage.suggest', input, tech());
    // The device trains at start and again as tickets are resolved (checked every few seconds), and
    // never makes a caller wait for it: ask until it has learnt from all seven.
    for (let i = 0; i < 150 && s.model.trainedOn !== 7; i++) {
      await new Promise((r) => setTimeout(r, 100));
      s = await h.ok<TriageSuggestions>('triage.suggest', input, tech());
    }
    expect(s.model).toMatchObject({ state: 'ready', trainedOn: 7 });
    expect(s.category[0]).toMatchObject({ value: 'Network', label: 'Network' });
    expect(s.category[0]!.confidence).toBeGreaterThan(0.5);
    expect(s.group[0]).toMatchObject({ value: network, label: 'Network team' });
    expect(s.similar.map((x) => x.title)).toContain('VPN drops every hour at home');

    // Accepting is the user's own edit of the ticket, through the ordinary call.
    const t = await h.ok<{ id: string; category: string | null }>('tickets.create', { type: 'incident', ...input, impact: 3, urgency: 3 }, tech());
    expect(t.category).toBeNull();
    const edited = await h.ok<{ category: string; groupId: string }>('tickets.update', { id: t.id, fields: { category: s.category[0]!.value, groupId: s.group[0]!.value } }, tech());
    expect(edited).toMatchObject({ category: 'Network', groupId: network });
  });

  it('rejects bad input with a specific error and gives a requester no suggestions', async () => {
    const bad = await h.post('triage.suggest', { title: 'VPN', ticketId: 'not-an-id' }, tech());
    expect(bad.status).toBe(400);
    expect(bad.body.error?.message).toContain('UUID');
    const req = await h.post('triage.suggest', { title: 'VPN keeps disconnecting' }, h.tokens.rita);
    expect(req.status).toBe(403);
    expect(req.body.ok).toBe(false);
  });
});
