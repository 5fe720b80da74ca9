/** Dates and numbers in the user's locale; relative ages for lists with the absolute time on hover. */
const locale = typeof navigator !== 'undefined' ? navigator.language : undefined;
const rtf = new Intl.RelativeTimeFormat(locale, { numeric: 'auto', style: 'narrow' });
const dtf = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' });
const nf = new Intl.NumberFormat(locale);

export function formatNumber(n: number) {
  return nf.format(n);
}

export function formatDateTime(iso: string | null | undefined) {
  if (!iso) return '—';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : dtf.format(d);
}

const STEPS: [Intl.RelativeTimeFormatUnit, number][] = [
  ['year', 365 * 24 * 3600],
  ['month', 30 * 24 * 3600],
  ['week', 7 * 24 * 3600],
  ['day', 24 * 3600],
  ['hour', 3600],
  ['minute', 60],
];

export function formatAge(iso: string | null | undefined, now = Date.now()) {
  if (!iso) return '—';
  const secs = (new Date(iso).getTime() - now) / 1000;
  for (const [unit, size] of STEPS) {
    if (Math.abs(secs) >= size) return rtf.format(Math.round(secs / size), unit);
  }
  return 'just now';
}

export function formatMinutes(m: number) {
  const h = Math.floor(m / 60);
  const r = m % 60;
  return h ? `${h} h${r ? ` ${r} min` : ''}` : `${r} min`;
}
