/**
 * Evidence files and knowledge articles' pictures on the device's side of sync (protocol in
 * shared/sync/blobs.ts): after a pass's
 * records are pushed and pulled, files this device holds that the server lacks are uploaded in
 * chunks (resuming where the server's copy of an interrupted upload stops), and files named by
 * pulled evidence records that this device lacks are downloaded and checked against their hash.
 * Until then such evidence shows as "not yet downloaded".
 */
import type Database from 'better-sqlite3';
import { BLOB_CHUNK_BYTES, MAX_BLOB_BYTES_PER_SYNC } from '../../shared/sync/blobs';
import { sha256Hex, type BlobStore } from '../services/evidence/blobs';
import { writeGate } from '../db/write-gate';
import { SyncHttpError, type SyncTransport } from './transport';

export interface BlobSyncResult {
  uploaded: number;
  uploadedBytes: number;
  downloaded: number;
  /** Files still to come: not uploaded by their device yet, or left for the next pass. */
  waiting: number;
  /** Files this device holds whose bytes no longer match their name: never uploaded. */
  corrupt: string[];
}

/** A picture in an article's Markdown names its blob: `![alt](blob:<sha256>)`. */
const ARTICLE_PICTURE = /blob:([0-9a-f]{64})/g;

/**
 * Hashes named by live evidence records and by the pictures of live knowledge articles, each with
 * whether the server is known to hold it (evidence_blobs_synced keeps every synced blob's hash).
 */
function named(sqlite: Database.Database): { sha256: string; synced: number }[] {
  const out = sqlite
    .prepare(
      `SELECT e.sha256, (s.sha256 IS NOT NULL) AS synced FROM evidence e LEFT JOIN evidence_blobs_synced s ON s.sha256 = e.sha256
       WHERE e.deleted_hlc IS NULL GROUP BY e.sha256 ORDER BY min(e.created_at)`,
    )
    .all() as { sha256: string; synced: number }[];
  const seen = new Set(out.map((b) => b.sha256));
  const synced = sqlite.prepare('SELECT 1 FROM evidence_blobs_synced WHERE sha256 = ?').pluck();
  const bodies = sqlite.prepare("SELECT body FROM kb_articles WHERE deleted_hlc IS NULL AND instr(body, 'blob:') > 0 ORDER BY created_at").pluck().all() as string[];
  for (const body of bodies) {
    for (const m of body.matchAll(ARTICLE_PICTURE)) {
      const sha = m[1]!;
      if (seen.has(sha)) continue;
      seen.add(sha);
      out.push({ sha256: sha, synced: synced.get(sha) ? 1 : 0 });
    }
  }
  return out;
}

async function markSynced(sqlite: Database.Database, sha: string, at: string): Promise<void> {
  await writeGate(sqlite).exclusive(() =>
    sqlite.prepare('INSERT OR IGNORE INTO evidence_blobs_synced (sha256, at) VALUES (?, ?)').run(sha, at),
  );
}

/** Uploads one blob, resuming at the server's offset; true when the server holds it whole. */
export async function uploadBlob(t: SyncTransport, sha: string, bytes: Uint8Array): Promise<boolean> {
  let st = await t.blobStatus!(sha);
  if (st.stored) return true;
  let offset = st.size === bytes.length ? st.received : 0;
  for (let guard = 0; guard < 10_000; guard++) {
    const chunk = bytes.subarray(offset, Math.min(bytes.length, offset + BLOB_CHUNK_BYTES));
    try {
      st = await t.uploadBlob!(sha, bytes.length, offset, chunk);
    } catch (e) {
      // The server holds another part than we thought (an earlier reply was lost): resume there.
      if (e instanceof SyncHttpError && e.code === 'wrong_offset') {
        st = await t.blobStatus!(sha);
        if (st.stored) return true;
        offset = st.size === bytes.length ? st.received : 0;
        continue;
      }
      throw e;
    }
    if (st.stored) return true;
    offset = st.received;
  }
  return false;
}

export async function syncBlobs(
  sqlite: Database.Database,
  blobs: BlobStore,
  t: SyncTransport,
  nowIso: () => string,
): Promise<BlobSyncResult> {
  const out: BlobSyncResult = { uploaded: 0, uploadedBytes: 0, downloaded: 0, waiting: 0, corrupt: [] };
  if (!t.blobStatus || !t.uploadBlob || !t.downloadBlob) return out;
  for (const b of named(sqlite)) {
    if (b.synced) {
      if (!blobs.has(b.sha256)) out.waiting++;
      continue;
    }
    const bytes = blobs.read(b.sha256);
    if (bytes) {
      if (sha256Hex(bytes) !== b.sha256) {
        out.corrupt.push(b.sha256);
        continue;
      }
      if (out.uploadedBytes + bytes.length > MAX_BLOB_BYTES_PER_SYNC && out.uploadedBytes > 0) {
        out.waiting++;
        continue;
      }
      if (await uploadBlob(t, b.sha256, bytes)) {
        out.uploaded++;
        out.uploadedBytes += bytes.length;
        await markSynced(sqlite, b.sha256, nowIso());
      }
      continue;
    }
    try {
      const got = await t.downloadBlob(b.sha256);
      // A file that does not hash to its name is never kept as the evidence.
      if (sha256Hex(got) !== b.sha256) {
        out.waiting++;
        continue;
      }
      blobs.write(got);
      out.downloaded++;
      await markSynced(sqlite, b.sha256, nowIso());
    } catch (e) {
      // Not uploaded yet by the device that added it, or (a record since moved away) not ours to read.
      if (e instanceof SyncHttpError && (e.status === 404 || e.status === 403)) out.waiting++;
      else throw e;
    }
  }
  return out;
}
