/**
 * The hot path of an import commit. An import writes tens of thousands of rows in one
 * transaction, so everything per row is a reused prepared statement and one JSON.stringify (the
 * op payload); anything that is the same for every row (field clocks, op columns) is built once.
 */
import type Database from 'better-sqlite3';
import { uuidv7 } from '../../../../shared/ids';
import { EVERY_FIELD } from '../../../../shared/hlc';
import { AppError } from '../../../../shared/result';
import { deviceId, SCHEMA_VERSION, type OpInput } from '../../core/ops';
import { getMeta, setMeta } from '../../core/meta';
import type { WriteScope } from '../../core/write';
import { ASSET_INSERT_COLS, stmt, type NewAssetRow } from '../assets';
import { moveChildrenLocally } from '../../core/children';
import type { AssetRaw } from '../mapping';

/** What a long import reports while it runs (rows done of total within the current phase). */
export interface ImportProgress {
  phase: 'reading' | 'checking' | 'writing' | 'finishing';
  done: number;
  total: number;
}

export interface ImportHooks {
  progress?(p: ImportProgress): void;
  /** Polled between chunks of rows; true rolls the whole import back. */
  cancelled?(): boolean;
}

export function cancelledError(): AppError {
  return new AppError('conflict', 'The import was cancelled. Nothing was written.');
}

/**
 * Buffers rows for one table and writes them `ROWS_PER_STATEMENT` at a time with one multi-row
 * INSERT. Per-statement work dominates a bulk write here: the asset search index (FTS5) flushes
 * its pending terms at the end of every statement, so one row per statement paid that flush per
 * asset. Rows must be flushed before anything reads the table or the transaction commits.
 */
class RowBuffer {
  private readonly width: number;
  private readonly full: Database.Statement;
  private buf: unknown[] = [];

  constructor(
    private readonly sqlite: Database.Database,
    private readonly head: string,
    width: number,
  ) {
    this.width = width;
    this.full = sqlite.prepare(this.sql(ROWS_PER_STATEMENT));
  }

  private sql(rows: number): string {
    const one = `(${Array.from({ length: this.width }, () => '?').join(', ')})`;
    return `${this.head} VALUES ${Array.from({ length: rows }, () => one).join(', ')}`;
  }

  push(values: readonly unknown[]): void {
    for (const v of values) this.buf.push(v);
    if (this.buf.length === ROWS_PER_STATEMENT * this.width) {
      this.full.run(this.buf);
      this.buf = [];
    }
  }

  flush(): void {
    if (!this.buf.length) return;
    this.sqlite.prepare(this.sql(this.buf.length / this.width)).run(this.buf);
    this.buf = [];
  }
}

/** 100 rows x ~30 columns stays far below SQLite's bound-parameter limit (32,766). */
const ROWS_PER_STATEMENT = 100;

/**
 * Ops for the whole import with one prepared insert. The device sequence is read once and written
 * once at the end (the same gapless numbering recordOp gives, without two meta round trips per
 * op); it must be flushed before the transaction commits and nothing else may append ops while
 * it is open, so every op of the import goes through `scope.op`.
 */
export class OpBatch {
  private seq: number;
  private readonly rows: RowBuffer;
  private readonly device: string;
  private readonly hlc: string;
  readonly scope: WriteScope;

  constructor(
    private readonly sqlite: Database.Database,
    w: WriteScope,
  ) {
    this.device = deviceId(sqlite);
    this.seq = Number(getMeta(sqlite, 'device_seq') ?? 0);
    this.hlc = w.stamp.slice(0, w.stamp.indexOf('@'));
    this.rows = new RowBuffer(
      sqlite,
      'INSERT INTO pending_ops (op_id, device_id, device_seq, hlc, schema_version, kind, entity, record_id, scope_id, payload, created_at)',
      11,
    );
    this.scope = { ...w, op: (op, before) => this.op(op, undefined, before) };
  }

  /** `before`: the changed fields' previous values, for the record's audit event. */
  op(op: OpInput, payloadJson?: string, before?: unknown): void {
    this.seq++;
    const json = payloadJson ?? JSON.stringify(op.payload);
    this.rows.push([uuidv7(), this.device, this.seq, this.hlc, SCHEMA_VERSION, op.kind, op.entity, op.recordId, op.scopeId, json, this.scope.now]);
    // The record's audit event reuses the serialised payload (a no-op unless the write audits ops).
    this.scope.opAudit(op, json, before);
  }

  /** Writes buffered ops and the device sequence; must run before the transaction commits. */
  flush(): void {
    this.rows.flush();
    setMeta(this.sqlite, 'device_seq', String(this.seq));
  }
}

/** The import writes the same columns as a single insert (assets.ts), unset ones as NULL. */
const INSERT_COLS = ASSET_INSERT_COLS;

const INSERT_HEAD = `INSERT INTO assets (id, scope_id, created_at, updated_at, field_hlc, ${INSERT_COLS.join(', ')})`;

/**
 * From this many new assets on, an import maintains the asset search index in one pass after its
 * inserts instead of per row: one INSERT ... SELECT over the new rows builds the same trigram
 * entries for less than the per-row trigger costs.
 */
export const BULK_SEARCH_FROM = 500;

/**
 * From this many new assets on, and when the import at least doubles the register, the list's
 * secondary indexes are dropped for the inserts and built again afterwards: building an index
 * from sorted rows costs less than inserting every new row into 18 B-trees one by one, but only
 * while the rows already there are fewer than the new ones (the build reads them all).
 */
export const BULK_INDEX_FROM = 5_000;

/** The trigger that adds each new asset to the trigram search index (migration 0010). */
const SEARCH_INSERT_TRIGGER = 'assets_search_ai';

