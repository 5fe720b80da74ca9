/**
 * Provisional numbers stay findable: a ticket numbered on a device outside any lease gets a final
 * number from the server on push; after the pull, search and number lookup on that device still
 * find it by the number people saw first. Runs on the embedded store, and on PostgreSQL when
 * OUTPOST_TEST_PG_URL is set.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, startDevice, startTestServer, type Device, type TestServer } from '../../testing/sync-harness';

const PG = process.env.OUTPOST_TEST_PG_URL;

for (const variant of ['sqlite', 'postgres'] as const) {
  describe.skipIf(variant === 'postgres' && !PG)(`provisional numbers stay searchable (${variant} store)`, () => {
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

    it('keeps the replaced number as an alias for search.query and tickets.getByNumber', async () => {
      // A joins first and leases the first block of incident numbers.
      await a.call('sync.join', { serverUrl: server.url, ...ADMIN });
      await a.call('sync.now');
      // B, still standalone, counts locally: its number falls inside A's lease, so the server replaces it.
      const t = await b.call('tickets.create', { type: 'incident', title: 'Scanner offline in the depot' });
      const provisional = t.number;
      await b.call('sync.join', { serverUrl: server.url, ...ADMIN });
      await b.call('sync.now');
      await b.call('sync.now');
      const after = await b.call('tickets.get', { id: t.id });
      expect(after.number).not.toBe(provisional);

      // Nobody holds the old number now: the lookup leads to the renumbered ticket.
      expect((await b.call('tickets.getByNumber', { number: provisional })).id).toBe(t.id);
      const hits = (await b.call('search.query', { text: provisional })).items;
      expect(hits.map((h) => h.id)).toContain(t.id);
      expect(hits.find((h) => h.id === t.id)!.number).toBe(after.number);
      // The final number works too.
      expect((await b.call('tickets.getByNumber', { number: after.number })).id).toBe(t.id);

      // A later ticket that rightfully holds the old number comes first; the alias still shows.
      const owner = await a.call('tickets.create', { type: 'incident', title: 'Badge reader stuck' });
      expect(owner.number).toBe(provisional);
      await a.call('sync.now');
      await b.call('sync.now');
      expect((await b.call('tickets.getByNumber', { number: provisional })).id).toBe(owner.id);
      const both = (await b.call('search.query', { text: provisional })).items.map((h) => h.id);
      expect(both.slice(0, 2)).toEqual([owner.id, t.id]);
    });
  });
}
