/**
 * The device's evidence blob store: files kept by their SHA-256 under `blobs/` beside the local
 * store, written once (a temp file renamed into place), never changed. Everything that touches
 * evidence bytes goes through this one module (write, read, has, verify), so encryption at rest can
 * wrap it without anyone else changing.
 */
import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { SHA256_HEX } from '../../../shared/sync/blobs';
import { faultPoint } from '../../db/fault-point';

export type BlobCheck = 'ok' | 'missing' | 'corrupt';

export interface BlobStore {
  readonly dir: string;
  /** Stores the bytes (once: an existing blob is kept) and returns their hash. */
  write(bytes: Uint8Array): { sha256: string; size: number };
  /** The bytes, or null when this device does not hold them. */
  read(sha256: string): Buffer | null;
  has(sha256: string): boolean;
  /** Whether the stored bytes still hash to their name. */
  verify(sha256: string): BlobCheck;
}

export const sha256Hex = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/** Encrypted blob files start with this, then a 12-byte nonce, the ciphertext and a 16-byte tag (AES-256-GCM). */
const SEALED = Buffer.from('OPB1', 'latin1');

/** The blobs' own key, derived from the store's key (HKDF-SHA256), so neither key is used twice for different things. */
function blobKey(storeKey: Buffer): Buffer {
  return Buffer.from(hkdfSync('sha256', storeKey, Buffer.alloc(0), 'outpost evidence blobs v1', 32));
}

function seal(key: Buffer, plain: Uint8Array): Buffer {
  const iv = randomBytes(12);
  const c = createCipheriv('aes-256-gcm', key, iv);
  const body = Buffer.concat([c.update(plain), c.final()]);
  return Buffer.concat([SEALED, iv, body, c.getAuthTag()]);
}

function open(key: Buffer, sealed: Buffer): Buffer {
  const iv = sealed.subarray(SEALED.length, SEALED.length + 12);
  const tag = sealed.subarray(sealed.length - 16);
  const d = createDecipheriv('aes-256-gcm', key, iv);
  d.setAuthTag(tag);
  return Buffer.concat([d.update(sealed.subarray(SEALED.length + 12, sealed.length - 16)), d.final()]);
}

/**
 * `storeKey`: the local store's key when it is encrypted at rest; blobs are then written encrypted
 * (AES-256-GCM, a fresh nonce each) and read back decrypted. A blob written before the store was
 * encrypted is still read as it is; a sealed blob that fails its tag reads as corrupt, never as data.
 */
export function openBlobStore(dir: string, storeKey: Buffer | null = null): BlobStore {
  const key = storeKey ? blobKey(storeKey) : null;
  const fileOf = (sha: string) => {
    if (!SHA256_HEX.test(sha)) throw new Error(`"${sha}" is not a SHA-256.`);
    return path.join(dir, sha.slice(0, 2), sha);
  };
  const has = (sha: string) => fs.existsSync(fileOf(sha));
  const raw = (sha: string) => {
    try {
      return fs.readFileSync(fileOf(sha));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw e;
    }
  };
  const read = (sha: string) => {
    const b = raw(sha);
    if (!b || !key || !b.subarray(0, SEALED.length).equals(SEALED)) return b;
    try {
      return open(key, b);
    } catch {
      // A changed file (or another key): its bytes are not handed out; verify() says corrupt.
      return Buffer.alloc(0);
    }
  };
  return {
    dir,
    has,
    read,
    write(bytes) {
      const sha256 = sha256Hex(bytes);
      const file = fileOf(sha256);
      if (!fs.existsSync(file)) {
        fs.mkdirSync(path.dirname(file), { recursive: true });
        const tmp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
        const fd = fs.openSync(tmp, 'w', 0o600);
        try {
          fs.writeSync(fd, key ? seal(key, bytes) : bytes);
          // On disk before it takes its name: a record naming it is committed only after this returns.
          fs.fsyncSync(fd);
        } finally {
          fs.closeSync(fd);
        }
        faultPoint('blob.written');
        fs.renameSync(tmp, file);
      }
      return { sha256, size: bytes.length };
    },
    verify(sha) {
      const b = read(sha);
      if (!b) return 'missing';
      return sha256Hex(b) === sha ? 'ok' : 'corrupt';
    },
  };
}

/** A file being written when a run was killed: never named by its hash, so never read. */
const LEFTOVER = /^[0-9a-f]{64}\.[0-9a-f]{12}\.tmp$/;

/** At start: removes the files a write killed before its rename left in the blob folder. Returns their names. */
export function settleBlobs(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  const gone: string[] = [];
  for (const e of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!e.isFile() || !LEFTOVER.test(e.name)) continue;
    fs.rmSync(path.join(e.parentPath, e.name), { force: true });
    gone.push(e.name);
  }
  return gone;
}

/** The blob store beside a local store file (`<data dir>/blobs`), encrypted with it when the store is. */
export function blobStoreOf(store: { path: string; key?: Buffer | null }): BlobStore {
  return openBlobStore(path.join(path.dirname(path.resolve(store.path)), 'blobs'), store.key ?? null);
}
