/**
 * Partial replication with a real server and two devices: an administrator changes a user's sites
 * on the server (POST /auth/users/sites); the user's device pushes its pending edits, drops the lost
 * site's rows and stops receiving it; given the site back, it pulls it again from the start.
 * Runs on the embedded store, and on PostgreSQL when OUTPOST_TEST_PG_URL is set.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, startDevice, startTestServer, type Device, type TestServer, serverLogin, serverPost } from '../../testing/sync-harness';

const PG = process.env.OUTPOST_TEST_PG_URL;

for (const variant of ['sqlite', 'postgres'] as const) {
  describe.skipIf(variant === 'postgres' && !PG)(`losing and gaining a site (${variant} store)`, () => {
    let server: TestServer;
    let a: Device;
    let b: Device;
    let admin: string;

    beforeAll(async () => {
      server = await startTestServer({ pgUrl: variant === 'postgres' ? PG : undefined });
      a = await startDevice({ site: 'HQ' });
      b = await startDevice({ site: 'Elsewhere' });
      admin = await serverLogin(server, ADMIN.username, ADMIN.password);
    });
    afterAll(async () => {
      a?.close();
      b?.close();
      await server?.close();
    });

    it('the admin endpoint is validated and for administrators only', async () => {
      const created = await serverPost(server, '/auth/users', { username: 'pat', password: 'password123', role: 'technician', sites: ['s1'] }, admin);
      expect(created.status).toBe(200);
      const pat = await serverLogin(server, 'pat', 'password123');
      const refused = await serverPost(server, '/auth/users/sites', { username: 'pat', sites: null }, pat);
      expect(refused.status).toBe(403);
      expect(refused.body.error?.message).toMatch(/administrator/);
      const missing = await serverPost(server, '/auth/users/sites', { username: 'nobody', sites: [] }, admin);
      expect(missing.status).toBe(404);
      expect(missing.body.error?.message).toMatch(/No server user named nobody/);
      const bad = await serverPost(server, '/auth/users/sites', { username: 'pat', sites: ['not a site id!'] }, admin);
      expect(bad.status).toBe(400);
      expect((await server.store.findUser('pat'))!.sites).toEqual(['s1']);
      const ok = await serverPost(server, '/auth/users/sites', { username: 'pat', sites: ['s2', 's2', 's3'] }, admin);
      expect(ok.status).toBe(200);
      expect((await server.store.findUser('pat'))!.sites).toEqual(['s2', 's3']);
      expect((await serverPost(server, '/auth/users/sites', { username: 'pat', sites: ['s1'] })).status).toBe(401);
    });

    it('drops a lost site after pushing, stops pulling it, and pulls it from the start when regained', async () => {
      await a.call('sync.join', { serverUrl: server.url, ...ADMIN });
      const hq = (await a.call('sites.list')).items.find((s) => s.name === 'HQ')!;
      const depot = await a.call('sites.create', { name: 'Depot' });
      const t1 = await a.call('tickets.create', { type: 'incident', title: 'HQ printer', siteId: hq.id });
      const t2 = await a.call('tickets.create', { type: 'incident', title: 'Depot scanner', siteId: depot.id });
      await a.call('tickets.comment', { id: t2.id, body: 'Parts ordered' });
      await a.call('sync.now');

      expect((await serverPost(server, '/auth/users', { username: 'tom', password: 'password123', role: 'technician', sites: [hq.id, depot.id] }, admin)).status).toBe(200);
      await b.call('sync.join', { serverUrl: server.url, username: 'tom', password: 'password123' });
      await b.call('sync.now');
      expect((await b.call('tickets.get', { id: t2.id })).timeline.some((e) => e.kind === 'comment' && e.body === 'Parts ordered')).toBe(true);

      // Tom loses the depot while his laptop still holds an unsent edit there.
      expect((await serverPost(server, '/auth/users/sites', { username: 'tom', sites: [hq.id] }, admin)).status).toBe(200);
      await b.call('tickets.comment', { id: t2.id, body: 'Written after the depot was taken away' });
      await b.call('sync.now');
      const st = await b.call('sync.status');
      expect(st.pending).toBe(0);
      // The edit was pushed and answered (refused: the user no longer has the site), not dropped unsent.
      expect(st.rejected).toBeGreaterThanOrEqual(1);
      await expect(b.call('tickets.get', { id: t2.id })).rejects.toThrow(/No such ticket/);
      const depotRows = b.rt.store.sqlite.prepare('SELECT (SELECT count(*) FROM tickets WHERE scope_id = ?) + (SELECT count(*) FROM ticket_comments WHERE scope_id = ?)').pluck().get(depot.id, depot.id);
      expect(depotRows).toBe(0);
      expect((await b.call('tickets.get', { id: t1.id })).title).toBe('HQ printer');

      // Changes in the lost site no longer arrive; the kept site still syncs.
      await a.call('tickets.update', { id: t2.id, fields: { title: 'Depot scanner (replaced)' } });
      const t3 = await a.call('tickets.create', { type: 'request', title: 'Depot badge', siteId: depot.id });
      await a.call('tickets.update', { id: t1.id, fields: { title: 'HQ printer (fixed)' } });
      await a.call('sync.now');
      await b.call('sync.now');
      await expect(b.call('tickets.get', { id: t3.id })).rejects.toThrow(/No such ticket/);
      expect((await b.call('tickets.get', { id: t1.id })).title).toBe('HQ printer (fixed)');

      // Given the depot back, the device pulls it from the start: old and new records, with children.
      expect((await serverPost(server, '/auth/users/sites', { username: 'tom', sites: [hq.id, depot.id] }, admin)).status).toBe(200);
      await b.call('sync.now');
      const back = await b.call('tickets.get', { id: t2.id });
      expect(back.title).toBe('Depot scanner (replaced)');
      expect(back.timeline.some((e) => e.kind === 'comment' && e.body === 'Parts ordered')).toBe(true);
      expect((await b.call('tickets.get', { id: t3.id })).title).toBe('Depot badge');
      expect((await b.call('tickets.get', { id: t1.id })).title).toBe('HQ printer (fixed)');
      expect((await b.call('sync.status')).pending).toBe(0);
    });
  });
}
