/** Appends hash-chained audit events; verification recomputes the chain. */
import { createHash } from 'node:crypto';
import type Database from 'better-sqlite3';
import { uuidv7 } from '../../../shared/ids';

export const GENESIS = '0'.repeat(64);

export interface AuditInput {
  at: string;
  actorId: string | null;
  call: string;
  recordType: string;
  recordId: string | null;
  before?: unknown;
  after?: unknown;
}

export function eventHash(prev: string, e: { id: string; at: string; actorId: string | null; call: string; recordType: string; recordId: string | null; before: string | null; after: string | null }): string {
  return createHash('sha256')
    .update(prev)
    .update('\n')
    .update(JSON.stringify([e.id, e.at, e.actorId, e.call, e.recordType, e.recordId, e.before, e.after]))
    .digest('hex');
}

const cache = new WeakMap<Database.Database, { head: Database.Statement; insert: Database.Statement }>();

export function appendAudit(sqlite: Database.Database, input: AuditInput): string {
  let s = cache.get(sqlite);
  if (!s) {
    s = {
      head: sqlite.prepare('SELECT hash FROM audit_events ORDER BY seq DESC LIMIT 1').pluck(),
      insert: sqlite.prepare(
        `INSERT INTO audit_events (id, at, actor_id, call, record_type, record_id, before, after, prev_hash, hash)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
    };
    cache.set(sqlite, s);
  }
  const prev = (s.head.get() as string | undefined) ?? GENESIS;
  const e = {
    id: uuidv7(),
    at: input.at,
    actorId: input.actorId,
    call: input.call,
    recordType: input.recordType,
    recordId: input.recordId,
    before: input.before === undefined ? null : JSON.stringify(input.before),
    after: input.after === undefined ? null : JSON.stringify(input.after),
  };
  const hash = eventHash(prev, e);
  s.insert.run(e.id, e.at, e.actorId, e.call, e.recordType, e.recordId, e.before, e.after, prev, hash);
  return hash;
}

export function verifyChain(sqlite: Database.Database): { valid: boolean; count: number; head: string | null; firstBroken: number | null } {
  let prev = GENESIS;
  let count = 0;
  const rows = sqlite
    .prepare('SELECT seq, id, at, actor_id AS actorId, call, record_type AS recordType, record_id AS recordId, before, after, prev_hash AS prevHash, hash FROM audit_events ORDER BY seq')
    .iterate() as IterableIterator<{ seq: number; id: string; at: string; actorId: string | null; call: string; recordType: string; recordId: string | null; before: string | null; after: string | null; prevHash: string; hash: string }>;
  for (const r of rows) {
    count++;
    if (r.prevHash !== prev || eventHash(prev, r) !== r.hash) {
      return { valid: false, count, head: null, firstBroken: r.seq };
    }
    prev = r.hash;
  }
  return { valid: true, count, head: count ? prev : null, firstBroken: null };
}
