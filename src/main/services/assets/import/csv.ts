/**
 * Reading a CSV the way people actually send them: UTF-8 with or without a BOM or Latin-1
 * (Windows-1252), LF / CRLF / old-Mac CR line ends, comma / semicolon / tab delimiters.
 */
import Papa from 'papaparse';
import type { ImportError } from '../../../../shared/api/assets';

export interface DecodedText {
  text: string;
  encoding: 'utf-8' | 'utf-8-bom' | 'latin-1';
}

/** Raw bytes: a BOM or valid UTF-8 means UTF-8; anything else is read as Windows-1252 (a Latin-1 superset). */
export function decodeBytes(bytes: Uint8Array): DecodedText {
  if (bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) {
    return { text: new TextDecoder('utf-8').decode(bytes.subarray(3)), encoding: 'utf-8-bom' };
  }
  try {
    return { text: new TextDecoder('utf-8', { fatal: true }).decode(bytes), encoding: 'utf-8' };
  } catch {
    return { text: new TextDecoder('windows-1252').decode(bytes), encoding: 'latin-1' };
  }
}

/**
 * Text handed over as a string. A string whose every code unit is a byte (≤ 0xFF) may be the raw
 * bytes of the file (a "binary string" reader): if those bytes are valid multi-byte UTF-8 they
 * are decoded, otherwise the text is taken as it is (Latin-1 characters are the same code points).
 */
export function decodeText(content: string): DecodedText {
  if (content.charCodeAt(0) === 0xfeff) return { text: content.slice(1), encoding: 'utf-8-bom' };
  let high = false;
  for (let i = 0; i < content.length; i++) {
    const c = content.charCodeAt(i);
    if (c > 0xff) return { text: content, encoding: 'utf-8' };
    if (c >= 0x80) high = true;
  }
  if (!high) return { text: content, encoding: 'utf-8' };
  const bytes = Uint8Array.from(content, (ch) => ch.charCodeAt(0));
  if (bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return decodeBytes(bytes);
  try {
    return { text: new TextDecoder('utf-8', { fatal: true }).decode(bytes), encoding: 'utf-8' };
  } catch {
    return { text: content, encoding: 'latin-1' };
  }
}

export function decodeInput(input: { content?: string; contentBase64?: string }): DecodedText {
  if (input.contentBase64 !== undefined) return decodeBytes(Buffer.from(input.contentBase64, 'base64'));
  return decodeText(input.content ?? '');
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
    errors.push({ row: 0, column: '', message: 'The file is empty or has no header row.' });
  }
  return { headers: headers.map((h) => h.replace(/^\uFEFF/, '').trim()), rows, delimiter: res.meta.delimiter || ',', lineEnding, errors };
}

export interface ColumnMap<F extends string> {
  /** field → column index */
  index: Partial<Record<F, number>>;
  recognised: Record<string, string>;
  ignored: string[];
  errors: ImportError[];
}

/**
 * Resolves headers to fields through an alias table. Blank headers over data, and two headers
 * meaning the same field, are file errors (row 0): guessing which one wins would lose data silently.
 */
export function mapColumns<F extends string>(headers: string[], rows: string[][], aliases: Record<string, F>, required: F[]): ColumnMap<F> {
  const index: Partial<Record<F, number>> = {};
  const recognised: Record<string, string> = {};
  const ignored: string[] = [];
  const errors: ImportError[] = [];
  const firstHeaderOf: Partial<Record<F, string>> = {};
  const seenHeader = new Map<string, number>();
  headers.forEach((h, i) => {
    const key = headerKey(h);
    if (!key) {
      if (rows.some((r) => (r[i] ?? '').trim() !== '')) {
        errors.push({ row: 0, column: `(column ${i + 1})`, message: `Column ${i + 1} has no header but holds data. Give it a header or delete it.` });
      }
      return;
    }
    const dup = seenHeader.get(key);
    if (dup !== undefined) {
      errors.push({ row: 0, column: h, message: `The header "${h}" appears twice (columns ${dup + 1} and ${i + 1}). Rename or delete one.` });
      return;
    }
    seenHeader.set(key, i);
    const field = aliases[key];
    if (!field) {
      ignored.push(h);
      return;
    }
    if (index[field] !== undefined) {
      errors.push({ row: 0, column: h, message: `"${h}" and "${firstHeaderOf[field]}" both give the ${field}. Keep one of them.` });
      return;
    }
    index[field] = i;
    firstHeaderOf[field] = h;
    recognised[h] = field;
  });
  for (const f of required) {
    if (index[f] === undefined) errors.push({ row: 0, column: '', message: `The file has no column for ${f}.` });
  }
  return { index, recognised, ignored, errors };
}

/** A row's cell for a field, trimmed; '' when absent. */
export function cell<F extends string>(row: string[], map: ColumnMap<F>, f: F): string {
  const i = map.index[f];
  return i === undefined ? '' : (row[i] ?? '').trim();
}
