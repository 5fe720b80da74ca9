/**
 * What the slowest single edits of a benchmark are made of (`npm run bench -- --edit-anatomy`).
 *
 * Around each timed edit it notes, on Linux, the main thread's CPU time and its time waiting for a
 * core (/proc/thread-self/schedstat: the rest of the wall time is waiting on the disk or a lock), its
 * read and write calls and the bytes that reached the disk (/proc/thread-self/io), page faults, the
 * log frames the edit appended and whether it restarted the log (the -shm file's header), the
 * search indexes' segments before and after (FTS5's structure record: a merge inside the edit
 * shows as fewer segments), the time inside the transaction's body and its COMMIT, the checkpoint
 * worker's checkpoints and the garbage collections that overlapped it, and the edited ticket's size
 * (text, comments, history rows). `report()` gives the slowest edits with all of it, and the same
 * counts for the median edit to compare. Benchmarks only: it asserts nothing.
 */
import fs from 'node:fs';
import { PerformanceObserver } from 'node:perf_hooks';
import type Database from 'better-sqlite3';
import type { Store } from '../src/main/db/open';
import { checkpointsOf } from '../src/main/db/checkpointer';
import { MERGED_INDEXES } from '../src/main/services/search/maintenance';
import { statementCacheOf } from '../src/main/db/statement-cache';

interface Span {
  start: number;
  end: number;
}

function readProc(file: string): string | null {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}

/** The main thread's counters now (null where /proc is not there). */
function counters() {
  const sched = readProc('/proc/thread-self/schedstat')?.split(' ');
  const io = readProc('/proc/thread-self/io') ?? '';
  const stat = readProc('/proc/thread-self/stat');
  const num = (re: RegExp) => Number(re.exec(io)?.[1] ?? NaN);
  // Fields after the command's closing parenthesis: minflt is the 10th field of the line, majflt the 12th.
  const after = stat ? stat.slice(stat.lastIndexOf(')') + 2).split(' ') : [];
  return {
    cpuMs: sched ? Number(sched[0]) / 1e6 : NaN,
    runQueueMs: sched ? Number(sched[1]) / 1e6 : NaN,
    readCalls: num(/syscr: (\d+)/),
    writeCalls: num(/syscw: (\d+)/),
    diskReadBytes: num(/read_bytes: (\d+)/),
    diskWriteBytes: num(/write_bytes: (\d+)/),
    minorFaults: Number(after[7] ?? NaN),
    majorFaults: Number(after[9] ?? NaN),
  };
}
type Counters = ReturnType<typeof counters>;

/** The log's frame count and checkpoint sequence from the -shm file's header (WAL-index header, first copy). */
function walHeader(file: string): { mxFrame: number; backfilled: number } | null {
  let fd: number | null = null;
  try {
    fd = fs.openSync(`${file}-shm`, 'r');
    const b = Buffer.alloc(136);
    fs.readSync(fd, b, 0, 136, 0);
    // WalIndexHdr: mxFrame at byte 16; WalCkptInfo after the two 48-byte header copies: nBackfill at 96.
    return { mxFrame: b.readUInt32LE(16), backfilled: b.readUInt32LE(96) };
  } catch {
    return null;
  } finally {
    if (fd !== null) fs.closeSync(fd);
  }
}

/** Segments per level of an FTS5 index, from its structure record (rowid 10 of its _data table). */
function segmentsPerLevel(structure: Database.Statement): number[] {
  const blob = structure.get() as Buffer | undefined;
  if (!blob) return [];
  let i = 4;
  if (blob.length > 8 && blob[4] === 0xff && blob[5] === 0 && blob[6] === 0 && blob[7] === 1) i = 8;
  const v2 = i === 8;
  const varint = () => {
    let n = 0;
    let shift = 1;
    for (let k = 0; k < 9; k++) {
      const byte = blob[i++]!;
      n += (byte & 0x7f) * shift;
      shift *= 128;
      if (!(byte & 0x80)) break;
    }
    return n;
  };
  const nLevel = varint();
  varint(); // nSegment
  varint(); // nWriteCounter
  const out: number[] = [];
  for (let l = 0; l < nLevel; l++) {
    varint(); // nMerge
    const nSeg = varint();
    out.push(nSeg);
    for (let s = 0; s < nSeg; s++) {
      varint();
      varint();
      varint();
      if (v2) for (let k = 0; k < 5; k++) varint();
    }
  }
  return out;
}

