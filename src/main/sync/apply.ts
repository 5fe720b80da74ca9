/**
 * Applies a pulled page: each record's server state is written to its local table (rebased under the
 * device's own unsent edits of the same record), and the page's cursor is saved in the same SQLite
 * transaction, so a crash never loses or repeats a page. Nothing here records ops: pulled changes
 * are not the device's own writes. Every record a page changes gets its audit event ('sync.pull'),
 * chained and inserted in batches in the same transaction.
 */
import { prepared } from '../db/statements';
import type Database from 'better-sqlite3';
import { compactFieldHlc, expandFieldHlc, parseHlc, receive } from '../../shared/hlc';
import { rebase, type RecordState } from '../../shared/sync/merge';
import { ruleFor } from '../../shared/sync/entities';
import { NO_LOCAL_PASSWORD } from '../services/auth/password';
import type { Change, PullResponse } from '../../shared/sync/wire';
import { currentClock, setClock } from '../services/core/ops';
import { AuditBatch } from '../services/core/audit';
import { auditTypeOf } from '../services/core/write';
import { getMeta, setMeta } from '../services/core/meta';
import { derivePulled } from '../services/settings/derive';
import { derivePulledSla } from '../services/sla/recompute-job';
import { matrixOf } from '../services/settings/settings';
import { numberedField } from '../../shared/numbers';
import { alignFollowingChildren, dropRecord, heldScopes, holdsEverySite, isMovedOutMarker, LEFT_YOUR_VIEW, narrowBackfill, startBackfill } from './scopes';

const BASE_COLUMNS = new Set(['id', 'scope_id', 'created_at', 'updated_at', 'field_hlc', 'deleted_hlc']);

const columnCache = new WeakMap<Database.Database, Map<string, Set<string> | null>>();

function tableColumns(sqlite: Database.Database, table: string): Set<string> | null {
  let m = columnCache.get(sqlite);
  if (!m) {
    m = new Map();
    columnCache.set(sqlite, m);
  }
  if (m.has(table)) return m.get(table)!;
  if (!/^[a-z][a-z0-9_]*$/.test(table)) return null;
  const cols = (sqlite.prepare(`SELECT name FROM pragma_table_info(?)`).pluck().all(table) as string[]);
  // Only tables that follow the synced-row rules take pulled records.
  const ok = cols.length && [...BASE_COLUMNS].every((c) => cols.includes(c)) ? new Set(cols) : null;
  m.set(table, ok);
  return ok;
}

function bindable(v: unknown): string | number | null | bigint {
  if (v === null || v === undefined) return null;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'number' || typeof v === 'string' || typeof v === 'bigint') return v;
  return JSON.stringify(v);
}

export const CURSOR_KEY = 'sync.cursor';

export function getCursor(sqlite: Database.Database): number {
  return Number(getMeta(sqlite, CURSOR_KEY) ?? '0');
}

function localState(sqlite: Database.Database, c: Change, cols: Set<string>): RecordState | null {
  const row = sqlite.prepare(`SELECT * FROM ${c.entity} WHERE id = ?`).get(c.id) as Record<string, unknown> | undefined;
  if (!row) return null;
  const data: Record<string, unknown> = {};
  for (const k of cols) if (!BASE_COLUMNS.has(k)) data[k] = row[k];
  return {
    entity: c.entity,
    id: c.id,
    scopeId: String(row.scope_id),
    data,
    fieldHlc: expandFieldHlc(JSON.parse(String(row.field_hlc || '{}')) as Record<string, string>, [...Object.keys(data), 'scope_id']),
    deletedHlc: (row.deleted_hlc as string | null) ?? null,
    createdAt: String(row.created_at),
    updatedAt: String(row.updated_at),
  };
}

export interface ApplyStats {
  applied: number;
  skipped: number;
  renumbered: number;
}

/**
 * Applies one page if it starts where the device stands (a stale or repeated reply is ignored).
 * Returns null when the page was ignored.
 */
export function applyPage(sqlite: Database.Database, page: PullResponse, nowMs: number, cursorKey = CURSOR_KEY): ApplyStats | null {
  return applyPageSlice(sqlite, page, nowMs, cursorKey, Infinity)?.stats ?? null;
}

