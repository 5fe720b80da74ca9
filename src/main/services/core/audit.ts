/** Appends hash-chained audit events; verification recomputes the chain. */
import { prepared } from '../../db/statements';
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
const openBatches = new WeakMap<Database.Database, AuditBatch>();

/**
 * A device that joins a team re-keys its person to the id the server knows them by, but the trail
 * keeps the ids it recorded (its events are chained and never rewritten). The join is itself an
 * event (`sync.join`, before `{"id": former}`, after `{"id": person}`); readers of the trail name a
 * former id through it, so what someone did before joining still carries their name.
 */
export const JOIN_CALL = 'sync.join';

/** `LEFT JOIN users u` on the person an event's actor is now (its own id, or the id it joined as). */
export function actorJoin(e = 'e', u = 'u'): string {
  return `LEFT JOIN users ${u} ON ${u}.id = coalesce((SELECT j.record_id FROM audit_events j WHERE j.call = '${JOIN_CALL}' AND j.record_type = 'user'
    AND j.before = json_object('id', ${e}.actor_id) LIMIT 1), ${e}.actor_id)`;
}

/** The ids a person acted under: their own, and any they had before their device joined the team. */
export function formerActorIds(sqlite: Database.Database, personId: string): string[] {
  const former = sqlite
    .prepare(`SELECT json_extract(before, '$.id') FROM audit_events WHERE call = '${JOIN_CALL}' AND record_type = 'user' AND record_id = ?`)
    .pluck()
    .all(personId) as (string | null)[];
  return [personId, ...former.filter((x): x is string => typeof x === 'string' && x !== personId)];
}

