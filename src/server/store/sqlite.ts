/** The embedded store: one SQLite file, so `npm run server` works with no database to set up. */
import Database from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { AuditAnchor, Change, LeaseResponse, OpResult } from '../../shared/sync/wire';
import { NUMBER_SCHEMES, numberOf, sameWidthRanges, schemeOf, schemeOfNumber } from '../../shared/numbers';
import { readForPushStepwise, writeForPushStepwise } from './push-io';
import { recordKey, type AuthSession, type Device, type ServerStore, type ServerUser, type StoredRecord, type SyncTx, type ThrottleState } from './types';
import { ADDED_COLUMNS, LATE_INDEXES, SCHEMA_SQL } from './schema';
import { leftReaderSql, mergeMovedOut, movedOutSql, readerView, type MovedRow } from './moves';
import { deviceFamily, FAMILY_SQLITE, type FamilyRow } from './devices';
import { liveRecordsSql, requesterTicketsSql, ticketChildrenSql } from './portal-reads';
import { compactFieldHlc, expandFieldHlc, EVERY_FIELD } from '../../shared/hlc';

const ZERO_HLC = '000000000000000:00000000';

interface RecordRow {
  entity: string;
  id: string;
  scope_id: string;
  data: string;
  field_hlc: string;
  field_seq: string;
  deleted_hlc: string | null;
  created_at: string;
  updated_at: string;
  seq: number;
}

/** The fields a record's "*" clock stands for: every data field and the scope. */
function clockFields(data: Record<string, unknown>): string[] {
  const fields = Object.keys(data);
  fields.push('scope_id');
  return fields;
}

/**
 * Records are stored with compact clocks ({"*": stamp} plus the fields stamped otherwise); the
 * compaction covers exactly the data fields and the scope, so expanding over them restores the
 * clocks as merged. `compactClocks` keeps them compact (for pulls by devices that read "*").
 */
export function rowToRecord(r: RecordRow, opts: { compactClocks?: boolean } = {}): StoredRecord {
  const data = JSON.parse(r.data) as Record<string, unknown>;
  let fieldHlc = JSON.parse(r.field_hlc) as Record<string, string>;
  if (!opts.compactClocks && fieldHlc[EVERY_FIELD] !== undefined) fieldHlc = expandFieldHlc(fieldHlc, clockFields(data));
  return {
    entity: r.entity,
    id: r.id,
    scopeId: r.scope_id,
    data,
    fieldHlc,
    fieldSeq: JSON.parse(r.field_seq) as Record<string, number>,
    deletedHlc: r.deleted_hlc,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    seq: Number(r.seq),
  };
}

/** A record's clocks as stored: compact when every data field and the scope have one. */
export function storedClocks(r: StoredRecord): Record<string, string> {
  return compactFieldHlc(r.fieldHlc, clockFields(r.data));
}

export function recordToChange(r: StoredRecord): Change {
  return { seq: r.seq, entity: r.entity, id: r.id, scopeId: r.scopeId, data: r.data, fieldHlc: r.fieldHlc, deletedHlc: r.deletedHlc, createdAt: r.createdAt, updatedAt: r.updatedAt };
}

/** Serialises async work on one connection: a push holds the write lock across its awaits. */
class Mutex {
  private tail: Promise<void> = Promise.resolve();
  run<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.tail.then(fn, fn);
    this.tail = next.then(
      () => undefined,
      () => undefined,
    );
    return next;
  }
}

