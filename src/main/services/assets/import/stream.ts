/**
 * A CSV read as a stream of rows, so a 200 MB asset export is never held whole: the file's bytes a
 * megabyte at a time (an upload's decrypted as they are read), decoded as they come, line ends made
 * one form, and cut into rows by Papa Parse's own chunked parser (the one its file streaming uses),
 * a batch of whole rows per chunk. Synchronous on purpose: the import's second pass reads the file
 * again inside its one write transaction (better-sqlite3's transactions cannot wait on I/O), and it
 * runs in the import worker, where blocking costs no one.
 *
 * The encoding is the person's choice or detected from the file's first megabyte (a BOM, UTF-16's
 * shape, valid UTF-8, else chardet weighed against Mac Roman); a file detected as UTF-8 that turns
 * out not to be further on is read again with the single-byte detection, as reading it whole would.
 */
import iconv from 'iconv-lite';
import Papa from 'papaparse';
import type { ImportEncoding, ImportError } from '../../../../shared/api/assets';
import { detectEncoding } from './encoding';
import { detectLineEnding, type ParsedCsv } from './csv';
import { readUploadChunks, uploadTextSize } from '../../uploads/uploads';

/** Bytes read (and text decoded) at a time. */
export const STREAM_CHUNK_BYTES = 1024 * 1024;

/** Where the rows come from: an upload's file (sealed or plain), raw bytes, or text. */
export interface CsvSource {
  filePath?: string;
  fileKey?: string | null;
  contentBase64?: string;
  /** Text already decoded (a call's `content`): read as is, encoding decided by the caller. */
  text?: { text: string; encoding: ImportEncoding; chosen: boolean };
  encoding?: ImportEncoding;
  /** The chunk where a file detected as UTF-8 proved not to be: detect among the others, with it in the sample. */
  notUtf8?: Buffer;
}

/** How far the reading has got and what it found, for progress, the audit event and the preview. */
export interface CsvStreamInfo {
  encoding: ImportEncoding;
  chosen: boolean;
  lineEnding: ParsedCsv['lineEnding'];
  delimiter: string;
  /** Bytes of the source read so far, of `size`. */
  bytesRead: number;
  size: number;
}

/**
 * What a reading held at most, counted for the tests that check a large file is never held whole:
 * the chunks read, and the longest text handed to the parser at once (a chunk plus the part row
 * carried over from the one before).
 */
export const streamStats = { chunks: 0, longestParse: 0 };

export class NotUtf8Error extends Error {
  constructor(readonly chunk: Buffer) {
    super('The file is not UTF-8 past its first megabyte.');
  }
}

interface Handle {
  parse(input: string, baseIndex: number, ignoreLastRow: boolean): { data: string[][]; errors: Papa.ParseError[]; meta: { cursor: number; delimiter: string } };
}

const ParserHandle = (Papa as unknown as { ParserHandle: new (config: Papa.ParseConfig) => Handle }).ParserHandle;

/** Reads the source's bytes in chunks, synchronously; the total size first. */
function sourceBytes(src: CsvSource): { size: number; each(fn: (chunk: Buffer) => void): void } {
  if (src.filePath !== undefined) {
    const f = { path: src.filePath, key: src.fileKey ?? null };
    return { size: uploadTextSize(f), each: (fn) => readUploadChunks(f, STREAM_CHUNK_BYTES, fn) };
  }
  const bytes = Buffer.from(src.contentBase64 ?? '', 'base64');
  return {
    size: bytes.length,
    each: (fn) => {
      for (let at = 0; at < bytes.length; at += STREAM_CHUNK_BYTES) fn(bytes.subarray(at, at + STREAM_CHUNK_BYTES));
    },
  };
}

/** The first bytes of the source, for detection (a megabyte). */
function headOf(src: CsvSource): Buffer {
  const parts: Buffer[] = [];
  let got = 0;
  const stop = new Error('head read');
  try {
    sourceBytes(src).each((c) => {
      parts.push(c);
      got += c.length;
      if (got >= STREAM_CHUNK_BYTES) throw stop;
    });
  } catch (e) {
    if (e !== stop) throw e;
  }
  return Buffer.concat(parts).subarray(0, STREAM_CHUNK_BYTES);
}

