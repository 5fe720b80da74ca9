/**
 * Recognises keyboard-wedge scanner input: a scanner "types" its tag far faster than a person
 * (a few ms per key) and ends with Enter. People rarely sustain < 35 ms between keys, so a run
 * of ≥ 4 printable keys each closer than that, closed by Enter, is taken as a scan.
 * Pure (no DOM) so it can be unit-tested with synthetic timestamps.
 */
export interface ScanDetectorOptions {
  /** Largest gap between two keys of the same burst, in ms. */
  maxGapMs: number;
  /** Fewest characters a scan may have. */
  minLength: number;
  /** Longest tag we accept; longer bursts are treated as noise (a held key, a paste). */
  maxLength: number;
}

export const DEFAULT_SCAN_OPTIONS: ScanDetectorOptions = { maxGapMs: 35, minLength: 4, maxLength: 128 };

export type ScanFeed =
  /** The key was ordinary typing or a burst still in progress: let it through. */
  | { kind: 'pass' }
  /** Enter closed a burst: `code` is the scanned text; the caller should swallow this Enter. */
  | { kind: 'scan'; code: string };

export class ScanDetector {
  private buffer = '';
  private lastAt = Number.NEGATIVE_INFINITY;
  private readonly opts: ScanDetectorOptions;

  constructor(opts: Partial<ScanDetectorOptions> = {}) {
    this.opts = { ...DEFAULT_SCAN_OPTIONS, ...opts };
  }

  /** True while a fast burst long enough to be a scan is being typed (drives the indicator). */
  get bursting(): boolean {
    return this.buffer.length >= this.opts.minLength && !oneRepeatedChar(this.buffer);
  }

  /**
   * Whether a key at `at` would extend a fast run that already holds at least `atLeast` keys.
   * With `key`, a run of one repeated character (a held or hammered `j`) never counts: that is a person.
   */
  continues(at: number, atLeast = 1, key?: string): boolean {
    if (key !== undefined && oneRepeatedChar(this.buffer + key)) return false;
    return this.buffer.length >= atLeast && at - this.lastAt <= this.opts.maxGapMs;
  }

  reset(): void {
    this.buffer = '';
    this.lastAt = Number.NEGATIVE_INFINITY;
  }

  /**
   * Feeds one keydown. `key` is KeyboardEvent.key; `at` a monotonic time in ms.
   * Modifier chords (Ctrl/Alt/Meta) are never part of a scan and break a burst.
   */
  feed(key: string, at: number, modified = false): ScanFeed {
    const gap = at - this.lastAt;
    const fast = gap <= this.opts.maxGapMs;
    if (modified) {
      this.reset();
      return { kind: 'pass' };
    }
    if (key === 'Enter') {
      const code = this.buffer;
      const wasFast = fast;
      this.reset();
      // "jjjjj" then Enter is someone holding j, not a tag: no scanner label is one repeated character.
      if (wasFast && code.length >= this.opts.minLength && code.length <= this.opts.maxLength && !oneRepeatedChar(code)) {
        return { kind: 'scan', code: code.trim() };
      }
      return { kind: 'pass' };
    }
    // Shift is pressed for capitals by some scanners: it is not a character and keeps the burst.
    if (key === 'Shift') {
      return { kind: 'pass' };
    }
    if (key.length !== 1) {
      this.reset();
      return { kind: 'pass' };
    }
    if (!fast) this.buffer = '';
    this.buffer += key;
    this.lastAt = at;
    if (this.buffer.length > this.opts.maxLength) this.reset();
    return { kind: 'pass' };
  }
}

/** True for "jjjj" (length ≥ 2, every character the same). */
function oneRepeatedChar(s: string): boolean {
  if (s.length < 2) return false;
  for (let i = 1; i < s.length; i++) if (s[i] !== s[0]) return false;
  return true;
}
