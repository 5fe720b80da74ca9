/**
 * Devices ↔ central server over real HTTP: tickets made on either device reach the other,
 * concurrent edits of the same text land in both inboxes, resolving clears it everywhere,
 * and a status move that is no longer allowed becomes a conflict.
 * Runs on the embedded store, and on PostgreSQL when OUTPOST_TEST_PG_URL is set.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, startDevice, startTestServer, type Device, type TestServer } from '../../testing/sync-harness';
import { syncClientFor } from './registry';

const PG = process.env.OUTPOST_TEST_PG_URL;
if (!PG) console.log('sync.int.test: OUTPOST_TEST_PG_URL is not set, so the PostgreSQL variant is skipped (CI sets it).');

for (const variant of ['sqlite', 'postgres'] as const) {
  describe.skipIf(variant === 'postgres' && !PG)(`sync over HTTP (${variant} store)`, () => {
    let server: TestServer;
    let a: Device;
    let b: Device;

    beforeAll(async () => {
      server = await startTestServer({ pgUrl: variant === 'postgres' ? PG : undefined });
      a = await startDevice({ site: 'HQ' });
      b = await startDevice({ site: 'Depot' });
    });
    afterAll(async () => {
      a?.close();
      b?.close();
      await server?.close();
    });

    it('joins, and tickets made on either device appear on the other', async () => {
      const sa = await a.call('sync.join', { serverUrl: server.url, ...ADMIN });
      expect(sa.serverUrl).toBe(server.url);
      await b.call('sync.join', { serverUrl: server.url, ...ADMIN });
      const t1 = await a.call('tickets.create', { type: 'incident', title: 'Printer jam on floor 2', description: 'Paper stuck', impact: 2, urgency: 2 });
      await a.call('tickets.comment', { id: t1.id, body: 'Looking at it' });
      await a.call('sync.now');
      expect((await a.call('sync.status')).pending).toBe(0);
      await b.call('sync.now');
      const seen = await b.call('tickets.get', { id: t1.id });
      expect(seen.title).toBe('Printer jam on floor 2');
      expect(seen.timeline.some((e) => e.kind === 'comment' && e.body === 'Looking at it')).toBe(true);
      // Both devices numbered their first ticket locally; the numbers must end up unique.
      const t2 = await b.call('tickets.create', { type: 'incident', title: 'VPN down' });
      await b.call('sync.now');
      await a.call('sync.now');
      const onA = await a.call('tickets.get', { id: t2.id });
      const onA1 = await a.call('tickets.get', { id: t1.id });
      expect(onA.title).toBe('VPN down');
      expect(onA.number).not.toBe(onA1.number);
      const st = await a.call('sync.status');
      // The background scheduler may be running another pass right now; either way nothing waits.
      expect(['synced', 'syncing']).toContain(st.state);
      expect(st.pending).toBe(0);
      expect(st.lastSyncedAt).not.toBeNull();
    });

    it('records concurrent edits of the same text as a conflict on both devices; resolving on one clears both', async () => {
      // Concurrent means neither device saw the other's edit before making its own: from here on the
      // devices sync when told to, not when a poke or their own edit would start a pass.
      for (const d of [a, b]) syncClientFor(d.rt).stop();
      const t = await a.call('tickets.create', { type: 'incident', title: 'Laptop slow', description: 'original' });
      await a.call('sync.now');
      await b.call('sync.now');
      await a.call('tickets.update', { id: t.id, fields: { description: 'from A' } });
      await new Promise((r) => setTimeout(r, 5));
      await b.call('tickets.update', { id: t.id, fields: { description: 'from B' } });
      await b.call('sync.now');
      await a.call('sync.now');
      await b.call('sync.now');
      const ta = await a.call('tickets.get', { id: t.id });
      const tb = await b.call('tickets.get', { id: t.id });
      expect(ta.description).toBe(tb.description);
      expect(ta.description).toBe('from B');
      const ca = (await a.call('conflicts.list')).items.filter((c) => c.recordId === t.id);
      const cb = (await b.call('conflicts.list')).items.filter((c) => c.recordId === t.id);
      expect(ca).toHaveLength(1);
      expect(cb).toHaveLength(1);
      expect(ca[0]!.field).toBe('description');
      expect(ca[0]!.mine.value).toBe('from A');
      expect(ca[0]!.theirs.value).toBe('from B');
      expect(cb[0]!.mine.value).toBe('from B');

      await a.call('conflicts.resolve', { id: ca[0]!.id, keep: 'mine' });
      await a.call('sync.now');
      await b.call('sync.now');
      expect((await a.call('tickets.get', { id: t.id })).description).toBe('from A');
      expect((await b.call('tickets.get', { id: t.id })).description).toBe('from A');
      expect((await a.call('conflicts.list')).items.filter((c) => c.recordId === t.id)).toHaveLength(0);
      expect((await b.call('conflicts.list')).items.filter((c) => c.recordId === t.id)).toHaveLength(0);
    });

    it('turns a status move that is no longer allowed into a conflict, and both converge', async () => {
      const t = await a.call('tickets.create', { type: 'incident', title: 'Monitor flicker' });
      await a.call('sync.now');
      await b.call('sync.now');
      await a.call('tickets.transition', { id: t.id, to: 'cancelled' });
      await b.call('tickets.transition', { id: t.id, to: 'in_progress' });
      await a.call('sync.now');
      await b.call('sync.now');
      await a.call('sync.now');
      const sa = (await a.call('tickets.get', { id: t.id })).status;
      const sb = (await b.call('tickets.get', { id: t.id })).status;
      expect(sa).toBe('cancelled');
      expect(sb).toBe('cancelled');
      const cb = (await b.call('conflicts.list')).items.filter((c) => c.recordId === t.id);
      expect(cb.map((c) => [c.kind, c.mine.value, c.theirs.value])).toEqual([['transition', 'in_progress', 'cancelled']]);
    });

    it('refuses a wrong password with a clear message and keeps the device standalone', async () => {
      const c = await startDevice();
      try {
        await expect(c.call('sync.join', { serverUrl: server.url, username: 'admin', password: 'wrong-password' })).rejects.toThrow(/username or password is wrong/);
        expect((await c.call('sync.status')).state).toBe('standalone');
        await expect(c.call('sync.now')).rejects.toThrow(/not joined/);
      } finally {
        c.close();
      }
    });

    it('leaving pushes what is pending first, then the device works standalone', async () => {
      const c = await startDevice();
      try {
        await c.call('sync.join', { serverUrl: server.url, ...ADMIN });
        await c.call('sync.now');
        const t = await c.call('tickets.create', { type: 'request', title: 'Laptop for the new starter' });
        const left = await c.call('sync.leave', {});
        expect(left.state).toBe('standalone');
        expect(left.pending).toBe(0);
        await expect(c.call('sync.now')).rejects.toThrow(/not joined/);
        // The change made just before leaving reached the server and from there the other devices.
        await a.call('sync.now');
        expect((await a.call('tickets.get', { id: t.id })).title).toBe('Laptop for the new starter');
        // Work goes on locally after leaving.
        const later = await c.call('tickets.create', { type: 'incident', title: 'Offline after leaving' });
        expect(later.status).toBe('new');
      } finally {
        c.close();
      }
    });
  });
}
