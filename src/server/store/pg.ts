/**
 * The PostgreSQL store. Pushes take a transaction-scoped advisory lock, so change-log positions are
 * allocated in commit order and a pull never skips a row that commits late. Instances share live
 * pokes through LISTEN/NOTIFY.
 */
import pg from 'pg';
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { LeaseResponse, OpResult } from '../../shared/sync/wire';
import { ADDED_COLUMNS, LATE_INDEXES, SCHEMA_SQL } from './schema';
import { mergeMovedOut, readerView, type MovedRow } from './moves';
import { deviceFamily, FAMILY_PG, type FamilyRow } from './devices';
import { liveRecordsSql, requesterTicketsSql, ticketChildrenSql } from './portal-reads';
import { judgeAnchor, recordToChange, rowToRecord, storedClocks, toAnchor, toDevice, toSession, toThrottle, toUser } from './sqlite';
import { NUMBER_SCHEMES, numberOf, sameWidthRanges, schemeOf, schemeOfNumber } from '../../shared/numbers';
import { recordKey, type ServerStore, type StoredRecord, type SyncTx } from './types';

const ZERO_HLC = '000000000000000:00000000';
const PUSH_LOCK = 7_310_001;
/** The first key of the per-device lock under which a pushed audit anchor is judged. */
const AUDIT_ANCHOR_LOCK = 7_310_101;
const CHANNEL = 'outpost_changes';

/**
 * A NOTIFY payload: the head, then the sites a push wrote to (site ids hold neither spaces nor
 * commas). PostgreSQL caps a payload below 8000 bytes: a push wide enough to pass that pokes every
 * stream instead.
 */
export function announcement(seq: number, scopes: readonly string[] | undefined): string {
  const text = scopes?.length ? `${seq} ${scopes.join(',')}` : String(seq);
  return text.length < 7000 ? text : String(seq);
}

/** Starts a push's transaction and takes the push lock (sent with the push's first statement). */
const BEGIN_PUSH = `BEGIN; SELECT pg_advisory_xact_lock(${PUSH_LOCK})`;
/** Records written per statement by writeRecords. */
const WRITE_SLICE = 2000;

/** Anything that runs a statement: the pool, a pooled connection, or a push's transaction. */
interface Queryable {
  query<R extends pg.QueryResultRow = pg.QueryResultRow>(text: string, params?: unknown[]): Promise<pg.QueryResult<R>>;
}

/** Where a push's transaction stands (see inPushTx). */
interface PushSession {
  begun: boolean;
  ended: boolean;
  /** The change-log head read with the push's reads (under the lock, so still the head at its writes). */
  head: number | null;
}

type AnswerRow = { device_seq: number | string; status: OpResult['status']; reason: string | null; clamped: number; op_id: string | null };
const toAnswer = (x: AnswerRow): OpResult & { opId?: string | null } => ({
  deviceSeq: Number(x.device_seq),
  status: x.status,
  ...(x.reason ? { reason: x.reason } : {}),
  ...(x.clamped ? { clamped: true } : {}),
  opId: x.op_id,
});

/** Upserts the records of one JSON array ($1) of recordRow objects. */
const UPSERT_RECORDS = `INSERT INTO records (entity, id, scope_id, num, data, field_hlc, field_seq, deleted_hlc, created_at, updated_at, seq)
  SELECT entity, id, scope_id, num, data::text, field_hlc::text, field_seq::text, deleted_hlc, created_at, updated_at, seq
  FROM json_to_recordset($1::json) AS x(entity text, id text, scope_id text, num text, data json, field_hlc json, field_seq json,
    deleted_hlc text, created_at text, updated_at text, seq bigint)
  ON CONFLICT (entity, id) DO UPDATE SET scope_id = excluded.scope_id, num = excluded.num, data = excluded.data,
    field_hlc = excluded.field_hlc, field_seq = excluded.field_seq, deleted_hlc = excluded.deleted_hlc,
    updated_at = excluded.updated_at, seq = excluded.seq`;

function recordRow(r: StoredRecord) {
  return {
    entity: r.entity, id: r.id, scope_id: r.scopeId,
    num: numberOf(r.entity, r.data),
    data: r.data, field_hlc: storedClocks(r), field_seq: r.fieldSeq, deleted_hlc: r.deletedHlc,
    created_at: r.createdAt, updated_at: r.updatedAt, seq: r.seq,
  };
}

// BIGINT columns come back as strings by default; our positions fit a double comfortably.
pg.types.setTypeParser(20, (v) => Number(v));

type RecordRow = Parameters<typeof rowToRecord>[0];

