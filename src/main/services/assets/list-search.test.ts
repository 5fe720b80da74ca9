/**
 * Asset list text search: "contains" semantics over tag, name, serial, model, manufacturer and
 * the assignee's name, case-insensitive, checked against a brute-force oracle on every route the
 * list can take (index candidates, walk of the sort order, walk that gives up and falls back).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeWorld, type World } from '../../testing';
import type { Actor, Ctx } from '../core/context';
import { checkoutAsset, createAsset, transitionAsset } from './assets';
import { FILTER_WALK_BUDGET, listAssets, searchAssets, TEXT_TUNING } from './list';
import { createLocation } from './locations';
import { ASSET_SORTS, type AssetFilter, type AssetRow, type AssetSort } from '../../../shared/api/assets';

let w: World;
let ctx: Ctx;
let pete: Actor;
let room: string;
let hall: string;
const SEED = 9071;
const ids = new Map<string, { tag: string; name: string; serial: string | null; model: string | null; manufacturer: string | null; assignee: string | null }>();

function rand(seed: number) {
  let s = seed >>> 0;
  return () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
}

beforeAll(() => {
  w = makeWorld();
  ctx = w.ctx(w.admin);
  pete = w.user('technician', 'pete.odonnell');
  const building = createLocation(ctx, { name: 'North', kind: 'building' }).id;
  room = createLocation(ctx, { name: 'Room 4', kind: 'room', parentId: building }).id;
  hall = createLocation(ctx, { name: 'Hall', kind: 'room' }).id;
  console.log(`list-search.test seed ${SEED}`);
  const r = rand(SEED);
  const makers = ['Dell', 'Lenovo', 'HP', 'Apple'];
  const kinds = ['Laptop', 'Monitor', 'Dock', 'Phone'];
  for (let i = 0; i < 240; i++) {
    const maker = makers[i % 4]!;
    const kind = kinds[Math.floor(r() * 4)]!;
    const a = createAsset(ctx, {
      tag: `${i % 3 ? 'IT' : 'LAB'}-${String(1000 + i)}`,
      name: `${kind} ${i % 23}${i % 7 === 0 ? ' 50%_off' : ''}`,
      serial: i % 5 ? `SN${Math.floor(r() * 1e8).toString(36).toUpperCase()}` : null,
      model: i % 4 ? `${maker} ${kind.slice(0, 3).toUpperCase()}-${i % 11}` : null,
      manufacturer: maker,
      type: i % 5 ? 'laptop' : 'desktop',
      category: i % 4 ? 'Laptops' : 'Docks',
      locationId: i % 3 === 0 ? room : i % 3 === 1 ? building : hall,
      status: i % 2 ? 'in_stock' : 'on_order',
    });
    let assignee: string | null = null;
    if (i % 9 === 0 && i % 2) {
      checkoutAsset(ctx, a.id, { assignedToId: pete.id });
      assignee = `${pete.displayName} ${pete.username}`;
    }
    ids.set(a.id, { tag: a.tag, name: a.name, serial: a.serial, model: a.model, manufacturer: a.manufacturer, assignee });
  }
  // One asset is deleted (as a synced delete leaves it: the row stays, with its delete stamp).
  const gone = createAsset(ctx, { tag: 'GONE-1', name: 'Deleted laptop xyzzy', serial: 'XYZZY' });
  ctx.store.sqlite.prepare('UPDATE assets SET deleted_hlc = ? WHERE id = ?').run('0000000000001-0000-x@dev', gone.id);
  // A rename must move the asset in the index (the update trigger), not leave it under its old name.
  const renamed = createAsset(ctx, { tag: 'REN-1', name: 'Old plotter', serial: 'QWERTY1' });
  ctx.store.sqlite.prepare("UPDATE assets SET name = 'Fresh scanner' WHERE id = ?").run(renamed.id);
  ids.set(renamed.id, { tag: 'REN-1', name: 'Fresh scanner', serial: 'QWERTY1', model: null, manufacturer: null, assignee: null });
  // Exercise the retired status through the lifecycle for the combined-filter case.
  for (const [id] of [...ids].filter(([, v]) => v.tag.endsWith('7'))) {
    const row = listAssets(ctx, { filter: { text: ids.get(id)!.tag }, sort: 'tag', limit: 1 }).items[0]!;
    if (row.status === 'in_stock') transitionAsset(ctx, id, 'retired', 'End of life');
  }
});
afterAll(() => w.dispose());

/** The rule the list promises, written the slow, obvious way. */
function oracle(text: string, filter: AssetFilter = {}): Set<string> {
  return new Set(ordered(text, 'tag', filter));
}

