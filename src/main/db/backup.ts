/**
 * Online backups of the device store and restoring one. A backup is `VACUUM INTO` a new file: a
 * consistent copy taken while the console runs, encrypted with the store's own key (an encrypted
 * store's copy is encrypted too). Each copy is checked after it is written — SQLite's integrity
 * check and the caller's check (the runtime passes the audit chain) — and removed if it fails. The
 * newest `keep` copies are kept.
 */
import fs from 'node:fs';
import path from 'node:path';
import type Database from 'better-sqlite3';
import { CIPHER_FILE, fsyncDir, KEY_INFO_FILE, openConnection, shredFile, storeFiles, type StoreKey } from './store-key';
import { faultPoint } from './fault-point';

export const BACKUP_FOLDER = 'backups';
const NAME = /^outpost-(\d{8}T\d{6}Z)\.db$/;

export interface BackupInfo {
  file: string;
  at: string;
  bytes: number;
}

export type Verify = (sqlite: Database.Database) => string | null;

/** Checks a store file opens with the key and is whole: null when it is, else why not. */
export function checkStoreFile(file: string, key: StoreKey | null, verify: Verify): string | null {
  let sqlite: Database.Database;
  try {
    sqlite = openConnection(file, key);
  } catch (e) {
    return (e as Error).message;
  }
  try {
    const integrity = sqlite.pragma('integrity_check', { simple: true });
    if (integrity !== 'ok') return `integrity check: ${String(integrity)}`;
    return verify(sqlite);
  } catch (e) {
    return (e as Error).message;
  } finally {
    sqlite.close();
  }
}

/** Backups in the folder, newest first. */
export function listBackups(dir: string): BackupInfo[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((f) => NAME.test(f))
    .sort()
    .reverse()
    .map((f) => {
      const m = NAME.exec(f)!;
      const t = m[1]!;
      const at = `${t.slice(0, 4)}-${t.slice(4, 6)}-${t.slice(6, 8)}T${t.slice(9, 11)}:${t.slice(11, 13)}:${t.slice(13, 15)}Z`;
      return { file: path.join(dir, f), at, bytes: fs.statSync(path.join(dir, f)).size };
    });
}

/** Writes, checks and keeps one backup of the open store; returns it. Throws (leaving nothing) when the check fails. */
export function backupStore(sqlite: Database.Database, key: StoreKey | null, dir: string, opts: { now: Date; keep: number; verify: Verify }): BackupInfo {
  fs.mkdirSync(dir, { recursive: true });
  settleBackups(dir);
  const stamp = opts.now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  const file = path.join(dir, `outpost-${stamp}.db`);
  const tmp = `${file}.partial`;
  for (const f of storeFiles(tmp)) shredFile(f);
  faultPoint('backup.writing');
  sqlite.prepare('VACUUM INTO ?').run(tmp);
  faultPoint('backup.written');
  const problem = checkStoreFile(tmp, key, opts.verify);
  if (problem) {
    for (const f of storeFiles(tmp)) shredFile(f);
    throw new Error(`The backup did not check out and was removed: ${problem}`);
  }
  // On disk before it takes a backup's name: a listed backup is always a whole, checked one.
  fsyncFile(tmp);
  faultPoint('backup.checked');
  fs.renameSync(tmp, file);
  fsyncDir(dir);
  // A passphrase's salt travels with the backups, so they open on another machine with the passphrase;
  // the store's chosen cipher too, so a restore there keeps it.
  for (const beside of [KEY_INFO_FILE, CIPHER_FILE]) {
    const from = path.join(path.dirname(dir), beside);
    if (fs.existsSync(from)) fs.copyFileSync(from, path.join(dir, beside));
  }
  for (const old of listBackups(dir).slice(Math.max(1, opts.keep))) {
    // Renamed out of the list before it is overwritten: a removal cut short never leaves a zeroed file listed as a backup.
    const going = `${old.file}.removing`;
    fs.renameSync(old.file, going);
    faultPoint('backup.pruning');
    for (const f of [...storeFiles(going), ...storeFiles(old.file).slice(1)]) shredFile(f);
  }
  // The time its name keeps (to the second), as listBackups reads it back.
  return { file, at: opts.now.toISOString().replace(/\.\d+Z$/, 'Z'), bytes: fs.statSync(file).size };
}

