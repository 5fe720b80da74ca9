/**
 * `npm run bench:cipher-pages [-- --pages 20000 --rounds 5]`: what each cipher SQLite3 Multiple
 * Ciphers offers costs per 4 KiB page, written (encrypt + tag on commit), folded back by a checkpoint
 * (copied as ciphertext: scripts/sqlite3mc-wal.mjs) and read back from the log and from the file
 * (decrypt + tag check on a page-cache miss), against the same plain store. Prints JSON.
 * Not a test: it asserts nothing and only reports.
 */
import crypto from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3-multiple-ciphers';
import { tempDir } from '../src/main/testing';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const n = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isInteger(n) || n <= 0) throw new Error(`--${name} must be a positive whole number`);
  return n;
}
const PAGES = arg('pages', 20_000);
const ROUNDS = arg('rounds', 5);
/** One raw key for all (no key derivation on open: the store's keys are raw too). */
const key = crypto.randomBytes(32).toString('hex');

/** The configurations measured: the pragmas that key a connection (none: plain). */
const CONFIGS: Record<string, string[]> = {
  plain: [],
  'sqlcipher v4 (AES-256-CBC, HMAC-SHA512: the store\'s sqlcipher-4)': ["cipher = 'sqlcipher'", 'legacy = 4', `key = "x'${key}'"`],
  'sqlcipher v4, HMAC-SHA256': ["cipher = 'sqlcipher'", 'legacy = 4', 'hmac_algorithm = 1', 'kdf_algorithm = 1', `key = "x'${key}'"`],
  'sqlcipher v4, HMAC-SHA1': ["cipher = 'sqlcipher'", 'legacy = 4', 'hmac_algorithm = 0', 'kdf_algorithm = 0', `key = "x'${key}'"`],
  'sqlcipher v3 scheme, 4096-byte pages (HMAC-SHA1: the store\'s sqlcipher-3)': ["cipher = 'sqlcipher'", 'legacy = 3', 'legacy_page_size = 4096', `key = "x'${key}'"`],
  'sqlcipher v4, no HMAC': ["cipher = 'sqlcipher'", 'legacy = 4', 'hmac_use = 0', `key = "x'${key}'"`],
  'aes256cbc (no MAC)': ["cipher = 'aes256cbc'", `key = "raw:${key}"`],
  'chacha20 (sqleet, Poly1305)': ["cipher = 'chacha20'", `key = "raw:${key}"`],
  'ascon128': ["cipher = 'ascon128'", `key = "raw:${key}"`],
  'aegis-256 (the default until December 7)': ["cipher = 'aegis'", "algorithm = 'aegis-256'", `key = "raw:${key}"`],
  'aegis-128l': ["cipher = 'aegis'", "algorithm = 'aegis-128l'", `key = "raw:${key}"`],
  // The same cipher run in 2 and 4 lanes at once (wider AES instructions where the processor has them).
  'aegis-256x2': ["cipher = 'aegis'", "algorithm = 'aegis-256x2'", `key = "raw:${key}"`],
  'aegis-256x4 (the default)': ["cipher = 'aegis'", "algorithm = 'aegis-256x4'", `key = "raw:${key}"`],
};

const ROW = 3000; // one row per page (4 KiB pages)

function open(file: string, pragmas: string[]) {
  const db = new Database(file);
  for (const p of pragmas) db.pragma(p);
  // Deletes are not measured here; the store's own setting for encrypted stores (store-key.ts).
  if (pragmas.length) db.pragma('secure_delete = FAST');
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  return db;
}

