/** Users (with their sites and groups as per-member set rows). */
import { createHash } from 'node:crypto';
import type Database from 'better-sqlite3';
import type { Actor, Ctx } from '../core/context';
import { write, type WriteScope } from '../core/write';
import { createRecord, setMember, updateRecord, type Values } from '../core/record';
import { restamp } from '../core/ops';
import { uuidv7 } from '../../../shared/ids';
import { AppError } from '../../../shared/result';
import type { User } from '../../../shared/api/directory';
import type { Role } from '../../../shared/api/contract';
import { hashPassword, verifyPassword } from '../auth/password';
import { revokeUserSessions } from '../auth/revoke';
import { GLOBAL_SCOPE } from './scopes';

interface UserRow {
  id: string;
  username: string;
  displayName: string;
  email: string | null;
  role: Role;
  active: number;
  createdAt: string;
  siteIds: string | null;
  groupIds: string | null;
}

const SELECT_USER = `SELECT u.id, u.username, u.display_name AS displayName, u.email, u.role, u.active, u.created_at AS createdAt,
  (SELECT group_concat(site_id) FROM user_sites s WHERE s.user_id = u.id AND s.deleted_hlc IS NULL) AS siteIds,
  (SELECT group_concat(group_id) FROM group_members g WHERE g.user_id = u.id AND g.deleted_hlc IS NULL) AS groupIds
  FROM users u WHERE u.deleted_hlc IS NULL`;

function toUser(r: UserRow): User {
  return {
    id: r.id,
    username: r.username,
    displayName: r.displayName,
    email: r.email,
    role: r.role,
    active: !!r.active,
    createdAt: r.createdAt,
    siteIds: r.siteIds ? r.siteIds.split(',') : [],
    groupIds: r.groupIds ? r.groupIds.split(',') : [],
  };
}

export function loadActor(sqlite: Database.Database, userId: string): Actor | null {
  const r = sqlite.prepare(`${SELECT_USER} AND u.id = ? AND u.active = 1`).get(userId) as UserRow | undefined;
  if (!r) return null;
  const u = toUser(r);
  return { id: u.id, username: u.username, displayName: u.displayName, role: u.role, siteIds: u.siteIds };
}

export function getUser(ctx: Ctx, id: string): User {
  const r = ctx.store.sqlite.prepare(`${SELECT_USER} AND u.id = ?`).get(id) as UserRow | undefined;
  if (!r) throw new AppError('not_found', 'No such user.');
  return toUser(r);
}

export function listUsers(ctx: Ctx, opts: { role?: Role; includeInactive?: boolean }): User[] {
  const where: string[] = [];
  const args: unknown[] = [];
  if (opts.role) {
    where.push('u.role = ?');
    args.push(opts.role);
  }
  if (!opts.includeInactive) where.push('u.active = 1');
  const sql = `${SELECT_USER}${where.length ? ' AND ' + where.join(' AND ') : ''} ORDER BY u.display_name COLLATE NOCASE LIMIT 5000`;
  return (ctx.store.sqlite.prepare(sql).all(...args) as UserRow[]).map(toUser);
}

function assertExist(sqlite: Database.Database, table: 'sites' | 'groups', ids: string[], label: string) {
  for (const id of ids) {
    const ok = sqlite.prepare(`SELECT 1 FROM ${table} WHERE id = ? AND deleted_hlc IS NULL`).get(id);
    if (!ok) throw new AppError('invalid_input', `No such ${label}: ${id}.`, [{ path: [table === 'sites' ? 'siteIds' : 'groupIds'], message: `Unknown ${label}.` }]);
  }
}

/**
 * The row id of one set member, the same on every device: two devices adding the same member while
 * apart then write one record whose add/remove clocks merge, instead of two rows that clash on the
 * (owner, member) unique index when the second arrives. A UUID (version 8) made from a hash.
 */
