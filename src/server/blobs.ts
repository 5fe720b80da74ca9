/**
 * Blob routes (docs/grc-evidence.md, docs/knowledge.md): a device uploads a file named by its SHA-256
 * in chunks (PUT with the offset it resumes from), the server keeps one copy per hash whoever sends
 * it and checks the hash when the last byte arrives. An evidence file is downloaded only by a device
 * whose user may read an evidence record naming it (its site and role, by the same rules as pulls).
 * With `?article=<id>` the routes are a knowledge article's picture's: uploaded, every byte, by
 * someone who may write that article, and downloaded by someone who may read it (a requester: a
 * published public one), only as that article's picture; a file uploaded as evidence is never
 * served as a picture, whatever an article names.
 */
import { createHash } from 'node:crypto';
import type http from 'node:http';
import { MAX_BLOB_PUSH_BYTES, MAX_EVIDENCE_FILE_BYTES, SHA256_HEX, formatBytes, type BlobStatus } from '../shared/sync/blobs';
import { GLOBAL, mayRead } from '../shared/sync/access';
import { HttpError, resolvePrincipal } from './engine';
import type { Authenticated } from './auth';
import type { ServerStore, StoredRecord } from './store/types';
import { pictureOf, pictureHeaders } from './kb-pictures';
import { KB_MAX_IMAGE_BYTES, pictureType } from '../shared/kb/pictures';
import type { Principal } from '../shared/sync/access';

const BLOB_PATH = /^\/blobs\/([^/]+)(\/status)?$/;

/** Whether the path is a blob route (the HTTP handler hands those here). */
export const isBlobPath = (pathname: string) => pathname.startsWith('/blobs/');

/** Writers of evidence upload its files; requesters never hold evidence. */
const UPLOADERS = new Set(['admin', 'technician', 'auditor']);
/** Writers of knowledge articles upload their pictures. */
const PICTURE_UPLOADERS = new Set(['admin', 'technician']);

function readBytes(req: http.IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (c: Buffer) => {
      if (over) return;
      size += c.length;
      if (size > limit) {
        over = true;
        reject(
          new HttpError(413, 'too_large', `One upload request may carry at most ${formatBytes(limit)}; send the file in smaller chunks.`),
        );
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => {
      if (!over) resolve(Buffer.concat(chunks));
    });
    req.on('error', reject);
  });
}

function intParam(url: URL, name: string): number {
  const raw = url.searchParams.get(name);
  const n = raw === null ? NaN : Number(raw);
  if (!Number.isSafeInteger(n) || n < 0) throw new HttpError(400, 'invalid_input', `${name} must be a whole number of bytes ≥ 0.`);
  return n;
}

async function status(store: ServerStore, sha: string, deviceId: string): Promise<BlobStatus> {
  const size = await store.blobSize(sha);
  if (size !== null) return { sha256: sha, stored: true, received: size, size };
  const up = await store.blobUpload(sha, deviceId);
  return { sha256: sha, stored: false, received: up?.received ?? 0, size: up?.size ?? null };
}

/** Whether the record is in a site the person holds (or team-wide). */
const inSites = (p: Principal, r: StoredRecord) => r.scopeId === GLOBAL || p.sites === null || p.sites.includes(r.scopeId);

/** Whether the person may read at least one evidence record naming the blob, in a site they hold. */
async function mayDownload(store: ServerStore, auth: Authenticated, sha: string): Promise<boolean> {
  const named = await store.evidenceNaming(sha);
  if (!named.length) return false;
  const p = await resolvePrincipal(store, auth);
  return named.some((r) => inSites(p, r) && mayRead(p, r.entity, r.data, null));
}

/** A picture named by its article and hash: whatever is not there, not a picture of it or not the caller's to read is "not found". */
const noPicture = () => new HttpError(404, 'not_found', 'No such picture in an article you can read.');

/**
 * The article a picture is uploaded for, when the person may write its pictures: staff who hold its
 * site (technicians and administrators write articles). An article the server does not hold yet
 * (pushed later) or not theirs answers 404: the device tries again at a later sync.
 */
async function articleForUpload(store: ServerStore, auth: Authenticated, articleId: string): Promise<StoredRecord> {
  if (!PICTURE_UPLOADERS.has(auth.role)) throw new HttpError(403, 'forbidden', 'Your role does not write knowledge articles.');
  const a = (await store.readRecords([{ entity: 'kb_articles', id: articleId }])).get(`kb_articles/${articleId}`);
  if (!a || a.deletedHlc || !inSites(await resolvePrincipal(store, auth), a)) throw new HttpError(404, 'not_found', 'No such article on the server (yet) in your sites.');
  return a;
}

async function pictureStatus(store: ServerStore, sha: string, articleId: string, deviceId: string): Promise<BlobStatus> {
  if (await store.isArticlePicture(sha, articleId)) return { sha256: sha, stored: true, received: (await store.blobSize(sha)) ?? 0, size: await store.blobSize(sha) };
  const up = await store.blobUpload(sha, deviceId);
  return { sha256: sha, stored: false, received: up?.received ?? 0, size: up?.size ?? null };
}

