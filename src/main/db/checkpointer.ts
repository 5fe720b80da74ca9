/**
 * Folding the write-ahead log back into the store file (a checkpoint), off the main thread.
 *
 * A checkpoint copies the log's pages into the database and makes both durable (fsync). Its CPU
 * cost is small (on an encrypted store the pages are copied as ciphertext, as a plain store's are
 * copied: scripts/sqlite3mc-wal.mjs and docs/encryption.md), but the fsync waits on the disk: under disk
 * contention a checkpoint on the main thread held the event loop for 50–140 ms while a catch-up was
 * writing. So one worker thread per process keeps a connection to each open store file (opened
 * with the store's key, as every other connection is: see keyPragmas in store-key.ts) and runs
 * PASSIVE checkpoints on a timer. PASSIVE
 * never waits for, and never blocks, the main connection's readers or writers; the main connection
 * itself never checkpoints inside a commit (wal_autocheckpoint = 0, set by openStore).
 *
 * The log stays bounded: while it is large the worker checkpoints more often, and a log past
 * CHECKPOINT_TUNING.escalatePages that PASSIVE could not fold back (a reader held an old snapshot throughout) is
 * folded back with TRUNCATE, which waits for readers and holds writers while it runs (rare: a log
 * of 1 GB). A catch-up writing continuously also keeps PASSIVE one step behind, so a lower bound
 * had the worker hold the catch-up's writes for 200 ms and more; and cutting a long log file back
 * when the main connection restarts it (journal_size_limit) cost a commit 170 ms of freeing pages.
 * So the log file keeps its length while the store is open (it is reused from the start, not
 * regrown) and is removed when the store closes.
 *
 * Stopping (store close, restore, wipe, encryption, re-key: all close the store) is synchronous:
 * the worker closes its connection before stop() returns, so nothing holds the file afterwards.
 * The worker is unref'd (it never keeps the process alive) and exits when no store is open.
 *
 * The worker's code is a small CommonJS script run with `eval`, requiring the native SQLite module
 * by its resolved path: it runs unchanged under tsx (development, tests), from the esbuild bundle
 * (browser host, Electron shell) and in the packaged app, with no separate file to bundle or ship.
 * When a worker cannot start, the store falls back to checkpoints from a timer on the main thread.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type Database from 'better-sqlite3';
import { connectionCipher, keyPragmas, type StoreKey } from './store-key';
import { writeGateBusy } from './write-gate';

/**
 * everyMs: how often the log is folded back while writes are light; busyPages, busyEveryMs: while
 * the log holds at least busyPages pages (a catch-up is writing), checkpoints come every busyEveryMs;
 * escalatePages: a log this long that PASSIVE could not fold back is folded back with TRUNCATE
 * (1 GB at 4 KiB pages). Tests shrink them; each store takes the values current when it opens.
 */
export const CHECKPOINT_TUNING = { everyMs: 1_000, busyPages: 1_000, busyEveryMs: 200, escalatePages: 262_144 };
/** The log file is never cut back when the main connection restarts it (-1): see above. */
export const JOURNAL_SIZE_LIMIT = -1;
/** The log pages past which a commit checkpoints itself when checkpoints run on the main thread. */
export const WAL_AUTOCHECKPOINT_PAGES = 2000;
/** The longest stop() waits for the worker to close its connection. */
const STOP_WAIT_MS = 5_000;

/** Slots of each store's shared counters (an Int32Array over a SharedArrayBuffer). */
const CLOSED = 0;
const CHECKPOINTS = 1;
const ESCALATIONS = 2;
const LAST_LOG = 3;
const LAST_COPIED = 4;
const FAILURES = 5;
/** 1 while a checkpoint of this store runs (on the worker or the main thread). */
const RUNNING = 6;
const SLOTS = 7;
/** Slots of each store's shared running totals (a Float64Array): time spent checkpointing, wall and the thread's CPU (-1: not known here). */
const BUSY_MS = 0;
const CPU_MS = 1;
const TIMES = 2;

export interface CheckpointNote {
  /** When it started, in ms since the epoch (performance.timeOrigin + performance.now()). */
  startedAt: number;
  ms: number;
  /** Pages in the log and pages copied back. */
  log: number;
  copied: number;
  mode: 'PASSIVE' | 'TRUNCATE';
}