/** The head cut after its last ASCII byte, so a UTF-8 check never meets half a character. */
function wholeCharacters(head: Buffer, complete: boolean): Buffer {
  if (complete) return head;
  let i = head.length - 1;
  while (i >= 0 && head[i]! >= 0x80) i--;
  return head.subarray(0, i + 1);
}

/** The encoding as chosen, or detected from the head (see the file comment). */
function encodingOf(src: CsvSource, size: number): { encoding: ImportEncoding; chosen: boolean } {
  if (src.encoding) return { encoding: src.encoding, chosen: true };
  const head = headOf(src);
  const sample = wholeCharacters(head, head.length >= size);
  if (src.notUtf8) return { encoding: detectEncoding(Buffer.concat([sample, src.notUtf8]), { notUtf8: true }), chosen: false };
  return { encoding: detectEncoding(sample), chosen: false };
}

/** Decodes chunks of bytes as one text; a BOM is never part of it, a character never cut in two. */
class Decoder {
  private readonly utf8: TextDecoder | null;
  private readonly other: ReturnType<typeof iconv.getDecoder> | null;
  private first = true;
  private carry = '';

  constructor(
    private readonly encoding: ImportEncoding,
    /** Throw NotUtf8Error on bytes that are not UTF-8 (the encoding was detected, not chosen). */
    fatal: boolean,
  ) {
    const utf = encoding === 'utf-8' || encoding === 'utf-8-bom';
    this.utf8 = utf ? new TextDecoder('utf-8', { fatal }) : null;
    this.other = utf ? null : iconv.getDecoder(encoding === 'iso-8859-1' ? 'latin1' : encoding);
  }

  private out(text: string, last: boolean): string {
    let t = this.carry + text;
    this.carry = '';
    // A lone high surrogate waits for its pair (the hash and the parser see whole characters).
    if (!last && t.length && (t.charCodeAt(t.length - 1) & 0xfc00) === 0xd800) {
      this.carry = t.slice(-1);
      t = t.slice(0, -1);
    }
    if (this.first && t.length) {
      this.first = false;
      if (t.charCodeAt(0) === 0xfeff) t = t.slice(1);
    }
    // iconv-lite's Mac Roman has ¤ at 0xDB; since Mac OS 8.5 it is the euro sign (see encoding.ts).
    return this.encoding === 'macintosh' ? t.replace(/\u00a4/g, '\u20ac') : t;
  }

  write(chunk: Buffer): string {
    if (this.utf8) {
      try {
        return this.out(this.utf8.decode(chunk, { stream: true }), false);
      } catch {
        throw new NotUtf8Error(chunk);
      }
    }
    return this.out(this.other!.write(chunk), false);
  }

  end(): string {
    if (this.utf8) {
      try {
        return this.out(this.utf8.decode(), true);
      } catch {
        throw new NotUtf8Error(Buffer.alloc(0));
      }
    }
    return this.out(this.other!.end() ?? '', true);
  }
}

export interface CsvRowsHandler {
  /** The header row (BOM removed, cells trimmed), before any data row. */
  header(headers: string[], info: CsvStreamInfo): void;
  /** Whole data rows in file order; `firstRow` is the file row of rows[0] (the header is row 0). */
  rows(rows: string[][], firstRow: number, info: CsvStreamInfo): void;
  /** The decoded text as it is read (for the file's hash). */
  text?(chunk: string): void;
}

/**
 * Streams the source's rows to `handler`. Returns what was read and the parser's errors (row
 * numbers as the whole-file parse gives them). Throws NotUtf8Error when a detected UTF-8 file turns
 * out not to be: the caller starts again with `notUtf8`.
 */
