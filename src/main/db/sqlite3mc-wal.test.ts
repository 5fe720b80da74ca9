/**
 * Outpost's change to SQLite3 Multiple Ciphers (scripts/sqlite3mc-wal.mjs), on real files in every
 * cipher a store can be in: the library in use carries it; a checkpoint folds the log back as
 * ciphertext and the store opens whole afterwards (every page authenticated, nothing readable in the
 * file); a page changed in the log is still refused when it is read; and an encrypted store reads a
 * page from its log, and folds its log back, with as many read calls as a plain store.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import Database from 'better-sqlite3-multiple-ciphers';
import { patchSource, VERSION_MARK } from '../../../scripts/sqlite3mc-wal.mjs';
import { tempDir } from '../testing';
import { keyPragmas, STORE_CIPHERS, type StoreCipher } from './store-key';

const require = createRequire(import.meta.url);
const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0).reverse()) c();
});

const key = crypto.randomBytes(32);
const FRAME_HEADER = 24;
const WAL_HEADER = 32;

function connect(file: string, cipher: StoreCipher | null) {
  const db = new Database(file);
  if (cipher) for (const p of keyPragmas(key, cipher)) db.pragma(p);
  db.pragma('journal_mode = WAL');
  db.pragma('wal_autocheckpoint = 0');
  cleanups.push(() => db.open && db.close());
  return db;
}

const body = (i: number) => `ticket body ${i} ` + 'printer on floor three jams '.repeat(120);

/** A store with `rows` rows of about a page each, all of them still in the log. */
function storeWithLog(cipher: StoreCipher | null, rows: number) {
  const t = tempDir('outpost-walc-');
  cleanups.push(() => t.cleanup());
  const file = path.join(t.dir, 'outpost.db');
  const writer = connect(file, cipher);
  writer.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT)');
  writer.pragma('wal_checkpoint(TRUNCATE)');
  const ins = writer.prepare('INSERT INTO t (id, body) VALUES (?, ?)');
  writer.transaction(() => {
    for (let i = 1; i <= rows; i++) ins.run(i, body(i));
  })();
  return { file, writer };
}

describe("the store's SQLite", () => {
  it("carries Outpost's change (npm install compiles it in)", () => {
    const db = new Database(':memory:');
    cleanups.push(() => db.close());
    expect(db.prepare('SELECT sqlite3mc_version() AS v').get()).toEqual({ v: expect.stringMatching(new RegExp(`${VERSION_MARK.replace(/[()]/g, '\\$&')}$`)) });
  });

  it('the change is made once, and refuses a library whose text moved instead of building half of it', () => {
    const lib = path.dirname(require.resolve('better-sqlite3-multiple-ciphers/package.json'));
    const changed = fs.readFileSync(path.join(lib, 'deps/sqlite3/sqlite3.c'), 'latin1');
    expect(patchSource(changed)).toBe(changed);
    expect(() => patchSource('int main(void) { return 0; }\n')).toThrow(
      "Outpost's change to SQLite3 Multiple Ciphers (the version string) expects its text once and found it nowhere: the library was updated; see scripts/sqlite3mc-wal.mjs.",
    );
  });
});

