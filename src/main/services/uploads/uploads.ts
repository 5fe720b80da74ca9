/**
 * Files handed to the main process ahead of the call that reads them: the browser host streams a
 * large upload to a temporary file (POST /upload), the desktop shell registers the file a person
 * picked; an import then names the upload instead of carrying the bytes in its call, so a 200 MB
 * export is never held in a request body or a base64 string. An upload belongs to the person who
 * sent it, and a temporary one is removed when its import is done or after an hour unused.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Transform, type Readable } from 'node:stream';
import { AppError } from '../../../shared/result';
import type { UploadReceipt } from '../../../shared/api/common';
import type { Ctx } from '../core/context';
import { requireActor } from '../core/write';

/** Big enough for a full ServiceNow or asset export (the 120k-event export is 39 MB). */
export const MAX_UPLOAD_BYTES = 512 * 1024 * 1024;
const KEEP_MS = 60 * 60_000;

interface Upload {
  path: string;
  ownerId: string;
  size: number;
  /** A temporary copy we made (removed when done), or a file the person picked (left alone). */
  temp: boolean;
  timer: NodeJS.Timeout | null;
}

const uploads = new Map<string, Upload>();
let dir: string | null = null;

function uploadDir(): string {
  dir ??= fs.mkdtempSync(path.join(os.tmpdir(), 'outpost-uploads-'));
  return dir;
}

function register(ownerId: string, file: string, size: number, temp: boolean): UploadReceipt {
  const uploadId = `up_${crypto.randomBytes(16).toString('hex')}`;
  const u: Upload = { path: file, ownerId, size, temp, timer: null };
  u.timer = setTimeout(() => releaseUpload(uploadId), KEEP_MS);
  u.timer.unref();
  uploads.set(uploadId, u);
  return { uploadId, size };
}

/** A file the person picked on the desktop (read in place, never removed). */
export function registerPickedFile(ownerId: string, file: string): UploadReceipt {
  const st = fs.statSync(file);
  if (!st.isFile()) throw new AppError('invalid_input', 'Pick a file, not a folder.');
  return register(ownerId, file, st.size, false);
}

/**
 * Streams a request body to a temporary file, refusing more than `max` bytes (the partial file is
 * removed). Memory stays at the stream's buffers whatever the size.
 */
export async function receiveUpload(body: Readable, ownerId: string, max = MAX_UPLOAD_BYTES): Promise<UploadReceipt> {
  const file = path.join(uploadDir(), `${crypto.randomBytes(12).toString('hex')}.part`);
  let size = 0;
  const limit = new Transform({
    transform(chunk: Buffer, _enc, done) {
      size += chunk.length;
      if (size > max) done(new AppError('invalid_input', `The file is larger than ${Math.round(max / 1024 / 1024)} MB.`));
      else done(null, chunk);
    },
  });
  try {
    await pipeline(body, limit, fs.createWriteStream(file, { mode: 0o600 }));
  } catch (e) {
    fs.rmSync(file, { force: true });
    throw e;
  }
  return register(ownerId, file, size, true);
}

/** The file behind an upload, for the person who sent it. */
export function uploadFile(ctx: Ctx, uploadId: string): { path: string; size: number } {
  const actor = requireActor(ctx);
  const u = uploads.get(uploadId);
  if (!u || u.ownerId !== actor.id) throw new AppError('not_found', 'That upload is not here any more (uploads are kept for an hour); upload the file again.');
  return { path: u.path, size: u.size };
}

/** Forgets an upload and removes its temporary file. */
export function releaseUpload(uploadId: string): void {
  const u = uploads.get(uploadId);
  if (!u) return;
  uploads.delete(uploadId);
  if (u.timer) clearTimeout(u.timer);
  if (u.temp) fs.rmSync(u.path, { force: true });
}