/**
 * Applies the start of a page, as much as fits in about `budgetMs` of writing rows (at least one
 * change), in one transaction with the cursor moved to the last change it took: a large page held
 * the event loop for hundreds of milliseconds at once; sliced, the host answers its windows between
 * slices, and each slice is still all-or-nothing with its cursor (a crash repeats nothing and loses
 * nothing: the next pull starts after the last slice written). A slice ends only between two changes
 * of different log positions. `taken`: how many of the page's changes it applied; the caller applies
 * the rest as a page of its own (from the new cursor). Null when the page was ignored.
 *
 * The budget covers the whole slice, not only the loop that queues rows: most of a slice's cost
 * comes after it (the last batch's INSERTs with their search triggers, the page's audit event and
 * its index rows, derived priority and SLA deadlines, the COMMIT). That after-loop cost is counted
 * per change from the slices this store applied before (see tailCost) and the loop stops when what
 * it spent plus what the changes taken so far will still cost reaches the budget. The rows the
 * device already holds are read ahead only for the changes the slice is about to take (a window
 * growing from PREFETCH_FIRST to PREFETCH_WINDOW changes), not the whole remaining page on every slice.
 */
export function applyPageSlice(
  sqlite: Database.Database,
  page: PullResponse,
  nowMs: number,
  cursorKey: string,
  budgetMs: number,
): { stats: ApplyStats; taken: number } | null {
  const stats: ApplyStats = { applied: 0, skipped: 0, renumbered: 0 };
  let taken = page.changes.length;
  // Rows arrive in change-log order, not dependency order (a ticket may name a user from a later
  // page); references are checked by the server, so the page is written with FK checks off.
  const fkWasOn = sqlite.pragma('foreign_keys', { simple: true }) === 1;
  if (fkWasOn) sqlite.pragma('foreign_keys = OFF');
  let audit: PulledAudit | null = null;
  let loopEnded = 0;
  try {
    const run = sqlite.transaction((): boolean => {
      if (Number(getMeta(sqlite, cursorKey) ?? '0') !== page.from) return false;
      const started = performance.now();
      const trail = (audit = new PulledAudit(sqlite, nowMs));
      let readAhead = 0;
      let window = PREFETCH_FIRST;
      const held = heldScopes(getScopes(sqlite));
      const pending = new Set(
        (sqlite.prepare('SELECT DISTINCT entity, record_id AS id FROM pending_ops').all() as { entity: string; id: string }[]).map((r) => `${r.entity}/${r.id}`),
      );
      let maxHlc = '';
      const batch = new RowBatch(sqlite, stats);
      const touches = new ParentTouches(sqlite);
      const perChange = tail.get(sqlite) ?? 0;
      for (let i = 0; i < page.changes.length; i++) {
        const c = page.changes[i]!;
        if (i > 0 && c.seq !== page.changes[i - 1]!.seq) {
          const spent = performance.now() - started;
          // Before the first estimate exists, the after-loop work is assumed to cost what the loop did.
          const after = perChange > 0 ? perChange * i : spent;
          if (spent + after > budgetMs) {
            taken = i;
            break;
          }
        }
        if (i === readAhead) {
          readAhead = Math.min(page.changes.length, i + window);
          window = Math.min(PREFETCH_WINDOW, window * 2);
          trail.prefetch(page.changes.slice(i, readAhead));
        }
        // A record now in a site this device does not hold (moved away) leaves it; a bare
        // "moved out" marker for a site it does hold changes nothing (the record itself comes too).
        // A record that left the reader's view (given another requester, an article withdrawn)
        // leaves a device that holds every site too.
        if (held ? !held(c.scopeId) : isMovedOutMarker(c) && c.scopeId === LEFT_YOUR_VIEW) {
          batch.flush();
          dropRecord(sqlite, c.entity, c.id, held ?? holdsEverySite);
          stats.skipped++;
          continue;
        }
        if (isMovedOutMarker(c)) {
          stats.skipped++;
          continue;
        }
        const cols = tableColumns(sqlite, c.entity);
        if (!cols) {
          stats.skipped++;
          continue;
        }
        let state: RecordState = { entity: c.entity, id: c.id, scopeId: c.scopeId, data: c.data, fieldHlc: c.fieldHlc, deletedHlc: c.deletedHlc, createdAt: c.createdAt, updatedAt: c.updatedAt };
        // Stamps order as strings ("hlc@device", fixed-width clock first): keep the largest.
        for (const k in c.fieldHlc) {
          const s = c.fieldHlc[k]!;
          if (s > maxHlc) maxHlc = s;
        }
        if (pending.has(`${c.entity}/${c.id}`)) {
          batch.flush();
          // Pages may carry compact clocks ("*"); the rebase compares field by field.
          state.fieldHlc = expandFieldHlc(c.fieldHlc, [...Object.keys(c.data), 'scope_id']);
          state = rebase(state, localState(sqlite, c, cols));
        }
        // A record changed twice in the page is read as its earlier change left it: written first.
        if (batch.holds(c.entity, c.id)) batch.flush();
        const had = trail.record(state, cols, c.seq);
        batch.add(state, cols, had);
        touches.note(c);
      }
      loopEnded = performance.now();
      batch.flush();
      touches.apply();
      trail.close();
      const done = taken === page.changes.length ? page.changes : page.changes.slice(0, taken);
      // Only a record this device already held can have children it moved apart from it (a move
      // the server refused); a record new here brings nothing to align (its children, pulled before
      // or after it, carry the server's site), which spares an initial sync the work on every page.
      alignFollowingChildren(sqlite, done.filter((c) => trail.heldBefore(c.entity, c.id)));
      // Derived priority follows this device's team matrix (see services/settings/derive.ts).
      derivePulled(sqlite, done, () => matrixOf(sqlite));
      // SLA deadlines follow the pulled history and policies (see services/sla/recompute.ts).
      derivePulledSla(sqlite, done);
      setMeta(sqlite, cursorKey, String(taken === page.changes.length ? page.cursor : done[done.length - 1]!.seq));
      if (maxHlc) {
        // The server already clamped far-ahead clocks, so its stamps are trusted as they are: a
        // device whose own clock runs behind still orders its next edits after what it has seen.
        const remote = parseHlc(maxHlc.slice(0, maxHlc.indexOf('@')));
        const { state } = receive(currentClock(sqlite), remote, Math.max(nowMs, remote.wall));
        setClock(sqlite, state);
      }
      return true;
    });
    if (!run.immediate()) return null;
    if (Number.isFinite(budgetMs)) noteTail(sqlite, performance.now() - loopEnded, taken);
    return { stats, taken };
  } finally {
    (audit as PulledAudit | null)?.discard();
    if (fkWasOn) sqlite.pragma('foreign_keys = ON');
  }
}

