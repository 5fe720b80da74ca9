/**
 * The finer sync semantics over real HTTP, on the embedded store and on PostgreSQL when
 * OUTPOST_TEST_PG_URL is set:
 * - an edit made after a delete is a conflict; keeping the edit brings the record back everywhere;
 * - a ticket moved into a site a device cannot see leaves that device;
 * - a gained site is back-filled on its own, without reading the other sites again;
 * - an edit the server refuses (a site lost while offline) stays visible until dismissed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadActor } from '../services/directory/users';
import { saveView } from '../services/tickets/views';
import { getMeta } from '../services/core/meta';
import { syncClientFor } from './registry';
import { ADMIN, startDevice, startTestServer, type Device, type TestServer, serverLogin, serverPost } from '../../testing/sync-harness';

const PG = process.env.OUTPOST_TEST_PG_URL;

/** Joins and stops the background scheduler, so the test decides when each device syncs. */
async function join(d: Device, server: TestServer, username: string, password: string) {
  await d.call('sync.join', { serverUrl: server.url, username, password });
  syncClientFor(d.rt).stop();
}

const cursorOf = (d: Device) => Number(getMeta(d.rt.store.sqlite, 'sync.cursor') ?? '0');
const ticketIds = (d: Device, site: string) => d.rt.store.sqlite.prepare('SELECT id FROM tickets WHERE scope_id = ? ORDER BY id').pluck().all(site) as string[];

