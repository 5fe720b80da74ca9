/**
 * The store's key: where it comes from (a passphrase through scrypt, or a random key sealed by the
 * desktop's OS keychain), how a connection is opened with it, and how a plain store is encrypted.
 * The cipher is chosen per store (recorded beside it in `outpost.cipher.json`): AEGIS-256X4 by default (an
 * authenticated cipher built on AES rounds: each page is encrypted and carries a tag, so a changed page
 * is refused), AEGIS-256 in one lane, or SQLCipher's scheme for a team whose policy names AES-CBC + HMAC or that must open the
 * store in SQLCipher's own tools; all from SQLite3 Multiple Ciphers through
 * better-sqlite3-multiple-ciphers. A store in another cipher than its choice (one encrypted with
 * SQLCipher 4 before there was a choice, one in AEGIS-256 from before AEGIS-256X4 was the default, or
 * one whose choice was just changed) is re-encrypted at start
 * through a checked copy (reencryptStore). Why: docs/encryption.md.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3-multiple-ciphers';
import { faultPoint } from './fault-point';
import { parseCipher, STORE_CIPHERS, type StoreCipher } from '../../shared/api/store';

export { parseCipher, STORE_CIPHERS, type StoreCipher };

/** A raw 256-bit key. SQLCipher's own PBKDF2 is skipped: the key is already derived (or random). */
export type StoreKey = Buffer;

export const KEY_BYTES = 32;
const SQLITE_HEADER = Buffer.from('SQLite format 3\0', 'latin1');

/** scrypt with N = 2^17, r = 8, p = 1 (128 MiB, about half a second here): the passphrase's cost to a guesser. */
export const SCRYPT = { N: 1 << 17, r: 8, p: 1 } as const;
const SCRYPT_MAXMEM = 256 * 1024 * 1024;

/** Beside the store, in plain: how the key is derived (never the key, never the passphrase). */
export const KEY_INFO_FILE = 'outpost.keyinfo.json';
/** Beside the store on the desktop: the random key, sealed by the OS keychain (safeStorage). */
export const SEALED_KEY_FILE = 'outpost.key';

export class StoreKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StoreKeyError';
  }
}

interface KeyInfo {
  version: 1;
  kdf: 'scrypt';
  N: number;
  r: number;
  p: number;
  salt: string;
}

/**
 * How a store's pages are encrypted (docs/encryption.md, "Which cipher, and why"):
 * - `aegis-256x4`: the default, AEGIS-256 (an authenticated cipher on the processor's AES
 *   instructions) run in four lanes at once, which wide AES instructions (VAES) process together:
 *   about half AEGIS-256's cost per page read (the cost Outpost measured and chose);
 * - `aegis-256`: the same cipher in one lane, the default until December 2026 (a store in it is
 *   re-encrypted with the default at start unless it was chosen);
 * - `sqlcipher-4`: SQLCipher 4's scheme (AES-256-CBC, HMAC-SHA512 per page, 4096-byte pages), what
 *   SQLCipher 4 and the tools built on it (DB Browser for SQLite's SQLCipher build) open by default;
 * - `sqlcipher-3`: SQLCipher 3's scheme (AES-256-CBC, HMAC-SHA1) with 4096-byte pages, which SQLCipher
 *   3.x itself opens (`PRAGMA cipher_page_size = 4096`) and SQLCipher 4 with `cipher_compatibility = 3`.
 */
export const DEFAULT_CIPHER: StoreCipher = 'aegis-256x4';

/** AEGIS-256 in one lane or four (the same cipher, four blocks at once on wide AES instructions). */
function isAegis(cipher: StoreCipher): cipher is 'aegis-256' | 'aegis-256x4' {
  return cipher === 'aegis-256' || cipher === 'aegis-256x4';
}

/** The pragmas that choose the cipher for the next `key` or `rekey` on a connection. */
export function cipherPragmas(cipher: StoreCipher = DEFAULT_CIPHER): string[] {
  if (isAegis(cipher)) return ["cipher = 'aegis'", `algorithm = '${cipher}'`];
  if (cipher === 'sqlcipher-4') return ["cipher = 'sqlcipher'", 'legacy = 4'];
  return ["cipher = 'sqlcipher'", 'legacy = 3', 'legacy_page_size = 4096'];
}

/** Beside the store, in plain: the cipher chosen for it (absent: the default). Says nothing about the key. */
export const CIPHER_FILE = 'outpost.cipher.json';