/**
 * How many of a page's changes a slice reads the local rows of at once (see PulledAudit.prefetch):
 * PREFETCH_FIRST, then twice as many each time up to PREFETCH_WINDOW. A slice on a busy machine
 * may take only a few dozen changes before its time is up; reading 500 rows for it every time was a
 * third of the time spent applying pages there (most of those rows were never reached by that
 * slice). Growing, a slice reads at most about twice what it takes.
 */
const PREFETCH_FIRST = 64;
const PREFETCH_WINDOW = 500;

/**
 * What the work after a slice's loop (last batch, audit event, derived fields, COMMIT) cost per
 * change taken in this store's recent slices, in ms: a moving average, so one slow slice (a disk
 * hiccup) shortens the next few without halving every slice after it.
 */
const tail = new WeakMap<Database.Database, number>();

function noteTail(sqlite: Database.Database, ms: number, taken: number): void {
  if (taken <= 0) return;
  const sample = ms / taken;
  const prev = tail.get(sqlite);
  tail.set(sqlite, prev === undefined ? sample : Math.max(sample, prev * 0.7 + sample * 0.3));
}

/**
 * The audit event of a pulled page: one event per page (call 'sync.pull') that lists every record
 * the page creates or changes: a record new to this device with the position of the server's change
 * it received (the server's log holds exactly what that was), a
 * changed one with the changed fields before and after (a record that comes back exactly as the
 * device holds it, such as its own pushed edit, changes nothing and is not listed). Each listed
 * record is indexed to the event (audit_event_records), so one record's trail finds it. One event
 * per page instead of one per record keeps an initial sync of 100,000 tickets near the speed of
 * writing the rows. Read before the page's rows are written.
 */
/** Indexes every record an event lists to it (audit_event_records), one statement for any number. */
const INDEX_RECORDS = 'INSERT INTO audit_event_records (record_id, seq) SELECT value, ? FROM json_each(?)';

class PulledAudit {
  private readonly batch: AuditBatch;
  private readonly at: string;
  private readonly reads = new Map<string, Database.Statement>();
  private readonly listed: { type: string; id: string; before?: Record<string, unknown>; after?: Record<string, unknown>; received?: number }[] = [];
  /** The rows this page's records had before it, read in one query per record type. */
  private readonly held = new Map<string, Record<string, unknown>>();
  /** Every record of the page this device held before it (prefetch). */
  private readonly before = new Set<string>();
  private readonly seen = new Set<string>();

  constructor(
    private readonly sqlite: Database.Database,
    nowMs: number,
  ) {
    this.batch = new AuditBatch(sqlite);
    this.at = new Date(nowMs).toISOString();
  }

