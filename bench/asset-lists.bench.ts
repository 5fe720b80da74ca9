/**
 * `npm run bench:asset-lists -- [--assets 500000] [--keep FILE]`: times the first and a later page of the asset
 * list for every filter x sort pair over a register with skewed, correlated data (statuses that
 * age with updated dates, a long tail of assignees and categories), and prints JSON with every
 * pair's slowest of five first pages and of five later pages, and the pairs over 20 ms. Not a test: it asserts nothing.
 */
import fs from 'node:fs';
import path from 'node:path';
import { openStore } from '../src/main/db/open';
import { systemClock, type Ctx } from '../src/main/services/core/context';
import { initialize } from '../src/main/services/setup/setup';
import { loadActor } from '../src/main/services/directory/users';
import { createLocation } from '../src/main/services/assets/locations';
import { listAssets, type AssetListInput } from '../src/main/services/assets/list';
import { tempDir } from '../src/main/testing';
import type { AssetFilter, AssetSort } from '../src/shared/api/assets';

const i = process.argv.indexOf('--assets');
const N = i > 0 ? Number(process.argv[i + 1]) : 500_000;
const log = (m: string) => process.stderr.write(`[bench:asset-lists] ${m}\n`);

// --keep FILE: seed into FILE and leave it there (to study plans with the sqlite3 shell).
const k = process.argv.indexOf('--keep');
const t = k > 0 ? { dir: path.dirname(path.resolve(process.argv[k + 1]!)), cleanup: () => undefined } : tempDir('outpost-list-matrix-');
const file = k > 0 ? path.resolve(process.argv[k + 1]!) : path.join(t.dir, 'register.db');
const reuse = fs.existsSync(file);
const store = openStore(file);
const s = store.sqlite;

let ctx: Ctx;
let buildings: string[];
let rooms: string[];
if (reuse) {
  // A register kept by an earlier --keep run: sign in as its admin and find its places.
  ctx = {
    store,
    clock: systemClock,
    actor: loadActor(store.sqlite, store.sqlite.prepare("SELECT id FROM users WHERE username = 'admin'").pluck().get() as string)!,
    call: 'bench',
  };
  buildings = Array.from(
    { length: 20 },
    (_, b) => store.sqlite.prepare('SELECT id FROM locations WHERE name = ?').pluck().get(`Building ${b}`) as string,
  );
  rooms = Array.from(
    { length: 200 },
    (_, r) => store.sqlite.prepare('SELECT id FROM locations WHERE name = ?').pluck().get(`Room ${r}`) as string,
  );
  log(`reusing ${file}`);
} else {
  ({ ctx, buildings, rooms } = seed());
}

function seed(): { ctx: Ctx; buildings: string[]; rooms: string[] } {
  const base = { store, clock: systemClock, actor: null, call: 'bench' };
  const session = initialize(base, {
    admin: { username: 'admin', displayName: 'Bench Admin', password: 'password123' },
    site: { name: 'HQ' },
  });
  const ctx: Ctx = { ...base, actor: loadActor(store.sqlite, session.user.id)! };
  log(`seeding ${N} assets`);
  const buildings = Array.from({ length: 20 }, (_, b) => createLocation(ctx, { name: `Building ${b}`, kind: 'building' }).id);
  const rooms = Array.from(
    { length: 200 },
    (_, r) => createLocation(ctx, { name: `Room ${r}`, kind: 'room', parentId: buildings[r % 20]! }).id,
  );
  const siteId = ctx.actor!.siteIds[0]!;
  s.exec('CREATE TEMP TABLE rooms (n INTEGER PRIMARY KEY, id TEXT)');
  rooms.forEach((id, n) => s.prepare('INSERT INTO temp.rooms VALUES (?, ?)').run(n, id));
  // 2,000 people; assignment follows a long tail (a few people hold many assets).
  s.exec('CREATE TEMP TABLE people (n INTEGER PRIMARY KEY, id TEXT)');
  const now = new Date().toISOString();
  s.transaction(() => {
    for (let p = 0; p < 2000; p++) {
      const id = `00000000-0000-7000-8000-${String(p).padStart(12, '0')}`;
      s.prepare(
        `INSERT INTO users (id, scope_id, created_at, updated_at, field_hlc, username, display_name, role, password_hash) VALUES (?, 'global', ?, ?, '{}', ?, ?, 'requester', 'x')`,
      ).run(id, now, now, `user${p}`, `Person ${p}`);
      s.prepare('INSERT INTO temp.people VALUES (?, ?)').run(p, id);
    }
  })();
  const t0 = performance.now();
  s.transaction(() => {
    s.prepare(
      `WITH RECURSIVE seq(k) AS (SELECT 0 UNION ALL SELECT k + 1 FROM seq WHERE k < ? - 1),
     r AS (SELECT k, abs(random()) % 1000 AS u, abs(random()) % 1000 AS v, abs(random()) % 1000 AS w FROM seq)
     INSERT INTO assets (id, scope_id, created_at, updated_at, field_hlc, tag, tag_key, name, type, category, manufacturer, model, serial, status,
       assigned_to_id, location_id, expected_return, warranty_end, next_audit_at, purchase_date)
     SELECT printf('%08x-0000-7000-8000-%012d', k, k), ?, ?,
       -- older assets were updated longer ago
       datetime('2020-01-01', '+' || (k * 2000 / ?) || ' days', '+' || v || ' minutes'), '{}',
       printf('A%07d', k), printf('A%07d', k),
       printf('%s %d', CASE WHEN u < 450 THEN 'Laptop' WHEN u < 650 THEN 'Desktop' WHEN u < 850 THEN 'Monitor' ELSE 'Phone' END, k),
       CASE WHEN u < 450 THEN 'laptop' WHEN u < 650 THEN 'desktop' WHEN u < 850 THEN 'peripheral' WHEN u < 990 THEN 'phone' ELSE 'server' END,
       'Category ' || (CASE WHEN w < 500 THEN w % 5 ELSE w % 40 END),
       CASE v % 7 WHEN 0 THEN 'Dell' WHEN 1 THEN 'HP' WHEN 2 THEN 'Lenovo' WHEN 3 THEN 'Apple' WHEN 4 THEN 'Cisco' WHEN 5 THEN 'Brother' ELSE 'Samsung' END,
       'Model ' || (v % 90), 'SN' || hex(randomblob(5)),
       -- statuses age: old rows are retired or disposed, new ones on order
       CASE WHEN k < ? * 0.10 THEN (CASE WHEN u < 600 THEN 'disposed' ELSE 'retired' END)
            WHEN k > ? * 0.97 THEN 'on_order'
            WHEN u < 680 THEN 'deployed' WHEN u < 700 THEN 'in_repair' ELSE 'in_stock' END,
       CASE WHEN u < 680 AND k >= ? * 0.10 THEN (SELECT id FROM temp.people WHERE n = CASE WHEN w < 300 THEN w % 20 ELSE (w * 7 + k) % 2000 END) END,
       (SELECT id FROM temp.rooms WHERE n = (k * 31 + w) % 200),
       CASE WHEN u < 10 THEN date('2026-01-01', '+' || (w % 600) || ' days') END,
       CASE WHEN v < 900 THEN date('2023-01-01', '+' || (k * 1500 / ?) || ' days') END,
       CASE WHEN w < 950 THEN date('2026-01-01', '+' || (v % 700) || ' days') END,
       date('2019-01-01', '+' || (k * 2000 / ?) || ' days')
     FROM r`,
    ).run(N, siteId, now, N, N, N, N, N, N);
  })();
  s.exec('ANALYZE');
  log(`seeded in ${Math.round(performance.now() - t0)} ms`);

  return { ctx, buildings, rooms };
}

