import { describe, expect, it } from 'vitest';
import { decodeBytes } from './files';

const buf = (bytes: number[]) => new Uint8Array(bytes).buffer;

describe('decodeBytes', () => {
  it('reads UTF-8 and drops the BOM', () => {
    const r = decodeBytes(buf([0xef, 0xbb, 0xbf, 0x63, 0x61, 0x66, 0xc3, 0xa9]));
    expect(r).toEqual({ text: 'café', encoding: 'utf-8', bytes: 8 });
  });
  it('falls back to Latin-1 when the bytes are not UTF-8', () => {
    const r = decodeBytes(buf([0x63, 0x61, 0x66, 0xe9, 0x0d, 0x4d, 0xfc, 0x6c, 0x6c, 0x65, 0x72]));
    expect(r.encoding).toBe('windows-1252');
    expect(r.text).toBe('café\rMüller');
  });
});