/** The matches in the order of the unfiltered list (keyset pages without text, already tested). */
function ordered(text: string, sort: AssetSort, filter: AssetFilter = {}): string[] {
  const all = new Map<string, AssetRow>();
  let cursor: string | null = null;
  do {
    const p = listAssets(ctx, { filter, sort, limit: 100, cursor });
    for (const r of p.items) all.set(r.id, r);
    cursor = p.nextCursor;
  } while (cursor);
  const words = text.toLowerCase().split(/\s+/).filter(Boolean);
  const out: string[] = [];
  for (const [id, row] of all) {
    const a = ids.get(id);
    if (!a) continue;
    const hay = [a.tag, a.name, a.serial, a.model, a.manufacturer, a.assignee].filter((x): x is string => !!x).map((x) => x.toLowerCase());
    if (row.tag.toUpperCase() === text.trim().toUpperCase() || words.every((wd) => hay.some((h) => h.includes(wd)))) out.push(id);
  }
  return out;
}

/** Every page of a text search, following the cursors. */
function pages(text: string, sort: AssetSort, filter: AssetFilter = {}, limit = 7): { ids: string[]; total: number | null } {
  const got: string[] = [];
  let cursor: string | null = null;
  let total: number | null = null;
  do {
    const p = listAssets(ctx, { filter: { ...filter, text }, sort, limit, cursor, withTotal: !cursor });
    if (!cursor) total = p.total;
    got.push(...p.items.map((r) => r.id));
    cursor = p.nextCursor;
    expect(p.items.length).toBeLessThanOrEqual(limit);
  } while (cursor);
  return { ids: got, total };
}

const QUERIES = [
  'lap', // part of a name word
  'APTO', // middle of a word, upper case
  'lab-10', // part of a tag
  'it-1017', // a whole tag
  'dell', // manufacturer
  'lap-', // part of a model
  'dell lap', // two words, either column
  'pete', // the assignee's name
  'pete lap', // assignee and name together
  'op', // two characters: no trigram
  '7', // one character
  '50%_', // LIKE wildcards are literal
  'xyzzy', // only a deleted asset has it
  'scanner', // renamed: found under the new name
  'plotter', // renamed: no longer under the old one
  'zzzz-nothing',
];

