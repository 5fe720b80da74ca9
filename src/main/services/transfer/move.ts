/**
 * Moving a device to a new machine: "export everything" writes one file holding a consistent snapshot
 * of the store, every evidence file and the store's key, all encrypted (AES-256-GCM) under a key
 * derived with scrypt from a passphrase chosen at export; "import everything" reads it into a new data
 * folder, re-keys the store and the files for that machine, and checks the result (integrity, every
 * table's row count, the audit chain, the number of files) before anything takes the store's place.
 *
 * File: MAGIC, a u32 header length, the header (JSON: scrypt parameters, salt, nonce; authenticated
 * as the cipher's additional data), the ciphertext, the 16-byte tag. Inside: entries of
 * [u16 name length][name][u64 size][bytes], ended by a zero name length: manifest.json first, then
 * outpost.db, then blob/<sha256> for each evidence file (its plain bytes).
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type Database from 'better-sqlite3';
import { checkCopy, cipherPragmas, connectionCipher, DEFAULT_CIPHER, fsyncDir, openConnection, rawKeyText, scryptKey, SCRYPT, shredFile, storeFiles, tableCounts, type StoreCipher, type StoreKey } from '../../db/store-key';
import { faultPoint } from '../../db/fault-point';
import { openBlobStore } from '../evidence/blobs';
import { AppError } from '../../../shared/result';

export const MOVE_MAGIC = Buffer.from('OUTPOST-MOVE-1\n', 'latin1');
const CHUNK = 1 << 20;

interface MoveHeader {
  version: 1;
  kdf: 'scrypt';
  N: number;
  r: number;
  p: number;
  salt: string;
  iv: string;
}

export interface MoveManifest {
  version: 1;
  exportedAt: string;
  /** The store's own key (hex) when it was encrypted: the snapshot is encrypted with it. */
  storeKey: string | null;
  counts: Record<string, number>;
  blobs: number;
  /** The cipher chosen for the store (absent in exports from before there was a choice: the default). */
  cipher?: StoreCipher;
}

export type Verify = (sqlite: Database.Database) => string | null;

/** True when the file starts like an export of everything. */
export function isMoveFile(file: string): boolean {
  try {
    const fd = fs.openSync(file, 'r');
    try {
      const head = Buffer.alloc(MOVE_MAGIC.length);
      return fs.readSync(fd, head, 0, head.length, 0) === head.length && head.equals(MOVE_MAGIC);
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return false;
  }
}

function frame(name: string, size: number): Buffer {
  const n = Buffer.from(name, 'utf8');
  const b = Buffer.alloc(2 + n.length + 8);
  b.writeUInt16BE(n.length, 0);
  n.copy(b, 2);
  b.writeBigUInt64BE(BigInt(size), 2 + n.length);
  return b;
}

function blobNames(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && /^[0-9a-f]{64}$/.test(e.name))
    .map((e) => e.name)
    .sort();
}

/**
 * Writes the export of everything to `out` (a `.partial` file renamed at the end). The snapshot is
 * taken with VACUUM INTO beside the store and removed afterwards.
 */