/** `memory` keeps the whole store in RAM: for property tests that build thousands of servers. */
export function openSqliteStore(dataDir: string, opts: { memory?: boolean } = {}): ServerStore {
  if (!opts.memory) fs.mkdirSync(dataDir, { recursive: true });
  const db = new Database(opts.memory ? ':memory:' : path.join(dataDir, 'outpost-server.db'));
  if (!opts.memory) db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 10000');
  const lock = new Mutex();
  const events = new EventEmitter();
  events.setMaxListeners(10_000);
  const sql = {
    meta: () => db.prepare('SELECT value FROM server_meta WHERE key = ?').pluck(),
    setMeta: () => db.prepare('INSERT INTO server_meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value'),
  };
  let stmts: ReturnType<typeof prepare> | null = null;
  function prepare() {
    return {
      getMeta: sql.meta(),
      setMeta: sql.setMeta(),
      getRecord: db.prepare('SELECT * FROM records WHERE entity = ? AND id = ?'),
      // One statement per numbered type, each naming its type so its partial unique index serves it.
      findNumber: new Map(NUMBER_SCHEMES.map((sc) => [sc.prefix, db.prepare(`SELECT id FROM records WHERE entity = '${sc.entity}' AND num = ?`).pluck()])),
      upsert: db.prepare(
        `INSERT INTO records (entity, id, scope_id, num, data, field_hlc, field_seq, deleted_hlc, created_at, updated_at, seq)
         VALUES (@entity, @id, @scope_id, @num, @data, @field_hlc, @field_seq, @deleted_hlc, @created_at, @updated_at, @seq)
         ON CONFLICT(entity, id) DO UPDATE SET scope_id = excluded.scope_id, num = excluded.num, data = excluded.data,
           field_hlc = excluded.field_hlc, field_seq = excluded.field_seq, deleted_hlc = excluded.deleted_hlc,
           updated_at = excluded.updated_at, seq = excluded.seq`,
      ),
      seenOp: db.prepare('SELECT status, reason, clamped, op_id FROM op_results WHERE device_id = ? AND device_seq = ?'),
      seenOpIds: db.prepare('SELECT device_seq, status, reason, clamped, op_id FROM op_results WHERE op_id IN (SELECT value FROM json_each(?))'),
      profile: db.prepare("SELECT id FROM records WHERE scope_id = 'global' AND entity = 'users' AND deleted_hlc IS NULL AND json_extract(data, '$.username') = ? ORDER BY seq LIMIT 1").pluck(),
      saveOp: db.prepare('INSERT OR IGNORE INTO op_results (device_id, device_seq, status, reason, clamped, op_id) VALUES (?, ?, ?, ?, ?, ?)'),
      counter: db.prepare('SELECT next FROM number_counters WHERE prefix = ?').pluck(),
      setCounter: db.prepare('INSERT INTO number_counters (prefix, next) VALUES (?, ?) ON CONFLICT(prefix) DO UPDATE SET next = excluded.next'),
      leases: db.prepare('SELECT prefix, first, last, device_id AS deviceId FROM number_leases WHERE prefix = ?'),
      addLease: db.prepare('INSERT INTO number_leases (prefix, first, last, device_id) VALUES (?, ?, ?, ?)'),
      addMove: db.prepare('INSERT OR IGNORE INTO scope_moves (seq, entity, id, from_scope) VALUES (?, ?, ?, ?)'),
      pullAll: db.prepare('SELECT * FROM records WHERE seq > ? ORDER BY seq LIMIT ?'),
    };
  }
  const s = () => (stmts ??= prepare());
  /** Account writes run in their own transaction, never inside a push's (which spans awaits). */
  const locked = <T>(fn: () => T): Promise<T> => lock.run(async () => db.transaction(fn).immediate());

  const getMeta = (k: string) => (s().getMeta.get(k) as string | undefined) ?? null;
  const setMeta = (k: string, v: string) => s().setMeta.run(k, v);

  function nextNumberSync(prefix: string): number {
    const n = (s().counter.get(prefix) as number | undefined) ?? 1;
    s().setCounter.run(prefix, n + 1);
    return n;
  }

  const tx: SyncTx = {
    readForPush: (q) => readForPushStepwise(tx, q),
    writeForPush: (w) => writeForPushStepwise(tx, w, async () => Number(getMeta('seq') ?? '0')),
    openTickets: async () =>
      (db.prepare("SELECT * FROM records WHERE entity = 'tickets' AND deleted_hlc IS NULL AND json_extract(data, '$.is_open') IN (1, 'true')").all() as RecordRow[]).map((r) => rowToRecord(r)),
    loadRecords: async (keys) => {
      const out = new Map<string, StoredRecord>();
      for (const k of keys) {
        const key = recordKey(k.entity, k.id);
        if (out.has(key)) continue;
        const r = s().getRecord.get(k.entity, k.id) as RecordRow | undefined;
        if (r) out.set(key, rowToRecord(r));
      }
      return out;
    },
    childrenOf: async (children, parentId) =>
      children.flatMap((c) => {
        // Moves are rare: a scan of the child types' rows (the primary key narrows it by type).
        if (!/^[a-z][a-z0-9_]*$/.test(c.field)) return [];
        return (db.prepare(`SELECT * FROM records WHERE entity = ? AND json_extract(data, '$.${c.field}') = ?`).all(c.entity, parentId) as RecordRow[]).map((r) => rowToRecord(r));
      }),
    findNumbers: async (numbers) => {
      const out = new Map<string, string>();
      for (const n of numbers) {
        const sc = schemeOfNumber(n);
        const id = sc ? (s().findNumber.get(sc.prefix)!.get(n) as string | undefined) : undefined;
        if (id) out.set(n, id);
      }
      return out;
    },
    seenOps: async (deviceId, seqs) => {
      const out = new Map<number, OpResult & { opId?: string | null }>();
      for (const q of seqs) {
        const r = s().seenOp.get(deviceId, q) as { status: OpResult['status']; reason: string | null; clamped: number; op_id: string | null } | undefined;
        if (r) out.set(q, { deviceSeq: q, status: r.status, ...(r.reason ? { reason: r.reason } : {}), ...(r.clamped ? { clamped: true } : {}), opId: r.op_id });
      }
      return out;
    },
    seenOpIds: async (opIds) => {
      const out = new Map<string, OpResult & { opId?: string | null }>();
      if (!opIds.length) return out;
      // One statement for the whole batch (a catch-up push carries thousands of ops).
      const rows = s().seenOpIds.all(JSON.stringify(opIds)) as { device_seq: number; status: OpResult['status']; reason: string | null; clamped: number; op_id: string }[];
      for (const r of rows) out.set(r.op_id, { deviceSeq: r.device_seq, status: r.status, ...(r.reason ? { reason: r.reason } : {}), ...(r.clamped ? { clamped: true } : {}), opId: r.op_id });
      return out;
    },
    touchUpdatedAt: async (recs) => {
      const st = db.prepare('UPDATE records SET updated_at = ? WHERE entity = ? AND id = ? AND updated_at < ?');
      for (const r of recs) st.run(r.updatedAt, r.entity, r.id, r.updatedAt);
    },
    writeRecords: async (recs) => {
      let seq = Number(getMeta('seq') ?? '0');
      for (const r of recs) {
        seq++;
        r.seq = seq;
        for (const f of Object.keys(r.fieldSeq)) if (r.fieldSeq[f] === 0) r.fieldSeq[f] = seq;
        s().upsert.run({
          entity: r.entity,
          id: r.id,
          scope_id: r.scopeId,
          num: numberOf(r.entity, r.data),
          data: JSON.stringify(r.data),
          field_hlc: JSON.stringify(storedClocks(r)),
          field_seq: JSON.stringify(r.fieldSeq),
          deleted_hlc: r.deletedHlc,
          created_at: r.createdAt,
          updated_at: r.updatedAt,
          seq,
        });
      }
      for (const r of recs) for (const from of r.movedFrom ?? []) s().addMove.run(r.seq, r.entity, r.id, from);
      setMeta('seq', String(seq));
    },
    saveOpResults: async (deviceId, results) => {
      for (const r of results) s().saveOp.run(deviceId, r.deviceSeq, r.status, r.reason ?? null, r.clamped ? 1 : 0, r.opId);
    },
    nextNumber: async (prefix) => nextNumberSync(prefix),
    bumpCounter: async (prefix, n) => {
      const cur = (s().counter.get(prefix) as number | undefined) ?? 1;
      if (cur <= n) s().setCounter.run(prefix, n + 1);
    },
    leasesFor: async (prefixes) => prefixes.flatMap((p) => s().leases.all(p) as { prefix: string; first: number; last: number; deviceId: string }[]),
    movedOutAfter: async (entity, id, fromScope, after) =>
      !!db.prepare('SELECT 1 FROM scope_moves WHERE entity = ? AND id = ? AND from_scope = ? AND seq > ? LIMIT 1').get(entity, id, fromScope, after),
    getMaxHlc: async () => getMeta('max_hlc') ?? ZERO_HLC,
    setMaxHlc: async (h) => {
      setMeta('max_hlc', h);
    },
  };

  const store: ServerStore = {
    kind: 'sqlite',
    migrate: async () => {
      db.exec(SCHEMA_SQL.sqlite);
      for (const a of ADDED_COLUMNS) {
        const cols = db.prepare('SELECT name FROM pragma_table_info(?)').pluck().all(a.table) as string[];
        if (!cols.includes(a.column)) db.exec(`ALTER TABLE ${a.table} ADD COLUMN ${a.column} ${a.type}`);
      }
      for (const sql of LATE_INDEXES) db.exec(sql);
      stmts = null;
    },
    withSyncTx: (fn) =>
      lock.run(async () => {
        db.exec('BEGIN IMMEDIATE');
        try {
          const r = await fn(tx);
          db.exec('COMMIT');
          return r;
        } catch (e) {
          if (db.inTransaction) db.exec('ROLLBACK');
          throw e;
        }
      }),
    pull: async (scopes, cursor, limit, opts = {}) => {
      // Reads take the same lock: a pull never observes a half-applied push.
      return lock.run(async () => {
        let rows: RecordRow[];
        if (scopes === null) rows = s().pullAll.all(cursor, limit + 1) as RecordRow[];
        else {
          const marks = scopes.map(() => '?').join(', ');
          rows = db.prepare(`SELECT * FROM records WHERE seq > ? AND scope_id IN (${marks}) ORDER BY seq LIMIT ?`).all(cursor, ...scopes, limit + 1) as RecordRow[];
        }
        let hasMore = rows.length > limit;
        let page = rows.slice(0, limit).map((r) => recordToChange(rowToRecord(r, opts)));
        // Records that moved out of these sites reach the site's devices too, and records that left
        // the reader's view (a ticket given another requester) reach the reader's (see moves.ts).
        const moved: MovedRow[] = [];
        if (scopes !== null) moved.push(...(db.prepare(movedOutSql(scopes.length)).all(cursor, ...scopes, ...scopes, limit + 1) as MovedRow[]));
        const r = opts.reader;
        if (r?.entities.length) moved.push(...(db.prepare(leftReaderSql(r.entities.length)).all(readerView(r.id), cursor, ...r.entities, limit + 1) as MovedRow[]));
        moved.sort((a, b) => Number(a.seq) - Number(b.seq));
        if (moved.length) ({ changes: page, hasMore } = mergeMovedOut([...page, ...rows.slice(limit).map((r) => recordToChange(rowToRecord(r, opts)))], moved, limit));
        const head = Number(getMeta('seq') ?? '0');
        return { changes: page, cursor: page.length ? page[page.length - 1]!.seq : hasMore ? cursor : Math.max(cursor, head), hasMore };
      });
    },
    headSeq: async () => Number(getMeta('seq') ?? '0'),
    readRecords: (keys) => tx.loadRecords(keys),
    findProfileId: async (username) => (s().profile.get(username) as string | undefined) ?? null,
    standing: async (ids) => {
      const user = await store.getUser(ids.userId);
      return {
        device: await store.getDevice(ids.deviceId),
        user,
        session: ids.sessionId ? await store.getSession(ids.sessionId) : null,
        profileId: user ? await store.findProfileId(user.username) : null,
      };
    },
    // Under the push lock, as pulls: a read never sees half of a push in progress on this connection.
    requesterTickets: (requesterId) => lock.run(async () => (db.prepare(requesterTicketsSql('sqlite')).all(requesterId) as RecordRow[]).map((r) => rowToRecord(r))),
    ticketChildren: (entity, ticketIds) =>
      lock.run(async () => (ticketIds.length ? (db.prepare(ticketChildrenSql('sqlite', entity)).all(JSON.stringify(ticketIds)) as RecordRow[]) : []).map((r) => rowToRecord(r))),
    liveRecordsOf: (entity) => lock.run(async () => (db.prepare(liveRecordsSql('sqlite')).all(entity) as RecordRow[]).map((r) => rowToRecord(r))),
    lease: (deviceId, prefix, count, max) =>
      lock.run(async (): Promise<LeaseResponse | null> => {
        const t = db.transaction(() => {
          const first = (s().counter.get(prefix) as number | undefined) ?? 1;
          const last = first + count - 1;
          if (last > max) return null;
          s().setCounter.run(prefix, last + 1);
          s().addLease.run(prefix, first, last, deviceId);
          return { prefix, first, last };
        });
        return t.immediate();
      }),
    outstandingLeased: async (deviceId, prefix) => {
      const leases = db.prepare('SELECT first, last FROM number_leases WHERE device_id = ? AND prefix = ? ORDER BY first DESC LIMIT 20').all(deviceId, prefix) as { first: number; last: number }[];
      const used = db.prepare(`SELECT count(*) FROM records WHERE entity = '${schemeOf(prefix)?.entity ?? 'tickets'}' AND num >= ? AND num <= ?`).pluck();
      let open = 0;
      for (const l of leases) {
        open += l.last - l.first + 1;
        for (const [lo, hi] of sameWidthRanges(prefix, l.first, l.last)) open -= used.get(lo, hi) as number;
      }
      return open;
    },
    countUsers: async () => db.prepare('SELECT count(*) FROM server_users').pluck().get() as number,
    createUser: async (u) => {
      db.prepare('INSERT INTO server_users (id, username, password_hash, role, sites, active) VALUES (?, ?, ?, ?, ?, ?)').run(
        u.id,
        u.username,
        u.passwordHash,
        u.role,
        u.sites ? JSON.stringify(u.sites) : null,
        u.active ? 1 : 0,
      );
    },
    findUser: async (username) => toUser(db.prepare('SELECT * FROM server_users WHERE username = ?').get(username)),
    getUser: async (id) => toUser(db.prepare('SELECT * FROM server_users WHERE id = ?').get(id)),
    setUserRole: async (id, role) => db.prepare('UPDATE server_users SET role = ? WHERE id = ?').run(role, id).changes > 0,
    setUserSites: async (id, sites) => db.prepare('UPDATE server_users SET sites = ? WHERE id = ?').run(sites ? JSON.stringify(sites) : null, id).changes > 0,
    upsertDevice: async (d) => {
      db.prepare(
        `INSERT INTO devices (id, user_id, name, revoked, created_at, last_seen_at, forked_from) VALUES (?, ?, ?, 0, ?, ?, ?)
         ON CONFLICT(id) DO UPDATE SET name = excluded.name, last_seen_at = excluded.last_seen_at`,
      ).run(d.id, d.userId, d.name, d.now, d.now, d.forkedFrom ?? null);
      return toDevice(db.prepare('SELECT * FROM devices WHERE id = ?').get(d.id))!;
    },
    getDevice: async (id) => toDevice(db.prepare('SELECT * FROM devices WHERE id = ?').get(id)),
    revokeDevice: async (id, withCopies = false) => {
      const exists = !!db.prepare('SELECT 1 FROM devices WHERE id = ?').get(id);
      const ids = JSON.stringify(!withCopies ? [id] : await deviceFamily(id, (frontier) => db.prepare(FAMILY_SQLITE).all(JSON.stringify(frontier), JSON.stringify(frontier)) as FamilyRow[]));
      db.prepare('UPDATE devices SET revoked = 1 WHERE id IN (SELECT value FROM json_each(?))').run(ids);
      db.prepare('DELETE FROM refresh_tokens WHERE device_id IN (SELECT value FROM json_each(?))').run(ids);
      return exists;
    },
    markDeviceLost: async (id, at) => {
      const r = db.prepare('UPDATE devices SET revoked = 1, lost_at = coalesce(lost_at, ?) WHERE id = ?').run(at, id);
      if (!r.changes) return false;
      // Its copies go with it, as with a revocation: a store copied from a lost laptop holds its data.
      const ids = JSON.stringify(await deviceFamily(id, (frontier) => db.prepare(FAMILY_SQLITE).all(JSON.stringify(frontier), JSON.stringify(frontier)) as FamilyRow[]));
      db.prepare('UPDATE devices SET revoked = 1 WHERE id IN (SELECT value FROM json_each(?))').run(ids);
      db.prepare('DELETE FROM refresh_tokens WHERE device_id IN (SELECT value FROM json_each(?))').run(ids);
      return true;
    },
    listAllDevices: async () => (db.prepare('SELECT * FROM devices ORDER BY last_seen_at DESC').all() as unknown[]).map((r) => toDevice(r)!),
    saveRefresh: async (hash, deviceId, userId, expiresAt) => {
      db.prepare('INSERT INTO refresh_tokens (hash, device_id, user_id, expires_at) VALUES (?, ?, ?, ?)').run(hash, deviceId, userId, expiresAt);
    },
    takeRefresh: async (hash, now) => {
      const r = db.prepare('DELETE FROM refresh_tokens WHERE hash = ? RETURNING device_id, user_id, expires_at').get(hash) as
        | { device_id: string; user_id: string; expires_at: string }
        | undefined;
      if (!r || r.expires_at < now) return null;
      return { deviceId: r.device_id, userId: r.user_id };
    },
    secret: async () => {
      let v = getMeta('token_secret');
      if (!v) {
        v = randomBytes(32).toString('base64url');
        setMeta('token_secret', v);
      }
      return v;
    },
    listUsers: async () => (db.prepare('SELECT * FROM server_users ORDER BY username').all() as unknown[]).map((r) => toUser(r)!),
    setUserActive: (id, active) => locked(() => db.prepare('UPDATE server_users SET active = ? WHERE id = ?').run(active ? 1 : 0, id).changes > 0),
    setUserPassword: (id, passwordHash) => locked(() => db.prepare('UPDATE server_users SET password_hash = ? WHERE id = ?').run(passwordHash, id).changes > 0),
    revokeUserDevices: (userId) =>
      locked(() => {
        const n = db.prepare('UPDATE devices SET revoked = 1 WHERE user_id = ? AND revoked = 0').run(userId).changes;
        db.prepare('DELETE FROM refresh_tokens WHERE user_id = ?').run(userId);
        db.prepare('DELETE FROM auth_refresh WHERE used_at IS NULL AND session_id IN (SELECT id FROM auth_sessions WHERE user_id = ?)').run(userId);
        db.prepare('UPDATE auth_sessions SET revoked = 1 WHERE user_id = ?').run(userId);
        return n;
      }),
    listDevices: async (userId) => (db.prepare('SELECT * FROM devices WHERE user_id = ? ORDER BY last_seen_at DESC').all(userId) as unknown[]).map((r) => toDevice(r)!),
    createSession: (x) =>
      locked(() => {
        db.prepare('INSERT INTO auth_sessions (id, device_id, user_id, revoked, created_at) VALUES (?, ?, ?, 0, ?)').run(x.id, x.deviceId, x.userId, x.now);
      }),
    getSession: async (id) => toSession(db.prepare('SELECT * FROM auth_sessions WHERE id = ?').get(id)),
    revokeSessions: (where) =>
      locked(() => {
        const conds: string[] = [];
        const args: string[] = [];
        const add = (sql: string, v: string) => {
          conds.push(sql);
          args.push(v);
        };
        if (where.sessionId) add('id = ?', where.sessionId);
        if (where.deviceId) add('device_id = ?', where.deviceId);
        if (where.userId) add('user_id = ?', where.userId);
        if (where.exceptSessionId) add('id != ?', where.exceptSessionId);
        if (!conds.length) throw new Error('revokeSessions needs a condition.');
        const match = conds.join(' AND ');
        db.prepare(`DELETE FROM auth_refresh WHERE used_at IS NULL AND session_id IN (SELECT id FROM auth_sessions WHERE ${match})`).run(...args);
        return db.prepare(`UPDATE auth_sessions SET revoked = 1 WHERE revoked = 0 AND ${match}`).run(...args).changes;
      }),
    saveSessionRefresh: (hash, sessionId, expiresAt) =>
      locked(() => {
        db.prepare('INSERT INTO auth_refresh (hash, session_id, expires_at, used_at) VALUES (?, ?, ?, NULL)').run(hash, sessionId, expiresAt);
      }),
    useSessionRefresh: (hash, now) =>
      locked(() => {
        db.prepare('DELETE FROM auth_refresh WHERE expires_at < ?').run(now);
        const r = db.prepare('SELECT session_id, used_at FROM auth_refresh WHERE hash = ?').get(hash) as { session_id: string; used_at: string | null } | undefined;
        if (!r) return null;
        if (r.used_at !== null) return { sessionId: r.session_id, reused: true };
        db.prepare('UPDATE auth_refresh SET used_at = ? WHERE hash = ?').run(now, hash);
        return { sessionId: r.session_id, reused: false };
      }),
    throttleState: async (keys) => {
      if (!keys.length) return [];
      const rows = db.prepare(`SELECT * FROM auth_throttle WHERE key IN (${keys.map(() => '?').join(', ')})`).all(...keys);
      return rows.map((r) => toThrottle(r));
    },
    recordLoginFailure: (key, nowMs, forgetBeforeMs, lockUntil) =>
      locked(() => {
        const cur = db.prepare('SELECT * FROM auth_throttle WHERE key = ?').get(key);
        const prev = cur ? toThrottle(cur) : null;
        const failures = prev && prev.lastFailureMs >= forgetBeforeMs ? prev.failures + 1 : 1;
        const until = Math.max(lockUntil(failures), prev?.lockedUntilMs ?? 0);
        db.prepare(
          `INSERT INTO auth_throttle (key, failures, last_failure_ms, locked_until_ms) VALUES (?, ?, ?, ?)
           ON CONFLICT(key) DO UPDATE SET failures = excluded.failures, last_failure_ms = excluded.last_failure_ms, locked_until_ms = excluded.locked_until_ms`,
        ).run(key, failures, nowMs, until);
        return { key, failures, lastFailureMs: nowMs, lockedUntilMs: until };
      }),
    clearLoginFailures: (key) =>
      locked(() => {
        db.prepare('DELETE FROM auth_throttle WHERE key = ?').run(key);
      }),
    saveLiveTicket: (hash, sessionId, expiresAt) =>
      locked(() => {
        db.prepare('INSERT INTO live_tickets (hash, session_id, expires_at) VALUES (?, ?, ?)').run(hash, sessionId, expiresAt);
      }),
    takeLiveTicket: (hash, now) =>
      locked(() => {
        db.prepare('DELETE FROM live_tickets WHERE expires_at < ?').run(now);
        const r = db.prepare('DELETE FROM live_tickets WHERE hash = ? RETURNING session_id').get(hash) as { session_id: string } | undefined;
        return r?.session_id ?? null;
      }),
    reserveDeviceCounter: (deviceId, what, count) =>
      locked(() => {
        const r = db
          .prepare(
            `INSERT INTO device_counters (device_id, what, next) VALUES (?, ?, ? + 1)
             ON CONFLICT (device_id, what) DO UPDATE SET next = device_counters.next + excluded.next - 1 RETURNING next - ? AS first`,
          )
          .get(deviceId, what, count, count) as { first: number };
        return Number(r.first);
      }),
    acknowledgeAuditAnchor: (deviceId, anchor, at) =>
      locked(() => {
        const row = db.prepare('SELECT head, chain_length, at FROM audit_anchors WHERE device_id = ? ORDER BY chain_length DESC LIMIT 1').get(deviceId);
        const last = row ? toAnchor(row) : null;
        const judged = judgeAnchor(last, anchor, at);
        if (judged.ok && judged.fresh) db.prepare('INSERT INTO audit_anchors (device_id, chain_length, head, at) VALUES (?, ?, ?, ?)').run(deviceId, anchor.length, anchor.head, at);
        return judged;
      }),
    auditAnchors: async (deviceId, limit) =>
      (db.prepare('SELECT head, chain_length, at FROM audit_anchors WHERE device_id = ? ORDER BY chain_length DESC LIMIT ?').all(deviceId, limit) as unknown[]).map(toAnchor),
    blobSize: async (sha) => (db.prepare('SELECT size FROM evidence_blobs WHERE sha256 = ?').pluck().get(sha) as number | undefined) ?? null,
    readBlob: async (sha) => (db.prepare('SELECT data FROM evidence_blobs WHERE sha256 = ?').pluck().get(sha) as Buffer | undefined) ?? null,
    blobUpload: async (sha, deviceId) => (db.prepare('SELECT size, received FROM evidence_blob_uploads WHERE sha256 = ? AND device_id = ?').get(sha, deviceId) as { size: number; received: number } | undefined) ?? null,
    appendBlobUpload: (sha, deviceId, size, offset, chunk, at) =>
      locked(() =>
        db.transaction(() => {
          const cur = db.prepare('SELECT size, received FROM evidence_blob_uploads WHERE sha256 = ? AND device_id = ?').get(sha, deviceId) as { size: number; received: number } | undefined;
          // An upload starting again from 0 (a different size, or a device that lost its place) replaces the old one.
          if (offset === 0) {
            db.prepare('INSERT OR REPLACE INTO evidence_blob_uploads (sha256, device_id, size, received, data, updated_at) VALUES (?, ?, ?, ?, ?, ?)').run(sha, deviceId, size, chunk.length, chunk, at);
            return { ok: true, received: chunk.length };
          }
          if (!cur || cur.received !== offset || cur.size !== size) return { ok: false, received: cur && cur.size === size ? cur.received : 0 };
          // SQLite's || makes text of blobs: the bytes are joined here instead.
          const held = db.prepare('SELECT data FROM evidence_blob_uploads WHERE sha256 = ? AND device_id = ?').pluck().get(sha, deviceId) as Buffer;
          db.prepare('UPDATE evidence_blob_uploads SET data = ?, received = received + ?, updated_at = ? WHERE sha256 = ? AND device_id = ?').run(Buffer.concat([held, chunk]), chunk.length, at, sha, deviceId);
          return { ok: true, received: offset + chunk.length };
        })(),
      ),
    takeBlobUpload: (sha, deviceId) =>
      locked(() => (db.prepare('DELETE FROM evidence_blob_uploads WHERE sha256 = ? AND device_id = ? RETURNING data').pluck().get(sha, deviceId) as Buffer | undefined) ?? null),
    saveBlob: (sha, data, at) =>
      locked(() => {
        db.prepare('INSERT INTO evidence_blobs (sha256, size, data, created_at) VALUES (?, ?, ?, ?) ON CONFLICT (sha256) DO NOTHING').run(sha, data.length, data, at);
      }),
    evidenceNaming: async (sha) =>
      (db.prepare("SELECT * FROM records WHERE entity = 'evidence' AND deleted_hlc IS NULL AND json_extract(data, '$.sha256') = ?").all(sha) as RecordRow[]).map((r) => rowToRecord(r)),
    isArticlePicture: async (sha, articleId) => !!db.prepare('SELECT 1 FROM kb_article_pictures WHERE sha256 = ? AND article_id = ?').get(sha, articleId),
    saveArticlePicture: (sha, articleId, data, uploadedBy, at) =>
      locked(() => {
        db.transaction(() => {
          db.prepare('INSERT INTO evidence_blobs (sha256, size, data, created_at) VALUES (?, ?, ?, ?) ON CONFLICT (sha256) DO NOTHING').run(sha, data.length, data, at);
          db.prepare('INSERT INTO kb_article_pictures (sha256, article_id, uploaded_by, created_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING').run(sha, articleId, uploadedBy, at);
        })();
      }),
    announce: async (seq, scopes) => {
      events.emit('seq', seq, scopes ? [...scopes] : null);
    },
    onAnnounce: (l) => {
      events.on('seq', l);
    },
    close: async () => {
      await lock.run(async () => db.close());
    },
  };
  return store;
}

