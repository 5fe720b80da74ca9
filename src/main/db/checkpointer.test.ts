/**
 * The store's log is folded back by a worker thread, on real files, plain and encrypted: the main
 * connection never checkpoints in a commit, the worker's checkpoints copy the log back (and a log
 * PASSIVE cannot fold back is truncated), closing or restoring the store stops the worker and
 * leaves nothing holding the file, and a process that opened stores still exits.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3-multiple-ciphers';
import { tempDir } from '../testing';
import { openStore, type Store } from './open';
import { CHECKPOINT_TUNING, checkpointsOf, startCheckpoints } from './checkpointer';
import { connectionCipher, openConnection, type StoreCipher } from './store-key';
import { backupStore, restoreStore } from './backup';

const KEY = Buffer.alloc(32, 7);
const tuning = { ...CHECKPOINT_TUNING };
const cleanups: (() => void)[] = [];
afterEach(() => {
  Object.assign(CHECKPOINT_TUNING, tuning);
  for (const c of cleanups.splice(0).reverse()) c();
});

function store(key: Buffer | null = null, cipher?: StoreCipher): Store {
  const t = tempDir('outpost-ckpt-');
  const s = openStore(path.join(t.dir, 'outpost.db'), { key, cipher });
  cleanups.push(() => {
    if (s.sqlite.open) s.close();
    t.cleanup();
  });
  return s;
}

/** About `pages` 4 KiB pages of log, in one transaction. */
function write(s: Store, pages: number): void {
  s.sqlite.exec('CREATE TABLE IF NOT EXISTS filler (x BLOB)');
  const ins = s.sqlite.prepare('INSERT INTO filler VALUES (randomblob(3500))');
  s.sqlite.transaction(() => {
    for (let i = 0; i < pages; i++) ins.run();
  })();
}

