/**
 * Numbers people can trust, over real HTTP: a device holds a reserve of leased numbers; offline it
 * uses them up, then gives visibly provisional numbers (INC-P-…) that cannot collide with anyone's;
 * at the next sync the server numbers them, and every number ever shown (leased, provisional) still
 * opens the same ticket on both devices, by number lookup and by search. Runs on the embedded store,
 * and on PostgreSQL when OUTPOST_TEST_PG_URL is set.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer } from '../../server/http';
import { MIN_RESERVE } from './client';
import { ADMIN, startDevice, startTestServer, type Device, type TestServer } from '../../testing/sync-harness';

const PG = process.env.OUTPOST_TEST_PG_URL;

for (const variant of ['sqlite', 'postgres'] as const) {
  describe.skipIf(variant === 'postgres' && !PG)(`a number block used up offline (${variant} store)`, () => {
    let server: TestServer;
    let a: Device;
    let b: Device;

    beforeAll(async () => {
      server = await startTestServer({ pgUrl: variant === 'postgres' ? PG : undefined });
      a = await startDevice({ site: 'HQ' });
      b = await startDevice({ site: 'Depot' });
      await a.call('sync.join', { serverUrl: server.url, ...ADMIN });
      await b.call('sync.join', { serverUrl: server.url, ...ADMIN });
      await a.call('sync.now');
      await b.call('sync.now');
    });
    afterAll(async () => {
      a?.close();
      b?.close();
      await server?.close();
    });

    it('gives provisional numbers once the block runs out, and every number shown keeps leading to its ticket', async () => {
      const inc = async (d: Device) => (await d.call('sync.status')).numbers.find((n) => n.prefix === 'INC')!;
      expect(await inc(a)).toMatchObject({ remaining: MIN_RESERVE, reserve: MIN_RESERVE, low: false, provisional: 0 });

      await server.http.close();
      const made: { id: string; number: string }[] = [];
      for (let i = 0; i < MIN_RESERVE + 3; i++) {
        const t = await a.call('tickets.create', { type: 'incident', title: `Offline ticket ${i}` });
        made.push({ id: t.id, number: t.number });
      }
      const leased = made.slice(0, MIN_RESERVE);
      const provisional = made.slice(MIN_RESERVE);
      for (const t of leased) expect(t.number).toMatch(/^INC\d{7}$/);
      for (const [i, t] of provisional.entries()) {
        // Visibly provisional: it fails the INC\d{7} pattern and names this device.
        expect(t.number).toMatch(new RegExp(`^INC-P-[0-9A-F]{6}-${i + 1}$`));
        expect(t.number).not.toMatch(/^INC\d{7}$/);
      }
      expect(await inc(a)).toMatchObject({ remaining: 0, low: true, provisional: 3 });

      server.http = await startServer(server.store, { port: server.http.port });
      await a.call('sync.now');
      await b.call('sync.now');

      // The leased numbers stood; the provisional ones got real numbers, and say what they were.
      for (const t of leased) expect((await a.call('tickets.get', { id: t.id })).number).toBe(t.number);
      const finals = new Set<string>();
      for (const t of provisional) {
        for (const d of [a, b]) {
          const got = await d.call('tickets.get', { id: t.id });
          expect(got.number).toMatch(/^INC\d{7}$/);
          expect(got.formerNumber).toBe(t.number);
          finals.add(got.number);
        }
      }
      expect(finals.size).toBe(3);

      // Every number ever shown opens the same ticket on both devices: lookup and search.
      for (const d of [a, b]) {
        for (const t of made) expect((await d.call('tickets.getByNumber', { number: t.number })).id).toBe(t.id);
        for (const t of provisional) expect((await d.call('search.query', { text: t.number })).items.map((h) => h.id)).toContain(t.id);
      }
      // Nothing waits as refused, and the reserve is topped up to this device's own recent rate.
      expect((await a.call('sync.status')).rejected).toBe(0);
      const after = await inc(a);
      expect(after.provisional).toBe(0);
      expect(after.reserve).toBe(MIN_RESERVE + 3);
      expect(after.remaining).toBeGreaterThanOrEqual(after.reserve);
      expect(after.low).toBe(false);
    });
  });
}