/** The cipher recorded for the store in `dataDir`; null when none was ever chosen (the default then holds). */
export function readCipherChoice(dataDir: string): StoreCipher | null {
  const file = path.join(dataDir, CIPHER_FILE);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return null;
  }
  let parsed: { version?: unknown; cipher?: unknown };
  try {
    parsed = JSON.parse(text) as typeof parsed;
  } catch {
    throw new StoreKeyError(`${file} is not a cipher choice Outpost can read (it is not JSON).`);
  }
  if (parsed.version !== 1 || typeof parsed.cipher !== 'string') throw new StoreKeyError(`${file} is not a cipher choice Outpost can read.`);
  return parseCipher(parsed.cipher, file);
}

/** Records the cipher chosen for the store in `dataDir` (written whole, then renamed: never half a file). */
export function writeCipherChoice(dataDir: string, cipher: StoreCipher): void {
  const file = path.join(dataDir, CIPHER_FILE);
  fs.mkdirSync(dataDir, { recursive: true });
  const tmp = `${file}.tmp`;
  const fd = fs.openSync(tmp, 'w', 0o600);
  try {
    fs.writeSync(fd, JSON.stringify({ version: 1, cipher }, null, 2) + '\n');
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
  fsyncDir(dataDir);
}

/**
 * The key as the cipher takes it, raw: no key derivation runs on open (the key is already derived
 * from a passphrase, or random). AEGIS would otherwise run Argon2 and SQLCipher PBKDF2 on every open.
 */
export function rawKeyText(key: StoreKey, cipher: StoreCipher = DEFAULT_CIPHER): string {
  if (key.length !== KEY_BYTES) throw new StoreKeyError(`A store key is ${KEY_BYTES} bytes.`);
  return isAegis(cipher) ? `raw:${key.toString('hex')}` : `x'${key.toString('hex')}'`;
}

/**
 * The pragmas that key a freshly opened connection, in order (a connection opened elsewhere, e.g.
 * the checkpoint worker's, runs the same ones with the cipher the store is in: Store.cipher).
 */
export function keyPragmas(key: StoreKey, cipher: StoreCipher = DEFAULT_CIPHER): string[] {
  return [...cipherPragmas(cipher), `key = "${rawKeyText(key, cipher)}"`, ...ENCRYPTED_STORE_PRAGMAS];
}

/**
 * Settings of every connection to an encrypted store. SQLite3 Multiple Ciphers turns secure_delete
 * fully on for encrypted stores, which overwrites freed content with zeros even where that writes
 * (and encrypts) pages a delete would otherwise leave alone: deleting 60,000 rows in batches wrote
 * 14,272 pages to the log with it on and 10,560 with FAST. FAST still purges deleted content from
 * the pages a delete writes anyway, without writing more pages; what stays in free pages is
 * ciphertext under the store's key. A plain store keeps SQLite's default (off).
 */
export const ENCRYPTED_STORE_PRAGMAS = ['secure_delete = FAST'] as const;

/** Applies the key to a freshly opened connection; a wrong key fails on the first read. */
export function applyKey(sqlite: Database.Database, key: StoreKey, cipher: StoreCipher = DEFAULT_CIPHER): void {
  for (const p of keyPragmas(key, cipher)) sqlite.pragma(p);
}

/** Which cipher each open connection was keyed with (connections keyed by openConnection). */
const keyedWith = new WeakMap<object, StoreCipher>();

/** The cipher a connection opened by openConnection reads its store with; null for a plain store. */
export function connectionCipher(sqlite: object): StoreCipher | null {
  return keyedWith.get(sqlite) ?? null;
}

/**
 * A connection to the store file, keyed when the store is encrypted: `cipher` (the store's choice) is
 * tried first, then the others, so a store in any cipher Outpost knows opens (connectionCipher says
 * which). Throws StoreKeyError on a wrong key. A new store is created with `cipher`.
 */
export function openConnection(file: string, key: StoreKey | null, cipher: StoreCipher = DEFAULT_CIPHER): Database.Database {
  if (!key) return new Database(file);
  for (const c of [cipher, ...STORE_CIPHERS.filter((x) => x !== cipher)]) {
    const sqlite = new Database(file);
    applyKey(sqlite, key, c);
    try {
      sqlite.prepare('SELECT count(*) FROM sqlite_master').get();
      keyedWith.set(sqlite, c);
      return sqlite;
    } catch (e) {
      sqlite.close();
      if ((e as { code?: string }).code !== 'SQLITE_NOTADB') throw e;
    }
  }
  throw new StoreKeyError(
    isPlainStore(file) ? 'This store is not encrypted but a key was given.' : 'The passphrase does not open this store (or the store file is damaged).',
  );
}

/** True when the file is an unencrypted SQLite database (its first bytes are SQLite's header). */
export function isPlainStore(file: string): boolean {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch {
    return false;
  }
  try {
    const head = Buffer.alloc(SQLITE_HEADER.length);
    const n = fs.readSync(fd, head, 0, head.length, 0);
    return n === head.length && head.equals(SQLITE_HEADER);
  } finally {
    fs.closeSync(fd);
  }
}

/** True when the file exists and holds anything (a store, plain or encrypted). */
export function storeExists(file: string): boolean {
  try {
    return fs.statSync(file).size > 0;
  } catch {
    return false;
  }
}

/**
 * The key derived from a passphrase. The salt and scrypt parameters are kept beside the store
 * (`outpost.keyinfo.json`); the first call for a data folder makes them.
 */
export function passphraseKey(dataDir: string, passphrase: string): StoreKey {
  if (passphrase.length < 8) throw new StoreKeyError('The passphrase must be at least 8 characters.');
  const file = path.join(dataDir, KEY_INFO_FILE);
  let info: KeyInfo;
  if (fs.existsSync(file)) {
    const parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<KeyInfo>;
    if (parsed.version !== 1 || parsed.kdf !== 'scrypt' || !parsed.salt || !parsed.N || !parsed.r || !parsed.p) {
      throw new StoreKeyError(`${file} is not a key description Outpost can read.`);
    }
    info = parsed as KeyInfo;
  } else {
    info = { version: 1, kdf: 'scrypt', ...SCRYPT, salt: crypto.randomBytes(16).toString('base64') };
    fs.mkdirSync(dataDir, { recursive: true });
    fs.writeFileSync(file, JSON.stringify(info, null, 2) + '\n', { mode: 0o600 });
  }
  return scryptKey(passphrase, info);
}

/** A 256-bit key from a passphrase and a salt with the given scrypt parameters (the store's, or an export file's). */
export function scryptKey(passphrase: string, info: { salt: string; N: number; r: number; p: number }): Buffer {
  return crypto.scryptSync(passphrase.normalize('NFC'), Buffer.from(info.salt, 'base64'), KEY_BYTES, {
    N: info.N,
    r: info.r,
    p: info.p,
    maxmem: SCRYPT_MAXMEM,
  });
}

/** Reads a passphrase file: its first line, without the line ending. */
export function readPassphraseFile(file: string): string {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new StoreKeyError(`Cannot read the passphrase file ${file}: ${(e as Error).message}`);
  }
  const line = text.split(/\r?\n/)[0] ?? '';
  if (!line) throw new StoreKeyError(`The passphrase file ${file} is empty.`);
  return line;
}

