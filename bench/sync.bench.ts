/**
 * `npm run bench:sync -- [--tickets 100000]`: sync figures as one JSON object. Not a test.
 * - initial sync of N tickets server → new device (seconds, and the ratio to a raw better-sqlite3
 *   insert of the same rows into the same table);
 * - catch-up after offline work (10k ops pushed, 50k records pulled);
 * - server ingest on PostgreSQL (ops/s) when DATABASE_URL or OUTPOST_TEST_PG_URL is set;
 * - poke-to-visible latency p95 between two online devices.
 * `--only initial --pouchdb`: the initial sync side by side with PouchDB 9 pulling the same ticket
 * documents from express-pouchdb 4.2 on loopback (bench/pouchdb-peer, installed there on first use),
 * once with both PouchDB databases on disk in LevelDB (its default adapter in Node) and once in memory.
 */
import os from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import path from 'node:path';
import fs from 'node:fs';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { openStore } from '../src/main/db/open';
import { compactFieldHlc, formatHlc } from '../src/shared/hlc';
import { ADMIN, startDevice, type Device } from '../src/testing/sync-harness';
import { syncClientFor } from '../src/main/sync/registry';
import type { StoredRecord } from '../src/server/store/types';
import { openPgStore } from '../src/server/store/pg';
import { resetPg } from '../src/server/store/reset';
import { push } from '../src/server/engine';
import type { WireOp } from '../src/shared/sync/wire';
import { BENCH_NOW, ticketRecords } from './sync-records';
import { startServerProcess } from './sync-server';
import { traceStalls, type StallTrace } from './stall-trace';


function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? process.argv[i + 1] : undefined;
  return v === undefined ? fallback : Number(v);
}

const N = arg('tickets', 100_000);
const OFFLINE_OPS = arg('offline', 10_000);
const CATCHUP = arg('catchup', 50_000);
const PG_URL = process.env.DATABASE_URL || process.env.OUTPOST_TEST_PG_URL || '';
const now = BENCH_NOW;

function siteOf(d: Device): string {
  return d.rt.store.sqlite.prepare('SELECT id FROM sites LIMIT 1').pluck().get() as string;
}

async function joinManual(d: Device, url: string) {
  await d.call('sync.join', { serverUrl: url, ...ADMIN });
  syncClientFor(d.rt).stop();
}

/**
 * The baseline: the same rows inserted with one prepared statement in one transaction. `clocks`:
 * 'compact' stores field_hlc as the device does ({"*": stamp}), 'full' as one stamp per field
 * (what devices stored before compact clocks; kept for comparison with earlier runs).
 */
function rawInsertSeconds(recs: StoredRecord[], clocks: 'compact' | 'full'): number {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'outpost-raw-'));
  const store = openStore(path.join(dir, 'raw.db'));
  store.sqlite.pragma('foreign_keys = OFF');
  const cols = Object.keys(recs[0]!.data);
  const ins = store.sqlite.prepare(`INSERT INTO tickets (id, scope_id, created_at, updated_at, field_hlc, deleted_hlc, ${cols.join(', ')}) VALUES (?, ?, ?, ?, ?, ?, ${cols.map(() => '?').join(', ')})`);
  const clockText = recs.map((r) => JSON.stringify(clocks === 'compact' ? compactFieldHlc(r.fieldHlc, [...Object.keys(r.data), 'scope_id']) : r.fieldHlc));
  const t0 = performance.now();
  store.sqlite.transaction(() => {
    recs.forEach((r, i) => ins.run(r.id, r.scopeId, r.createdAt, r.updatedAt, clockText[i], null, ...cols.map((c) => r.data[c] as string | number | null)));
  })();
  const s = (performance.now() - t0) / 1000;
  store.close();
  fs.rmSync(dir, { recursive: true, force: true });
  return s;
}

/**
 * Where the store's checkpoints ran, what the device's connection did around the stalls (counts of
 * checkpoints, long COMMITs), and the three longest stalls with what overlapped each.
 */
function stallFigures(trace: StallTrace) {
  return { stallTrace: trace.summary(), longestStalls: trace.report(3) };
}

