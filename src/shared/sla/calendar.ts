/**
 * Business-hours calendars: weekly opening windows in an IANA time zone, minus holidays, and the
 * arithmetic an SLA clock needs on them (add business time to an instant, business time between
 * two instants). Pure: time zones come from the ECMAScript Intl API, never from the device's zone.
 */

/** One opening window: day of week (0 Sunday … 6 Saturday), start and end in minutes after local midnight. */
export type Window = readonly [day: number, startMinute: number, endMinute: number];

export interface Holiday {
  date: string; // YYYY-MM-DD, local to the calendar
  name: string;
}

export interface Calendar {
  id: string;
  name: string;
  timezone: string;
  /** Empty: open around the clock (holidays still close whole days). */
  hours: readonly Window[];
  holidays: readonly Holiday[];
}

export const DAY_NAMES = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'] as const;

/** Around the clock in UTC: what applies when a policy names no calendar. */
export const ALWAYS_OPEN: Calendar = { id: '24x7', name: '24 × 7', timezone: 'UTC', hours: [], holidays: [] };

const DAY_MS = 86_400_000;
/** How far ahead a calendar is searched for open time before a deadline is called unreachable. */
const MAX_DAYS = 3_700;

const formats = new Map<string, Intl.DateTimeFormat>();

function formatFor(tz: string): Intl.DateTimeFormat {
  let f = formats.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-GB', {
      timeZone: tz,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formats.set(tz, f);
  }
  return f;
}

/** True when the runtime knows this IANA zone. */
export function isTimeZone(tz: string): boolean {
  if (!tz || tz.length > 64) return false;
  try {
    formatFor(tz);
    return true;
  } catch {
    return false;
  }
}

function localParts(tz: string, ms: number): { y: number; m: number; d: number; h: number; mi: number; s: number } {
  const p = { y: 0, m: 0, d: 0, h: 0, mi: 0, s: 0 };
  for (const part of formatFor(tz).formatToParts(new Date(ms))) {
    if (part.type === 'year') p.y = Number(part.value);
    else if (part.type === 'month') p.m = Number(part.value);
    else if (part.type === 'day') p.d = Number(part.value);
    else if (part.type === 'hour') p.h = Number(part.value);
    else if (part.type === 'minute') p.mi = Number(part.value);
    else if (part.type === 'second') p.s = Number(part.value);
  }
  return p;
}

/** The zone's offset from UTC at an instant, in ms (local = utc + offset). */
export function zoneOffset(tz: string, ms: number): number {
  const p = localParts(tz, ms);
  const asUtc = Date.UTC(p.y, p.m - 1, p.d, p.h, p.mi, p.s);
  return asUtc - Math.floor(ms / 1000) * 1000;
}

/**
 * The instant of a local wall time (days since the epoch of the local date, minutes after midnight).
 * A wall time skipped by a spring-forward change maps to the instant just after the gap.
 */
export function localToInstant(tz: string, localDay: number, minute: number): number {
  const wall = localDay * DAY_MS + minute * 60_000;
  const first = wall - zoneOffset(tz, wall);
  const second = wall - zoneOffset(tz, first);
  if (first === second) return first;
  // Two candidates: keep the one that reads back as the asked wall time, else (a gap) the later.
  const back = (t: number) => t + zoneOffset(tz, t) === wall;
  if (back(first) && back(second)) return Math.min(first, second);
  if (back(first)) return first;
  if (back(second)) return second;
  return Math.max(first, second);
}

/** The local date of an instant, as days since 1970-01-01. */
export function localDayOf(tz: string, ms: number): number {
  return Math.floor((ms + zoneOffset(tz, ms)) / DAY_MS);
}

