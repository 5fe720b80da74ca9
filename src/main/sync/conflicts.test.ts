/**
 * The conflicts inbox on a real store holding 650 conflicts pulled from the server: keyset pages
 * reach every one of them (no cap), each filter narrows to exactly the matching ones, the total and
 * the top-bar count are the same number, the queries use the inbox index, and "keep the winner"
 * for reviewed conflicts settles them in one transaction (or none of them when one is unknown).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../db/open';
import { initialize } from '../services/setup/setup';
import { loadActor } from '../services/directory/users';
import { createSite } from '../services/directory/sites';
import type { Ctx } from '../services/core/context';
import { deviceId } from '../services/core/ops';
import { applyPage } from './apply';
import { countConflicts, keepWinners, listConflicts, resolveConflict, type ConflictFilter } from './conflicts';
import { syncHandlers } from '../api/handlers/sync';
import type { Change } from '../../shared/sync/wire';
import type { ConflictItem } from '../../shared/api/sync';

const KINDS = ['field', 'transition', 'deleted', 'overwritten'] as const;
const ENTITIES = ['tickets', 'assets', 'team_settings'] as const;
const N = 650;

let dir: string;
let store: Store;
let ctx: Ctx;
let me: string;
let sites: string[];
let seeded: { id: string; recordId: string; kind: string; entity: string; scopeId: string; status: string; lostAuthor: string | null; lostDevice: string; createdAt: string }[];

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'outpost-inbox-'));
  store = openStore(path.join(dir, 'd.db'));
  const clock = { now: () => new Date('2026-03-09T09:00:00Z') };
  const s = initialize({ store, clock, actor: null, call: 'setup.init' }, { admin: { username: 'admin', displayName: 'Ada', password: 'password123' }, site: { name: 'HQ' } });
  const admin = loadActor(store.sqlite, s.user.id)!;
  const depot = createSite({ store, clock, actor: admin, call: 't' }, { name: 'Depot' });
  ctx = { store, clock, actor: loadActor(store.sqlite, s.user.id)!, call: 't' };
  sites = [admin.siteIds[0]!, depot.id];
  me = deviceId(store.sqlite);
  // As the server sends them: every kind, three record types, two sites and team-wide, lost by this
  // person, by this device, or by someone else; auto-resolved ones only for overwritten fields; a
  // few already resolved. Several share a creation time, so the keyset's id tiebreak matters.
  const changes: Change[] = [];
  seeded = [];
  for (let i = 0; i < N; i++) {
    const kind = KINDS[i % 4]!;
    const entity = ENTITIES[i % 3]!;
    const scopeId = entity === 'team_settings' ? 'global' : sites[i % 2]!;
    const lost = i % 5;
    const lostAuthor = lost === 0 ? ctx.actor!.id : lost === 1 ? null : `person-${lost}`;
    const lostDevice = lost === 1 ? me : `device-${lost}`;
    const status = i % 13 === 0 ? 'resolved' : kind === 'overwritten' ? 'auto' : 'open';
    const createdAt = new Date(Date.parse('2026-03-01T00:00:00Z') + Math.floor(i / 3) * 60_000).toISOString();
    const id = `c-${String((i * 7919) % 100_000).padStart(6, '0')}-${i}`;
    const stamp = `001772442000000:00000000@server`;
    const data = {
      entity, record_id: `r-${i % 37}`, field: kind === 'transition' ? 'status' : 'priority', kind,
      kept_value: '1', lost_value: '2', kept_stamp: stamp, lost_stamp: stamp, kept_device: 'device-9', lost_device: lostDevice, lost_author: lostAuthor,
      status, resolution: status === 'resolved' ? 'kept' : null, resolved_by: null,
    };
    changes.push({ seq: i + 1, entity: 'sync_conflicts', id, scopeId, data, fieldHlc: { '*': stamp }, deletedHlc: null, createdAt, updatedAt: createdAt });
    seeded.push({ id, recordId: data.record_id, kind, entity, scopeId, status, lostAuthor, lostDevice, createdAt });
  }
  expect(applyPage(store.sqlite, { from: 0, cursor: N, hasMore: false, changes }, Date.now())).not.toBeNull();
});

afterAll(() => {
  store.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const mine = (c: (typeof seeded)[number]) => c.lostAuthor === ctx.actor!.id || c.lostDevice === me;

/** What the inbox must hold under a filter, newest first, worked out from what was seeded. */
function oracle(f: ConflictFilter): string[] {
  return seeded
    .filter((c) => c.status === 'open' || (c.status === 'auto' && mine(c)))
    .filter((c) => (!f.recordId || c.recordId === f.recordId) && (!f.kind || c.kind === f.kind) && (!f.entity || c.entity === f.entity) && (!f.siteId || c.scopeId === f.siteId))
    .filter((c) => (f.lostBy === 'me' ? mine(c) : f.lostBy === 'others' ? !mine(c) : true))
    .sort((a, b) => (a.createdAt !== b.createdAt ? (a.createdAt < b.createdAt ? 1 : -1) : a.id < b.id ? 1 : -1))
    .map((c) => c.id);
}

function pageThrough(f: ConflictFilter, limit: number): { ids: string[]; totals: Set<number>; pages: number } {
  const ids: string[] = [];
  const totals = new Set<number>();
  let cursor: string | null = null;
  let pages = 0;
  do {
    const p = listConflicts(ctx, { ...f, cursor, limit });
    pages++;
    ids.push(...p.items.map((c: ConflictItem) => c.id));
    totals.add(p.total);
    cursor = p.nextCursor;
  } while (cursor && pages < 1000);
  return { ids, totals, pages };
}

