/** Browser-side file helpers: read a picked file as text (UTF-8 or Latin-1) and offer content as a download. */

export interface ReadText {
  text: string;
  /** What the bytes were decoded as, shown to the user so a wrong guess is visible. */
  encoding: 'utf-8' | 'windows-1252';
  bytes: number;
}

/**
 * Decodes strictly as UTF-8 first (a BOM is dropped); bytes that are not valid UTF-8 are taken
 * as Latin-1 (Windows-1252, its superset that Excel writes), the usual source of such files.
 */
export function decodeBytes(buf: ArrayBuffer): ReadText {
  const bytes = new Uint8Array(buf);
  try {
    const text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
    return { text, encoding: 'utf-8', bytes: bytes.length };
  } catch {
    return { text: new TextDecoder('windows-1252').decode(bytes), encoding: 'windows-1252', bytes: bytes.length };
  }
}

export async function readFileText(file: File): Promise<ReadText> {
  return decodeBytes(await file.arrayBuffer());
}

/** Saves what `url` (same origin, or a blob) holds under `filename` through a temporary link: the browser's download manager streams it to disk. */
export function downloadUrl(url: string, filename: string): void {
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  a.rel = 'noopener';
  document.body.appendChild(a);
  a.click();
  a.remove();
}

/** Saves `data` under `filename` through a temporary link (works in Electron and the browser). */
export function downloadBlob(data: Blob, filename: string): void {
  const url = URL.createObjectURL(data);
  downloadUrl(url, filename);
  // Revoke later: Chromium reads the blob asynchronously after click().
  setTimeout(() => URL.revokeObjectURL(url), 30_000);
}

export function downloadText(text: string, filename: string, mime = 'text/csv;charset=utf-8'): void {
  downloadBlob(new Blob([text], { type: mime }), filename);
}

export function base64ToBytes(b64: string): Uint8Array<ArrayBuffer> {
  const bin = atob(b64);
  const out = new Uint8Array(new ArrayBuffer(bin.length));
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

export function downloadBase64(b64: string, filename: string, mime: string): void {
  downloadBlob(new Blob([base64ToBytes(b64)], { type: mime }), filename);
}

/** A file name with today's date, e.g. assets-2026-11-28.csv. */
export function datedName(stem: string, ext: string): string {
  const d = new Date();
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${stem}-${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}.${ext}`;
}

/** base64 of raw bytes in chunks: String.fromCharCode on a whole large file overflows the stack. */
export function bytesToBase64(bytes: Uint8Array): string {
  let bin = '';
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(bin);
}
