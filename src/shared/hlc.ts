/**
 * Hybrid logical clock. A timestamp is a fixed-width string "wall:counter" so that plain string
 * comparison orders it; ties between devices break on device id. The counter is 8 hex digits
 * (4 billion events per millisecond), so a burst of local writes never overflows it.
 */
export interface HlcState {
  wall: number;
  counter: number;
}

const WALL_WIDTH = 15;
const COUNTER_WIDTH = 8;
/** A remote clock further ahead than this is clamped rather than adopted (and flagged). */
export const MAX_DRIFT_MS = 5 * 60 * 1000;
/** The largest counter the fixed width holds; one more rolls over into the next millisecond. */
export const MAX_COUNTER = 0xffffffff;
/**
 * A pushed clock whose counter is this close to the top is refused: no honest device makes four
 * billion writes in one millisecond, and adopting it would push every replica towards the rollover.
 */
export const COUNTER_LIMIT = 0xffff0000;
/**
 * A pushed clock whose counter is above this (16 million events in one millisecond) is accepted
 * but rolled over into the next millisecond on the server, so no replica ever adopts a counter
 * from which its own honest writes could climb to the limit.
 */
export const COUNTER_ROLLOVER = 0x01000000;

/** Keeps a state inside the fixed width: a counter past the top carries into the wall time. */
function normalise(s: HlcState): HlcState {
  if (Number.isInteger(s.counter) && s.counter >= 0 && s.counter <= MAX_COUNTER) return s;
  return { wall: s.wall + 1, counter: 0 };
}

export function formatHlc(state: HlcState): string {
  const s = normalise(state);
  return `${s.wall.toString().padStart(WALL_WIDTH, '0')}:${s.counter.toString(16).padStart(COUNTER_WIDTH, '0')}`;
}

export function parseHlc(text: string): HlcState {
  const m = /^(\d{15}):([0-9a-f]{8})$/.exec(text);
  if (!m) throw new Error(`Malformed clock value "${text}"`);
  return { wall: Number(m[1]), counter: parseInt(m[2]!, 16) };
}

export function isHlc(text: unknown): text is string {
  return typeof text === 'string' && /^\d{15}:[0-9a-f]{8}$/.test(text);
}

/**
 * Reads a stored clock that may be malformed (a counter that overflowed its eight digits before
 * clocks carried over, or damage): the result is always a valid state at or after what was meant,
 * so a store repairs its clock when it opens instead of failing every write.
 */
export function repairHlc(text: string | null | undefined): HlcState {
  if (!text) return { wall: 0, counter: 0 };
  if (isHlc(text)) return parseHlc(text);
  const m = /^(\d{1,15}):([0-9a-f]{1,16})$/.exec(text);
  if (!m) return { wall: 0, counter: 0 };
  return normalise({ wall: Number(m[1]), counter: parseInt(m[2]!, 16) });
}

/** Advance for a local event. */
export function tick(state: HlcState, nowMs: number): HlcState {
  if (nowMs > state.wall) return { wall: nowMs, counter: 0 };
  return normalise({ wall: state.wall, counter: state.counter + 1 });
}

/**
 * Advance on receiving a remote clock. Returns the new state and whether the remote was clamped
 * because it ran too far ahead of our wall clock.
 */
export function receive(
  state: HlcState,
  remote: HlcState,
  nowMs: number,
): { state: HlcState; clamped: boolean } {
  let clamped = false;
  let r = remote;
  if (r.wall > nowMs + MAX_DRIFT_MS) {
    clamped = true;
    r = { wall: nowMs + MAX_DRIFT_MS, counter: 0 };
  }
  const wall = Math.max(state.wall, r.wall, nowMs);
  let counter: number;
  if (wall === state.wall && wall === r.wall) counter = Math.max(state.counter, r.counter) + 1;
  else if (wall === state.wall) counter = state.counter + 1;
  else if (wall === r.wall) counter = r.counter + 1;
  else counter = 0;
  return { state: normalise({ wall, counter }), clamped };
}

/** Total order over (hlc, deviceId). */
export function compareStamp(aHlc: string, aDevice: string, bHlc: string, bDevice: string): number {
  if (aHlc < bHlc) return -1;
  if (aHlc > bHlc) return 1;
  if (aDevice < bDevice) return -1;
  if (aDevice > bDevice) return 1;
  return 0;
}

/**
 * A stamp is "hlc@deviceId": the fixed-width clock first, so plain string comparison gives the
 * total order (hlc, deviceId). field_hlc maps each field to the stamp of its last write.
 */
export function makeStamp(hlc: string, deviceId: string): string {
  return `${hlc}@${deviceId}`;
}

export function stampDevice(stamp: string): string {
  return stamp.slice(stamp.indexOf('@') + 1);
}

export function stampHlc(stamp: string): string {
  return stamp.slice(0, stamp.indexOf('@'));
}

/**
 * field_hlc may hold "*": the stamp of every field without an entry of its own. A new row is
 * stored as {"*": stamp} instead of one entry per column, which keeps rows small; readers that
 * compare per-field stamps expand it first.
 */
export const EVERY_FIELD = '*';

export function expandFieldHlc(map: Record<string, string>, fields: Iterable<string>): Record<string, string> {
  const all = map[EVERY_FIELD];
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(map)) if (k !== EVERY_FIELD) out[k] = v;
  if (all !== undefined) for (const f of fields) if (out[f] === undefined) out[f] = all;
  return out;
}

/**
 * The inverse of expandFieldHlc: when every one of `fields` has a stamp, the most common of them
 * becomes "*" and only the others keep entries (keys outside `fields`, such as pseudo-fields, are
 * kept as they are). Expanding the result over the same `fields` gives back exactly `map`; when a
 * field has no stamp (or the map is already compact) `map` is returned unchanged. Rows written in
 * one go share one stamp, so their clocks shrink from one entry per column to one entry.
 */
export function compactFieldHlc(map: Record<string, string>, fields: readonly string[]): Record<string, string> {
  if (map[EVERY_FIELD] !== undefined) return map;
  const counts = new Map<string, number>();
  let best = '';
  let bestCount = 0;
  for (const f of fields) {
    const s = map[f];
    if (s === undefined) return map;
    const n = (counts.get(s) ?? 0) + 1;
    counts.set(s, n);
    if (n > bestCount) {
      best = s;
      bestCount = n;
    }
  }
  if (bestCount < 2) return map;
  const covered = new Set(fields);
  const out: Record<string, string> = { [EVERY_FIELD]: best };
  for (const k in map) if (!(covered.has(k) && map[k] === best)) out[k] = map[k]!;
  return out;
}
