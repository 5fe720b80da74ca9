import { describe, expect, it } from 'vitest';
import { compareStamp, formatHlc, isHlc, makeStamp, MAX_DRIFT_MS, parseHlc, receive, repairHlc, stampDevice, stampHlc, tick, type HlcState } from './hlc';

const T = Date.UTC(2026, 2, 2, 9, 0, 0);

describe('hybrid logical clock', () => {
  it('formats to a fixed width that parses back', () => {
    const s = { wall: T, counter: 0x1f };
    const text = formatHlc(s);
    expect(text).toBe(`00${T}:0000001f`);
    expect(isHlc(text)).toBe(true);
    expect(parseHlc(text)).toEqual(s);
    expect(() => parseHlc('12:3')).toThrow(/Malformed clock value/);
    expect(isHlc('not a clock')).toBe(false);
  });

  it('tick follows the wall clock, and counts while it stands still or goes back', () => {
    let s: HlcState = { wall: 0, counter: 0 };
    s = tick(s, T);
    expect(s).toEqual({ wall: T, counter: 0 });
    s = tick(s, T);
    expect(s).toEqual({ wall: T, counter: 1 });
    s = tick(s, T - 5000); // wall clock stepped back
    expect(s).toEqual({ wall: T, counter: 2 });
    s = tick(s, T + 1);
    expect(s).toEqual({ wall: T + 1, counter: 0 });
  });

  it('70,000 ticks in one millisecond stay strictly ordered as strings', () => {
    let s: HlcState = { wall: 0, counter: 0 };
    let prev = '';
    for (let i = 0; i < 70_000; i++) {
      s = tick(s, T);
      const text = formatHlc(s);
      expect(text > prev).toBe(true);
      prev = text;
    }
    expect(s.counter).toBe(69_999);
    // The next millisecond still sorts after the whole burst.
    expect(formatHlc(tick(s, T + 1)) > prev).toBe(true);
  });

  it('receive takes the maximum of local, remote and wall clock', () => {
    const local = { wall: T, counter: 4 };
    expect(receive(local, { wall: T, counter: 9 }, T).state).toEqual({ wall: T, counter: 10 });
    expect(receive(local, { wall: T - 10, counter: 99 }, T).state).toEqual({ wall: T, counter: 5 });
    expect(receive(local, { wall: T + 1000, counter: 3 }, T).state).toEqual({ wall: T + 1000, counter: 4 });
    expect(receive(local, { wall: T - 10, counter: 3 }, T + 50)).toEqual({ state: { wall: T + 50, counter: 0 }, clamped: false });
  });

  it('after receive, the next local stamp sorts after the remote one', () => {
    const remote = { wall: T + 2000, counter: 7 };
    const { state } = receive({ wall: T, counter: 0 }, remote, T);
    expect(formatHlc(tick(state, T)) > formatHlc(remote)).toBe(true);
  });

  it('clamps a remote clock far ahead and flags it', () => {
    const far = { wall: T + 365 * 86400_000, counter: 5 };
    const r = receive({ wall: T, counter: 0 }, far, T);
    expect(r.clamped).toBe(true);
    expect(r.state.wall).toBe(T + MAX_DRIFT_MS);
    expect(r.state.wall).toBeLessThan(far.wall);
    // Within the drift window it is adopted as is.
    const near = receive({ wall: T, counter: 0 }, { wall: T + MAX_DRIFT_MS, counter: 1 }, T);
    expect(near).toEqual({ state: { wall: T + MAX_DRIFT_MS, counter: 2 }, clamped: false });
  });

  it('orders stamps by clock, then device', () => {
    const a = formatHlc({ wall: T, counter: 1 });
    const b = formatHlc({ wall: T, counter: 2 });
    expect(compareStamp(a, 'dev-z', b, 'dev-a')).toBe(-1);
    expect(compareStamp(b, 'dev-a', a, 'dev-z')).toBe(1);
    expect(compareStamp(a, 'dev-a', a, 'dev-b')).toBe(-1);
    expect(compareStamp(a, 'dev-b', a, 'dev-a')).toBe(1);
    expect(compareStamp(a, 'dev-a', a, 'dev-a')).toBe(0);
    // Stamps compare as plain strings in the same order.
    const sa = makeStamp(a, 'dev-b');
    const sb = makeStamp(a, 'dev-c');
    expect(sa < sb).toBe(true);
    expect(stampHlc(sa)).toBe(a);
    expect(stampDevice(sa)).toBe('dev-b');
  });
});

describe('clocks stay in their fixed width', () => {
  it('a counter at the top carries into the next millisecond instead of growing a digit', () => {
    const top = { wall: 1_700_000_000_000, counter: 0xffffffff };
    const next = tick(top, top.wall);
    expect(next).toEqual({ wall: top.wall + 1, counter: 0 });
    expect(formatHlc(next)).toMatch(/^\d{15}:[0-9a-f]{8}$/);
    const r = receive({ wall: top.wall, counter: 5 }, top, top.wall);
    expect(formatHlc(r.state)).toMatch(/^\d{15}:[0-9a-f]{8}$/);
    expect(r.state.wall).toBe(top.wall + 1);
  });

  it('a store holding a malformed clock reads it as the next valid one', () => {
    expect(repairHlc('001700000000000:100000000')).toEqual({ wall: 1_700_000_000_001, counter: 0 });
    expect(repairHlc('001700000000000:0000000a')).toEqual({ wall: 1_700_000_000_000, counter: 10 });
    expect(repairHlc('garbage')).toEqual({ wall: 0, counter: 0 });
    expect(repairHlc(null)).toEqual({ wall: 0, counter: 0 });
  });
});
