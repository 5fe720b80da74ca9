/**
 * A Snipe-IT asset export larger than the browser host's call limit (32 MB), imported the way the
 * wizard does it over the real host: streamed to POST /api/upload, inspected by its head, previewed
 * (with its progress on the event channel) and committed by its uploadId, or let go. A bad row near
 * the end of the file stops the whole import; uploads
 * are refused without a session (401), to a role that does not import (403) and past the size cap
 * (413), each with a message saying why.
 */
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import Papa from 'papaparse';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHost, type TestHost } from '../../../testing/host';
import { tempDir } from '../../../testing';
import { MAX_BODY } from '../../../host/server';
import { UPLOAD_FOLDER, UPLOAD_LIMITS } from '../../uploads/uploads';
import { fixture } from '../test-fixtures';
import type { CsvInspection, ImportResult } from '../../../../shared/api/assets';
import { followEvents } from '../../../testing/event-stream';

const MB = 1024 * 1024;
/** Rows of the file: the fixture's rows again and again, each with its own asset tag. */
const ROWS = 9000;

let t: TestHost;
let tmp: ReturnType<typeof tempDir>;
let good: string;
let bad: string;
/** The file row (header = row 0) that carries an asset tag longer than Outpost keeps. */
let badRow: number;
/** The tag and name of the file's last row. */
let lastRow: { tag: string; name: string };

type Reply<T> = { status: number; body: { ok: boolean; value: T; error?: { code: string; message: string } } };

