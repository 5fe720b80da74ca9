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
import { stmt, type NewAssetRow } from '../assets';
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
    this.scope = { ...w, op: (op) => this.op(op) };
  }

  op(op: OpInput, payloadJson?: string): void {
    this.seq++;
    this.rows.push([uuidv7(), this.device, this.seq, this.hlc, SCHEMA_VERSION, op.kind, op.entity, op.recordId, op.scopeId, payloadJson ?? JSON.stringify(op.payload), this.scope.now]);
  }

  /** Writes buffered ops and the device sequence; must run before the transaction commits. */
  flush(): void {
    this.rows.flush();
    setMeta(this.sqlite, 'device_seq', String(this.seq));
  }
}

const INSERT_COLS = [
  'tag',
  'tag_key',
  'name',
  'type',
  'category',
  'manufacturer',
  'model',
  'model_number',
  'serial',
  'status',
  'assigned_to_id',
  'location_id',
  'checked_out_at',
  'expected_return',
  'purchase_date',
  'cost',
  'supplier',
  'order_number',
  'warranty_end',
  'eol_date',
  'next_audit_at',
  'notes',
  'custom_fields',
] as const;

const INSERT_HEAD = `INSERT INTO assets (id, scope_id, created_at, updated_at, field_hlc, ${INSERT_COLS.join(', ')})`;

/** Inserts new assets: row, create op; field clocks compact as {"*": stamp} (expandFieldHlc reads them). */
export class AssetInserter {
  private readonly rows: RowBuffer;
  private readonly fieldHlc: string;
  private readonly values: unknown[] = new Array(INSERT_COLS.length + 5);

  constructor(
    sqlite: Database.Database,
    private readonly ops: OpBatch,
  ) {
    this.rows = new RowBuffer(sqlite, INSERT_HEAD, INSERT_COLS.length + 5);
    this.fieldHlc = JSON.stringify({ [EVERY_FIELD]: ops.scope.stamp });
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

  /** Writes the buffered rows; call before anything reads assets and before commit. */
  flush(): void {
    this.rows.flush();
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
  ops.op({ kind: 'setFields', entity: 'assets', recordId: before.id, scopeId: (changes.scope_id as string | undefined) ?? before.scope_id, payload });
  return cols;
}