export interface Checkpoints {
  /** Where they run now: a worker thread, or the main thread (no worker could start). */
  where(): 'worker' | 'main thread';
  /** Counts since the store opened. */
  counts(): { checkpoints: number; escalations: number; failures: number; lastLogPages: number; lastCopiedPages: number };
  /**
   * Whether a checkpoint runs now, and the time spent in checkpoints since the store opened: wall
   * and the checkpointing thread's CPU (null where the thread's CPU time cannot be read: Linux
   * only). What a checkpoint costs off the console's thread (an encrypted store's copies its log
   * pages as ciphertext, as a plain store's copies them), and what a timed call overlapped.
   */
  work(): { running: boolean; busyMs: number; cpuMs: number | null };
  /** Calls `fn` after every checkpoint that found a log (benchmarks name what held the loop); returns the undo. */
  trace(fn: (note: CheckpointNote) => void): () => void;
  /** Stops checkpointing; the worker's connection to the file is closed when it returns. */
  stop(): void;
}

const bySqlite = new WeakMap<Database.Database, Checkpoints>();

/** The checkpoints of an open store's main connection (null for an in-memory store). */
export function checkpointsOf(sqlite: Database.Database): Checkpoints | null {
  return bySqlite.get(sqlite) ?? null;
}

/**
 * Starts checkpoints for a store file opened on `sqlite` (journal_mode = WAL already set).
 * `where`: 'main thread' skips the worker (comparisons; what a failed worker falls back to).
 */
export function startCheckpoints(sqlite: Database.Database, file: string, key: StoreKey | null, where: 'worker' | 'main thread' = 'worker'): Checkpoints {
  const ctl = new Int32Array(new SharedArrayBuffer(SLOTS * 4));
  const times = new Float64Array(new SharedArrayBuffer(TIMES * 8));
  const listeners = new Set<(n: CheckpointNote) => void>();
  let timer: NodeJS.Timeout | null = null;
  let stopped = false;
  let registration: Registration | null = null;

  const onMainThread = () => {
    if (stopped || timer) return;
    registration = null;
    sqlite.pragma(`wal_autocheckpoint = ${WAL_AUTOCHECKPOINT_PAGES}`);
    timer = setInterval(() => {
      // Not while a worker holds the write gate: the next tick after it finishes folds its log back.
      if (!sqlite.open || sqlite.inTransaction || writeGateBusy(sqlite)) return;
      const startedAt = performance.timeOrigin + performance.now();
      const cpu = threadCpuMs();
      Atomics.store(ctl, RUNNING, 1);
      try {
        const [r] = sqlite.pragma('wal_checkpoint(PASSIVE)') as { log: number; checkpointed: number }[];
        Atomics.add(ctl, CHECKPOINTS, 1);
        Atomics.store(ctl, LAST_LOG, r?.log ?? 0);
        Atomics.store(ctl, LAST_COPIED, r?.checkpointed ?? 0);
        if (r && r.log > 0) for (const fn of listeners) fn({ startedAt, ms: performance.timeOrigin + performance.now() - startedAt, log: r.log, copied: r.checkpointed, mode: 'PASSIVE' });
      } catch {
        // a busy database checkpoints next time
        Atomics.add(ctl, FAILURES, 1);
      } finally {
        Atomics.store(ctl, RUNNING, 0);
        times[BUSY_MS] = times[BUSY_MS]! + performance.timeOrigin + performance.now() - startedAt;
        const cpu2 = threadCpuMs();
        times[CPU_MS] = cpu === null || cpu2 === null || times[CPU_MS]! < 0 ? -1 : times[CPU_MS]! + cpu2 - cpu;
      }
    }, CHECKPOINT_TUNING.everyMs);
    timer.unref();
  };

  if (where === 'worker') {
    sqlite.pragma('wal_autocheckpoint = 0');
    sqlite.pragma(`journal_size_limit = ${JOURNAL_SIZE_LIMIT}`);
    registration = register({ file, pragmas: key ? keyPragmas(key, connectionCipher(sqlite) ?? undefined) : [], ctl, times, onNote: (n) => listeners.forEach((fn) => fn(n)), onFailed: onMainThread });
    if (!registration) onMainThread();
  } else {
    onMainThread();
  }

  const checkpoints: Checkpoints = {
    where: () => (registration ? 'worker' : 'main thread'),
    counts: () => ({
      checkpoints: Atomics.load(ctl, CHECKPOINTS),
      escalations: Atomics.load(ctl, ESCALATIONS),
      failures: Atomics.load(ctl, FAILURES),
      lastLogPages: Atomics.load(ctl, LAST_LOG),
      lastCopiedPages: Atomics.load(ctl, LAST_COPIED),
    }),
    work: () => ({ running: Atomics.load(ctl, RUNNING) === 1, busyMs: times[BUSY_MS]!, cpuMs: times[CPU_MS]! < 0 ? null : times[CPU_MS]! }),
    trace(fn) {
      listeners.add(fn);
      registration?.trace(true);
      return () => {
        listeners.delete(fn);
        if (!listeners.size) registration?.trace(false);
      };
    },
    stop() {
      if (stopped) return;
      stopped = true;
      if (timer) clearInterval(timer);
      registration?.remove();
      registration = null;
    },
  };
  bySqlite.set(sqlite, checkpoints);
  return checkpoints;
}