  /**
   * Reads the rows these changes' records already have on this device, before any of them is
   * written: called for each window of the page before the loop reaches it. A record the page
   * already wrote (seen) is read as it then stands by record(), not here.
   */
  prefetch(changes: Change[]): void {
    const byType = new Map<string, string[]>();
    for (const c of changes) {
      if (!tableColumns(this.sqlite, c.entity) || this.seen.has(`${c.entity}/${c.id}`)) continue;
      const ids = byType.get(c.entity) ?? [];
      ids.push(c.id);
      byType.set(c.entity, ids);
    }
    const PART = 500;
    for (const [entity, ids] of byType) {
      for (let i = 0; i < ids.length; i += PART) {
        const part = ids.slice(i, i + PART);
        const rows = prepared(this.sqlite, `SELECT * FROM ${entity} WHERE id IN (SELECT value FROM json_each(?))`).all(JSON.stringify(part)) as Record<string, unknown>[];
        for (const r of rows) {
          this.held.set(`${entity}/${String(r.id)}`, r);
          this.before.add(`${entity}/${String(r.id)}`);
        }
      }
    }
  }

  /** Whether this device held the record before the page (read by prefetch). */
  heldBefore(entity: string, id: string): boolean {
    return this.before.has(`${entity}/${id}`);
  }

  /** Lists the record in the page's event; says whether this device held it (before the page or written earlier in it). */
  record(s: RecordState, cols: Set<string>, seq: number): boolean {
    const key = `${s.entity}/${s.id}`;
    let row = this.held.get(key);
    if (!row && this.seen.has(key)) {
      // Written earlier in this page: read it as it now stands.
      let read = this.reads.get(s.entity);
      if (!read) this.reads.set(s.entity, (read = this.sqlite.prepare(`SELECT * FROM ${s.entity} WHERE id = ?`)));
      row = read.get(s.id) as Record<string, unknown> | undefined;
    }
    this.seen.add(key);
    this.held.delete(key);
    const type = auditTypeOf(s.entity);
    if (!row) {
      // New here: what arrived is the server's change at this position of its log.
      this.listed.push({ type, id: s.id, received: seq });
      return false;
    }
    const before: Record<string, unknown> = {};
    const after: Record<string, unknown> = {};
    if (row.scope_id !== s.scopeId) {
      before.scope_id = row.scope_id;
      after.scope_id = s.scopeId;
    }
    for (const k in s.data) {
      if (!cols.has(k) || BASE_COLUMNS.has(k) || isSecret(s.entity, k) || row[k] === bindable(s.data[k])) continue;
      before[k] = row[k] ?? null;
      after[k] = s.data[k];
    }
    if (!row.deleted_hlc !== !s.deletedHlc) {
      before.deleted = !!row.deleted_hlc;
      after.deleted = !!s.deletedHlc;
    }
    if (Object.keys(after).length) this.listed.push({ type, id: s.id, before, after });
    return true;
  }

  close(): void {
    if (this.listed.length) {
      this.batch.add({ at: this.at, actorId: null, call: 'sync.pull', recordType: 'sync_page', recordId: null, before: null, after: { records: this.listed.length, changes: this.listed } });
      this.batch.flush();
      const seq = prepared(this.sqlite, 'SELECT max(seq) FROM audit_events', { pluck: true }).get() as number;
      prepared(this.sqlite, INDEX_RECORDS).run(seq, JSON.stringify(this.listed.map((r) => r.id)));
    }
    this.batch.close();
  }

  discard(): void {
    this.batch.discard();
  }
}

/**
 * A pulled comment or worklog (a child whose rule says `touchesParent`) is a change of its ticket:
 * the ticket's updated_at follows the child's created_at, as on the server (engine.ts touchParent),
 * so "Recently updated" sorts the same on every device. A parent that comes in the same page
 * already carries the server's time, which includes its children's.
 */
class ParentTouches {
  private readonly latest = new Map<string, { entity: string; id: string; at: string }>();
  private readonly written = new Set<string>();

  constructor(private readonly sqlite: Database.Database) {}

  note(c: Change): void {
    this.written.add(`${c.entity}/${c.id}`);
    const rule = ruleFor(c.entity);
    if (!rule.touchesParent || !rule.parent || c.deletedHlc) return;
    const id = c.data[rule.parent.field];
    if (typeof id !== 'string') return;
    const key = `${rule.parent.entity}/${id}`;
    const cur = this.latest.get(key);
    if (!cur || c.createdAt > cur.at) this.latest.set(key, { entity: rule.parent.entity, id, at: c.createdAt });
  }

