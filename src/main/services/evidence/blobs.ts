/**
 * The device's evidence blob store: files kept by their SHA-256 under `blobs/` beside the local
 * store, written once (a temp file renamed into place), never changed. Everything that touches
 * evidence bytes goes through this one module (write, read, has, verify), so encryption at rest can
 * wrap it without anyone else changing.
 */
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { SHA256_HEX } from '../../../shared/sync/blobs';

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

export function openBlobStore(dir: string): BlobStore {
  const fileOf = (sha: string) => {
    if (!SHA256_HEX.test(sha)) throw new Error(`"${sha}" is not a SHA-256.`);
    return path.join(dir, sha.slice(0, 2), sha);
  };
  const has = (sha: string) => fs.existsSync(fileOf(sha));
  const read = (sha: string) => {
    try {
      return fs.readFileSync(fileOf(sha));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw e;
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
        fs.writeFileSync(tmp, bytes);
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

/** The blob store beside a local store file (`<data dir>/blobs`). */
export function blobStoreOf(store: { path: string }): BlobStore {
  return openBlobStore(path.join(path.dirname(path.resolve(store.path)), 'blobs'));
}