export interface EditRecord {
  kind: 'update' | 'transition';
  ticket: string;
  wallMs: number;
  bodyMs: number;
  commitMs: number;
  cpuMs: number;
  runQueueMs: number;
  /** Wall time neither on a core nor waiting for one: the disk, a lock, a page fault's read. */
  blockedMs: number;
  readCalls: number;
  writeCalls: number;
  diskWriteKb: number;
  /** Bytes the thread had read from the disk itself (not from the OS's file cache). */
  diskReadKb: number;
  minorFaults: number;
  majorFaults: number;
  logFramesAppended: number | null;
  logRestarted: boolean;
  segmentsBefore: Record<string, number[]>;
  segmentsAfter: Record<string, number[]>;
  mergedInside: string[];
  /** Checkpoints the worker finished during the edit, and log frames it copied into the file meanwhile (-shm's nBackfill). */
  checkpointsFinished: number;
  framesCopiedMeanwhile: number | null;
  gcOverlapping: { kind: number; ms: number }[];
  span?: Span;
  /** CLOCK_MONOTONIC at the edit's start and end, in ms (to find it in a `perf record -k CLOCK_MONOTONIC` profile). */
  monotonicMs: [number, number];
  /** prepare() calls inside the edit, and the statements actually compiled (fewer with the store's statement cache). */
  statementsPrepared: number;
  statementsCompiled: number;
  heapUsedMb: number;
  ticketChars: { title: number; description: number; comments: number };
  historyRows: number;
}

