/**
 * Files handed to the main process ahead of the call that reads them: the browser host streams a
 * large upload to a file in the data directory (POST /upload), the desktop shell registers the file a
 * person picked; an import then names the upload instead of carrying the bytes in its call, so a
 * 200 MB export is never held in a request body or a base64 string.
 *
 * An upload belongs to the person who sent it: only they can import it. Each person may keep a few
 * uploads waiting (UPLOAD_LIMITS), and one is accepted only while the disk keeps room to spare, so a
 * signed-in account cannot fill the disk. Uploads live in `<data dir>/uploads`, encrypted with a key
 * derived from the store's when the store is encrypted, and are removed when imported, after an
 * hour unused, and when Outpost starts (what a previous run left is no one's any more).
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Transform, type Readable } from 'node:stream';
import { AppError, type ErrorCode } from '../../../shared/result';
import { UPLOAD_MAX_BYTES, uploadTooLarge, type UploadReceipt } from '../../../shared/api/common';
import type { Ctx } from '../core/context';
import { requireActor } from '../core/write';

const MB = 1024 * 1024;

/** What one person may keep waiting, and what the disk keeps free. Tests lower them. */
export const UPLOAD_LIMITS = {
  /** Big enough for a full ServiceNow or asset export (the 120k-event export is 39 MB). */
  maxBytes: UPLOAD_MAX_BYTES,
  /** Uploads one person may have waiting to be imported (including one still arriving). */
  perPersonCount: 2,
  /** Bytes one person's waiting uploads may hold together. */
  perPersonBytes: 1024 * MB,
  /** Free space the data directory's disk keeps after an upload is accepted. */
  diskReserveBytes: 1024 * MB,
  keepMs: 60 * 60_000,
};

/** The folder of the data directory that holds uploads (wiped with the store when a device is lost). */
export const UPLOAD_FOLDER = 'uploads';

/** An upload refused for a reason the sender can act on; `status` is the HTTP answer. */
export class UploadRefused extends AppError {
  constructor(
    code: ErrorCode,
    message: string,
    readonly status: number,
  ) {
    super(code, message);
  }
}

/** Encrypted uploads start with this, then a 12-byte nonce, the ciphertext and a 16-byte tag (AES-256-GCM). */
const SEALED = Buffer.from('OPU1', 'latin1');
const HEAD = SEALED.length + 12;
const TAG = 16;

/** The uploads' own key, derived from the store's (HKDF-SHA256), never the store's key itself. */
function uploadKey(storeKey: Buffer): Buffer {
  return Buffer.from(hkdfSync('sha256', storeKey, Buffer.alloc(0), 'outpost uploads v1', 32));
}

interface Upload {
  path: string;
  ownerId: string;
  size: number;
  /** A copy we keep (removed when done), or a file the person picked (left alone). */
  temp: boolean;
  /** The key the file is sealed with, as hex (null: plain). */
  key: string | null;
  timer: NodeJS.Timeout | null;
}

const uploads = new Map<string, Upload>();
/** Uploads still arriving, per person: they count against the person's limits too. */
const arriving = new Map<string, { count: number; bytes: number }>();

function dirFor(store: { path: string }): string {
  const file = store.path;
  const dir = !file || file === ':memory:' ? path.join(os.tmpdir(), `outpost-uploads-${process.pid}`) : path.join(path.dirname(path.resolve(file)), UPLOAD_FOLDER);
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  return dir;
}

/**
 * Removes every upload of a data directory: at start, none of them belongs to anyone any more
 * (the list of uploads lived in the process that stopped).
 */
export function clearUploads(dataDir: string): void {
  const dir = path.resolve(dataDir, UPLOAD_FOLDER);
  for (const [id, u] of uploads) if (u.temp && path.dirname(u.path) === dir) releaseUpload(id);
  fs.rmSync(dir, { recursive: true, force: true });
}

function register(ownerId: string, file: string, size: number, temp: boolean, key: string | null): UploadReceipt {
  const uploadId = `up_${randomBytes(16).toString('hex')}`;
  const u: Upload = { path: file, ownerId, size, temp, key, timer: null };
  u.timer = setTimeout(() => releaseUpload(uploadId), UPLOAD_LIMITS.keepMs);
  u.timer.unref();
  uploads.set(uploadId, u);
  return { uploadId, size };
}

