/**
 * Problems (and changes) between laptops through a real server over HTTP: incidents linked to one
 * problem on two laptops offline both stay linked, the review's actions from both are kept, and a
 * known error's workaround reaches the incident on the other laptop; an auditor's laptop reads them;
 * a requester's pull holds none of them. Runs on the embedded store, and on PostgreSQL when
 * OUTPOST_TEST_PG_URL is set.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, serverLogin, serverPost, startDevice, startTestServer, type Device, type TestServer } from '../../testing/sync-harness';
import { uuidv7 } from '../../shared/ids';

const PG = process.env.OUTPOST_TEST_PG_URL;
const ITSM_TYPES = ['problems', 'problem_incidents', 'problem_actions', 'changes', 'change_assets', 'change_approvals'];

for (const variant of ['sqlite', 'postgres'] as const)
  describe.skipIf(variant === 'postgres' && !PG)(`problems and changes over sync (${variant} store)`, () => {
    let server: TestServer;
    let a: Device;
    let b: Device;
    let c: Device;

    beforeAll(async () => {
      server = await startTestServer({ pgUrl: variant === 'postgres' ? PG : undefined });
      const admin = await serverLogin(server);
      for (const [username, role] of [
        ['tess', 'technician'],
        ['ann', 'auditor'],
        ['rita', 'requester'],
      ] as const)
        expect((await serverPost(server, '/auth/users', { username, password: 'password123', role, sites: null }, admin)).status).toBe(200);
      a = await startDevice({ site: 'HQ' });
      b = await startDevice({ site: 'Depot' });
      c = await startDevice({ site: 'Plant' });
      await a.call('sync.join', { serverUrl: server.url, ...ADMIN });
      await a.call('sync.now');
      await b.call('sync.join', { serverUrl: server.url, username: 'tess', password: 'password123' });
      await c.call('sync.join', { serverUrl: server.url, username: 'ann', password: 'password123' });
      await b.call('sync.now');
      await c.call('sync.now');
    }, 120_000);
    afterAll(async () => {
      a?.close();
      b?.close();
      c?.close();
      await server?.close();
    });

    const syncAll = async () => {
      for (const d of [a, b, a, b, c]) await d.call('sync.now');
    };

    it('incidents linked to one problem on two laptops offline both stay linked; actions from both are kept; the workaround reaches the other laptop', async () => {
      const t1 = await a.call('tickets.create', { type: 'incident', title: 'Badge readers offline in hall 1', impact: 2, urgency: 2 });
      const t2 = await a.call('tickets.create', { type: 'incident', title: 'Badge readers offline in hall 2', impact: 2, urgency: 2 });
      const p = await a.call('problems.create', { title: 'Badge controller loses its lease' });
      expect(p.number).toMatch(/^PRB\d{7}$/);
      await syncAll();
      expect((await b.call('problems.get', { id: p.id })).title).toBe('Badge controller loses its lease');

      // Both offline: each links one incident and adds one action.
      await a.call('problems.linkIncident', { id: p.id, ticketId: t1.id });
      await b.call('problems.linkIncident', { id: p.id, ticketId: t2.id });
      await a.call('problems.addAction', { id: p.id, description: 'Reserve the controller’s address' });
      await b.call('problems.addAction', { id: p.id, description: 'Monitor the lease' });
      await b.call('problems.update', { id: p.id, workaround: 'Power-cycle the controller.', knownError: true, status: 'known_error' });
      await syncAll();
      for (const d of [a, b, c]) {
        const got = await d.call('problems.get', { id: p.id });
        expect(got.incidents.map((i) => i.number).sort()).toEqual([t1.number, t2.number].sort());
        expect(got.review.actions.map((x) => x.description).sort()).toEqual(['Monitor the lease', 'Reserve the controller’s address']);
        expect(got.status).toBe('known_error');
      }
      expect((await a.call('problems.forTicket', { ticketId: t1.id })).items[0]).toMatchObject({ number: p.number, knownError: true, workaround: 'Power-cycle the controller.' });
      // The auditor reads, and writes nothing.
      await expect(c.call('problems.update', { id: p.id, title: 'Renamed' })).rejects.toThrow(/forbidden|administrators and technicians|role/i);
    });

    it('a requester’s pull holds no problem or change record', async () => {
      const rita = await serverPost(server, '/auth/login', { username: 'rita', password: 'password123', deviceId: uuidv7(), deviceName: 'kiosk' });
      const token = (rita.body.value as { accessToken: string }).accessToken;
      const res = await fetch(`${server.url}/sync/pull?cursor=0&limit=100000`, { headers: { authorization: `Bearer ${token}` } });
      const page = (await res.json()) as { value: { changes: { entity: string }[] } };
      expect(page.value.changes.length).toBeGreaterThan(0);
      expect(page.value.changes.filter((ch) => ITSM_TYPES.includes(ch.entity))).toEqual([]);
      // The auditor's pull holds them.
      const ann = await serverPost(server, '/auth/login', { username: 'ann', password: 'password123', deviceId: uuidv7(), deviceName: 'audit laptop' });
      const annToken = (ann.body.value as { accessToken: string }).accessToken;
      const all = (await (await fetch(`${server.url}/sync/pull?cursor=0&limit=100000`, { headers: { authorization: `Bearer ${annToken}` } })).json()) as { value: { changes: { entity: string }[] } };
      expect(all.value.changes.some((ch) => ch.entity === 'problem_incidents')).toBe(true);
    });
  });
