import { describe, expect, it } from 'vitest';
import { ScanDetector, type ScanFeed } from './detector';

function typeAll(d: ScanDetector, text: string, start: number, gapMs: number): ScanFeed[] {
  const out: ScanFeed[] = [];
  let t = start;
  for (const ch of text) {
    out.push(d.feed(ch, t));
    t += gapMs;
  }
  out.push(d.feed('Enter', t));
  return out;
}

describe('ScanDetector', () => {
  it('recognises a fast burst ending in Enter as a scan', () => {
    const d = new ScanDetector();
    const out = typeAll(d, 'ICC-2065556', 1000, 5);
    expect(out.at(-1)).toEqual({ kind: 'scan', code: 'ICC-2065556' });
    expect(out.slice(0, -1).every((f) => f.kind === 'pass')).toBe(true);
  });

  it('ignores human-speed typing', () => {
    const d = new ScanDetector();
    expect(typeAll(d, 'ICC-2065556', 1000, 120).at(-1)).toEqual({ kind: 'pass' });
  });

  it('needs at least four characters', () => {
    const d = new ScanDetector();
    expect(typeAll(d, 'abc', 0, 5).at(-1)).toEqual({ kind: 'pass' });
    expect(typeAll(d, 'abcd', 500, 5).at(-1)).toEqual({ kind: 'scan', code: 'abcd' });
  });

  it('keeps only the fast tail when a person typed before the scanner', () => {
    const d = new ScanDetector();
    d.feed('x', 0);
    d.feed('y', 400);
    expect(typeAll(d, 'TAG-1', 900, 4).at(-1)).toEqual({ kind: 'scan', code: 'TAG-1' });
  });

  it('does not count a slow Enter after a fast burst', () => {
    const d = new ScanDetector();
    for (const [i, ch] of [...'ABCDE'].entries()) d.feed(ch, i * 5);
    expect(d.feed('Enter', 500)).toEqual({ kind: 'pass' });
  });

  it('breaks the burst on modifier chords and navigation keys, tolerates Shift', () => {
    const d = new ScanDetector();
    d.feed('A', 0);
    d.feed('B', 5);
    d.feed('c', 10, true);
    d.feed('D', 15);
    expect(d.feed('Enter', 20)).toEqual({ kind: 'pass' });
    const e = new ScanDetector();
    ['A', 'Shift', 'B', 'ArrowLeft', 'C', 'D', 'E', 'F'].forEach((k, i) => e.feed(k, i * 5));
    expect(e.feed('Enter', 45)).toEqual({ kind: 'scan', code: 'CDEF' });
    const f = new ScanDetector();
    ['Shift', 'A', 'Shift', 'B', 'C', 'D'].forEach((k, i) => f.feed(k, i * 5));
    expect(f.feed('Enter', 30)).toEqual({ kind: 'scan', code: 'ABCD' });
  });

  it('reports a burst in progress for the indicator', () => {
    const d = new ScanDetector();
    'ABC'.split('').forEach((k, i) => d.feed(k, i * 5));
    expect(d.bursting).toBe(false);
    d.feed('D', 15);
    expect(d.bursting).toBe(true);
    d.feed('Enter', 20);
    expect(d.bursting).toBe(false);
  });
});

describe('ScanDetector.continues', () => {
  it('says a key extends a fast run only once enough keys are in', () => {
    const d = new ScanDetector();
    d.feed('x', 0);
    d.feed('j', 10);
    expect(d.continues(20, 3)).toBe(false);
    d.feed('x', 20);
    expect(d.continues(30, 3)).toBe(true);
    expect(d.continues(100, 3)).toBe(false);
  });
});

describe('ScanDetector and a held or hammered key', () => {
  it('never takes a fast run of one repeated character as a scan or a burst', () => {
    const d = new ScanDetector();
    // Holding j auto-repeats about every 30 ms: faster than the 35 ms scanner gap.
    for (let i = 0; i < 12; i++) d.feed('j', i * 30);
    expect(d.bursting).toBe(false);
    expect(d.continues(12 * 30, 3, 'j')).toBe(false);
    expect(d.feed('Enter', 12 * 30)).toEqual({ kind: 'pass' });
  });

  it('still recognises tags that merely start with repeated characters', () => {
    const d = new ScanDetector();
    expect(typeAll(d, '0001234', 0, 5).at(-1)).toEqual({ kind: 'scan', code: '0001234' });
    const e = new ScanDetector();
    'AAA'.split('').forEach((k, i) => e.feed(k, i * 5));
    expect(e.continues(15, 3, 'B')).toBe(true);
  });
});
