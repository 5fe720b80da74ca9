/**
 * A person's dashboard arrangement follows them between devices over a real server (embedded store,
 * and PostgreSQL when OUTPOST_TEST_PG_URL is set): saved on one laptop, shown on the other; edits
 * made on both while apart merge field by field; another person's dashboard never reaches them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syncClientFor } from '../../sync/registry';
import { ADMIN, serverLogin, serverPost, startDevice, startTestServer, type Device, type TestServer } from '../../../testing/sync-harness';

const PG = process.env.OUTPOST_TEST_PG_URL;

async function join(d: Device, server: TestServer, username: string, password: string) {
  await d.call('sync.join', { serverUrl: server.url, username, password });
  syncClientFor(d.rt).stop();
}

/** A new laptop of a person the team already has: joins at first run as that person. */
async function laptopOf(server: TestServer, username: string, password: string): Promise<Device> {
  const d = await startDevice({ setUp: false });
  d.token = (await d.call('setup.join', { serverUrl: server.url, username, password })).token;
  syncClientFor(d.rt).stop();
  return d;
}

for (const variant of ['sqlite', 'postgres'] as const) {
  describe.skipIf(variant === 'postgres' && !PG)(`dashboard arrangement between devices (${variant} store)`, () => {
    let server: TestServer;
    let a: Device;
    let b: Device;
    let c: Device;
    beforeAll(async () => {
      server = await startTestServer({ pgUrl: variant === 'postgres' ? PG : undefined });
      const adminToken = await serverLogin(server);
      expect((await serverPost(server, '/auth/users', { username: 'nina', password: 'nina-password-1', role: 'technician', sites: null }, adminToken)).status).toBe(200);
      a = await startDevice({ site: 'HQ' });
      await join(a, server, ADMIN.username, ADMIN.password);
      await a.call('users.create', { username: 'nina', displayName: 'Nina Field', role: 'technician', password: 'local-only-pass' });
      await a.call('sync.now');
      b = await laptopOf(server, ADMIN.username, ADMIN.password);
      c = await laptopOf(server, 'nina', 'nina-password-1');
    }, 120_000);
    afterAll(async () => {
      a?.close();
      b?.close();
      c?.close();
      await server?.close();
    });

    it('an arrangement saved on one device is the dashboard on the other, and edits made apart merge', async () => {
      // Before arranging, each device shows the role's home dashboard.
      expect(await b.call('dashboards.layout')).toMatchObject({ saved: false, widgets: ['syncHealth', 'headline', 'sla', 'loadPerPerson'] });
      const hq = (await a.call('sites.list')).items.find((s) => s.name === 'HQ')!.id;
      await a.call('dashboards.saveLayout', { widgets: ['headline', 'byPriority', 'trend'], filter: { period: '90', siteId: hq, groupId: null } });
      await a.call('sync.now');
      await b.call('sync.now');
      expect(await b.call('dashboards.layout')).toEqual({ saved: true, widgets: ['headline', 'byPriority', 'trend'], filter: { period: '90', siteId: hq, groupId: null } });

      // Apart: A reorders the widgets, B changes the filters; both sync; both devices show both changes.
      await a.call('dashboards.saveLayout', { widgets: ['trend', 'headline', 'byPriority'], filter: { period: '90', siteId: hq, groupId: null } });
      await b.call('dashboards.saveLayout', { widgets: ['headline', 'byPriority', 'trend'], filter: { period: '7', siteId: null, groupId: null } });
      await a.call('sync.now');
      await b.call('sync.now');
      await a.call('sync.now');
      const onA = await a.call('dashboards.layout');
      const onB = await b.call('dashboards.layout');
      expect(onA).toEqual(onB);
      // Field by field: the later write of each field wins (B wrote both fields after A), so one record, never two.
      expect(onA.filter).toEqual({ period: '7', siteId: null, groupId: null });
      expect(a.rt.store.sqlite.prepare('SELECT count(*) FROM dashboard_layouts').pluck().get()).toBe(1);
    });

    it('another person’s dashboard stays theirs', async () => {
      await c.call('dashboards.saveLayout', { widgets: ['myWork', 'breachingSoon'], filter: { period: '30', siteId: null, groupId: null } });
      await c.call('sync.now');
      await a.call('sync.now');
      expect(await c.call('dashboards.layout')).toMatchObject({ saved: true, widgets: ['myWork', 'breachingSoon'] });
      // The administrator's device holds only the administrator's own arrangement.
      const owners = a.rt.store.sqlite.prepare('SELECT DISTINCT owner_id FROM dashboard_layouts').pluck().all();
      expect(owners).toEqual([(await a.call('session.me')).id]);
      expect(c.rt.store.sqlite.prepare('SELECT count(*) FROM dashboard_layouts').pluck().get()).toBe(1);
    });
  });
}
