/**
 * The recompute a policy or calendar change starts: every open ticket's SLA columns, then, when the
 * setup they follow changed, every ticket's business-hours figures (docs/kpis.md). On a large store
 * it runs in the background in chunks, each its own short transaction, so saving a policy returns at
 * once and the console never waits long behind it; a small store is done at once, inside the save.
 *
 * Where it stands is kept in the store (meta `sla.recompute`): written in the transaction of the
 * change that asks for it and moved on by each chunk in the chunk's own transaction. A second change
 * while one runs starts it again from the beginning (the next chunk reads the fresh state), and an app
 * that stops half-way finishes at its next start. Tickets written meanwhile are recomputed by their
 * own write, under the setup as it is then, as always.
 */
import type Database from 'better-sqlite3';
import { uuidv7 } from '../../../shared/ids';
import type { StatusEvent } from '../../../shared/sla/clock';
import { slaOfTicket, type SlaSetup, type TicketSlaFacts } from '../../../shared/sla/setup';
import type { TicketStatus } from '../../../shared/tickets/rules';
import { getMetaJson, setMeta, setMetaJson } from '../core/meta';
import { stmt } from '../core/stmt';
import { calendarOf, loadSlaSetup } from './load';
import { businessDurations, type Facts } from './figures';
import { columnsOf, sameColumns, type SlaColumns } from './columns';
import { recomputeSla } from './recompute';

const STATE_KEY = 'sla.recompute';
/** What the business-hours figures of every ticket were last derived under (see `figuresSignature`). */
const FIGURES_KEY = 'sla.figures.setup';

/** Where a recompute stands: the open tickets by (opened_at, id), then all tickets by rowid. */
interface JobState {
  run: string;
  phase: 'open' | 'all';
  openedAt: string;
  id: string;
  rowid: number;
}

/** A store with no more tickets than this is recomputed at once, inside the change that asks for it. */
export const INLINE_TICKETS = 5_000;
/** First chunk sizes (small: a cold store reads slowly); each next chunk is sized to take about `CHUNK_TARGET_MS`. */
export const OPEN_CHUNK = 500;
export const ALL_CHUNK = 1_000;
export const CHUNK_TARGET_MS = 40;

/** Chunk sizes per phase, each next one sized from how long the last took (within bounds). */
export class ChunkSizer {
  private readonly sizes = { open: OPEN_CHUNK, all: ALL_CHUNK };
  size(phase: 'open' | 'all'): number {
    return this.sizes[phase];
  }
  took(phase: 'open' | 'all', read: number, ms: number): void {
    if (read > 0) this.sizes[phase] = Math.max(100, Math.min(50_000, Math.round((this.sizes[phase] * CHUNK_TARGET_MS) / Math.max(1, ms))));
  }
}

/** Where the recompute asked for stands: null when none is. */
export function slaRecomputePhase(sqlite: Database.Database): 'open' | 'all' | null {
  return getMetaJson<JobState | null>(sqlite, STATE_KEY, null)?.phase ?? null;
}

/**
 * Asks for a recompute (inside the transaction of the change that needs it). A recompute already under
 * way starts again from the beginning with its next chunk.
 */
export function requestSlaRecompute(sqlite: Database.Database): void {
  const state: JobState = { run: uuidv7(), phase: 'open', openedAt: '', id: '', rowid: 0 };
  setMetaJson(sqlite, STATE_KEY, state);
}

export function slaRecomputePending(sqlite: Database.Database): boolean {
  return getMetaJson<JobState | null>(sqlite, STATE_KEY, null) !== null;
}

/**
 * The parts of the setup the business-hours figures depend on: which policy a ticket gets (active,
 * narrowing, order, which priorities have targets) and its calendar's zone, hours and holidays. Two
 * setups with the same signature give every ticket the same figures (a change of targets, warning
 * share or escalation levels leaves them as they are).
 */
