/** The Audit trail's diff helpers: an event that lists many records shows each record's own change. */
import { describe, expect, it } from 'vitest';
import { diffRows, listedChanges } from './diff';

describe('listedChanges', () => {
  it("splits a pulled page's changes into one diff per record, and says which came new from the server", () => {
    const after = {
      records: 2,
      changes: [
        { type: 'asset', id: 'a1', before: { name: 'Laptop 7' }, after: { name: 'Laptop 7 (spare)' } },
        { type: 'asset_history', id: 'h1', received: 9213 },
      ],
    };
    expect(listedChanges(after)).toEqual([
      { type: 'asset', id: 'a1', rows: [{ field: 'name', before: 'Laptop 7', after: 'Laptop 7 (spare)', changed: true }], received: null },
      { type: 'asset_history', id: 'h1', rows: [], received: 9213 },
    ]);
  });

  it('leaves an event about one record to the plain diff', () => {
    expect(listedChanges({ serial: 'SN-1' })).toBeNull();
    expect(listedChanges(null)).toBeNull();
    expect(diffRows({ serial: 'SN-1' }, { serial: 'SN-2' })).toEqual([{ field: 'serial', before: 'SN-1', after: 'SN-2', changed: true }]);
  });

  it('skips entries that are not records rather than failing on them', () => {
    expect(listedChanges({ changes: [null, 3, ['x'], { id: 'r1', after: { a: 1 } }] })).toEqual([
      { type: 'record', id: 'r1', rows: [{ field: 'a', before: null, after: '1', changed: true }], received: null },
    ]);
  });
});
