/** Cell parsers for imports: dates, money, booleans, statuses and asset types, each with a plain error. */
import type { AssetStatus, AssetType } from '../../../../shared/assets/rules';
import { ASSET_STATUSES } from '../../../../shared/assets/rules';

export type Parsed<T> = { ok: true; value: T } | { ok: false; message: string };

function ymd(y: number, m: number, d: number): string | null {
  if (m < 1 || m > 12 || d < 1 || d > 31) return null;
  const iso = `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
  const t = new Date(`${iso}T00:00:00Z`);
  return !Number.isNaN(t.getTime()) && t.toISOString().startsWith(iso) ? iso : null;
}

/**
 * Dates as Snipe-IT and spreadsheets write them: 2026-03-31, 2026/03/31, 3/31/26, 03/31/2026
 * (US month first, as Snipe-IT exports), 31.03.2026 (European dots), and ISO date-times.
 * A slash date whose first part is over 12 is read day first.
 */
export function parseDate(s: string): Parsed<string | null> {
  const v = s.trim();
  if (!v) return { ok: true, value: null };
  let m = /^(\d{4})[-/](\d{1,2})[-/](\d{1,2})(?:[T ][\d:.]+(?:Z|[+-]\d{2}:?\d{2})?)?$/.exec(v);
  if (m) {
    const r = ymd(+m[1]!, +m[2]!, +m[3]!);
    return r ? { ok: true, value: r } : { ok: false, message: `"${v}" is not a real date.` };
  }
  m = /^(\d{1,2})\/(\d{1,2})\/(\d{2}|\d{4})$/.exec(v);
  if (m) {
    let a = +m[1]!;
    let b = +m[2]!;
    let y = +m[3]!;
    if (m[3]!.length === 2) y += y < 70 ? 2000 : 1900;
    if (a > 12) [a, b] = [b, a];
    const r = ymd(y, a, b);
    return r ? { ok: true, value: r } : { ok: false, message: `"${v}" is not a real date.` };
  }
  m = /^(\d{1,2})\.(\d{1,2})\.(\d{4})$/.exec(v);
  if (m) {
    const r = ymd(+m[3]!, +m[2]!, +m[1]!);
    return r ? { ok: true, value: r } : { ok: false, message: `"${v}" is not a real date.` };
  }
  return { ok: false, message: `"${v}" is not a date Outpost can read. Use 2026-03-31 or 3/31/2026.` };
}

/** Money: "$1,234.50", "1234.5", "€ 12,50", "1.234,50". */
export function parseMoney(s: string): Parsed<number | null> {
  let v = s.trim().replace(/^[^\d\-.,]+|[^\d.,]+$/g, '').replace(/\s/g, '');
  if (!v) return s.trim() ? { ok: false, message: `"${s.trim()}" is not an amount.` } : { ok: true, value: null };
  if (/^-?\d{1,3}(\.\d{3})+(,\d+)?$/.test(v) || /^-?\d+,\d{1,2}$/.test(v)) v = v.replace(/\./g, '').replace(',', '.');
  else v = v.replace(/,/g, '');
  const n = Number(v);
  if (!Number.isFinite(n) || !/^-?\d*\.?\d+$/.test(v)) return { ok: false, message: `"${s.trim()}" is not an amount.` };
  if (n < 0) return { ok: false, message: 'A cost cannot be negative.' };
  return { ok: true, value: Math.round(n * 100) / 100 };
}

export function parseBool(s: string): Parsed<boolean | null> {
  const v = s.trim().toLowerCase();
  if (!v) return { ok: true, value: null };
  if (['1', 'true', 'yes', 'y', 'on', 'x'].includes(v)) return { ok: true, value: true };
  if (['0', 'false', 'no', 'n', 'off'].includes(v)) return { ok: true, value: false };
  return { ok: false, message: `"${s.trim()}" is not yes or no.` };
}

export function parseCount(s: string): Parsed<number | null> {
  const v = s.trim().replace(/[\s,]/g, '');
  if (!v) return { ok: true, value: null };
  if (!/^\d+$/.test(v)) return { ok: false, message: `"${s.trim()}" is not a whole number.` };
  return { ok: true, value: Number(v) };
}

/** Snipe-IT status labels (its defaults and common custom ones) and our own names. */
const STATUS_ALIASES: Record<string, AssetStatus> = {
  'ready to deploy': 'in_stock',
  ready: 'in_stock',
  'in stock': 'in_stock',
  instock: 'in_stock',
  available: 'in_stock',
  deployable: 'in_stock',
  deployed: 'deployed',
  'checked out': 'deployed',
  'in use': 'deployed',
  pending: 'on_order',
  ordered: 'on_order',
  'on order': 'on_order',
  'out for repair': 'in_repair',
  'in repair': 'in_repair',
  repair: 'in_repair',
  broken: 'in_repair',
  'out for diagnostics': 'in_repair',
  archived: 'retired',
  retired: 'retired',
  'lost/stolen': 'retired',
  lost: 'retired',
  stolen: 'retired',
  disposed: 'disposed',
  'disposed of': 'disposed',
  scrapped: 'disposed',
};

export function parseStatus(s: string): Parsed<AssetStatus | null> {
  const v = s.trim().toLowerCase().replace(/_/g, ' ').replace(/\s+/g, ' ');
  if (!v) return { ok: true, value: null };
  const direct = ASSET_STATUSES.find((x) => x.replace('_', ' ') === v);
  const hit = direct ?? STATUS_ALIASES[v];
  return hit
    ? { ok: true, value: hit }
    : { ok: false, message: `Unknown status "${s.trim()}". Use one of: ready to deploy, deployed, pending, out for repair, archived, disposed (or ${ASSET_STATUSES.join(', ')}).` };
}

const TYPE_RULES: [RegExp, AssetType][] = [
  [/laptop|notebook|macbook|thinkpad|chromebook|ultrabook/i, 'laptop'],
  [/server|rack|blade/i, 'server'],
  [/desktop|workstation|\bpc\b|imac|tower|all-in-one/i, 'desktop'],
  [/switch|router|firewall|access point|\bap\b|network|wifi|wlan|gateway|modem/i, 'network'],
  [/printer|scanner|copier|mfp|plotter/i, 'printer'],
  [/phone|mobile|iphone|android|smartphone|tablet|ipad|handset/i, 'phone'],
  [/monitor|display|keyboard|mouse|dock|headset|webcam|peripheral|projector|accessor/i, 'peripheral'],
  [/licen[cs]e|software/i, 'software_licence'],
  [/subscription|saas|cloud/i, 'cloud_subscription'],
];

/** The fixed kind from whatever a file calls it (category, model or an explicit type). */
export function inferType(...hints: (string | null | undefined)[]): AssetType {
  for (const h of hints) {
    if (!h) continue;
    const exact = h.trim().toLowerCase().replace(/\s+/g, '_');
    for (const [re, t] of TYPE_RULES) if (exact === t || re.test(h)) return t;
  }
  return 'other';
}

export function addMonths(isoDate: string, months: number): string {
  const d = new Date(`${isoDate}T00:00:00Z`);
  d.setUTCMonth(d.getUTCMonth() + months);
  return d.toISOString().slice(0, 10);
}