export async function openPgStore(url: string): Promise<ServerStore> {
  const pool = new pg.Pool({ connectionString: url, max: 8 });
  // Every statement sent through the pool (a multi-statement text is one round trip): see roundTrips.
  const counter = { n: 0 };
  pool.on('connect', (client) => {
    const send = client.query.bind(client) as (...args: unknown[]) => unknown;
    (client as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
      counter.n++;
      return send(...args);
    };
  });
  const events = new EventEmitter();
  events.setMaxListeners(10_000);
  let listener: pg.Client | null = null;
  let closed = false;

  async function startListener() {
    const c = new pg.Client({ connectionString: url });
    c.on('error', () => {
      // A lost listener reconnects; clients also poll, so a missed poke only delays a pull.
      if (!closed) setTimeout(() => void startListener().catch(() => {}), 1000);
    });
    await c.connect();
    c.on('notification', (n) => {
      if (n.channel === CHANNEL) {
        const [seq, scopes] = (n.payload ?? '0').split(' ');
        events.emit('seq', Number(seq), scopes ? scopes.split(',') : null);
      }
    });
    await c.query(`LISTEN ${CHANNEL}`);
    listener = c;
  }

  const meta = async (q: Queryable, key: string) =>
    ((await q.query<{ value: string }>('SELECT value FROM server_meta WHERE key = $1', [key])).rows[0]?.value ?? null);
  const setMeta = async (q: Queryable, key: string, value: string) => {
    await q.query('INSERT INTO server_meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value', [key, value]);
  };

  /**
   * The steps of a push. `session` (inside withSyncTx) starts the transaction and takes the push
   * lock with its first statement, in the same round trip as a push's reads, and ends it with a
   * push's writes; without it (readRecords) the steps run as single statements on the pool.
   */
  function txFor(client: Queryable, session?: PushSession): SyncTx {
    const c: Queryable = session
      ? {
          query: async (text, params) => {
            if (session.ended) throw new Error('The push transaction has ended; nothing more can be read or written through it.');
            if (!session.begun) {
              await client.query(BEGIN_PUSH);
              session.begun = true;
            }
            return client.query(text, params);
          },
        }
      : client;
    /** A statement with its values inlined (one literal), so it can share a round trip with others. */
    const sendInline = async (sql: string, values: unknown, opts: { begin?: boolean; commit?: boolean; then?: string } = {}): Promise<pg.QueryResult> => {
      if (session?.ended) throw new Error('The push transaction has ended; nothing more can be read or written through it.');
      const literal = pg.escapeLiteral(JSON.stringify(values));
      // A function, so a "$&" in the data is never read as a replacement pattern.
      const text = sql.replaceAll('$JSON', () => literal);
      const begin = opts.begin && session && !session.begun;
      const parts = [...(begin ? [BEGIN_PUSH] : []), text, ...(opts.then ? [opts.then] : []), ...(opts.commit && session ? ['COMMIT'] : [])];
      const out = (await client.query(parts.join(';\n'))) as pg.QueryResult | pg.QueryResult[];
      if (begin) session!.begun = true;
      if (opts.commit && session) session.ended = true;
      // The statement's own result comes after those of BEGIN and the lock.
      return Array.isArray(out) ? out[begin ? 2 : 0]! : out;
    };
    return {
      readForPush: async (q) => {
        const byEntity = new Map<string, string[]>();
        for (const n of q.numbers) {
          const e = schemeOfNumber(n)?.entity;
          if (e) byEntity.set(e, [...(byEntity.get(e) ?? []), n]);
        }
        // One subquery per numbered type, naming it so its partial unique index serves the lookup.
        const numberParts = [...byEntity.keys()].map(
          (e) => `SELECT num, id FROM records WHERE entity = '${e}' AND num = ANY(ARRAY(SELECT json_array_elements_text((SELECT v FROM j)->'numbers'->'${e}')))`,
        );
        const r = await sendInline(
          `WITH j AS (SELECT $JSON::json AS v)
           SELECT
             (SELECT json_agg(r) FROM json_to_recordset((SELECT v FROM j)->'keys') AS k(entity text, id text) JOIN records r ON r.entity = k.entity AND r.id = k.id) AS records,
             (SELECT json_agg(o) FROM op_results o WHERE o.device_id = (SELECT v->>'deviceId' FROM j)
                AND o.device_seq = ANY(ARRAY(SELECT json_array_elements_text((SELECT v FROM j)->'seqs')::bigint))) AS seen,
             (SELECT json_agg(o) FROM op_results o WHERE o.op_id = ANY(ARRAY(SELECT json_array_elements_text((SELECT v FROM j)->'opIds')))) AS seen_ids,
             ${numberParts.length ? `(SELECT json_agg(n) FROM (${numberParts.join(' UNION ALL ')}) n)` : 'NULL::json'} AS numbers,
             (SELECT json_agg(l) FROM number_leases l WHERE l.prefix = ANY(ARRAY(SELECT json_array_elements_text((SELECT v FROM j)->'prefixes')))) AS leases,
             (SELECT value FROM server_meta WHERE key = 'max_hlc') AS max_hlc,
             (SELECT value FROM server_meta WHERE key = 'seq') AS head`,
          { deviceId: q.deviceId, seqs: q.seqs, opIds: q.opIds, keys: q.keys, numbers: Object.fromEntries(byEntity), prefixes: q.prefixes },
          { begin: true },
        );
        const row = r.rows[0] as {
          records: RecordRow[] | null;
          seen: AnswerRow[] | null;
          seen_ids: AnswerRow[] | null;
          numbers: { num: string; id: string }[] | null;
          leases: { prefix: string; first: number; last: number; device_id: string }[] | null;
          max_hlc: string | null;
          head: string | null;
        };
        if (session) session.head = Number(row.head ?? '0');
        const records = new Map<string, StoredRecord>();
        for (const x of row.records ?? []) records.set(recordKey(x.entity, x.id), rowToRecord(x));
        const seen = new Map<number, OpResult & { opId?: string | null }>();
        for (const x of row.seen ?? []) seen.set(Number(x.device_seq), toAnswer(x));
        const seenIds = new Map<string, OpResult & { opId?: string | null }>();
        for (const x of row.seen_ids ?? []) if (x.op_id) seenIds.set(x.op_id, toAnswer(x));
        const numberOwner = new Map<string, string>();
        for (const x of row.numbers ?? []) numberOwner.set(x.num, x.id);
        const leases = (row.leases ?? []).map((x) => ({ prefix: x.prefix, first: Number(x.first), last: Number(x.last), deviceId: x.device_id }));
        return { seen, seenIds, records, numberOwner, leases, maxHlc: row.max_hlc ?? ZERO_HLC };
      },
      writeForPush: async (w) => {
        if (w.records.length > WRITE_SLICE || !session) {
          // A wide push (a priority matrix change re-deriving every open ticket): the single steps.
          for (const x of w.counters) await txFor(c).bumpCounter(x.prefix, x.n);
          await txFor(c).writeRecords(w.records);
          await txFor(c).touchUpdatedAt(w.touched);
          await txFor(c).saveOpResults(w.deviceId, w.results);
          await setMeta(c, 'max_hlc', w.maxHlc);
          return { head: Number((await meta(c, 'seq')) ?? '0'), announced: false };
        }
        let seq = session.head ?? Number((await meta(c, 'seq')) ?? '0');
        const rows = w.records.map((r) => {
          seq++;
          r.seq = seq;
          for (const f of Object.keys(r.fieldSeq)) if (r.fieldSeq[f] === 0) r.fieldSeq[f] = seq;
          return recordRow(r);
        });
        const moves = w.records.flatMap((r) => (r.movedFrom ?? []).map((from) => ({ seq: r.seq, entity: r.entity, id: r.id, from_scope: from })));
        const meta2 = [{ key: 'max_hlc', value: w.maxHlc }, ...(rows.length ? [{ key: 'seq', value: String(seq) }] : [])];
        // One statement: its parts write different rows, so none waits for another's effect.
        await sendInline(
          `WITH j AS (SELECT $JSON::json AS v),
           rec AS (${UPSERT_RECORDS.replace('$1::json', "(SELECT v->'records' FROM j)")} RETURNING 1),
           mv AS (INSERT INTO scope_moves (seq, entity, id, from_scope)
             SELECT seq, entity, id, from_scope FROM json_to_recordset((SELECT v->'moves' FROM j)) AS x(seq bigint, entity text, id text, from_scope text)
             ON CONFLICT DO NOTHING RETURNING 1),
           tch AS (UPDATE records r SET updated_at = x.updated_at FROM json_to_recordset((SELECT v->'touched' FROM j)) AS x(entity text, id text, updated_at text)
             WHERE r.entity = x.entity AND r.id = x.id AND r.updated_at < x.updated_at RETURNING 1),
           res AS (INSERT INTO op_results (device_id, device_seq, status, reason, clamped, op_id)
             SELECT (SELECT v->>'deviceId' FROM j), device_seq, status, reason, clamped, op_id
             FROM json_to_recordset((SELECT v->'results' FROM j)) AS x(device_seq bigint, status text, reason text, clamped int, op_id text)
             ON CONFLICT DO NOTHING RETURNING 1),
           cnt AS (INSERT INTO number_counters (prefix, next) SELECT prefix, next FROM json_to_recordset((SELECT v->'counters' FROM j)) AS x(prefix text, next bigint)
             ON CONFLICT (prefix) DO UPDATE SET next = GREATEST(number_counters.next, excluded.next) RETURNING 1),
           m AS (INSERT INTO server_meta (key, value) SELECT key, value FROM json_to_recordset((SELECT v->'meta' FROM j)) AS x(key text, value text)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value RETURNING 1)
           SELECT 1`,
          {
            records: rows,
            moves,
            touched: w.touched.map((r) => ({ entity: r.entity, id: r.id, updated_at: r.updatedAt })),
            deviceId: w.deviceId,
            results: w.results.map((r) => ({ device_seq: r.deviceSeq, status: r.status, reason: r.reason ?? null, clamped: r.clamped ? 1 : 0, op_id: r.opId })),
            counters: w.counters.map((x) => ({ prefix: x.prefix, next: x.n + 1 })),
            meta: meta2,
          },
          {
            commit: true,
            // Delivered by PostgreSQL when the transaction commits, and only then.
            then: w.announce && rows.length ? `SELECT pg_notify('${CHANNEL}', ${pg.escapeLiteral(announcement(seq, w.announce.scopes))})` : undefined,
          },
        );
        return { head: seq, announced: !!(w.announce && rows.length) };
      },
      openTickets: async () =>
        (await c.query<RecordRow>("SELECT * FROM records WHERE entity = 'tickets' AND deleted_hlc IS NULL AND (data::jsonb ->> 'is_open') IN ('1', 'true')")).rows.map((r) => rowToRecord(r)),
      loadRecords: async (keys) => {
        const out = new Map<string, StoredRecord>();
        if (!keys.length) return out;
        const r = await c.query<RecordRow>(
          'SELECT r.* FROM records r JOIN unnest($1::text[], $2::text[]) AS k(entity, id) ON r.entity = k.entity AND r.id = k.id',
          [keys.map((k) => k.entity), keys.map((k) => k.id)],
        );
        for (const row of r.rows) out.set(recordKey(row.entity, row.id), rowToRecord(row));
        return out;
      },
      childrenOf: async (children, parentId) => {
        if (!children.length) return [];
        // Moves are rare: a scan of the child types' rows (the primary key narrows it by type).
        const r = await c.query<RecordRow>(
          `SELECT r.* FROM records r JOIN unnest($1::text[], $2::text[]) AS k(entity, field) ON r.entity = k.entity
           WHERE (r.data::jsonb ->> k.field) = $3 ORDER BY r.seq`,
          [children.map((x) => x.entity), children.map((x) => x.field), parentId],
        );
        return r.rows.map((row) => rowToRecord(row));
      },
      findNumbers: async (numbers) => {
        const out = new Map<string, string>();
        if (!numbers.length) return out;
        // One query per numbered type, naming it so its partial unique index serves the lookup.
        for (const entity of new Set(NUMBER_SCHEMES.map((sc) => sc.entity))) {
          const mine = numbers.filter((n) => schemeOfNumber(n)?.entity === entity);
          if (!mine.length) continue;
          const r = await c.query<{ num: string; id: string }>(`SELECT num, id FROM records WHERE entity = '${entity}' AND num = ANY($1::text[])`, [mine]);
          for (const row of r.rows) out.set(row.num, row.id);
        }
        return out;
      },
      seenOps: async (deviceId, seqs) => {
        const out = new Map<number, OpResult & { opId?: string | null }>();
        if (!seqs.length) return out;
        const r = await c.query<{ device_seq: number; status: OpResult['status']; reason: string | null; clamped: number; op_id: string | null }>(
          'SELECT device_seq, status, reason, clamped, op_id FROM op_results WHERE device_id = $1 AND device_seq = ANY($2::bigint[])',
          [deviceId, seqs],
        );
        for (const x of r.rows) out.set(Number(x.device_seq), { deviceSeq: Number(x.device_seq), status: x.status, ...(x.reason ? { reason: x.reason } : {}), ...(x.clamped ? { clamped: true } : {}), opId: x.op_id });
        return out;
      },
      seenOpIds: async (opIds) => {
        const out = new Map<string, OpResult & { opId?: string | null }>();
        if (!opIds.length) return out;
        const r = await c.query<{ device_seq: number; status: OpResult['status']; reason: string | null; clamped: number; op_id: string }>(
          'SELECT device_seq, status, reason, clamped, op_id FROM op_results WHERE op_id = ANY($1::text[])',
          [opIds],
        );
        for (const x of r.rows) out.set(x.op_id, { deviceSeq: Number(x.device_seq), status: x.status, ...(x.reason ? { reason: x.reason } : {}), ...(x.clamped ? { clamped: true } : {}), opId: x.op_id });
        return out;
      },
      touchUpdatedAt: async (recs) => {
        if (!recs.length) return;
        await c.query(
          `UPDATE records r SET updated_at = x.updated_at FROM json_to_recordset($1::json) AS x(entity text, id text, updated_at text)
           WHERE r.entity = x.entity AND r.id = x.id AND r.updated_at < x.updated_at`,
          [JSON.stringify(recs.map((r) => ({ entity: r.entity, id: r.id, updated_at: r.updatedAt })))],
        );
      },
      writeRecords: async (recs) => {
        if (!recs.length) return;
        let seq = Number((await meta(c, 'seq')) ?? '0');
        const rows = recs.map((r) => {
          seq++;
          r.seq = seq;
          for (const f of Object.keys(r.fieldSeq)) if (r.fieldSeq[f] === 0) r.fieldSeq[f] = seq;
          return recordRow(r);
        });
        // One JSON document per slice: PostgreSQL parses it far faster than the driver escapes
        // eleven text arrays.
        for (let i = 0; i < rows.length; i += WRITE_SLICE) await c.query(UPSERT_RECORDS, [JSON.stringify(rows.slice(i, i + WRITE_SLICE))]);
        const moves = recs.flatMap((r) => (r.movedFrom ?? []).map((from) => [r.seq, r.entity, r.id, from] as const));
        if (moves.length) {
          await c.query(
            'INSERT INTO scope_moves (seq, entity, id, from_scope) SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[]) ON CONFLICT DO NOTHING',
            [moves.map((m) => m[0]), moves.map((m) => m[1]), moves.map((m) => m[2]), moves.map((m) => m[3])],
          );
        }
        await setMeta(c, 'seq', String(seq));
      },
      saveOpResults: async (deviceId, results) => {
        if (!results.length) return;
        await c.query(
          `INSERT INTO op_results (device_id, device_seq, status, reason, clamped, op_id)
           SELECT $1, * FROM unnest($2::bigint[], $3::text[], $4::text[], $5::int[], $6::text[]) ON CONFLICT DO NOTHING`,
          [deviceId, results.map((r) => r.deviceSeq), results.map((r) => r.status), results.map((r) => r.reason ?? null), results.map((r) => (r.clamped ? 1 : 0)), results.map((r) => r.opId)],
        );
      },
      nextNumber: async (prefix) => {
        const r = await c.query<{ n: number }>(
          `INSERT INTO number_counters (prefix, next) VALUES ($1, 2)
           ON CONFLICT (prefix) DO UPDATE SET next = number_counters.next + 1 RETURNING next - 1 AS n`,
          [prefix],
        );
        return Number(r.rows[0]!.n);
      },
      bumpCounter: async (prefix, n) => {
        await c.query(
          `INSERT INTO number_counters (prefix, next) VALUES ($1, $2)
           ON CONFLICT (prefix) DO UPDATE SET next = GREATEST(number_counters.next, excluded.next)`,
          [prefix, n + 1],
        );
      },
      leasesFor: async (prefixes) => {
        if (!prefixes.length) return [];
        const r = await c.query<{ prefix: string; first: number; last: number; device_id: string }>('SELECT prefix, first, last, device_id FROM number_leases WHERE prefix = ANY($1::text[])', [prefixes]);
        return r.rows.map((x) => ({ prefix: x.prefix, first: Number(x.first), last: Number(x.last), deviceId: x.device_id }));
      },
      movedOutAfter: async (entity, id, fromScope, after) =>
        (await c.query('SELECT 1 FROM scope_moves WHERE entity = $1 AND id = $2 AND from_scope = $3 AND seq > $4 LIMIT 1', [entity, id, fromScope, after])).rows.length > 0,
      getMaxHlc: async () => (await meta(c, 'max_hlc')) ?? ZERO_HLC,
      setMaxHlc: async (h) => setMeta(c, 'max_hlc', h),
    };
  }

  async function inTx<T>(fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    const c = await pool.connect();
    try {
      await c.query('BEGIN');
      await c.query('SELECT pg_advisory_xact_lock($1)', [PUSH_LOCK]);
      const r = await fn(c);
      await c.query('COMMIT');
      return r;
    } catch (e) {
      await c.query('ROLLBACK').catch(() => {});
      throw e;
    } finally {
      c.release();
    }
  }

  /**
   * A push's transaction: begun, with the push lock, by its first statement (sent with its reads),
   * and committed with its writes, so the lock is held for little more than one round trip.
   */
  async function inPushTx<T>(fn: (tx: SyncTx) => Promise<T>): Promise<T> {
    const c = await pool.connect();
    const session: PushSession = { begun: false, ended: false, head: null };
    try {
      const r = await fn(txFor(c, session));
      if (session.begun && !session.ended) await c.query('COMMIT');
      session.ended = true;
      return r;
    } catch (e) {
      if (session.begun) await c.query('ROLLBACK').catch(() => {});
      session.ended = true;
      throw e;
    } finally {
      c.release();
    }
  }

  // Pushes (and leases) are serialised across instances by the advisory lock. Within this instance
  // they queue here first, so pushes waiting their turn hold no pooled connection: the push that
  // holds the lock may need a second connection for a lookup (who wrote an overwritten value), and
  // pulls and sign-ins need theirs. Without the queue, a burst of pushes larger than the pool took
  // every connection, the lock holder waited for one, and the instance stopped answering.
  let syncQueue: Promise<unknown> = Promise.resolve();
  function queued<T>(fn: () => Promise<T>): Promise<T> {
    const run = syncQueue.then(fn, fn);
    syncQueue = run.catch(() => {});
    return run;
  }

  /** A transaction without the push lock: account writes never wait for a push. */
  async function plainTx<T>(fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    const c = await pool.connect();
    try {
      await c.query('BEGIN');
      const r = await fn(c);
      await c.query('COMMIT');
      return r;
    } catch (e) {
      await c.query('ROLLBACK').catch(() => {});
      throw e;
    } finally {
      c.release();
    }
  }

  const store: ServerStore = {
    kind: 'postgres',
    migrate: async () => {
      const c = await pool.connect();
      try {
        await c.query('SELECT pg_advisory_lock($1)', [PUSH_LOCK + 1]);
        await c.query(SCHEMA_SQL.postgres);
        for (const a of ADDED_COLUMNS) await c.query(`ALTER TABLE ${a.table} ADD COLUMN IF NOT EXISTS ${a.column} ${a.type}`);
        for (const sql of LATE_INDEXES) await c.query(sql);
        await c.query('SELECT pg_advisory_unlock($1)', [PUSH_LOCK + 1]);
      } finally {
        c.release();
      }
      if (!listener) await startListener();
    },
    withSyncTx: (fn) => queued(() => inPushTx(fn)),
    pull: async (scopes, cursor, limit, opts = {}) => {
      // One statement, so one snapshot: the head, the records up to it and the moves up to it. A push
      // writes its rows and the head in one transaction, so everything up to the head is in the
      // snapshot, and a push committing meanwhile is left whole to the next pull.
      const params: unknown[] = [cursor, limit + 1];
      const arg = (v: unknown) => `$${params.push(v)}`;
      const cols = (part: string, x: string) =>
        `'${part}' AS part, ${x}.entity, ${x}.id, ${x}.scope_id, ${x}.num, ${x}.data, ${x}.field_hlc, ${x}.field_seq, ${x}.deleted_hlc, ${x}.created_at, ${x}.updated_at, ${x}.seq`;
      const bare = (part: string, scope: string) =>
        `'${part}', m.entity, m.id, ${scope}, NULL, NULL, NULL, NULL, NULL, NULL, NULL, m.seq`;
      const parts = [
        `SELECT 'h' AS part, NULL::text AS entity, NULL::text AS id, NULL::text AS scope_id, NULL::text AS num, NULL::text AS data, NULL::text AS field_hlc,
           NULL::text AS field_seq, NULL::text AS deleted_hlc, NULL::text AS created_at, NULL::text AS updated_at, h.head AS seq FROM h`,
      ];
      const scopeArg = scopes === null ? null : arg(scopes);
      parts.push(`(SELECT ${cols('r', 'r').replace(`'r' AS part`, `'r'`)} FROM records r WHERE r.seq > $1 AND r.seq <= (SELECT head FROM h)
        ${scopeArg ? `AND r.scope_id = ANY(${scopeArg}::text[])` : ''} ORDER BY r.seq LIMIT $2)`);
      // Records that moved out of these sites reach the site's devices too, and records that left
      // the reader's view (a ticket given another requester) reach the reader's (see moves.ts).
      if (scopeArg) {
        parts.push(`(SELECT ${bare('m', 'r.scope_id')} FROM scope_moves m JOIN records r ON r.entity = m.entity AND r.id = m.id
          WHERE m.seq > $1 AND m.seq <= (SELECT head FROM h) AND m.from_scope = ANY(${scopeArg}::text[]) AND NOT (r.scope_id = ANY(${scopeArg}::text[])) ORDER BY m.seq LIMIT $2)`);
      }
      const reader = opts.reader;
      if (reader?.entities.length) {
        parts.push(`(SELECT ${bare('v', "''")} FROM scope_moves m
          WHERE m.from_scope = ${arg(readerView(reader.id))} AND m.seq > $1 AND m.seq <= (SELECT head FROM h) AND m.entity = ANY(${arg([...reader.entities])}::text[]) ORDER BY m.seq LIMIT $2)`);
      }
      const all = await pool.query<RecordRow & { part: 'h' | 'r' | 'm' | 'v' }>(
        `WITH h AS (SELECT COALESCE((SELECT value FROM server_meta WHERE key = 'seq'), '0')::bigint AS head)\n${parts.join('\nUNION ALL\n')}`,
        params,
      );
      let head = 0;
      const rows: RecordRow[] = [];
      let moved: MovedRow[] = [];
      for (const x of all.rows) {
        if (x.part === 'h') head = Number(x.seq);
        else if (x.part === 'r') rows.push(x);
        else moved.push({ seq: x.seq, entity: x.entity, id: x.id, scope_id: x.scope_id });
      }
      rows.sort((p, q) => Number(p.seq) - Number(q.seq));
      const r = { rows };
      let hasMore = r.rows.length > limit;
      let page = r.rows.slice(0, limit).map((x) => recordToChange(rowToRecord(x, opts)));
      moved = moved.sort((a, b) => Number(a.seq) - Number(b.seq));
      if (moved.length) ({ changes: page, hasMore } = mergeMovedOut([...page, ...r.rows.slice(limit).map((x) => recordToChange(rowToRecord(x, opts)))], moved, limit));
      let next = cursor;
      if (page.length) next = page[page.length - 1]!.seq;
      else if (!hasMore) next = Math.max(cursor, head);
      return { changes: page, cursor: next, hasMore };
    },
    headSeq: async () => Number((await meta(pool, 'seq')) ?? '0'),
    readRecords: async (keys) => txFor(pool).loadRecords(keys),
    standing: async (ids) => {
      const r = await pool.query<{ device: unknown; user: unknown; session: unknown; profile_id: string | null }>(
        `SELECT (SELECT row_to_json(d) FROM devices d WHERE d.id = $1) AS device,
                (SELECT row_to_json(u) FROM server_users u WHERE u.id = $2) AS user,
                (SELECT row_to_json(s) FROM auth_sessions s WHERE s.id = $3) AS session,
                (SELECT r.id FROM records r WHERE r.scope_id = 'global' AND r.entity = 'users' AND r.deleted_hlc IS NULL
                   AND (r.data::jsonb ->> 'username') = (SELECT u.username FROM server_users u WHERE u.id = $2) ORDER BY r.seq LIMIT 1) AS profile_id`,
        [ids.deviceId, ids.userId, ids.sessionId],
      );
      const row = r.rows[0]!;
      return { device: toDevice(row.device), user: toUser(row.user), session: toSession(row.session), profileId: row.profile_id };
    },
    findProfileId: async (username) => {
      const r = await pool.query<{ id: string }>(
        "SELECT id FROM records WHERE scope_id = 'global' AND entity = 'users' AND deleted_hlc IS NULL AND (data::jsonb ->> 'username') = $1 ORDER BY seq LIMIT 1",
        [username],
      );
      return r.rows[0]?.id ?? null;
    },
    requesterTickets: async (requesterId) => (await pool.query<RecordRow>(requesterTicketsSql('postgres'), [requesterId])).rows.map((r) => rowToRecord(r)),
    ticketChildren: async (entity, ticketIds) =>
      ticketIds.length ? (await pool.query<RecordRow>(ticketChildrenSql('postgres', entity), [ticketIds])).rows.map((r) => rowToRecord(r)) : [],
    liveRecordsOf: async (entity) => (await pool.query<RecordRow>(liveRecordsSql('postgres'), [entity])).rows.map((r) => rowToRecord(r)),
    lease: (deviceId, prefix, count, max) =>
      queued(() =>
        inTx(async (c): Promise<LeaseResponse | null> => {
        const cur = await c.query<{ next: string }>('SELECT next FROM number_counters WHERE prefix = $1 FOR UPDATE', [prefix]);
        if (Number(cur.rows[0]?.next ?? 1) + count - 1 > max) return null;
        const r = await c.query<{ first: number }>(
          `INSERT INTO number_counters (prefix, next) VALUES ($1, $2 + 1)
           ON CONFLICT (prefix) DO UPDATE SET next = number_counters.next + $2 RETURNING next - $2 AS first`,
          [prefix, count],
        );
        const first = Number(r.rows[0]!.first);
        const last = first + count - 1;
        await c.query('INSERT INTO number_leases (prefix, first, last, device_id) VALUES ($1, $2, $3, $4)', [prefix, first, last, deviceId]);
        return { prefix, first, last };
        }),
      ),
    outstandingLeased: async (deviceId, prefix) => {
      const leases = await pool.query<{ first: string; last: string }>('SELECT first, last FROM number_leases WHERE device_id = $1 AND prefix = $2 ORDER BY first DESC LIMIT 20', [deviceId, prefix]);
      let open = 0;
      for (const l of leases.rows) {
        open += Number(l.last) - Number(l.first) + 1;
        for (const [lo, hi] of sameWidthRanges(prefix, Number(l.first), Number(l.last))) {
          const used = await pool.query<{ n: string }>(`SELECT count(*) AS n FROM records WHERE entity = '${schemeOf(prefix)?.entity ?? 'tickets'}' AND num >= $1 AND num <= $2`, [lo, hi]);
          open -= Number(used.rows[0]!.n);
        }
      }
      return open;
    },
    countUsers: async () => Number((await pool.query<{ n: string }>('SELECT count(*) AS n FROM server_users')).rows[0]!.n),
    createUser: async (u) => {
      await pool.query('INSERT INTO server_users (id, username, password_hash, role, sites, active) VALUES ($1, $2, $3, $4, $5, $6)', [
        u.id, u.username, u.passwordHash, u.role, u.sites ? JSON.stringify(u.sites) : null, u.active ? 1 : 0,
      ]);
    },
    findUser: async (username) => toUser((await pool.query('SELECT * FROM server_users WHERE username = $1', [username])).rows[0]),
    getUser: async (id) => toUser((await pool.query('SELECT * FROM server_users WHERE id = $1', [id])).rows[0]),
    setUserRole: async (id, role) => ((await pool.query('UPDATE server_users SET role = $1 WHERE id = $2', [role, id])).rowCount ?? 0) > 0,
    setUserSites: async (id, sites) => ((await pool.query('UPDATE server_users SET sites = $1 WHERE id = $2', [sites ? JSON.stringify(sites) : null, id])).rowCount ?? 0) > 0,
    upsertDevice: async (d) => {
      const r = await pool.query(
        `INSERT INTO devices (id, user_id, name, revoked, created_at, last_seen_at, forked_from) VALUES ($1, $2, $3, 0, $4, $4, $5)
         ON CONFLICT (id) DO UPDATE SET name = excluded.name, last_seen_at = excluded.last_seen_at RETURNING *`,
        [d.id, d.userId, d.name, d.now, d.forkedFrom ?? null],
      );
      return toDevice(r.rows[0])!;
    },
    getDevice: async (id) => toDevice((await pool.query('SELECT * FROM devices WHERE id = $1', [id])).rows[0]),
    revokeDevice: async (id, withCopies = false) => {
      const exists = (await pool.query('SELECT 1 FROM devices WHERE id = $1', [id])).rows.length > 0;
      const ids = !withCopies ? [id] : await deviceFamily(id, async (frontier) => (await pool.query(FAMILY_PG, [frontier])).rows as FamilyRow[]);
      await pool.query('UPDATE devices SET revoked = 1 WHERE id = ANY($1::text[])', [ids]);
      await pool.query('DELETE FROM refresh_tokens WHERE device_id = ANY($1::text[])', [ids]);
      return exists;
    },
    markDeviceLost: async (id, at) => {
      const r = await pool.query('UPDATE devices SET revoked = 1, lost_at = coalesce(lost_at, $1) WHERE id = $2', [at, id]);
      if (!r.rowCount) return false;
      // Its copies go with it, as with a revocation: a store copied from a lost laptop holds its data.
      const ids = await deviceFamily(id, async (frontier) => (await pool.query(FAMILY_PG, [frontier])).rows as FamilyRow[]);
      await pool.query('UPDATE devices SET revoked = 1 WHERE id = ANY($1::text[])', [ids]);
      await pool.query('DELETE FROM refresh_tokens WHERE device_id = ANY($1::text[])', [ids]);
      return true;
    },
    listAllDevices: async () => (await pool.query('SELECT * FROM devices ORDER BY last_seen_at DESC')).rows.map((r) => toDevice(r)!),
    saveRefresh: async (hash, deviceId, userId, expiresAt) => {
      await pool.query('INSERT INTO refresh_tokens (hash, device_id, user_id, expires_at) VALUES ($1, $2, $3, $4)', [hash, deviceId, userId, expiresAt]);
    },
    takeRefresh: async (hash, now) => {
      const r = await pool.query<{ device_id: string; user_id: string; expires_at: string }>('DELETE FROM refresh_tokens WHERE hash = $1 RETURNING device_id, user_id, expires_at', [hash]);
      const x = r.rows[0];
      if (!x || x.expires_at < now) return null;
      return { deviceId: x.device_id, userId: x.user_id };
    },
    secret: async () => {
      const v = await meta(pool, 'token_secret');
      if (v) return v;
      // Two instances starting together agree on whichever secret was written first.
      await pool.query('INSERT INTO server_meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING', ['token_secret', randomBytes(32).toString('base64url')]);
      return (await meta(pool, 'token_secret'))!;
    },
    listUsers: async () => (await pool.query('SELECT * FROM server_users ORDER BY username')).rows.map((r) => toUser(r)!),
    setUserActive: async (id, active) => ((await pool.query('UPDATE server_users SET active = $1 WHERE id = $2', [active ? 1 : 0, id])).rowCount ?? 0) > 0,
    setUserPassword: async (id, passwordHash) => ((await pool.query('UPDATE server_users SET password_hash = $1 WHERE id = $2', [passwordHash, id])).rowCount ?? 0) > 0,
    revokeUserDevices: (userId) =>
      plainTx(async (c) => {
        const r = await c.query('UPDATE devices SET revoked = 1 WHERE user_id = $1 AND revoked = 0', [userId]);
        await c.query('DELETE FROM refresh_tokens WHERE user_id = $1', [userId]);
        await c.query('DELETE FROM auth_refresh WHERE used_at IS NULL AND session_id IN (SELECT id FROM auth_sessions WHERE user_id = $1)', [userId]);
        await c.query('UPDATE auth_sessions SET revoked = 1 WHERE user_id = $1', [userId]);
        return r.rowCount ?? 0;
      }),
    listDevices: async (userId) => (await pool.query('SELECT * FROM devices WHERE user_id = $1 ORDER BY last_seen_at DESC', [userId])).rows.map((r) => toDevice(r)!),
    createSession: async (x) => {
      await pool.query('INSERT INTO auth_sessions (id, device_id, user_id, revoked, created_at) VALUES ($1, $2, $3, 0, $4)', [x.id, x.deviceId, x.userId, x.now]);
    },
    getSession: async (id) => toSession((await pool.query('SELECT * FROM auth_sessions WHERE id = $1', [id])).rows[0]),
    revokeSessions: (where) =>
      plainTx(async (c) => {
        const conds: string[] = [];
        const args: string[] = [];
        const add = (sql: string, v: string) => {
          args.push(v);
          conds.push(sql.replace('?', `$${args.length}`));
        };
        if (where.sessionId) add('id = ?', where.sessionId);
        if (where.deviceId) add('device_id = ?', where.deviceId);
        if (where.userId) add('user_id = ?', where.userId);
        if (where.exceptSessionId) add('id <> ?', where.exceptSessionId);
        if (!conds.length) throw new Error('revokeSessions needs a condition.');
        const match = conds.join(' AND ');
        await c.query(`DELETE FROM auth_refresh WHERE used_at IS NULL AND session_id IN (SELECT id FROM auth_sessions WHERE ${match})`, args);
        return (await c.query(`UPDATE auth_sessions SET revoked = 1 WHERE revoked = 0 AND ${match}`, args)).rowCount ?? 0;
      }),
    saveSessionRefresh: async (hash, sessionId, expiresAt) => {
      await pool.query('INSERT INTO auth_refresh (hash, session_id, expires_at, used_at) VALUES ($1, $2, $3, NULL)', [hash, sessionId, expiresAt]);
    },
    useSessionRefresh: (hash, now) =>
      plainTx(async (c) => {
        await c.query('DELETE FROM auth_refresh WHERE expires_at < $1', [now]);
        // FOR UPDATE: two instances spending the same token at once see it in turn, so the second is a reuse.
        const r = (await c.query<{ session_id: string; used_at: string | null }>('SELECT session_id, used_at FROM auth_refresh WHERE hash = $1 FOR UPDATE', [hash])).rows[0];
        if (!r) return null;
        if (r.used_at !== null) return { sessionId: r.session_id, reused: true };
        await c.query('UPDATE auth_refresh SET used_at = $1 WHERE hash = $2', [now, hash]);
        return { sessionId: r.session_id, reused: false };
      }),
    throttleState: async (keys) => {
      if (!keys.length) return [];
      return (await pool.query('SELECT * FROM auth_throttle WHERE key = ANY($1::text[])', [keys])).rows.map((r) => toThrottle(r));
    },
    recordLoginFailure: (key, nowMs, forgetBeforeMs, lockUntil) =>
      plainTx(async (c) => {
        await c.query('INSERT INTO auth_throttle (key, failures, last_failure_ms, locked_until_ms) VALUES ($1, 0, 0, 0) ON CONFLICT (key) DO NOTHING', [key]);
        const prev = toThrottle((await c.query('SELECT * FROM auth_throttle WHERE key = $1 FOR UPDATE', [key])).rows[0]);
        const failures = prev.failures > 0 && prev.lastFailureMs >= forgetBeforeMs ? prev.failures + 1 : 1;
        const until = Math.max(lockUntil(failures), prev.lockedUntilMs);
        await c.query('UPDATE auth_throttle SET failures = $2, last_failure_ms = $3, locked_until_ms = $4 WHERE key = $1', [key, failures, nowMs, until]);
        return { key, failures, lastFailureMs: nowMs, lockedUntilMs: until };
      }),
    acknowledgeAuditAnchor: (deviceId, anchor, at) =>
      plainTx(async (c) => {
        // One device's anchors are judged one at a time (two instances may answer its pushes).
        await c.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [AUDIT_ANCHOR_LOCK, deviceId]);
        const row = (await c.query('SELECT head, chain_length, at FROM audit_anchors WHERE device_id = $1 ORDER BY chain_length DESC LIMIT 1', [deviceId])).rows[0];
        const judged = judgeAnchor(row ? toAnchor(row) : null, anchor, at);
        if (judged.ok && judged.fresh) await c.query('INSERT INTO audit_anchors (device_id, chain_length, head, at) VALUES ($1, $2, $3, $4)', [deviceId, anchor.length, anchor.head, at]);
        return judged;
      }),
    auditAnchors: async (deviceId, limit) =>
      (await pool.query('SELECT head, chain_length, at FROM audit_anchors WHERE device_id = $1 ORDER BY chain_length DESC LIMIT $2', [deviceId, limit])).rows.map(toAnchor),
    blobSize: async (sha) => {
      const r = (await pool.query<{ size: string }>('SELECT size FROM evidence_blobs WHERE sha256 = $1', [sha])).rows[0];
      return r ? Number(r.size) : null;
    },
    readBlob: async (sha) => (await pool.query<{ data: Buffer }>('SELECT data FROM evidence_blobs WHERE sha256 = $1', [sha])).rows[0]?.data ?? null,
    blobUpload: async (sha, deviceId) => {
      const r = (await pool.query<{ size: string; received: string }>('SELECT size, received FROM evidence_blob_uploads WHERE sha256 = $1 AND device_id = $2', [sha, deviceId])).rows[0];
      return r ? { size: Number(r.size), received: Number(r.received) } : null;
    },
    appendBlobUpload: (sha, deviceId, size, offset, chunk, at) =>
      plainTx(async (c) => {
        // An upload starting again from 0 (a different size, or a device that lost its place) replaces the old one.
        if (offset === 0) {
          await c.query(
            `INSERT INTO evidence_blob_uploads (sha256, device_id, size, received, data, updated_at) VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (sha256, device_id) DO UPDATE SET size = EXCLUDED.size, received = EXCLUDED.received, data = EXCLUDED.data, updated_at = EXCLUDED.updated_at`,
            [sha, deviceId, size, chunk.length, chunk, at],
          );
          return { ok: true, received: chunk.length };
        }
        const cur = (await c.query<{ size: string; received: string }>('SELECT size, received FROM evidence_blob_uploads WHERE sha256 = $1 AND device_id = $2 FOR UPDATE', [sha, deviceId])).rows[0];
        if (!cur || Number(cur.received) !== offset || Number(cur.size) !== size) return { ok: false, received: cur && Number(cur.size) === size ? Number(cur.received) : 0 };
        await c.query('UPDATE evidence_blob_uploads SET data = data || $1, received = received + $2, updated_at = $3 WHERE sha256 = $4 AND device_id = $5', [chunk, chunk.length, at, sha, deviceId]);
        return { ok: true, received: offset + chunk.length };
      }),
    takeBlobUpload: async (sha, deviceId) => (await pool.query<{ data: Buffer }>('DELETE FROM evidence_blob_uploads WHERE sha256 = $1 AND device_id = $2 RETURNING data', [sha, deviceId])).rows[0]?.data ?? null,
    saveBlob: async (sha, data, at) => {
      await pool.query('INSERT INTO evidence_blobs (sha256, size, data, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT (sha256) DO NOTHING', [sha, data.length, data, at]);
    },
    evidenceNaming: async (sha) =>
      (await pool.query<RecordRow>("SELECT * FROM records WHERE entity = 'evidence' AND deleted_hlc IS NULL AND (data::jsonb ->> 'sha256') = $1", [sha])).rows.map((r) => rowToRecord(r)),
    isArticlePicture: async (sha, articleId) => (await pool.query('SELECT 1 FROM kb_article_pictures WHERE sha256 = $1 AND article_id = $2', [sha, articleId])).rowCount! > 0,
    saveArticlePicture: async (sha, articleId, data, uploadedBy, at) => {
      const c = await pool.connect();
      try {
        await c.query('BEGIN');
        await c.query('INSERT INTO evidence_blobs (sha256, size, data, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT (sha256) DO NOTHING', [sha, data.length, data, at]);
        await c.query('INSERT INTO kb_article_pictures (sha256, article_id, uploaded_by, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING', [sha, articleId, uploadedBy, at]);
        await c.query('COMMIT');
      } catch (e) {
        await c.query('ROLLBACK');
        throw e;
      } finally {
        c.release();
      }
    },
    clearLoginFailures: async (key) => {
      await pool.query('DELETE FROM auth_throttle WHERE key = $1', [key]);
    },
    saveLiveTicket: async (hash, sessionId, expiresAt) => {
      await pool.query('INSERT INTO live_tickets (hash, session_id, expires_at) VALUES ($1, $2, $3)', [hash, sessionId, expiresAt]);
    },
    takeLiveTicket: async (hash, now) => {
      await pool.query('DELETE FROM live_tickets WHERE expires_at < $1', [now]);
      const r = await pool.query<{ session_id: string }>('DELETE FROM live_tickets WHERE hash = $1 RETURNING session_id', [hash]);
      return r.rows[0]?.session_id ?? null;
    },
    reserveDeviceCounter: async (deviceId, what, count) => {
      const r = await pool.query<{ first: number }>(
        `INSERT INTO device_counters (device_id, what, next) VALUES ($1, $2, $3::bigint + 1)
         ON CONFLICT (device_id, what) DO UPDATE SET next = device_counters.next + $3::bigint RETURNING next - $3::bigint AS first`,
        [deviceId, what, count],
      );
      return Number(r.rows[0]!.first);
    },
    announce: async (seq, scopes) => {
      await pool.query('SELECT pg_notify($1, $2)', [CHANNEL, announcement(seq, scopes)]);
    },
    onAnnounce: (l) => {
      events.on('seq', l);
    },
    close: async () => {
      closed = true;
      await listener?.end().catch(() => {});
      await pool.end();
    },
  };
  roundTripCounters.set(store, counter);
  return store;
}

const roundTripCounters = new WeakMap<ServerStore, { n: number }>();

/**
 * Statements this PostgreSQL store has sent to the database so far (each one round trip; the
 * listener's are not counted): what a push or a pull costs, for tests that keep it bounded.
 */
export function pgRoundTrips(store: ServerStore): number {
  const c = roundTripCounters.get(store);
  if (!c) throw new Error('Not a PostgreSQL store.');
  return c.n;
}
