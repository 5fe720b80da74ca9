/**
 * The bulk sink of the record primitive (record.ts): an import writes tens of thousands of records
 * in one transaction, so rows are buffered per table and column list and inserted a hundred per
 * statement, and ops share one prepared insert with the device sequence read and written once.
 * A write scope from `BulkSink.scope` hands both to createRecord/updateRecord, so bulk records are
 * checked, clocked, sent and audited by the same code as single ones.
 */
import type Database from 'better-sqlite3';
import { uuidv7 } from '../../../shared/ids';
import { deviceId, SCHEMA_VERSION, type OpInput } from './ops';
import { getMeta, setMeta } from './meta';
import type { BulkRows, WriteScope } from './write';
import type { DeviceGuard } from './guard';

/** 100 rows x ~30 columns stays far below SQLite's bound-parameter limit (32,766). */
const ROWS_PER_STATEMENT = 100;

/**
 * Buffers rows for one table and writes them `ROWS_PER_STATEMENT` at a time with one multi-row
 * INSERT. Per-statement work dominates a bulk write: the asset search index (FTS5) flushes its
 * pending terms at the end of every statement, so one row per statement paid that flush per row.
 */
export class RowBuffer {
  private readonly full: Database.Statement;
  private buf: unknown[] = [];

  constructor(
    private readonly sqlite: Database.Database,
    private readonly head: string,
    private readonly width: number,
  ) {
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

/**
 * Ops and new rows of a bulk write. The device sequence is read once and written once at `flush`
 * (the same gapless numbering recordOp gives); nothing else may append ops while it is open, so
 * every op of the write goes through `scope`. Rows must be flushed before anything reads their
 * table, and everything before the transaction commits.
 */
export class BulkSink implements BulkRows {
  private seq: number;
  private readonly ops: RowBuffer;
  private readonly tables = new Map<string, RowBuffer>();
  private readonly device: string;
  private readonly hlc: string;
  readonly scope: WriteScope;

  /**
   * `guard`: the device's check of each op before it is queued (core/guard.ts `deviceGuard`), as a
   * single write runs it; it reads the op's parent row, so rows a child refers to are flushed first.
   */
  constructor(
    private readonly sqlite: Database.Database,
    w: WriteScope,
    private readonly guard: DeviceGuard | null = null,
  ) {
    this.device = deviceId(sqlite);
    this.seq = Number(getMeta(sqlite, 'device_seq') ?? 0);
    this.hlc = w.stamp.slice(0, w.stamp.indexOf('@'));
    this.ops = new RowBuffer(sqlite, 'INSERT INTO pending_ops (op_id, device_id, device_seq, hlc, schema_version, kind, entity, record_id, scope_id, payload, created_at)', 11);
    this.scope = { ...w, op: (op, before) => this.op(op, undefined, before), bulk: this };
  }

  /** `before`: the changed fields' previous values, for the record's audit event. */
  op(op: OpInput, payloadJson?: string, before?: unknown): void {
    this.guard?.(op, before);
    this.seq++;
    const json = payloadJson ?? JSON.stringify(op.payload);
    const now = this.scope.now;
    // An op for imported history keeps when it happened, as recordOp does (OpInput.at).
    const at = op.at !== undefined && op.at < now ? op.at : now;
    this.ops.push([uuidv7(), this.device, this.seq, this.hlc, SCHEMA_VERSION, op.kind, op.entity, op.recordId, op.scopeId, json, at]);
    // The record's audit event reuses the serialised payload (a no-op unless the write audits ops).
    this.scope.opAudit(op, json, before);
  }

  /** Buffers a new row; `names` is the full column list (the same list shares one buffer). */
  insert(table: string, names: readonly string[], values: readonly unknown[]): void {
    const key = `${table}(${names.join(',')})`;
    let b = this.tables.get(key);
    if (!b) this.tables.set(key, (b = new RowBuffer(this.sqlite, `INSERT INTO ${table} (${names.join(', ')})`, names.length)));
    b.push(values);
  }

  /** Writes the buffered rows (before anything reads their tables). */
  flushRows(): void {
    for (const b of this.tables.values()) b.flush();
  }

  /** Writes buffered rows, ops and the device sequence; must run before the transaction commits. */
  flush(): void {
    this.flushRows();
    this.ops.flush();
    setMeta(this.sqlite, 'device_seq', String(this.seq));
  }
}