const person = (p: number) => `00000000-0000-7000-8000-${String(p).padStart(12, '0')}`;
const filters: Record<string, AssetFilter> = {
  none: {},
  deployed: { status: ['deployed'] },
  in_repair: { status: ['in_repair'] },
  retired: { status: ['retired'] },
  on_order: { status: ['on_order'] },
  active_statuses: { status: ['deployed', 'in_stock', 'in_repair'] },
  type_laptop: { type: ['laptop'] },
  type_server: { type: ['server'] },
  category_common: { category: ['Category 1'] },
  category_rare: { category: ['Category 37'] },
  heavy_holder: { assignedToId: [person(3)] },
  light_holder: { assignedToId: [person(1500)] },
  nobody: { assignedToId: [null] },
  room: { locationId: rooms[17]! },
  building: { locationId: buildings[4]! },
  manufacturer: { manufacturer: 'apple' },
  warranty_soon: { warrantyBefore: '2024-01-01' },
  audit_due: { auditDueBefore: '2026-02-01' },
  overdue: { overdue: true },
  deployed_laptops_in_building: { status: ['deployed'], type: ['laptop'], locationId: buildings[2]! },
  retired_servers: { status: ['retired'], type: ['server'] },
};
const sorts: AssetSort[] = ['tag', 'name', 'updated', 'warranty', 'next_audit', 'status'];

function time(fn: () => unknown): number {
  const a = performance.now();
  fn();
  return performance.now() - a;
}
const out: Record<string, { first_max_ms: number; next_max_ms: number | null }> = {};
for (const [fname, filter] of Object.entries(filters)) {
  for (const sort of sorts) {
    const input: AssetListInput = { filter, sort, limit: 100 };
    const first: number[] = [];
    const next: number[] = [];
    for (let k = 0; k < 5; k++) first.push(time(() => listAssets(ctx, input)));
    let cursor = listAssets(ctx, input).nextCursor;
    for (let k = 0; k < 5 && cursor; k++) {
      let c2: string | null = null;
      next.push(time(() => (c2 = listAssets(ctx, { ...input, cursor }).nextCursor)));
      cursor = c2;
    }
    const worst = (a: number[]) => (a.length ? Math.round(Math.max(...a) * 10) / 10 : null);
    out[`${fname}/${sort}`] = { first_max_ms: worst(first)!, next_max_ms: worst(next) };
  }
}
const slow = Object.entries(out)
  .filter(([, v]) => v.first_max_ms > 20 || (v.next_max_ms ?? 0) > 20)
  .sort((a, b) => Math.max(b[1].first_max_ms, b[1].next_max_ms ?? 0) - Math.max(a[1].first_max_ms, a[1].next_max_ms ?? 0));
console.log(
  JSON.stringify(
    { assets: N, pairs: Object.keys(out).length, over_20ms: slow.length, slowest: Object.fromEntries(slow), all: out },
    null,
    1,
  ),
);
store.close();
t.cleanup();
