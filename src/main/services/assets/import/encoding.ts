/**
 * Which encoding a file is in, and text that was UTF-8 read as Windows-1252 somewhere before it
 * reached us ("Lutsâ€™k"), put right on request. chardet guesses; iconv-lite decodes.
 */
import chardet from 'chardet';
import iconv from 'iconv-lite';
import type { ImportEncoding } from '../../../../shared/api/assets';
import { ownCopy } from '../../core/own-string';

export interface Decoded {
  text: string;
  encoding: ImportEncoding;
  /** True when the person chose the encoding rather than the importer. */
  chosen: boolean;
}

const SINGLE_BYTE: ImportEncoding[] = ['windows-1252', 'macintosh'];
/** Characters that only turn up in Mac Roman misreadings of Western text (maths, spacing accents, ligatures). */
const RARE = /[∂∑∏π∫Ω≈∆◊√≠≤≥∞ﬁﬂıˆ˜¯˘˙˚¸˝˛ˇ⁄‡·‚„‰]/u;
const LETTER = /\p{L}/u;
const ASCII_LETTER = /[A-Za-z]/;

/**
 * How plausible a decoding of Western text is: letters inside words score, control characters
 * and replacement marks (bytes the encoding does not define) cost a lot, maths symbols cost a little.
 */
export function plausibility(text: string): number {
  let score = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) continue;
    const ch = text[i]!;
    if ((c >= 0x80 && c <= 0x9f) || c === 0xfffd) score -= 10;
    else if (RARE.test(ch)) score -= 2;
    else if (LETTER.test(ch) || ch === '\u2019') {
      const prev = text[i - 1] ?? '';
      const next = text[i + 1] ?? '';
      if (ASCII_LETTER.test(prev) || ASCII_LETTER.test(next)) score += 1;
    }
  }
  return score;
}

/**
 * iconv-lite's Mac Roman is Apple's table from before 1998, with ¤ at 0xDB; since Mac OS 8.5 (and
 * in every Excel for Mac file) 0xDB is the euro sign.
 */
function decodeSingle(buf: Buffer, enc: 'windows-1252' | 'iso-8859-1' | 'macintosh' | 'utf-16le' | 'utf-16be'): string {
  const text = iconv.decode(buf, enc === 'iso-8859-1' ? 'latin1' : enc);
  return enc === 'macintosh' ? text.replace(/\u00a4/g, '\u20ac') : text;
}

function hasUtf16Shape(bytes: Uint8Array): 'utf-16le' | 'utf-16be' | null {
  // ASCII-heavy text in UTF-16 without a BOM: every other byte is zero.
  const n = Math.min(bytes.length - (bytes.length % 2), 4096);
  if (n < 8) return null;
  let evenZero = 0;
  let oddZero = 0;
  for (let i = 0; i < n; i += 2) {
    if (bytes[i] === 0) evenZero++;
    if (bytes[i + 1] === 0) oddZero++;
  }
  const pairs = n / 2;
  if (oddZero > pairs * 0.6 && evenZero < pairs * 0.05) return 'utf-16le';
  if (evenZero > pairs * 0.6 && oddZero < pairs * 0.05) return 'utf-16be';
  return null;
}

function isUtf8(bytes: Uint8Array): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return true;
  } catch {
    return false;
  }
}

/** The encoding of raw file bytes (or of a file's head): BOMs, then valid UTF-8, then chardet's guess weighed against Mac Roman. */
export function detectEncoding(bytes: Uint8Array, opts: { notUtf8?: boolean } = {}): ImportEncoding {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return 'utf-8-bom';
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return 'utf-16le';
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return 'utf-16be';
  const sixteen = hasUtf16Shape(bytes);
  if (sixteen) return sixteen;
  // `notUtf8`: these bytes are a sample of a file known to break UTF-8 further on.
  if (!opts.notUtf8 && isUtf8(bytes)) return 'utf-8';
  const guess = (chardet.detect(bytes) ?? '').toLowerCase();
  if (guess === 'utf-16le' || guess === 'utf-16be') return guess;
  // chardet knows no Mac Roman, and calls any Western single-byte file Windows-1252 or ISO-8859-1:
  // compare how each reads (Excel for Mac still writes Mac Roman).
  let best: ImportEncoding = 'windows-1252';
  let bestScore = -Infinity;
  for (const enc of SINGLE_BYTE) {
    const s = plausibility(decodeSingle(Buffer.from(bytes), enc as 'windows-1252' | 'macintosh'));
    if (s > bestScore) [best, bestScore] = [enc, s];
  }
  if (best === 'windows-1252' && !bytes.some((b) => b >= 0x80 && b <= 0x9f)) return 'iso-8859-1';
  return best;
}

/** Decodes bytes as `encoding` (chosen by the person) or as detected. A BOM is never part of the text. */
export function decodeAs(bytes: Uint8Array, encoding?: ImportEncoding): Decoded {
  const enc = encoding ?? detectEncoding(bytes);
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let text: string;
  if (enc === 'utf-8' || enc === 'utf-8-bom') text = new TextDecoder('utf-8').decode(buf);
  else text = decodeSingle(buf, enc);
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  return { text, encoding: enc, chosen: encoding !== undefined };
}

