import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { compactFieldHlc, EVERY_FIELD, expandFieldHlc } from './hlc';

const A = '001772442000000:00000000@dev-a';
const B = '001772442000001:00000000@dev-b';

describe('compact field clocks', () => {
  it('keeps the most common stamp as "*" and the others as entries', () => {
    const map = { title: A, status: A, impact: B, scope_id: A, _deleted: A };
    const c = compactFieldHlc(map, ['title', 'status', 'impact', 'scope_id']);
    // Pseudo-fields outside the covered set keep their own entry even when they share the stamp.
    expect(c).toEqual({ [EVERY_FIELD]: A, impact: B, _deleted: A });
    expect(expandFieldHlc(c, ['title', 'status', 'impact', 'scope_id'])).toEqual(map);
  });

  it('leaves a map alone when a covered field has no stamp, or it is already compact', () => {
    const partial = { title: A, status: A };
    expect(compactFieldHlc(partial, ['title', 'status', 'impact'])).toBe(partial);
    const compact = { [EVERY_FIELD]: A, impact: B };
    expect(compactFieldHlc(compact, ['title', 'impact'])).toBe(compact);
  });

  it('expanding a compacted map over the same fields gives it back exactly (property)', () => {
    const seed = Number(process.env.HLC_PROPERTY_SEED ?? 20261128);
    console.log(`compact field clocks property seed: ${seed}`);
    const field = fc.constantFrom('title', 'status', 'impact', 'urgency', 'scope_id', 'number', '_present', '_deleted');
    const stamp = fc.constantFrom(A, B, '001772442000002:00000003@dev-c');
    fc.assert(
      fc.property(fc.dictionary(field, stamp), fc.uniqueArray(field), (map, fields) => {
        const c = compactFieldHlc(map, fields);
        expect(expandFieldHlc(c, fields)).toEqual(map);
        expect(Object.keys(c).length).toBeLessThanOrEqual(Object.keys(map).length);
      }),
      { seed, numRuns: 500 },
    );
  });
});