  apply(): void {
    const st = new Map<string, Database.Statement>();
    for (const [key, t] of this.latest) {
      if (this.written.has(key) || !tableColumns(this.sqlite, t.entity)) continue;
      let u = st.get(t.entity);
      if (!u) st.set(t.entity, (u = this.sqlite.prepare(`UPDATE ${t.entity} SET updated_at = ? WHERE id = ? AND updated_at < ?`)));
      u.run(t.at, t.id, t.at);
    }
  }
}

const upserts = new WeakMap<Database.Database, Map<string, Database.Statement>>();

function upsertFor(sqlite: Database.Database, table: string, names: string[]): Database.Statement {
  let m = upserts.get(sqlite);
  if (!m) {
    m = new Map();
    upserts.set(sqlite, m);
  }
  const key = `${table}(${names.join(',')})`;
  let st = m.get(key);
  if (!st) {
    // created_at too: the server's is the record's (its author's, clamped only when it lay in the
    // future), so the device that wrote the record shows the same time as every other device.
    const sets = names.filter((n) => n !== 'id' && !isSecret(table, n)).map((n) => `${n} = excluded.${n}`);
    st = sqlite.prepare(`INSERT INTO ${table} (${names.join(', ')}) VALUES (${names.map(() => '?').join(', ')}) ON CONFLICT(id) DO UPDATE SET ${sets.join(', ')}`);
    m.set(key, st);
  }
  return st;
}

type Bindable = string | number | bigint | null;

/** Most rows in one statement: SQLite binds at most 32,766 values per statement. */
const BATCH_ROWS = 500;
const multiUpserts = new WeakMap<Database.Database, Map<string, Database.Statement>>();

/**
 * Writes consecutive rows of one shape with one multi-row upsert per few hundred rows. Row by row,
 * every insert is its own statement and the search index (FTS5, fed by triggers) flushes its
 * pending terms at each statement's end; in one statement it flushes once, which makes an initial
 * sync about three times faster. Rows go in page order; a batch is flushed before anything that
 * reads or deletes local rows. When a batched statement hits a unique clash (nothing of it is
 * kept), its rows are written one by one through writeRow, which knows how to settle that clash.
 */
class RowBatch {
  private rows: { s: RecordState; cols: Set<string>; names: string[]; values: Bindable[] }[] = [];
  private shape = '';
  private ids = new Set<string>();

  constructor(
    private readonly sqlite: Database.Database,
    private readonly stats: ApplyStats,
  ) {}

  /** `held`: whether the device holds the record already (only such a ticket can have an old number to keep). */
  add(s: RecordState, cols: Set<string>, held = true): void {
    const { names, values, shape } = rowValues(s, cols);
    if (shape !== this.shape || this.ids.has(s.id) || this.rows.length >= Math.min(BATCH_ROWS, Math.floor(30_000 / names.length))) this.flush();
    if (held && s.entity === 'tickets' && typeof s.data.number === 'string') keepOldNumber(this.sqlite, s.id, s.data.number);
    this.shape = shape;
    this.rows.push({ s, cols, names, values });
    this.ids.add(s.id);
  }

  /** Whether the batch waits to write this record. */
  holds(entity: string, id: string): boolean {
    return this.ids.has(id) && this.rows[0]?.s.entity === entity;
  }

  flush(): void {
    const rows = this.rows;
    this.rows = [];
    this.ids.clear();
    this.shape = '';
    if (rows.length === 0) return;
    // A batch of an odd size (the end of a slice) goes as a few statements of sizes kept prepared
    // (see batchParts) rather than one statement prepared for that size alone.
    let at = 0;
    for (const size of batchParts(rows.length)) {
      const part = rows.slice(at, at + size);
      at += size;
      if (size > 1) {
        const first = part[0]!;
        try {
          multiUpsertFor(this.sqlite, first.s.entity, first.names, size).run(...part.flatMap((r) => r.values));
          this.stats.applied += size;
          continue;
        } catch (e) {
          if ((e as { code?: string }).code !== 'SQLITE_CONSTRAINT_UNIQUE') throw e;
        }
      }
      for (const r of part) {
        if (writeRow(this.sqlite, r.s, r.cols, this.stats)) this.stats.applied++;
        else this.stats.skipped++;
      }
    }
  }
}

/**
 * How a batch of `n` rows is written: a full batch at once, anything smaller as powers of two
 * (437 = 256 + 128 + 32 + 16 + 4 + 1). Preparing a statement of a few hundred rows costs about as
 * much as running it, and slices end at any size: with these sizes a handful of statements per row
 * shape stay prepared (multiUpsertFor) and none is prepared for one slice only.
 */
