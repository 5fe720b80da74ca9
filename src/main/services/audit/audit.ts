/** Reading and verifying the audit trail. */
import type { Ctx } from '../core/context';
import type { AuditEvent, ChainStatus } from '../../../shared/api/audit';
import { verifyChain } from '../core/audit';

export function listAudit(ctx: Ctx, input: { recordId?: string; limit: number; cursor?: string | null }): { items: AuditEvent[]; nextCursor: string | null } {
  const where: string[] = [];
  const args: unknown[] = [];
  if (input.recordId) {
    where.push('e.record_id = ?');
    args.push(input.recordId);
  }
  if (input.cursor) {
    where.push('e.seq < ?');
    args.push(Number(input.cursor) || 0);
  }
  const rows = ctx.store.sqlite
    .prepare(
      `SELECT e.seq, e.id, e.at, e.actor_id AS actorId, u.display_name AS actorName, e.call, e.record_type AS recordType,
        e.record_id AS recordId, e.before, e.after, e.hash
       FROM audit_events e LEFT JOIN users u ON u.id = e.actor_id
       ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY e.seq DESC LIMIT ?`,
    )
    .all(...args, input.limit + 1) as (Omit<AuditEvent, 'before' | 'after'> & { before: string | null; after: string | null })[];
  const more = rows.length > input.limit;
  if (more) rows.pop();
  return {
    items: rows.map((r) => ({ ...r, before: r.before ? JSON.parse(r.before) : null, after: r.after ? JSON.parse(r.after) : null })),
    nextCursor: more ? String(rows[rows.length - 1]!.seq) : null,
  };
}

export function verifyAudit(ctx: Ctx): ChainStatus {
  return verifyChain(ctx.store.sqlite);
}