interface Suspended {
  /** The search insert trigger's SQL, or null if it was left in place. */
  trigger: string | null;
  /** Rows above this rowid are the import's own. */
  afterRowid: number;
  /** Secondary indexes dropped for the inserts, to build again. */
  indexes: string[];
}

/**
 * Inserts new assets: row, create op; field clocks compact as {"*": stamp} (expandFieldHlc reads
 * them). For a large import the search-index insert trigger (and, into a small register, the
 * secondary indexes) are dropped inside the import's transaction and re-created by `flush`: a
 * failure or cancel rolls the DDL back with everything else, so indexes, search entries and
 * trigger are never left out of step with the rows, and other connections see the schema
 * unchanged. The unique tag index always stays: it guards the register's key during the inserts.
 */
export class AssetInserter {
  private readonly rows: RowBuffer;
  private readonly fieldHlc: string;
  private readonly values: unknown[] = new Array(INSERT_COLS.length + 5);
  private suspended: Suspended | null = null;

  constructor(
    private readonly sqlite: Database.Database,
    private readonly ops: OpBatch,
    expectedRows = 0,
  ) {
    this.rows = new RowBuffer(sqlite, INSERT_HEAD, INSERT_COLS.length + 5);
    this.fieldHlc = JSON.stringify({ [EVERY_FIELD]: ops.scope.stamp });
    if (expectedRows >= BULK_SEARCH_FROM) this.suspend(expectedRows);
  }

  private suspend(expectedRows: number): void {
    const s = this.sqlite;
    if (!s.inTransaction) throw new Error('Asset indexes can only be suspended inside the import transaction.');
    const { afterRowid, existing } = s.prepare('SELECT coalesce(max(rowid), 0) AS afterRowid, count(*) AS existing FROM assets').get() as { afterRowid: number; existing: number };
    const trigger = (s.prepare(`SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ?`).pluck().get(SEARCH_INSERT_TRIGGER) as string | undefined) ?? null;
    if (trigger) s.exec(`DROP TRIGGER ${SEARCH_INSERT_TRIGGER}`);
    const indexes: string[] = [];
    if (expectedRows >= BULK_INDEX_FROM && existing <= expectedRows) {
      const rows = s
        .prepare(`SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'assets' AND sql IS NOT NULL AND name <> 'assets_tag_uq'`)
        .all() as { name: string; sql: string }[];
      for (const r of rows) {
        s.exec(`DROP INDEX "${r.name}"`);
        indexes.push(r.sql);
      }
    }
    this.suspended = { trigger, afterRowid, indexes };
  }

  run(siteId: string, row: NewAssetRow): string {
    const id = uuidv7();
    const r = row as Record<string, unknown>;
    const v = this.values;
    const now = this.ops.scope.now;
    v[0] = id;
    v[1] = siteId;
    v[2] = now;
    v[3] = now;
    v[4] = this.fieldHlc;
    const payload: Record<string, unknown> = { scope_id: siteId };
    for (let i = 0; i < INSERT_COLS.length; i++) {
      const c = INSERT_COLS[i]!;
      const x = r[c] ?? (c === 'custom_fields' ? '{}' : null);
      v[5 + i] = x;
      if (x !== null) payload[c] = x;
    }
    this.rows.push(v);
    this.ops.op({ kind: 'create', entity: 'assets', recordId: id, scopeId: siteId, payload });
    return id;
  }

  /**
   * Writes the buffered rows, then (for a large import) the new rows' search entries, the dropped
   * indexes and the trigger; call before anything reads assets and before commit.
   */
  flush(): void {
    this.rows.flush();
    const s = this.suspended;
    if (!s) return;
    this.suspended = null;
    if (s.trigger) {
      this.sqlite
        .prepare('INSERT INTO assets_search (rowid, tag, name, serial, model, manufacturer) SELECT rowid, tag, name, serial, model, manufacturer FROM assets WHERE rowid > ?')
        .run(s.afterRowid);
      this.sqlite.exec(s.trigger);
    }
    for (const sql of s.indexes) this.sqlite.exec(sql);
  }
}

/** Changed columns of an existing asset with their own field clocks and a setFields op. */
export function updateAsset(sqlite: Database.Database, ops: OpBatch, before: AssetRaw, changes: Record<string, unknown>): string[] {
  const rec = before as unknown as Record<string, unknown>;
  const cols = Object.keys(changes)
    .filter((c) => changes[c] !== undefined && rec[c] !== changes[c])
    .sort();
  if (!cols.length) return [];
  const w = ops.scope;
  const clocks = JSON.parse(before.field_hlc || '{}') as Record<string, string>;
  const payload: Record<string, unknown> = {};
  const values: unknown[] = [];
  for (const c of cols) {
    clocks[c] = w.stamp;
    payload[c] = changes[c];
    values.push(changes[c]);
  }
  // Sorted columns: files tend to change the same few columns, so few distinct statements.
  stmt(sqlite, `UPDATE assets SET ${cols.map((c) => `${c} = ?`).join(', ')}, updated_at = ?, field_hlc = ? WHERE id = ?`).run(...values, w.now, JSON.stringify(clocks), before.id);
  // A row that puts the asset in another site takes its history, software and maintenance along.
  if (cols.includes('scope_id')) moveChildrenLocally(sqlite, 'assets', before.id, String(changes.scope_id));
  const prior: Record<string, unknown> = {};
  for (const c of cols) prior[c] = rec[c] ?? null;
  ops.op({ kind: 'setFields', entity: 'assets', recordId: before.id, scopeId: (changes.scope_id as string | undefined) ?? before.scope_id, payload }, undefined, prior);
  return cols;
}