export function editAnatomy(store: Store) {
  const sqlite = store.sqlite;
  // The worker's counters are shared memory, current even while this thread never yields.
  const ck = checkpointsOf(sqlite);
  const done = () => ck?.counts().checkpoints ?? 0;
  // Garbage collections reach the observer only when the loop turns: report() is called after a yield.
  const gcs: (Span & { kind: number })[] = [];
  const obs = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) gcs.push({ start: e.startTime, end: e.startTime + e.duration, kind: ((e as unknown as { detail?: { kind?: number } }).detail?.kind ?? 0) });
  });
  obs.observe({ entryTypes: ['gc'] });
  // The transaction's body and its COMMIT apart (the write primitive runs every edit in one transaction).
  let bodyEnd = 0;
  let txStart = 0;
  const s = sqlite as Database.Database & Record<string, unknown>;
  const transaction = sqlite.transaction.bind(sqlite);
  s.transaction = ((fn: (...a: unknown[]) => unknown) => {
    const inner = transaction((...a: unknown[]) => {
      const r = fn(...a);
      bodyEnd = performance.now();
      return r;
    });
    const wrap = (run: (...a: unknown[]) => unknown) => (...a: unknown[]) => {
      txStart = performance.now();
      return run(...a);
    };
    return Object.assign(wrap(inner), { deferred: wrap(inner.deferred), immediate: wrap(inner.immediate), exclusive: wrap(inner.exclusive), default: wrap(inner.default) });
  }) as typeof sqlite.transaction;
  // Statements prepared inside edits: each is a native object freed only when a garbage collection finds it dead.
  let prepared: string[] = [];
  const preparedBy = new Map<string, number>();
  const prepare = sqlite.prepare.bind(sqlite);
  s.prepare = ((source: string) => {
    prepared.push(source);
    return prepare(source);
  }) as typeof sqlite.prepare;
  const records: EditRecord[] = [];
  const ticketSize = sqlite.prepare(
    `SELECT length(t.title) AS title, length(coalesce(t.description, '')) AS description,
            (SELECT length(coalesce(f.comments, '')) FROM tickets_fts f WHERE f.rowid = t.rowid) AS comments,
            (SELECT count(*) FROM ticket_history h WHERE h.ticket_id = t.id) AS history
       FROM tickets t WHERE t.id = ?`,
  );
  const structures = MERGED_INDEXES.map((t) => [t, sqlite.prepare(`SELECT block FROM "${t}_data" WHERE id = 10`).pluck()] as const);
  const segments = () => Object.fromEntries(structures.map(([t, st]) => [t, segmentsPerLevel(st)]));
  return {
    /** Times `fn` (one edit) with every counter around it. Returns its wall time. */
    edit(kind: EditRecord['kind'], ticket: string, fn: () => void): number {
      const segBefore = segments();
      prepared = [];
      const compiled0 = statementCacheOf(sqlite)?.counts().prepared ?? null;
      const walBefore = walHeader(store.path);
      const ck0 = done();
      const c0: Counters = counters();
      const m0 = Number(process.hrtime.bigint()) / 1e6;
      const t0 = performance.now();
      fn();
      const t1 = performance.now();
      const m1 = Number(process.hrtime.bigint()) / 1e6;
      const c1: Counters = counters();
      const ck1 = done();
      const preparedHere = prepared.length;
      const compiled1 = statementCacheOf(sqlite)?.counts().prepared ?? null;
      for (const sql of prepared) preparedBy.set(sql, (preparedBy.get(sql) ?? 0) + 1);
      const walAfter = walHeader(store.path);
      const segAfter = segments();
      const size = ticketSize.get(ticket) as { title: number; description: number; comments: number; history: number };
      const wallMs = t1 - t0;
      const cpuMs = c1.cpuMs - c0.cpuMs;
      const runQueueMs = c1.runQueueMs - c0.runQueueMs;
      const merged = MERGED_INDEXES.filter((t) => segAfter[t]!.reduce((a, b) => a + b, 0) <= segBefore[t]!.reduce((a, b) => a + b, 0) && segAfter[t]!.join() !== segBefore[t]!.join());
      records.push({
        kind,
        ticket,
        wallMs,
        bodyMs: bodyEnd > txStart && txStart >= t0 ? bodyEnd - txStart : NaN,
        commitMs: bodyEnd >= t0 ? t1 - bodyEnd : NaN,
        cpuMs,
        runQueueMs,
        blockedMs: Math.max(0, wallMs - cpuMs - runQueueMs),
        readCalls: c1.readCalls - c0.readCalls,
        writeCalls: c1.writeCalls - c0.writeCalls,
        diskWriteKb: (c1.diskWriteBytes - c0.diskWriteBytes) / 1024,
        diskReadKb: (c1.diskReadBytes - c0.diskReadBytes) / 1024,
        minorFaults: c1.minorFaults - c0.minorFaults,
        majorFaults: c1.majorFaults - c0.majorFaults,
        logFramesAppended: walBefore && walAfter ? (walAfter.mxFrame >= walBefore.mxFrame ? walAfter.mxFrame - walBefore.mxFrame : walAfter.mxFrame) : null,
        logRestarted: !!(walBefore && walAfter && walAfter.mxFrame < walBefore.mxFrame),
        segmentsBefore: segBefore,
        segmentsAfter: segAfter,
        mergedInside: merged,
        checkpointsFinished: ck1 - ck0,
        framesCopiedMeanwhile: walBefore && walAfter && walAfter.backfilled >= walBefore.backfilled ? walAfter.backfilled - walBefore.backfilled : null,
        gcOverlapping: [],
        span: { start: t0, end: t1 },
        monotonicMs: [r2(m0), r2(m1)],
        statementsPrepared: preparedHere,
        statementsCompiled: compiled0 === null || compiled1 === null ? preparedHere : compiled1 - compiled0,
        heapUsedMb: r2(process.memoryUsage().heapUsed / 1048576),
        ticketChars: { title: size.title, description: size.description, comments: size.comments },
        historyRows: size.history,
      });
      return wallMs;
    },
    /** The slowest edits by wall time and by CPU time, and the median edit's counts beside them. */
    report(top = 10) {
      for (const r of records) {
        const sp = r.span!;
        r.gcOverlapping = gcs.filter((g) => g.start < sp.end && g.end > sp.start).map((g) => ({ kind: g.kind, ms: r2(g.end - g.start) }));
        delete r.span;
      }
      obs.disconnect();
      const round = (r: EditRecord) =>
        Object.fromEntries(Object.entries(r).map(([k, v]) => [k, typeof v === 'number' ? r2(v) : v])) as unknown as EditRecord;
      const byWall = [...records].sort((a, b) => b.wallMs - a.wallMs);
      const byCpu = [...records].sort((a, b) => b.cpuMs - a.cpuMs);
      const med = (f: (r: EditRecord) => number) => {
        const xs = records.map(f).filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
        return xs.length ? r2(xs[Math.floor(xs.length / 2)]!) : null;
      };
      return {
        edits: records.length,
        median: {
          wallMs: med((r) => r.wallMs),
          cpuMs: med((r) => r.cpuMs),
          commitMs: med((r) => r.commitMs),
          writeCalls: med((r) => r.writeCalls),
          logFramesAppended: med((r) => r.logFramesAppended ?? NaN),
          minorFaults: med((r) => r.minorFaults),
        },
        statements_prepared_per_edit: med((r) => r.statementsPrepared),
        statements_compiled_per_edit: med((r) => r.statementsCompiled),
        statements_compiled_in_all_edits: records.reduce((a, r) => a + r.statementsCompiled, 0),
        statements_prepared_inside_edits: Object.fromEntries([...preparedBy].sort((a, b) => b[1] - a[1]).map(([k, v]) => [k.replace(/\s+/g, ' ').slice(0, 160), v])),
        merges_inside_edits: records.filter((r) => r.mergedInside.length).length,
        log_restarts_inside_edits: records.filter((r) => r.logRestarted).length,
        with_checkpoint_copying_meanwhile: records.filter((r) => r.checkpointsFinished || r.framesCopiedMeanwhile).length,
        with_gc_overlapping: records.filter((r) => r.gcOverlapping.length).length,
        slowest_by_wall: byWall.slice(0, top).map(round),
        slowest_by_cpu: byCpu.slice(0, top).map(round),
      };
    },
    stop() {
      s.transaction = transaction as unknown as typeof sqlite.transaction;
      s.prepare = prepare as unknown as typeof sqlite.prepare;
    },
  };
}

const r2 = (x: number) => Math.round(x * 100) / 100;
