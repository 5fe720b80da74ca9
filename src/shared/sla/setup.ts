/**
 * The team's SLA setup (policies and calendars) built from their synced fields, and one ticket's
 * figures under it. Shared by the device (rows of its store) and the central server (records of its
 * change log, for the requester portal), so both compute the same aim from the same history.
 */
import { ALWAYS_OPEN, type Calendar, type Holiday, type Window } from './calendar';
import { computeSla, type SlaFigures, type StatusEvent } from './clock';
import { choosePolicy, escalationLevels, slaTargets, warnShareOf, type SlaPolicy } from './policy';
import type { TicketType } from '../tickets/rules';

export interface SlaSetup {
  policies: SlaPolicy[];
  calendars: Map<string, Calendar>;
}

/** The ticket fields an SLA is computed from (their synced column names). */
export interface TicketSlaFacts {
  id: string;
  type: string;
  category: string | null;
  scope_id: string;
  priority: number;
  opened_at: string;
  first_response_at: string | null;
}

export interface TicketSla {
  policy: SlaPolicy;
  figures: SlaFigures;
}

function parse<T>(text: unknown, fallback: T, check: (v: unknown) => T | null): T {
  try {
    return check(JSON.parse(String(text))) ?? fallback;
  } catch {
    return fallback;
  }
}

/** A calendar from its synced fields (`sla_calendars`); malformed hours or holidays read as none. */
export function calendarFromFields(r: Record<string, unknown>): Calendar {
  return {
    id: String(r.id),
    name: String(r.name),
    timezone: String(r.timezone),
    hours: parse<Window[]>(r.hours, [], (v) => (Array.isArray(v) ? (v as Window[]) : null)),
    holidays: parse<Holiday[]>(r.holidays, [], (v) => (Array.isArray(v) ? (v as Holiday[]) : null)),
  };
}

/** A policy from its synced fields (`sla_policies`); malformed targets or levels read as none. */
export function policyFromFields(r: Record<string, unknown>): SlaPolicy {
  return {
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
  };
}

/** Policies in the order every device reads them: by position, then id. */
export function orderPolicies(policies: SlaPolicy[]): SlaPolicy[] {
  return policies.sort((a, b) => a.position - b.position || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** The calendar a policy names; a missing or deleted one counts as around the clock. */
export function calendarOf(setup: SlaSetup, p: SlaPolicy): Calendar {
  return (p.calendarId && setup.calendars.get(p.calendarId)) || ALWAYS_OPEN;
}

/** The policy and figures of one ticket, or null when no policy applies. */
export function slaOfTicket(setup: SlaSetup, t: TicketSlaFacts, history: readonly StatusEvent[]): TicketSla | null {
  const policy = choosePolicy(setup.policies, { type: t.type, category: t.category, siteId: t.scope_id, priority: t.priority });
  if (!policy) return null;
  const tg = policy.targets[String(t.priority) as '1']!;
  const figures = computeSla(
    { openedAt: t.opened_at, firstResponseAt: t.first_response_at, history },
    { responseMinutes: tg.response, resolutionMinutes: tg.resolution, warnShare: policy.warnShare, calendar: calendarOf(setup, policy) },
  );
  return { policy, figures };
}