/** What seals a key at rest on the desktop (Electron's safeStorage; typed structurally for tests). */
export interface KeySealer {
  seal(key: Buffer): Buffer;
  unseal(sealed: Buffer): Buffer;
}

/** The desktop's key: unsealed from `outpost.key`, or made at random and sealed on first start. */
export function sealedKey(dataDir: string, sealer: KeySealer): StoreKey {
  const file = path.join(dataDir, SEALED_KEY_FILE);
  if (fs.existsSync(file)) {
    const key = sealer.unseal(fs.readFileSync(file));
    if (key.length !== KEY_BYTES) throw new StoreKeyError(`${file} does not hold a store key.`);
    return key;
  }
  const key = crypto.randomBytes(KEY_BYTES);
  fs.mkdirSync(dataDir, { recursive: true });
  const tmp = `${file}.tmp`;
  fs.writeFileSync(tmp, sealer.seal(key), { mode: 0o600 });
  fs.renameSync(tmp, file);
  return key;
}

/** Overwrites a file with zeros, flushes, then removes it (best effort on flash storage: see docs/encryption.md). */
export function shredFile(file: string): void {
  if (zeroFile(file)) fs.rmSync(file, { force: true });
}

/** Overwrites a file with zeros and flushes it; false when there is no such file. */
function zeroFile(file: string): boolean {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r+');
  } catch {
    return false;
  }
  try {
    const size = fs.fstatSync(fd).size;
    const zeros = Buffer.alloc(Math.min(size, 1 << 20));
    for (let at = 0; at < size; at += zeros.length) fs.writeSync(fd, zeros, 0, Math.min(zeros.length, size - at), at);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  return true;
}