export function dayToIso(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

export function isoToDay(date: string): number {
  return Math.floor(Date.parse(`${date}T00:00:00Z`) / DAY_MS);
}

interface Prepared {
  byDay: [number, number][][];
  holidays: Set<number>;
  days: Map<number, readonly (readonly [number, number])[]>;
  /** The open windows of a span of local days laid end to end, with their running totals (built on first use; 'walk': windows that overlap, so always walk day by day). */
  timeline: Timeline | null | 'walk';
}

/**
 * A span of local days' open windows as flat arrays: starts, ends and the open time before each
 * window. Business time between two instants inside the span is then a difference of two running
 * totals found by binary search, with no time-zone conversion: a million tickets' figures need no
 * `Intl` call beyond the span's days, each worked out once.
 */
interface Timeline {
  /** Local days covered, first and last. */
  firstDay: number;
  lastDay: number;
  starts: Float64Array;
  ends: Float64Array;
  /** Open time of all windows before window i. */
  before: Float64Array;
  total: number;
}

const prepared = new WeakMap<Calendar, Prepared>();
/**
 * The same, by what the calendar says (zone, hours, holidays): a calendar is read afresh from the
 * store for each write, and its days' windows (each a few time-zone conversions) would otherwise be
 * worked out again for every day of every ticket's open life, on every edit. Bounded.
 */
const preparedByContent = new Map<string, Prepared>();
const MAX_PREPARED = 64;

function prepare(cal: Calendar): Prepared {
  let p = prepared.get(cal);
  if (p) return p;
  const content = JSON.stringify([cal.timezone, cal.hours, cal.holidays]);
  p = preparedByContent.get(content);
  if (p) {
    prepared.set(cal, p);
    return p;
  }
  const byDay: [number, number][][] = [[], [], [], [], [], [], []];
  if (!cal.hours.length) for (const d of byDay) d.push([0, 1440]);
  for (const [day, start, end] of cal.hours) if (day >= 0 && day <= 6 && end > start) byDay[day]!.push([Math.max(0, start), Math.min(1440, end)]);
  for (const d of byDay) {
    d.sort((a, b) => a[0] - b[0]);
    // Overlapping windows of one day count once.
    for (let i = 1; i < d.length; ) {
      const prev = d[i - 1]!;
      const cur = d[i]!;
      if (cur[0] <= prev[1]) {
        prev[1] = Math.max(prev[1], cur[1]);
        d.splice(i, 1);
      } else i++;
    }
  }
  p = { byDay, holidays: new Set(cal.holidays.map((h) => isoToDay(h.date))), days: new Map(), timeline: null };
  prepared.set(cal, p);
  if (preparedByContent.size >= MAX_PREPARED) preparedByContent.clear();
  preparedByContent.set(content, p);
  return p;
}

/** The open windows of one local day as instants (cached per calendar object). */
export function windowsOfDay(cal: Calendar, localDay: number): readonly (readonly [number, number])[] {
  const p = prepare(cal);
  let w = p.days.get(localDay);
  if (w) return w;
  if (p.holidays.has(localDay)) w = [];
  else {
    const weekday = (((localDay + 4) % 7) + 7) % 7; // 1970-01-01 was a Thursday
    w = p.byDay[weekday]!.map(([s, e]) => [localToInstant(cal.timezone, localDay, s), localToInstant(cal.timezone, localDay, e)] as const).filter(
      ([s, e]) => e > s,
    );
  }
  p.days.set(localDay, w);
  return w;
}

/**
 * The instant at which `amountMs` of open time has passed since `fromMs`, walking the calendar day
 * by day (the definition; `addBusinessTime` answers the same from the calendar's timeline).
 */
export function addBusinessTimeByDays(cal: Calendar, fromMs: number, amountMs: number): number | null {
  if (amountMs <= 0) return fromMs;
  let left = amountMs;
  const first = localDayOf(cal.timezone, fromMs) - 1;
  for (let day = first; day < first + MAX_DAYS; day++) {
    for (const [s, e] of windowsOfDay(cal, day)) {
      if (e <= fromMs) continue;
      const start = Math.max(s, fromMs);
      if (e - start >= left) return start + left;
      left -= e - start;
    }
  }
  return null;
}

/** Open time between two instants, walking the calendar day by day (the definition; see `businessTimeBetween`). */
export function businessTimeBetweenByDays(cal: Calendar, fromMs: number, toMs: number): number {
  if (toMs <= fromMs) return 0;
  let total = 0;
  const last = localDayOf(cal.timezone, toMs) + 1;
  for (let day = localDayOf(cal.timezone, fromMs) - 1; day <= last; day++) {
    for (const [s, e] of windowsOfDay(cal, day)) {
      const a = Math.max(s, fromMs);
      const b = Math.min(e, toMs);
      if (b > a) total += b - a;
    }
  }
  return total;
}

/** Days a timeline reaches past what was asked, so later tickets rarely make it grow. */
const TIMELINE_MARGIN_DAYS = 400;
/** Any zone's offset is under two days: an instant whose UTC day is this far inside the span has its local day, and the days either side, inside it. */
const ZONE_SLACK_DAYS = 2;

function buildTimeline(cal: Calendar, firstDay: number, lastDay: number): Timeline | null {
  let n = 0;
  for (let d = firstDay; d <= lastDay; d++) n += windowsOfDay(cal, d).length;
  const starts = new Float64Array(n);
  const ends = new Float64Array(n);
  const before = new Float64Array(n);
  let i = 0;
  let sum = 0;
  for (let d = firstDay; d <= lastDay; d++) {
    for (const [s, e] of windowsOfDay(cal, d)) {
      // Windows that overlap or run out of order (never seen in a real zone) are left to the day-by-day walk.
      if (i > 0 && s < ends[i - 1]!) return null;
      starts[i] = s;
      ends[i] = e;
      before[i] = sum;
      sum += e - s;
      i++;
    }
  }
  return { firstDay, lastDay, starts, ends, before, total: sum };
}

/** The calendar's timeline covering the UTC days of `fromMs` … `toMs` (grown when needed), or null to walk day by day. */
function timelineFor(cal: Calendar, fromMs: number, toMs: number): Timeline | null {
  const p = prepare(cal);
  const a = Math.floor(fromMs / DAY_MS);
  const b = Math.floor(toMs / DAY_MS);
  if (!Number.isFinite(a) || !Number.isFinite(b)) return null;
  if (p.timeline === 'walk') return null;
  let t = p.timeline;
  if (t && a - ZONE_SLACK_DAYS >= t.firstDay && b + ZONE_SLACK_DAYS <= t.lastDay) return t;
  const first = Math.min(t ? t.firstDay : Infinity, a - ZONE_SLACK_DAYS - TIMELINE_MARGIN_DAYS);
  const last = Math.max(t ? t.lastDay : -Infinity, b + ZONE_SLACK_DAYS + TIMELINE_MARGIN_DAYS);
  // Bounded: a span of more than about thirty years is walked day by day instead.
  if (last - first > 11_000) return null;
  t = buildTimeline(cal, first, last);
  p.timeline = t ?? 'walk';
  return t;
}

/** Index of the last window starting at or before `ms` (-1: none). */
function windowAt(t: Timeline, ms: number): number {
  let lo = 0;
  let hi = t.starts.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (t.starts[mid]! <= ms) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}

/** Open time of the timeline before `ms`. */
function openBefore(t: Timeline, ms: number): number {
  const i = windowAt(t, ms);
  if (i < 0) return 0;
  return t.before[i]! + Math.min(ms, t.ends[i]!) - t.starts[i]!;
}

/**
 * The instant at which `amountMs` of open time has passed since `fromMs`, or null when the calendar
 * has no open time within about ten years. Zero amount: `fromMs` itself.
 */
export function addBusinessTime(cal: Calendar, fromMs: number, amountMs: number): number | null {
  if (amountMs <= 0) return fromMs;
  const t = timelineFor(cal, fromMs, fromMs);
  if (t) {
    const target = openBefore(t, fromMs) + amountMs;
    // The first window whose running total reaches the target, if the timeline holds it.
    let lo = 0;
    let hi = t.starts.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (t.before[mid]! + t.ends[mid]! - t.starts[mid]! >= target) {
        found = mid;
        hi = mid - 1;
      } else lo = mid + 1;
    }
    if (found >= 0) {
      const at = t.starts[found]! + (target - t.before[found]!);
      // Beyond about ten years from the start the walk gives up: so does the timeline.
      if (at <= fromMs + (MAX_DAYS - ZONE_SLACK_DAYS) * DAY_MS) return at;
    }
  }
  return addBusinessTimeByDays(cal, fromMs, amountMs);
}

/** Open time between two instants, in ms (0 when `toMs` is not after `fromMs`). */
export function businessTimeBetween(cal: Calendar, fromMs: number, toMs: number): number {
  if (toMs <= fromMs) return 0;
  const t = timelineFor(cal, fromMs, toMs);
  if (!t) return businessTimeBetweenByDays(cal, fromMs, toMs);
  return openBefore(t, toMs) - openBefore(t, fromMs);
}
