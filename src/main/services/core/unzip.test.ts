import { describe, expect, it } from 'vitest';
import { zipSync, strToU8 } from 'fflate';
import { unzipWithin, ZipLimitError } from './unzip';
import { parseXlsx, XlsxError } from '../assets/import/xlsx';
import { verifyPackBytes } from '../evidence/pack-verify';

/** A real zip whose central directory then claims every entry unpacks to `claimed` bytes (as a zip bomb or a damaged file would). */
function lyingZip(files: Record<string, string>, claimed: number): Uint8Array {
  const zip = zipSync(Object.fromEntries(Object.entries(files).map(([k, v]) => [k, strToU8(v)])));
  const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  for (let i = 0; i + 4 <= zip.length; i++) {
    if (view.getUint32(i, true) === 0x02014b50) view.setUint32(i + 24, claimed, true);
  }
  return zip;
}

describe('unzipping a file someone else made', () => {
  it('reads an honest zip within its limits', () => {
    const zip = zipSync({ 'a.txt': strToU8('hello'), 'b.txt': strToU8('world') });
    const out = unzipWithin(zip, { maxEntryBytes: 100, maxTotalBytes: 100 });
    expect(new TextDecoder().decode(out['a.txt'])).toBe('hello');
    expect(Object.keys(out).sort()).toEqual(['a.txt', 'b.txt']);
  });

  it('refuses an entry that declares more than the per-entry limit, naming it, before allocating it', () => {
    const zip = lyingZip({ 'xl/worksheets/sheet1.xml': '<worksheet/>' }, 0xfff00000);
    expect(() => unzipWithin(zip, { maxEntryBytes: 1024, maxTotalBytes: 4096 })).toThrow(ZipLimitError);
    expect(() => unzipWithin(zip, { maxEntryBytes: 1024, maxTotalBytes: 4096 })).toThrow(/xl\/worksheets\/sheet1\.xml .*would unpack to 4095 MB/);
  });

  it('refuses entries that together declare more than the whole-file limit', () => {
    const zip = zipSync({ 'a.txt': strToU8('x'.repeat(600)), 'b.txt': strToU8('y'.repeat(600)) });
    expect(() => unzipWithin(zip, { maxEntryBytes: 1000, maxTotalBytes: 1000 })).toThrow(/would unpack to more than/);
  });

  it('skips entries it was not asked for, and they do not count', () => {
    const zip = lyingZip({ 'docProps/app.xml': 'x', 'xl/a.xml': 'y' }, 10);
    const out = unzipWithin(zip, { take: (n) => n.startsWith('xl/'), maxEntryBytes: 10, maxTotalBytes: 10 });
    expect(Object.keys(out)).toEqual(['xl/a.xml']);
  });

  it('an Excel import of a workbook that claims gigabytes gets an import error, not an out-of-memory crash', () => {
    const zip = lyingZip({ 'xl/workbook.xml': '<workbook/>', 'xl/worksheets/sheet1.xml': '<worksheet/>' }, 0xfff00000);
    expect(() => parseXlsx(zip)).toThrow(XlsxError);
    expect(() => parseXlsx(zip)).toThrow(/more than the 256 MB Outpost reads from one part/);
  });

  it('checking an evidence pack that claims gigabytes answers "not valid" with the reason', () => {
    const zip = lyingZip({ 'manifest.json': '{}', 'report.pdf': '%PDF' }, 0xfff00000);
    const check = verifyPackBytes(zip);
    expect(check.ok).toBe(false);
    expect(check.summary).toMatch(/manifest\.json inside the file would unpack to 4095 MB/);
  });
});