/** A file the person picked on the desktop (read in place, never removed). */
export function registerPickedFile(ownerId: string, file: string): UploadReceipt {
  const st = fs.statSync(file);
  if (!st.isFile()) throw new AppError('invalid_input', 'Pick a file, not a folder.');
  return register(ownerId, file, st.size, false, null);
}

const inMB = (bytes: number) => (bytes >= MB ? `${Math.round(bytes / MB)} MB` : `${Math.ceil(bytes / 1024)} KB`);

/** What the person already has waiting (kept uploads and ones still arriving). */
function held(ownerId: string): { count: number; bytes: number } {
  const a = arriving.get(ownerId) ?? { count: 0, bytes: 0 };
  let count = a.count;
  let bytes = a.bytes;
  for (const u of uploads.values()) {
    if (u.ownerId !== ownerId || !u.temp) continue;
    count++;
    bytes += u.size;
  }
  return { count, bytes };
}

function freeBytes(dir: string): number {
  const s = fs.statfsSync(dir);
  return s.bavail * s.bsize;
}

/**
 * Refuses an upload before a byte is written when the person already has their limit waiting, when
 * the declared size passes a limit, or when the disk would keep less than its reserve.
 */
function admit(ownerId: string, declared: number | null, dir: string): void {
  const L = UPLOAD_LIMITS;
  if (declared !== null && declared > L.maxBytes) throw new UploadRefused('invalid_input', uploadTooLarge(L.maxBytes), 413);
  const h = held(ownerId);
  if (h.count >= L.perPersonCount)
    throw new UploadRefused(
      'rate_limited',
      `You already have ${h.count} uploads waiting to be imported, the most one person may keep (${L.perPersonCount}). Import them, or wait until they are removed (an hour after upload), then upload again.`,
      429,
    );
  if (declared !== null && h.bytes + declared > L.perPersonBytes)
    throw new UploadRefused(
      'rate_limited',
      `Your uploads waiting to be imported would hold ${inMB(h.bytes + declared)}, more than one person may keep (${inMB(L.perPersonBytes)}). Import the ones waiting first.`,
      429,
    );
  const need = declared ?? Math.min(L.maxBytes, L.perPersonBytes - h.bytes);
  const free = freeBytes(dir);
  if (free - need < L.diskReserveBytes)
    throw new UploadRefused(
      'conflict',
      `The disk holding Outpost's data has ${inMB(free)} free; accepting this upload would leave less than the ${inMB(L.diskReserveBytes)} Outpost keeps free. Free some space on the computer running Outpost, then upload again.`,
      507,
    );
}

/**
 * Streams a request body to a file in the data directory (sealed when the store is encrypted),
 * refusing it past the per-file or per-person limit (the partial file is removed). Memory stays at
 * the stream's buffers whatever the size. `declared`: the request's Content-Length, when it has one.
 */
