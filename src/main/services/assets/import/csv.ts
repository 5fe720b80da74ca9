/**
 * Reading a CSV the way people actually send them: UTF-8 (with or without a BOM), UTF-16,
 * Windows-1252, Latin-1 or Mac Roman (see encoding.ts); LF / CRLF / old-Mac CR line ends;
 * comma / semicolon / tab delimiters.
 */
import Papa from 'papaparse';
import type { ImportEncoding, ImportError } from '../../../../shared/api/assets';
import { decodeAs, detectEncoding, type Decoded } from './encoding';
import { readUpload } from '../../uploads/uploads';
import { ownCopy } from '../../core/own-string';

export type { Decoded } from './encoding';

/**
 * Text handed over as a string. A string whose every code unit is a byte (≤ 0xFF) may be the raw
 * bytes of the file (a "binary string" reader): it is read as bytes, so UTF-8 inside is decoded;
 * a string with wider characters is already text.
 */
export function decodeText(content: string, encoding?: ImportEncoding): Decoded {
  if (content.charCodeAt(0) === 0xfeff) return { text: content.slice(1), encoding: 'utf-8-bom', chosen: false };
  let high = false;
  for (let i = 0; i < content.length; i++) {
    const c = content.charCodeAt(i);
    if (c > 0xff) return { text: content, encoding: 'utf-8', chosen: false };
    if (c >= 0x80) high = true;
  }
  if (!high) return { text: content, encoding: encoding ?? 'utf-8', chosen: encoding !== undefined };
  return decodeAs(Uint8Array.from(content, (ch) => ch.charCodeAt(0)), encoding);
}

/** The file's text: raw bytes (base64) decoded as chosen or detected, or text as given. */
export function decodeInput(input: { content?: string; contentBase64?: string; filePath?: string; fileKey?: string | null; encoding?: ImportEncoding }): Decoded {
  // A large file sent ahead (an upload, decrypted here when sealed) or picked on the desktop: read
  // here, never carried in a call.
  if (input.filePath !== undefined) return decodeAs(readUpload({ path: input.filePath, key: input.fileKey ?? null }), input.encoding);
  if (input.contentBase64 !== undefined) return decodeAs(Buffer.from(input.contentBase64, 'base64'), input.encoding);
  return decodeText(input.content ?? '', input.encoding);
}

/**
 * The head of a larger file cut after its last line end, so no row and no character is cut in two
 * (in UTF-16 a line end is two bytes, found on a character boundary).
 */
export function cutAfterLastLine(bytes: Buffer, encoding?: ImportEncoding): Buffer {
  const enc = encoding ?? detectEncoding(bytes);
  if (enc === 'utf-16le' || enc === 'utf-16be') {
    const le = enc === 'utf-16le';
    for (let i = bytes.length - (bytes.length % 2) - 2; i >= 0; i -= 2) {
      const unit = le ? bytes[i]! | (bytes[i + 1]! << 8) : (bytes[i]! << 8) | bytes[i + 1]!;
      if (unit === 0x0a || unit === 0x0d) return bytes.subarray(0, i + 2);
    }
    return bytes;
  }
  const i = Math.max(bytes.lastIndexOf(0x0a), bytes.lastIndexOf(0x0d));
  return i < 0 ? bytes : bytes.subarray(0, i + 1);
}

export function detectLineEnding(text: string): 'crlf' | 'lf' | 'cr' {
  const i = text.search(/[\r\n]/);
  if (i < 0) return 'lf';
  if (text[i] === '\r') return text[i + 1] === '\n' ? 'crlf' : 'cr';
  return 'lf';
}

export interface ParsedCsv {
  headers: string[];
  /** Data rows; rows[i] is file row i + 1 (the header is row 0). */
  rows: string[][];
  delimiter: string;
  lineEnding: 'crlf' | 'lf' | 'cr';
  errors: ImportError[];
}

/** Header text as matched against aliases: case, spacing, underscores and punctuation do not matter. */
export function headerKey(h: string): string {
  return h
    .replace(/^\uFEFF/, '')
    .trim()
    .toLowerCase()
    .replace(/[_\s]+/g, ' ')
    .replace(/\s*:\s*/g, ': ');
}

