import { describe, expect, it } from 'vitest';
import { uuidv7, UUID_RE } from './ids';

describe('uuidv7', () => {
  it('is a version 7, variant 10 UUID', () => {
    const id = uuidv7();
    expect(id).toMatch(UUID_RE);
    expect(id[14]).toBe('7');
    expect('89ab').toContain(id[19]);
  });

  it('carries the millisecond timestamp in its first 48 bits', () => {
    const ms = Date.UTC(2030, 0, 1);
    const id = uuidv7(ms);
    expect(parseInt(id.slice(0, 8) + id.slice(9, 13), 16)).toBe(ms);
  });

  it('sorts in creation order, also within one millisecond and past the 4096 sequence', () => {
    const ms = Date.UTC(2031, 5, 1);
    const ids = Array.from({ length: 10_000 }, () => uuidv7(ms));
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
    const later = uuidv7(ms + 60_000);
    expect(later > ids[ids.length - 1]!).toBe(true);
  });

  it('never goes backwards when the wall clock does', () => {
    const a = uuidv7(Date.UTC(2032, 0, 1));
    const b = uuidv7(Date.UTC(2031, 0, 1));
    expect(b > a).toBe(true);
  });
});
