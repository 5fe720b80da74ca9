/**
 * Import uploads over the real browser host on an encrypted store: only the person who sent an
 * upload can import it; each person's waiting uploads are capped in number and bytes, and an upload
 * is refused when the disk would keep less than its reserve (each with a message naming the limit);
 * uploads sit in the data directory, sealed, never in plain text; they are removed when imported,
 * when they expire, and when Outpost starts.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTestHost, type TestHost } from '../../testing/host';
import { startRuntime } from '../../runtime';
import { createLogger } from '../../log';
import { tempDir } from '../../testing';
import { UPLOAD_FOLDER, UPLOAD_LIMITS } from './uploads';

const DEFAULTS = { ...UPLOAD_LIMITS };
const MARKER = 'UPLOADED-ASSET-wren-ochre';
const CSV = `Asset Tag,Name,Category,Status\nUP-1,${MARKER} laptop,Laptops,Ready to Deploy\nUP-2,Second laptop,Laptops,Ready to Deploy\n`;

let t: TestHost;

type Reply = { status: number; body: { ok: boolean; value: { uploadId: string; size: number }; error?: { code: string; message: string } } };

/** POST /api/upload as `token`; `chunked` sends no Content-Length (the size is known only at the end). */
async function upload(token: string, bytes: string | Buffer, chunked = false): Promise<Reply> {
  const body = chunked ? (Readable.toWeb(Readable.from([Buffer.from(bytes)])) as ReadableStream) : Buffer.from(bytes);
  const res = await fetch(`${t.url}/api/upload`, {
    method: 'POST',
    headers: { 'content-type': 'application/octet-stream', authorization: `Bearer ${token}` },
    body,
    duplex: 'half',
  } as RequestInit);
  return { status: res.status, body: (await res.json()) as Reply['body'] };
}

const assetNames = async () => (await t.ok<{ items: { name: string }[] }>('assets.list', {}, t.tokens.admin)).items.map((a) => a.name);
const uploadsDir = () => path.join(t.dir, UPLOAD_FOLDER);
const waiting = () => (fs.existsSync(uploadsDir()) ? fs.readdirSync(uploadsDir()) : []);

/** Files of the data directory whose bytes hold `text` in plain. */
function plainHolders(text: string): string[] {
  const found: string[] = [];
  for (const e of fs.readdirSync(t.dir, { recursive: true, withFileTypes: true })) {
    if (!e.isFile()) continue;
    const p = path.join(e.parentPath, e.name);
    if (fs.readFileSync(p).includes(Buffer.from(text))) found.push(path.relative(t.dir, p));
  }
  return found;
}

beforeAll(async () => {
  t = await startTestHost({ prefix: 'outpost-uploads-http-', people: { second: 'admin', tech: 'technician' }, key: crypto.randomBytes(32) });
});
afterAll(async () => {
  await t?.close();
});
afterEach(() => {
  Object.assign(UPLOAD_LIMITS, DEFAULTS);
});

