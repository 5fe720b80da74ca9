/**
 * Evidence blob routes (docs/grc-evidence.md): a device uploads a file named by its SHA-256 in
 * chunks (PUT with the offset it resumes from), the server keeps one copy per hash whoever sends it
 * and checks the hash when the last byte arrives; a download is served only to a device whose user
 * may read an evidence record or a knowledge article naming the blob (its site and role, by the same
 * rules as pulls).
 */
import { createHash } from 'node:crypto';
import type http from 'node:http';
import { MAX_BLOB_PUSH_BYTES, MAX_EVIDENCE_FILE_BYTES, SHA256_HEX, formatBytes, type BlobStatus } from '../shared/sync/blobs';
import { GLOBAL, mayRead } from '../shared/sync/access';
import { HttpError, resolvePrincipal } from './engine';
import type { Authenticated } from './auth';
import type { ServerStore } from './store/types';

const BLOB_PATH = /^\/blobs\/([^/]+)(\/status)?$/;

/** Whether the path is a blob route (the HTTP handler hands those here). */
export const isBlobPath = (pathname: string) => pathname.startsWith('/blobs/');

/** Writers of evidence upload its files; requesters never hold evidence. */
const UPLOADERS = new Set(['admin', 'technician', 'auditor']);

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

/**
 * Whether the person may read at least one record naming the blob, in a site they hold: an evidence
 * record, or a knowledge article that shows it as a picture (a requester: a published public one).
 */
async function mayDownload(store: ServerStore, auth: Authenticated, sha: string): Promise<boolean> {
  const named = [...(await store.evidenceNaming(sha)), ...(await store.articlesNaming(sha))];
  if (!named.length) return false;
  const p = await resolvePrincipal(store, auth);
  return named.some((r) => (r.scopeId === GLOBAL || p.sites === null || p.sites.includes(r.scopeId)) && mayRead(p, r.entity, r.data, null));
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
  if (m[2]) {
    if (req.method !== 'GET') throw new HttpError(405, 'method_not_allowed', 'Ask for a blob’s status with GET.');
    if (!UPLOADERS.has(auth.role)) throw new HttpError(403, 'forbidden', 'Your role does not upload evidence.');
    return send(res, 200, { ok: true, value: await status(store, sha, auth.deviceId) });
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
  if (!UPLOADERS.has(auth.role)) throw new HttpError(403, 'forbidden', 'Your role does not upload evidence.');
  const size = intParam(url, 'size');
  const offset = intParam(url, 'offset');
  if (size > MAX_EVIDENCE_FILE_BYTES) {
    req.resume();
    throw new HttpError(
      413,
      'too_large',
      `This file is ${formatBytes(size)}; an evidence file is at most ${formatBytes(MAX_EVIDENCE_FILE_BYTES)}.`,
    );
  }
  // Stored already (by this device or another): nothing to send again.
  if ((await store.blobSize(sha)) !== null) {
    req.resume();
    return send(res, 200, { ok: true, value: await status(store, sha, auth.deviceId) });
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
  await store.saveBlob(sha, whole, nowIso);
  return send(res, 200, { ok: true, value: { sha256: sha, stored: true, received: size, size } satisfies BlobStatus });
}