describe('conflicts inbox', () => {
  it('pages through every one of more than 500 conflicts, newest first, and the top bar counts the same', async () => {
    const expected = oracle({});
    expect(expected.length).toBeGreaterThan(500);
    const { ids, totals, pages } = pageThrough({}, 100);
    expect(ids).toEqual(expected);
    expect(pages).toBe(Math.ceil(expected.length / 100));
    expect([...totals]).toEqual([expected.length]);
    expect(countConflicts(ctx)).toBe(expected.length);
    // The top bar reads sync.status, whose count is this same query for the signed-in person.
    const status = await syncHandlers['sync.status'](ctx, {} as never, {} as never);
    expect(status.conflicts).toBe(expected.length);
  });

  it('narrows to exactly what each filter and combination asks for', () => {
    const filters: ConflictFilter[] = [
      ...KINDS.map((kind) => ({ kind })),
      ...ENTITIES.map((entity) => ({ entity })),
      { siteId: sites[0] },
      { siteId: sites[1] },
      { siteId: 'global' },
      { lostBy: 'me' },
      { lostBy: 'others' },
      { lostBy: 'anyone' },
      { kind: 'overwritten', lostBy: 'me' },
      { kind: 'field', entity: 'tickets', siteId: sites[1] },
      { entity: 'assets', lostBy: 'others', kind: 'deleted' },
      { recordId: 'r-7' },
    ];
    for (const f of filters) {
      const expected = oracle(f);
      const { ids, totals } = pageThrough(f, 37);
      expect({ f, ids }).toEqual({ f, ids: expected });
      expect({ f, total: [...totals] }).toEqual({ f, total: [ids.length] });
    }
    // An auto-resolved conflict is told only to the person (or device) whose value it overwrote.
    const others = pageThrough({ kind: 'overwritten', lostBy: 'others' }, 100);
    expect(others.ids).toEqual([]);
    const told = listConflicts(ctx, { kind: 'overwritten', limit: 5 }).items;
    expect(told.length).toBeGreaterThan(0);
    expect(told.every((c) => c.autoResolved && c.lostByMe)).toBe(true);
  });

  it('a record filter finds only that record’s conflicts, as the badge on its page counts them', () => {
    const expected = oracle({ recordId: 'r-7' });
    expect(expected.length).toBeGreaterThan(1);
    const page = listConflicts(ctx, { recordId: 'r-7', limit: 1 });
    expect(page.total).toBe(expected.length);
    expect(page.items.map((c) => c.recordId)).toEqual(['r-7']);
  });

  it('uses the inbox index, never a scan of every conflict', () => {
    const plan = (sql: string, ...args: unknown[]) =>
      (store.sqlite.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...args) as { detail: string }[]).map((r) => r.detail).join(' | ');
    const mineSql = '(lost_author = ? OR lost_device = ?)';
    const where = `deleted_hlc IS NULL AND (status = 'open' OR (status = 'auto' AND ${mineSql}))`;
    const list = plan(`SELECT * FROM sync_conflicts WHERE ${where} AND (created_at < ? OR (created_at = ? AND id < ?)) ORDER BY created_at DESC, id DESC LIMIT 101`, 'a', 'b', 'x', 'x', 'y');
    expect(list).toMatch(/sync_conflicts_inbox_idx/);
    expect(list).not.toMatch(/SCAN sync_conflicts(?! USING)/);
    const badge = plan(`SELECT count(*) FROM sync_conflicts WHERE ${where} AND record_id = ?`, 'a', 'b', 'r-1');
    expect(badge).toMatch(/sync_conflicts_record_idx|sync_conflicts_inbox_idx/);
  });

  it('keeps the winner for reviewed conflicts in one transaction, and refuses the whole set when one is unknown', () => {
    const before = countConflicts(ctx);
    const transitions = pageThrough({ kind: 'transition' }, 500).ids;
    const opsBefore = store.sqlite.prepare('SELECT count(*) FROM pending_ops').pluck().get() as number;
    expect(() => keepWinners(ctx, [...transitions.slice(0, 3), 'no-such-conflict'])).toThrow(/No such conflict/);
    expect(countConflicts(ctx)).toBe(before);
    expect(store.sqlite.prepare('SELECT count(*) FROM pending_ops').pluck().get()).toBe(opsBefore);

    const r = keepWinners(ctx, transitions);
    expect(r).toEqual({ resolved: transitions.length, alreadySettled: 0 });
    expect(countConflicts(ctx)).toBe(before - transitions.length);
    expect(countConflicts(ctx, { kind: 'transition' })).toBe(0);
    // Only the conflicts changed: one op each, status and resolution, nothing written to the records.
    const ops = store.sqlite.prepare('SELECT entity, kind, payload FROM pending_ops ORDER BY device_seq').all().slice(opsBefore) as { entity: string; kind: string; payload: string }[];
    expect(ops).toHaveLength(transitions.length);
    for (const op of ops) {
      expect(op.entity).toBe('sync_conflicts');
      expect(JSON.parse(op.payload)).toEqual({ status: 'resolved', resolution: 'kept', resolved_by: ctx.actor!.id });
    }
    // Settled elsewhere meanwhile: counted, not an error.
    expect(keepWinners(ctx, transitions.slice(0, 2))).toEqual({ resolved: 0, alreadySettled: 2 });
    expect(() => resolveConflict(ctx, transitions[0]!, 'mine')).toThrow(/already resolved/);
  });
});