export function batchParts(n: number): number[] {
  const parts: number[] = [];
  let left = n;
  while (left >= BATCH_ROWS) {
    parts.push(BATCH_ROWS);
    left -= BATCH_ROWS;
  }
  for (let p = 256; p >= 1; p >>= 1) {
    if (left >= p) {
      parts.push(p);
      left -= p;
    }
  }
  return parts;
}

function multiUpsertFor(sqlite: Database.Database, table: string, names: string[], rows: number): Database.Statement {
  let m = multiUpserts.get(sqlite);
  if (!m) {
    m = new Map();
    multiUpserts.set(sqlite, m);
  }
  const key = `${table}(${names.join(',')})x${rows}`;
  let st = m.get(key);
  if (!st) {
    const sets = names.filter((n) => n !== 'id' && !isSecret(table, n)).map((n) => `${n} = excluded.${n}`);
    const one = `(${names.map(() => '?').join(', ')})`;
    st = sqlite.prepare(`INSERT INTO ${table} (${names.join(', ')}) VALUES ${Array.from({ length: rows }, () => one).join(', ')} ON CONFLICT(id) DO UPDATE SET ${sets.join(', ')}`);
    // Every size batchParts gives repeats: kept (a few per row shape).
    m.set(key, st);
  }
  return st;
}

/**
 * Secrets (a person's password hash) never come from the server: a device keeps its own, and a
 * person first seen in a pull gets this placeholder, which no password matches, until they sign
 * in on this device through the server.
 */
export const NO_LOCAL_SECRET = NO_LOCAL_PASSWORD;

function isSecret(table: string, column: string): boolean {
  return ruleFor(table).secret?.includes(column) ?? false;
}

const ruleFieldCache = new Map<string, string[]>();
/** The record type's synced fields a pulled record may leave out (never a secret, which the server withholds). */
function ruleFields(entity: string): string[] {
  let f = ruleFieldCache.get(entity);
  if (!f) {
    f = Object.keys(ruleFor(entity).fields).filter((k) => !BASE_COLUMNS.has(k) && !isSecret(entity, k));
    ruleFieldCache.set(entity, f);
  }
  return f;
}

/**
 * Which columns a pulled record writes, in order: worked out from its fields once per shape (the
 * record type's table and the fields the server's record carries, in the order they come) rather
 * than for every row, since a page's records mostly share one. Never changed once made: the rows
 * of a batch share its `names`.
 */
interface RowLayout {
  /** The record's fields as they came (all of them, written or not): what identifies the shape. */
  keys: string[];
  /** The fields written from the record, in order. */
  fields: string[];
  /** The columns, in order: the base columns, `fields`, then fields left null, then secrets. */
  names: string[];
  /** The clock's fields (see compactFieldHlc). */
  written: string[];
  nulls: number;
  secrets: number;
  /** The table and columns, as one string (rows of one shape share a statement). */
  shape: string;
}

/** The last layout made for each table (by its column set, one per connection and table). */
const lastLayout = new WeakMap<Set<string>, RowLayout>();

function sameKeys(data: Record<string, unknown>, keys: readonly string[]): boolean {
  let i = 0;
  for (const k in data) if (keys[i++] !== k) return false;
  return i === keys.length;
}

function layoutOf(s: RecordState, cols: Set<string>): RowLayout {
  const last = lastLayout.get(cols);
  if (last && sameKeys(s.data, last.keys)) return last;
  const names = ['id', 'scope_id', 'created_at', 'updated_at', 'field_hlc', 'deleted_hlc'];
  const fields: string[] = [];
  for (const k in s.data) {
    if (!cols.has(k) || BASE_COLUMNS.has(k) || isSecret(s.entity, k)) continue;
    fields.push(k);
  }
  names.push(...fields);
  // A field the server's record does not carry has no value there (a create leaves nulls out):
  // written as null, so a value this device set by itself and the server never took (a refused
  // status move's resolution, say) does not linger here when the server's version arrives.
  const nulls = ruleFields(s.entity).filter((f) => !(f in s.data) && cols.has(f));
  names.push(...nulls);
  // Written only when the row is new: the upsert never replaces a secret (see isSecret).
  const secrets = (ruleFor(s.entity).secret ?? []).filter((f) => cols.has(f));
  names.push(...secrets);
  const layout: RowLayout = { keys: Object.keys(s.data), fields, names, written: ['scope_id', ...fields], nulls: nulls.length, secrets: secrets.length, shape: `${s.entity}(${names.join(',')})` };
  lastLayout.set(cols, layout);
  return layout;
}

