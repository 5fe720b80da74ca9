import { z } from 'zod';

export const id = z.string().uuid({ message: 'Must be a record id (UUID).' });
export const trimmed = (max: number, label: string) =>
  z
    .string()
    .trim()
    .min(1, { message: `${label} is required.` })
    .max(max, { message: `${label} must be at most ${max} characters.` });
export const optionalText = (max: number) => z.string().max(max).optional();
export const limit = z.number().int().min(1).max(500).default(50);
export const empty = z.object({}).strict().default({});

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/**
 * A file sent ahead through the streaming upload (browser host: POST /upload) or picked on the
 * desktop and read by the main process: imports name it instead of carrying the bytes in the call.
 */
export const uploadId = z.string().regex(/^up_[0-9a-f]{32}$/, { message: 'Not an upload id; upload the file again.' });

/** The largest file an import takes (a full ServiceNow or asset export fits many times over). */
export const UPLOAD_MAX_BYTES = 512 * 1024 * 1024;

/** The size refusal, in the words both the page (before sending) and the host (while receiving) use. */
export const uploadTooLarge = (maxBytes: number) =>
  `The file is larger than ${maxBytes >= 1024 * 1024 ? `${Math.round(maxBytes / (1024 * 1024))} MB` : `${Math.ceil(maxBytes / 1024)} KB`}.`;

/** What the streaming upload answers. */
export interface UploadReceipt {
  uploadId: string;
  /** Bytes received. */
  size: number;
}