describe('asset list text search', () => {
  const routes: [string, { indexRouteMax: number; walkBudget: number }][] = [
    ['index candidates', { indexRouteMax: 1_000_000, walkBudget: 20_000 }],
    ['walk of the sort order', { indexRouteMax: 1, walkBudget: 1_000_000 }],
    ['walk that gives up', { indexRouteMax: 1, walkBudget: 5 }],
  ];
  for (const [route, tuning] of routes) {
    it(`matches the oracle for every query and sort (${route})`, () => {
      const saved = { ...TEXT_TUNING };
      Object.assign(TEXT_TUNING, tuning);
      try {
        for (const q of QUERIES) {
          for (const sort of ASSET_SORTS) {
            const want = ordered(q, sort);
            const got = pages(q, sort);
            // Same rows, in the list's order, across keyset pages (none twice, none skipped).
            expect(got.ids, `${q} by ${sort}`).toEqual(want);
            expect(got.total, `${q} total`).toBe(want.length);
          }
        }
      } finally {
        Object.assign(TEXT_TUNING, saved);
      }
    });
  }

  it('the oracle cases are not empty where they should not be', () => {
    const sizes = Object.fromEntries(QUERIES.map((q) => [q, oracle(q).size]));
    console.log('oracle sizes', JSON.stringify(sizes));
    for (const q of ['lap', 'APTO', 'lab-10', 'dell', 'lap-', 'dell lap', 'pete', 'pete lap', 'op', '7', '50%_']) expect(sizes[q], q).toBeGreaterThan(0);
    expect(sizes['it-1017']).toBe(1);
    expect(sizes.scanner).toBe(1);
    expect(sizes.plotter).toBe(0);
    expect(sizes.xyzzy).toBe(0);
    // '50%_' must not act as wildcards: only the names that really contain it.
    expect(sizes['50%_']).toBeLessThan(sizes['op']!);
  });

  it('is case-insensitive and excludes deleted assets', () => {
    const lower = pages('lenovo', 'name').ids;
    expect(lower.length).toBeGreaterThan(0);
    expect(pages('LENOVO', 'name').ids).toEqual(lower);
    expect(pages('xyzzy', 'tag').ids).toEqual([]);
    expect(searchAssets(ctx, 'xyzzy', 10)).toEqual([]);
  });

  it('combines with the other filters, including a location and its sub-locations', () => {
    const filters: AssetFilter[] = [
      { status: ['in_stock'] },
      { status: ['retired'] },
      { locationId: room },
      { locationId: hall, status: ['on_order'] },
      { manufacturer: 'dell' },
      { assignedToId: [pete.id] },
      { assignedToId: [null] },
    ];
    const saved = { text: { ...TEXT_TUNING }, walk: FILTER_WALK_BUDGET.rows };
    try {
      // Default tuning, then forced through the index-free walk, then through sorting the filter's matches.
      for (const [indexRouteMax, walk] of [[TEXT_TUNING.indexRouteMax, FILTER_WALK_BUDGET.rows], [1, 1_000_000], [1, 3]] as const) {
        TEXT_TUNING.indexRouteMax = indexRouteMax;
        FILTER_WALK_BUDGET.rows = walk;
        for (const f of filters) {
          for (const q of ['lap', 'op', 'dell lap', 'pete', 'it-10']) {
            for (const sort of ['name', 'updated'] as const) {
              expect(pages(q, sort, f, 5).ids, `${q} with ${JSON.stringify(f)} by ${sort} (${indexRouteMax}/${walk})`).toEqual(ordered(q, sort, f));
            }
          }
        }
      }
    } finally {
      Object.assign(TEXT_TUNING, saved.text);
      FILTER_WALK_BUDGET.rows = saved.walk;
    }
    expect(oracle('lap', { locationId: room }).size).toBeGreaterThan(0);
  });

  it('filtered pages (no text) are the same whether they walk the sort order, sort the matches or walk on past the budget', () => {
    const filters: AssetFilter[] = [
      { status: ['in_stock'] },
      { status: ['retired', 'on_order'] },
      { locationId: room },
      { manufacturer: 'DELL' },
      { assignedToId: [pete.id] },
      { assignedToId: [null, pete.id] },
      { status: ['on_order'], locationId: hall },
      { status: ['in_stock', 'deployed'], type: ['laptop'] },
      { category: ['Laptops'], locationId: room },
    ];
    const all = (filter: AssetFilter, sort: AssetSort) => {
      const got: string[] = [];
      let cursor: string | null = null;
      do {
        const p = listAssets(ctx, { filter, sort, limit: 6, cursor });
        got.push(...p.items.map((r) => r.id));
        cursor = p.nextCursor;
      } while (cursor);
      return got;
    };
    const saved = { ...FILTER_WALK_BUDGET };
    try {
      for (const f of filters) {
        for (const sort of ASSET_SORTS) {
          FILTER_WALK_BUDGET.rows = 1_000_000;
          const walked = all(f, sort);
          expect(walked.length, JSON.stringify(f)).toBe(new Set(walked).size);
          // A 3-row budget, then: every filter "small" (sorted through the smallest filter's
          // index), or every filter "large" (the walk goes on without a budget).
          for (const sortMax of [1_000_000, 1]) {
            Object.assign(FILTER_WALK_BUDGET, { rows: 3, sortMax });
            expect(all(f, sort), `${JSON.stringify(f)} by ${sort}, sortMax ${sortMax}`).toEqual(walked);
          }
        }
      }
    } finally {
      Object.assign(FILTER_WALK_BUDGET, saved);
    }
    expect(all({ assignedToId: [pete.id] }, 'name').length).toBe([...ids.values()].filter((a) => a.assignee).length);
  });

  it('the palette search ranks an exact tag first and marks where the text was found', () => {
    const hits = searchAssets(ctx, 'it-1017', 5);
    expect(hits[0]!.tag).toBe('IT-1017');
    const serial = [...ids.values()].find((a) => a.serial)!.serial!;
    const part = serial.slice(2, 7).toLowerCase();
    const found = searchAssets(ctx, part, 20);
    expect(found.map((h) => h.serial)).toContain(serial);
    expect(found.find((h) => h.serial === serial)!.snippet).toContain('\u0002');
    expect(searchAssets(ctx, 'op', 5).length).toBe(5);
  });
});
