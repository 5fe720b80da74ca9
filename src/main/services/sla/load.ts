/** Reads the team's SLA policies and calendars from the store into the shared shapes. */
import type Database from 'better-sqlite3';
import type { Calendar } from '../../../shared/sla/calendar';
import type { SlaPolicy } from '../../../shared/sla/policy';
import { calendarFromFields, policyFromFields, type SlaSetup } from '../../../shared/sla/setup';

export { calendarOf, type SlaSetup } from '../../../shared/sla/setup';

export function loadCalendars(sqlite: Database.Database): Map<string, Calendar> {
  const rows = sqlite.prepare('SELECT id, name, timezone, hours, holidays FROM sla_calendars WHERE deleted_hlc IS NULL').all() as Record<string, unknown>[];
  const out = new Map<string, Calendar>();
  for (const r of rows) out.set(String(r.id), calendarFromFields(r));
  return out;
}

export function loadPolicies(sqlite: Database.Database): SlaPolicy[] {
  const rows = sqlite
    .prepare(
      'SELECT id, name, position, active, type, category, site_id, calendar_id, warn_share, targets, escalations FROM sla_policies WHERE deleted_hlc IS NULL ORDER BY position, id',
    )
    .all() as Record<string, unknown>[];
  return rows.map(policyFromFields);
}

export function loadSlaSetup(sqlite: Database.Database): SlaSetup {
  return { policies: loadPolicies(sqlite), calendars: loadCalendars(sqlite) };
}