const LEFTOVER = /^outpost-\d{8}T\d{6}Z\.db(?:\.(?:partial|removing))?(?:-wal|-shm|-journal)?$/;

/**
 * Removes what an interrupted backup left in the folder (a copy being written or checked, an old one
 * being removed, their SQLite side files): none of them is a backup. Returns the names removed.
 */
export function settleBackups(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  const gone: string[] = [];
  for (const f of fs.readdirSync(dir)) {
    if (NAME.test(f) || !LEFTOVER.test(f)) continue;
    shredFile(path.join(dir, f));
    gone.push(f);
  }
  return gone;
}

/**
 * Finishes or undoes a restore that was interrupted (see restoreStore): the backup's copy
 * (`outpost.db.restoring`) is whole before the store moves aside, so with the store gone it takes the
 * store's place; with the store still there the restore never happened and the copy is removed.
 * Returns what it did, or null when there was nothing to settle.
 */
export function settleRestore(storeFile: string): 'finished' | 'undone' | null {
  const incoming = `${storeFile}.restoring`;
  if (!fs.existsSync(incoming)) return null;
  if (!fs.existsSync(storeFile)) {
    for (const f of storeFiles(storeFile).slice(1)) if (fs.existsSync(f)) fs.rmSync(f);
    fs.renameSync(incoming, storeFile);
    return 'finished';
  }
  for (const f of storeFiles(incoming)) shredFile(f);
  return 'undone';
}

/**
 * Puts a backup in place of the store (which must be closed): the backup is checked first; the store
 * it replaces is kept beside it as `outpost.db.before-restore` until the next restore.
 */
/**
 * Written into a store by a restore (from a backup, by someone holding its key) and removed at its
 * first sync that succeeds: while it is there, the store has not spoken to the server since it was
 * restored. See the sync client's handling of a device reported lost.
 */
export const RESTORED_AT_META = 'restored_at';

export function restoreStore(backup: string, storeFile: string, key: StoreKey | null, verify: Verify): void {
  if (!fs.existsSync(backup)) throw new Error(`There is no backup at ${backup}.`);
  const problem = checkStoreFile(backup, key, verify);
  if (problem) throw new Error(`The backup ${backup} cannot be restored: ${problem}. The store was not changed.`);
  const incoming = `${storeFile}.restoring`;
  for (const f of storeFiles(incoming)) shredFile(f);
  fs.copyFileSync(backup, incoming);
  // Marked as restored: until it next syncs, a server that says its device was reported lost is
  // answered by setting the store aside from that device, not by wiping it (sync/client.ts).
  const marking = openConnection(incoming, key);
  try {
    marking.transaction(() => {
      marking.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value').run(RESTORED_AT_META, new Date().toISOString());
      // Sessions alive when the backup was taken end here: everyone signs in again on the restored
      // store, so a token from then (signed out, expired by a password change since) opens nothing.
      marking.prepare('DELETE FROM sessions').run();
    })();
    marking.pragma('wal_checkpoint(TRUNCATE)');
  } finally {
    marking.close();
  }
  fsyncFile(incoming);
  const aside = `${storeFile}.before-restore`;
  for (const f of storeFiles(aside)) shredFile(f);
  if (fs.existsSync(storeFile)) {
    // Fold the WAL in so the kept copy is whole, then move it aside with its files.
    const s = openConnection(storeFile, key);
    try {
      s.pragma('wal_checkpoint(TRUNCATE)');
    } finally {
      s.close();
    }
    for (const f of storeFiles(storeFile)) if (fs.existsSync(f)) fs.renameSync(f, f.replace(storeFile, aside));
  }
  faultPoint('restore.aside');
  fs.renameSync(incoming, storeFile);
  fsyncDir(path.dirname(storeFile));
}

function fsyncFile(file: string): void {
  const fd = fs.openSync(file, 'r+');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

