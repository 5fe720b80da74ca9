/** Reads the team's SLA policies and calendars from the store into the shared shapes. */
import type Database from 'better-sqlite3';
import { ALWAYS_OPEN, type Calendar, type Holiday, type Window } from '../../../shared/sla/calendar';
import { escalationLevels, slaTargets, warnShareOf, type SlaPolicy } from '../../../shared/sla/policy';
import type { TicketType } from '../../../shared/tickets/rules';

export interface SlaSetup {
  policies: SlaPolicy[];
  calendars: Map<string, Calendar>;
}

function parse<T>(text: unknown, fallback: T, check: (v: unknown) => T | null): T {
  try {
    return check(JSON.parse(String(text))) ?? fallback;
  } catch {
    return fallback;
  }
}

export function loadCalendars(sqlite: Database.Database): Map<string, Calendar> {
  const rows = sqlite.prepare('SELECT id, name, timezone, hours, holidays FROM sla_calendars WHERE deleted_hlc IS NULL').all() as Record<string, unknown>[];
  const out = new Map<string, Calendar>();
  for (const r of rows) {
    out.set(String(r.id), {
      id: String(r.id),
      name: String(r.name),
      timezone: String(r.timezone),
      hours: parse<Window[]>(r.hours, [], (v) => (Array.isArray(v) ? (v as Window[]) : null)),
      holidays: parse<Holiday[]>(r.holidays, [], (v) => (Array.isArray(v) ? (v as Holiday[]) : null)),
    });
  }
  return out;
}

export function loadPolicies(sqlite: Database.Database): SlaPolicy[] {
  const rows = sqlite
    .prepare(
      'SELECT id, name, position, active, type, category, site_id, calendar_id, warn_share, targets, escalations FROM sla_policies WHERE deleted_hlc IS NULL ORDER BY position, id',
    )
    .all() as Record<string, unknown>[];
  return rows.map((r) => ({
    id: String(r.id),
    name: String(r.name),
    position: Number(r.position),
    active: !!r.active,
    type: (r.type as TicketType | null) ?? null,
    category: (r.category as string | null) ?? null,
    siteId: (r.site_id as string | null) ?? null,
    calendarId: (r.calendar_id as string | null) ?? null,
    warnShare: warnShareOf(r.warn_share),
    targets: parse(r.targets, {}, (v) => slaTargets.safeParse(v).data ?? null),
    escalations: parse(r.escalations, [], (v) => escalationLevels.safeParse(v).data ?? null),
  }));
}

export function loadSlaSetup(sqlite: Database.Database): SlaSetup {
  return { policies: loadPolicies(sqlite), calendars: loadCalendars(sqlite) };
}

/** The calendar a policy names; a missing or deleted one counts as around the clock. */
export function calendarOf(setup: SlaSetup, p: SlaPolicy): Calendar {
  return (p.calendarId && setup.calendars.get(p.calendarId)) || ALWAYS_OPEN;
}