export function figuresSignature(setup: SlaSetup): string {
  return JSON.stringify(
    setup.policies.map((p) => {
      const cal = calendarOf(setup, p);
      const eligible = (['1', '2', '3', '4'] as const).map((k) => {
        const tg = p.targets[k];
        return tg && (tg.response !== null || tg.resolution !== null) ? 1 : 0;
      });
      return [p.id, p.active, p.type, p.category, p.siteId, p.position, eligible, cal.timezone, cal.hours, cal.holidays];
    }),
  );
}

type OpenRow = TicketSlaFacts & {
  rid: number;
  sla_state: SlaColumns['sla_state'];
  sla_clock: SlaColumns['sla_clock'];
  sla_due_at: number | null;
  sla_warn_at: number | null;
  sla_left_ms: number | null;
  hid: string | null;
  hat: string;
  hto: TicketStatus | null;
  hreason: string | null;
};

/** A chunk of open tickets in (opened_at, id) order through `tickets_open_opened_idx`, each with its status history. */
const OPEN_CHUNK_SQL = `SELECT t.rid, t.id, t.type, t.category, t.scope_id, t.priority, t.opened_at, t.first_response_at,
       t.sla_state, t.sla_clock, t.sla_due_at, t.sla_warn_at, t.sla_left_ms,
       h.id AS hid, h.created_at AS hat, h.to_value AS hto, h.reason AS hreason
FROM (SELECT rowid AS rid, id, type, category, scope_id, priority, opened_at, first_response_at, sla_state, sla_clock, sla_due_at, sla_warn_at, sla_left_ms
      FROM tickets WHERE is_open = 1 AND (opened_at, id) > (?, ?) AND deleted_hlc IS NULL ORDER BY opened_at, id LIMIT ?) t
LEFT JOIN ticket_history h ON h.ticket_id = t.id AND h.kind = 'status' AND h.deleted_hlc IS NULL`;

const SET_COLUMNS_SQL = 'UPDATE tickets SET sla_state = ?, sla_clock = ?, sla_due_at = ?, sla_warn_at = ?, sla_left_ms = ? WHERE rowid = ?';

const ALL_CHUNK_SQL = `SELECT rowid AS rid, id, type, category, scope_id, priority, status, opened_at, first_response_at, resolved_at,
       response_business_ms, resolve_business_ms, is_open, sla_state
FROM tickets WHERE rowid > ? ORDER BY rowid LIMIT ?`;

const SET_FIGURES_SQL = 'UPDATE tickets SET response_business_ms = ?, resolve_business_ms = ? WHERE rowid = ?';
const CLEAR_COLUMNS_SQL = 'UPDATE tickets SET sla_state = NULL, sla_clock = NULL, sla_due_at = NULL, sla_warn_at = NULL, sla_left_ms = NULL WHERE rowid = ?';

export interface StepResult {
  /** True when the recompute is finished. */
  done: boolean;
  /** Tickets read in this chunk, and of them open tickets whose clock was recomputed. */
  read: number;
  open: number;
  /** Rows whose SLA columns or business-hours figures changed. */
  changed: number;
}

function setColumns(sqlite: Database.Database, rid: number, c: SlaColumns): void {
  stmt(sqlite, SET_COLUMNS_SQL).run(c.sla_state, c.sla_clock, c.sla_due_at, c.sla_warn_at, c.sla_left_ms, rid);
}

/** The open tickets' SLA columns, a chunk of them: their rows and status histories in one statement. */
function openChunk(sqlite: Database.Database, setup: SlaSetup, state: JobState, size: number): { read: number; changed: number; last: OpenRow | null } {
  const rows = stmt(sqlite, OPEN_CHUNK_SQL).all(state.openedAt, state.id, size) as OpenRow[];
  const tickets = new Map<string, { row: OpenRow; history: StatusEvent[] }>();
  let last: OpenRow | null = null;
  for (const r of rows) {
    let t = tickets.get(r.id);
    if (!t) tickets.set(r.id, (t = { row: r, history: [] }));
    if (r.hid && r.hto) t.history.push({ id: r.hid, at: r.hat, to: r.hto, reason: r.hreason });
    if (!last || r.opened_at > last.opened_at || (r.opened_at === last.opened_at && r.id > last.id)) last = r;
  }
  let changed = 0;
  for (const { row, history } of tickets.values()) {
    const next = columnsOf(slaOfTicket(setup, row, history));
    if (sameColumns(next, row)) continue;
    setColumns(sqlite, row.rid, next);
    changed++;
  }
  return { read: tickets.size, changed, last };
}