export function appendAudit(sqlite: Database.Database, input: AuditInput): string {
  // A batch open on this connection holds events not yet inserted: they come first in the chain.
  openBatches.get(sqlite)?.flush();
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

/** An event whose before/after may already be JSON text (a bulk writer has the payload serialised). */
export interface BatchedAuditInput extends Omit<AuditInput, 'before' | 'after'> {
  before?: unknown;
  after?: unknown;
  beforeJson?: string | null;
  afterJson?: string | null;
}

/** Events per INSERT: 100 rows x 10 columns stays far below SQLite's bound-parameter limit. */
const AUDIT_ROWS_PER_STATEMENT = 100;
const AUDIT_INSERT_HEAD = 'INSERT INTO audit_events (id, at, actor_id, call, record_type, record_id, before, after, prev_hash, hash) VALUES ';
const fullInserts = new WeakMap<Database.Database, Database.Statement>();

function auditInsertSql(rows: number): string {
  return AUDIT_INSERT_HEAD + Array.from({ length: rows }, () => '(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)').join(', ');
}

/**
 * The same hash chain as appendAudit for a bulk write (an import, a pulled page): the head is read
 * once, each event is hashed onto the previous one in memory, and events are inserted a hundred per
 * statement. Must be used inside the caller's transaction and flushed before it commits; while it
 * is open, appendAudit on the same connection flushes it first, so the chain stays in order.
 */
export class AuditBatch {
  private prev: string | null = null;
  private buf: unknown[] = [];
  private count = 0;
  /** For each buffered event, the records it lists (grouped events), else null. */
  private listed: (string[] | null)[] = [];
  private group: { head: BatchedAuditInput; ids: string[]; parts: string[] } | null = null;

  /**
   * `groupOf`: records per event for a large bulk write. Each event then lists that many records
   * (id, before, after) instead of one event each, and every record is indexed to its event
   * (audit_event_records), so one record's trail still finds it; a 50,000-row import writes a
   * hundred events instead of fifty thousand.
   */
  constructor(
    private readonly sqlite: Database.Database,
    private readonly opts: { groupOf?: number } = {},
  ) {
    if (!sqlite.inTransaction) throw new Error('An audit batch must be used inside a transaction.');
    openBatches.set(sqlite, this);
  }

  add(input: BatchedAuditInput): void {
    const size = this.opts.groupOf ?? 0;
    if (size > 1 && input.recordId) {
      const g = this.group;
      if (g && (g.head.at !== input.at || g.head.actorId !== input.actorId || g.head.call !== input.call || g.head.recordType !== input.recordType)) this.closeGroup();
      const before = input.beforeJson !== undefined ? input.beforeJson : input.before === undefined ? null : JSON.stringify(input.before);
      const after = input.afterJson !== undefined ? input.afterJson : input.after === undefined ? null : JSON.stringify(input.after);
      const cur = (this.group ??= { head: input, ids: [], parts: [] });
      cur.ids.push(input.recordId);
      cur.parts.push(`{"id":${JSON.stringify(input.recordId)},"before":${before ?? 'null'},"after":${after ?? 'null'}}`);
      if (cur.ids.length >= size) this.closeGroup();
      return;
    }
    this.closeGroup();
    this.addOne(input, null);
  }

  private closeGroup(): void {
    const g = this.group;
    if (!g) return;
    this.group = null;
    const { head } = g;
    this.addOne({ at: head.at, actorId: head.actorId, call: head.call, recordType: head.recordType, recordId: null, beforeJson: null, afterJson: `{"records":${g.ids.length},"changes":[${g.parts.join(',')}]}` }, g.ids);
  }

  private addOne(input: BatchedAuditInput, listed: string[] | null): void {
    if (this.prev === null) {
      this.prev = (this.sqlite.prepare('SELECT hash FROM audit_events ORDER BY seq DESC LIMIT 1').pluck().get() as string | undefined) ?? GENESIS;
    }
    const id = uuidv7();
    const before = input.beforeJson !== undefined ? input.beforeJson : input.before === undefined ? null : JSON.stringify(input.before);
    const after = input.afterJson !== undefined ? input.afterJson : input.after === undefined ? null : JSON.stringify(input.after);
    // The same bytes as eventHash, hashed in one update: this runs once per record of an import.
    const hash = createHash('sha256')
      .update(`${this.prev}\n${JSON.stringify([id, input.at, input.actorId, input.call, input.recordType, input.recordId, before, after])}`)
      .digest('hex');
    this.buf.push(id, input.at, input.actorId, input.call, input.recordType, input.recordId, before, after, this.prev, hash);
    this.listed.push(listed);
    this.prev = hash;
    if (++this.count === AUDIT_ROWS_PER_STATEMENT) this.write();
  }

  private write(): void {
    if (!this.count) return;
    let r: Database.RunResult;
    if (this.count === AUDIT_ROWS_PER_STATEMENT) {
      let st = fullInserts.get(this.sqlite);
      if (!st) fullInserts.set(this.sqlite, (st = this.sqlite.prepare(auditInsertSql(AUDIT_ROWS_PER_STATEMENT))));
      r = st.run(this.buf);
    } else {
      r = this.sqlite.prepare(auditInsertSql(this.count)).run(this.buf);
    }
    // One statement's rows take consecutive seqs, ending at the last one inserted.
    const first = Number(r.lastInsertRowid) - this.count + 1;
    this.listed.forEach((ids, i) => {
      if (ids?.length) prepared(this.sqlite, 'INSERT INTO audit_event_records (record_id, seq) SELECT value, ? FROM json_each(?)').run(first + i, JSON.stringify(ids));
    });
    this.buf = [];
    this.listed = [];
    this.count = 0;
  }

  /** Inserts what is buffered; the next event reads the head again (another writer may append meanwhile). */
  flush(): void {
    this.closeGroup();
    this.write();
    this.prev = null;
  }

  /** Flushes and stops holding the connection's chain. */
  close(): void {
    this.flush();
    this.discard();
  }

  /** Drops whatever is buffered (the transaction failed) and stops holding the chain. */
  discard(): void {
    this.buf = [];
    this.listed = [];
    this.group = null;
    this.count = 0;
    this.prev = null;
    if (openBatches.get(this.sqlite) === this) openBatches.delete(this.sqlite);
  }
}

type ChainResult = { valid: boolean; count: number; head: string | null; firstBroken: number | null };

/**
 * verifyChain a page of events at a time, awaiting `pause` between events so a long trail does not
 * hold the event loop (an evidence pack verifies it while the console keeps answering). Pages are read
 * by sequence, never through an open cursor, so writes may happen while it pauses; events appended
 * meanwhile are verified too, and the head is the last one read.
 */
export async function verifyChainInSteps(sqlite: Database.Database, pause: () => Promise<void>, pageSize = 2000): Promise<ChainResult> {
  let prev = GENESIS;
  let count = 0;
  let after = Number.MIN_SAFE_INTEGER;
  const page = sqlite.prepare(
    'SELECT seq, id, at, actor_id AS actorId, call, record_type AS recordType, record_id AS recordId, before, after, prev_hash AS prevHash, hash FROM audit_events WHERE seq > ? ORDER BY seq LIMIT ?',
  );
  for (;;) {
    const rows = page.all(after, pageSize) as { seq: number; id: string; at: string; actorId: string | null; call: string; recordType: string; recordId: string | null; before: string | null; after: string | null; prevHash: string; hash: string }[];
    for (const r of rows) {
      count++;
      if (r.prevHash !== prev || eventHash(prev, r) !== r.hash) return { valid: false, count, head: null, firstBroken: r.seq };
      prev = r.hash;
      await pause();
    }
    if (rows.length < pageSize) break;
    after = rows.at(-1)!.seq;
  }
  return { valid: true, count, head: count ? prev : null, firstBroken: null };
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
