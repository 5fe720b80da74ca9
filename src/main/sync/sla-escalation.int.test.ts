/**
 * Escalation across two devices and a real server: both laptops hold the same ticket and policy,
 * go apart, and each notices the same overdue levels. Each level is one record everywhere (its id
 * comes from ticket + policy + level), the ticket ends with the same priority and assignee on both,
 * and both show the same SLA figures, which come from the synced history, not from either device's
 * clock. The history shows each level, and each field it changed, once. Runs on the embedded store, and on PostgreSQL when OUTPOST_TEST_PG_URL is set.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, startDevice, startTestServer, type Device, type TestServer } from '../../testing/sync-harness';
import { recordKey } from '../../server/store/types';
import { escalationId } from '../services/sla/escalate';

const PG = process.env.OUTPOST_TEST_PG_URL;
const H = 3_600_000;

/** Real time shifted by `offset`: the devices start two hours back, so a ticket they open is overdue by now. */
function shiftedClock() {
  const c = { offset: -2 * H, now: () => new Date(Date.now() + c.offset) };
  return c;
}

for (const variant of ['sqlite', 'postgres'] as const) {
  describe.skipIf(variant === 'postgres' && !PG)(`escalation noticed on two devices (${variant} store)`, () => {
    let server: TestServer;
    let a: Device;
    let b: Device;
    const ca = shiftedClock();
    const cb = shiftedClock();
    beforeAll(async () => {
      server = await startTestServer({ pgUrl: variant === 'postgres' ? PG : undefined });
      a = await startDevice({ site: 'HQ', clock: ca });
      b = await startDevice({ site: 'HQ', clock: cb });
      await a.call('sync.join', { serverUrl: server.url, ...ADMIN });
      await b.call('sync.join', { serverUrl: server.url, ...ADMIN });
    });
    afterAll(async () => {
      a?.close();
      b?.close();
      await server?.close();
    });

    async function syncAll() {
      for (const d of [a, b, a]) expect((await d.call('sync.now')).rejected).toBe(0);
    }

    it('writes each level once whichever device notices it, and both show the same figures', async () => {
      const me = (await a.call('session.me')).id;
      const targets = { response: 30, resolution: 60 };
      const policy = await a.call('sla.savePolicy', {
        name: 'Around the clock',
        targets: { '1': targets, '2': targets, '3': targets, '4': targets },
        escalations: [
          { key: 'warn', clock: 'resolution', at: 'warning', offsetMinutes: 0, raisePriority: true, groupId: null, assigneeId: null, watcherId: null, notify: true },
          { key: 'late', clock: 'resolution', at: 'breach', offsetMinutes: 10, raisePriority: false, groupId: null, assigneeId: me, watcherId: null, notify: true },
        ],
      });
      const t = await a.call('tickets.create', { type: 'incident', title: 'Payroll export fails' });
      expect(t.priority).toBe(4);
      await syncAll();

      // Apart, two hours later: both notice both levels.
      ca.offset = 0;
      cb.offset = 0;
      const fa = await a.call('sla.escalate');
      const fb = await b.call('sla.escalate');
      expect(fa.fired.map((f) => f.level).sort()).toEqual(['late', 'warn']);
      expect(fb.fired.map((f) => f.level).sort()).toEqual(['late', 'warn']);
      await syncAll();

      for (const level of ['warn', 'late']) {
        const id = escalationId(t.id, policy.id, level);
        const recs = await server.store.withSyncTx((tx) => tx.loadRecords([{ entity: 'ticket_escalations', id }]));
        expect(recs.get(recordKey('ticket_escalations', id)), `server holds ${level}`).toBeTruthy();
      }
      const views = [];
      for (const d of [a, b]) {
        const n = d.rt.store.sqlite.prepare('SELECT count(*) FROM ticket_escalations WHERE ticket_id = ?').pluck().get(t.id);
        expect(n).toBe(2);
        const ticket = await d.call('tickets.get', { id: t.id });
        expect(ticket).toMatchObject({ priority: 3, assigneeId: me });
        expect(ticket.timeline.filter((e) => e.kind === 'field' && e.field === 'escalation')).toHaveLength(2);
        // What the levels changed shows once too, though both devices made the change.
        const changes = ticket.timeline
          .flatMap((e) =>
            e.kind === 'field' && e.field !== 'escalation'
              ? [`${e.field}: ${e.from ?? '—'} → ${e.to}`]
              : e.kind === 'status' && e.from !== null
                ? [`status: ${e.from} → ${e.to}`]
                : [],
          )
          .sort();
        expect(changes).toEqual(['assigneeId: — → Tech', 'priority: 4 → 3', 'status: new → assigned']);
        expect((await d.call('sla.escalate')).fired).toEqual([]);
        const v = await d.call('sla.ticket', { id: t.id });
        views.push({ policy: v.policyName, clocks: v.clocks.map((c) => ({ clock: c.clock, level: c.level, dueAt: c.dueAt, warnAt: c.warnAt })), escalations: v.escalations.map((e) => e.id).sort() });
      }
      expect(views[1]).toEqual(views[0]);
      expect(views[0]!.clocks.find((c) => c.clock === 'resolution')?.level).toBe('breached');
      // Both raised the priority to the same value: nothing for anyone to settle.
      expect((await a.call('conflicts.list', {})).items.filter((c) => c.recordId === t.id)).toEqual([]);
    });
  });
}