export function parseCsv(text: string): ParsedCsv {
  const lineEnding = detectLineEnding(text);
  // One line-end form for the parser; CRs inside quoted cells become LFs, which is what they meant.
  const normal = lineEnding === 'lf' ? text : text.replace(/\r\n?/g, '\n');
  const res = Papa.parse<string[]>(normal, { header: false, skipEmptyLines: 'greedy', delimitersToGuess: [',', ';', '\t', '|'] });
  const errors: ImportError[] = [];
  for (const e of res.errors) {
    // Papa's row index counts the header; ours does too (header = row 0).
    if (e.code === 'UndetectableDelimiter') continue;
    errors.push({ row: e.row ?? 0, column: '', message: e.code === 'MissingQuotes' ? 'A quoted value is never closed (a " is missing).' : e.message });
  }
  const [headers = [], ...rows] = res.data;
  if (!headers.length || headers.every((h) => !h.trim())) {
    errors.push({ row: 0, column: '', kind: 'header', message: 'The file is empty or has no header row.' });
  }
  return { headers: headers.map((h) => h.replace(/^\uFEFF/, '').trim()), rows, delimiter: res.meta.delimiter || ',', lineEnding, errors };
}

export interface ColumnMap<F extends string> {
  /** field → its (first) column index */
  index: Partial<Record<F, number>>;
  /** field → further columns giving the same field (a repeated header): the first non-empty value wins. */
  also: Partial<Record<F, number[]>>;
  recognised: Record<string, string>;
  ignored: string[];
  /** Header problems that stop the import (kind 'header'). */
  errors: ImportError[];
  /** What was done about the header row without stopping (blank headers, repeated columns). */
  notes: string[];
  /** Rows where repeated columns disagree: the value kept, per row. */
  warnings: ImportError[];
}

/** Warnings past this many are summed up in one line. */
const MAX_WARNINGS = 500;

/**
 * Resolves headers to fields through an alias table. A blank header is ignored with a note; a
 * field given by several columns (a repeated header, or two names for one thing) reads the first
 * non-empty value, noted once when they always agree, warned per row when they differ.
 * Which column gives which field: by header name through `aliases`, or, when the person mapped the
 * columns one by one, by position (null: ignored), so a repeated or blank header is mapped on its own.
 */
export function mapColumns<F extends string>(
  headers: string[],
  rows: string[][],
  aliases: Record<string, F> | readonly (F | null)[],
  required: F[],
  /** What a person calls a field (in notes and header problems). */
  fieldName: (f: F) => string = (f) => f,
): ColumnMap<F> {
  const m = columnMapper(headers, aliases, required, fieldName);
  rows.forEach((r, i) => m.observe(r, i + 1));
  m.finish();
  return m.map;
}

/**
 * mapColumns for rows that arrive a batch at a time (a large file read as a stream): the map (and
 * its header errors) at once, each row observed as it passes (blank columns holding values, repeated
 * columns that disagree), and the notes and warnings about them once `finish` is called.
 */
