/**
 * The head of an upload, as the asset import's column step reads it: the first bytes only, decrypted
 * when the store is encrypted (and the whole sealed file still checked), and cut after a whole line
 * in every encoding the importer reads, so no row or character is cut in two.
 */
import crypto from 'node:crypto';
import path from 'node:path';
import { Readable } from 'node:stream';
import iconv from 'iconv-lite';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../testing';
import { readUploadHead, receiveUpload, uploadFile } from './uploads';
import { cutAfterLastLine } from '../assets/import/csv';
import type { Ctx } from '../core/context';

const tmp = tempDir('outpost-upload-head-');
afterAll(() => tmp.cleanup());

const MB = 1024 * 1024;
/** 3 MB of distinct lines, so a wrong offset shows. */
const body = Buffer.from(Array.from({ length: 60_000 }, (_, i) => `row ${String(i).padStart(6, '0')},${'x'.repeat(40)}`).join('\n') + '\n');

const ctxFor = (id: string) => ({ actor: { id, role: 'admin' } }) as unknown as Ctx;

describe('the head of an upload', () => {
  for (const sealed of [false, true]) {
    it(`${sealed ? 'sealed (encrypted store)' : 'plain'}: the first bytes only, and whether that is all`, async () => {
      const store = { path: path.join(tmp.dir, sealed ? 'sealed' : 'plain', 'store.db'), key: sealed ? crypto.randomBytes(32) : null };
      const owner = `owner-${sealed}`;
      const receipt = await receiveUpload(Readable.from([body]), owner, store, body.length);
      const file = uploadFile(ctxFor(owner), receipt.uploadId);
      const head = await readUploadHead(file, MB);
      expect(head.whole).toBe(false);
      expect(head.bytes.equals(body.subarray(0, MB))).toBe(true);
      const all = await readUploadHead(file, 8 * MB);
      expect(all.whole).toBe(true);
      expect(all.bytes.equals(body)).toBe(true);
    });
  }
});

describe('cutting a head after its last whole line', () => {
  const text = 'Asset Tag,Name\nA-1,Łódź office\r\nA-2,Café\nA-3,Zoë';
  it('keeps whole lines of UTF-8, Windows-1252 and old-Mac CR files', () => {
    expect(cutAfterLastLine(Buffer.from(text, 'utf8')).toString('utf8')).toBe('Asset Tag,Name\nA-1,Łódź office\r\nA-2,Café\n');
    expect(iconv.decode(cutAfterLastLine(iconv.encode('a,b\rc,é\rd,ü', 'windows-1252')), 'windows-1252')).toBe('a,b\rc,é\r');
    expect(cutAfterLastLine(Buffer.from('no line end at all')).toString()).toBe('no line end at all');
  });

  it('cuts UTF-16 on a character boundary, whichever byte order', () => {
    for (const [enc, bom] of [
      ['utf-16le', [0xff, 0xfe]],
      ['utf-16be', [0xfe, 0xff]],
    ] as const) {
      const bytes = Buffer.concat([Buffer.from(bom), iconv.encode(text + '\u010a', enc)]);
      // Half a character at the end, as a cut at a fixed size may leave.
      const cut = cutAfterLastLine(bytes.subarray(0, bytes.length - 1));
      expect(cut.length % 2, enc).toBe(0);
      expect(iconv.decode(cut.subarray(2), enc), enc).toBe('Asset Tag,Name\nA-1,Łódź office\r\nA-2,Café\n');
    }
  });
});