export async function handleBlob(
  store: ServerStore,
  auth: Authenticated,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  url: URL,
  nowIso: string,
  send: (res: http.ServerResponse, status: number, body: unknown) => void,
): Promise<void> {
  const m = BLOB_PATH.exec(url.pathname);
  if (!m) throw new HttpError(404, 'not_found', `Nothing at ${req.method} ${url.pathname}.`);
  const sha = m[1]!;
  if (!SHA256_HEX.test(sha)) throw new HttpError(400, 'invalid_input', 'Blobs are named by their SHA-256: 64 lower-case hex digits.');
  const articleId = url.searchParams.get('article');
  if (articleId !== null && !/^[0-9A-Za-z-]{1,64}$/.test(articleId)) throw new HttpError(400, 'invalid_input', 'article must be an article id.');
  if (m[2]) {
    if (req.method !== 'GET') throw new HttpError(405, 'method_not_allowed', 'Ask for a blob’s status with GET.');
    if (articleId !== null) {
      await articleForUpload(store, auth, articleId);
      return send(res, 200, { ok: true, value: await pictureStatus(store, sha, articleId, auth.deviceId) });
    }
    if (!UPLOADERS.has(auth.role)) throw new HttpError(403, 'forbidden', 'Your role does not upload evidence.');
    return send(res, 200, { ok: true, value: await status(store, sha, auth.deviceId) });
  }
  if (req.method === 'GET' && articleId !== null) {
    const pic = await pictureOf(store, sha, articleId);
    const p = pic ? await resolvePrincipal(store, auth) : null;
    // 404 whatever the reason: a reader learns nothing of files or articles they may not read.
    if (!pic || !p || !inSites(p, pic.article) || !mayRead(p, 'kb_articles', pic.article.data, null)) throw noPicture();
    res.writeHead(200, pictureHeaders(pic, sha));
    res.end(pic.bytes);
    return;
  }
  if (req.method === 'GET') {
    // The same answer for "not stored" and "not yours": a device learns nothing of files it may not read.
    if (!(await mayDownload(store, auth, sha))) {
      throw new HttpError(
        403,
        'forbidden',
        'You may not download this file: no evidence record or article you can read (in your sites, for your role) names it.',
      );
    }
    const bytes = await store.readBlob(sha);
    if (!bytes)
      throw new HttpError(
        404,
        'not_uploaded',
        'The server does not hold this file yet; the device that added it has not uploaded it. It comes with a later sync.',
      );
    res.writeHead(200, {
      'content-type': 'application/octet-stream',
      'content-length': bytes.length,
      'cache-control': 'no-store',
      'x-content-sha256': sha,
    });
    res.end(bytes);
    return;
  }
  if (req.method !== 'PUT') throw new HttpError(405, 'method_not_allowed', 'Upload a blob with PUT, download it with GET.');
  if (articleId !== null) await articleForUpload(store, auth, articleId);
  else if (!UPLOADERS.has(auth.role)) throw new HttpError(403, 'forbidden', 'Your role does not upload evidence.');
  const size = intParam(url, 'size');
  const offset = intParam(url, 'offset');
  if (articleId !== null && size > KB_MAX_IMAGE_BYTES) {
    req.resume();
    throw new HttpError(413, 'too_large', `This picture is ${formatBytes(size)}; a picture is at most ${formatBytes(KB_MAX_IMAGE_BYTES)}.`);
  }
  if (size > MAX_EVIDENCE_FILE_BYTES) {
    req.resume();
    throw new HttpError(
      413,
      'too_large',
      `This file is ${formatBytes(size)}; an evidence file is at most ${formatBytes(MAX_EVIDENCE_FILE_BYTES)}.`,
    );
  }
  // Stored already (by this device or another): nothing to send again. A picture is stored for its
  // article only once its uploader sent every byte: knowing a hash (evidence) makes nothing a picture.
  if (articleId !== null ? await store.isArticlePicture(sha, articleId) : (await store.blobSize(sha)) !== null) {
    req.resume();
    return send(res, 200, { ok: true, value: articleId !== null ? await pictureStatus(store, sha, articleId, auth.deviceId) : await status(store, sha, auth.deviceId) });
  }
  const chunk = await readBytes(req, MAX_BLOB_PUSH_BYTES);
  if (offset + chunk.length > size)
    throw new HttpError(400, 'invalid_input', `The chunk runs past the file's size (${offset} + ${chunk.length} > ${size}).`);
  if (size > 0 && chunk.length === 0) throw new HttpError(400, 'invalid_input', 'The chunk is empty.');
  const appended = await store.appendBlobUpload(sha, auth.deviceId, size, offset, chunk, nowIso);
  if (!appended.ok) {
    throw new HttpError(
      409,
      'wrong_offset',
      `The server holds ${appended.received} bytes of this upload, not ${offset}; resume from ${appended.received}.`,
    );
  }
  if (appended.received < size)
    return send(res, 200, { ok: true, value: { sha256: sha, stored: false, received: appended.received, size } satisfies BlobStatus });
  const whole = await store.takeBlobUpload(sha, auth.deviceId);
  const got = whole ? createHash('sha256').update(whole).digest('hex') : '';
  if (!whole || got !== sha) {
    throw new HttpError(
      422,
      'hash_mismatch',
      `The uploaded file arrived corrupted: its bytes hash to ${got.slice(0, 16)}…, not ${sha.slice(0, 16)}…. It was not stored; upload it again from the start.`,
    );
  }
  if (articleId !== null) {
    if (!pictureType(whole)) {
      throw new HttpError(422, 'not_a_picture', 'An article’s picture must be a PNG, JPEG, GIF or WebP picture; this file is not. It was not stored.');
    }
    await store.saveArticlePicture(sha, articleId, whole, auth.userId, nowIso);
    return send(res, 200, { ok: true, value: { sha256: sha, stored: true, received: size, size } satisfies BlobStatus });
  }
  await store.saveBlob(sha, whole, nowIso);
  return send(res, 200, { ok: true, value: { sha256: sha, stored: true, received: size, size } satisfies BlobStatus });
}
