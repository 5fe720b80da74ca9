/**
 * An asset file read as a stream gives what reading it whole gives (the same encoding, line ends,
 * header and rows, in every encoding the importer reads, from a plain or a sealed upload), while the
 * parser is never handed more than a chunk of it; and an import of a file several chunks long plans
 * and commits it without the file ever being held whole, writing nothing when a row is bad.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import iconv from 'iconv-lite';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { countRows, makeWorld, tempDir, type World } from '../../../testing';
import { receiveUpload, uploadFile } from '../../uploads/uploads';
import type { Ctx } from '../../core/context';
import { decodeAs } from './encoding';
import { parseCsv } from './csv';
import { STREAM_CHUNK_BYTES, streamCsv, streamStats, type CsvSource } from './stream';
import { importFile } from './index';

const tmp = tempDir('outpost-asset-stream-');
afterAll(() => tmp.cleanup());
const MB = 1024 * 1024;

/** A Snipe-IT style export of `rows` rows with accented names, a quoted notes cell with line ends, and a tag prefix. */
function exportText(rows: number, opts: { prefix?: string; eol?: string; badTagAt?: number } = {}): string {
  const eol = opts.eol ?? '\r\n';
  const lines = ['Asset Tag,Name,Category,Manufacturer,Model,Serial,Status,Location,Notes'];
  const names = ['Café laptop', 'Łódź desk', 'Zoë’s phone', 'Plain one', 'Crème brûlée screen'];
  for (let i = 1; i <= rows; i++) {
    const tag = i === opts.badTagAt ? 'X'.repeat(80) : `${opts.prefix ?? 'STR'}-${String(i).padStart(7, '0')}`;
    lines.push(`${tag},${names[i % names.length]} ${i},Laptops,Lenovo,T14,SN${i},Ready to Deploy,Floor ${i % 4},"Bought ${i}${eol}second line, with a comma"`);
  }
  return lines.join(eol) + eol;
}

function writeFile(name: string, bytes: Buffer): string {
  const file = path.join(tmp.dir, name);
  fs.writeFileSync(file, bytes);
  return file;
}

/** Everything the stream gives, rows gathered, with the largest batch it handed over. */
function streamed(src: CsvSource) {
  let headers: string[] = [];
  const rows: string[][] = [];
  let expectRow = 1;
  const res = streamCsv(src, {
    header: (h) => (headers = h),
    rows(batch, firstRow) {
      // Batches arrive in file order, numbered as the whole-file parse numbers rows.
      expect(firstRow).toBe(expectRow);
      expectRow += batch.length;
      rows.push(...batch);
    },
  });
  return { headers, rows, ...res };
}

const ctxFor = (id: string) => ({ actor: { id, role: 'admin' } }) as unknown as Ctx;

describe('reading an asset file as a stream', () => {
  // About 3.7 MB: several chunks, rows and quoted line ends cut at chunk edges.
  const text = exportText(30_000);

  const cases: [string, Buffer][] = [
    ['UTF-8 with a BOM, CRLF', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text, 'utf8')])],
    ['UTF-8, LF', Buffer.from(text.replace(/\r\n/g, '\n'), 'utf8')],
    ['Windows-1252, CRLF', iconv.encode(text, 'windows-1252')],
    ['Mac Roman, CR', iconv.encode(text.replace(/\r\n/g, '\r'), 'macintosh')],
    ['UTF-16LE with a BOM', Buffer.concat([Buffer.from([0xff, 0xfe]), iconv.encode(text, 'utf-16le')])],
  ];
  for (const [name, bytes] of cases) {
    it(`${name}: the same encoding, line ends, header and rows as the whole file read at once`, () => {
      expect(bytes.length).toBeGreaterThan(3 * STREAM_CHUNK_BYTES);
      const whole = decodeAs(bytes);
      const parsed = parseCsv(whole.text);
      const got = streamed({ filePath: writeFile(`${name}.csv`, bytes) });
      expect(got.info).toMatchObject({ encoding: whole.encoding, lineEnding: parsed.lineEnding, delimiter: parsed.delimiter, bytesRead: bytes.length, size: bytes.length });
      expect(got.errors).toEqual(parsed.errors);
      expect(got.headers).toEqual(parsed.headers);
      expect(got.rows.length).toBe(30_000);
      expect(got.rows).toEqual(parsed.rows);
      // Never the whole file at once: a chunk at a time, with at most the part row carried over.
      expect(streamStats.chunks).toBe(Math.ceil(bytes.length / STREAM_CHUNK_BYTES));
      expect(streamStats.longestParse).toBeLessThan(STREAM_CHUNK_BYTES + 1024);
    });
  }

  it('a file that is UTF-8 in its first megabyte and single-byte further on is read in the encoding the whole-file detection finds', () => {
    const head = exportText(12_000, { prefix: 'HEAD' }).replace(/[^ -~\r\n]/g, 'e');
    const bytes = Buffer.concat([Buffer.from(head, 'ascii'), iconv.encode('TAIL-1,Café Müller – Zoë,,,,,,,\r\n', 'windows-1252')]);
    expect(head.length).toBeGreaterThan(STREAM_CHUNK_BYTES);
    const whole = decodeAs(bytes);
    expect(whole.encoding).not.toMatch(/^utf/);
    // The stream meets the broken UTF-8 past the head: the importer reads the file again, detecting
    // among the single-byte encodings with the bytes that broke UTF-8 in the sample.
    const file = writeFile('late-1252.csv', bytes);
    expect(() => streamed({ filePath: file })).toThrow(/not UTF-8/);
    const again = streamed({ filePath: file, notUtf8: bytes.subarray(bytes.length - 40) });
    expect(again.info.encoding).toBe(whole.encoding);
    expect(again.rows).toEqual(parseCsv(whole.text).rows);
  });

  it('reads a sealed upload (an encrypted store’s) as its plain bytes, and refuses one changed on disk', async () => {
    const bytes = Buffer.from(text, 'utf8');
    const store = { path: path.join(tmp.dir, 'sealed', 'store.db'), key: crypto.randomBytes(32) };
    const receipt = await receiveUpload(Readable.from([bytes]), 'owner-sealed', store, bytes.length);
    const f = uploadFile(ctxFor('owner-sealed'), receipt.uploadId);
    expect(f.key).not.toBeNull();
    const got = streamed({ filePath: f.path, fileKey: f.key });
    expect(got.info.size).toBe(bytes.length);
    expect(got.rows).toEqual(parseCsv(text).rows);
    // One byte flipped in the middle: the check at the end refuses the file.
    const fd = fs.openSync(f.path, 'r+');
    fs.writeSync(fd, Buffer.from([0x41]), 0, 1, 2 * MB);
    fs.closeSync(fd);
    expect(() => streamed({ filePath: f.path, fileKey: f.key, encoding: 'utf-8' })).toThrow(/changed on disk/);
  });
});