export function columnMapper<F extends string>(
  headers: string[],
  aliases: Record<string, F> | readonly (F | null)[],
  required: F[],
  fieldName: (f: F) => string = (f) => f,
): { map: ColumnMap<F>; observe(row: string[], rowNumber: number): void; finish(): void } {
  const byPosition = Array.isArray(aliases) ? (aliases as readonly (F | null)[]) : null;
  const named = new Map<string, number>();
  for (const h of headers) named.set(headerKey(h), (named.get(headerKey(h)) ?? 0) + 1);
  /** How a column is named in notes: its header, with its number when the header is blank or repeated. */
  const nameOf = (h: string, i: number) => (!headerKey(h) ? `Column ${i + 1}` : byPosition && named.get(headerKey(h))! > 1 ? `${h} (column ${i + 1})` : h);
  const index: Partial<Record<F, number>> = {};
  const also: Partial<Record<F, number[]>> = {};
  const recognised: Record<string, string> = {};
  const ignored: string[] = [];
  const errors: ImportError[] = [];
  const notes: string[] = [];
  const warnings: ImportError[] = [];
  const blank: number[] = [];
  headers.forEach((h, i) => {
    const key = headerKey(h);
    const field = byPosition ? (byPosition[i] ?? undefined) : key ? (aliases as Record<string, F>)[key] : undefined;
    if (!key && !field) {
      blank.push(i + 1);
      return;
    }
    const name = nameOf(h, i);
    if (!field) {
      if (!ignored.includes(name)) ignored.push(name);
      return;
    }
    if (index[field] === undefined) {
      index[field] = i;
      recognised[name] = field;
    } else {
      (also[field] ??= []).push(i);
      recognised[name] ??= field;
    }
  });
  for (const f of required) {
    if (index[f] === undefined) errors.push({ row: 0, column: '', kind: 'header', message: `The header row has no column for ${fieldName(f)}.` });
  }
  const map: ColumnMap<F> = { index, also, recognised, ignored, errors, notes, warnings };
  /** Blank-header columns (1-based) seen holding a value. */
  const blankWithData = new Set<number>();
  const repeated = (Object.keys(also) as F[]).map((f) => ({ f, cols: [index[f]!, ...also[f]!], differing: 0 }));
  let moreWarnings = 0;
  return {
    map,
    observe(r, row) {
      for (const c of blank) if (!blankWithData.has(c) && (r[c - 1] ?? '').trim() !== '') blankWithData.add(c);
      for (const rep of repeated) {
        const values = rep.cols.map((c) => (r[c] ?? '').trim());
        const filled = values.filter(Boolean);
        if (new Set(filled).size <= 1) continue;
        rep.differing++;
        if (warnings.length >= MAX_WARNINGS) {
          moreWarnings++;
          continue;
        }
        const detail = rep.cols.map((c, k) => `"${values[k]}" in column ${c + 1}`).join(', ');
        warnings.push({ row, column: headers[rep.cols[0]!] ?? '', message: ownCopy(`The repeated columns disagree: ${detail}. "${filled[0]}" is kept.`) });
      }
    },
    finish() {
      if (blank.length) {
        const withData = blank.filter((c) => blankWithData.has(c));
        notes.push(
          `${blank.length === 1 ? `Column ${blank[0]} has` : `Columns ${blank.join(', ')} have`} no header and ${blank.length === 1 ? 'is' : 'are'} ignored` +
            (withData.length ? ` (column${withData.length === 1 ? '' : 's'} ${withData.join(', ')} hold${withData.length === 1 ? 's' : ''} values that are not imported).` : '.'),
        );
      }
      for (const { f, cols, differing } of repeated) {
        const names = cols.map((c) => `"${headers[c]}" (column ${c + 1})`);
        const sameName = cols.every((c) => headerKey(headers[c]!) === headerKey(headers[cols[0]!]!));
        const what = sameName ? `"${headers[cols[0]!]}" appears ${cols.length} times (columns ${cols.map((c) => c + 1).join(', ')})` : `${names.join(' and ')} are both read as ${fieldName(f)}`;
        notes.push(
          differing
            ? `${what}: they differ on ${differing} row${differing === 1 ? '' : 's'}, where the first non-empty value is kept (see the warnings).`
            : `${what} with the same values on every row: read once.`,
        );
      }
      if (moreWarnings) warnings.push({ row: 0, column: '', message: `…and ${moreWarnings} more rows where repeated columns disagree.` });
    },
  };
}

/** A row's cell for a field, trimmed; '' when absent. A field in repeated columns reads the first non-empty one. */
export function cell<F extends string>(row: string[], map: ColumnMap<F>, f: F): string {
  const i = map.index[f];
  if (i === undefined) return '';
  const v = (row[i] ?? '').trim();
  const more = map.also[f];
  if (v || !more) return v;
  for (const j of more) {
    const w = (row[j] ?? '').trim();
    if (w) return w;
  }
  return '';
}
