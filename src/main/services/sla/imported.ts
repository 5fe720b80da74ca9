/**
 * Once per store: tickets imported from ServiceNow before the import wrote Outpost's pending reasons
 * get their SLA columns derived again. Their pending moves carry ServiceNow's state text
 * ("ServiceNow: Awaiting User Info (…)"), which the clock now reads as the pause it stands for
 * (shared/tickets/servicenow-states.ts); and imported open tickets got no SLA columns at import then.
 * The history rows themselves stay as they were synced (they are append-only records every device
 * and the server hold alike), so every device reads them the same way.
 */
import type Database from 'better-sqlite3';
import { getMeta, setMeta } from '../core/meta';
import { loadSlaSetup } from './load';
import { recomputeSla } from './recompute';

const REPAIRED_KEY = 'sla.servicenow-pauses';

/** Returns how many tickets were recomputed (0 when done before, or nothing needs it). */
export function repairImportedSla(sqlite: Database.Database): number {
  if (getMeta(sqlite, REPAIRED_KEY)) return 0;
  let tickets = 0;
  sqlite
    .transaction(() => {
      const setup = loadSlaSetup(sqlite);
      if (setup.policies.length) {
        const ids = sqlite
          .prepare(
            `SELECT t.id FROM tickets t WHERE t.source_number IS NOT NULL AND t.deleted_hlc IS NULL AND (t.is_open = 1 OR EXISTS (
               SELECT 1 FROM ticket_history h WHERE h.ticket_id = t.id AND h.kind = 'status' AND h.to_value = 'pending' AND h.reason LIKE 'ServiceNow: %'))`,
          )
          .pluck()
          .all() as string[];
        for (let i = 0; i < ids.length; i += 5_000) recomputeSla(sqlite, ids.slice(i, i + 5_000), setup);
        tickets = ids.length;
      }
      setMeta(sqlite, REPAIRED_KEY, new Date().toISOString());
    })
    .immediate();
  return tickets;
}
