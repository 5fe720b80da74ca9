/**
 * The business-hours durations of each ticket (docs/kpis.md), kept on the ticket row
 * (response_business_ms, resolve_business_ms) beside the reopenings and reassignments the history
 * triggers keep: open time of the calendar of the SLA policy that applies to the ticket, from opened to
 * first response and from opened to resolved. Derived on this device, never synced; written in the
 * transaction that changed the ticket, its history, a policy or a calendar, and only when they change.
 */
import type Database from 'better-sqlite3';
import { businessTimeBetween } from '../../../shared/sla/calendar';
import { choosePolicy } from '../../../shared/sla/policy';
import { calendarOf, loadSlaSetup, type SlaSetup } from './load';
import { stmt } from '../core/stmt';

export interface Facts {
  id: string;
  type: string;
  category: string | null;
  scope_id: string;
  priority: number;
  status: string;
  opened_at: string;
  first_response_at: string | null;
  resolved_at: string | null;
  /** The durations as stored (compared with the derived ones: a write only when they differ). */
  response_business_ms: number | null;
  resolve_business_ms: number | null;
}

export const FACTS =
  'SELECT id, type, category, scope_id, priority, status, opened_at, first_response_at, resolved_at, response_business_ms, resolve_business_ms FROM tickets';
const CHUNK = 5000;

/** The two durations of one ticket under `setup` (null: no policy applies, or the time is not reached). */
export function businessDurations(setup: SlaSetup, t: Facts): { response: number | null; resolve: number | null } {
  const policy = setup.policies.length
    ? choosePolicy(setup.policies, { type: t.type, category: t.category, siteId: t.scope_id, priority: t.priority })
    : null;
  if (!policy) return { response: null, resolve: null };
  const cal = calendarOf(setup, policy);
  const opened = Date.parse(t.opened_at);
  const finished = t.status === 'resolved' || t.status === 'closed';
  return {
    response: t.first_response_at ? businessTimeBetween(cal, opened, Date.parse(t.first_response_at)) : null,
    resolve: finished && t.resolved_at ? businessTimeBetween(cal, opened, Date.parse(t.resolved_at)) : null,
  };
}

function update(sqlite: Database.Database) {
  return stmt(sqlite, 'UPDATE tickets SET response_business_ms = ?, resolve_business_ms = ? WHERE id = ?');
}

/**
 * Derives one ticket's business-hours durations from its row as read (after a write of it), and writes
 * them only when they differ from the stored ones: most edits (a note, a reassignment, a move to pending)
 * change neither, and an untouched row keeps the KPI indexes that carry them untouched too.
 */
export function deriveTicketFigures(sqlite: Database.Database, t: Facts, setup: SlaSetup): void {
  const d = businessDurations(setup, t);
  if (d.response !== t.response_business_ms || d.resolve !== t.resolve_business_ms) update(sqlite).run(d.response, d.resolve, t.id);
}

/** Derives the given tickets' business-hours durations (after a write of them). */
export function deriveBusinessFigures(sqlite: Database.Database, ids: Iterable<string>, setup: SlaSetup = loadSlaSetup(sqlite)): void {
  const get = stmt(sqlite, `${FACTS} WHERE id = ?`);
  for (const id of new Set(ids)) {
    const t = get.get(id) as Facts | undefined;
    if (t) deriveTicketFigures(sqlite, t, setup);
  }
}

/** Derives every ticket's business-hours durations (a policy or calendar changed, or a store from before them). */
export function rebuildBusinessFigures(sqlite: Database.Database, setup: SlaSetup = loadSlaSetup(sqlite)): { tickets: number } {
  if (!setup.policies.length) {
    sqlite
      .prepare(
        'UPDATE tickets SET response_business_ms = NULL, resolve_business_ms = NULL WHERE response_business_ms IS NOT NULL OR resolve_business_ms IS NOT NULL',
      )
      .run();
    return { tickets: 0 };
  }
  const chunk = sqlite.prepare(`${FACTS} WHERE id > ? ORDER BY id LIMIT ?`);
  let after = '';
  let tickets = 0;
  for (;;) {
    const rows = chunk.all(after, CHUNK) as Facts[];
    if (!rows.length) break;
    for (const t of rows) deriveTicketFigures(sqlite, t, setup);
    tickets += rows.length;
    after = rows[rows.length - 1]!.id;
  }
  return { tickets };
}

/** Meta key naming a store whose tickets' business-hours figures were derived once (kept from when they lived in ticket_figures). */
const DERIVED_KEY = 'ticket_figures.business';

/** Once per store: tickets held from before business-hours figures were kept get theirs. */
export function deriveMissingBusinessFigures(sqlite: Database.Database): boolean {
  if (sqlite.prepare('SELECT 1 FROM meta WHERE key = ?').get(DERIVED_KEY)) return false;
  sqlite
    .transaction(() => {
      rebuildBusinessFigures(sqlite);
      sqlite
        .prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value')
        .run(DERIVED_KEY, '1');
    })
    .immediate();
  return true;
}