function once(pragmas: string[]) {
  const tmp = tempDir('outpost-cipher-');
  try {
    const file = path.join(tmp.dir, 'c.db');
    const db = open(file, pragmas);
    db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, b BLOB)');
    const ins = db.prepare('INSERT INTO t (id, b) VALUES (?, ?)');
    const blob = crypto.randomBytes(ROW);
    db.pragma('wal_autocheckpoint = 0');
    let t = performance.now();
    db.transaction(() => {
      for (let i = 1; i <= PAGES; i++) ins.run(i, blob);
    })();
    const insertMs = performance.now() - t;
    // Every page read back from the log (the write-ahead log, in the OS's cache) by another
    // connection through a tiny page cache, as a reader sees pages written since the last checkpoint.
    let reader = open(file, pragmas);
    reader.pragma('cache_size = 16');
    let c = process.cpuUsage();
    reader.prepare('SELECT sum(length(b)) FROM t').pluck().get();
    const logReadMs = cpuMs(c);
    reader.close();
    // The checkpoint: the log's pages folded back into the file (the CPU it takes, not its fsync).
    c = process.cpuUsage();
    db.pragma('wal_checkpoint(TRUNCATE)');
    const checkpointMs = cpuMs(c);
    const pages = db.pragma('page_count', { simple: true }) as number;
    db.close();
    // Read every page back from the file (in the OS's cache) through a tiny page cache.
    reader = open(file, pragmas);
    reader.pragma('cache_size = 16');
    c = process.cpuUsage();
    reader.prepare('SELECT sum(length(b)) FROM t').pluck().get();
    const readMs = cpuMs(c);
    // Random single-row reads: a page-cache miss each.
    const get = reader.prepare('SELECT length(b) FROM t WHERE id = ?').pluck();
    const rng = (i: number) => 1 + ((i * 2654435761) % PAGES);
    t = performance.now();
    for (let i = 0; i < 20_000; i++) get.get(rng(i));
    const pointMs = performance.now() - t;
    reader.close();
    return { pages, insertMs, checkpointMs, readMs, logReadMs, pointMs };
  } finally {
    tmp.cleanup();
  }
}

function cpuMs(since: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(since);
  return (d.user + d.system) / 1000;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const r3 = (x: number) => Math.round(x * 1000) / 1000;

const samples: Record<string, ReturnType<typeof once>[]> = Object.fromEntries(Object.keys(CONFIGS).map((k) => [k, []]));
// Rounds interleave the configurations so a busy moment on the machine falls on all of them alike.
for (let r = 0; r < ROUNDS; r++) {
  for (const [name, pragmas] of Object.entries(CONFIGS)) samples[name]!.push(once(pragmas));
  process.stderr.write(`[cipher-pages] round ${r + 1} / ${ROUNDS}\n`);
}
const base = samples.plain!;
const perPage = (xs: ReturnType<typeof once>[], f: (x: ReturnType<typeof once>) => number) => median(xs.map((x) => (f(x) * 1000) / x.pages));
const out: Record<string, unknown> = {};
for (const [name, xs] of Object.entries(samples)) {
  const w = perPage(xs, (x) => x.insertMs);
  const c = perPage(xs, (x) => x.checkpointMs);
  const rd = perPage(xs, (x) => x.readMs);
  const lr = perPage(xs, (x) => x.logReadMs);
  const pt = median(xs.map((x) => (x.pointMs * 1000) / 20_000));
  out[name] = {
    write_us_per_page: r3(w),
    checkpoint_us_per_page: r3(c),
    scan_read_us_per_page: r3(rd),
    log_read_us_per_page: r3(lr),
    point_read_us: r3(pt),
    extra_over_plain_us: {
      write: r3(w - perPage(base, (x) => x.insertMs)),
      checkpoint: r3(c - perPage(base, (x) => x.checkpointMs)),
      scan_read: r3(rd - perPage(base, (x) => x.readMs)),
      log_read: r3(lr - perPage(base, (x) => x.logReadMs)),
      point_read: r3(pt - median(base.map((x) => (x.pointMs * 1000) / 20_000))),
    },
  };
}
console.log(
  JSON.stringify(
    {
      pages: PAGES,
      rounds: ROUNDS,
      page_size: 4096,
      store_sqlite: new Database(':memory:').prepare('SELECT sqlite3mc_version() AS v').pluck().get(),
      load_average_1_5_15: os.loadavg().map((x) => Math.round(x * 100) / 100),
      configs: out,
      note: 'medians of interleaved rounds; µs per 4 KiB page: write is wall time (commit, fsync off the log: synchronous NORMAL); checkpoint, scan_read (pages from the file) and log_read (pages from the write-ahead log, read by another connection) are the process CPU time; point_read is wall time per random row',
    },
    null,
    2,
  ),
);