async function until(what: string, ok: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('checkpoints in a worker thread', () => {
  for (const [name, key, cipher] of [
    ['a plain store', null, undefined],
    ['an encrypted store', KEY, undefined],
    ['a store chosen to be in SQLCipher 4', KEY, 'sqlcipher-4'],
    ['a store chosen to be in SQLCipher 3 (4096-byte pages)', KEY, 'sqlcipher-3'],
  ] as const) {
    it(`fold the log of ${name} back off the main thread; a commit never checkpoints`, async () => {
      CHECKPOINT_TUNING.everyMs = 50;
      const s = store(key, cipher);
      expect(connectionCipher(s.sqlite)).toBe(key ? (cipher ?? 'aegis-256x4') : null);
      const cp = checkpointsOf(s.sqlite)!;
      expect(cp.where()).toBe('worker');
      expect(s.sqlite.pragma('wal_autocheckpoint', { simple: true })).toBe(0);
      write(s, 3000);
      await until('the worker copied the whole log back', () => cp.counts().lastLogPages >= 3000 && cp.counts().lastCopiedPages === cp.counts().lastLogPages);
      // The time spent copying 3,000 pages is counted, on the worker's clock and (Linux) its CPU.
      const work = cp.work();
      expect(work.busyMs).toBeGreaterThan(0);
      if (process.platform === 'linux') expect(work.cpuMs).toBeGreaterThan(0);
      expect(work.cpuMs ?? 0).toBeLessThanOrEqual(work.busyMs + 1);
      // Everything was copied back: the next write starts the log over, and the next checkpoint sees a short one.
      write(s, 2);
      await until('the log started over', () => cp.counts().lastLogPages > 0 && cp.counts().lastLogPages < 10);
      expect(cp.counts().failures).toBe(0);
      // The copy in the file is whole: a connection that reads the file without the log finds every row.
      s.close();
      const again = openConnection(s.path, key);
      try {
        expect(again.prepare('SELECT count(*) FROM filler').pluck().get()).toBe(3002);
      } finally {
        again.close();
      }
    });
  }

  it('truncates a long log that a reader kept PASSIVE from folding back', async () => {
    Object.assign(CHECKPOINT_TUNING, { everyMs: 50, busyEveryMs: 50, escalatePages: 200 });
    const s = store();
    const cp = checkpointsOf(s.sqlite)!;
    write(s, 10);
    // A reader holding an older snapshot: PASSIVE stops short of the frames written after it.
    const reader = new Database(s.path);
    reader.exec('BEGIN');
    reader.prepare('SELECT count(*) FROM filler').get();
    write(s, 400);
    await until('a PASSIVE checkpoint stopped short', () => cp.counts().lastLogPages >= 400 && cp.counts().lastCopiedPages < cp.counts().lastLogPages);
    // TRUNCATE waits for the reader: once it lets go, the log is folded back and emptied.
    setTimeout(() => reader.exec('COMMIT'), 100);
    await until('the log was truncated', () => cp.counts().escalations >= 1 && fs.statSync(`${s.path}-wal`).size === 0);
    reader.close();
    expect(s.sqlite.prepare('SELECT count(*) FROM filler').pluck().get()).toBe(410);
  });

  it('stop when the store closes: nothing else holds the file, and the log is removed', async () => {
    CHECKPOINT_TUNING.everyMs = 50;
    const s = store(KEY);
    const cp = checkpointsOf(s.sqlite)!;
    write(s, 100);
    await until('a checkpoint ran', () => cp.counts().checkpoints > 0);
    s.close();
    // The main connection was the last one: closing it folded the log back and removed it.
    expect(fs.existsSync(`${s.path}-wal`)).toBe(false);
    const n = cp.counts().checkpoints;
    await new Promise((r) => setTimeout(r, 200));
    expect(cp.counts().checkpoints).toBe(n);
  });

  it('stop for a restore, and the restored store has its own', async () => {
    CHECKPOINT_TUNING.everyMs = 50;
    const s = store();
    write(s, 50);
    const backup = backupStore(s.sqlite, null, path.join(path.dirname(s.path), 'backups'), { now: new Date('2026-12-06T10:00:00Z'), keep: 3, verify: () => null });
    write(s, 50);
    const before = checkpointsOf(s.sqlite)!;
    s.close();
    restoreStore(backup.file, s.path, null, () => null);
    const restored = openStore(s.path);
    cleanups.push(() => restored.close());
    const after = checkpointsOf(restored.sqlite)!;
    expect(after).not.toBe(before);
    expect(after.where()).toBe('worker');
    expect(restored.sqlite.prepare('SELECT count(*) FROM filler').pluck().get()).toBe(50);
    write(restored, 100);
    await until('the restored store checkpointed', () => after.counts().checkpoints > 0 && after.counts().lastLogPages >= 100);
  });

  it('fall back to a timer on the main thread when the worker cannot open the file', async () => {
    CHECKPOINT_TUNING.everyMs = 50;
    const s = store();
    checkpointsOf(s.sqlite)!.stop();
    // A file the worker cannot open (it never creates one): the store carries on as before workers.
    const cp = startCheckpoints(s.sqlite, path.join(path.dirname(s.path), 'missing', 'outpost.db'), null);
    cleanups.push(() => cp.stop());
    await until('it fell back', () => cp.where() === 'main thread');
    expect(s.sqlite.pragma('wal_autocheckpoint', { simple: true })).toBe(2000);
    write(s, 20);
    await until('the timer checkpointed', () => cp.counts().checkpoints > 0 && cp.counts().lastLogPages > 0);
    expect(cp.work().running).toBe(false);
    expect(cp.work().busyMs).toBeGreaterThan(0);
  });

  it('never keep a process alive, whether its stores were closed or not', () => {
    const here = path.dirname(fileURLToPath(import.meta.url));
    const t = tempDir('outpost-ckpt-exit-');
    cleanups.push(t.cleanup);
    const script = path.join(t.dir, 'run.mts');
    fs.writeFileSync(
      script,
      `import { openStore } from ${JSON.stringify(path.join(here, 'open.ts'))};
import { checkpointsOf } from ${JSON.stringify(path.join(here, 'checkpointer.ts'))};
const a = openStore(${JSON.stringify(path.join(t.dir, 'a.db'))});
const b = openStore(${JSON.stringify(path.join(t.dir, 'b.db'))}, { key: Buffer.alloc(32, 7) });
a.sqlite.exec('CREATE TABLE IF NOT EXISTS x (y)');
a.sqlite.prepare('INSERT INTO x VALUES (1)').run();
setTimeout(() => {
  console.log(checkpointsOf(a.sqlite).where(), checkpointsOf(a.sqlite).counts().checkpoints > 0);
  if (process.argv[2] === 'close') { a.close(); b.close(); }
}, 1500);
`,
    );
    for (const mode of ['close', 'leave open']) {
      const r = spawnSync(process.execPath, ['--import', 'tsx', script, mode], { cwd: path.resolve(here, '../../..'), encoding: 'utf8', timeout: 30_000 });
      expect(r.error, mode).toBeUndefined();
      expect(r.status, `${mode}: ${r.stderr}`).toBe(0);
      expect(r.stdout.trim(), mode).toBe('worker true');
    }
  });
});
