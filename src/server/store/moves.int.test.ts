/**
 * Both server stores: a record moved out of a site still reaches that site's devices, as a bare
 * "moved out" change (naming neither its new site nor any of its data), in change-log order and across page
 * boundaries; a device holding the new site gets the record itself. Also: a pull restricted to
 * requested sites never widens what the user may receive, and tickets cannot be "restored".
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSqliteStore } from './sqlite';
import { openPgStore } from './pg';
import { resetPg } from './reset';
import type { ServerStore } from './types';
import { push, type PushAuth } from '../engine';
import { pullScopes } from '../http';
import { formatHlc } from '../../shared/hlc';
import type { Change, WireOp } from '../../shared/sync/wire';

const PG = process.env.OUTPOST_TEST_PG_URL;
const NOW = Date.parse('2026-03-01T10:00:00Z');
const auth: PushAuth = { userId: 'u-admin', role: 'admin', sites: null, deviceId: 'dev-a' };
let seq = 0;

function op(kind: WireOp['kind'], id: string, payload: Record<string, unknown>, scopeId = 'site-1'): WireOp {
  seq++;
  return { opId: `op-${seq}`, deviceSeq: seq, hlc: formatHlc({ wall: NOW - 100_000 + seq, counter: 0 }), schemaVersion: 1, kind, entity: 'tickets', recordId: id, scopeId, createdAt: new Date(NOW).toISOString(), payload };
}

function create(id: string, n: number): WireOp {
  return op('create', id, {
    number: `INC${String(n).padStart(7, '0')}`, type: 'incident', title: `Ticket ${id}`, description: '', impact: 3, urgency: 3, priority: 4,
    priority_overridden: 0, status: 'new', is_open: 1, opened_at: new Date(NOW).toISOString(), scope_id: 'site-1',
  });
}

/** Every change for `scopes` after `from`, page by page. */
async function pullAll(store: ServerStore, scopes: string[] | null, from: number, limit: number): Promise<Change[]> {
  const out: Change[] = [];
  let cursor = from;
  for (let i = 0; i < 100; i++) {
    const page = await store.pull(scopes, cursor, limit);
    out.push(...page.changes);
    if (!page.hasMore) break;
    expect(page.cursor).toBeGreaterThan(cursor);
    cursor = page.cursor;
  }
  return out;
}

describe('pull scopes', () => {
  it('narrows requested sites to the user’s and refuses a malformed list', () => {
    expect(pullScopes(['s1', 's2'], null)).toEqual(['global', 's1', 's2']);
    expect(pullScopes(null, null)).toBeNull();
    expect(pullScopes(['s1'], 's1,s9')).toEqual(['s1']);
    expect(pullScopes(['s1'], 's9')).toEqual([]);
    expect(pullScopes(null, 's9,s9')).toEqual(['s9']);
    expect(() => pullScopes(['s1'], ',,')).toThrow(/scopes must list site ids/);
  });
});

for (const variant of ['sqlite', 'postgres'] as const) {
  describe.skipIf(variant === 'postgres' && !PG)(`moves between sites in the change log (${variant})`, () => {
    let store: ServerStore;
    let dir: string;

    beforeAll(async () => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'outpost-moves-'));
      if (variant === 'postgres') await resetPg(PG!);
      store = variant === 'postgres' ? await openPgStore(PG!) : openSqliteStore(dir);
      await store.migrate();
    });
    afterAll(async () => {
      await store?.close();
      fs.rmSync(dir, { recursive: true, force: true });
    });

    it('sends the old site a bare moved-out change, in order, on every page size', async () => {
      await push(store, auth, { deviceId: 'dev-a', clientVersion: '0.1.0', schemaVersion: 1, cursor: 0, ops: ['t1', 't2', 't3', 't4'].map((id, i) => create(id, i + 1)) }, NOW);
      const before = await store.headSeq();
      // t2 moves to site-2 and, in the same batch, gets a new title there; t3 moves and comes back.
      const moves = [
        op('setFields', 't2', { scope_id: 'site-2', from_scope: 'site-1' }, 'site-2'),
        op('setFields', 't2', { title: 'Now at site 2' }, 'site-2'),
        op('setFields', 't3', { scope_id: 'site-2', from_scope: 'site-1' }, 'site-2'),
        op('setFields', 't4', { title: 'Still at site 1' }),
      ];
      await push(store, auth, { deviceId: 'dev-a', clientVersion: '0.1.0', schemaVersion: 1, cursor: before, ops: moves }, NOW);
      const mid = await store.headSeq();
      await push(store, auth, { deviceId: 'dev-a', clientVersion: '0.1.0', schemaVersion: 1, cursor: mid, ops: [op('setFields', 't3', { scope_id: 'site-1', from_scope: 'site-2' })] }, NOW);

      for (const limit of [1, 2, 1000]) {
        const site1 = await pullAll(store, ['global', 'site-1'], before, limit);
        const byId = (id: string) => site1.filter((c) => c.id === id);
        // t2 left: one bare change naming neither its new site nor any of its data.
        expect(byId('t2')).toEqual([expect.objectContaining({ id: 't2', scopeId: '', data: {}, fieldHlc: {} })]);
        expect(JSON.stringify(byId('t2'))).not.toContain('site-2');
        // t3 came back: the full record, and no moved-out marker (its site is held).
        expect(byId('t3').map((c) => [c.scopeId, c.data.title])).toEqual([['site-1', 'Ticket t3']]);
        expect(byId('t4').map((c) => c.data.title)).toEqual(['Still at site 1']);
        const seqs = site1.map((c) => c.seq);
        expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
        expect(new Set(seqs).size).toBe(seqs.length);

        const site2 = await pullAll(store, ['global', 'site-2'], before, limit);
        expect(site2.find((c) => c.id === 't2')!.data.title).toBe('Now at site 2');
        // t3 passed through site 2 and left it again.
        expect(site2.filter((c) => c.id === 't3')).toEqual([expect.objectContaining({ scopeId: '', data: {} })]);

        // A device holding both sites, or every site, sees only full records (checked below).
        for (const scopes of [['global', 'site-1', 'site-2'], null]) {
          const all = await pullAll(store, scopes, before, limit);
          expect(all.every((c) => Object.keys(c.data).length > 0)).toBe(true);
        }
      }
    });

    it('refuses a restore of a ticket (tickets are never deleted; a restore would be an edit by another name)', async () => {
      const r = await push(store, auth, { deviceId: 'dev-a', clientVersion: '0.1.0', schemaVersion: 1, cursor: 0, ops: [op('restore', 't1', { fields: { title: 'Sneaky' } })] }, NOW);
      expect(r.results[0]).toMatchObject({ status: 'rejected', reason: expect.stringMatching(/nothing to restore/) });
    });
  });
}