/** The store file and the files SQLite keeps beside it. */
export function storeFiles(file: string): string[] {
  return [file, `${file}-wal`, `${file}-shm`, `${file}-journal`];
}

/** Row counts of every table (FTS shadow tables included), to compare a copy with its original. */
export function tableCounts(sqlite: Database.Database): Record<string, number> {
  const tables = sqlite
    .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
    .pluck()
    .all() as string[];
  const counts: Record<string, number> = {};
  for (const t of tables) counts[t] = sqlite.prepare(`SELECT count(*) FROM "${t.replaceAll('"', '""')}"`).pluck().get() as number;
  return counts;
}

/**
 * The steps an encryption and a re-encryption share: the store (its log folded in) is copied to
 * `copy`, the copy re-keyed with `cipher` and checked (opens with it, integrity, row counts against
 * `before`, `verify`), then swapped in with the original kept as `backup` and checked again in place.
 * A copy that fails its check is removed; a swapped-in store that fails is put back. Null when the
 * swapped-in store checks out (the caller removes `backup`), else where and why it failed.
 */
function copyRekeyedAndSwap(o: {
  file: string;
  copy: string;
  backup: string;
  key: StoreKey;
  cipher: StoreCipher;
  before: Record<string, number>;
  verify: (sqlite: Database.Database) => string | null;
  step: 'encrypt' | 'reencrypt';
  open: (file: string) => Database.Database;
  remove: (file: string) => void;
}): { at: 'copy' | 'swapped'; why: string } | null {
  fs.copyFileSync(o.file, o.copy);
  faultPoint(`${o.step}.copied`);
  const enc = o.open(o.copy);
  try {
    enc.pragma('journal_mode = DELETE');
    for (const p of cipherPragmas(o.cipher)) enc.pragma(p);
    enc.pragma(`rekey = "${rawKeyText(o.key, o.cipher)}"`);
  } finally {
    enc.close();
  }
  faultPoint(`${o.step}.rekeyed`);
  const problem = checkCopy(o.copy, o.key, o.before, o.verify, o.cipher);
  if (problem) {
    for (const f of storeFiles(o.copy)) o.remove(f);
    return { at: 'copy', why: problem };
  }
  for (const f of storeFiles(o.file).slice(1)) o.remove(f);
  fs.renameSync(o.file, o.backup);
  faultPoint(`${o.step}.aside`);
  fs.renameSync(o.copy, o.file);
  fsyncDir(path.dirname(o.file));
  faultPoint(`${o.step}.swapped`);
  const again = checkCopy(o.file, o.key, o.before, o.verify, o.cipher);
  if (again) {
    fs.renameSync(o.file, o.copy);
    fs.renameSync(o.backup, o.file);
    return { at: 'swapped', why: again };
  }
  return null;
}

/**
 * Encrypts an existing plain store with `cipher`: an encrypted copy is written beside it, verified
 * (integrity check, every table's row count, and `verify` — the runtime passes the audit chain check),
 * then swapped in. The plain original is kept as `<file>.plain-backup` until the swapped-in copy has
 * opened and checked out again, then overwritten and removed. A run interrupted at any point leaves
 * either the plain store or the verified encrypted one in place, never a half-written one.
 */
export function encryptPlainStore(file: string, key: StoreKey, verify: (sqlite: Database.Database) => string | null, cipher: StoreCipher = DEFAULT_CIPHER): void {
  const copy = `${file}.encrypting`;
  const backup = `${file}.plain-backup`;
  faultPoint('encrypt.start');
  for (const f of storeFiles(copy)) shredFile(f);
  // Fold the WAL into the file so the copy holds everything.
  const plain = new Database(file);
  let before: Record<string, number>;
  try {
    plain.pragma('wal_checkpoint(TRUNCATE)');
    before = tableCounts(plain);
  } finally {
    plain.close();
  }
  const problem = copyRekeyedAndSwap({ file, copy, backup, key, cipher, before, verify, step: 'encrypt', open: (f) => new Database(f), remove: shredFile });
  if (problem?.at === 'copy') {
    throw new StoreKeyError(`The store was not encrypted: the encrypted copy did not check out (${problem.why}). The plain store is unchanged.`);
  }
  if (problem) throw new StoreKeyError(`The store was not encrypted: the swapped-in copy did not check out (${problem.why}). The plain store is back in place.`);
  // Zeroed before it goes: from here on the plain backup is never put back (prepareStoreFile).
  zeroFile(backup);
  faultPoint('encrypt.plain-zeroed');
  for (const f of storeFiles(backup)) shredFile(f);
  for (const f of storeFiles(copy)) shredFile(f);
}