async function initialSync() {
  const server = await startServerProcess();
  const seedDev = await startDevice();
  const site = siteOf(seedDev);
  await server.seed(N, site, 1, 7);
  const fresh = await startDevice();
  await joinManual(fresh, server.url);
  const stalls = monitorEventLoopDelay({ resolution: 5 });
  stalls.enable();
  const trace = traceStalls(fresh.rt.store);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await fresh.call('sync.now');
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  stalls.disable();
  trace.stop();
  const applied = syncClientFor(fresh.rt).syncStats();
  const got = fresh.rt.store.sqlite.prepare('SELECT count(*) FROM tickets').pluck().get() as number;
  seedDev.close();
  fresh.close();
  await server.close();
  // The same rows (same seed) for the baseline, made here: the server's copy lives in its process.
  const recs = ticketRecords(N, site, 1, 7);
  const raw = rawInsertSeconds(recs, 'compact');
  const rawFull = rawInsertSeconds(recs, 'full');
  return {
    tickets: N, received: got, seconds: +seconds.toFixed(2),
    rawInsertSeconds: +raw.toFixed(2), ratioToRaw: +(seconds / raw).toFixed(2),
    rawInsertFullClocksSeconds: +rawFull.toFixed(2), ratioToRawFullClocks: +(seconds / rawFull).toFixed(2),
    // The longest the device's event loop was held at once (the server runs in its own process, as
    // users meet it): what a window would wait for an answer at worst.
    maxEventLoopStallMs: +(stalls.max / 1e6).toFixed(1), p99EventLoopStallMs: +(stalls.percentile(99) / 1e6).toFixed(1),
    pagesApplied: applied.pages, maxPageApplyMs: +applied.maxApplyMs.toFixed(1), maxPageParseMs: +applied.maxParseMs.toFixed(1),
    ...stallFigures(trace),
    // The indexes and search entries left out while the registers filled, built at the end in a
    // worker (in `seconds`). Before that build, every row is stored and the console lists them
    // (rowsStoredSeconds); search finds them and lists are indexed once it is done.
    indexesBuilt: applied.indexesBuilt, indexBuildSeconds: +(applied.indexBuildMs / 1000).toFixed(2),
    rowsStoredSeconds: +(seconds - applied.indexBuildMs / 1000).toFixed(2),
    // The device process's CPU time (its threads; the server is another process): less noisy than
    // the wall time on a shared machine.
    deviceCpuSeconds: +((cpu.user + cpu.system) / 1e6).toFixed(2),
    loadAverage: os.loadavg().map((l) => +l.toFixed(1)),
    goal: '≤ 4.5 s and ≥ 5× PouchDB; no stall over 100 ms on the device',
  };
}

const PEER_DIR = fileURLToPath(new URL('./pouchdb-peer/', import.meta.url));

type PouchdbAdapter = 'leveldb' | 'memory';

/**
 * PouchDB pulling the same N ticket documents (the rows' fields, an _id for the id) from
 * express-pouchdb on loopback: bench/pouchdb-peer/peer.mjs, its packages installed in that folder
 * the first time (they are not Outpost's dependencies). Once per adapter: `leveldb` (both
 * databases on disk, PouchDB's default in Node, like for like with Outpost's store on disk) and
 * `memory` (both in memory, which only helps PouchDB's figure).
 */