/** The calling thread's CPU time so far in ms (Linux: /proc/thread-self/schedstat), or null (the worker has its own copy). */
function threadCpuMs(): number | null {
  try {
    return Number(fs.readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ')[0]) / 1e6;
  } catch {
    return null;
  }
}

// ---------------------------------------------------------------------------------------------
// The one worker, shared by every store open in this process.

interface Registration {
  trace(on: boolean): void;
  /** Closes the worker's connection to the file (waits for it) and forgets the store. */
  remove(): void;
}

interface Shared {
  worker: Worker;
  alive: boolean;
  stores: Map<number, { ctl: Int32Array; onNote(n: CheckpointNote): void; onFailed(): void }>;
}

type ToWorker =
  | { type: 'add'; id: number; file: string; pragmas: string[]; ctl: SharedArrayBuffer; times: SharedArrayBuffer; everyMs: number; busyPages: number; busyEveryMs: number; escalatePages: number }
  | { type: 'trace'; id: number; on: boolean }
  | { type: 'remove'; id: number }
  | { type: 'quit' };

type FromWorker = ({ type: 'note'; id: number } & CheckpointNote) | { type: 'failed'; id: number; message: string };

let shared: Shared | null = null;
let nextId = 1;

function register(opts: { file: string; pragmas: string[]; ctl: Int32Array; times: Float64Array; onNote(n: CheckpointNote): void; onFailed(): void }): Registration | null {
  const s = shared ?? startWorker();
  if (!s) return null;
  const id = nextId++;
  s.stores.set(id, { ctl: opts.ctl, onNote: opts.onNote, onFailed: opts.onFailed });
  const send = (m: ToWorker) => s.worker.postMessage(m);
  send({ type: 'add', id, file: opts.file, pragmas: opts.pragmas, ctl: opts.ctl.buffer as SharedArrayBuffer, times: opts.times.buffer as SharedArrayBuffer, ...CHECKPOINT_TUNING });
  return {
    trace: (on) => {
      if (s.alive) send({ type: 'trace', id, on });
    },
    remove: () => {
      if (!s.stores.delete(id) || !s.alive) return;
      send({ type: 'remove', id });
      // The worker answers between two checkpoints: at most one checkpoint's time.
      Atomics.wait(opts.ctl, CLOSED, 0, STOP_WAIT_MS);
      if (s.stores.size === 0) {
        send({ type: 'quit' });
        if (shared === s) shared = null;
      }
    },
  };
}

/** The native module's entry, outside app.asar when packaged (a worker reads its files with plain Node). */
function sqliteModulePath(): string {
  const resolved = createRequire(import.meta.url).resolve('better-sqlite3-multiple-ciphers');
  const unpacked = resolved.replace(/([\\/])app\.asar([\\/])/, '$1app.asar.unpacked$2');
  return unpacked !== resolved && fs.existsSync(unpacked) ? unpacked : resolved;
}

function startWorker(): Shared | null {
  let worker: Worker;
  try {
    worker = new Worker(WORKER_SOURCE, { eval: true, execArgv: [], workerData: { sqliteModule: sqliteModulePath() } });
  } catch {
    return null;
  }
  const s: Shared = { worker, alive: true, stores: new Map() };
  worker.on('message', (m: FromWorker) => {
    const store = s.stores.get(m.id);
    if (!store) return;
    if (m.type === 'note') store.onNote({ startedAt: m.startedAt, ms: m.ms, log: m.log, copied: m.copied, mode: m.mode });
    else {
      s.stores.delete(m.id);
      store.onFailed();
    }
  });
  const gone = () => {
    if (!s.alive) return;
    s.alive = false;
    if (shared === s) shared = null;
    // Stores still open carry on with checkpoints on the main thread.
    const left = [...s.stores.values()];
    s.stores.clear();
    for (const store of left) store.onFailed();
  };
  worker.on('error', gone);
  worker.on('exit', gone);
  // After the listeners: adding a 'message' listener refs the worker's port again.
  worker.unref();
  shared = s;
  return s;
}

/**
 * The worker (CommonJS, run with eval). One connection per store; each store's checkpoints on its
 * own timer. Counters go to the store's shared Int32Array; CLOSED is set (and waited on by the main
 * thread) when its connection is closed.
 */
const WORKER_SOURCE = `
'use strict';
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.sqliteModule);
const fs = require('node:fs');
const [CLOSED, CHECKPOINTS, ESCALATIONS, LAST_LOG, LAST_COPIED, FAILURES, RUNNING] = [${CLOSED}, ${CHECKPOINTS}, ${ESCALATIONS}, ${LAST_LOG}, ${LAST_COPIED}, ${FAILURES}, ${RUNNING}];
const [BUSY_MS, CPU_MS] = [${BUSY_MS}, ${CPU_MS}];
const stores = new Map();

function threadCpuMs() {
  try {
    return Number(fs.readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ')[0]) / 1e6;
  } catch {
    return null;
  }
}

function closeStore(s) {
  clearTimeout(s.timer);
  try { if (s.db) s.db.close(); } catch {}
  Atomics.store(s.ctl, CLOSED, 1);
  Atomics.notify(s.ctl, CLOSED);
}

function run(s, mode) {
  const started = performance.now();
  const cpu = threadCpuMs();
  Atomics.store(s.ctl, RUNNING, 1);
  let r;
  try {
    [r] = s.db.pragma('wal_checkpoint(' + mode + ')');
  } finally {
    Atomics.store(s.ctl, RUNNING, 0);
    s.times[BUSY_MS] += performance.now() - started;
    const cpu2 = threadCpuMs();
    s.times[CPU_MS] = cpu === null || cpu2 === null || s.times[CPU_MS] < 0 ? -1 : s.times[CPU_MS] + cpu2 - cpu;
  }
  const ms = performance.now() - started;
  Atomics.add(s.ctl, CHECKPOINTS, 1);
  Atomics.store(s.ctl, LAST_LOG, r.log);
  Atomics.store(s.ctl, LAST_COPIED, r.checkpointed);
  if (s.trace && r.log > 0) parentPort.postMessage({ type: 'note', id: s.id, startedAt: performance.timeOrigin + started, ms, log: r.log, copied: r.checkpointed, mode });
  return r;
}

function tick(s) {
  let log = 0;
  try {
    const r = run(s, 'PASSIVE');
    log = r.log;
    if (r.log >= s.escalatePages && r.checkpointed < r.log) {
      Atomics.add(s.ctl, ESCALATIONS, 1);
      log = run(s, 'TRUNCATE').log;
    }
  } catch {
    Atomics.add(s.ctl, FAILURES, 1);
  }
  if (stores.get(s.id) === s) s.timer = setTimeout(tick, log >= s.busyPages ? s.busyEveryMs : s.everyMs, s);
}

parentPort.on('message', (m) => {
  if (m.type === 'add') {
    const s = { ...m, ctl: new Int32Array(m.ctl), times: new Float64Array(m.times), db: null, trace: false, timer: null };
    stores.set(m.id, s);
    try {
      s.db = new Database(m.file, { fileMustExist: true });
      for (const p of m.pragmas) s.db.pragma(p);
      s.db.pragma('busy_timeout = 2000');
      s.db.prepare('SELECT count(*) FROM sqlite_master').get();
    } catch (e) {
      stores.delete(m.id);
      closeStore(s);
      parentPort.postMessage({ type: 'failed', id: m.id, message: String(e && e.message) });
      return;
    }
    s.timer = setTimeout(tick, s.everyMs, s);
  } else if (m.type === 'trace') {
    const s = stores.get(m.id);
    if (s) s.trace = m.on;
  } else if (m.type === 'remove') {
    const s = stores.get(m.id);
    stores.delete(m.id);
    if (s) closeStore(s);
  } else if (m.type === 'quit') {
    for (const s of stores.values()) closeStore(s);
    stores.clear();
    parentPort.close();
  }
});
`;
