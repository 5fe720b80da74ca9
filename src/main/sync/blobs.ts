/**
 * Evidence files and knowledge articles' pictures on the device's side of sync (protocol in
 * shared/sync/blobs.ts): after a pass's records are pushed and pulled, files this device holds that
 * the server lacks are uploaded in chunks (resuming where the server's copy of an interrupted upload
 * stops), and files named by pulled records that this device lacks are downloaded and checked
 * against their hash. Until then such evidence shows as "not yet downloaded". A picture travels as
 * the picture of one article: uploaded for each article that shows it, downloaded for an article.
 */
import type Database from 'better-sqlite3';
import { BLOB_CHUNK_BYTES, MAX_BLOB_BYTES_PER_SYNC } from '../../shared/sync/blobs';
import { sha256Hex, type BlobStore } from '../services/evidence/blobs';
import { writeGate } from '../db/write-gate';
import { pictureType, picturesIn, type KbImageType } from '../../shared/kb/pictures';
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

/** A file to bring level with the server: evidence (`articleId` ''), or a picture of one article. */
interface Named {
  sha256: string;
  articleId: string;
  synced: boolean;
}

/**
 * Files named by live evidence records, then the pictures of live knowledge articles (one entry per
 * article showing a picture: the server holds a picture for the article it was uploaded for), each
 * with whether the server is known to hold it so (synced_blobs).
 */
function named(sqlite: Database.Database): Named[] {
  const out = (
    sqlite
      .prepare(
        `SELECT e.sha256, (s.sha256 IS NOT NULL) AS synced FROM evidence e LEFT JOIN synced_blobs s ON s.sha256 = e.sha256 AND s.article_id = ''
         WHERE e.deleted_hlc IS NULL GROUP BY e.sha256 ORDER BY min(e.created_at)`,
      )
      .all() as { sha256: string; synced: number }[]
  ).map((b) => ({ sha256: b.sha256, articleId: '', synced: b.synced === 1 }));
  const synced = sqlite.prepare('SELECT 1 FROM synced_blobs WHERE sha256 = ? AND article_id = ?').pluck();
  const articles = sqlite.prepare("SELECT id, body FROM kb_articles WHERE deleted_hlc IS NULL AND instr(body, 'blob:') > 0 ORDER BY created_at").all() as { id: string; body: string }[];
  for (const a of articles) for (const sha of picturesIn(a.body)) out.push({ sha256: sha, articleId: a.id, synced: !!synced.get(sha, a.id) });
  return out;
}

async function markSynced(sqlite: Database.Database, b: Named, at: string, picture: KbImageType | null): Promise<void> {
  await writeGate(sqlite).exclusive(() =>
    sqlite.transaction(() => {
      sqlite.prepare('INSERT OR IGNORE INTO synced_blobs (sha256, article_id, at) VALUES (?, ?, ?)').run(b.sha256, b.articleId, at);
      // Downloaded as an article's picture: from now on this device shows it as one.
      if (picture) sqlite.prepare('INSERT OR IGNORE INTO kb_picture_blobs (sha256, media_type, at) VALUES (?, ?, ?)').run(b.sha256, picture, at);
    })(),
  );
}

/** Whether the refusal means "not for you, or not there yet": the file waits for a later pass. */
const waits = (e: unknown) => e instanceof SyncHttpError && (e.status === 404 || e.status === 403);
/** A picture the server would not take for that article (not theirs to write, not there yet, not a picture): never a reason to stop syncing. */
const pictureRefused = (e: unknown) => waits(e) || (e instanceof SyncHttpError && e.status === 422);

/** Uploads one blob, resuming at the server's offset; true when the server holds it whole. */
export async function uploadBlob(t: SyncTransport, sha: string, bytes: Uint8Array, articleId?: string): Promise<boolean> {
  let st = await t.blobStatus!(sha, articleId);
  if (st.stored) return true;
  let offset = st.size === bytes.length ? st.received : 0;
  for (let guard = 0; guard < 10_000; guard++) {
    const chunk = bytes.subarray(offset, Math.min(bytes.length, offset + BLOB_CHUNK_BYTES));
    try {
      st = await t.uploadBlob!(sha, bytes.length, offset, chunk, articleId);
    } catch (e) {
      // The server holds another part than we thought (an earlier reply was lost): resume there.
      if (e instanceof SyncHttpError && e.code === 'wrong_offset') {
        st = await t.blobStatus!(sha, articleId);
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
  const isPicture = sqlite.prepare('SELECT 1 FROM kb_picture_blobs WHERE sha256 = ?').pluck();
  for (const b of named(sqlite)) {
    if (b.synced) {
      if (!blobs.has(b.sha256)) out.waiting++;
      continue;
    }
    const bytes = blobs.read(b.sha256);
    // A picture is uploaded for an article only from the pictures this device took in as such: a file
    // held as evidence is never sent as a picture, whatever an article names.
    if (bytes && (!b.articleId || isPicture.get(b.sha256))) {
      if (sha256Hex(bytes) !== b.sha256) {
        out.corrupt.push(b.sha256);
        continue;
      }
      if (out.uploadedBytes + bytes.length > MAX_BLOB_BYTES_PER_SYNC && out.uploadedBytes > 0) {
        out.waiting++;
        continue;
      }
      try {
        if (await uploadBlob(t, b.sha256, bytes, b.articleId || undefined)) {
          out.uploaded++;
          out.uploadedBytes += bytes.length;
          await markSynced(sqlite, b, nowIso(), null);
        }
        continue;
      } catch (e) {
        // A picture this person may not upload for that article (an auditor's copy, an article the
        // server does not hold yet): fetched below if someone uploaded it for that article.
        if (!(b.articleId && pictureRefused(e))) throw e;
      }
    }
    try {
      const got = await t.downloadBlob(b.sha256, b.articleId || undefined);
      // A file that does not hash to its name is never kept; a picture must be one.
      const picture = b.articleId ? pictureType(got) : null;
      if (sha256Hex(got) !== b.sha256 || (b.articleId && !picture)) {
        out.waiting++;
        continue;
      }
      if (!bytes) {
        blobs.write(got);
        out.downloaded++;
      }
      await markSynced(sqlite, b, nowIso(), picture);
    } catch (e) {
      // Not uploaded yet by the device that added it, or (a record since moved away) not ours to read.
      if (waits(e)) out.waiting++;
      else throw e;
    }
  }
  return out;
}