describe('import uploads over HTTP', () => {
  it('only the person who sent an upload can import it; it is kept sealed in the data directory and removed once imported', async () => {
    const mine = await upload(t.tokens.admin!, CSV);
    expect(mine.status).toBe(200);
    const uploadId = mine.body.value.uploadId;
    expect(mine.body.value.size).toBe(Buffer.byteLength(CSV));

    // Kept in the data directory, not the system's temporary folder, and not in plain text.
    expect(waiting()).toHaveLength(1);
    expect(plainHolders(MARKER)).toEqual([]);
    expect(plainHolders('Ready to Deploy')).toEqual([]);

    // Another administrator (who may import) cannot consume it, by preview or by import.
    for (const dryRun of [true, false]) {
      const other = await t.post('assets.import', { format: 'snipe-it-assets', uploadId, dryRun }, t.tokens.second);
      expect(other.status).toBe(404);
      expect(other.body.error?.message).toMatch(/not here any more/);
    }
    const otherTickets = await t.post('tickets.import', { format: 'servicenow-events', uploadId, dryRun: true }, t.tokens.second);
    expect(otherTickets.status).toBe(404);
    expect(await assetNames()).not.toContain(`${MARKER} laptop`);
    expect(waiting()).toHaveLength(1);

    // Its sender inspects, previews and imports it (read back through the seal), and the upload is gone.
    expect(await t.ok('assets.inspectCsv', { uploadId }, t.tokens.admin)).toMatchObject({ detectedFormat: 'snipe-it-assets', rows: 2, sample: [['UP-1', `${MARKER} laptop`, 'Laptops', 'Ready to Deploy'], expect.anything()] });
    expect(await t.ok('assets.import', { format: 'snipe-it-assets', uploadId, dryRun: true }, t.tokens.admin)).toMatchObject({ created: 2 });
    expect(await t.ok('assets.import', { format: 'snipe-it-assets', uploadId, dryRun: false }, t.tokens.admin)).toMatchObject({ created: 2, errors: [] });
    expect(waiting()).toEqual([]);
    expect(await assetNames()).toContain(`${MARKER} laptop`);
    expect((await t.post('assets.import', { format: 'snipe-it-assets', uploadId, dryRun: true }, t.tokens.admin)).status).toBe(404);
    expect(plainHolders(MARKER)).toEqual([]);
  });

  it('a sealed upload changed on disk is refused, never imported', async () => {
    const up = await upload(t.tokens.admin!, CSV.replace('UP-1', 'UP-9').replace('UP-2', 'UP-8'));
    const [file] = waiting();
    const p = path.join(uploadsDir(), file!);
    const b = fs.readFileSync(p);
    b[20] = b[20]! ^ 0xff;
    fs.writeFileSync(p, b);
    const r = await t.post('assets.import', { format: 'snipe-it-assets', uploadId: up.body.value.uploadId, dryRun: true }, t.tokens.admin);
    expect(r.status).toBe(400);
    expect(r.body.error?.message).toMatch(/changed on disk/);
    // Its inspection reads the head only, but checks the whole file first.
    const ins = await t.post('assets.inspectCsv', { uploadId: up.body.value.uploadId }, t.tokens.admin);
    expect(ins.status).toBe(400);
    expect(ins.body.error?.message).toMatch(/changed on disk/);
  });

  it('caps how many uploads one person keeps waiting, and how many bytes, with a message naming the limit', async () => {
    // The previous test left one of the administrator's uploads waiting: one more is allowed.
    const before = waiting().length;
    expect((await upload(t.tokens.admin!, 'a,b\n1,2\n')).status).toBe(200);
    const third = await upload(t.tokens.admin!, 'a,b\n3,4\n');
    expect(third.status).toBe(429);
    expect(third.body.error).toMatchObject({ code: 'rate_limited' });
    expect(third.body.error!.message).toMatch(/2 uploads waiting to be imported, the most one person may keep \(2\)/);
    expect(waiting()).toHaveLength(before + 1);
    // Someone else's limit is their own.
    expect((await upload(t.tokens.tech!, 'a,b\n5,6\n')).status).toBe(200);

    // Bytes: a declared size past what the technician may still keep is refused before a byte is
    // written; a body of unknown length is cut off once it passes, and its partial file removed.
    UPLOAD_LIMITS.perPersonBytes = 64 * 1024;
    const big = 'x'.repeat(80 * 1024);
    const declared = await upload(t.tokens.tech!, big);
    expect(declared.status).toBe(429);
    expect(declared.body.error!.message).toMatch(/would hold 81 KB, more than one person may keep \(64 KB\)/);
    const files = waiting().length;
    const streamed = await upload(t.tokens.tech!, big, true);
    expect(streamed.status).toBe(429);
    expect(streamed.body.error!.message).toMatch(/more than one person may keep \(64 KB\)/);
    expect(waiting()).toHaveLength(files);

    // One file past the per-file limit: 413 naming it.
    UPLOAD_LIMITS.perPersonBytes = DEFAULTS.perPersonBytes;
    UPLOAD_LIMITS.maxBytes = 1024 * 1024;
    const huge = await upload(t.tokens.second!, Buffer.alloc(1024 * 1024 + 1, 0x41));
    expect(huge.status).toBe(413);
    expect(huge.body.error!.message).toBe('The file is larger than 1 MB.');
  });

  it('refuses an upload that would leave the disk below its reserve', async () => {
    const files = waiting().length;
    UPLOAD_LIMITS.diskReserveBytes = Number.MAX_SAFE_INTEGER;
    const r = await upload(t.tokens.second!, 'a,b\n1,2\n');
    expect(r.status).toBe(507);
    expect(r.body.error!.message).toMatch(/The disk holding Outpost's data has \d+ MB free; accepting this upload would leave less than the \d+ MB Outpost keeps free/);
    expect(waiting()).toHaveLength(files);
  });

  it('removes an upload when it expires', async () => {
    UPLOAD_LIMITS.keepMs = 150;
    const up = await upload(t.tokens.second!, 'a,b\n1,2\n');
    expect(up.status).toBe(200);
    const files = waiting().length;
    await new Promise((r) => setTimeout(r, 400));
    expect(waiting()).toHaveLength(files - 1);
    expect((await t.post('assets.import', { format: 'snipe-it-assets', uploadId: up.body.value.uploadId, dryRun: true }, t.tokens.second)).status).toBe(404);
  });

  it('removes what a previous run left in the uploads folder when Outpost starts', () => {
    const dir = tempDir('outpost-uploads-start-');
    try {
      fs.mkdirSync(path.join(dir.dir, UPLOAD_FOLDER));
      fs.writeFileSync(path.join(dir.dir, UPLOAD_FOLDER, 'left-behind.part'), 'an upload from before a restart');
      const rt = startRuntime({ dataDir: dir.dir, log: createLogger({ level: 'silent' }) });
      rt.close();
      expect(fs.existsSync(path.join(dir.dir, UPLOAD_FOLDER))).toBe(false);
    } finally {
      dir.cleanup();
    }
  });
});