/** POST /api/upload with the file streamed from disk, as the page's upload sends it. */
async function upload(file: string, token: string | null): Promise<Reply<{ uploadId: string; size: number }>> {
  const res = await fetch(`${t.url}/api/upload`, {
    method: 'POST',
    headers: { 'content-type': 'application/octet-stream', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: fs.openAsBlob ? await fs.openAsBlob(file) : fs.readFileSync(file),
  });
  return { status: res.status, body: (await res.json()) as Reply<{ uploadId: string; size: number }>['body'] };
}

/** An upload that declares `length` bytes and sends none: the answer the host gives on the headers alone. */
function declaring(length: number, token: string): Promise<{ status: number; message: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${t.url}/api/upload`, {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream', 'content-length': String(length), authorization: `Bearer ${token}` },
    });
    req.on('response', (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => {
        req.destroy();
        resolve({ status: res.statusCode ?? 0, message: (JSON.parse(body) as { error: { message: string } }).error.message });
      });
    });
    req.on('error', reject);
    req.flushHeaders();
  });
}

const assetTotal = async () => (await t.ok<{ total: number }>('assets.list', { withTotal: true, limit: 1 }, t.tokens.admin)).total;
const waiting = () => (fs.existsSync(path.join(t.dir, UPLOAD_FOLDER)) ? fs.readdirSync(path.join(t.dir, UPLOAD_FOLDER)) : []);

/**
 * Writes the export: the fixture's header, then its rows over and over with tags made unique, each
 * row padded in "Model Notes" (a column Snipe-IT exports and Outpost does not keep) to reach ~40 MB.
 */
function writeExport(file: string, header: string[], rows: string[][], tooLongTagAt: number | null): void {
  const tag = header.indexOf('Asset Tag');
  const notes = header.indexOf('Model Notes');
  const out = fs.openSync(file, 'w');
  const pad = 'lorem ipsum dolor sit amet '.repeat(160);
  fs.writeSync(out, '\uFEFF' + Papa.unparse([header]) + '\r\n');
  let chunk: string[][] = [];
  for (let i = 0; i < ROWS; i++) {
    const r = [...rows[i % rows.length]!];
    r[tag] = i + 1 === tooLongTagAt ? 'X'.repeat(80) : `${r[tag]}-${String(i).padStart(5, '0')}`;
    r[notes] = `${pad}${i}`;
    chunk.push(r);
    if (chunk.length === 500) {
      fs.writeSync(out, Papa.unparse(chunk, { newline: '\r\n' }) + '\r\n');
      chunk = [];
    }
  }
  if (chunk.length) fs.writeSync(out, Papa.unparse(chunk, { newline: '\r\n' }) + '\r\n');
  fs.closeSync(out);
}

beforeAll(async () => {
  const sample = fixture('snipe-it/assets-sample.csv');
  if (!sample) throw new Error('The Snipe-IT sample (shared fixtures) is needed for this test.');
  const parsed = Papa.parse<string[]>(fs.readFileSync(sample, 'utf8').replace(/^\uFEFF/, ''), { skipEmptyLines: true });
  const [header, ...rows] = parsed.data;
  tmp = tempDir('outpost-asset-upload-');
  good = path.join(tmp.dir, 'snipe-it assets.csv');
  bad = path.join(tmp.dir, 'snipe-it assets (one bad row).csv');
  badRow = ROWS - 3;
  const lastOfFixture = rows[(ROWS - 1) % rows.length]!;
  lastRow = { tag: `${lastOfFixture[header!.indexOf('Asset Tag')]}-${String(ROWS - 1).padStart(5, '0')}`, name: lastOfFixture[header!.indexOf('Name')]! };
  writeExport(good, header!, rows, null);
  writeExport(bad, header!, rows, badRow);
  t = await startTestHost({ prefix: 'outpost-asset-upload-http-', people: { tech: 'technician', rosa: 'requester', audra: 'auditor' } });
}, 120_000);

afterAll(async () => {
  await t?.close();
  tmp?.cleanup();
});

describe('a large asset export over the browser host', () => {
  it('is larger than a call may carry: sent in the call it is refused for size', async () => {
    expect(fs.statSync(good).size).toBeGreaterThan(36 * MB);
    expect(fs.statSync(good).size).toBeGreaterThan(MAX_BODY);
    const r = await t.post('assets.import', { format: 'snipe-it-assets', contentBase64: fs.readFileSync(good).toString('base64'), dryRun: true }, t.tokens.admin);
    expect(r.status).toBe(413);
    expect(r.body.error?.message).toBe('The request is larger than 32 MB.');
  });

  it('refuses an upload without a session, to a role that does not import, and past the size cap, saying why', async () => {
    const none = await upload(good, null);
    expect(none.status).toBe(401);
    expect(none.body.error).toMatchObject({ code: 'unauthenticated', message: 'Sign in first.' });
    for (const who of ['rosa', 'audra']) {
      const r = await upload(good, t.tokens[who]!);
      expect(r.status, who).toBe(403);
      expect(r.body.error?.message, who).toMatch(/cannot upload import files/);
    }
    // The cap as it stands (512 MB), and lowered below this file: a request declaring more is answered
    // before a byte of its body is read (a browser always declares a file's length).
    expect(await declaring(UPLOAD_LIMITS.maxBytes + 1, t.tokens.admin!)).toEqual({ status: 413, message: 'The file is larger than 512 MB.' });
    const cap = UPLOAD_LIMITS.maxBytes;
    UPLOAD_LIMITS.maxBytes = 32 * MB;
    try {
      expect(await declaring(fs.statSync(good).size, t.tokens.tech!)).toEqual({ status: 413, message: 'The file is larger than 32 MB.' });
    } finally {
      UPLOAD_LIMITS.maxBytes = cap;
    }
    expect(waiting()).toEqual([]);
  });

  it('imports nothing when a row near the end is bad, and says which row', async () => {
    const before = await assetTotal();
    const up = await upload(bad, t.tokens.admin!);
    expect(up.status).toBe(200);
    expect(up.body.value.size).toBe(fs.statSync(bad).size);
    const input = { format: 'snipe-it-assets', uploadId: up.body.value.uploadId };
    const preview = await t.ok<ImportResult>('assets.import', { ...input, dryRun: true }, t.tokens.admin);
    expect(preview.errors).toEqual([{ row: badRow, column: 'Asset Tag', message: 'The asset tag is longer than 64 characters.' }]);
    const commit = await t.ok<ImportResult>('assets.import', { ...input, dryRun: false }, t.tokens.admin);
    expect(commit).toMatchObject({ created: 0, updated: 0, errors: [{ row: badRow }] });
    expect(await assetTotal()).toBe(before);
    // Not imported, so kept (for an hour) should the person try again, until they let it go (choosing
    // another file, or Start again); only they can.
    expect(waiting()).toHaveLength(1);
    expect(await t.ok('uploads.discard', { uploadId: up.body.value.uploadId }, t.tokens.tech)).toEqual({ discarded: false });
    expect(waiting()).toHaveLength(1);
    expect(await t.ok('uploads.discard', { uploadId: up.body.value.uploadId }, t.tokens.admin)).toEqual({ discarded: true });
    expect(waiting()).toEqual([]);
    expect((await t.post('assets.import', { ...input, dryRun: true }, t.tokens.admin)).status).toBe(404);
  }, 120_000);

  it('takes a GLPI inventory file the same way', async () => {
    const inventory = fixture('inventory/glpi-computer_1.json')!;
    const up = await upload(inventory, t.tokens.tech!);
    expect(up.status).toBe(200);
    const input = { format: 'glpi-inventory', uploadId: up.body.value.uploadId };
    const preview = await t.ok<ImportResult>('assets.import', { ...input, dryRun: true }, t.tokens.tech);
    expect(preview).toMatchObject({ created: 1, errors: [] });
    expect(await t.ok<ImportResult>('assets.import', { ...input, dryRun: false }, t.tokens.tech)).toMatchObject({ created: 1, errors: [] });
    expect(waiting()).toEqual([]);
  });

  it('inspects its head, previews and imports it whole, and removes the upload once imported', async () => {
    const up = await upload(good, t.tokens.admin!);
    expect(up.status).toBe(200);
    const uploadId = up.body.value.uploadId;

    // The column step reads the first megabyte only, and says so.
    const ins = await t.ok<CsvInspection>('assets.inspectCsv', { uploadId }, t.tokens.admin);
    expect(ins).toMatchObject({ detectedFormat: 'snipe-it-assets', encoding: 'utf-8-bom', lineEnding: 'crlf', partial: { bytesRead: 1024 * 1024, size: fs.statSync(good).size } });
    expect(ins.headers).toContain('Asset Tag');
    expect(ins.rows).toBeGreaterThan(100);
    expect(ins.rows).toBeLessThan(ROWS);
    expect(ins.sample[0]![ins.headers.indexOf('Asset Tag')]).toBe('ICC-2065556-00000');
    // The head's last row is whole (a row cut at the megabyte would show its notes cut short).
    const lastTag = ins.headers.indexOf('Asset Tag');
    expect(ins.sample.every((r) => /-\d{5}$/.test(r[lastTag]!))).toBe(true);

    const sse = await followEvents(t.url, t.tokens.admin!);
    const preview = await t.ok<ImportResult>('assets.import', { format: 'snipe-it-assets', uploadId, dryRun: true }, t.tokens.admin);
    expect(preview).toMatchObject({ rows: ROWS, created: ROWS, errors: [] });
    // The preview of a large file reports how far it has got, as the wizard's bar shows it.
    await sse.waitFor((e) => e.type === 'import.progress' && e.job.state === 'done', 'the end of the preview', 30_000);
    sse.close();
    const jobs = sse.events.flatMap((e) => (e.type === 'import.progress' ? [e.job] : []));
    // Read as a stream, the file is checked as it is read: the bar counts its bytes.
    const size = fs.statSync(good).size;
    expect(jobs.some((j) => j.phase === 'checking' && j.state === 'running' && j.total === size && j.done > 0 && j.done < size)).toBe(true);
    expect(jobs.some((j) => j.phase === 'checking' && j.done === size && j.total === size)).toBe(true);
    expect(jobs.every((j) => j.format === 'snipe-it-assets')).toBe(true);
    const before = await assetTotal();
    const done = await t.ok<ImportResult>('assets.import', { format: 'snipe-it-assets', uploadId, dryRun: false }, t.tokens.admin);
    expect(done).toMatchObject({ rows: ROWS, created: ROWS, errors: [] });
    expect(await assetTotal()).toBe(before + ROWS);
    // The file's last row is there, as it was written.
    const last = await t.ok<{ tag: string; name: string }>('assets.get', { tag: lastRow.tag }, t.tokens.admin);
    expect(last.name).toBe(lastRow.name);
    // Imported, the upload is gone; naming it again says so.
    expect(waiting()).toEqual([]);
    const again = await t.post('assets.inspectCsv', { uploadId }, t.tokens.admin);
    expect(again.status).toBe(404);
    expect(again.body.error?.message).toMatch(/not here any more/);
  }, 180_000);
});