export function streamCsv(src: CsvSource, handler: CsvRowsHandler): { info: CsvStreamInfo; errors: ImportError[]; headerSeen: boolean } {
  const bytes = src.text ? null : sourceBytes(src);
  const size = bytes ? bytes.size : src.text!.text.length;
  const { encoding, chosen } = src.text ? { encoding: src.text.encoding, chosen: src.text.chosen } : encodingOf(src, size);
  const info: CsvStreamInfo = { encoding, chosen, lineEnding: 'lf', delimiter: ',', bytesRead: 0, size };
  const errors: ImportError[] = [];
  const handle = new ParserHandle({ header: false, skipEmptyLines: 'greedy', delimitersToGuess: [',', ';', '\t', '|'], newline: '\n' });
  let lineEnding: ParsedCsv['lineEnding'] | null = null;
  /** A CR at the end of the last chunk, which may be the first half of a CRLF. */
  let pendingCr = false;
  let partial = '';
  let baseIndex = 0;
  /** Rows handed on so far, the header included. */
  let rowsSeen = 0;
  let headerSeen = false;
  streamStats.chunks = 0;
  streamStats.longestParse = 0;

  const parse = (text: string, last: boolean) => {
    const aggregate = partial + text;
    partial = '';
    streamStats.longestParse = Math.max(streamStats.longestParse, aggregate.length);
    const res = handle.parse(aggregate, baseIndex, !last);
    if (!last) {
      partial = aggregate.substring(res.meta.cursor - baseIndex);
      baseIndex = res.meta.cursor;
    }
    if (res.meta.delimiter) info.delimiter = res.meta.delimiter;
    for (const e of res.errors) {
      if (e.code === 'UndetectableDelimiter') continue;
      errors.push({ row: rowsSeen + (e.row ?? 0), column: '', message: e.code === 'MissingQuotes' ? 'A quoted value is never closed (a " is missing).' : e.message });
    }
    let data = res.data;
    if (!data.length) return;
    if (!headerSeen) {
      headerSeen = true;
      const [headers, ...rest] = data;
      rowsSeen = 1;
      handler.header(headers!.map((h) => h.replace(/^\uFEFF/, '').trim()), info);
      data = rest;
      if (!data.length) return;
    }
    const first = rowsSeen;
    rowsSeen += data.length;
    handler.rows(data, first, info);
  };

  /** One line-end form for the parser (as the whole-file read makes it); CRs inside quoted cells become LFs. */
  const normalise = (text: string, last: boolean): string => {
    if (lineEnding === null) {
      const probe = text.search(/[\r\n]/);
      if (probe >= 0 && (text[probe] === '\n' || probe + 1 < text.length || last)) lineEnding = detectLineEnding(text);
    }
    if (lineEnding === 'lf') return text;
    let t = (pendingCr ? '\r' : '') + text;
    pendingCr = false;
    if (!last && t.endsWith('\r')) {
      pendingCr = true;
      t = t.slice(0, -1);
    }
    return t.replace(/\r\n?/g, '\n');
  };

  const feed = (text: string, last: boolean) => {
    if (text) handler.text?.(text);
    parse(normalise(text, last), last);
  };

  if (src.text) {
    const text = src.text.text.charCodeAt(0) === 0xfeff ? src.text.text.slice(1) : src.text.text;
    for (let at = 0; at < text.length; at += STREAM_CHUNK_BYTES) {
      streamStats.chunks++;
      feed(text.slice(at, at + STREAM_CHUNK_BYTES), false);
      info.bytesRead = Math.min(text.length, at + STREAM_CHUNK_BYTES);
    }
    feed('', true);
  } else {
    const decoder = new Decoder(encoding, !chosen && encoding === 'utf-8');
    bytes!.each((chunk) => {
      streamStats.chunks++;
      info.bytesRead += chunk.length;
      feed(decoder.write(chunk), false);
    });
    feed(decoder.end(), true);
  }
  info.lineEnding = lineEnding ?? 'lf';
  return { info, errors, headerSeen };
}
