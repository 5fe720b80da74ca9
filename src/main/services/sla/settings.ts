/**
 * SLA settings: business-hours calendars and SLA policies, team-wide records written through the
 * record primitive. Every change recomputes the open tickets' deadlines: in the same transaction on a
 * small store, in the background in short chunks on a large one (recompute-job.ts).
 */
import type { Ctx } from '../core/context';
import { write } from '../core/write';
import { createRecord, deleteRecord, updateRecord } from '../core/record';
import { uuidv7 } from '../../../shared/ids';
import { AppError } from '../../../shared/result';
import { GLOBAL_SCOPE } from '../directory/scopes';
import type { Calendar } from '../../../shared/sla/calendar';
import { holidaysFromIcs, type IcsResult } from '../../../shared/sla/ics';
import type { SlaPolicy } from '../../../shared/sla/policy';
import { loadCalendars, loadPolicies } from './load';
import { requestSlaRecompute, startSlaRecompute } from './recompute-job';

export type CalendarInput = Omit<Calendar, 'id'> & { id?: string };
export type PolicyInput = Omit<SlaPolicy, 'id'> & { id?: string };

/** Every open ticket's deadline follows the change: at once on a small store, else in the background (recompute-job.ts). */
function recomputeAfterChange(ctx: Ctx): void {
  requestSlaRecompute(ctx.store.sqlite);
  startSlaRecompute(ctx.store.sqlite);
}

export function listCalendars(ctx: Ctx): Calendar[] {
  return [...loadCalendars(ctx.store.sqlite).values()].sort((a, b) => a.name.localeCompare(b.name));
}

export function listPolicies(ctx: Ctx): SlaPolicy[] {
  return loadPolicies(ctx.store.sqlite);
}

function exists(ctx: Ctx, table: 'sla_calendars' | 'sla_policies', id: string): boolean {
  return !!ctx.store.sqlite.prepare(`SELECT 1 FROM ${table} WHERE id = ? AND deleted_hlc IS NULL`).get(id);
}

export function saveCalendar(ctx: Ctx, input: CalendarInput): Calendar {
  const id = input.id ?? uuidv7();
  const values = {
    name: input.name,
    timezone: input.timezone,
    hours: JSON.stringify(input.hours),
    holidays: JSON.stringify([...input.holidays].sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0))),
  };
  const known = input.id ? exists(ctx, 'sla_calendars', input.id) : false;
  if (input.id && !known) throw new AppError('not_found', 'No such calendar.');
  write(ctx, (w) => {
    if (known) updateRecord(ctx, w, 'sla_calendars', id, values);
    else createRecord(ctx, w, 'sla_calendars', id, GLOBAL_SCOPE, values);
    recomputeAfterChange(ctx);
  });
  return listCalendars(ctx).find((c) => c.id === id)!;
}

export function deleteCalendar(ctx: Ctx, id: string): void {
  if (!exists(ctx, 'sla_calendars', id)) throw new AppError('not_found', 'No such calendar.');
  const users = ctx.store.sqlite.prepare('SELECT name FROM sla_policies WHERE calendar_id = ? AND deleted_hlc IS NULL').pluck().all(id) as string[];
  if (users.length) throw new AppError('conflict', `This calendar is used by ${users.map((n) => `“${n}”`).join(', ')}; choose another calendar there first.`);
  write(ctx, (w) => {
    deleteRecord(ctx, w, 'sla_calendars', id);
    recomputeAfterChange(ctx);
  });
}

export function savePolicy(ctx: Ctx, input: PolicyInput): SlaPolicy {
  const id = input.id ?? uuidv7();
  if (input.calendarId && !exists(ctx, 'sla_calendars', input.calendarId)) {
    throw new AppError('invalid_input', 'No such calendar.', [{ path: ['calendarId'], message: 'Unknown calendar.' }]);
  }
  const keys = input.escalations.map((e) => e.key);
  const dup = keys.find((k, i) => keys.indexOf(k) !== i);
  if (dup) throw new AppError('invalid_input', `Two escalation levels share the key “${dup}”; each level needs its own.`, [{ path: ['escalations'], message: 'Duplicate key.' }]);
  const values = {
    name: input.name,
    position: input.position,
    active: input.active ? 1 : 0,
    type: input.type,
    category: input.category,
    site_id: input.siteId,
    calendar_id: input.calendarId,
    warn_share: input.warnShare,
    targets: JSON.stringify(input.targets),
    escalations: JSON.stringify(input.escalations),
  };
  const known = input.id ? exists(ctx, 'sla_policies', input.id) : false;
  if (input.id && !known) throw new AppError('not_found', 'No such SLA policy.');
  write(ctx, (w) => {
    if (known) updateRecord(ctx, w, 'sla_policies', id, values);
    else createRecord(ctx, w, 'sla_policies', id, GLOBAL_SCOPE, values);
    recomputeAfterChange(ctx);
  });
  return listPolicies(ctx).find((p) => p.id === id)!;
}

export function deletePolicy(ctx: Ctx, id: string): void {
  if (!exists(ctx, 'sla_policies', id)) throw new AppError('not_found', 'No such SLA policy.');
  write(ctx, (w) => {
    deleteRecord(ctx, w, 'sla_policies', id);
    recomputeAfterChange(ctx);
  });
}

/** Reads holidays from an iCalendar file (nothing is saved: the calendar form shows them to keep). */
export function importHolidays(text: string, years: { from: number; to: number }): IcsResult {
  if (years.to < years.from) throw new AppError('invalid_input', 'The last year comes before the first.', [{ path: ['toYear'], message: 'Before the first year.' }]);
  const r = holidaysFromIcs(text, years);
  if (!r.holidays.length && r.problems.length) throw new AppError('invalid_input', r.problems.join(' '));
  return r;
}
