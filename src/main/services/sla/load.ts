/** Reads the team's SLA policies and calendars from the store into the shared shapes. */
import type Database from 'better-sqlite3';
import type { Calendar } from '../../../shared/sla/calendar';
import type { SlaPolicy } from '../../../shared/sla/policy';
import { calendarFromFields, policyFromFields, type SlaSetup } from '../../../shared/sla/setup';
import { stmt } from '../core/stmt';

export { calendarOf, type SlaSetup } from '../../../shared/sla/setup';

const CALENDARS = 'SELECT id, name, timezone, hours, holidays FROM sla_calendars WHERE deleted_hlc IS NULL';
const POLICIES =
  'SELECT id, name, position, active, type, category, site_id, calendar_id, warn_share, targets, escalations FROM sla_policies WHERE deleted_hlc IS NULL ORDER BY position, id';

export function loadCalendars(sqlite: Database.Database): Map<string, Calendar> {
  return loadSlaSetup(sqlite).calendars;
}

export function loadPolicies(sqlite: Database.Database): SlaPolicy[] {
  return loadSlaSetup(sqlite).policies;
}

/**
 * The setup last read from each store, by the text of its rows: every ticket write reads the setup
 * (its SLA clock and business-hours figures, and what applied at a resolution), and parsing the
 * policies' targets and levels and preparing the calendars again each time is most of that work. The
 * rows are still read each time (a few small rows), so an edit here or a pulled page is seen at once.
 */
const lastRead = new WeakMap<Database.Database, { key: string; setup: SlaSetup }>();

export function loadSlaSetup(sqlite: Database.Database): SlaSetup {
  const calendars = stmt(sqlite, CALENDARS).raw().all() as unknown[][];
  const policies = stmt(sqlite, POLICIES).raw().all() as unknown[][];
  const key = JSON.stringify([calendars, policies]);
  const last = lastRead.get(sqlite);
  if (last && last.key === key) return { policies: [...last.setup.policies], calendars: last.setup.calendars };
  const cols = (names: string[], row: unknown[]) => Object.fromEntries(names.map((n, i) => [n, row[i]]));
  const calendarNames = ['id', 'name', 'timezone', 'hours', 'holidays'];
  const policyNames = ['id', 'name', 'position', 'active', 'type', 'category', 'site_id', 'calendar_id', 'warn_share', 'targets', 'escalations'];
  const setup: SlaSetup = {
    calendars: new Map(calendars.map((r) => [String(r[0]), calendarFromFields(cols(calendarNames, r))])),
    policies: policies.map((r) => policyFromFields(cols(policyNames, r))),
  };
  lastRead.set(sqlite, { key, setup });
  return { policies: [...setup.policies], calendars: setup.calendars };
}