/** Windows-1252 byte for each character it defines above 0x7F (the inverse of its decoding). */
const CP1252_BYTE = new Map<string, number>();
for (let b = 0x80; b <= 0xff; b++) {
  const ch = iconv.decode(Buffer.from([b]), 'windows-1252');
  if (ch !== '\ufffd') CP1252_BYTE.set(ch, b);
}
/**
 * Bytes Windows-1252 leaves undefined (0x81, 0x8D, 0x8F, 0x90, 0x9D) pass through such a misreading
 * unchanged and then come out as whatever the file's own encoding puts there: Mac Roman Å ç è ê ù
 * ("Tučepi" → "TuÄçepi"), or the C1 control of the same number in Latin-1.
 */
const PASSED_THROUGH = new Map<string, number>([
  ['Å', 0x81],
  ['ç', 0x8d],
  ['è', 0x8f],
  ['ê', 0x90],
  ['ù', 0x9d],
  ['\u0081', 0x81],
  ['\u008d', 0x8d],
  ['\u008f', 0x8f],
  ['\u0090', 0x90],
  ['\u009d', 0x9d],
]);

/** Lead bytes of the UTF-8 forms a Windows-1252 misreading leaves: Ã Â Å Ä Ä etc., then one or two of €–¿. */
const SUSPECT =
  /[\u00c2-\u00f4][\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc\u2013-\u2026\u2030\u2039\u203a\u20ac\u2122\u00c5\u00e7\u00e8\u00ea\u00f9]/u;

/**
 * The text a value meant when it is UTF-8 that was read as Windows-1252 ("Saint-Ã‰tienne" →
 * "Saint-Étienne"), or null when it is not such a value (or is already right).
 */
export function repairMojibake(value: string): string | null {
  if (!SUSPECT.test(value)) return null;
  const bytes: number[] = [];
  let need = 0; // continuation bytes still expected by the UTF-8 sequence being rebuilt
  for (const ch of value) {
    const code = ch.codePointAt(0)!;
    let b: number | undefined;
    if (code < 0x80) b = code;
    else if (need > 0 && PASSED_THROUGH.has(ch)) b = PASSED_THROUGH.get(ch);
    else b = CP1252_BYTE.get(ch) ?? (code <= 0xff ? code : undefined);
    if (b === undefined) return null;
    bytes.push(b);
    if (need > 0 && b >= 0x80 && b <= 0xbf) need--;
    else if (b >= 0xc2 && b <= 0xdf) need = 1;
    else if (b >= 0xe0 && b <= 0xef) need = 2;
    else if (b >= 0xf0 && b <= 0xf4) need = 3;
    else need = 0;
  }
  try {
    const fixed = new TextDecoder('utf-8', { fatal: true }).decode(Uint8Array.from(bytes));
    return fixed !== value ? fixed : null;
  } catch {
    return null;
  }
}

export interface MojibakeReport {
  /** Distinct values that would change. */
  count: number;
  examples: { before: string; after: string }[];
}

const NON_ASCII = /[^ -~\t\r\n]/;

/** Every cell that is a misread UTF-8 value, counted once per distinct value. */
export function findMojibake(rows: string[][], headers: string[] = []): MojibakeReport | null {
  const finder = new MojibakeFinder();
  finder.add(headers);
  for (const r of rows) finder.add(r);
  return finder.report();
}

/** Values that are fine, remembered so a repeated one is not checked again; forgotten past this many. */
const FINE_KEPT = 10_000;

/**
 * findMojibake for rows that arrive a batch at a time (a file read as a stream). The misread values
 * are kept (as their own copies: each is one to repair), the fine ones only as a bounded cache.
 */
export class MojibakeFinder {
  private readonly misread = new Set<string>();
  private fine = new Set<string>();
  private readonly examples: { before: string; after: string }[] = [];

  add(r: string[]): void {
    for (const v of r) {
      // Plain ASCII (nearly every cell of a large file) cannot be misread UTF-8: no lookup, no cache.
      if (!v || !NON_ASCII.test(v) || this.fine.has(v) || this.misread.has(v)) continue;
      const fixed = repairMojibake(v);
      if (fixed === null) {
        if (this.fine.size >= FINE_KEPT) this.fine = new Set();
        this.fine.add(ownCopy(v));
        continue;
      }
      this.misread.add(ownCopy(v));
      if (this.examples.length < 8) this.examples.push({ before: ownCopy(v), after: fixed });
    }
  }

  report(): MojibakeReport | null {
    return this.misread.size ? { count: this.misread.size, examples: this.examples } : null;
  }
}

/** Applies repairMojibake to every cell (headers too). */
export function repairCells(rows: string[][]): string[][] {
  const cache = new Map<string, string>();
  return rows.map((r) =>
    r.map((v) => {
      if (!v) return v;
      let out = cache.get(v);
      if (out === undefined) cache.set(v, (out = repairMojibake(v) ?? v));
      return out;
    }),
  );
}

/** A few distinct values with non-ASCII characters, so a person can see the encoding is right. */
export function nonAsciiSample(rows: string[][], max = 8): string[] {
  const out = new Set<string>();
  for (const r of rows) if (!addNonAscii(out, r, max)) break;
  return [...out];
}

/** Adds a row's non-ASCII values to `out` until it holds `max`; false once it is full. */
export function addNonAscii(out: Set<string>, r: string[], max = 8): boolean {
  for (const v of r) {
    if (out.size >= max) return false;
    if (/[\u0080-\uffff]/.test(v)) out.add(ownCopy(v.length > 60 ? `${v.slice(0, 57)}…` : v));
  }
  return out.size < max;
}
