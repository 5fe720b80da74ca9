/** One place that performs a synced write: row change, op, and audit event in one transaction. */
import type { Ctx } from './context';
import { nowIso } from './context';
import { appendAudit } from './audit';
import { nextStamp, recordOp, type OpInput } from './ops';
import { AppError } from '../../../shared/result';

export interface WriteScope {
  stamp: string;
  now: string;
  actorId: string;
  op(op: OpInput): void;
  audit(recordType: string, recordId: string | null, before: unknown, after: unknown): void;
}

/** Runs `fn` in a transaction with one clock stamp for all of its changes. */
export function write<T>(ctx: Ctx, fn: (w: WriteScope) => T): T {
  const sqlite = ctx.store.sqlite;
  const run = sqlite.transaction(() => {
    const now = nowIso(ctx);
    const stamp = nextStamp(sqlite, ctx.clock);
    const actorId = ctx.actor?.id ?? 'system';
    const w: WriteScope = {
      stamp,
      now,
      actorId,
      op: (op) => recordOp(sqlite, stamp, now, op),
      audit: (recordType, recordId, before, after) =>
        appendAudit(sqlite, {
          at: now,
          actorId: ctx.actor?.id ?? null,
          call: ctx.call ?? 'internal',
          recordType,
          recordId,
          before,
          after,
        }),
    };
    return fn(w);
  });
  return run.immediate();
}

export function requireActor(ctx: Ctx) {
  if (!ctx.actor) throw new AppError('unauthenticated', 'Sign in first.');
  return ctx.actor;
}
