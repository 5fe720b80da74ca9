/**
 * Two devices of two people and a server over real HTTP:
 * - the same priority set on both devices: the newest write wins everywhere, and the person whose
 *   value was overwritten finds it in their inbox (auto-resolved, one record with the same id on
 *   every device, not in the other person's inbox); putting it back is a new edit that wins
 *   everywhere; both branches (the later push wins / the later push loses) are covered;
 * - same times everywhere: a ticket's created_at, updated_at and timeline times are identical on
 *   the device that wrote it and the one that pulled it; a comment moves the ticket's updated_at on
 *   every device, so "Recently updated" lists the same order; 2,000 sample tickets seeded on one
 *   device keep their times on the others.
 * Runs on the embedded store, and on PostgreSQL when OUTPOST_TEST_PG_URL is set.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, serverLogin, serverPost, startDevice, startTestServer, type Device, type TestServer } from '../../testing/sync-harness';

const PG = process.env.OUTPOST_TEST_PG_URL;
if (!PG) console.log('contested.int.test: OUTPOST_TEST_PG_URL is not set, so the PostgreSQL variant is skipped (CI sets it).');

const TOM = { username: 'tom', password: 'password123' };
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function syncAll(...devices: Device[]) {
  for (const d of devices) await d.call('sync.now');
}

function conflictRows(d: Device, recordId: string) {
  return d.rt.store.sqlite.prepare('SELECT id, kind, status, resolution, field, kept_value, lost_value FROM sync_conflicts WHERE record_id = ? ORDER BY id').all(recordId);
}

for (const variant of ['sqlite', 'postgres'] as const) {
  describe.skipIf(variant === 'postgres' && !PG)(`contested fields and times across devices (${variant} store)`, () => {
    let server: TestServer;
    let a: Device;
    let b: Device;

    beforeAll(async () => {
      server = await startTestServer({ pgUrl: variant === 'postgres' ? PG : undefined });
      const admin = await serverLogin(server);
      expect((await serverPost(server, '/auth/users', { ...TOM, role: 'technician', sites: null }, admin)).status).toBe(200);
      a = await startDevice({ site: 'HQ' });
      b = await startDevice({ site: 'Depot' });
      await a.call('sync.join', { serverUrl: server.url, ...ADMIN });
      await b.call('sync.join', { serverUrl: server.url, ...TOM });
    });
    afterAll(async () => {
      a?.close();
      b?.close();
      await server?.close();
    });

    it('tells the person whose priority was overwritten, once, on every device; putting it back wins everywhere', async () => {
      const t = await a.call('tickets.create', { type: 'incident', title: 'Scanner offline', impact: 2, urgency: 2 });
      await syncAll(a, b);
      const countA0 = (await a.call('sync.status')).conflicts;
      const countB0 = (await b.call('sync.status')).conflicts;

      // Both set the priority while apart; B's is newer, and B had not seen A's.
      await a.call('tickets.update', { id: t.id, fields: { priority: 1 } });
      await pause(5);
      await b.call('tickets.update', { id: t.id, fields: { priority: 4 } });
      await syncAll(a, b, a);
      expect((await a.call('tickets.get', { id: t.id })).priority).toBe(4);
      expect((await b.call('tickets.get', { id: t.id })).priority).toBe(4);

      const onA = (await a.call('conflicts.list', {})).items.filter((c) => c.recordId === t.id);
      expect(onA.map((c) => [c.kind, c.field, c.autoResolved, c.lostByMe, c.mine.value, c.theirs.value, c.current])).toEqual([['overwritten', 'priority', true, true, '1', '4', 'theirs']]);
      // Not B's to review: B's value won.
      expect((await b.call('conflicts.list', {})).items.filter((c) => c.recordId === t.id)).toEqual([]);
      expect((await b.call('conflicts.list', { lostBy: 'others' })).items.filter((c) => c.recordId === t.id)).toEqual([]);
      // One record, the same on both devices; the top bar counts exactly the inbox.
      expect(conflictRows(b, t.id)).toEqual(conflictRows(a, t.id));
      expect(conflictRows(a, t.id)).toHaveLength(1);
      expect((await a.call('sync.status')).conflicts).toBe(countA0 + 1);
      expect((await a.call('sync.status')).conflicts).toBe((await a.call('conflicts.list', {})).total);
      expect((await b.call('sync.status')).conflicts).toBe(countB0);
      expect((await a.call('conflicts.list', { recordId: t.id, limit: 1 })).total).toBe(1);

      // A puts their value back: a new edit, which wins on every device; the conflict is settled everywhere.
      await a.call('conflicts.resolve', { id: onA[0]!.id, keep: 'mine' });
      await syncAll(a, b, a);
      expect((await a.call('tickets.get', { id: t.id })).priority).toBe(1);
      expect((await b.call('tickets.get', { id: t.id })).priority).toBe(1);
      expect((await a.call('conflicts.list', { recordId: t.id })).total).toBe(0);
      expect(conflictRows(a, t.id)).toEqual([expect.objectContaining({ status: 'resolved', resolution: 'lost' })]);
      expect(conflictRows(b, t.id)).toEqual(conflictRows(a, t.id));
      expect((await a.call('sync.status')).conflicts).toBe(countA0);
    });

    it('tells the one whose older edit arrived after a newer one, and keeping the newer value just clears it', async () => {
      const t = await a.call('tickets.create', { type: 'incident', title: 'Door badge reader', impact: 2, urgency: 2 });
      await syncAll(a, b);
      // B edits first (older), A later (newer) and A syncs first: B's edit arrives second and loses.
      await b.call('tickets.update', { id: t.id, fields: { priority: 2 } });
      await pause(5);
      await a.call('tickets.update', { id: t.id, fields: { priority: 1 } });
      await syncAll(a, b, a);
      expect((await a.call('tickets.get', { id: t.id })).priority).toBe(1);
      expect((await b.call('tickets.get', { id: t.id })).priority).toBe(1);
      const onB = (await b.call('conflicts.list', { lostBy: 'me' })).items.filter((c) => c.recordId === t.id);
      expect(onB.map((c) => [c.kind, c.mine.value, c.theirs.value, c.lostByMe])).toEqual([['overwritten', '2', '1', true]]);
      expect((await a.call('conflicts.list', {})).items.filter((c) => c.recordId === t.id)).toEqual([]);
      expect(conflictRows(a, t.id)).toEqual(conflictRows(b, t.id));

      await b.call('conflicts.keepWinners', { ids: [onB[0]!.id] });
      await syncAll(b, a);
      expect((await b.call('tickets.get', { id: t.id })).priority).toBe(1);
      expect(conflictRows(a, t.id)).toEqual([expect.objectContaining({ status: 'resolved', resolution: 'kept' })]);
      expect(conflictRows(b, t.id)).toEqual(conflictRows(a, t.id));
    });

    it('keeps creation, update and timeline times the same on every device; a comment moves updated_at everywhere', async () => {
      const t = await a.call('tickets.create', { type: 'incident', title: 'Times travel', description: 'first' });
      await a.call('tickets.comment', { id: t.id, body: 'On my way' });
      await syncAll(a, b);
      const pick = (x: { createdAt: string; updatedAt: string; timeline: { id: string; at: string }[] }) => ({
        createdAt: x.createdAt,
        updatedAt: x.updatedAt,
        timeline: x.timeline.map((e) => [e.id, e.at]),
      });
      expect(pick(await b.call('tickets.get', { id: t.id }))).toEqual(pick(await a.call('tickets.get', { id: t.id })));

      // A comment written on B, later than anything else on the ticket.
      await pause(10);
      const c = await b.call('tickets.comment', { id: t.id, body: 'Fixed the cable' });
      await syncAll(b, a);
      const onA = await a.call('tickets.get', { id: t.id });
      const onB = await b.call('tickets.get', { id: t.id });
      expect(onB.updatedAt).toBe(c.at);
      expect(onA.updatedAt).toBe(c.at);
      expect(pick(onA)).toEqual(pick(onB));
      // "Recently updated" sorts the same on both laptops.
      const order = async (d: Device) => (await d.call('tickets.list', { view: 'all', sort: 'updated', limit: 200 })).items.map((r: { id: string; updatedAt: string }) => [r.id, r.updatedAt]);
      expect(await order(b)).toEqual(await order(a));
      expect((await order(a))[0]![0]).toBe(t.id);
    });

    it('2,000 tickets seeded on one device keep their times on the devices that pull them', async () => {
      const seeded = await startDevice({ sampleData: true, site: 'Seed' });
      try {
        await seeded.call('sync.join', { serverUrl: server.url, ...ADMIN });
        await syncAll(seeded, b);
        const times = (d: Device) =>
          d.rt.store.sqlite
            .prepare(
              `SELECT t.id, t.created_at, t.updated_at,
                 (SELECT group_concat(h.id || '=' || h.created_at) FROM ticket_history h WHERE h.ticket_id = t.id) AS history,
                 (SELECT group_concat(c.id || '=' || c.created_at) FROM ticket_comments c WHERE c.ticket_id = t.id) AS comments
               FROM tickets t WHERE t.id IN (SELECT id FROM tickets ORDER BY id) ORDER BY t.id`,
            )
            .all() as { id: string }[];
        const mine = times(seeded);
        expect(mine.length).toBeGreaterThanOrEqual(2000);
        const pulled = new Map(times(b).map((r) => [r.id, r]));
        const differing = mine.filter((r) => JSON.stringify(pulled.get(r.id)) !== JSON.stringify(r));
        expect(differing.slice(0, 3)).toEqual([]);
      } finally {
        seeded.close();
      }
    }, 120_000);
  });
}
