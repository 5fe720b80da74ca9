/** The outbox: pending_ops read in device order, cut into batches under the server's size limit. */
import type Database from 'better-sqlite3';
import { keepRejected } from './rejected';
import { MAX_PUSH_BYTES, MAX_PUSH_OPS, type OpResult, type WireOp } from '../../shared/sync/wire';

interface OpRow {
  opId: string;
  deviceSeq: number;
  hlc: string;
  schemaVersion: number;
  kind: WireOp['kind'];
  entity: string;
  recordId: string;
  scopeId: string;
  payload: string;
  createdAt: string;
}

/** Room left for the envelope (device id, cursor, version) around the ops. */
const ENVELOPE = 1024;
/** Pending ops read per statement while a batch fills. */
const READ_ROWS = 500;

export function pendingCount(sqlite: Database.Database): number {
  return sqlite.prepare('SELECT count(*) FROM pending_ops').pluck().get() as number;
}

/**
 * The oldest pending ops, as many as fit in one push. A single op larger than the limit is still
 * sent alone: the server refuses it and the device reports it rather than stalling the queue.
 * `budgetMs`: the batch also ends (after at least one op) once building it has taken this long, so
 * reading a week's outbox never holds the app for long at once; the rest goes in the next batch.
 */
export function nextBatch(sqlite: Database.Database, maxBytes = MAX_PUSH_BYTES - ENVELOPE, maxOps = MAX_PUSH_OPS, budgetMs = Infinity): { ops: WireOp[]; bytes: number } {
  const started = performance.now();
  // Read a few hundred rows at a time, only until the batch is full: a megabyte holds a few
  // thousand small edits, and reading (and parsing) every row up to MAX_PUSH_OPS held the app for
  // twice as long as the rows that go.
  const read = sqlite.prepare(
    `SELECT op_id AS opId, device_seq AS deviceSeq, hlc, schema_version AS schemaVersion, kind, entity, record_id AS recordId,
      scope_id AS scopeId, payload, created_at AS createdAt FROM pending_ops WHERE device_seq > ? ORDER BY device_seq LIMIT ?`,
  );
  const ops: WireOp[] = [];
  let bytes = 0;
  let after = Number.MIN_SAFE_INTEGER;
  for (;;) {
    const rows = read.all(after, Math.min(READ_ROWS, maxOps - ops.length)) as OpRow[];
    for (const r of rows) {
      let payload: Record<string, unknown>;
      try {
        const p = JSON.parse(r.payload) as unknown;
        payload = p && typeof p === 'object' && !Array.isArray(p) ? (p as Record<string, unknown>) : {};
      } catch {
        payload = {};
      }
      const op: WireOp = { opId: r.opId, deviceSeq: r.deviceSeq, hlc: r.hlc, schemaVersion: r.schemaVersion, kind: r.kind, entity: r.entity, recordId: r.recordId, scopeId: r.scopeId, payload, createdAt: r.createdAt };
      const size = Buffer.byteLength(JSON.stringify(op)) + 1;
      if (ops.length && bytes + size > maxBytes) return { ops, bytes };
      ops.push(op);
      bytes += size;
      if (performance.now() - started >= budgetMs) return { ops, bytes };
    }
    if (rows.length === 0 || ops.length >= maxOps) return { ops, bytes };
    after = rows[rows.length - 1]!.deviceSeq;
  }
}

/** Removes answered ops; rejected ones are remembered (last 50) so the status can explain them. */
export function acknowledge(sqlite: Database.Database, results: OpResult[], nowIso = new Date().toISOString()): { rejected: OpResult[] } {
  const rejected = results.filter((r) => r.status === 'rejected');
  sqlite.transaction(() => {
    // Refused edits are kept, with their values, for the user to see (they leave the outbox here).
    if (rejected.length) keepRejected(sqlite, rejected, nowIso);
    // One statement for the whole answer (a push answers a few thousand ops).
    sqlite.prepare('DELETE FROM pending_ops WHERE device_seq IN (SELECT value FROM json_each(?))').run(JSON.stringify(results.map((r) => r.deviceSeq)));
    if (rejected.length) {
      const prev = sqlite.prepare("SELECT value FROM meta WHERE key = 'sync.rejected'").pluck().get() as string | undefined;
      const list = [...(prev ? (JSON.parse(prev) as OpResult[]) : []), ...rejected].slice(-50);
      sqlite.prepare("INSERT INTO meta (key, value) VALUES ('sync.rejected', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value").run(JSON.stringify(list));
    }
  })();
  return { rejected };
}