/** Every ticket's business-hours figures (and, with no policy left, every ticket's SLA columns cleared), a chunk of rows in rowid order. */
function allChunk(sqlite: Database.Database, setup: SlaSetup, state: JobState, size: number): { read: number; changed: number; last: number | null } {
  const rows = stmt(sqlite, ALL_CHUNK_SQL).all(state.rowid, size) as (Facts & { rid: number; is_open: number; sla_state: string | null })[];
  const setFigures = stmt(sqlite, SET_FIGURES_SQL);
  let changed = 0;
  for (const t of rows) {
    const d = businessDurations(setup, t);
    if (d.response !== t.response_business_ms || d.resolve !== t.resolve_business_ms) {
      setFigures.run(d.response, d.resolve, t.rid);
      changed++;
    }
    if (!setup.policies.length && t.sla_state !== null) {
      // No policy left: no ticket, open or closed, keeps an SLA column.
      stmt(sqlite, CLEAR_COLUMNS_SQL).run(t.rid);
      changed++;
    }
  }
  return { read: rows.length, changed, last: rows.length ? rows[rows.length - 1]!.rid : null };
}

/**
 * One chunk of the recompute asked for, in its own transaction (or the caller's): null when none is
 * asked for. `size` bounds the tickets the chunk reads.
 */
export function slaRecomputeStep(sqlite: Database.Database, size?: number): StepResult | null {
  const step = (): StepResult | null => {
    const state = getMetaJson<JobState | null>(sqlite, STATE_KEY, null);
    if (!state) return null;
    const setup = loadSlaSetup(sqlite);
    if (state.phase === 'open') {
      // With no policy the open tickets have nothing to compute: the pass over all tickets clears what they held.
      if (setup.policies.length) {
        const r = openChunk(sqlite, setup, state, size ?? OPEN_CHUNK);
        if (r.last) {
          setMetaJson(sqlite, STATE_KEY, { ...state, openedAt: r.last.opened_at, id: r.last.id });
          return { done: false, read: r.read, open: r.read, changed: r.changed };
        }
      }
      // The open tickets are done. Closed tickets that still hold a running clock keep only what was left.
      const stopped = sqlite
        .prepare("UPDATE tickets SET sla_state = 'stopped', sla_due_at = NULL, sla_warn_at = NULL WHERE is_open = 0 AND sla_due_at IS NOT NULL")
        .run().changes;
      // The business-hours figures only when what they follow changed since they were last derived.
      if (getMetaJson<string | null>(sqlite, FIGURES_KEY, null) === figuresSignature(setup)) {
        sqlite.prepare('DELETE FROM meta WHERE key = ?').run(STATE_KEY);
        return { done: true, read: 0, open: 0, changed: stopped };
      }
      setMetaJson(sqlite, STATE_KEY, { ...state, phase: 'all', rowid: 0 });
      return { done: false, read: 0, open: 0, changed: stopped };
    }
    const r = allChunk(sqlite, setup, state, size ?? ALL_CHUNK);
    if (r.last !== null) {
      setMetaJson(sqlite, STATE_KEY, { ...state, rowid: r.last });
      return { done: false, read: r.read, open: 0, changed: r.changed };
    }
    setMeta(sqlite, FIGURES_KEY, JSON.stringify(figuresSignature(setup)));
    sqlite.prepare('DELETE FROM meta WHERE key = ?').run(STATE_KEY);
    return { done: true, read: 0, open: 0, changed: 0 };
  };
  return sqlite.inTransaction ? step() : sqlite.transaction(step).immediate();
}

export interface RecomputeTotals {
  /** Open tickets whose clock was recomputed. */
  tickets: number;
  /** Tickets whose business-hours figures were derived again (0: the setup they follow did not change). */
  figures: number;
  changed: number;
  chunks: number;
  longestChunkMs: number;
  /** Time in the chunks of the open tickets, and of the pass over all tickets. */
  openMs: number;
  figuresMs: number;
}

