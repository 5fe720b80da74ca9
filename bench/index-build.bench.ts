/**
 * `npm run bench:index-build -- [--tickets 100000] [--rounds 3]`: what the end of a first sync
 * costs, the build of the deferred indexes and search entries (db/deferred-indexes.ts), on a plain
 * and an encrypted (AEGIS-256) store, with the build connection's page cache at several sizes.
 * Prints one JSON object. Not a test.
 *
 * Each store is filled once the way a first sync leaves it (indexes and search triggers deferred,
 * then N ticket rows); every measured build runs on a fresh copy of it, the settings taken in
 * turns round after round so the machine's load falls on all of them alike. Figures are medians of
 * the rounds: CPU seconds of the build (the connection's thread) beside wall seconds.
 *
 * `firstSync`: the build as a first sync runs it (restoreIndexes: worker threads, the process's
 * CPU), taken in turns: the search entries built beside the indexes by a second worker with the
 * sorter's helper threads (now), the same without them, and the search entries after the indexes
 * in one worker without them (before). Both only gain where a core is free.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openStore } from '../src/main/db/open';
import { openConnection, type StoreKey } from '../src/main/db/store-key';
import { deferIndexes, restoreIndexes, restoreIndexesNow, INDEX_BUILD } from '../src/main/db/deferred-indexes';
import { compactFieldHlc } from '../src/shared/hlc';
import { ticketRecords } from './sync-records';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

const N = arg('tickets', 100_000);
const ROUNDS = arg('rounds', 3);
/** Page cache sizes of the build connection (KiB): 2 MB is SQLite's default and the worker's. */
const CACHES_KIB = [2_000, 16_384, 131_072];

/** A store as a first sync leaves it before the build: indexes and search triggers deferred, N tickets stored. */
function seed(file: string, key: StoreKey | null): number {
  const store = openStore(file, { key });
  store.sqlite.pragma('foreign_keys = OFF');
  const deferred = deferIndexes(store.sqlite, ['tickets', 'assets'], new Date()).length;
  const recs = ticketRecords(N, 'site-bench', 1, 7);
  const cols = Object.keys(recs[0]!.data);
  const ins = store.sqlite.prepare(`INSERT INTO tickets (id, scope_id, created_at, updated_at, field_hlc, deleted_hlc, ${cols.join(', ')}) VALUES (?, ?, ?, ?, ?, ?, ${cols.map(() => '?').join(', ')})`);
  store.sqlite.transaction(() => {
    for (const r of recs) ins.run(r.id, r.scopeId, r.createdAt, r.updatedAt, JSON.stringify(compactFieldHlc(r.fieldHlc, [...Object.keys(r.data), 'scope_id'])), null, ...cols.map((c) => r.data[c] as string | number | null));
  })();
  store.sqlite.pragma('wal_checkpoint(TRUNCATE)');
  store.close();
  return deferred;
}

/** One build on a fresh copy of `file`, with the settings the build worker uses and this cache size. */
function build(file: string, key: StoreKey | null, cacheKib: number): { cpu: number; wall: number; built: number } {
  const copy = `${file}.build`;
  fs.copyFileSync(file, copy);
  const db = openConnection(copy, key);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('temp_store = MEMORY');
    db.pragma(`cache_size = -${cacheKib}`);
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const built = restoreIndexesNow(db);
    const wall = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    return { cpu: (cpu.user + cpu.system) / 1e6, wall, built };
  } finally {
    db.close();
    for (const f of [copy, `${copy}-wal`, `${copy}-shm`]) fs.rmSync(f, { force: true });
  }
}

/** The build as a first sync runs it (worker threads), on a fresh copy of `file`; CPU of the whole process. */
async function buildInWorkers(file: string, key: StoreKey | null, how: { searchBeside: boolean; sorterThreads: number }): Promise<{ cpu: number; wall: number; built: number; searchBeside: number }> {
  const copy = `${file}.workers`;
  fs.copyFileSync(file, copy);
  const store = openStore(copy, { key });
  const was = { ...INDEX_BUILD };
  try {
    Object.assign(INDEX_BUILD, how);
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const r = await restoreIndexes(store);
    const wall = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    return { cpu: (cpu.user + cpu.system) / 1e6, wall, built: r.built, searchBeside: r.searchBeside };
  } finally {
    Object.assign(INDEX_BUILD, was);
    store.close();
    for (const f of [copy, `${copy}-wal`, `${copy}-shm`]) fs.rmSync(f, { force: true });
  }
}

const median = (xs: number[]) => +[...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!.toFixed(2);

async function main() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'outpost-index-build-'));
  try {
    const stores = [
      { kind: 'plain', file: path.join(dir, 'plain.db'), key: null },
      { kind: 'encrypted (the default cipher)', file: path.join(dir, 'encrypted.db'), key: crypto.randomBytes(32) as StoreKey },
    ];
    const deferred = stores.map((s) => seed(s.file, s.key));
    const runs = new Map<string, { cpu: number[]; wall: number[]; built: number }>();
    const load0 = os.loadavg()[0]!;
    const workers = new Map<string, { cpu: number[]; wall: number[]; built: number; searchBeside: number }>();
    for (let round = 0; round < ROUNDS; round++) {
      for (const s of stores) {
        for (const how of [{ searchBeside: true, sorterThreads: 2 }, { searchBeside: true, sorterThreads: 0 }, { searchBeside: false, sorterThreads: 0 }]) {
          const r = await buildInWorkers(s.file, s.key, how);
          const k = `${s.kind}, search entries ${how.searchBeside ? 'beside the indexes (second worker)' : 'after the indexes (one worker)'}, sorter threads ${how.sorterThreads}`;
          const acc = workers.get(k) ?? { cpu: [], wall: [], built: r.built, searchBeside: r.searchBeside };
          acc.cpu.push(r.cpu);
          acc.wall.push(r.wall);
          workers.set(k, acc);
        }
      }
      for (const s of stores) {
        for (const cache of CACHES_KIB) {
          const r = build(s.file, s.key, cache);
          const k = `${s.kind}, ${cache} KiB cache`;
          const acc = runs.get(k) ?? { cpu: [], wall: [], built: r.built };
          acc.cpu.push(r.cpu);
          acc.wall.push(r.wall);
          runs.set(k, acc);
        }
      }
    }
    console.log(
      JSON.stringify(
        {
          node: process.version, cores: os.cpus().length, tickets: N, rounds: ROUNDS, indexesDeferred: deferred[0],
          firstSync: Object.fromEntries([...workers].map(([k, v]) => [k, { indexesBuilt: v.built, searchBeside: v.searchBeside, medianWallSeconds: median(v.wall), medianCpuSeconds: median(v.cpu), wallSeconds: v.wall.map((x) => +x.toFixed(2)) }])),
          builds: Object.fromEntries([...runs].map(([k, v]) => [k, { indexesBuilt: v.built, medianCpuSeconds: median(v.cpu), medianWallSeconds: median(v.wall), cpuSeconds: v.cpu.map((x) => +x.toFixed(2)) }])),
          loadAverage: { start: +load0.toFixed(1), end: +os.loadavg()[0]!.toFixed(1) },
          note: 'the build worker uses 2,000 KiB (SQLite\'s default); it used 131,072 KiB before',
        },
        null,
        2,
      ),
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

await main();
