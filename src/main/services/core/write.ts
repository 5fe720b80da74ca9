/** One place that performs a synced write: row change, op, and audit event in one transaction. */
import type { Ctx } from './context';
import { nowIso } from './context';
import { appendAudit, AuditBatch } from './audit';
import { nextStamp, recordOp, type OpInput } from './ops';
import { deviceGuard, type DeviceGuard } from './guard';
import { AppError } from '../../../shared/result';

export interface WriteScope {
  stamp: string;
  now: string;
  actorId: string;
  /** `before`: the changed fields' previous values, kept by the op's audit event when the write audits ops. */
  op(op: OpInput, before?: unknown): void;
  audit(recordType: string, recordId: string | null, before: unknown, after: unknown): void;
  /**
   * The audit event of one record written by an op that did not go through `op` (a batched
   * writer's own op rows): `afterJson` is the op payload already serialised, `before` the changed
   * fields' previous values. Does nothing unless the write audits every op.
   */
  opAudit(op: OpInput, afterJson?: string, before?: unknown): void;
  /** Every op appends its record's audit event (WriteOptions.auditOps): the record primitive adds none of its own. */
  readonly auditsOps: boolean;
  /** A bulk write's row buffers (core/bulk.ts), when the scope is a BulkSink's. */
  bulk?: BulkRows;
  /**
   * The device's check of the server's rules (core/guard.ts), which `op` runs: for an op a writer
   * records itself at another clock (a team row's baseline, settings/team-rows.ts). Null standalone.
   */
  readonly guard?: DeviceGuard | null;
}

/** Where a bulk write buffers new rows (see BulkSink). */
export interface BulkRows {
  insert(table: string, names: readonly string[], values: readonly unknown[]): void;
  flushRows(): void;
}

export interface WriteOptions {
  /**
   * Every op also appends its record's audit event (one per record, hashed in memory and inserted
   * a hundred per statement): bulk writes (imports, inventory) whose records each need their event.
   */
  auditOps?: boolean;
  /** With auditOps, for a large bulk write: records per audit event (see AuditBatch). */
  auditGroupOf?: number;
  /**
   * Runs in the caller's open transaction without a savepoint of its own: for a long write done in
   * parts (an import that yields between chunks of one transaction), whose caller rolls the whole
   * transaction back if a part fails. A savepoint held open around thousands of statements costs
   * more the more the part has written: SQLite keeps the pages it changed in an in-memory journal,
   * and each statement that fires triggers or checks a foreign key ends its own nested savepoint by
   * walking that journal from the start (the ServiceNow import paid 1.7 ms per history row at 24,000
   * rows, 40 of its 49 seconds).
   */
  inOpenTransaction?: boolean;
}

/** The audit trail's name for a synced table ('assets' → 'asset'), as services name their events. */
export function auditTypeOf(entity: string): string {
  let t = auditTypes.get(entity);
  if (t === undefined) auditTypes.set(entity, (t = AUDIT_TYPES[entity] ?? (entity.endsWith('s') ? entity.slice(0, -1) : entity)));
  return t;
}

const auditTypes = new Map<string, string>();

const AUDIT_TYPES: Record<string, string> = {
  licence_entitlements: 'licence',
  maintenance_records: 'maintenance',
  installed_software: 'installed_software',
  asset_history: 'asset_history',
};

/** Never copied into the trail, which auditors export. */
const SECRET_FIELDS = ['password_hash', 'token_hash'];

/** What an op's event records as "after": the payload (without secrets), or a deletion. */
function opAfter(op: OpInput): unknown {
  if (op.kind === 'delete' || op.kind === 'setRemove') return { deleted: true };
  const p = op.payload;
  if (!p || typeof p !== 'object' || !SECRET_FIELDS.some((k) => k in p)) return p;
  const out: Record<string, unknown> = { ...(p as Record<string, unknown>) };
  for (const k of SECRET_FIELDS) if (k in out) delete out[k];
  return out;
}

/** Runs `fn` in a transaction (or, with inOpenTransaction, the caller's) with one clock stamp for all of its changes. */
export function write<T>(ctx: Ctx, fn: (w: WriteScope) => T, opts: WriteOptions = {}): T {
  const sqlite = ctx.store.sqlite;
  let batch: AuditBatch | null = null;
  const body = () => {
    const now = nowIso(ctx);
    const stamp = nextStamp(sqlite, ctx.clock);
    const actorId = ctx.actor?.id ?? 'system';
    const event = { at: now, actorId: ctx.actor?.id ?? null, call: ctx.call ?? 'internal' };
    const guard = deviceGuard(ctx);
    let w: WriteScope;
    if (opts.auditOps) {
      const b = (batch = new AuditBatch(sqlite, { groupOf: opts.auditGroupOf }));
      w = {
        stamp,
        now,
        actorId,
        auditsOps: true,
        guard,
        op: (op, before) => {
          guard?.(op, before);
          recordOp(sqlite, stamp, now, op);
          b.add({ ...event, recordType: auditTypeOf(op.entity), recordId: op.recordId, before, after: opAfter(op) });
        },
        audit: (recordType, recordId, before, after) => b.add({ ...event, recordType, recordId, before, after }),
        // Called once per record of a bulk write: one plain object, no spreads.
        opAudit: (op, afterJson, before) =>
          b.add({
            at: now,
            actorId: event.actorId,
            call: event.call,
            recordType: auditTypeOf(op.entity),
            recordId: op.recordId,
            before,
            afterJson: afterJson !== undefined && op.kind !== 'delete' && op.kind !== 'setRemove' ? afterJson : undefined,
            after: opAfter(op),
          }),
      };
    } else {
      w = {
        stamp,
        now,
        actorId,
        auditsOps: false,
        guard,
        op: (op, before) => {
          guard?.(op, before);
          recordOp(sqlite, stamp, now, op);
        },
        audit: (recordType, recordId, before, after) => appendAudit(sqlite, { ...event, recordType, recordId, before, after }),
        opAudit: () => {},
      };
    }
    const out = fn(w);
    batch?.close();
    return out;
  };
  if (opts.inOpenTransaction && !sqlite.inTransaction) throw new Error('inOpenTransaction: the caller opens the transaction.');
  try {
    return opts.inOpenTransaction ? body() : sqlite.transaction(body).immediate();
  } finally {
    // A failed write rolled its events back with everything else; drop what was still buffered.
    (batch as AuditBatch | null)?.discard();
  }
}

export function requireActor(ctx: Ctx) {
  if (!ctx.actor) throw new AppError('unauthenticated', 'Sign in first.');
  return ctx.actor;
}