/** Where a re-encryption keeps the original until the re-encrypted copy checks out in its place. */
export function cipherBackupOf(file: string): string {
  return `${file}.cipher-backup`;
}
/** The name an earlier Outpost gave that file (re-encrypting SQLCipher 4 stores only): settled the same way. */
const LEGACY_CIPHER_BACKUP = '.sqlcipher-backup';

/**
 * Re-encrypts an encrypted store with `cipher` (same key): a copy is written beside it and re-keyed,
 * verified (opens with `cipher`, integrity check, every table's row count, `verify`), then swapped in.
 * The original is kept as `<file>.cipher-backup` until the swapped-in copy has opened with `cipher` and
 * checked out again. A run interrupted at any point leaves either the original or the verified
 * re-encrypted copy in place (prepareStoreFile settles which); nothing is ever written in plain.
 * Returns the cipher the store was in (the same as `cipher` when there was nothing to do).
 */
export function reencryptStore(file: string, key: StoreKey, cipher: StoreCipher, verify: (sqlite: Database.Database) => string | null): StoreCipher {
  const copy = `${file}.reencrypting`;
  const backup = cipherBackupOf(file);
  faultPoint('reencrypt.start');
  for (const f of storeFiles(copy)) fs.rmSync(f, { force: true });
  // Fold the WAL into the file so the copy holds everything.
  const old = openConnection(file, key, cipher);
  const was = connectionCipher(old)!;
  let before: Record<string, number>;
  try {
    if (was === cipher) return was;
    old.pragma('wal_checkpoint(TRUNCATE)');
    before = tableCounts(old);
  } finally {
    old.close();
  }
  const remove = (f: string) => fs.rmSync(f, { force: true });
  const problem = copyRekeyedAndSwap({ file, copy, backup, key, cipher, before, verify, step: 'reencrypt', open: (f) => openConnection(f, key, was), remove });
  if (problem?.at === 'copy') {
    throw new StoreKeyError(`The store was not re-encrypted with ${cipher}: the re-encrypted copy did not check out (${problem.why}). The store is unchanged (${was}).`);
  }
  if (problem) throw new StoreKeyError(`The store was not re-encrypted with ${cipher}: the swapped-in copy did not check out (${problem.why}). The store is back as it was (${was}).`);
  for (const f of storeFiles(backup)) fs.rmSync(f, { force: true });
  for (const f of storeFiles(copy)) fs.rmSync(f, { force: true });
  return was;
}

/** The cipher an encrypted store file opens with under `key` (null: plain, missing, or not this key). */
export function storeCipherOf(file: string, key: StoreKey): StoreCipher | null {
  if (!storeExists(file) || isPlainStore(file)) return null;
  try {
    const s = openConnection(file, key);
    try {
      return connectionCipher(s);
    } finally {
      s.close();
    }
  } catch {
    return null;
  }
}

/**
 * Settles the store file before it opens: finishes or undoes an encryption or a re-encryption that
 * was interrupted, encrypts a plain store with `cipher` when a key is given (see encryptPlainStore),
 * and re-encrypts a store in another cipher with `cipher` (reencryptStore): a store in SQLCipher 4
 * from before there was a choice, or one whose chosen cipher was changed.
 *
 * `keepAegis256Over`: when `cipher` is only the default (no cipher chosen for the store), a store in
 * AEGIS-256 larger than this many bytes is left in it; the cipher it was kept in is returned (null
 * otherwise). See UPGRADE_AT_START_MAX_BYTES.
 */