/** Runs what is left of the recompute asked for, now, chunk after chunk (sized as the background job sizes them). */
export function finishSlaRecompute(sqlite: Database.Database): RecomputeTotals {
  const out: RecomputeTotals = { tickets: 0, figures: 0, changed: 0, chunks: 0, longestChunkMs: 0, openMs: 0, figuresMs: 0 };
  const sizer = new ChunkSizer();
  for (;;) {
    const phase = slaRecomputePhase(sqlite);
    if (!phase) break;
    const t = performance.now();
    const r = slaRecomputeStep(sqlite, sizer.size(phase));
    if (!r) break;
    const ms = performance.now() - t;
    sizer.took(phase, r.read, ms);
    out.chunks++;
    out.longestChunkMs = Math.max(out.longestChunkMs, ms);
    out.tickets += r.open;
    out.figures += r.read - r.open;
    if (r.open) out.openMs += ms;
    else out.figuresMs += ms;
    out.changed += r.changed;
    if (r.done) break;
  }
  return out;
}

/** Who carries a recompute on in the background for a store: set by the app (services/sla/background.ts). */
const carriers = new WeakMap<Database.Database, () => void>();

export function setSlaRecomputeCarrier(sqlite: Database.Database, carry: (() => void) | null): void {
  if (carry) carriers.set(sqlite, carry);
  else carriers.delete(sqlite);
}

/**
 * After asking for a recompute: a small store is recomputed now (inside the caller's transaction,
 * as one change with it); a large one is handed to the background job, which starts once the
 * caller's work is done. Returns how many rows changed now.
 */
export function startSlaRecompute(sqlite: Database.Database): number {
  const highest = (sqlite.prepare('SELECT max(rowid) FROM tickets').pluck().get() as number | null) ?? 0;
  const carry = carriers.get(sqlite);
  if (highest <= INLINE_TICKETS || !carry) {
    if (highest > INLINE_TICKETS) return 0; // no background job (a tool, a test): left asked for, finished by whoever runs it
    return finishSlaRecompute(sqlite).changed;
  }
  carry();
  return 0;
}

/**
 * Recomputes every open ticket's SLA columns, and every ticket's business-hours figures when the
 * setup they follow changed, now and to the end: what a seeded store, a benchmark or a test wants.
 */
export function recomputeAllSla(sqlite: Database.Database): { tickets: number; changed: number } {
  requestSlaRecompute(sqlite);
  const r = finishSlaRecompute(sqlite);
  return { tickets: r.tickets, changed: r.changed };
}

/**
 * After a pulled page is written (inside its transaction): a policy or calendar change recomputes
 * every open ticket (at once on a small store, else in the background after the page); otherwise
 * the tickets the page touched (the tickets themselves and their status history). Returns how many
 * tickets' SLA columns changed now.
 */
export function derivePulledSla(sqlite: Database.Database, changes: readonly { entity: string; id: string; data: Record<string, unknown> }[]): number {
  const ids = new Set<string>();
  let setupChanged = false;
  for (const c of changes) {
    if (c.entity === 'sla_policies' || c.entity === 'sla_calendars') setupChanged = true;
    else if (c.entity === 'tickets') ids.add(c.id);
    else if (c.entity === 'ticket_history') {
      const t = typeof c.data.ticket_id === 'string' ? c.data.ticket_id : (sqlite.prepare('SELECT ticket_id FROM ticket_history WHERE id = ?').pluck().get(c.id) as string | undefined);
      if (t) ids.add(t);
    }
  }
  let changed = 0;
  if (setupChanged) {
    requestSlaRecompute(sqlite);
    changed += startSlaRecompute(sqlite);
  }
  if (!ids.size) return changed;
  const setup = loadSlaSetup(sqlite);
  // No policy: nothing to do (the common case for a team without SLAs). Columns left by a policy
  // were cleared when it was deleted, and pulled rows never carry them.
  if (!setup.policies.length) return changed;
  // The page's own tickets at once, whether or not a recompute of all runs after.
  return changed + recomputeSla(sqlite, [...ids], setup);
}
