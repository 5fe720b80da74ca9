/**
 * Holidays from an iCalendar (.ics, RFC 5545) file: each VEVENT's DTSTART/DTEND (all-day dates or
 * date-times) becomes the local dates it covers, and a yearly RRULE (with COUNT or UNTIL) repeats
 * it for the years asked. Other recurrences are reported, never guessed.
 */
import type { Holiday } from './calendar';

export interface IcsResult {
  holidays: Holiday[];
  /** Events that could not be read, with why (line numbers are of the unfolded file). */
  problems: string[];
}

/** Joins folded lines (a line starting with a space or tab continues the previous one). */
function unfold(text: string): { line: string; no: number }[] {
  const out: { line: string; no: number }[] = [];
  const raw = text.replace(/\r\n?/g, '\n').split('\n');
  raw.forEach((l, i) => {
    if ((l.startsWith(' ') || l.startsWith('\t')) && out.length) out[out.length - 1]!.line += l.slice(1);
    else out.push({ line: l, no: i + 1 });
  });
  return out;
}

function unescapeText(v: string): string {
  return v.replace(/\\([\\;,nN])/g, (_, c: string) => (c === 'n' || c === 'N' ? ' ' : c)).trim();
}

interface Prop {
  name: string;
  params: Record<string, string>;
  value: string;
}

function parseProp(line: string): Prop | null {
  // NAME;PARAM=VALUE;PARAM="quoted":value
  let i = 0;
  let inQuote = false;
  for (; i < line.length; i++) {
    const ch = line[i];
    if (ch === '"') inQuote = !inQuote;
    else if (ch === ':' && !inQuote) break;
  }
  if (i >= line.length) return null;
  const head = line.slice(0, i);
  const value = line.slice(i + 1);
  const [name, ...ps] = head.split(';');
  const params: Record<string, string> = {};
  for (const p of ps) {
    const eq = p.indexOf('=');
    if (eq > 0) params[p.slice(0, eq).toUpperCase()] = p.slice(eq + 1).replace(/^"|"$/g, '');
  }
  return { name: (name ?? '').toUpperCase(), params, value };
}

/** A DATE or DATE-TIME value read as its calendar date (the date written, in the event's own zone). */
function dateOf(v: string): string | null {
  const m = /^(\d{4})(\d{2})(\d{2})(T\d{6}Z?)?$/.exec(v.trim());
  if (!m) return null;
  const iso = `${m[1]}-${m[2]}-${m[3]}`;
  const t = Date.parse(`${iso}T00:00:00Z`);
  if (!Number.isFinite(t) || new Date(t).toISOString().slice(0, 10) !== iso) return null;
  return iso;
}

const DAY = 86_400_000;
const addDays = (iso: string, n: number) => new Date(Date.parse(`${iso}T00:00:00Z`) + n * DAY).toISOString().slice(0, 10);

function setYear(iso: string, year: number): string | null {
  const d = `${String(year).padStart(4, '0')}${iso.slice(4)}`;
  // 29 February only in leap years.
  return Number.isFinite(Date.parse(`${d}T00:00:00Z`)) && new Date(`${d}T00:00:00Z`).toISOString().slice(0, 10) === d ? d : null;
}

/**
 * Reads holidays from .ics text. Yearly rules are expanded over `years` (inclusive); an event
 * spanning several days gives one holiday per day (DTEND is exclusive for all-day events).
 */
export function holidaysFromIcs(text: string, years: { from: number; to: number }): IcsResult {
  const holidays = new Map<string, Holiday>();
  const problems: string[] = [];
  const lines = unfold(text);
  if (!lines.some((l) => l.line.trim().toUpperCase() === 'BEGIN:VCALENDAR')) return { holidays: [], problems: ['This file is not an iCalendar file (no BEGIN:VCALENDAR).'] };
  let ev: { start?: Prop; end?: Prop; summary?: string; rrule?: string; no: number } | null = null;
  for (const { line, no } of lines) {
    const t = line.trim();
    if (t.toUpperCase() === 'BEGIN:VEVENT') {
      ev = { no };
      continue;
    }
    if (t.toUpperCase() === 'END:VEVENT') {
      if (ev) addEvent(ev);
      ev = null;
      continue;
    }
    if (!ev) continue;
    const p = parseProp(t);
    if (!p) continue;
    if (p.name === 'DTSTART') ev.start = p;
    else if (p.name === 'DTEND') ev.end = p;
    else if (p.name === 'SUMMARY') ev.summary = unescapeText(p.value);
    else if (p.name === 'RRULE') ev.rrule = p.value;
  }

  function addEvent(e: { start?: Prop; end?: Prop; summary?: string; rrule?: string; no: number }) {
    const name = (e.summary || 'Holiday').slice(0, 120);
    const start = e.start ? dateOf(e.start.value) : null;
    if (!start) {
      problems.push(`Line ${e.no}: "${name}" has no readable DTSTART.`);
      return;
    }
    const allDay = e.start?.params.VALUE === 'DATE' || /^\d{8}$/.test(e.start!.value.trim());
    const end = e.end ? dateOf(e.end.value) : null;
    if (e.end && !end) {
      problems.push(`Line ${e.no}: "${name}" has an unreadable DTEND.`);
      return;
    }
    // All-day DTEND is the day after; a timed event covers the dates it touches.
    let days = 1;
    if (end) {
      const span = Math.round((Date.parse(`${end}T00:00:00Z`) - Date.parse(`${start}T00:00:00Z`)) / DAY);
      days = allDay ? Math.max(1, span) : Math.max(1, span + (e.end!.value.includes('T000000') ? 0 : 1));
    }
    if (days > 366) {
      problems.push(`Line ${e.no}: "${name}" lasts ${days} days; not taken as a holiday.`);
      return;
    }
    let starts = [start];
    if (e.rrule) {
      const rule: Record<string, string> = {};
      for (const part of e.rrule.split(';')) {
        const [k, v] = part.split('=');
        if (k && v) rule[k.toUpperCase()] = v.toUpperCase();
      }
      if (rule.FREQ !== 'YEARLY' || rule.BYDAY || rule.BYSETPOS || rule.BYWEEKNO || rule.BYYEARDAY) {
        problems.push(`Line ${e.no}: "${name}" repeats by a rule Outpost does not expand (${e.rrule}); add its dates one by one.`);
        return;
      }
      const interval = Math.max(1, Number(rule.INTERVAL ?? 1) || 1);
      const count = rule.COUNT ? Number(rule.COUNT) : Infinity;
      const until = rule.UNTIL ? dateOf(rule.UNTIL) : null;
      const first = Number(start.slice(0, 4));
      starts = [];
      let n = 0;
      for (let y = first; y <= years.to && n < count; y += interval, n++) {
        const d = setYear(start, y);
        if (!d) continue;
        if (until && d > until) break;
        if (y >= years.from) starts.push(d);
      }
    }
    for (const s of starts) {
      for (let i = 0; i < days; i++) {
        const d = addDays(s, i);
        const y = Number(d.slice(0, 4));
        if (y < years.from || y > years.to) continue;
        if (!holidays.has(d)) holidays.set(d, { date: d, name });
      }
    }
  }
  return { holidays: [...holidays.values()].sort((a, b) => (a.date < b.date ? -1 : 1)), problems };
}
