/**
 * Knowledge articles' pictures (docs/knowledge.md, "Pictures"): a picture is a file of the store's
 * blob store named in an article's Markdown as `![description](blob:<sha256>)`, taken in as a
 * picture (added through "Add a picture", or downloaded as that article's picture) and served only
 * as a picture of an article the reader may read: never any other file the store holds (evidence).
 */

/** The picture types an article may show, told from the bytes, never from a name or a header. SVG is not one: it can carry script. */
export const KB_IMAGE_TYPES = ['image/png', 'image/jpeg', 'image/gif', 'image/webp'] as const;
export type KbImageType = (typeof KB_IMAGE_TYPES)[number];
export const KB_MAX_IMAGE_BYTES = 5 * 1024 * 1024;

const latin1 = (b: Uint8Array, from: number, to: number) => String.fromCharCode(...b.subarray(from, to));
const PNG = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** The picture type the first bytes say, or null for anything else (SVG, HTML, PDF, …). */
export function pictureType(b: Uint8Array): KbImageType | null {
  if (b.length >= 8 && PNG.every((x, i) => b[i] === x)) return 'image/png';
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'image/jpeg';
  if (b.length >= 6 && (latin1(b, 0, 6) === 'GIF87a' || latin1(b, 0, 6) === 'GIF89a')) return 'image/gif';
  if (b.length >= 12 && latin1(b, 0, 4) === 'RIFF' && latin1(b, 8, 12) === 'WEBP') return 'image/webp';
  return null;
}

/** The hashes of the pictures a Markdown body shows (`blob:<sha256>`), each once, in order. */
export function picturesIn(body: string): string[] {
  return [...new Set([...body.matchAll(/blob:([0-9a-f]{64})/g)].map((m) => m[1]!))];
}
