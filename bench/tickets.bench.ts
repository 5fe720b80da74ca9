/**
 * `npm run bench -- [--tickets 1000000] [--seed 7] [--encryption off|on|both] [--cipher aegis-256x4|aegis-256|sqlcipher-4|sqlcipher-3] [--rounds 5] [--samples 40] [--cold-samples 20] [--control off] [--encrypted-cache-mb 64]`: seeds a
 * fresh temporary store with realistic tickets and prints one JSON object of figures (bulk insert vs raw
 * better-sqlite3, queue pages, search, single edits, SLA, pruning). `--encryption on` measures a store
 * encrypted at rest (a random key; `--cipher` names the cipher a team would choose for it, AEGIS-256X4 by default); `both` seeds a plain and an encrypted store side by side (and a
 * second plain store, the control, unless `--control off`), batch by batch in turns, then measures
 * them in rounds in which the stores take turns call by call (plain, encrypted, control, then the
 * other way round), and prints them side by side with the overhead of each figure in percent and
 * the control's drift from the plain store beside it: a busy moment on the machine falls on every
 * store alike, and the control shows how much of an overhead the machine alone makes. Each timing is
 * measured in every round; a figure is the median of the rounds' figures, with the p95 of all samples
 * pooled and the largest sample kept beside it. Each page figure also says how many pages a call
 * read from the file (page-cache misses: what an encrypted store decrypts). Of the figures over
 * +15 %, `over_15_pct_beyond_noise` says which the samples bear out (a paired bootstrap: noise.ts),
 * and how many of the control's own the same test would call real. Not a test: it asserts nothing
 * and only reports.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PerformanceObserver } from 'node:perf_hooks';
import Database from 'better-sqlite3';
import StoreDatabase from 'better-sqlite3-multiple-ciphers';
import { openStore } from '../src/main/db/open';
import { systemClock, type Actor, type Ctx } from '../src/main/services/core/context';
import { initialize } from '../src/main/services/setup/setup';
import { createSite } from '../src/main/services/directory/sites';
import { createGroup } from '../src/main/services/directory/groups';
import { createUser, loadActor } from '../src/main/services/directory/users';
import { breachingSoonCases, slaWrites } from './sla-section';
import { hashPassword } from '../src/main/services/auth/password';
import {
  generateTickets,
  insertGeneratedTickets,
  mulberry32,
  type GeneratedTicket,
} from '../src/main/services/tickets/generate';
import { listTickets, viewCounts, type ListInput } from '../src/main/services/tickets/queue';
import { searchIndexStale, searchTickets } from '../src/main/services/search/search';
import { mergeSearchIndexes } from '../src/main/services/search/maintenance';
import { transitionTicket, updateTicket } from '../src/main/services/tickets/tickets';
import { uuidv7 } from '../src/shared/ids';
import { DEFAULT_PRIORITY_MATRIX, formatNumber, isOpen, numberPrefix, priorityFor } from '../src/shared/tickets/rules';
import { tempDir } from '../src/main/testing';
import { acknowledge } from '../src/main/sync/outbox';
import { connectionCipher, DEFAULT_CIPHER, parseCipher, type StoreCipher, type StoreKey } from '../src/main/db/store-key';
import { checkpointsOf, type Checkpoints } from '../src/main/db/checkpointer';
import { editAnatomy } from './edit-anatomy';
import { median, ofRoundValues, overheadInterval, quantile, STATISTICS, type Interval, type Rounds } from './noise';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const eq = process.argv.find((a) => a.startsWith(`--${name}=`));
  const v = eq ? eq.split('=')[1] : i >= 0 ? process.argv[i + 1] : undefined;
  const n = v === undefined ? fallback : Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`--${name} must be a positive whole number`);
  return n;
}

const TICKETS = arg('tickets', 100_000);
const SEED = arg('seed', 7);
const ROUNDS = arg('rounds', 5);
/** Samples of each queue page per store and round (deep pages 10 more; view counts half). */
const PAGE_SAMPLES = arg('samples', 40);
/** Single edits per store and round (update + transition each): 300 in all, at least 20 a round. */
const EDITS_PER_ROUND = Math.max(20, Math.floor(300 / ROUNDS));
const BATCH = 50_000;
const opt = (name: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
/** --keep DIR leaves the seeded store in DIR for EXPLAIN QUERY PLAN work afterwards. */
const KEEP = opt('keep');
/** --reuse DIR skips seeding and measures a store kept earlier (after a query or index change). */
const REUSE = opt('reuse');
const ENCRYPTION = opt('encryption') ?? 'off';
/** --edit-anatomy: what the slowest single edits were made of (bench/edit-anatomy.ts), in `edit_anatomy`. */
const ANATOMY = process.argv.includes('--edit-anatomy');
const anatomies: ReturnType<typeof editAnatomy>[] = [];
/**
 * --idle-merges off: no search-index merge step between edits. By default one step (untimed) follows
 * each edit and status move, as the app's idle timer (runtime.ts, services/search/maintenance.ts)
 * runs at least once in the second between two edits a person makes; the bench's loop never yields,
 * so without it the indexes' segments pile up until FTS5 merges a whole level inside an edit.
 */
const IDLE_MERGES = opt('idle-merges') !== 'off';
/**
 * --encrypted-cache-mb N: the encrypted store's page cache while it is measured, in MiB (the store's
 * own setting otherwise, as for the plain one): what a larger cache would save it in pages decrypted.
 */
const ENCRYPTED_CACHE_MB = opt('encrypted-cache-mb') === undefined ? null : arg('encrypted-cache-mb', 64);
if (!['off', 'on', 'both'].includes(ENCRYPTION)) throw new Error('--encryption must be off, on or both');
/** --cipher C: the cipher of the encrypted store (what a team choosing it for its store would pay). */
const CIPHER: StoreCipher = parseCipher(opt('cipher') ?? DEFAULT_CIPHER, '--cipher');
const log = (msg: string) => process.stderr.write(`[bench] ${msg}\n`);

/** A timed call: its wall time and the main thread's reads from the store files meanwhile (null: not Linux). */
interface Sample {
  ms: number;
  reads: number | null;
  /** The main thread's CPU time across the call (null: not Linux): what it cost, whatever else the machine ran meanwhile. */
  cpu: number | null;
  /** The process's CPU time across the call (every thread) ... */
  proc: number;
  /** ... and the other threads' alone (the process's less the main thread's: the checkpoint worker's). */
  other: number | null;
  /** When it ran (performance.now()), to find the garbage collections that fell inside it afterwards. */
  t0: number;
  t1: number;
  /** The stores whose log was being folded back by a checkpoint at some moment of the call. */
  ckpt: string[];
}

/**
 * Every store's checkpoints, by the name the bench prints it under: a sample notes which of them ran
 * a checkpoint while it was timed (one worker thread checkpoints every store of the process).
 */
const CHECKPOINTERS: { name: string; cp: Checkpoints }[] = [];
function checkpointState(): { running: boolean; busyMs: number }[] {
  return CHECKPOINTERS.map(({ cp }) => cp.work());
}
function checkpointsDuring(before: { running: boolean; busyMs: number }[]): string[] {
  const after = checkpointState();
  return CHECKPOINTERS.filter((_, i) => before[i]!.running || after[i]!.running || after[i]!.busyMs !== before[i]!.busyMs).map((c) => c.name);
}

/**
 * Garbage collections of the main thread's heap, from V8's performance entries (delivered after the
 * synchronous measuring is over: matched to the largest samples at the end).
 */
const GC_SPANS: [number, number][] = [];
const gcObserver = new PerformanceObserver((list) => {
  for (const e of list.getEntries()) GC_SPANS.push([e.startTime, e.startTime + e.duration]);
});
gcObserver.observe({ entryTypes: ['gc'] });
/** What the largest sample of each figure was made of, filled in with its GC time at the end. */
interface Largest {
  wall: number;
  main_thread_cpu: number | null;
  other_threads_cpu: number | null;
  page_reads: number | null;
  during_checkpoint_of: string[];
  gc: number | null;
}
const LARGEST: { out: Largest; t0: number; t1: number }[] = [];
function anatomy(x: Sample): Largest {
  const out: Largest = {
    wall: r3(x.ms),
    main_thread_cpu: x.cpu === null ? null : r3(x.cpu),
    other_threads_cpu: x.other === null ? null : r3(x.other),
    page_reads: x.reads,
    during_checkpoint_of: x.ckpt,
    gc: null,
  };
  LARGEST.push({ out, t0: x.t0, t1: x.t1 });
  return out;
}
/** The main thread's GC time inside each largest sample, once V8's entries have been delivered. */
function fillGc() {
  for (const l of LARGEST) l.out.gc = r3(GC_SPANS.reduce((a, [s, e]) => a + Math.max(0, Math.min(e, l.t1) - Math.max(s, l.t0)), 0));
}

/**
 * The main thread's read calls so far (Linux: /proc/thread-self/io). The store's files are read with
 * one pread per page the page cache misses (memory-mapped I/O is off), so the difference across a
 * call is the number of pages it read from the file: each of them decrypted on an encrypted store.
 */
function readCalls(): number | null {
  try {
    const m = /syscr: (\d+)/.exec(fs.readFileSync('/proc/thread-self/io', 'utf8'));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}
/** The read calls readCalls and threadCpuMs themselves make (measured once). */
const READ_CALLS_OWN = (() => {
  const a = readCalls();
  const b = readCalls();
  return a === null || b === null ? 0 : b - a;
})();
const READ_CALLS_OWN_CPU = (() => {
  const a = readCalls();
  threadCpuMs();
  threadCpuMs();
  const b = readCalls();
  return a === null || b === null ? 0 : b - a - READ_CALLS_OWN;
})();

function sampled(fn: () => void): Sample {
  const ck = checkpointState();
  const r = readCalls();
  const p = process.cpuUsage();
  const c = threadCpuMs();
  const t = performance.now();
  fn();
  const t1 = performance.now();
  const p2 = process.cpuUsage(p);
  const c2 = threadCpuMs();
  const r2 = readCalls();
  const cpu = c === null || c2 === null ? null : c2 - c;
  const proc = (p2.user + p2.system) / 1000;
  return {
    ms: t1 - t,
    reads: r === null || r2 === null ? null : r2 - r - READ_CALLS_OWN - READ_CALLS_OWN_CPU,
    cpu,
    proc,
    other: cpu === null ? null : Math.max(0, proc - cpu),
    t0: t,
    t1,
    ckpt: checkpointsDuring(ck),
  };
}

/**
 * The main thread's CPU time so far in ms (Linux: /proc/thread-self/schedstat; null elsewhere). The
 * kernel brings a running thread's count up to date when the process's usage is asked for
 * (getrusage, behind process.cpuUsage), so that is asked first: the count is then exact to the
 * microsecond rather than to the last scheduler tick.
 */
function threadCpuMs(): number | null {
  try {
    process.cpuUsage();
    return Number(fs.readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ')[0]) / 1e6;
  } catch {
    return null;
  }
}

const r3 = (x: number) => Math.round(x * 1000) / 1000;

/** The samples behind each figure, so that the rounds can be pooled (kept out of the printed JSON). */
const samplesOf = new WeakMap<object, number[]>();
/** The same, each round's apart and in the order taken, wall times and main-thread CPU times (for the overheads' intervals: noise.ts). */
const roundsOf = new WeakMap<object, { ms: Rounds; cpu: Rounds }>();
/** Numbers recorded once a round under a figure (a rewrite's time, a checkpoint's CPU), by key: the rounds' values. */
const valuesOf = new WeakMap<object, Record<string, number[]>>();

function stats(samples: (number | Sample)[], opts: { cpu?: boolean } = {}) {
  const ms = samples.map((x) => (typeof x === 'number' ? x : x.ms));
  const top = samples.reduce<Sample | null>((a, x) => (typeof x === 'number' || (a && a.ms >= x.ms) ? a : x), null);
  const s = [...ms].sort((a, b) => a - b);
  const reads = samples.map((x) => (typeof x === 'number' ? null : x.reads)).filter((x): x is number => x !== null);
  const cpuTaken = opts.cpu === false ? [] : samples.map((x) => (typeof x === 'number' ? null : x.cpu)).filter((x): x is number => x !== null);
  const cpu = [...cpuTaken].sort((a, b) => a - b);
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const out = {
    n: s.length,
    median_ms: r3(quantile(s, 0.5)),
    p95_ms: r3(quantile(s, 0.95)),
    max_ms: r3(s[s.length - 1]!),
    // Pages read from the file per call (page-cache misses: each one decrypted on an encrypted store).
    ...(reads.length ? { page_reads_per_call: Math.round(mean(reads) * 100) / 100 } : {}),
    // The main thread's CPU time per call (what the call costs, whatever else the machine runs meanwhile).
    ...(cpu.length ? { main_thread_cpu_median_ms: r3(quantile(cpu, 0.5)), main_thread_cpu_p95_ms: r3(quantile(cpu, 0.95)) } : {}),
    // What the largest sample was made of: its main thread's CPU (wall far above it: the thread waited
    // for a processor or the disk), the other threads' CPU, pages read, GC, checkpoints meanwhile.
    ...(top ? { largest: anatomy(top) } : {}),
  };
  samplesOf.set(out, ms);
  roundsOf.set(out, { ms: [ms], cpu: [cpuTaken] });
  return out;
}

function time(fn: () => void): number {
  const t = performance.now();
  fn();
  return performance.now() - t;
}

/**
 * The same call on each store, `n` times, the stores taking turns sample by sample (the order
 * alternating), so a busy moment on the machine falls on every store alike. Each is called once
 * first (statement cache; pages the call needs that are not in the page cache are read from the
 * file then): that first call is timed apart (`first`), the `n` after it are the repeated view.
 */
function paired(n: number, fns: (() => unknown)[]): Sample[][] & { first: Sample[] } {
  const first = fns.map((fn) => sampled(() => fn()));
  const out = fns.map(() => [] as Sample[]);
  for (let i = 0; i < n; i++) {
    const order = fns.map((_, k) => k);
    if (i % 2) order.reverse();
    for (const k of order) out[k]!.push(sampled(() => fns[k]!()));
  }
  return Object.assign(out, { first });
}

type Stats = ReturnType<typeof stats>;

/** A figure built on a Stats (more keys beside its timings) that keeps its samples for pooling. */
function withSamplesOf<T extends object>(st: Stats, make: (st: Stats) => T): T {
  const out = make(st);
  const xs = samplesOf.get(st);
  if (xs) samplesOf.set(out, xs);
  const rs = roundsOf.get(st);
  if (rs) roundsOf.set(out, rs);
  return out;
}

/**
 * One figure out of the same timing taken in several rounds: the median of the rounds' medians and
 * of their p95s, the p95 of every sample pooled, the largest sample of all and the median of the
 * rounds' largest (one stall in one round moves max_ms, not max_median_of_rounds_ms), and every
 * sample counted.
 */
function ofRounds(rounds: Stats[]) {
  const pooled = rounds.flatMap((r) => samplesOf.get(r) ?? []).sort((a, b) => a - b);
  const largest = rounds.map((r) => r.largest).filter((x): x is Largest => !!x);
  return {
    n: rounds.reduce((a, r) => a + r.n, 0),
    median_ms: median(rounds.map((r) => r.median_ms)),
    p95_ms: median(rounds.map((r) => r.p95_ms)),
    ...(pooled.length ? { p95_pooled_ms: r3(quantile(pooled, 0.95)) } : {}),
    max_ms: Math.max(...rounds.map((r) => r.max_ms)),
    max_median_of_rounds_ms: median(rounds.map((r) => r.max_ms)),
    // Raw: each round's median and largest, in round order (not compared: the figures above are).
    rounds_median: rounds.map((r) => r.median_ms),
    rounds_max: rounds.map((r) => r.max_ms),
    ...(largest.length ? { largest: largest.reduce((a, x) => (x.wall > a.wall ? x : a)), largest_of_rounds: largest } : {}),
  };
}

/** The same, for a tree of figures (each leaf a Stats, or a number: the median of the rounds' numbers). */
function mergeRounds<T>(rounds: T[]): T {
  const first = rounds[0] as unknown;
  if (typeof first === 'number') return median(rounds as number[]) as T;
  if (!first || typeof first !== 'object') return first as T;
  const isStats = 'median_ms' in first && 'p95_ms' in first && 'n' in first;
  const out: Record<string, unknown> = isStats ? { ...ofRounds(rounds as Stats[]) } : {};
  if (isStats) {
    const rs = (rounds as object[]).map((r) => roundsOf.get(r));
    roundsOf.set(out, { ms: rs.map((x) => x?.ms[0] ?? []), cpu: rs.map((x) => x?.cpu[0] ?? []) });
  }
  const values: Record<string, number[]> = {};
  for (const k of Object.keys(first)) {
    if (k in out) continue;
    const each = rounds.map((r) => (r as Record<string, unknown>)[k]);
    if (typeof each[0] === 'number') values[k] = each as number[];
    out[k] = mergeRounds(each);
  }
  valuesOf.set(out, values);
  return out as T;
}

/** The same ticket row insertGeneratedTickets writes, for the raw comparison. */
/** The bare copy's columns, in the order rawRow gives them. */
const TICKET_COLS = [
  'id', 'scope_id', 'created_at', 'updated_at', 'field_hlc', 'number', 'type', 'title', 'description', 'category', 'subcategory',
  'impact', 'urgency', 'priority', 'priority_overridden', 'status', 'is_open', 'pending_reason', 'resolution_code', 'resolution_notes',
  'assignee_id', 'group_id', 'requester_id', 'contact_channel', 'linked_asset_id', 'opened_at', 'first_response_at', 'resolved_at', 'closed_at',
] as const;
const TICKET_INSERT_SQL = `INSERT INTO tickets (${TICKET_COLS.join(', ')}) VALUES (${TICKET_COLS.map(() => '?').join(', ')})`;

function rawRow(s: GeneratedTicket, n: number) {
  const updated = s.closedAt ?? s.resolvedAt ?? s.firstResponseAt ?? s.openedAt;
  return [
    uuidv7(), s.siteId, s.openedAt, updated, '{}', formatNumber(numberPrefix(s.type), n), s.type, s.title, s.description, s.category, s.subcategory,
    s.impact, s.urgency, priorityFor(DEFAULT_PRIORITY_MATRIX, s.impact, s.urgency), 0, s.status, isOpen(s.status) ? 1 : 0, s.pendingReason, s.resolutionCode,
    s.resolutionNotes, s.assigneeId, s.groupId, s.requesterId, s.contactChannel, null, s.openedAt, s.firstResponseAt, s.resolvedAt, s.closedAt,
  ];
}

interface Bulk {
  generated_rows_per_sec: number;
  raw_rows_per_sec: number;
  ratio_generated_to_raw: number;
  note: string;
}

/**
 * A store being seeded in `dir`: set up (admin, sites, people, groups) when made, then filled batch by
 * batch (`batch`), so two stores can be seeded in turns; `finish` closes it and gives the bulk figures.
 */
function seeder(dir: string, key: StoreKey | null) {
  const store = openStore(path.join(dir, 'outpost.db'), { key, cipher: CIPHER });
  // A bare copy of the tickets table (same columns and primary key; no secondary indexes, triggers, ops or history).
  const raw = new Database(path.join(dir, 'raw.db'));
  try {
    raw.pragma('journal_mode = WAL');
    raw.pragma('synchronous = NORMAL');
    raw.pragma('foreign_keys = OFF'); // the referenced users/groups tables are not in the bare copy
    raw.exec(store.sqlite.prepare("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'tickets'").pluck().get() as string);
    const rawInsert = raw.prepare(TICKET_INSERT_SQL);
    const ctx = (actor: Actor | null, call = 'bench'): Ctx => ({ store, clock: systemClock, actor, call });
    const session = initialize(ctx(null, 'setup.init'), {
      admin: { username: 'admin', displayName: 'Bench Admin', password: 'bench-password' },
      site: { name: 'Head Office', code: 'HQ' },
    });
    const admin = loadActor(store.sqlite, session.user.id)!;
    const actx = ctx(admin);
    const sites = [admin.siteIds[0]!, createSite(actx, { name: 'Warehouse' }).id, createSite(actx, { name: 'Field' }).id];
    const hash = hashPassword('bench-password');
    const techs = Array.from({ length: 25 }, (_, i) =>
      createUser(actx, { username: `tech${i}`, displayName: `Tech ${i}`, role: 'technician', password: 'x', siteIds: [sites[i % 3]!] }, { passwordHash: hash }).id,
    );
    const requesters = Array.from({ length: 400 }, (_, i) =>
      createUser(actx, { username: `user${i}`, displayName: `User ${i}`, role: 'requester', password: 'x', siteIds: [sites[i % 3]!] }, { passwordHash: hash }).id,
    );
    const groups = ['Service Desk', 'Desktop', 'Network', 'Servers', 'Field Services'].map(
      (name, g) => createGroup(actx, { name, memberIds: techs.filter((_, i) => i % 5 === g) }).id,
    );
    // The same seed in every store: the same tickets (under each store's own ids).
    const rng = mulberry32(SEED);
    const now = systemClock.now();
    const days = Math.max(30, Math.ceil(TICKETS / 300));
    let insertMs = 0;
    let rawMs = 0;
    let rawN = 1;
    let done = 0;
    return {
      /** Inserts the next batch (at most BATCH tickets); false once every ticket is in. */
      batch(): boolean {
        if (done >= TICKETS) return false;
        const n = Math.min(BATCH, TICKETS - done);
        const specs = generateTickets(rng, n, { now, days, siteIds: sites, groupIds: groups, technicianIds: techs, requesterIds: requesters });
        insertMs += time(() => insertGeneratedTickets(actx, specs));
        const rows = specs.map((s) => rawRow(s, rawN++));
        rawMs += time(() => {
          for (let i = 0; i < rows.length; i += 5000) raw.transaction(() => rows.slice(i, i + 5000).forEach((r) => rawInsert.run(...r)))();
        });
        done += n;
        log(`inserted ${done} / ${TICKETS}${key ? ' (encrypted)' : ''}`);
        return true;
      },
      finish(): Bulk {
        const generatedPerSec = TICKETS / (insertMs / 1000);
        const rawPerSec = TICKETS / (rawMs / 1000);
        const bulk = {
          generated_rows_per_sec: Math.round(generatedPerSec),
          raw_rows_per_sec: Math.round(rawPerSec),
          ratio_generated_to_raw: Math.round((generatedPerSec / rawPerSec) * 1000) / 1000,
          note: 'generated = tickets + status history + comments + ops + FTS + indexes; raw = bare tickets table, same rows, one transaction per 5000',
        };
        log(`bulk${key ? ' (encrypted)' : ''} ${JSON.stringify(bulk)}`);
        raw.close();
        // The seeder exits and the app starts: close (PRAGMA optimize) and reopen, as a user would.
        store.close();
        return bulk;
      },
    };
  } catch (e) {
    raw.close();
    store.close();
    throw e;
  }
}

/** The queries, pages and edits measured on one opened store, each round by round. */
function subject(dir: string, key: StoreKey | null, name: string) {
  const store = openStore(path.join(dir, 'outpost.db'), { key, cipher: CIPHER });
  const cp = checkpointsOf(store.sqlite);
  if (cp) CHECKPOINTERS.push({ name, cp });
  if (key && ENCRYPTED_CACHE_MB) store.sqlite.pragma(`cache_size = -${ENCRYPTED_CACHE_MB * 1024}`);
  log(`opened${key ? ` (encrypted with ${connectionCipher(store.sqlite)})` : ''}; planner statistics: ${store.sqlite.prepare("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'").pluck().get() ? 'present' : 'absent'}`);
  // What every start checks before the console opens: is the search index in step with the tickets?
  const checkStart = performance.now();
  const startCheck = { stale: searchIndexStale({ store }), ms: Math.round((performance.now() - checkStart) * 100) / 100 };
  const clock = systemClock;
  const ctx = (actor: Actor | null, call = 'bench'): Ctx => ({ store, clock, actor, call });
  const ids = (sql: string) => store.sqlite.prepare(sql).pluck().all() as string[];
  const sites = ids('SELECT id FROM sites ORDER BY id');
  const groups = ids('SELECT id FROM groups ORDER BY id');
  const techs = ids("SELECT id FROM users WHERE role = 'technician' ORDER BY id");
  const count = (sql: string) => store.sqlite.prepare(sql).pluck().get() as number;
  const total = count('SELECT count(*) FROM tickets');

  // The busiest technician's queue is the worst "my work" case.
  const busy = store.sqlite
    .prepare('SELECT assignee_id FROM tickets WHERE is_open = 1 AND assignee_id IS NOT NULL GROUP BY assignee_id ORDER BY count(*) DESC LIMIT 1')
    .pluck()
    .get() as string;
  const tech = loadActor(store.sqlite, busy)!;
  const tctx = ctx(tech, 'tickets.list');
  const list = (i: Partial<ListInput> & { view: ListInput['view'] }) => () => listTickets(tctx, { filter: {}, limit: 50, ...i });
  const cases: Record<string, () => unknown> = {
    my_work: list({ view: 'my_work' }),
    unassigned: list({ view: 'unassigned' }),
    all_open: list({ view: 'all_open' }),
    recently_resolved: list({ view: 'recently_resolved' }),
    all: list({ view: 'all' }),
    'all_open+sort:newest': list({ view: 'all_open', sort: 'newest' }),
    'all_open+sort:updated': list({ view: 'all_open', sort: 'updated' }),
    'all_open+filter:priority[1,2]': list({ view: 'all_open', filter: { priority: [1, 2] } }),
    'all_open+filter:group': list({ view: 'all_open', filter: { groupId: [groups[1]!] } }),
    'all_open+filter:site+sort:oldest': list({ view: 'all_open', filter: { siteId: [sites[2]!] }, sort: 'oldest' }),
    'all_open+filter:status[pending]': list({ view: 'all_open', filter: { status: ['pending'] } }),
    'unassigned+filter:type[incident]': list({ view: 'unassigned', filter: { type: ['incident'] } }),
    'all+filter:status[closed]+sort:updated': list({ view: 'all', filter: { status: ['closed'] }, sort: 'updated' }),
    'all+filter:assignee+sort:oldest': list({ view: 'all', filter: { assigneeId: [techs[3]!] }, sort: 'oldest' }),
    'all+filter:text[printer]': list({ view: 'all', filter: { text: 'printer' } }),
    'all_open+filter:text[vpn]': list({ view: 'all_open', filter: { text: 'vpn' } }),
    'all_open+withTotal': list({ view: 'all_open', withTotal: true }),
  };
  // Deep keyset pages: walk 400 pages into "all" (20,000 rows), 100 into "all_open", then time the next page from there.
  const walk = (view: ListInput['view'], n: number) => {
    let cursor: string | null = null;
    for (let p = 0; p < n; p++) {
      const r = listTickets(tctx, { view, filter: {}, limit: 50, cursor });
      cursor = r.nextCursor;
      if (!cursor) break;
    }
    return cursor;
  };
  const deepCursor = walk('all', 400);
  const deepOpen = walk('all_open', 100);
  cases['all:page_401'] = () => listTickets(tctx, { view: 'all', filter: {}, limit: 50, cursor: deepCursor });
  cases['all_open:page_101'] = () => listTickets(tctx, { view: 'all_open', filter: {}, limit: 50, cursor: deepOpen });

  const adminId = store.sqlite.prepare("SELECT id FROM users WHERE role = 'admin' ORDER BY created_at LIMIT 1").pluck().get() as string;
  const actx = ctx(loadActor(store.sqlite, adminId)!, 'sla.savePolicy');
  const sctx = ctx(tech, 'search.query');
  // Single edits on open tickets, a share of them each round: each is one transaction with row + history + op + audit.
  const open = store.sqlite.prepare('SELECT id FROM tickets WHERE is_open = 1 ORDER BY random() LIMIT 600').pluck().all() as string[];
  const ectx = ctx(tech, 'tickets.update');
  let edited = 0;
  const anatomy = ANATOMY ? editAnatomy(store) : null;
  if (anatomy) anatomies.push(anatomy);
  const idleMerges: number[] = [];
  let idleMergesWorked = 0;
  const traced = (kind: 'update' | 'transition', id: string, fn: () => void): Sample => {
    if (!anatomy) return sampled(fn);
    let out: Sample | null = null;
    anatomy.edit(kind, id, () => {
      out = sampled(fn);
    });
    return out!;
  };

  return {
    store,
    key,
    idleMerges: () =>
      IDLE_MERGES
        ? { steps: idleMerges.length, steps_that_merged: idleMergesWorked, max_ms: r3(Math.max(0, ...idleMerges)), note: 'one untimed search-index merge step after each edit pair, as the app runs between two edits' }
        : 'off (--idle-merges off)',
    name,
    /** The store's checkpoints (null: none, an in-memory store). */
    cp,
    /** Empties the store's page cache: the next call reads every page it needs from the file (and decrypts it). */
    emptyCache() {
      const size = store.sqlite.pragma('cache_size', { simple: true }) as number;
      store.sqlite.pragma('cache_size = 0');
      store.sqlite.pragma(`cache_size = ${size}`);
    },
    count,
    total,
    busy,
    startCheck,
    /** Queue pages: each a call the console makes. */
    cases,
    counts: () => viewCounts(tctx),
    /** The SLA section's writes (a policy saved, recomputed, edited); its "Breaching soon" pages are timed after, in pairs. */
    slaWrites: (r: number) => slaWrites(actx, tctx, { time, counted }, ` ${r + 1}`),
    breaching: breachingSoonCases(tctx),
    search: (q: string) => searchTickets(sctx, q, 20),
    /** The next single edit (an update, then a transition); false when the open tickets set aside are used up. */
    edit(): { update: Sample; transition: Sample } | false {
      if (edited >= open.length) return false;
      const id = open[edited]!;
      const i = edited++;
      const update = traced('update', id, () => updateTicket(ectx, id, { urgency: ((i % 3) + 1) as 1 | 2 | 3, title: `Edited in the benchmark ${i}` }));
      const transition = traced('transition', id, () => {
        const cur = store.sqlite.prepare('SELECT status FROM tickets WHERE id = ?').pluck().get(id) as string;
        transitionTicket(ctx(tech, 'tickets.transition'), id, cur === 'pending' ? { to: 'in_progress' } : { to: 'pending', reason: 'customer' });
      });
      if (IDLE_MERGES) {
        const t = performance.now();
        const worked = mergeSearchIndexes(store.sqlite);
        idleMerges.push(performance.now() - t);
        if (worked) idleMergesWorked++;
      }
      return { update, transition };
    },
  };
}

/** Wall time, the process's CPU time, and the main thread's CPU time and page reads of one call. */
function counted(fn: () => void): Sample & { cpuMs: number } {
  const s = sampled(fn);
  return { ...s, cpuMs: s.proc };
}

const QUERIES = ['printer', 'outlook freezing', 'vpn', 'blue screen', 'password', 'new starter laptop', 'warehouse scanner', 'sync fails error', 'monit flick', 'teams sound', formatNumber('INC', 1234), 'licence expired excel'];

/**
 * One round of every timing but pruning, on every store: each call the stores take turns on, sample
 * by sample (queue pages, counts, "Breaching soon", search, edits); the SLA section's writes, which
 * take seconds, store after store (the order alternating by round).
 */
function round(subjects: Subject[], r: number) {
  log(`round ${r + 1}`);
  const work0 = subjects.map((s) => s.cp?.work() ?? null);
  const each = <T>(fn: (s: Subject, i: number) => T): T[] => subjects.map(fn);
  const inTurns = <T>(fn: (s: Subject) => T): T[] => {
    const order = each((_, i) => i);
    if (r % 2) order.reverse();
    const out: T[] = [];
    for (const i of order) out[i] = fn(subjects[i]!);
    return out;
  };
  const pages = each(() => ({}) as Record<string, Stats>);
  // Each page's first call in the round (after the last round's SLA writes, search and edits, and the
  // other pages): one sample a round, where pages missing from the page cache are read (and decrypted).
  const firstCalls = each(() => ({}) as Record<string, Stats>);
  for (const name of Object.keys(subjects[0]!.cases)) {
    const per = paired(name.includes(':page_') ? PAGE_SAMPLES + 10 : PAGE_SAMPLES, each((s) => s.cases[name]!));
    per.forEach((xs, i) => (pages[i]![name] = stats(xs)));
    per.first.forEach((x, i) => (firstCalls[i]![name] = stats([x])));
  }
  const counts = paired(PAGE_SAMPLES / 2, each((s) => s.counts)).map((xs) => stats(xs));
  // SLA: a policy on office hours recomputes every open ticket's deadline; then "Breaching soon".
  const sla = inTurns((s) => s.slaWrites(r));
  const breaching = (['breaching_soon_page', 'breaching_soon_page_with_count'] as const).map((name) =>
    paired(name === 'breaching_soon_page' ? PAGE_SAMPLES + 10 : PAGE_SAMPLES, each((s) => s.breaching[name])).map((xs) => stats(xs)),
  );
  inTurns((s) => sla[subjects.indexOf(s)]!.done());
  // Search: realistic queries, the number lookup, and prefix words; each query 5 times per store, in turns.
  const searchSamples = each(() => [] as Sample[]);
  const searchCpu = each(() => [] as number[]);
  const perQuery = each(() => ({}) as Record<string, number>);
  for (const q of QUERIES) {
    for (const s of subjects) s.search(q);
    const mine = each(() => [] as Sample[]);
    for (let k = 0; k < 5; k++) {
      const order = each((_, i) => i);
      if (k % 2) order.reverse();
      for (const i of order) {
        const c = counted(() => subjects[i]!.search(q));
        mine[i]!.push(c);
        searchCpu[i]!.push(c.cpuMs);
      }
    }
    mine.forEach((xs, i) => {
      searchSamples[i]!.push(...xs);
      perQuery[i]![q] = stats(xs).median_ms;
    });
  }
  // Single edits, store after store for each edit (the order alternating).
  const upd = each(() => [] as Sample[]);
  const tr = each(() => [] as Sample[]);
  const both = each(() => [] as number[]);
  const updCpu = each(() => [] as number[]);
  const trCpu = each(() => [] as number[]);
  const updThread = each(() => [] as number[]);
  const readAfter = each(() => [] as Sample[]);
  const trThread = each(() => [] as number[]);
  for (let k = 0; k < EDITS_PER_ROUND; k++) {
    const order = each((_, i) => i);
    if (k % 2) order.reverse();
    for (const i of order) {
      const e = subjects[i]!.edit();
      if (!e) continue;
      // The open queue with its total right after the edit: does the edit make it read (and decrypt) pages again?
      readAfter[i]!.push(sampled(() => subjects[i]!.cases['all_open+withTotal']!()));
      if (e.update.cpu !== null) updThread[i]!.push(e.update.cpu);
      if (e.transition.cpu !== null) trThread[i]!.push(e.transition.cpu);
      upd[i]!.push(e.update);
      tr[i]!.push(e.transition);
      both[i]!.push(e.update.ms + e.transition.ms);
      updCpu[i]!.push(e.update.proc);
      trCpu[i]!.push(e.transition.proc);
    }
  }
  // Which stores' checkpoints ran during this store's searches (one worker checkpoints them all).
  const searchDuring = each((_, i) => Object.fromEntries([...STORE_NAMES.slice(0, subjects.length), 'any'].map((n) => [n, searchSamples[i]!.filter((x) => (n === 'any' ? x.ckpt.length > 0 : x.ckpt.includes(n))).length])));
  return each((_, i) => ({
    // The checkpoint worker's time on this store's log in the round (wall, and the worker thread's CPU):
    // on an encrypted store each page it folds back is decrypted from the log and encrypted for the file.
    checkpoints: (() => {
      const a = work0[i];
      const b = subjects[i]!.cp?.work() ?? null;
      return a && b ? { worker_busy_ms: r3(b.busyMs - a.busyMs), ...(a.cpuMs !== null && b.cpuMs !== null ? { worker_cpu_ms: r3(b.cpuMs - a.cpuMs) } : {}) } : {};
    })(),
    queue_page_limit_50: pages[i]!,
    queue_page_first_call: firstCalls[i]!,
    view_counts: counts[i]!,
    sla: { ...sla[i]!.figures, breaching_soon_page: breaching[0]![i]!, breaching_soon_page_with_count: breaching[1]![i]! },
    search: withSamplesOf(stats(searchSamples[i]!), (st) => ({
      ...st,
      per_query_median_ms: perQuery[i]!,
      // The process's CPU per search (every thread: the checkpoint worker folding earlier writes back meanwhile is in it) ...
      cpu: stats(searchCpu[i]!),
      // ... the other threads' share of it, and how many searches a checkpoint of each store overlapped.
      other_threads_cpu: stats(searchSamples[i]!.map((x) => x.other ?? 0)),
      searches_during_checkpoint_of: searchDuring[i]!,
    })),
    edit: {
      update_p95_ms: stats(upd[i]!.map((x) => x.ms)).p95_ms,
      transition_p95_ms: stats(tr[i]!.map((x) => x.ms)).p95_ms,
      // (Their main thread's CPU is update_main_thread_cpu and transition_main_thread_cpu below.)
      update: stats(upd[i]!, { cpu: false }),
      transition: stats(tr[i]!, { cpu: false }),
      update_plus_transition: stats(both[i]!),
      // CPU time rather than wall time: what the work costs, whatever else the machine runs meanwhile.
      // The process's (every thread: the checkpoint worker folding earlier edits' log pages into the file meanwhile is in it) ...
      update_cpu: stats(updCpu[i]!),
      transition_cpu: stats(trCpu[i]!),
      // ... and the main thread's alone (what the console waits on).
      ...(updThread[i]!.length ? { update_main_thread_cpu: stats(updThread[i]!), transition_main_thread_cpu: stats(trThread[i]!) } : {}),
      open_queue_with_total_after_edit: stats(readAfter[i]!),
    },
  }));
}

type Subject = ReturnType<typeof subject>;

/** Samples of each queue page called on an emptied page cache, per store (after the rounds). */
const COLD_SAMPLES = arg('cold-samples', 20);

/**
 * Each queue page called right after the store's page cache was emptied, the stores taking turns
 * call by call: every page the call needs is read from the file (and, on an encrypted store,
 * decrypted). The worst case of a page's first call (queue_page_first_call: one a round, after
 * whatever the round's other work left in the cache), with enough samples for a median.
 */
function coldCalls(subjects: Subject[]) {
  const out = subjects.map(() => ({}) as Record<string, Stats>);
  for (const name of Object.keys(subjects[0]!.cases)) {
    const xs = subjects.map(() => [] as Sample[]);
    for (let k = 0; k < COLD_SAMPLES; k++) {
      const order = subjects.map((_, i) => i);
      if (k % 2) order.reverse();
      for (const i of order) {
        subjects[i]!.emptyCache();
        xs[i]!.push(sampled(() => subjects[i]!.cases[name]!()));
      }
    }
    xs.forEach((x, i) => (out[i]![name] = stats(x)));
  }
  return out;
}

/**
 * Every op acknowledged as a server's answer to a push would be (outbox.acknowledge removes
 * acknowledged ops; the audit trail is another table and stays), 5000 at a time. With two stores the
 * batches alternate between them.
 */
function prune(subjects: Subject[]) {
  const pageSize = (s: Subject) => s.store.sqlite.prepare('PRAGMA page_size').pluck().get() as number;
  const used = (s: Subject) =>
    ((s.store.sqlite.prepare('PRAGMA page_count').pluck().get() as number) - (s.store.sqlite.prepare('PRAGMA freelist_count').pluck().get() as number)) * pageSize(s);
  const before = subjects.map((s) => ({ ops: s.count('SELECT count(*) FROM pending_ops'), used: used(s), audit: s.count('SELECT count(*) FROM audit_events'), ms: 0, cpu: 0, reads: 0, work: s.cp?.work() ?? null }));
  log(`acknowledging ${before.map((b) => b.ops).join(' and ')} ops`);
  const pending = subjects.map((s) => s.store.sqlite.prepare('SELECT device_seq FROM pending_ops ORDER BY device_seq LIMIT 5000').pluck());
  const left = subjects.map(() => true);
  for (let turn = 0; left.some(Boolean); turn++) {
    const order = subjects.map((_, i) => i);
    if (turn % 2) order.reverse();
    for (const i of order) {
      if (!left[i]) continue;
      const x = sampled(() => {
        const batch = pending[i]!.all() as number[];
        if (batch.length) acknowledge(subjects[i]!.store.sqlite, batch.map((deviceSeq) => ({ deviceSeq, status: 'applied' as const })));
        if (batch.length < 5000) left[i] = false;
      });
      before[i]!.ms += x.ms;
      before[i]!.cpu += x.cpu ?? 0;
      before[i]!.reads += x.reads ?? 0;
    }
  }
  return subjects.map((s, i) => ({
    pending_ops_before: before[i]!.ops,
    pending_ops_after: s.count('SELECT count(*) FROM pending_ops'),
    audit_events_kept: s.count('SELECT count(*) FROM audit_events') === before[i]!.audit,
    acknowledge_all_ms: Math.round(before[i]!.ms),
    // The same, as the main thread's CPU time and the pages it read from the file (each decrypted on an encrypted store).
    acknowledge_all_main_thread_cpu_ms: Math.round(before[i]!.cpu),
    acknowledge_all_page_reads: before[i]!.reads,
    bytes_per_ticket_before: Math.round(before[i]!.used / s.total),
    bytes_per_ticket_after: Math.round(used(s) / s.total),
    note: 'bytes in use (pages minus free pages) per ticket; the file keeps its size and SQLite reuses the freed pages',
  }));
}

function report(
  s: Subject,
  key: StoreKey | null,
  bulk: Bulk | null,
  rounds: ReturnType<typeof round>[number][],
  cold: Record<string, Stats>,
  pruning: ReturnType<typeof prune>[number],
) {
  const { count, store } = s;
  return {
    encrypted: !!key,
    cipher: key ? connectionCipher(store.sqlite) : null,
    tickets: s.total,
    seed: SEED,
    rounds: rounds.length,
    rows: {
      tickets: count('SELECT count(*) FROM tickets'),
      open: count('SELECT count(*) FROM tickets WHERE is_open = 1'),
      comments: count('SELECT count(*) FROM ticket_comments'),
      history: count('SELECT count(*) FROM ticket_history'),
      pending_ops: count('SELECT count(*) FROM pending_ops'),
      busy_technician_open: count(`SELECT count(*) FROM tickets WHERE is_open = 1 AND assignee_id = '${s.busy}'`),
    },
    bulk: bulk ?? 'not measured (--reuse)',
    ...mergeRounds(rounds),
    queue_page_cold_call: cold,
    start_search_check: s.startCheck,
    idle_merges_between_edits: s.idleMerges(),
    pruning,
    goals_at_1M: { page_p95_ms: 20, search_p95_ms: 25, edit_max_ms: 20 },
    db_mb: Math.round(((store.sqlite.prepare('PRAGMA page_count').pluck().get() as number) * (store.sqlite.prepare('PRAGMA page_size').pluck().get() as number)) / 1048576),
  };
}

type Figures = ReturnType<typeof report>;

/** Measures the stores (seeding them first unless --reuse), all in each round, taking turns call by call. */
/** The stores' names in the printed figures, in the order measure() is given their keys. */
const STORE_NAMES = ENCRYPTION === 'both' ? ['plain', 'encrypted', 'control'] : [ENCRYPTION === 'on' ? 'encrypted' : 'plain'];

function measure(keys: (StoreKey | null)[]): Figures[] {
  const tmps = keys.map(() =>
    REUSE ? { dir: path.resolve(REUSE), cleanup: () => undefined } : KEEP ? { dir: path.resolve(KEEP), cleanup: () => undefined } : tempDir('outpost-bench-'),
  );
  const subjects: Subject[] = [];
  try {
    let bulks: (Bulk | null)[] = keys.map(() => null);
    if (!REUSE) {
      const seeders = keys.map((k, i) => seeder(tmps[i]!.dir, k));
      for (let turn = 0; ; turn++) {
        const order = seeders.map((_, i) => i);
        if (turn % 2) order.reverse();
        let more = false;
        for (const i of order) more = seeders[i]!.batch() || more;
        if (!more) break;
      }
      bulks = seeders.map((s) => s.finish());
    }
    keys.forEach((k, i) => subjects.push(subject(tmps[i]!.dir, k, STORE_NAMES[i]!)));
    const rounds = subjects.map(() => [] as ReturnType<typeof round>[number][]);
    for (let r = 0; r < ROUNDS; r++) round(subjects, r).forEach((fig, i) => rounds[i]!.push(fig));
    log('cold calls');
    const cold = coldCalls(subjects);
    const pruned = prune(subjects);
    return subjects.map((s, i) => report(s, keys[i]!, bulks[i]!, rounds[i]!, cold[i]!, pruned[i]!));
  } finally {
    for (const s of subjects) s.store.close();
    for (const t of tmps) t.cleanup();
  }
}

/** The mean of two stores' figures, figure by figure (numbers only): the plain store and its control as one baseline. */
function meanOf(a: unknown, b: unknown): unknown {
  if (typeof a === 'number' && typeof b === 'number') return (a + b) / 2;
  if (a && b && typeof a === 'object' && typeof b === 'object' && !Array.isArray(a)) {
    return Object.fromEntries(Object.entries(a).map(([k, v]) => [k, meanOf(v, (b as Record<string, unknown>)[k])]));
  }
  return undefined;
}

/** A maximum (one sample, or the median of the rounds' largest) rather than a median or a p95. */
const isMaximum = (key: string) => /(^|\.)max(_median_of_rounds)?_ms$/.test(key);

/** Each timing and rate of the encrypted run against the plain one, in percent (positive: the encrypted store is slower). */
function overhead(plain: unknown, encrypted: unknown, at = ''): Record<string, number> {
  const out: Record<string, number> = {};
  if (plain && encrypted && typeof plain === 'object' && typeof encrypted === 'object') {
    for (const [k, v] of Object.entries(plain)) Object.assign(out, overhead(v, (encrypted as Record<string, unknown>)[k], at ? `${at}.${k}` : k));
    return out;
  }
  if (typeof plain !== 'number' || typeof encrypted !== 'number' || plain === 0) return out;
  const pct = (x: number) => Math.round(x * 1000) / 10;
  if (at.endsWith('_ms')) out[at] = pct(encrypted / plain - 1);
  else if (at.endsWith('_per_sec')) out[at] = pct(plain / encrypted - 1);
  return out;
}

function machine() {
  return { cpus: os.cpus().length, load_average_1_5_15: os.loadavg().map((x) => Math.round(x * 100) / 100), store_sqlite: storeSqliteVersion() };
}

/** The store's SQLite library, as sqlite3mc_version() names it (with Outpost's change: scripts/sqlite3mc-wal.mjs). */
function storeSqliteVersion(): string {
  const db = new StoreDatabase(':memory:');
  try {
    return (db.prepare('SELECT sqlite3mc_version() AS v').get() as { v: string }).v;
  } finally {
    db.close();
  }
}

/** Lets V8's GC entries arrive, then fills in the GC time of every largest sample. */
async function settleGc() {
  await new Promise((r) => setTimeout(r, 100));
  gcObserver.disconnect();
  fillGc();
}

/**
 * For each maximum over 15 %, what the largest samples behind it were made of on each store: the
 * overall largest for max_ms, every round's for max_median_of_rounds_ms.
 */
function largestBehind(figs: Record<string, unknown>, keys: string[]) {
  const at = (o: unknown, p: string[]): unknown => p.reduce<unknown>((x, k) => (x && typeof x === 'object' ? (x as Record<string, unknown>)[k] : undefined), o);
  const out: Record<string, Record<string, unknown>> = {};
  for (const k of keys) {
    const p = k.split('.');
    const leaf = p.pop()!;
    if (leaf !== 'max_ms' && leaf !== 'max_median_of_rounds_ms') continue;
    out[k] = Object.fromEntries(Object.entries(figs).map(([name, f]) => [name, at(f, [...p, leaf === 'max_ms' ? 'largest' : 'largest_of_rounds'])]));
  }
  return out;
}

/** The samples behind a printed figure (its dotted key) on one store, and the statistic that makes the figure of them. */
function seriesOf(fig: unknown, key: string): { rounds: Rounds; statistic: (r: Rounds) => number } | null {
  const p = key.split('.');
  const leaf = p.pop()!;
  const parent = p.reduce<unknown>((x, k) => (x && typeof x === 'object' ? (x as Record<string, unknown>)[k] : undefined), fig);
  if (!parent || typeof parent !== 'object') return null;
  const rs = roundsOf.get(parent);
  const statistic = STATISTICS[leaf];
  if (rs && statistic) return { rounds: leaf.startsWith('main_thread_cpu_') ? rs.cpu : rs.ms, statistic };
  const values = valuesOf.get(parent)?.[leaf];
  return values ? { rounds: [values], statistic: ofRoundValues } : null;
}

/**
 * Of the figures over +15 % on a store against its baseline store(s), which are over beyond the
 * machine's noise: the 5th percentile of the paired bootstrap's overheads (noise.ts) still over
 * +15 %. A figure with no samples behind it (a single total) is listed apart, unjudged.
 */
function beyondNoise(subject: Figures, baselines: Figures[], over: [string, number][]) {
  const beyond: Record<string, Interval> = {};
  const within: Record<string, Interval> = {};
  const unjudged: string[] = [];
  for (const [key] of over) {
    const s = seriesOf(subject, key);
    const bs = baselines.map((b) => seriesOf(b, key));
    const iv = s && bs.every(Boolean) ? overheadInterval(s.statistic, s.rounds, bs.map((b) => b!.rounds), { rate: key.endsWith('_per_sec') }) : null;
    if (!iv) unjudged.push(key);
    else (iv.low > 15 ? beyond : within)[key] = iv;
  }
  return {
    over_15_pct: over.length,
    beyond_noise: Object.keys(beyond).length,
    within_noise: Object.keys(within).length,
    no_samples: unjudged,
    beyond_noise_figures: beyond,
    within_noise_figures: within,
  };
}

async function main() {
  const started = machine();
  if (ENCRYPTION !== 'both') {
    const [figures] = measure([ENCRYPTION === 'on' ? crypto.randomBytes(32) : null]);
    await settleGc();
    console.log(JSON.stringify({ ...figures, ...(ANATOMY ? { edit_anatomy: anatomies.map((a) => a.report()) } : {}), machine: { at_start: started, at_end: machine() } }, null, 2));
    return;
  }
  if (REUSE || KEEP) throw new Error('--encryption both measures fresh stores: leave out --reuse and --keep');
  // A second plain store, seeded the same and measured in the same turns: how far two stores that
  // differ in nothing drift apart on this machine, figure by figure (the noise floor of each overhead).
  const withControl = opt('control') !== 'off';
  const [plain, encrypted, control] = measure(withControl ? [null, crypto.randomBytes(32), null] : [null, crypto.randomBytes(32)]) as [Figures, Figures, Figures?];
  await settleGc();
  const pct = overhead(plain, encrypted);
  const floor = control ? overhead(plain, control) : null;
  // The bare better-sqlite3 copy is never encrypted: its difference between the two runs is the machine's noise.
  const bare = pct['bulk.raw_rows_per_sec'];
  delete pct['bulk.raw_rows_per_sec'];
  const worst = Object.entries(pct).sort((a, b) => b[1] - a[1]).slice(0, 15);
  const over = Object.entries(pct).filter(([, v]) => v > 15);
  // Against both plain stores at once (their mean, figure by figure): the plain configuration measured
  // twice, so one plain store's lucky or unlucky run weighs half. Printed beside, not instead.
  const pair = control ? overhead(meanOf(plain, control), encrypted) : null;
  if (pair) delete pair['bulk.raw_rows_per_sec'];
  const overPair = pair ? Object.entries(pair).filter(([, v]) => v > 15) : [];
  const counts = (xs: [string, number][]) => ({ figures: xs.length, maxima: xs.filter(([k]) => isMaximum(k)).length, others: xs.filter(([k]) => !isMaximum(k)).map(([k]) => k) });
  // Which of the figures over +15 % the samples bear out (noise.ts), and, as the check on the method,
  // how many of the control's own figures over +15 % against the plain store it would call real.
  const overFloor = floor ? Object.entries(floor).filter(([k, v]) => v > 15 && k !== 'bulk.raw_rows_per_sec') : [];
  const judged = {
    method:
      'paired bootstrap (1000 resamples, seeded) of each figure\'s samples, round by round, recomputing the figure\'s own statistic; ' +
      'beyond_noise: even the 5th percentile of the resampled overheads is over +15 %; within_noise: the interval reaches down to +15 % or below; ' +
      'no_samples: a single total with nothing to resample (bulk insert rates, pruning, bytes)',
    against_plain: beyondNoise(encrypted, [plain], over),
    ...(control ? { against_both_plain_stores: beyondNoise(encrypted, [plain, control], overPair), control_against_plain: beyondNoise(control, [plain], overFloor) } : {}),
  };
  console.log(
    JSON.stringify(
      {
        cipher: CIPHER,
        plain,
        encrypted,
        ...(control ? { control } : {}),
        encryption_overhead_pct: pct,
        encryption_overhead_worst: Object.fromEntries(worst.map(([k, v]) => [k, floor ? { encrypted: v, plain_control: floor[k] ?? null } : v])),
        over_15_pct: Object.fromEntries(over.map(([k, v]) => [k, floor ? { encrypted: v, plain_control: floor[k] ?? null } : v])),
        ...(floor ? { noise_floor_pct: floor } : {}),
        over_15_pct_summary: {
          figures: Object.keys(pct).length,
          against_plain: counts(over),
          ...(pair ? { against_both_plain_stores: counts(overPair) } : {}),
        },
        ...(pair ? { encryption_overhead_vs_both_plain_pct: pair } : {}),
        over_15_pct_beyond_noise: judged,
        over_15_pct_largest_samples: largestBehind({ plain, encrypted, ...(control ? { control } : {}) }, over.map(([k]) => k)),
        noise_control_pct: { 'bulk.raw_rows_per_sec': bare, note: 'the same bare inserts (plain better-sqlite3) beside each store: not encrypted in either, so any difference is the machine' },
        machine: { at_start: started, at_end: machine() },
        note:
          `encrypted with ${CIPHER}; overhead in percent of the plain figure for every timing (_ms) and rate (_per_sec); the stores are measured in ${ROUNDS} rounds, taking turns call by call ` +
          '(the order alternating), and each figure is the median of its rounds (p95_pooled_ms: the p95 of every sample; max_median_of_rounds_ms: the median of the rounds\' largest)' +
          (floor ? '; noise_floor_pct: a second plain store against the first, the same way: an encryption overhead within it is the machine, not the cipher' : '') +
          (pair ? '; encryption_overhead_vs_both_plain_pct: the encrypted store against the mean of the two plain stores, figure by figure; over_15_pct_summary counts the figures over +15 % both ways, maxima apart' : ''),
      },
      null,
      2,
    ),
  );
}

void main();