export async function receiveUpload(
  body: Readable,
  ownerId: string,
  store: { path: string; key?: Buffer | null },
  declared: number | null = null,
): Promise<UploadReceipt> {
  const dir = dirFor(store);
  admit(ownerId, declared, dir);
  const L = UPLOAD_LIMITS;
  const before = held(ownerId).bytes;
  const mine = arriving.get(ownerId) ?? { count: 0, bytes: 0 };
  arriving.set(ownerId, mine);
  mine.count++;
  const file = path.join(dir, `${randomBytes(12).toString('hex')}.part`);
  let size = 0;
  const limit = new Transform({
    transform(chunk: Buffer, _enc, done) {
      size += chunk.length;
      mine.bytes += chunk.length;
      if (size > L.maxBytes) done(new UploadRefused('invalid_input', uploadTooLarge(L.maxBytes), 413));
      else if (before + size > L.perPersonBytes)
        done(
          new UploadRefused(
            'rate_limited',
            `Your uploads waiting to be imported would hold more than one person may keep (${inMB(L.perPersonBytes)}). Import the ones waiting first.`,
            429,
          ),
        );
      else done(null, chunk);
    },
  });
  const key = store.key ? uploadKey(store.key) : null;
  let out: fs.WriteStream | null = null;
  try {
    out = fs.createWriteStream(file, { mode: 0o600 });
    if (key) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      out.write(Buffer.concat([SEALED, iv]));
      await pipeline(body, limit, cipher, out);
      fs.appendFileSync(file, cipher.getAuthTag());
    } else {
      await pipeline(body, limit, out);
    }
  } catch (e) {
    // The file is opened asynchronously: wait until the stream has closed, or a refusal that came
    // before the open finished would remove nothing and the open would then leave a file behind.
    if (out && !out.closed) await new Promise<void>((resolve) => out!.once('close', () => resolve()));
    fs.rmSync(file, { force: true });
    throw e;
  } finally {
    mine.count--;
    mine.bytes -= size;
    if (!mine.count) arriving.delete(ownerId);
  }
  return register(ownerId, file, size, true, key ? key.toString('hex') : null);
}

/** An upload's file as the importers read it: where it is, its size, and the key it is sealed with. */
export interface UploadFile {
  path: string;
  size: number;
  /** Hex of the key the file is sealed with; null when it is plain. */
  key: string | null;
}

/** The file behind an upload, for the person who sent it (and no one else). */
export function uploadFile(ctx: Ctx, uploadId: string): UploadFile {
  const actor = requireActor(ctx);
  const u = uploads.get(uploadId);
  if (!u || u.ownerId !== actor.id) throw new AppError('not_found', 'That upload is not here any more (uploads are kept for an hour); upload the file again.');
  return { path: u.path, size: u.size, key: u.key };
}

function corrupt(): AppError {
  return new AppError('invalid_input', 'The uploaded file was changed on disk after it was received; upload it again.');
}

/** Where a sealed upload's ciphertext lies, and the decipher for it (its tag set, checked at the end). */
function openSealed(f: { path: string; key: string }): { decipher: ReturnType<typeof createDecipheriv>; start: number; end: number } {
  const total = fs.statSync(f.path).size;
  if (total < HEAD + TAG) throw corrupt();
  const head = Buffer.alloc(HEAD);
  const tag = Buffer.alloc(TAG);
  const fd = fs.openSync(f.path, 'r');
  try {
    fs.readSync(fd, head, 0, HEAD, 0);
    fs.readSync(fd, tag, 0, TAG, total - TAG);
  } finally {
    fs.closeSync(fd);
  }
  if (!head.subarray(0, SEALED.length).equals(SEALED)) throw corrupt();
  const decipher = createDecipheriv('aes-256-gcm', Buffer.from(f.key, 'hex'), head.subarray(SEALED.length));
  decipher.setAuthTag(tag);
  return { decipher, start: HEAD, end: total - TAG };
}

/** The upload's bytes as a stream (decrypted; a sealed file that fails its check ends in an error). */
export function uploadStream(f: { path: string; key: string | null }, highWaterMark = MB): Readable {
  if (!f.key) return fs.createReadStream(f.path, { highWaterMark });
  const { decipher: d, start, end } = openSealed({ path: f.path, key: f.key });
  const src = end > start ? fs.createReadStream(f.path, { start, end: end - 1, highWaterMark }) : null;
  const out = new Transform({
    transform(chunk: Buffer, _enc, done) {
      done(null, d.update(chunk));
    },
    flush(done) {
      try {
        done(null, d.final());
      } catch {
        done(corrupt());
      }
    },
  });
  if (src) {
    src.on('error', (e) => out.destroy(e));
    src.pipe(out);
  } else out.end();
  return out;
}

/** The size of the upload's content (without a sealed file's header and tag). */
export function uploadTextSize(f: { path: string; key: string | null }): number {
  const total = fs.statSync(f.path).size;
  return f.key ? Math.max(0, total - HEAD - TAG) : total;
}

