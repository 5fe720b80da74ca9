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
import { leftReaderSql, mergeMovedOut, movedOutSql, readerView, type MovedRow } from './moves';
import { deviceFamily, FAMILY_PG, type FamilyRow } from './devices';
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

// BIGINT columns come back as strings by default; our positions fit a double comfortably.
pg.types.setTypeParser(20, (v) => Number(v));

type RecordRow = Parameters<typeof rowToRecord>[0];

export async function openPgStore(url: string): Promise<ServerStore> {
  const pool = new pg.Pool({ connectionString: url, max: 8 });
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

  const meta = async (q: pg.PoolClient | pg.Pool, key: string) =>
    ((await q.query<{ value: string }>('SELECT value FROM server_meta WHERE key = $1', [key])).rows[0]?.value ?? null);
  const setMeta = async (q: pg.PoolClient | pg.Pool, key: string, value: string) => {
    await q.query('INSERT INTO server_meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value', [key, value]);
  };

  function txFor(c: pg.PoolClient): SyncTx {
    return {
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
        const rows: unknown[] = [];
        for (const r of recs) {
          seq++;
          r.seq = seq;
          for (const f of Object.keys(r.fieldSeq)) if (r.fieldSeq[f] === 0) r.fieldSeq[f] = seq;
          rows.push({
            entity: r.entity, id: r.id, scope_id: r.scopeId,
            num: numberOf(r.entity, r.data),
            data: r.data, field_hlc: storedClocks(r), field_seq: r.fieldSeq, deleted_hlc: r.deletedHlc,
            created_at: r.createdAt, updated_at: r.updatedAt, seq: r.seq,
          });
        }
        // One JSON document per slice: PostgreSQL parses it far faster than the driver escapes
        // eleven text arrays.
        const SLICE = 2000;
        for (let i = 0; i < rows.length; i += SLICE) {
          await c.query(
            `INSERT INTO records (entity, id, scope_id, num, data, field_hlc, field_seq, deleted_hlc, created_at, updated_at, seq)
             SELECT entity, id, scope_id, num, data::text, field_hlc::text, field_seq::text, deleted_hlc, created_at, updated_at, seq
             FROM json_to_recordset($1::json) AS x(entity text, id text, scope_id text, num text, data json, field_hlc json, field_seq json,
               deleted_hlc text, created_at text, updated_at text, seq bigint)
             ON CONFLICT (entity, id) DO UPDATE SET scope_id = excluded.scope_id, num = excluded.num, data = excluded.data,
               field_hlc = excluded.field_hlc, field_seq = excluded.field_seq, deleted_hlc = excluded.deleted_hlc,
               updated_at = excluded.updated_at, seq = excluded.seq`,
            [JSON.stringify(rows.slice(i, i + SLICE))],
          );
        }
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
    withSyncTx: (fn) => queued(() => inTx((c) => fn(txFor(c)))),
    pull: async (scopes, cursor, limit, opts = {}) => {
      // The head is read first: everything up to it has committed (a push writes its rows and the
      // head in one transaction), and the queries below run on later snapshots, so they see all of
      // it. Read last, a push committing between the queries would move the cursor past rows this
      // page never returned.
      const head = Number((await meta(pool, 'seq')) ?? '0');
      const r = scopes === null
        ? await pool.query<RecordRow>('SELECT * FROM records WHERE seq > $1 AND seq <= $3 ORDER BY seq LIMIT $2', [cursor, limit + 1, head])
        : await pool.query<RecordRow>('SELECT * FROM records WHERE seq > $1 AND seq <= $4 AND scope_id = ANY($3::text[]) ORDER BY seq LIMIT $2', [cursor, limit + 1, scopes, head]);
      let hasMore = r.rows.length > limit;
      let page = r.rows.slice(0, limit).map((x) => recordToChange(rowToRecord(x, opts)));
      // Records that moved out of these sites reach the site's devices too, and records that left
      // the reader's view (a ticket given another requester) reach the reader's (see moves.ts).
      let moved: MovedRow[] = [];
      if (scopes !== null) moved.push(...(await pool.query<MovedRow>(movedOutSql('postgres', scopes.length), [cursor, limit + 1, scopes])).rows);
      const reader = opts.reader;
      if (reader?.entities.length) moved.push(...(await pool.query<MovedRow>(leftReaderSql('postgres', reader.entities.length), [readerView(reader.id), cursor, limit + 1, [...reader.entities]])).rows);
      // Moves past the head belong to a push that committed after it was read: the next pull.
      moved = moved.filter((m) => Number(m.seq) <= head).sort((a, b) => Number(a.seq) - Number(b.seq));
      if (moved.length) ({ changes: page, hasMore } = mergeMovedOut([...page, ...r.rows.slice(limit).map((x) => recordToChange(rowToRecord(x, opts)))], moved, limit));
      let next = cursor;
      if (page.length) next = page[page.length - 1]!.seq;
      else if (!hasMore) next = Math.max(cursor, head);
      return { changes: page, cursor: next, hasMore };
    },
    headSeq: async () => Number((await meta(pool, 'seq')) ?? '0'),
    readRecords: async (keys) => txFor(pool as unknown as pg.PoolClient).loadRecords(keys),
    findProfileId: async (username) => {
      const r = await pool.query<{ id: string }>(
        "SELECT id FROM records WHERE scope_id = 'global' AND entity = 'users' AND deleted_hlc IS NULL AND (data::jsonb ->> 'username') = $1 ORDER BY seq LIMIT 1",
        [username],
      );
      return r.rows[0]?.id ?? null;
    },
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
  return store;
}
