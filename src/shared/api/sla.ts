/** SLA settings (calendars, policies with escalation levels), a ticket's SLA figures, and escalation runs. */
import { z } from 'zod';
import { ADMIN, call, STAFF } from './contract';
import { id } from './common';
import { TICKET_TYPES } from '../tickets/rules';
import type { Calendar, Holiday } from '../sla/calendar';
import { calendarHours, holidays } from '../sla/calendar-text';
import { isTimeZone } from '../sla/calendar';
import { escalationLevels, slaTargets, type SlaPolicy } from '../sla/policy';
import type { SlaLevel } from '../sla/clock';

export interface SlaClockView {
  clock: 'response' | 'resolution';
  level: SlaLevel;
  targetMinutes: number;
  /** Deadline (ISO) while running or once passed; null while paused. */
  dueAt: string | null;
  warnAt: string | null;
  /** Running: ms to the deadline at the time asked (negative when breached). Paused: business ms left. */
  leftMs: number | null;
}

export interface TicketSlaView {
  policyId: string | null;
  policyName: string | null;
  calendarName: string | null;
  clocks: SlaClockView[];
  escalations: { id: string; at: string; summary: string }[];
}

const policyInput = z
  .object({
    id: id.optional(),
    name: z.string().trim().min(1, { message: 'Name the policy.' }).max(120),
    position: z.number().int().min(0).max(100_000).default(0),
    active: z.boolean().default(true),
    type: z.enum(TICKET_TYPES).nullable().default(null),
    category: z.string().trim().min(1).max(120).nullable().default(null),
    siteId: id.nullable().default(null),
    calendarId: id.nullable().default(null),
    warnShare: z.number().gt(0, { message: 'The warning share is above 0 %.' }).lt(1, { message: 'The warning share is below 100 %.' }).default(0.75),
    targets: slaTargets,
    escalations: escalationLevels.default([]),
  })
  .strict();

const calendarInput = z
  .object({
    id: id.optional(),
    name: z.string().trim().min(1, { message: 'Name the calendar.' }).max(120),
    timezone: z.string().trim().refine(isTimeZone, { message: 'Choose a time zone such as Europe/London.' }),
    hours: calendarHours,
    holidays,
  })
  .strict();

export const slaCalls = {
  'sla.settings': call<{ calendars: Calendar[]; policies: SlaPolicy[] }>()(z.object({}).strict().default({}), [...STAFF, 'auditor']),
  'sla.saveCalendar': call<Calendar>()(calendarInput, ADMIN, { mutates: true }),
  'sla.deleteCalendar': call<{ ok: true }>()(z.object({ id }).strict(), ADMIN, { mutates: true }),
  'sla.importHolidays': call<{ holidays: Holiday[]; problems: string[] }>()(
    z
      .object({
        text: z.string().min(1, { message: 'The file is empty.' }).max(5_000_000, { message: 'An iCalendar file of holidays is at most 5 MB.' }),
        fromYear: z.number().int().min(1970).max(2200),
        toYear: z.number().int().min(1970).max(2200),
      })
      .strict(),
    ADMIN,
  ),
  'sla.savePolicy': call<SlaPolicy>()(policyInput, ADMIN, { mutates: true }),
  'sla.deletePolicy': call<{ ok: true }>()(z.object({ id }).strict(), ADMIN, { mutates: true }),
  'sla.ticket': call<TicketSlaView>()(z.object({ id }).strict(), [...STAFF, 'auditor']),
  /** Fires escalation levels that are due (the console asks every minute). */
  'sla.escalate': call<{ checked: number; fired: { ticketId: string; number: string; level: string; summary: string }[] }>()(
    z.object({}).strict().default({}),
    STAFF,
    { mutates: true },
  ),
  'sla.notices': call<{ items: { id: string; ticketId: string; number: string; title: string; summary: string; at: string }[] }>()(
    z.object({ limit: z.number().int().min(1).max(200).default(50) }).strict().default({ limit: 50 }),
    STAFF,
  ),
};