/** A row's columns and values as stored (clocks compact, see writeRow). */
function rowValues(s: RecordState, cols: Set<string>): { names: string[]; values: Bindable[]; shape: string } {
  const layout = layoutOf(s, cols);
  const values: Bindable[] = [s.id, s.scopeId, s.createdAt, s.updatedAt, '', s.deletedHlc];
  for (const k of layout.fields) values.push(bindable(s.data[k]));
  for (let i = 0; i < layout.nulls; i++) values.push(null);
  for (let i = 0; i < layout.secrets; i++) values.push(NO_LOCAL_SECRET);
  // Stored compactly, as local writes store new rows (localState expands it): one stamp instead of
  // one per column keeps rows, and so the initial sync, about half as large.
  values[4] = JSON.stringify(compactFieldHlc(s.fieldHlc, layout.written));
  return { names: layout.names, values, shape: layout.shape };
}

function writeRow(sqlite: Database.Database, s: RecordState, cols: Set<string>, stats: ApplyStats): boolean {
  const { names, values } = rowValues(s, cols);
  const st = upsertFor(sqlite, s.entity, names);
  if (s.entity === 'tickets' && typeof s.data.number === 'string') keepOldNumber(sqlite, s.id, s.data.number);
  try {
    st.run(...values);
    return true;
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code !== 'SQLITE_CONSTRAINT_UNIQUE') throw e;
    // A number (ticket, risk) the server gave to another record: the local holder is one of ours
    // whose number the server will replace too; park it on a provisional number until then.
    const nf = numberedField(s.entity);
    if (nf && typeof s.data[nf] === 'string') {
      const num = s.data[nf] as string;
      const other = sqlite.prepare(`SELECT id FROM ${s.entity} WHERE ${nf} = ? AND id <> ?`).pluck().get(num, s.id) as string | undefined;
      if (other) {
        if (s.entity === 'tickets') keepOldNumber(sqlite, other, `${num}~`);
        sqlite.prepare(`UPDATE ${s.entity} SET ${nf} = ? WHERE id = ?`).run(`${num}~${other.slice(-6)}`, other);
        stats.renumbered++;
        st.run(...values);
        return true;
      }
    }
    // Another unique clash (two people created the same username on different devices): the
    // local row keeps the name and the server's copy waits until an administrator sorts it out.
    return false;
  }
}

/**
 * The server replaced a ticket's number (a provisional or clashing one given offline): the old
 * number stays findable on this device as an alias. `incoming` is the number about to be written;
 * a parking number (`INC123~abcdef`) is never an alias, only the number people saw before it.
 */
function keepOldNumber(sqlite: Database.Database, ticketId: string, incoming: string): void {
  const st = numberStatements(sqlite);
  const old = st.get.get(ticketId) as string | undefined;
  if (!old || old === incoming || old.includes('~')) return;
  st.alias.run(old, ticketId, new Date().toISOString());
}

/** Prepared once per connection: keepOldNumber runs for every pulled ticket. */
const numberStmts = new WeakMap<Database.Database, { get: Database.Statement; alias: Database.Statement }>();
function numberStatements(sqlite: Database.Database) {
  let st = numberStmts.get(sqlite);
  if (!st) {
    st = {
      get: sqlite.prepare('SELECT number FROM tickets WHERE id = ?').pluck(),
      alias: sqlite.prepare('INSERT INTO ticket_number_aliases (number, ticket_id, replaced_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING'),
    };
    numberStmts.set(sqlite, st);
  }
  return st;
}

export const SCOPES_KEY = 'sync.scopes';

/** The sites this device last received (null = every site), or undefined before its first pull. */
export function getScopes(sqlite: Database.Database): string[] | null | undefined {
  const v = getMeta(sqlite, SCOPES_KEY);
  return v === null || v === undefined ? undefined : (JSON.parse(v) as string[] | null);
}

/**
 * What changes when the server's site list for this user moves from `prev` to `next`: sites whose
 * rows must leave this device, and whether any site is new (it must then be pulled from the start).
 * `null` means every site.
 */
export function scopeChange(
  prev: string[] | null | undefined,
  next: string[] | null,
): { lost: { except: string[] } | { only: string[] } | null; gained: boolean; gainedSites: string[] | null } {
  if (prev === undefined) return { lost: null, gained: false, gainedSites: [] };
  if (next === null) return { lost: null, gained: prev !== null, gainedSites: prev === null ? [] : null };
  const gainedSites = prev === null ? [] : next.filter((s) => !prev.includes(s));
  const gained = gainedSites.length > 0;
  if (prev === null) return { lost: { except: next }, gained, gainedSites };
  const only = prev.filter((s) => !next.includes(s));
  return { lost: only.length ? { only } : null, gained, gainedSites };
}

