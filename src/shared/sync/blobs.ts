/**
 * The evidence blob protocol between a device and the central server (docs/grc-evidence.md):
 * files are named by their SHA-256, uploaded in chunks that can resume at the offset the server
 * already holds, stored once whoever uploads them, checked against their name when the last byte
 * arrives, and downloaded only by devices whose user may read an evidence record naming them.
 */

/** The largest evidence file (a photo, an export, a PDF). */
export const MAX_EVIDENCE_FILE_BYTES = 25 * 1024 * 1024;
/** The most one upload request (one push of a chunk) may carry; the server answers 413 above it. */
export const MAX_BLOB_PUSH_BYTES = 4 * 1024 * 1024;
/** What a device sends per upload request. */
export const BLOB_CHUNK_BYTES = 1024 * 1024;
/** At most this many bytes of evidence are uploaded per sync pass; the rest goes on the next pass. */
export const MAX_BLOB_BYTES_PER_SYNC = 64 * 1024 * 1024;

export const SHA256_HEX = /^[0-9a-f]{64}$/;

/** The server's answer about one blob: stored whole, or how many bytes of an upload it holds. */
export interface BlobStatus {
  sha256: string;
  stored: boolean;
  /** Bytes of this device's unfinished upload the server holds (the offset to resume from); the size when stored. */
  received: number;
  size: number | null;
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}