function toUser(r: unknown): ServerUser | null {
  if (!r) return null;
  const x = r as { id: string; username: string; password_hash: string; role: ServerUser['role']; sites: string | null; active: number | boolean };
  return { id: x.id, username: x.username, passwordHash: x.password_hash, role: x.role, sites: x.sites ? (JSON.parse(x.sites) as string[]) : null, active: !!x.active };
}

function toDevice(r: unknown): Device | null {
  if (!r) return null;
  const x = r as { id: string; user_id: string; name: string; revoked: number | boolean; lost_at?: string | null; created_at: string; last_seen_at: string };
  return { id: x.id, userId: x.user_id, name: x.name, revoked: !!x.revoked, lostAt: x.lost_at ? String(x.lost_at) : null, createdAt: String(x.created_at), lastSeenAt: String(x.last_seen_at) };
}

function toSession(r: unknown): AuthSession | null {
  if (!r) return null;
  const x = r as { id: string; device_id: string; user_id: string; revoked: number | boolean; created_at: string };
  return { id: x.id, deviceId: x.device_id, userId: x.user_id, revoked: !!x.revoked, createdAt: String(x.created_at) };
}

function toThrottle(r: unknown): ThrottleState {
  const x = r as { key: string; failures: number | string; last_failure_ms: number | string; locked_until_ms: number | string };
  return { key: x.key, failures: Number(x.failures), lastFailureMs: Number(x.last_failure_ms), lockedUntilMs: Number(x.locked_until_ms) };
}

function toAnchor(r: unknown): AuditAnchor {
  const x = r as { head: string; chain_length: number | string; at: string };
  return { head: x.head, length: Number(x.chain_length), at: String(x.at) };
}

/**
 * The rule both stores apply to a pushed audit anchor: it may grow the chain, or repeat the last
 * anchor exactly; a shorter chain (its tail was cut) or another head at the same length (rewritten)
 * is refused. `fresh`: a new, longer anchor the store keeps.
 */
export function judgeAnchor(
  last: AuditAnchor | null,
  anchor: { head: string; length: number },
  at: string,
): { ok: true; anchor: AuditAnchor; fresh: boolean } | { ok: false; reason: 'shorter' | 'differs'; last: AuditAnchor } {
  if (last && anchor.length < last.length) return { ok: false, reason: 'shorter', last };
  if (last && anchor.length === last.length) return anchor.head === last.head ? { ok: true, anchor: last, fresh: false } : { ok: false, reason: 'differs', last };
  return { ok: true, anchor: { head: anchor.head, length: anchor.length, at }, fresh: true };
}

export { toUser, toDevice, toSession, toThrottle, toAnchor };
