/**
 * A store copied to a second laptop (or restored from a backup) reuses its device's sequence
 * numbers for other changes. The server answers those as a clash instead of acknowledging them,
 * the copy continues under a new device id, and every change of both copies arrives once.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, serverLogin, serverPost, startDevice, startTestServer, type Device, type TestServer } from '../../testing/sync-harness';

const PG = process.env.OUTPOST_TEST_PG_URL;

for (const variant of ['sqlite', 'postgres'] as const) {
  describe.skipIf(variant === 'postgres' && !PG)(`a copied store (${variant} store)`, () => {
    let server: TestServer;
    let a: Device;
    let copy: Device | null = null;
    let dirA: string;
    let dirCopy: string;
    /** The laptop's device id when its store was copied. */
    let originalId = '';

    beforeAll(async () => {
      server = await startTestServer({ pgUrl: variant === 'postgres' ? PG : undefined });
      dirA = fs.mkdtempSync(path.join(os.tmpdir(), 'outpost-orig-'));
      dirCopy = fs.mkdtempSync(path.join(os.tmpdir(), 'outpost-copy-'));
      a = await startDevice({ dir: dirA });
    });
    afterAll(async () => {
      a?.close();
      copy?.close();
      await server?.close();
      fs.rmSync(dirA, { recursive: true, force: true });
      fs.rmSync(dirCopy, { recursive: true, force: true });
    });

    it('continues under a new device id: nothing lost, nothing doubled', async () => {
      await a.call('sync.join', { serverUrl: server.url, ...ADMIN });
      const site = (await a.call('sites.list')).items[0]!.id;
      await a.call('tickets.create', { type: 'incident', title: 'Before the copy', siteId: site });
      await a.call('sync.now');
      const idBefore = a.rt.store.sqlite.prepare("SELECT value FROM meta WHERE key = 'device_id'").pluck().get() as string;
      originalId = idBefore;

      // The laptop's store is copied while it is closed (as a backup or an image would).
      a.close();
      for (const f of fs.readdirSync(dirA)) if (f.startsWith('outpost.db')) fs.copyFileSync(path.join(dirA, f), path.join(dirCopy, f));
      a = await startDevice({ dir: dirA });
      copy = await startDevice({ dir: dirCopy });

      // Both make changes offline from the same point: the same sequence numbers, other changes.
      const fromA = await a.call('tickets.create', { type: 'incident', title: 'Made on the original', siteId: site });
      await a.call('tickets.comment', { id: fromA.id, body: 'Original comment' });
      const fromCopy = await copy.call('tickets.create', { type: 'request', title: 'Made on the copy', siteId: site });
      await copy.call('tickets.comment', { id: fromCopy.id, body: 'Copy comment' });

      await a.call('sync.now');
      await copy.call('sync.now');
      expect((await copy.call('sync.status')).pending).toBe(0);
      const idCopy = copy.rt.store.sqlite.prepare("SELECT value FROM meta WHERE key = 'device_id'").pluck().get() as string;
      expect(idCopy).not.toBe(idBefore);
      await a.call('sync.now');
      await copy.call('sync.now');

      for (const d of [a, copy]) {
        const titles = (await d.call('tickets.list', { view: 'all_open', limit: 500 })).items.map((t) => t.title).sort();
        expect(titles.filter((t) => t === 'Made on the original')).toHaveLength(1);
        expect(titles.filter((t) => t === 'Made on the copy')).toHaveLength(1);
        expect(titles.filter((t) => t === 'Before the copy')).toHaveLength(1);
        const onCopy = await d.call('tickets.get', { id: fromCopy.id });
        expect(onCopy.timeline.filter((e) => e.kind === 'comment').map((e) => (e.kind === 'comment' ? e.body : ''))).toEqual(['Copy comment']);
        const onA = await d.call('tickets.get', { id: fromA.id });
        expect(onA.timeline.filter((e) => e.kind === 'comment').map((e) => (e.kind === 'comment' ? e.body : ''))).toEqual(['Original comment']);
      }
    });

    it('a device that left can join again: the server never reuses the revoked id, so the device takes a new one', async () => {
      const before = a.rt.store.sqlite.prepare("SELECT value FROM meta WHERE key = 'device_id'").pluck().get() as string;
      await a.call('sync.leave');
      const after = a.rt.store.sqlite.prepare("SELECT value FROM meta WHERE key = 'device_id'").pluck().get() as string;
      expect(after).not.toBe(before);
      const site = (await a.call('sites.list')).items[0]!.id;
      const t = await a.call('tickets.create', { type: 'incident', title: 'Written while standalone', siteId: site });
      await a.call('sync.join', { serverUrl: server.url, ...ADMIN });
      await a.call('sync.now');
      expect((await a.call('sync.status')).pending).toBe(0);
      await copy!.call('sync.now');
      expect((await copy!.call('tickets.get', { id: t.id })).title).toBe('Written while standalone');
    });

    it('an administrator revoking the original device revokes the copy that continued from it (leaving, above, took only the device that left)', async () => {
      const idA = originalId;
      const idCopy = copy!.rt.store.sqlite.prepare("SELECT value FROM meta WHERE key = 'device_id'").pluck().get() as string;
      expect((await server.store.getDevice(idCopy))!.revoked).toBe(false);
      // The administrator knows only the laptop that went missing: the device id it had.
      const admin = await serverLogin(server);
      expect((await serverPost(server, '/auth/revoke', { deviceId: idA }, admin)).status).toBe(200);
      expect((await server.store.getDevice(idA))!.revoked).toBe(true);
      expect((await server.store.getDevice(idCopy))!.revoked).toBe(true);
      // The copy's change never reaches the server.
      const site = (await copy!.call('sites.list')).items[0]!.id;
      const late = await copy!.call('tickets.create', { type: 'incident', title: 'After the revocation', siteId: site });
      await copy!.call('sync.now').catch(() => undefined);
      const all = await server.store.pull(null, 0, 10_000);
      expect(all.changes.some((c) => c.id === late.id)).toBe(false);
    });
  });
}