export function memberRowId(table: string, ownerId: string, memberId: string): string {
  const h = createHash('sha256').update(`${table}\u0000${ownerId}\u0000${memberId}`).digest('hex');
  const variant = ((parseInt(h[16]!, 16) & 3) | 8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-8${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** Make the set {ownerId} × members match `memberIds`, with one row per member (add/remove clocks). */
export function syncMembership(
  ctx: Ctx,
  w: WriteScope,
  table: 'user_sites' | 'group_members',
  ownerCol: 'user_id' | 'group_id',
  memberCol: 'site_id' | 'user_id',
  ownerId: string,
  memberIds: string[],
): void {
  const sqlite = ctx.store.sqlite;
  const rows = sqlite.prepare(`SELECT id, ${memberCol} AS member, deleted_hlc AS deleted FROM ${table} WHERE ${ownerCol} = ?`).all(ownerId) as {
    id: string;
    member: string;
    deleted: string | null;
  }[];
  const want = new Set(memberIds);
  const put = (id: string, member: string, present: boolean) =>
    // The person's or group's own audit event lists the members.
    setMember(ctx, w, table, id, GLOBAL_SCOPE, { [ownerCol]: ownerId, [memberCol]: member }, present, { audit: false });
  for (const r of rows) {
    if (!want.has(r.member) && !r.deleted) put(r.id, r.member, false);
    else if (want.has(r.member) && r.deleted) put(r.id, r.member, true);
    want.delete(r.member);
  }
  for (const m of want) put(memberRowId(table, ownerId, m), m, true);
}

export interface NewUser {
  username: string;
  displayName: string;
  email?: string | null;
  role: Role;
  password: string;
  siteIds?: string[];
  groupIds?: string[];
}

export function createUser(ctx: Ctx, input: NewUser, opts: { passwordHash?: string } = {}): User {
  const sqlite = ctx.store.sqlite;
  if (sqlite.prepare('SELECT 1 FROM users WHERE username = ?').get(input.username)) {
    throw new AppError('conflict', `The username "${input.username}" is taken.`, [{ path: ['username'], message: 'Already taken.' }]);
  }
  assertExist(sqlite, 'sites', input.siteIds ?? [], 'site');
  assertExist(sqlite, 'groups', input.groupIds ?? [], 'group');
  const passwordHash = opts.passwordHash ?? hashPassword(input.password);
  const id = uuidv7();
  write(ctx, (w) => {
    const fields = { username: input.username, display_name: input.displayName, email: input.email ?? null, role: input.role, active: 1 };
    createRecord(ctx, w, 'users', id, GLOBAL_SCOPE, { ...fields, password_hash: passwordHash }, { audit: false });
    syncMembership(ctx, w, 'user_sites', 'user_id', 'site_id', id, input.siteIds ?? []);
    for (const g of input.groupIds ?? []) {
      syncMembership(ctx, w, 'group_members', 'group_id', 'user_id', g, [...memberIdsOf(sqlite, g), id]);
    }
    w.audit('user', id, null, { ...fields, siteIds: input.siteIds ?? [], groupIds: input.groupIds ?? [] });
  });
  return getUser(ctx, id);
}

function memberIdsOf(sqlite: Database.Database, groupId: string): string[] {
  return (sqlite.prepare('SELECT user_id FROM group_members WHERE group_id = ? AND deleted_hlc IS NULL').pluck().all(groupId) as string[]);
}

export interface UserFields {
  displayName?: string;
  email?: string | null;
  role?: Role;
  active?: boolean;
  password?: string;
  siteIds?: string[];
  groupIds?: string[];
}

export function updateUser(ctx: Ctx, id: string, fields: UserFields): User {
  const sqlite = ctx.store.sqlite;
  const before = getUser(ctx, id);
  if (ctx.actor?.id === id && (fields.role && fields.role !== 'admin' || fields.active === false)) {
    throw new AppError('conflict', 'You cannot remove your own administrator role or deactivate yourself.');
  }
  if ((fields.role && fields.role !== 'admin') || fields.active === false) {
    if (before.role === 'admin') {
      const admins = sqlite.prepare("SELECT count(*) FROM users WHERE role = 'admin' AND active = 1 AND deleted_hlc IS NULL AND id != ?").pluck().get(id) as number;
      if (admins === 0) throw new AppError('conflict', 'Outpost needs at least one active administrator.');
    }
  }
  if (fields.siteIds) assertExist(sqlite, 'sites', fields.siteIds, 'site');
  if (fields.groupIds) assertExist(sqlite, 'groups', fields.groupIds, 'group');
  const passwordHash = fields.password ? hashPassword(fields.password) : null;
  write(ctx, (w) => {
    const cols: Values = {};
    if (fields.displayName !== undefined) cols.display_name = fields.displayName;
    if (fields.email !== undefined) cols.email = fields.email;
    if (fields.role !== undefined) cols.role = fields.role;
    if (fields.active !== undefined) cols.active = fields.active ? 1 : 0;
    if (passwordHash) cols.password_hash = passwordHash;
    updateRecord(ctx, w, 'users', id, cols, { audit: false });
    if (fields.siteIds) syncMembership(ctx, w, 'user_sites', 'user_id', 'site_id', id, fields.siteIds);
    if (fields.groupIds) {
      const want = new Set(fields.groupIds);
      const allGroups = sqlite.prepare('SELECT id FROM groups WHERE deleted_hlc IS NULL').pluck().all() as string[];
      for (const g of allGroups) {
        const members = new Set(memberIdsOf(sqlite, g));
        const has = members.has(id);
        if (want.has(g) && !has) syncMembership(ctx, w, 'group_members', 'group_id', 'user_id', g, [...members, id]);
        if (!want.has(g) && has) syncMembership(ctx, w, 'group_members', 'group_id', 'user_id', g, [...members].filter((m) => m !== id));
      }
    }
    const { password: _pw, ...shown } = fields;
    w.audit('user', id, before, { ...shown, ...(passwordHash ? { password: 'changed' } : {}) });
  });
  if (fields.active === false || passwordHash || fields.role) revokeUserSessions(ctx, id);
  return getUser(ctx, id);
}

/**
 * `local`: the device is joined to a server, where accounts live: the password is not pushed as a
 * `users` edit (the server refuses those); it changes only this device's sign-in.
 * `verifiedByServer`: the server already checked the current password (the copy here may differ).
 */
export function changeOwnPassword(ctx: Ctx, current: string, next: string, opts: { local?: boolean; verifiedByServer?: boolean } = {}): void {
  const actor = ctx.actor;
  if (!actor) throw new AppError('unauthenticated', 'Sign in first.');
  const hash = ctx.store.sqlite.prepare('SELECT password_hash FROM users WHERE id = ?').pluck().get(actor.id) as string;
  if (!opts.verifiedByServer && !verifyPassword(current, hash)) throw new AppError('invalid_input', 'The current password is wrong.', [{ path: ['current'], message: 'Wrong password.' }]);
  const nextHash = hashPassword(next);
  write(ctx, (w) => {
    const audit = { before: null, after: { password: 'changed' } };
    if (opts.local) setLocalPassword(ctx, w, actor.id, nextHash, audit);
    else updateRecord(ctx, w, 'users', actor.id, { password_hash: nextHash }, { audit });
  });
}

/**
 * On a device joined to a server the password is a secret of this device's sign-in only: the
 * server keeps accounts and never sends or accepts password hashes, so no op is queued (the
 * write-path check allows this one statement, see write-path.test.ts).
 */
function setLocalPassword(ctx: Ctx, w: WriteScope, userId: string, hash: string, audit: { before: unknown; after: unknown }): void {
  const cur = ctx.store.sqlite.prepare('SELECT field_hlc FROM users WHERE id = ?').pluck().get(userId) as string;
  ctx.store.sqlite.prepare('UPDATE users SET password_hash = ?, updated_at = ?, field_hlc = ? WHERE id = ?').run(hash, w.now, restamp(cur, ['password_hash'], w.stamp), userId);
  w.audit('user', userId, audit.before, audit.after);
}