export function prepareStoreFile(
  file: string,
  key: StoreKey | null,
  verify: (sqlite: Database.Database) => string | null,
  cipher: StoreCipher = DEFAULT_CIPHER,
  opts: { keepAegis256Over?: number } = {},
): StoreCipher | null {
  const backup = `${file}.plain-backup`;
  if (fs.existsSync(backup)) {
    if (storeExists(file) && !isPlainStore(file) && key && !checkCopy(file, key, null, verify)) {
      // Interrupted after the swap: the encrypted store is in place and checks out.
      for (const f of storeFiles(backup)) shredFile(f);
    } else if (!isPlainStore(backup)) {
      // Interrupted while the plain backup was being overwritten: the swap had finished and checked out.
      for (const f of storeFiles(backup)) shredFile(f);
    } else if (!storeExists(file) || !isPlainStore(file)) {
      // Interrupted before the swap finished (or the key cannot tell): the backup is the store.
      if (storeExists(file)) fs.renameSync(file, `${file}.encrypting`);
      for (const f of storeFiles(file).slice(1)) if (fs.existsSync(f)) fs.rmSync(f);
      fs.renameSync(backup, file);
    }
  }
  // A copy an interrupted encryption left (a new one, if due, starts from the store again).
  for (const f of storeFiles(`${file}.encrypting`)) shredFile(f);
  for (const kept of [cipherBackupOf(file), `${file}${LEGACY_CIPHER_BACKUP}`]) {
    if (!fs.existsSync(kept)) continue;
    if (key && storeCipherOf(file, key) === cipher && !checkCopy(file, key, null, verify, cipher)) {
      // Interrupted after the swap: the re-encrypted store is in place and checks out.
      for (const f of storeFiles(kept)) fs.rmSync(f, { force: true });
    } else {
      // Interrupted before the swap finished (or the key cannot tell): the kept original is the store.
      if (storeExists(file)) fs.renameSync(file, `${file}.reencrypting`);
      for (const f of storeFiles(file).slice(1)) fs.rmSync(f, { force: true });
      fs.renameSync(kept, file);
    }
  }
  // A copy an interrupted re-encryption left (encrypted with the store's key, never plain).
  for (const f of storeFiles(`${file}.reencrypting`)) fs.rmSync(f, { force: true });
  if (key && storeExists(file) && isPlainStore(file)) encryptPlainStore(file, key, verify, cipher);
  else if (key && storeExists(file)) {
    const now = storeCipherOf(file, key);
    if (now === 'aegis-256' && cipher === 'aegis-256x4' && opts.keepAegis256Over !== undefined && storeBytes(file) > opts.keepAegis256Over) return now;
    if (now && now !== cipher) reencryptStore(file, key, cipher, verify);
  }
  return null;
}

/**
 * A store in AEGIS-256 with no cipher chosen for it (made before AEGIS-256X4 was the default) is
 * brought to AEGIS-256X4 at start only up to this size, where the re-encryption takes seconds (a
 * 594 MB store, 100,000 tickets, took 11.7 s on a 2-core laptop: about 20 s a GB, while the console
 * waits). A larger one stays in AEGIS-256, which is as safe and costs about 0.4 µs more per page
 * read from the file; an administrator can switch it in Settings › Security when a pause suits.
 */
export const UPGRADE_AT_START_MAX_BYTES = 256 * 1024 * 1024;

/** The store's bytes on disk: the file and its write-ahead log. */
export function storeBytes(file: string): number {
  return storeFiles(file).reduce((n, f) => n + (fs.existsSync(f) ? fs.statSync(f).size : 0), 0);
}

/** Opens a store file with the key and checks it: integrity, row counts against `before`, and `verify`; null when whole. */
export function checkCopy(
  file: string,
  key: StoreKey | null,
  before: Record<string, number> | null,
  verify: (sqlite: Database.Database) => string | null,
  cipher?: StoreCipher,
): string | null {
  let sqlite: Database.Database;
  try {
    sqlite = openConnection(file, key);
  } catch (e) {
    return (e as Error).message;
  }
  try {
    if (cipher && connectionCipher(sqlite) !== cipher) return `the store opens with ${connectionCipher(sqlite) ?? 'no cipher'}, not ${cipher}`;
    const integrity = sqlite.pragma('integrity_check', { simple: true });
    if (integrity !== 'ok') return `integrity check: ${String(integrity)}`;
    const after = before ? tableCounts(sqlite) : {};
    for (const [t, n] of Object.entries(before ?? {})) if (after[t] !== n) return `${t} holds ${after[t] ?? 0} rows instead of ${n}`;
    return verify(sqlite);
  } finally {
    sqlite.close();
  }
}

/** Makes a rename in the folder durable (best effort). */
export function fsyncDir(dir: string): void {
  try {
    const fd = fs.openSync(dir, 'r');
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    // not every platform lets a folder be opened for fsync
  }
}