function pouchdbPulls(site: string, adapters: PouchdbAdapter[]): Record<PouchdbAdapter, Record<string, unknown>> {
  if (!['express-pouchdb', 'pouchdb-adapter-leveldb'].every((p) => fs.existsSync(path.join(PEER_DIR, 'node_modules', p)))) {
    execFileSync('npm', ['install', '--prefix', PEER_DIR, '--no-audit', '--no-fund'], { stdio: ['ignore', 'ignore', 'inherit'] });
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'outpost-pouch-'));
  try {
    const file = path.join(dir, 'tickets.ndjson');
    const lines = ticketRecords(N, site, 1, 7).map((r) => JSON.stringify({ _id: r.id, scope_id: r.scopeId, created_at: r.createdAt, updated_at: r.updatedAt, ...r.data }));
    fs.writeFileSync(file, lines.join('\n') + '\n');
    const batch = process.argv.indexOf('--pouchdb-batch-size');
    const extra = batch > 0 ? ['--batch-size', process.argv[batch + 1]!] : [];
    const out = {} as Record<PouchdbAdapter, Record<string, unknown>>;
    for (const adapter of adapters) {
      const text = execFileSync(process.execPath, [path.join(PEER_DIR, 'peer.mjs'), file, '--adapter', adapter, ...extra], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 20 });
      out[adapter] = { ...(JSON.parse(text.trim().split('\n').pop()!) as Record<string, unknown>), loadAverage: os.loadavg().map((l) => +l.toFixed(1)) };
    }
    return out;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function catchUp() {
  const server = await startServerProcess();
  const a = await startDevice();
  await joinManual(a, server.url);
  await a.call('sync.now');
  const site = siteOf(a);
  // Others' work waiting on the server.
  await server.seed(CATCHUP, site, 5_000_000, 11);
  // This device's offline work: ticket edits, each one op.
  const t = await a.call('tickets.create', { type: 'incident', title: 'Offline work' });
  const ids: string[] = [t.id];
  while (ids.length < 50) ids.push((await a.call('tickets.create', { type: 'incident', title: `Offline ${ids.length}` })).id);
  const pendingStart = (await a.call('sync.status')).pending;
  for (let i = 0; pendingStart + i * 2 < OFFLINE_OPS; i++) await a.call('tickets.update', { id: ids[i % ids.length]!, fields: { title: `Edit ${i}` } });
  const pending = (await a.call('sync.status')).pending;
  const stalls = monitorEventLoopDelay({ resolution: 5 });
  stalls.enable();
  const trace = traceStalls(a.rt.store);
  const t0 = performance.now();
  const r = await a.call('sync.now');
  const seconds = (performance.now() - t0) / 1000;
  stalls.disable();
  trace.stop();
  const pageSize = syncClientFor(a.rt).currentPullLimit();
  const applied = syncClientFor(a.rt).syncStats();
  a.close();
  await server.close();
  return {
    pushedOps: r.pushed, pendingBefore: pending, pulled: r.pulled, seconds: +seconds.toFixed(2),
    maxEventLoopStallMs: +(stalls.max / 1e6).toFixed(1), p99EventLoopStallMs: +(stalls.percentile(99) / 1e6).toFixed(1),
    pullPageSizeAtEnd: pageSize,
    // What the device's sync work held the loop for at once: the longest slice of a page, the
    // longest decode and parse of a page, the longest push step (building a batch, or its answer).
    pagesApplied: applied.pages, maxPageApplyMs: +applied.maxApplyMs.toFixed(1), maxPageParseMs: +applied.maxParseMs.toFixed(1),
    maxPushStepMs: +applied.maxPushStepMs.toFixed(1),
    ...stallFigures(trace),
    goal: '≤ 15 s; no stall over 100 ms on the device',
  };
}

async function pgIngest() {
  if (!PG_URL) return { skipped: 'set DATABASE_URL or OUTPOST_TEST_PG_URL to measure PostgreSQL ingest' };
  await resetPg(PG_URL);
  const store = await openPgStore(PG_URL);
  await store.migrate();
  const OPS = arg('pg-ops', 50_000);
  const BATCH = 1000;
  const site = 'site-bench';
  const recs = ticketRecords(OPS, site, 1, 3);
  const baseHlc = now.getTime();
  const ops: WireOp[] = recs.map((r, i) => ({
    opId: `op-${i}`, deviceSeq: i + 1, hlc: formatHlc({ wall: baseHlc, counter: i }), schemaVersion: 1, kind: 'create', entity: 'tickets',
    recordId: r.id, scopeId: site, payload: { ...r.data, scope_id: site }, createdAt: now.toISOString(),
  }));
  const auth = { userId: 'bench', role: 'admin' as const, sites: null, deviceId: 'bench-device' };
  const t0 = performance.now();
  for (let i = 0; i < ops.length; i += BATCH) {
    await push(store, auth, { deviceId: 'bench-device', clientVersion: 'bench', schemaVersion: 1, cursor: 0, ops: ops.slice(i, i + BATCH) }, Date.now());
  }
  const seconds = (performance.now() - t0) / 1000;
  await store.close();
  return { ops: OPS, batch: BATCH, seconds: +seconds.toFixed(2), opsPerSecond: Math.round(OPS / seconds), cores: os.cpus().length, goal: '≥ 5,000 ops/s' };
}

