/**
 * Team-wide settings over sync (real server over HTTP, two or three devices): the priority matrix
 * and a concurrent impact edit end with the same derived priority everywhere, categories and
 * custom fields added by two administrators offline both survive, a concurrent edit of the same
 * setting lands in the Conflicts inbox, and only administrators may change settings over sync.
 * Runs on the embedded store, and on PostgreSQL when OUTPOST_TEST_PG_URL is set.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uuidv7 } from '../../shared/ids';
import { PRIORITY_MATRIX_ID } from '../../shared/settings/team';
import { hashPassword } from '../../server/auth';
import { recordKey } from '../../server/store/types';
import { DEFAULT_CATEGORIES } from '../services/settings/settings';
import { ADMIN, startDevice, startTestServer, type Device, type TestServer } from '../../testing/sync-harness';
import { syncClientFor } from './registry';

const MATRIX = [
  [1, 1, 2],
  [2, 1, 4],
  [3, 4, 4],
] as const;
const matrix = () => MATRIX.map((r) => [...r]) as (1 | 2 | 3 | 4)[][];

const PG = process.env.OUTPOST_TEST_PG_URL;

for (const variant of ['sqlite', 'postgres'] as const)
  describe.skipIf(variant === 'postgres' && !PG)(`team settings over sync (${variant} store)`, () => {
    let server: TestServer;
    let a: Device;
    let b: Device;

    beforeAll(async () => {
      server = await startTestServer({ pgUrl: variant === 'postgres' ? PG : undefined });
      a = await startDevice({ site: 'HQ' });
      b = await startDevice({ site: 'Depot' });
      await a.call('sync.join', { serverUrl: server.url, ...ADMIN });
      await b.call('sync.join', { serverUrl: server.url, ...ADMIN });
      // A and B sync when told to (sync.now), not when a poke or their own edit would start a pass:
      // each test decides which edit reaches the server first, and which edits are concurrent.
      for (const d of [a, b]) syncClientFor(d.rt).stop();
      await a.call('sync.now');
      await b.call('sync.now');
    });
    afterAll(async () => {
      a?.close();
      b?.close();
      await server?.close();
    });

    const onServer = async (entity: string, id: string) => {
      const m = await server.store.withSyncTx((tx) => tx.loadRecords([{ entity, id }]));
      return m.get(recordKey(entity, id)) ?? null;
    };
    const settle = async () => {
      await a.call('sync.now');
      await b.call('sync.now');
      await a.call('sync.now');
    };

    // Both orders of arrival at the server: the matrix first, or the impact edit first.
    for (const first of ['matrix', 'impact'] as const) {
      it(`derives the same priority everywhere when the matrix and an impact edit cross (${first} reaches the server first)`, async () => {
        const t = await a.call('tickets.create', { type: 'incident', title: `Scanner offline (${first})`, impact: 2, urgency: 2 });
        await settle();
        expect((await b.call('tickets.get', { id: t.id })).priority).toBe(3);

        // Offline on both: A changes the matrix (2×2 → P1), B raises the impact (1×2: P2 by the old matrix, P1 by the new).
        if (first === 'matrix') await a.call('settings.update', { priorityMatrix: matrix() });
        await b.call('tickets.update', { id: t.id, fields: { impact: 1 } });
        if (first === 'impact') await a.call('settings.update', { priorityMatrix: matrix() });
        // B has not seen the new matrix yet: its own copy follows the old one until it syncs.
        expect((await b.call('tickets.get', { id: t.id })).priority).toBe(2);

        if (first === 'matrix') {
          await a.call('sync.now');
          await b.call('sync.now');
          await a.call('sync.now');
        } else {
          await b.call('sync.now');
          await a.call('sync.now');
          await b.call('sync.now');
        }
        const ta = await a.call('tickets.get', { id: t.id });
        const tb = await b.call('tickets.get', { id: t.id });
        const ts = await onServer('tickets', t.id);
        expect([ta.impact, tb.impact, ts?.data.impact]).toEqual([1, 1, 1]);
        expect([ta.priority, tb.priority, ts?.data.priority]).toEqual([1, 1, 1]);
        expect((await b.call('settings.get')).priorityMatrix).toEqual(MATRIX);
        expect(JSON.parse(String((await onServer('team_settings', PRIORITY_MATRIX_ID))?.data.value))).toEqual(MATRIX);

        // Back to the default for the next round; open tickets follow it on every replica.
        await a.call('settings.update', {
          priorityMatrix: [
            [1, 2, 3],
            [2, 3, 4],
            [3, 4, 4],
          ],
        });
        await settle();
        expect((await b.call('tickets.get', { id: t.id })).priority).toBe(2);
        expect((await onServer('tickets', t.id))?.data.priority).toBe(2);
      });
    }

    it('keeps a hand-set priority when the matrix changes', async () => {
      const t = await b.call('tickets.create', { type: 'incident', title: 'CEO laptop', impact: 3, urgency: 3 });
      await b.call('tickets.update', { id: t.id, fields: { priority: 1 } });
      await settle();
      await a.call('settings.update', {
        priorityMatrix: [
          [1, 2, 3],
          [2, 3, 4],
          [3, 4, 3],
        ],
      });
      await settle();
      expect((await a.call('tickets.get', { id: t.id })).priority).toBe(1);
      expect((await b.call('tickets.get', { id: t.id })).priority).toBe(1);
      expect((await onServer('tickets', t.id))?.data.priority).toBe(1);
    });

    it('keeps categories two administrators added offline, each once', async () => {
      await a.call('settings.update', { categories: [...DEFAULT_CATEGORIES, { name: 'Security', subcategories: ['Phishing'] }] });
      await b.call('settings.update', {
        categories: [...DEFAULT_CATEGORIES.filter((c) => c.name !== 'Facilities'), { name: 'Telephony', subcategories: ['Desk phone'] }],
      });
      await settle();
      const ca = (await a.call('settings.get')).categories;
      const cb = (await b.call('settings.get')).categories;
      expect(ca).toEqual(cb);
      const names = ca.map((c) => c.name);
      expect(names).toContain('Security');
      expect(names).toContain('Telephony');
      // B removed Facilities deliberately; A's untouched defaults do not bring it back.
      expect(names).not.toContain('Facilities');
      expect(new Set(names).size).toBe(names.length);
      expect(ca.find((c) => c.name === 'Security')?.subcategories).toEqual(['Phishing']);
      expect(ca.find((c) => c.name === 'Hardware')?.subcategories).toEqual(DEFAULT_CATEGORIES[0]!.subcategories);
    });

    it('keeps asset custom fields two administrators added to the same category offline', async () => {
      await a.call('assets.saveFieldDefs', {
        category: 'Laptop',
        fields: [{ key: 'ram', label: 'RAM (GB)', type: 'number', required: false }],
      });
      await b.call('assets.saveFieldDefs', { category: 'Laptop', fields: [{ key: 'cpu', label: 'CPU', type: 'text', required: false }] });
      await settle();
      const fa = (await a.call('assets.fieldDefs')).items
        .find((c) => c.category === 'Laptop')
        ?.fields.map((f) => f.key)
        .sort();
      const fb = (await b.call('assets.fieldDefs')).items
        .find((c) => c.category === 'Laptop')
        ?.fields.map((f) => f.key)
        .sort();
      expect(fa).toEqual(['cpu', 'ram']);
      expect(fb).toEqual(['cpu', 'ram']);
    });

    it('keeps the last value of a setting both changed, and shows the other in the Conflicts inbox', async () => {
      await a.call('settings.update', { organisation: 'Acme IT' });
      await new Promise((r) => setTimeout(r, 5));
      await b.call('settings.update', { organisation: 'Acme IT Services' });
      await b.call('sync.now');
      await a.call('sync.now');
      await b.call('sync.now');
      expect((await a.call('settings.get')).organisation).toBe('Acme IT Services');
      expect((await b.call('settings.get')).organisation).toBe('Acme IT Services');
      const ca = (await a.call('conflicts.list')).items.filter((c) => c.entity === 'team_settings');
      const cb = (await b.call('conflicts.list')).items.filter((c) => c.entity === 'team_settings');
      expect(ca).toHaveLength(1);
      expect(cb).toHaveLength(1);
      expect(ca[0]!.recordLabel).toBe('Team setting: organisation name');
      expect(ca[0]!.mine.value).toBe(JSON.stringify('Acme IT'));
      expect(ca[0]!.theirs.value).toBe(JSON.stringify('Acme IT Services'));
      // Keeping A's value from the inbox makes it the team's value everywhere.
      await a.call('conflicts.resolve', { id: ca[0]!.id, keep: 'mine' });
      await settle();
      expect((await b.call('settings.get')).organisation).toBe('Acme IT');
      // The sign-in screen names the team the same way.
      expect((await b.call('setup.status')).organisation).toBe('Acme IT');
      expect((await b.call('conflicts.list')).items.filter((c) => c.entity === 'team_settings')).toHaveLength(0);
    });

    for (const role of ['technician', 'auditor'] as const) {
      it(`refuses settings changes over sync from a ${role}`, async () => {
        await server.store.createUser({
          id: uuidv7(),
          username: `${role}1`,
          passwordHash: await hashPassword('password123'),
          role,
          sites: null,
          active: true,
        });
        const c = await startDevice({ site: 'Field' });
        try {
          await c.call('sync.join', { serverUrl: server.url, username: `${role}1`, password: 'password123' });
          await c.call('sync.now');
          const before = await onServer('team_settings', PRIORITY_MATRIX_ID);
          // The device's own local account is an administrator, but the device judges each change
          // by the server's rules before queueing it: the person is told at once, nothing is queued.
          const matrixBefore = (await c.call('settings.get')).priorityMatrix;
          await expect(
            c.call('settings.update', {
              priorityMatrix: [
                [4, 4, 4],
                [4, 4, 4],
                [4, 4, 4],
              ],
            }),
          ).rejects.toThrow(`The server would refuse this change: Your role (${role}) cannot change team settings`);
          await expect(c.call('settings.update', { categories: [{ name: `Only ${role}s`, subcategories: [] }] })).rejects.toThrow(/server would refuse/);
          expect((await c.call('settings.get')).priorityMatrix).toEqual(matrixBefore);
          expect((await c.call('sync.status')).pending).toBe(0);
          await c.call('sync.now');
          const after = await onServer('team_settings', PRIORITY_MATRIX_ID);
          expect(after?.data.value).toBe(before?.data.value);
          await a.call('sync.now');
          expect((await a.call('settings.get')).priorityMatrix).not.toEqual([
            [4, 4, 4],
            [4, 4, 4],
            [4, 4, 4],
          ]);
          expect((await a.call('settings.get')).categories.map((x) => x.name)).not.toContain(`Only ${role}s`);
        } finally {
          c.close();
        }
      });
    }
  });