describe.each(STORE_CIPHERS)('a checkpoint of a store in %s', (cipher) => {
  it('folds the log back as ciphertext: the store opens whole, and no text is readable in the file', () => {
    const { file, writer } = storeWithLog(cipher, 300);
    // Folded back by another connection, as the checkpoint worker does.
    const worker = connect(file, cipher);
    expect(worker.pragma('wal_checkpoint(TRUNCATE)')).toEqual([{ busy: 0, log: 0, checkpointed: 0 }]);
    writer.close();
    worker.close();
    expect(fs.existsSync(`${file}-wal`) ? fs.statSync(`${file}-wal`).size : 0).toBe(0);
    const bytes = fs.readFileSync(file);
    expect(bytes.subarray(0, 16).toString('latin1')).not.toBe('SQLite format 3\0');
    expect(bytes.includes(Buffer.from('printer on floor'))).toBe(false);
    const again = connect(file, cipher);
    // integrity_check reads every page, and each is authenticated as it is decrypted.
    expect(again.pragma('integrity_check')).toEqual([{ integrity_check: 'ok' }]);
    const rows = again.prepare('SELECT id, body FROM t ORDER BY id').all() as { id: number; body: string }[];
    expect(rows).toHaveLength(300);
    for (const r of rows) expect(r.body).toBe(body(r.id));
    // The wrong key still opens nothing.
    const thief = new Database(file);
    cleanups.push(() => thief.close());
    for (const p of keyPragmas(crypto.randomBytes(32), cipher)) thief.pragma(p);
    expect(() => thief.prepare('SELECT count(*) FROM t').get()).toThrow(/not a database/);
  });

  it('refuses a page changed in the log when it is read, after the checkpoint copied it', () => {
    const { file, writer } = storeWithLog(cipher, 40);
    const wal = `${file}-wal`;
    const pageSize = writer.pragma('page_size', { simple: true }) as number;
    const frames = (fs.statSync(wal).size - WAL_HEADER) / (FRAME_HEADER + pageSize);
    expect(Number.isInteger(frames) && frames > 10).toBe(true);
    // One byte inside a table page's content, in the middle of the log.
    const fd = fs.openSync(wal, 'r+');
    const at = WAL_HEADER + (frames - 5) * (FRAME_HEADER + pageSize) + FRAME_HEADER + 1000;
    const b = Buffer.alloc(1);
    fs.readSync(fd, b, 0, 1, at);
    b[0] = b[0]! ^ 0x5a;
    fs.writeSync(fd, b, 0, 1, at);
    fs.closeSync(fd);
    writer.pragma('wal_checkpoint(TRUNCATE)');
    writer.close();
    const reader = connect(file, cipher);
    expect(() => reader.prepare('SELECT sum(length(body)) FROM t').get()).toThrow(/malformed|not a database/);
  });
});

/** Read calls (/proc/self/io syscr) a fresh process makes to read every page of a store from its log, and to fold it back. */
function readCalls(cipher: StoreCipher | null): { scan: number; checkpoint: number; pages: number } {
  const t = tempDir('outpost-walio-');
  cleanups.push(() => t.cleanup());
  const script = `
    const Database = require(${JSON.stringify(require.resolve('better-sqlite3-multiple-ciphers'))});
    const fs = require('node:fs');
    const syscr = () => Number(/syscr: (\\d+)/.exec(fs.readFileSync('/proc/self/io', 'utf8'))[1]);
    const pragmas = ${JSON.stringify(cipher ? keyPragmas(key, cipher) : [])};
    const open = () => { const d = new Database(${JSON.stringify(path.join(t.dir, 's.db'))}); for (const p of pragmas) d.pragma(p); d.pragma('journal_mode = WAL'); d.pragma('wal_autocheckpoint = 0'); return d; };
    const w = open();
    w.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT)');
    w.pragma('wal_checkpoint(TRUNCATE)');
    const ins = w.prepare('INSERT INTO t VALUES (?, ?)');
    w.transaction(() => { for (let i = 0; i < 2000; i++) ins.run(i, 'y'.repeat(3000)); })();
    const r = open();
    r.pragma('cache_size = 8');
    let before = syscr();
    const n = r.prepare("SELECT count(*) AS n FROM t WHERE body LIKE 'y%'").get().n;
    const scan = syscr() - before;
    r.close();
    before = syscr();
    w.pragma('wal_checkpoint(TRUNCATE)');
    const checkpoint = syscr() - before;
    w.close();
    process.stdout.write(JSON.stringify({ scan, checkpoint, pages: n }));
  `;
  const out = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
  if (out.status !== 0) throw new Error(out.stderr);
  return JSON.parse(out.stdout) as { scan: number; checkpoint: number; pages: number };
}

describe.runIf(fs.existsSync('/proc/self/io'))('read calls of an encrypted store', () => {
  it('reading pages from the log and folding it back takes as many read calls as in a plain store (not two a page)', () => {
    const plain = readCalls(null);
    expect(plain.pages).toBe(2000);
    for (const cipher of STORE_CIPHERS) {
      const enc = readCalls(cipher);
      expect(enc.pages).toBe(2000);
      // Before the change each page from the log cost a second read call (its frame header).
      expect(enc.scan).toBeGreaterThan(1900);
      expect(enc.scan).toBeLessThan(plain.scan * 1.1 + 50);
      expect(enc.checkpoint).toBeLessThan(plain.checkpoint * 1.1 + 50);
    }
  });
});