export function exportEverything(opts: {
  sqlite: Database.Database;
  storeFile: string;
  storeKey: StoreKey | null;
  /** The cipher chosen for the store: carried in the export, so the new machine keeps it. */
  cipher?: StoreCipher;
  blobsDir: string;
  out: string;
  passphrase: string;
  now: Date;
  /**
   * The data folder's exports folder: an export written elsewhere (where the desktop's save dialog
   * said) leaves a note there naming its partial file while it is written, so the next start removes
   * that file if the run is killed (settleExports).
   */
  exportDir?: string;
}): { file: string; bytes: number; blobs: number; counts: Record<string, number> } {
  if (opts.passphrase.length < 8) throw new AppError('invalid_input', 'The export passphrase must be at least 8 characters.');
  faultPoint('export.start');
  const snapshot = `${opts.storeFile}.exporting`;
  for (const f of storeFiles(snapshot)) shredFile(f);
  opts.sqlite.prepare('VACUUM INTO ?').run(snapshot);
  faultPoint('export.snapshot');
  const partial = `${opts.out}.partial`;
  const note = opts.exportDir && path.resolve(path.dirname(opts.out)) !== path.resolve(opts.exportDir) ? path.join(opts.exportDir, `${WRITING_PREFIX}${crypto.randomUUID()}`) : null;
  if (note) {
    fs.mkdirSync(opts.exportDir!, { recursive: true });
    fs.writeFileSync(note, path.resolve(partial), { mode: 0o600 });
  }
  try {
    const snap = openConnection(snapshot, opts.storeKey);
    let counts: Record<string, number>;
    try {
      counts = tableCounts(snap);
    } finally {
      snap.close();
    }
    const blobs = openBlobStore(opts.blobsDir, opts.storeKey);
    const shas = blobNames(opts.blobsDir).filter((sha) => blobs.verify(sha) === 'ok');
    const manifest: MoveManifest = { version: 1, exportedAt: opts.now.toISOString(), storeKey: opts.storeKey ? opts.storeKey.toString('hex') : null, counts, blobs: shas.length, cipher: opts.cipher ?? DEFAULT_CIPHER };
    const header: MoveHeader = { version: 1, kdf: 'scrypt', ...SCRYPT, salt: crypto.randomBytes(16).toString('base64'), iv: crypto.randomBytes(12).toString('base64') };
    const key = scryptKey(opts.passphrase, header);
    const headerBytes = Buffer.from(JSON.stringify(header), 'utf8');
    const cipher = crypto.createCipheriv('aes-256-gcm', key, Buffer.from(header.iv, 'base64'));
    cipher.setAAD(headerBytes);
    fs.mkdirSync(path.dirname(opts.out), { recursive: true });
    const fd = fs.openSync(partial, 'w', 0o600);
    try {
      const len = Buffer.alloc(4);
      len.writeUInt32BE(headerBytes.length);
      fs.writeSync(fd, Buffer.concat([MOVE_MAGIC, len, headerBytes]));
      const put = (b: Buffer) => {
        const c = cipher.update(b);
        if (c.length) fs.writeSync(fd, c);
      };
      const m = Buffer.from(JSON.stringify(manifest), 'utf8');
      put(frame('manifest.json', m.length));
      put(m);
      const size = fs.statSync(snapshot).size;
      put(frame('outpost.db', size));
      const src = fs.openSync(snapshot, 'r');
      try {
        const buf = Buffer.alloc(CHUNK);
        for (let at = 0; at < size; ) {
          const n = fs.readSync(src, buf, 0, Math.min(CHUNK, size - at), at);
          put(buf.subarray(0, n));
          at += n;
        }
      } finally {
        fs.closeSync(src);
      }
      for (const sha of shas) {
        const bytes = blobs.read(sha)!;
        put(frame(`blob/${sha}`, bytes.length));
        put(bytes);
        faultPoint('export.blob');
      }
      put(Buffer.from([0, 0]));
      const last = cipher.final();
      if (last.length) fs.writeSync(fd, last);
      fs.writeSync(fd, cipher.getAuthTag());
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    faultPoint('export.written');
    fs.renameSync(partial, opts.out);
    fsyncDir(path.dirname(opts.out));
    faultPoint('export.renamed');
    return { file: opts.out, bytes: fs.statSync(opts.out).size, blobs: shas.length, counts };
  } finally {
    for (const f of storeFiles(snapshot)) shredFile(f);
    fs.rmSync(partial, { force: true });
    if (note) fs.rmSync(note, { force: true });
  }
}

/** Reads entries as the decrypted bytes arrive: small ones (manifest, blobs) whole, the store to a file. */
class EntryReader {
  private pending: Buffer = Buffer.alloc(0);
  private current: { name: string; left: number; parts: Buffer[]; fd: number | null } | null = null;
  done = false;
  manifest: MoveManifest | null = null;
  storeWritten = false;
  blobs = 0;

  constructor(
    private readonly storeFile: string,
    private readonly onBlob: (sha: string, bytes: Buffer) => void,
  ) {}

  push(data: Buffer): void {
    this.pending = this.pending.length ? Buffer.concat([this.pending, data]) : data;
    for (;;) {
      if (this.done) {
        if (this.pending.length) throw new Error('bytes after the end');
        return;
      }
      if (!this.current) {
        if (this.pending.length < 2) return;
        const n = this.pending.readUInt16BE(0);
        if (n === 0) {
          this.done = true;
          this.pending = this.pending.subarray(2);
          continue;
        }
        if (this.pending.length < 2 + n + 8) return;
        const name = this.pending.subarray(2, 2 + n).toString('utf8');
        const size = Number(this.pending.readBigUInt64BE(2 + n));
        this.pending = this.pending.subarray(2 + n + 8);
        this.open(name, size);
        continue;
      }
      if (!this.pending.length) return;
      const take = Math.min(this.current.left, this.pending.length);
      const part = this.pending.subarray(0, take);
      this.pending = this.pending.subarray(take);
      if (this.current.fd !== null) fs.writeSync(this.current.fd, part);
      else this.current.parts.push(Buffer.from(part));
      this.current.left -= take;
      if (this.current.left === 0) this.close();
      else return;
    }
  }

  private open(name: string, size: number) {
    if (name === 'outpost.db') {
      if (this.storeWritten) throw new Error('two stores');
      this.current = { name, left: size, parts: [], fd: fs.openSync(this.storeFile, 'w', 0o600) };
    } else if (name === 'manifest.json' || /^blob\/[0-9a-f]{64}$/.test(name)) {
      if (size > 1024 * 1024 * 1024) throw new Error(`an entry of ${size} bytes`);
      this.current = { name, left: size, parts: [], fd: null };
    } else throw new Error(`an unknown entry "${name}"`);
    if (size === 0) this.close();
  }

  private close() {
    const c = this.current!;
    this.current = null;
    if (c.fd !== null) {
      fs.fsyncSync(c.fd);
      fs.closeSync(c.fd);
      this.storeWritten = true;
      return;
    }
    const bytes = Buffer.concat(c.parts);
    if (c.name === 'manifest.json') this.manifest = JSON.parse(bytes.toString('utf8')) as MoveManifest;
    else {
      this.onBlob(c.name.slice(5), bytes);
      this.blobs++;
    }
  }

  closeAll() {
    if (this.current?.fd != null) fs.closeSync(this.current.fd);
    this.current = null;
  }
}

/**
 * Reads an export of everything into `stagingDir` (the store as `outpost.db`, re-keyed to `newKey`,
 * or plain when it is null, and `blobs/` sealed with it) and checks it. Throws an AppError saying why
 * when the passphrase is wrong, the file was changed or cut short, or the copy does not check out;
 * the staging folder is then removed. The caller moves the checked files into place.
 */
/**
 * `cipher`: the cipher this machine's store is chosen to use; null keeps the export's (the default for
 * exports from before there was a choice). The answer says which cipher the imported store is in.
 */
export function importEverything(opts: {
  file: string;
  passphrase: string;
  stagingDir: string;
  newKey: StoreKey | null;
  verify: Verify;
  cipher?: StoreCipher | null;
}): { counts: Record<string, number>; blobs: number; exportedAt: string; cipher: StoreCipher } {
  if (!isMoveFile(opts.file)) throw new AppError('invalid_input', 'This file is not an export of everything from Outpost.');
  faultPoint('import.start');
  dropStaging(opts.stagingDir);
  fs.mkdirSync(opts.stagingDir, { recursive: true });
  const storeFile = path.join(opts.stagingDir, 'outpost.db');
  const blobs = openBlobStore(path.join(opts.stagingDir, 'blobs'), opts.newKey);
  const reader = new EntryReader(storeFile, (sha, bytes) => {
    if (blobs.write(bytes).sha256 !== sha) throw new Error(`the file ${sha} does not match its hash`);
  });
  const fd = fs.openSync(opts.file, 'r');
  try {
    const total = fs.fstatSync(fd).size;
    const lenBuf = Buffer.alloc(4);
    fs.readSync(fd, lenBuf, 0, 4, MOVE_MAGIC.length);
    const headerLen = lenBuf.readUInt32BE(0);
    if (headerLen > 4096) throw new AppError('invalid_input', 'This export file is damaged (its header is not readable).');
    const headerBytes = Buffer.alloc(headerLen);
    fs.readSync(fd, headerBytes, 0, headerLen, MOVE_MAGIC.length + 4);
    let header: MoveHeader;
    try {
      header = JSON.parse(headerBytes.toString('utf8')) as MoveHeader;
    } catch {
      throw new AppError('invalid_input', 'This export file is damaged (its header is not readable).');
    }
    if (header.version !== 1 || header.kdf !== 'scrypt') throw new AppError('invalid_input', 'This export was made by a newer Outpost.');
    const start = MOVE_MAGIC.length + 4 + headerLen;
    const end = total - 16;
    if (end < start) throw new AppError('invalid_input', 'This export file is cut short.');
    const tag = Buffer.alloc(16);
    fs.readSync(fd, tag, 0, 16, end);
    const decipher = crypto.createDecipheriv('aes-256-gcm', scryptKey(opts.passphrase, header), Buffer.from(header.iv, 'base64'));
    decipher.setAAD(headerBytes);
    decipher.setAuthTag(tag);
    const buf = Buffer.alloc(CHUNK);
    try {
      for (let at = start; at < end; ) {
        const n = fs.readSync(fd, buf, 0, Math.min(CHUNK, end - at), at);
        reader.push(decipher.update(buf.subarray(0, n)));
        at += n;
      }
      reader.push(decipher.final());
    } catch {
      // The tag is checked at the end: a wrong passphrase and a changed file both fail there (or
      // earlier, as nonsense entries). Nothing read so far is kept.
      throw new AppError('invalid_input', 'The passphrase does not open this export, or the file was changed or cut short.');
    }
  } catch (e) {
    reader.closeAll();
    dropStaging(opts.stagingDir);
    throw e;
  } finally {
    fs.closeSync(fd);
  }
  try {
    const m = reader.manifest;
    if (!reader.done || !m || !reader.storeWritten) throw new AppError('invalid_input', 'This export file is incomplete.');
    const cipher = opts.cipher ?? m.cipher ?? DEFAULT_CIPHER;
    rekey(storeFile, m.storeKey ? Buffer.from(m.storeKey, 'hex') : null, opts.newKey, cipher);
    const problem = checkCopy(storeFile, opts.newKey, m.counts, opts.verify, opts.newKey ? cipher : undefined);
    if (problem) throw new AppError('invalid_input', `The imported store did not check out (${problem}); nothing was changed.`);
    if (reader.blobs !== m.blobs) throw new AppError('invalid_input', `The export holds ${reader.blobs} evidence files instead of ${m.blobs}.`);
    faultPoint('import.staged');
    return { counts: m.counts, blobs: reader.blobs, exportedAt: m.exportedAt, cipher };
  } catch (e) {
    dropStaging(opts.stagingDir);
    throw e;
  }
}

/** Re-keys a closed store file from one key (or plain) to another (or plain), encrypted with `cipher`. */
function rekey(file: string, from: StoreKey | null, to: StoreKey | null, cipher: StoreCipher): void {
  const db = openConnection(file, from, cipher);
  try {
    db.pragma('journal_mode = DELETE');
    if (!from && !to) return;
    if (from && to && from.equals(to) && connectionCipher(db) === cipher) return;
    if (to) for (const p of cipherPragmas(cipher)) db.pragma(p);
    db.pragma(to ? `rekey = "${rawKeyText(to, cipher)}"` : "rekey = ''");
  } finally {
    db.close();
  }
}



/** Exports are written here in the data folder (removed with it on a lost-device wipe). */
export const EXPORT_FOLDER = 'exports';

/** The name an export of everything is saved under: outpost-export-20261206T101500Z.outpost. */
export function exportFileName(now: Date): string {
  return `outpost-export-${now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}.outpost`;
}

/** Exports offered as a download wait in the exports folder under this prefix (removed once sent). */
export const DOWNLOAD_PREFIX = '.download-';

/** A note in the exports folder naming the partial file of an export being written elsewhere. */
const WRITING_PREFIX = '.writing-';

/**
 * Removes what an export cut short left (at start, before anything exports): the snapshot beside the
 * store, a `.partial` export (in the exports folder, or where a note there names it), and exports
 * waiting to be downloaded. Returns the names removed.
 */
export function settleExports(storeFile: string, exportDir: string): string[] {
  const gone = storeFiles(`${storeFile}.exporting`).filter((f) => fs.existsSync(f));
  // Downloads offered by a run that ended are no one's any more (their offers lived in that process).
  if (fs.existsSync(exportDir)) {
    for (const f of fs.readdirSync(exportDir)) {
      if (f.endsWith('.partial') || f.startsWith(DOWNLOAD_PREFIX)) gone.push(path.join(exportDir, f));
      if (!f.startsWith(WRITING_PREFIX)) continue;
      const named = fs.readFileSync(path.join(exportDir, f), 'utf8');
      // Only ever a partial export this folder's store wrote: nothing else is removed on a note's word.
      if (path.isAbsolute(named) && named.endsWith('.partial') && fs.existsSync(named) && (isMoveFile(named) || fs.statSync(named).size === 0)) gone.push(named);
      fs.rmSync(path.join(exportDir, f), { force: true });
    }
  }
  for (const f of gone) shredFile(f);
  return gone.map((f) => path.basename(f));
}

/** The folder of the data directory where an import of everything is read and checked before it goes into place. */
export const IMPORT_STAGING = '.importing';

/** Written in the staging folder once its import checked out: from then on the import goes into place, across a kill too. */
const READY = 'ready.json';

interface Ready {
  /** Keep the store it replaces as outpost.db.before-restore (the restore command) instead of removing it. */
  keepReplaced: boolean;
}

/** Removes a staging folder, its store copy overwritten first (it may hold the store in plain). */
function dropStaging(stagingDir: string): void {
  if (!fs.existsSync(stagingDir)) return;
  for (const f of storeFiles(path.join(stagingDir, 'outpost.db'))) shredFile(f);
  fs.rmSync(stagingDir, { recursive: true, force: true });
}

/**
 * Moves a checked import from its staging folder into place: the store it replaces is overwritten and
 * removed (or, with `keepReplaced`, kept as outpost.db.before-restore), the imported evidence files join
 * `blobs/`. A ready mark is written first, so a run killed half-way finishes at the next start
 * (settleImport) instead of leaving the store without its evidence files or no store at all.
 */
export function putImported(stagingDir: string, storeFile: string, blobsDir: string, opts: Partial<Ready> = {}): void {
  const ready: Ready = { keepReplaced: !!opts.keepReplaced };
  const mark = path.join(stagingDir, READY);
  const fd = fs.openSync(mark, 'w', 0o600);
  try {
    fs.writeSync(fd, JSON.stringify(ready));
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fsyncDir(stagingDir);
  faultPoint('import.ready');
  finishImport(stagingDir, storeFile, blobsDir, ready);
}

/**
 * The steps after the ready mark, each safe to run again after a kill at any point: the evidence files
 * first (named by their hash: one already in place is the same file), then the store (the one it
 * replaces moved aside or removed, the staged one renamed into its place), then the staging folder.
 */
function finishImport(stagingDir: string, storeFile: string, blobsDir: string, ready: Ready): void {
  const staged = path.join(stagingDir, 'blobs');
  if (fs.existsSync(staged)) {
    const dirs = new Set<string>();
    for (const e of fs.readdirSync(staged, { recursive: true, withFileTypes: true })) {
      if (!e.isFile() || !/^[0-9a-f]{64}$/.test(e.name)) continue;
      const rel = path.relative(staged, path.join(e.parentPath, e.name));
      const to = path.join(blobsDir, rel);
      fs.mkdirSync(path.dirname(to), { recursive: true });
      if (!fs.existsSync(to)) fs.renameSync(path.join(e.parentPath, e.name), to);
      dirs.add(path.dirname(to));
      faultPoint('import.blob');
    }
    for (const d of dirs) fsyncDir(d);
  }
  const store = path.join(stagingDir, 'outpost.db');
  // Once the staged store has taken its place, the store here is the imported one: it stays.
  if (fs.existsSync(store)) {
    if (ready.keepReplaced) {
      const aside = `${storeFile}.before-restore`;
      for (const f of storeFiles(storeFile)) if (fs.existsSync(f)) fs.renameSync(f, f.replace(storeFile, aside));
    } else for (const f of storeFiles(storeFile)) shredFile(f);
    faultPoint('import.replacing');
    fs.renameSync(store, storeFile);
    fsyncDir(path.dirname(storeFile));
  }
  faultPoint('import.placed');
  fs.rmSync(stagingDir, { recursive: true, force: true });
}

/**
 * At start, before the store opens: an import that checked out (its ready mark written) is finished;
 * one cut short before that is dropped, and the store is the one it was before. Returns what it did,
 * or null when no import was under way.
 */
export function settleImport(stagingDir: string, storeFile: string, blobsDir: string): 'finished' | 'dropped' | null {
  if (!fs.existsSync(stagingDir)) return null;
  let ready: Ready | null = null;
  try {
    ready = JSON.parse(fs.readFileSync(path.join(stagingDir, READY), 'utf8')) as Ready;
  } catch {
    // no mark (or one cut short before it was flushed): the import never checked out
  }
  if (!ready) {
    dropStaging(stagingDir);
    return 'dropped';
  }
  finishImport(stagingDir, storeFile, blobsDir, ready);
  return 'finished';
}
