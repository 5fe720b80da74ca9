/**
 * Human numbers of every numbered record type (INC0000001, REQ0000001, RSK-0001): one scheme per
 * prefix, read by the device's counters and leases, the server's lease route and its renumbering of
 * clashes, so a new numbered type is one line here.
 */
export interface NumberScheme {
  prefix: string;
  /** The record type and field that hold the number. */
  entity: string;
  field: string;
  /** Between the prefix and the digits. */
  sep: string;
  /** Padded to at least this many digits; longer numbers keep growing (RSK-10000). */
  digits: number;
  /** The highest number the scheme may reach. */
  max: number;
}

export const NUMBER_SCHEMES: readonly NumberScheme[] = [
  { prefix: 'INC', entity: 'tickets', field: 'number', sep: '', digits: 7, max: 9_999_999 },
  { prefix: 'REQ', entity: 'tickets', field: 'number', sep: '', digits: 7, max: 9_999_999 },
  { prefix: 'RSK', entity: 'risks', field: 'number', sep: '-', digits: 4, max: 9_999_999 },
  { prefix: 'KB', entity: 'kb_articles', field: 'number', sep: '', digits: 7, max: 9_999_999 },
  { prefix: 'PRB', entity: 'problems', field: 'number', sep: '', digits: 7, max: 9_999_999 },
  { prefix: 'CHG', entity: 'changes', field: 'number', sep: '', digits: 7, max: 9_999_999 },
];

export const NUMBER_PREFIXES: readonly string[] = NUMBER_SCHEMES.map((s) => s.prefix);

export function schemeOf(prefix: string): NumberScheme | undefined {
  return NUMBER_SCHEMES.find((s) => s.prefix === prefix);
}

/** The number field of a numbered record type, or null. */
export function numberedField(entity: string): string | null {
  return NUMBER_SCHEMES.find((s) => s.entity === entity)?.field ?? null;
}

export function formatHumanNumber(prefix: string, n: number): string {
  const s = schemeOf(prefix);
  return `${prefix}${s?.sep ?? ''}${n.toString().padStart(s?.digits ?? 7, '0')}`;
}

/** The scheme and value of a number, or null when it fits none of the schemes of `entity`. */
export function parseHumanNumber(entity: string, number: string): { scheme: NumberScheme; n: number } | null {
  for (const s of NUMBER_SCHEMES) {
    if (s.entity !== entity || !number.startsWith(s.prefix + s.sep)) continue;
    const digits = number.slice(s.prefix.length + s.sep.length);
    if (!new RegExp(`^\\d{${s.digits},${String(s.max).length}}$`).test(digits)) return null;
    const n = Number(digits);
    return n >= 1 && n <= s.max ? { scheme: s, n } : null;
  }
  return null;
}

/** The regular expression the numbers of one prefix match. */
export function numberRegex(prefix: string): RegExp {
  const s = schemeOf(prefix)!;
  return new RegExp(`^${s.prefix}${s.sep}\\d{${s.digits},${String(s.max).length}}$`);
}

/**
 * A block of numbers as ranges of formatted numbers of one width each, so a text range query on
 * the stored numbers counts exactly (RSK-9999 sorts after RSK-10000 as text).
 */
export function sameWidthRanges(prefix: string, first: number, last: number): [string, string][] {
  const out: [string, string][] = [];
  let lo = first;
  while (lo <= last) {
    const width = Math.max(String(lo).length, schemeOf(prefix)?.digits ?? 7);
    const hi = Math.min(last, 10 ** width - 1);
    out.push([formatHumanNumber(prefix, lo), formatHumanNumber(prefix, hi)]);
    lo = hi + 1;
  }
  return out;
}

/** The prefix a number starts with (its leading capitals), and so its scheme. */
export function schemeOfNumber(number: string): NumberScheme | undefined {
  const m = /^[A-Z]+/.exec(number);
  return m ? schemeOf(m[0]) : undefined;
}

/** The human number a record carries in its numbered field (tickets, risks), or null. */
export function numberOf(entity: string, data: Record<string, unknown>): string | null {
  const f = numberedField(entity);
  return f && typeof data[f] === 'string' ? (data[f] as string) : null;
}

/**
 * Every scheme is numbered ahead offline from blocks the server leases each device; once a device's
 * blocks run out offline it gives provisional numbers (see formatProvisional), renumbered by the server.
 */
export const LEASED_PREFIXES: readonly string[] = NUMBER_PREFIXES;

/**
 * A provisional number: given offline once a device's leased blocks are used up, and replaced by a
 * real one at the next sync. `INC-P-3F9A2C-12`: the prefix, P, the device's short id and its own
 * count. It cannot collide with a leased number (those never contain "-P-") nor with another
 * device's, and it fails the prefix's number pattern, so nobody mistakes it for a final number.
 */
export function formatProvisional(prefix: string, deviceShort: string, n: number): string {
  return `${prefix}-P-${deviceShort}-${n}`;
}

/** The device's part of its provisional numbers: the last six hex digits of its id, upper case. */
export function deviceShort(deviceId: string): string {
  return deviceId.replace(/-/g, '').slice(-6).toUpperCase();
}

const PROVISIONAL_RE = /^([A-Z]{2,8})-P-([0-9A-F]{6})-([1-9]\d{0,8})$/;

export function isProvisional(number: string): boolean {
  return PROVISIONAL_RE.test(number);
}

/** The prefix of a provisional number, or null when it is not one. */
export function provisionalPrefix(number: string): string | null {
  return PROVISIONAL_RE.exec(number)?.[1] ?? null;
}

/** What a numbered field accepts from a device: a number of one of `prefixes`, or a provisional one. */
export function numberOrProvisional(prefixes: readonly string[]): RegExp {
  const finals = prefixes.map((p) => numberRegex(p).source.slice(1, -1));
  const provisional = `(?:${prefixes.join('|')})-P-[0-9A-F]{6}-[1-9]\\d{0,8}`;
  return new RegExp(`^(?:${[...finals, provisional].join('|')})$`);
}
