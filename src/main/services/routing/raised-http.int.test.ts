/**
 * Who may route requesters' tickets (`routing.routeRaised`) over the real browser host: a requester
 * and an auditor are refused outright; a technician of another site routes nothing of this site's
 * tickets (the ticket waits, untouched, for staff of its site), nor does a technician who holds no
 * site; a technician of the ticket's site routes it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHost, type TestHost } from '../../testing/host';
import { TEST_PASSWORD } from '../../testing';

let h: TestHost;

beforeAll(async () => {
  h = await startTestHost({ prefix: 'outpost-route-raised-', people: { tech: 'technician', aud: 'auditor', rita: 'requester' } });
});
afterAll(async () => {
  await h?.close();
});

describe('routing.routeRaised by role and site', () => {
  it('refuses requesters and auditors, and touches no ticket of a site the caller does not hold', async () => {
    const admin = h.tokens.admin!;
    const other = await h.ok<{ id: string }>('sites.create', { name: 'Branch' }, admin);
    for (const [username, siteIds] of [['bob', [other.id]], ['nina', []]] as const) {
      await h.ok('users.create', { username, displayName: username, role: 'technician', password: TEST_PASSWORD, siteIds }, admin);
    }
    const login = async (username: string) => (await h.ok<{ token: string }>('session.login', { username, password: TEST_PASSWORD })).token;
    const bob = await login('bob');
    const nina = await login('nina');
    const group = await h.ok<{ id: string }>('groups.create', { name: 'Printers', memberIds: [h.ids.tech!] }, admin);
    await h.ok('routing.save', { name: 'Printers', position: 10, conditions: { words: ['printer'] }, actions: { groupId: group.id } }, admin);
    const raised = await h.ok<{ id: string; number: string }>('portal.submit', { title: 'The printer is jammed', description: 'Floor 2' }, h.tokens.rita!);
    const unrouted = { groupId: null, assigneeId: null, status: 'new' };
    expect(await h.ok('tickets.get', { id: raised.id }, admin)).toMatchObject(unrouted);

    for (const who of ['rita', 'aud'] as const) {
      const r = await h.post('routing.routeRaised', {}, h.tokens[who]);
      expect(r.status, who).toBe(403);
      expect(r.body.ok).toBe(false);
    }
    // Another site's technician, and one holding no site: nothing checked, nothing routed.
    for (const token of [bob, nina]) expect(await h.ok('routing.routeRaised', {}, token)).toEqual({ checked: 0, routed: [], failed: [] });
    expect(await h.ok('tickets.get', { id: raised.id }, admin)).toMatchObject(unrouted);

    // The ticket's own site's technician routes it.
    const routed = await h.ok<{ routed: { ticketId: string; rule: string }[] }>('routing.routeRaised', {}, h.tokens.tech!);
    expect(routed.routed).toEqual([{ ticketId: raised.id, number: raised.number, rule: 'Printers' }]);
    expect(await h.ok('tickets.get', { id: raised.id }, admin)).toMatchObject({ groupId: group.id });
  });
});