for (const variant of ['sqlite', 'postgres'] as const) {
  describe.skipIf(variant === 'postgres' && !PG)(`sync semantics over HTTP (${variant} store)`, () => {
    let server: TestServer;
    let a: Device;
    let admin: string;
    let hq: string;
    let depot: string;

    beforeAll(async () => {
      server = await startTestServer({ pgUrl: variant === 'postgres' ? PG : undefined });
      a = await startDevice({ site: 'HQ' });
      admin = await serverLogin(server, ADMIN.username, ADMIN.password);
      await join(a, server, ADMIN.username, ADMIN.password);
      hq = (await a.call('sites.list')).items.find((s) => s.name === 'HQ')!.id;
      depot = (await a.call('sites.create', { name: 'Depot' })).id;
      await a.call('sync.now');
    });
    afterAll(async () => {
      a?.close();
      await server?.close();
    });

    it('keeping an edit made after a delete restores the record on every device; keeping the delete leaves it gone', async () => {
      const b = await startDevice({ site: 'Branch' });
      try {
        await join(b, server, ADMIN.username, ADMIN.password);
        const v1 = await a.call('views.save', { name: 'Printers', base: 'all_open', filter: {}, sort: 'priority' });
        const v2 = await a.call('views.save', { name: 'Network', base: 'all_open', filter: {}, sort: 'priority' });
        await a.call('sync.now');
        await b.call('sync.now');
        // A deletes both views and syncs; B, not having synced, renames them. The views belong to
        // A's user, so B edits as that user (both devices' local admins are called "tech").
        await a.call('views.delete', { id: v1.id });
        await a.call('views.delete', { id: v2.id });
        await a.call('sync.now');
        const ownerOnB = { ...loadActor(b.rt.store.sqlite, (await b.call('session.me')).id)!, id: (await a.call('session.me')).id };
        const bctx = { store: b.rt.store, clock: { now: () => new Date() }, actor: ownerOnB, call: 'test' };
        saveView(bctx, { id: v1.id, name: 'Printers (all floors)', base: 'all_open', filter: {}, sort: 'priority' });
        saveView(bctx, { id: v2.id, name: 'Network (core)', base: 'all_open', filter: {}, sort: 'priority' });
        const pushed = await b.call('sync.now');
        expect(pushed.conflicts).toBe(2);
        await a.call('sync.now');

        const onB = (await b.call('conflicts.list')).items.filter((c) => c.recordId === v1.id || c.recordId === v2.id);
        const onA = (await a.call('conflicts.list')).items.filter((c) => c.recordId === v1.id || c.recordId === v2.id);
        expect(onB.map((c) => c.kind)).toEqual(['deleted', 'deleted']);
        expect(onA).toHaveLength(2);
        const c1 = onB.find((c) => c.recordId === v1.id)!;
        // On B the edit is "mine"; on A the delete is.
        expect(c1.mine.value).toContain('Printers (all floors)');
        expect(c1.theirs.value).toBe('deleted');
        expect(onA.find((c) => c.recordId === v1.id)!.mine.value).toBe('deleted');

        // B keeps its edit of v1: the view comes back, renamed, on both devices and the server.
        await b.call('conflicts.resolve', { id: c1.id, keep: 'mine' });
        const row = (d: Device, id: string) => d.rt.store.sqlite.prepare('SELECT name, deleted_hlc IS NOT NULL AS gone FROM saved_views WHERE id = ?').get(id) as { name: string; gone: number };
        expect(row(b, v1.id)).toEqual({ name: 'Printers (all floors)', gone: 0 });
        await b.call('sync.now');
        await a.call('sync.now');
        expect(row(a, v1.id)).toEqual({ name: 'Printers (all floors)', gone: 0 });
        expect((await a.call('views.list')).items.map((v) => v.name)).toContain('Printers (all floors)');
        const srv = (await server.store.pull(null, 0, 100_000)).changes.find((c) => c.entity === 'saved_views' && c.id === v1.id)!;
        expect([srv.data.name, srv.deletedHlc]).toEqual(['Printers (all floors)', null]);

        // A keeps its delete of v2: the rename stays lost, and the view stays deleted everywhere.
        const c2 = (await a.call('conflicts.list')).items.find((c) => c.recordId === v2.id)!;
        await a.call('conflicts.resolve', { id: c2.id, keep: 'mine' });
        await a.call('sync.now');
        await b.call('sync.now');
        expect(row(a, v2.id).gone).toBe(1);
        expect(row(b, v2.id).gone).toBe(1);
        // Resolved on one device, cleared on both.
        for (const d of [a, b]) expect((await d.call('conflicts.list')).items.filter((c) => c.recordId === v1.id || c.recordId === v2.id)).toEqual([]);
      } finally {
        b.close();
      }
    });

    it('a ticket moved into a site the device cannot see leaves it, and comes back when moved back', async () => {
      const c = await startDevice({ site: 'Satellite' });
      try {
        expect((await serverPost(server, '/auth/users', { username: 'sam', password: 'password123', role: 'technician', sites: [hq] }, admin)).status).toBe(200);
        const t = await a.call('tickets.create', { type: 'incident', title: 'Badge reader', siteId: hq });
        await a.call('tickets.comment', { id: t.id, body: 'Reader beeps twice' });
        await a.call('sync.now');
        await join(c, server, 'sam', 'password123');
        await c.call('sync.now');
        expect((await c.call('tickets.get', { id: t.id })).title).toBe('Badge reader');

        await a.call('tickets.update', { id: t.id, fields: { siteId: depot } });
        await a.call('sync.now');
        await c.call('sync.now');
        await expect(c.call('tickets.get', { id: t.id })).rejects.toThrow(/No such ticket/);
        expect(ticketIds(c, depot)).toEqual([]);
        // What stayed in the site it holds is untouched; nothing of the depot's data was sent.
        expect(c.rt.store.sqlite.prepare('SELECT count(*) FROM tickets WHERE id = ?').pluck().get(t.id)).toBe(0);

        await a.call('tickets.update', { id: t.id, fields: { siteId: hq, title: 'Badge reader (back at HQ)' } });
        await a.call('sync.now');
        await c.call('sync.now');
        const back = await c.call('tickets.get', { id: t.id });
        expect(back.title).toBe('Badge reader (back at HQ)');
        expect(back.timeline.some((e) => e.kind === 'comment' && e.body === 'Reader beeps twice')).toBe(true);
      } finally {
        c.close();
      }
    });

    it('a gained site is back-filled alone: the cursor never rewinds and the other sites are not read again', async () => {
      const d = await startDevice({ site: 'Annex' });
      try {
        expect((await serverPost(server, '/auth/users', { username: 'kim', password: 'password123', role: 'technician', sites: [hq] }, admin)).status).toBe(200);
        const inDepot = await a.call('tickets.create', { type: 'request', title: 'Forklift tablet', siteId: depot });
        await a.call('tickets.comment', { id: inDepot.id, body: 'Screen cracked' });
        for (let i = 0; i < 5; i++) await a.call('tickets.create', { type: 'incident', title: `HQ noise ${i}`, siteId: hq });
        await a.call('sync.now');
        await join(d, server, 'kim', 'password123');
        await d.call('sync.now');
        expect(ticketIds(d, depot)).toEqual([]);
        const before = cursorOf(d);
        const hqRows = ticketIds(d, hq).length;
        expect(hqRows).toBeGreaterThan(5);

        // The server narrows requested sites to the user's own: asking for the depot yields nothing.
        const kim = await serverLogin(server, 'kim', 'password123');
        const sneaky = await fetch(`${server.url}/sync/pull?cursor=0&limit=5000&scopes=${depot}`, { headers: { authorization: `Bearer ${kim}` } });
        expect(((await sneaky.json()) as { value: { changes: unknown[] } }).value.changes).toEqual([]);

        expect((await serverPost(server, '/auth/users/sites', { username: 'kim', sites: [hq, depot] }, admin)).status).toBe(200);
        const run = await d.call('sync.now');
        expect(cursorOf(d)).toBeGreaterThanOrEqual(before);
        expect(ticketIds(d, depot)).toContain(inDepot.id);
        expect((await d.call('tickets.get', { id: inDepot.id })).timeline.some((e) => e.kind === 'comment' && e.body === 'Screen cracked')).toBe(true);
        // Only the depot's rows came (plus at most a handful of new ones): not the HQ tickets again.
        const depotRows = (await server.store.pull([depot], 0, 100_000)).changes.length;
        expect(run.pulled).toBeLessThanOrEqual(depotRows + 5);
        expect(run.pulled).toBeLessThan(depotRows + hqRows);
        expect(getMeta(d.rt.store.sqlite, 'sync.backfill')).toBeNull();
      } finally {
        d.close();
      }
    });

    it('an edit refused by the server stays in the inbox with its values and reason, across restarts, until dismissed', async () => {
      const dir = (await import('node:fs')).mkdtempSync(`${(await import('node:os')).tmpdir()}/outpost-rej-`);
      let e = await startDevice({ site: 'Field', dir });
      try {
        expect((await serverPost(server, '/auth/users', { username: 'lee', password: 'password123', role: 'technician', sites: [hq, depot] }, admin)).status).toBe(200);
        const t = await a.call('tickets.create', { type: 'incident', title: 'Depot printer', siteId: depot });
        await a.call('sync.now');
        await join(e, server, 'lee', 'password123');
        await e.call('sync.now');
        // Lee loses the depot on the server while his laptop is offline and edits a depot ticket.
        expect((await serverPost(server, '/auth/users/sites', { username: 'lee', sites: [hq] }, admin)).status).toBe(200);
        await e.call('tickets.update', { id: t.id, fields: { title: 'Depot printer: toner replaced' } });
        await e.call('sync.now');
        expect((await e.call('sync.status')).pending).toBe(0);
        await expect(e.call('tickets.get', { id: t.id })).rejects.toThrow(/No such ticket/);

        const refused = (await e.call('conflicts.rejected')).items.filter((r) => r.recordId === t.id);
        expect(refused).toHaveLength(1);
        expect(refused[0]).toMatchObject({ entity: 'tickets', action: 'Edited', siteId: depot });
        expect(refused[0]!.recordLabel).toContain('Depot printer');
        expect(refused[0]!.reason).toMatch(/do not have access to site/);
        expect(refused[0]!.fields).toContainEqual({ name: 'title', value: 'Depot printer: toner replaced' });
        expect((await e.call('sync.status')).rejected).toBeGreaterThanOrEqual(1);

        // Kept on disk: still there after the app restarts.
        e.close();
        e = await startDevice({ dir });
        const again = (await e.call('conflicts.rejected')).items.filter((r) => r.recordId === t.id);
        expect(again.map((r) => r.id)).toEqual([refused[0]!.id]);
        await e.call('conflicts.dismiss', { id: refused[0]!.id });
        expect((await e.call('conflicts.rejected')).items.filter((r) => r.recordId === t.id)).toEqual([]);
        await expect(e.call('conflicts.dismiss', { id: refused[0]!.id })).rejects.toThrow(/no longer in the list/);
      } finally {
        e.close();
        (await import('node:fs')).rmSync(dir, { recursive: true, force: true });
      }
    });
  });
}