/**
 * The upload's bytes, decrypted, `chunkBytes` at a time, synchronously: for a reader that cannot
 * wait (the asset import reads the file again inside its write transaction, in its worker). A
 * sealed file that fails its check throws after its last chunk, before the reader is told it ended.
 */
export function readUploadChunks(f: { path: string; key: string | null }, chunkBytes: number, onChunk: (chunk: Buffer) => void): void {
  const sealed = f.key ? openSealed({ path: f.path, key: f.key }) : null;
  const fd = fs.openSync(f.path, 'r');
  try {
    // A plain file is read to its end as it is now (a file saved meanwhile is read as it became).
    const end = sealed ? sealed.end : Infinity;
    let at = sealed ? sealed.start : 0;
    while (at < end) {
      const buf = Buffer.allocUnsafe(Math.min(chunkBytes, end - at));
      let got = 0;
      while (got < buf.length) {
        const n = fs.readSync(fd, buf, got, buf.length - got, at + got);
        if (n === 0) break;
        got += n;
      }
      if (got === 0) break;
      at += got;
      const plain = buf.subarray(0, got);
      onChunk(sealed ? sealed.decipher.update(plain) : plain);
    }
  } finally {
    fs.closeSync(fd);
  }
  if (sealed) {
    let rest: Buffer;
    try {
      rest = sealed.decipher.final();
    } catch {
      throw corrupt();
    }
    if (rest.length) onChunk(rest);
  }
}

/**
 * The first `maxBytes` of an upload (decrypted), for a preview that must not hold a large file
 * whole: `whole` says whether that is all of it. A sealed file is still read to its end, so its
 * check runs and a file changed on disk is refused here too; only the head is kept.
 */
export async function readUploadHead(f: { path: string; key: string | null }, maxBytes: number): Promise<{ bytes: Buffer; whole: boolean }> {
  if (!f.key) {
    const fd = fs.openSync(f.path, 'r');
    try {
      const size = fs.fstatSync(fd).size;
      const buf = Buffer.alloc(Math.min(size, maxBytes));
      let got = 0;
      while (got < buf.length) {
        const n = fs.readSync(fd, buf, got, buf.length - got, got);
        if (n === 0) break;
        got += n;
      }
      return { bytes: buf.subarray(0, got), whole: got >= size };
    } finally {
      fs.closeSync(fd);
    }
  }
  const parts: Buffer[] = [];
  let kept = 0;
  let total = 0;
  for await (const chunk of uploadStream(f)) {
    const c = chunk as Buffer;
    total += c.length;
    if (kept < maxBytes) {
      const part = c.subarray(0, maxBytes - kept);
      parts.push(part);
      kept += part.length;
    }
  }
  return { bytes: Buffer.concat(parts), whole: total <= maxBytes };
}

/** The upload's bytes, whole (decrypted and checked). */
export function readUpload(f: { path: string; key: string | null }): Buffer {
  const b = fs.readFileSync(f.path);
  if (!f.key) return b;
  if (b.length < HEAD + TAG || !b.subarray(0, SEALED.length).equals(SEALED)) throw corrupt();
  const d = createDecipheriv('aes-256-gcm', Buffer.from(f.key, 'hex'), b.subarray(SEALED.length, HEAD));
  d.setAuthTag(b.subarray(b.length - TAG));
  try {
    return Buffer.concat([d.update(b.subarray(HEAD, b.length - TAG)), d.final()]);
  } catch {
    throw corrupt();
  }
}

/**
 * The person lets their own upload go (they chose another file, or started again): false when it is
 * not here (already imported, expired) or not theirs, which is no one else's business either.
 */
export function discardUpload(ctx: Ctx, uploadId: string): boolean {
  const actor = requireActor(ctx);
  const u = uploads.get(uploadId);
  if (!u || u.ownerId !== actor.id) return false;
  releaseUpload(uploadId);
  return true;
}

/** Forgets an upload and removes its file (when it is our copy). */
export function releaseUpload(uploadId: string): void {
  const u = uploads.get(uploadId);
  if (!u) return;
  uploads.delete(uploadId);
  if (u.timer) clearTimeout(u.timer);
  if (u.temp) fs.rmSync(u.path, { force: true });
}