async function pokeLatency() {
  const server = await startServerProcess();
  const a = await startDevice();
  const b = await startDevice();
  await a.call('sync.join', { serverUrl: server.url, ...ADMIN });
  await b.call('sync.join', { serverUrl: server.url, ...ADMIN });
  const t = await a.call('tickets.create', { type: 'incident', title: 'Latency' });
  await a.call('sync.now');
  await b.call('sync.now');
  await new Promise((r) => setTimeout(r, 500));
  const samples: number[] = [];
  const read = b.rt.store.sqlite.prepare('SELECT title FROM tickets WHERE id = ?').pluck();
  for (let i = 0; i < 20; i++) {
    const title = `Latency ${i}`;
    const t0 = performance.now();
    await a.call('tickets.update', { id: t.id, fields: { title } });
    while (read.get(t.id) !== title && performance.now() - t0 < 5000) await new Promise((r) => setTimeout(r, 5));
    samples.push(performance.now() - t0);
    await new Promise((r) => setTimeout(r, 100));
  }
  samples.sort((x, y) => x - y);
  a.close();
  b.close();
  await server.close();
  const p = (q: number) => Math.round(samples[Math.min(samples.length - 1, Math.floor(q * samples.length))]!);
  return { samples: samples.length, medianMs: p(0.5), p95Ms: p(0.95), note: 'edit → debounce (250 ms) → push → SSE poke → pull → visible', goal: '≤ 500 ms' };
}

/** `--only initial,catchup,pg,poke` runs a subset (for quick iterations); default: all four. */
function parts(): Set<string> {
  const i = process.argv.indexOf('--only');
  const v = i >= 0 ? process.argv[i + 1] : undefined;
  return new Set((v ?? 'initial,catchup,pg,poke').split(','));
}

async function main() {
  const only = parts();
  const out: Record<string, unknown> = { node: process.version, cores: os.cpus().length };
  if (only.has('initial')) out.initialSync = await initialSync();
  if (only.has('initial') && process.argv.includes('--pouchdb')) {
    const outpost = out.initialSync as { seconds: number; rowsStoredSeconds: number };
    const pulls = pouchdbPulls('site-pouchdb', ['leveldb', 'memory']);
    out.pouchdbPull = pulls;
    const versus = (pouch: Record<string, unknown>) => ({
      pouchdbSeconds: pouch.seconds, ratio: +((pouch.seconds as number) / outpost.seconds).toFixed(2),
      // PouchDB's pull builds no index (its views are built at their first query): the time until
      // Outpost's rows are stored, before its indexes and search entries, for comparison.
      ratioRowsStored: +((pouch.seconds as number) / outpost.rowsStoredSeconds).toFixed(2),
    });
    out.initialSyncVsPouchdb = {
      outpostSeconds: outpost.seconds, outpostRowsStoredSeconds: outpost.rowsStoredSeconds,
      // Like for like: PouchDB on disk (LevelDB, its default in Node) on both sides, as Outpost's store is on disk.
      leveldbOnDisk: versus(pulls.leveldb),
      // PouchDB in memory on both sides: writes nothing to disk, so only in PouchDB's favour.
      memory: versus(pulls.memory),
      goal: '≥ 5× (against PouchDB on disk, as deployed)',
    };
  }
  if (only.has('catchup')) out.catchUp = await catchUp();
  if (only.has('pg')) out.pgIngest = await pgIngest();
  if (only.has('poke')) out.pokeToVisible = await pokeLatency();
  console.log(JSON.stringify(out, null, 2));
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