describe('an asset import of a file several chunks long', () => {
  let w: World;
  beforeEach(() => (w = makeWorld()));
  afterEach(() => w.dispose());

  it('plans and commits it a chunk at a time: never the whole file at once, every row written', () => {
    const bytes = Buffer.from(exportText(44_000, { prefix: 'BIG' }), 'utf8');
    expect(bytes.length).toBeGreaterThan(5 * MB);
    const file = writeFile('big.csv', bytes);
    const ctx = w.ctx(w.admin, 'assets.import');
    const chunks = Math.ceil(bytes.length / STREAM_CHUNK_BYTES);

    const preview = importFile(ctx, { format: 'snipe-it-assets', filePath: file, dryRun: true });
    expect(preview).toMatchObject({ rows: 44_000, created: 44_000, errors: [], encoding: 'utf-8', lineEnding: 'crlf' });
    expect(streamStats).toEqual({ chunks, longestParse: expect.any(Number) });
    expect(streamStats.longestParse).toBeLessThan(STREAM_CHUNK_BYTES + 1024);

    // The commit plans it again and writes it as it reads it a second time, a chunk at a time.
    const done = importFile(ctx, { format: 'snipe-it-assets', filePath: file, dryRun: false });
    expect(done).toMatchObject({ rows: 44_000, created: 44_000, errors: [] });
    expect(streamStats.chunks).toBe(chunks);
    expect(streamStats.longestParse).toBeLessThan(STREAM_CHUNK_BYTES + 1024);
    expect(countRows(w.store, 'assets')).toBe(44_000);
    const last = w.store.sqlite.prepare("SELECT name, notes FROM assets WHERE tag = 'BIG-0044000'").get();
    expect(last).toEqual({ name: 'Café laptop 44000', notes: 'Bought 44000\nsecond line, with a comma' });
  });

  it('a bad row in the last chunk: that row named, nothing written', () => {
    const bytes = Buffer.from(exportText(40_000, { prefix: 'BAD', badTagAt: 39_990 }), 'utf8');
    const file = writeFile('bad.csv', bytes);
    const before = countRows(w.store, 'pending_ops');
    const r = importFile(w.ctx(w.admin, 'assets.import'), { format: 'snipe-it-assets', filePath: file, dryRun: false });
    expect(r).toMatchObject({ created: 0, updated: 0, errors: [{ row: 39_990, column: 'Asset Tag', message: 'The asset tag is longer than 64 characters.' }] });
    expect(countRows(w.store, 'assets')).toBe(0);
    expect(countRows(w.store, 'pending_ops')).toBe(before);
  });

  it('a file changed between the plan and the commit is refused and nothing is written', () => {
    const file = writeFile('changing.csv', Buffer.from(exportText(9_000, { prefix: 'CHG' }), 'utf8'));
    const ctx = w.ctx(w.admin, 'assets.import');
    // The commit's second reading finds other bytes than the plan's (as if the picked file were saved meanwhile).
    let reads = 0;
    const hooks = {
      progress: (p: { phase: string }) => {
        if (p.phase === 'writing' && reads++ === 0) fs.appendFileSync(file, 'CHG-9999999,Added later,,,,,,,\r\n');
      },
    };
    expect(() => importFile(ctx, { format: 'snipe-it-assets', filePath: file, dryRun: false }, hooks)).toThrow(/changed while it was being imported/);
    expect(countRows(w.store, 'assets')).toBe(0);
  });
});