function scopeFilter(lost: { except: string[] } | { only: string[] }): { sql: string; args: string[] } {
  if ('only' in lost) return { sql: `scope_id IN (${lost.only.map(() => '?').join(', ')})`, args: lost.only };
  return { sql: `scope_id NOT IN (${['global', ...lost.except].map(() => '?').join(', ')})`, args: ['global', ...lost.except] };
}

/** Local edits not yet pushed in sites about to leave the device. */
export function pendingInScopes(sqlite: Database.Database, lost: { except: string[] } | { only: string[] }): number {
  const f = scopeFilter(lost);
  return sqlite.prepare(`SELECT count(*) FROM pending_ops WHERE ${f.sql}`).pluck().get(...f.args) as number;
}

/**
 * Applies a new site list in one transaction: removes every synced row of the sites the user lost
 * (tickets, their comments, worklogs, history, conflicts, assets…, the global directory stays),
 * and when a site was gained, starts a back-fill that brings just that site from the start.
 * Refuses (returns false, nothing changed) while edits in a lost site still wait to be pushed:
 * they must reach the server first.
 */
/** Team-wide records every role receives: kept when a role changes, so sign-in and settings stay. */
const KEPT_ON_ROLE_CHANGE = new Set(['users', 'sites', 'user_sites', 'groups', 'group_members', 'team_settings', 'ticket_categories']);

/**
 * The person's role changed on the server: what this device holds was filtered for the old role.
 * Everything but the directory and team settings leaves, and the device reads the change log again
 * from the start, filtered for the new role. Refused (false) while the device has changes waiting.
 */
export function rereadForRole(sqlite: Database.Database): { removed: number } | false {
  const fkWasOn = sqlite.pragma('foreign_keys', { simple: true }) === 1;
  if (fkWasOn) sqlite.pragma('foreign_keys = OFF');
  try {
    return sqlite.transaction(() => {
      if ((sqlite.prepare('SELECT count(*) FROM pending_ops').pluck().get() as number) > 0) return false;
      let removed = 0;
      const tables = sqlite.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").pluck().all() as string[];
      for (const t of tables) {
        if (!tableColumns(sqlite, t) || KEPT_ON_ROLE_CHANGE.has(t)) continue;
        removed += sqlite.prepare(`DELETE FROM ${t}`).run().changes;
      }
      sqlite.prepare('DELETE FROM ticket_number_aliases WHERE ticket_id NOT IN (SELECT id FROM tickets)').run();
      setMeta(sqlite, CURSOR_KEY, '0');
      return { removed };
    }).immediate();
  } finally {
    if (fkWasOn) sqlite.pragma('foreign_keys = ON');
  }
}

export function applyScopes(sqlite: Database.Database, next: string[] | null): { removed: number; rewound: boolean } | false {
  const { lost, gained, gainedSites } = scopeChange(getScopes(sqlite), next);
  // Rows go in any order (children before or after their ticket); the whole scope leaves together.
  const fkWasOn = sqlite.pragma('foreign_keys', { simple: true }) === 1;
  if (fkWasOn) sqlite.pragma('foreign_keys = OFF');
  try {
    return sqlite.transaction(() => {
      let removed = 0;
      if (lost) {
        if (pendingInScopes(sqlite, lost) > 0) return false;
        const f = scopeFilter(lost);
        const tables = sqlite.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").pluck().all() as string[];
        for (const t of tables) {
          if (!tableColumns(sqlite, t)) continue;
          removed += sqlite.prepare(`DELETE FROM ${t} WHERE ${f.sql}`).run(...f.args).changes;
        }
        sqlite.prepare('DELETE FROM ticket_number_aliases WHERE ticket_id NOT IN (SELECT id FROM tickets)').run();
      }
      // A gained site is back-filled on its own (pulled with just that site from 0 up to here);
      // the main cursor stays, so the sites already held are not read again.
      if (lost) narrowBackfill(sqlite, next);
      if (gained) startBackfill(sqlite, gainedSites, getCursor(sqlite));
      setMeta(sqlite, SCOPES_KEY, JSON.stringify(next));
      return { removed, rewound: false };
    }).immediate();
  } finally {
    if (fkWasOn) sqlite.pragma('foreign_keys = ON');
  }
}
