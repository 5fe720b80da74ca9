/** Sign-in, sessions and the failed-login throttle. Tokens are random; only their hash is stored. */
import { createHash, randomBytes } from 'node:crypto';
import type { Ctx, Actor } from '../core/context';
import { nowIso } from '../core/context';
import { AppError } from '../../../shared/result';
import { hashPassword, NO_LOCAL_PASSWORD, verifyDummy, verifyPassword } from './password';
import { loadActor } from '../directory/users';
import type { SessionInfo } from '../../../shared/api/setup';
import { appendAudit } from '../core/audit';
import { writeGateBusy } from '../../db/write-gate';

export const IDLE_MS = 12 * 60 * 60 * 1000;
export const MAX_FAILURES = 5;
export const LOCKOUT_MS = 60 * 1000;

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export function createSession(ctx: Ctx, userId: string): SessionInfo {
  const token = randomBytes(32).toString('base64url');
  const now = ctx.clock.now();
  const expiresAt = new Date(now.getTime() + IDLE_MS).toISOString();
  ctx.store.sqlite
    .prepare('INSERT INTO sessions (token_hash, user_id, created_at, last_seen_at, expires_at) VALUES (?, ?, ?, ?, ?)')
    .run(hashToken(token), userId, now.toISOString(), now.toISOString(), expiresAt);
  const actor = loadActor(ctx.store.sqlite, userId);
  if (!actor) throw new AppError('internal', 'The new session has no user.');
  return { token, user: actor, expiresAt };
}

export function login(ctx: Ctx, username: string, password: string): SessionInfo {
  const sqlite = ctx.store.sqlite;
  const now = ctx.clock.now();
  const attempt = sqlite.prepare('SELECT failures, last_at AS lastAt FROM login_attempts WHERE username = ?').get(username) as
    | { failures: number; lastAt: string }
    | undefined;
  if (attempt && attempt.failures >= MAX_FAILURES && now.getTime() - Date.parse(attempt.lastAt) < LOCKOUT_MS) {
    throw new AppError('rate_limited', 'Too many failed sign-ins. Wait a minute and try again.');
  }
  const row = sqlite
    .prepare('SELECT id, password_hash AS hash, active FROM users WHERE username = ? AND deleted_hlc IS NULL')
    .get(username) as { id: string; hash: string; active: number } | undefined;
  const ok = row ? verifyPassword(password, row.hash) : (verifyDummy(password), false);
  if (!row || !ok || !row.active) {
    sqlite
      .prepare(
        `INSERT INTO login_attempts (username, failures, last_at) VALUES (?, 1, ?)
         ON CONFLICT(username) DO UPDATE SET failures = CASE WHEN ? - unixepoch(last_at) * 1000 > ? THEN 1 ELSE failures + 1 END, last_at = excluded.last_at`,
      )
      .run(username, now.toISOString(), now.getTime(), LOCKOUT_MS * 10);
    appendAudit(sqlite, { at: now.toISOString(), actorId: row?.id ?? null, call: 'session.login', recordType: 'session', recordId: null, after: { username, outcome: 'failed' } });
    if (row && ok && !row.active) throw new AppError('unauthenticated', 'This account is deactivated. Ask an administrator.');
    throw new AppError('unauthenticated', 'Wrong username or password.');
  }
  sqlite.prepare('DELETE FROM login_attempts WHERE username = ?').run(username);
  sqlite.prepare('DELETE FROM sessions WHERE expires_at < ?').run(now.toISOString());
  appendAudit(sqlite, { at: now.toISOString(), actorId: row.id, call: 'session.login', recordType: 'session', recordId: null, after: { username, outcome: 'ok' } });
  return createSession(ctx, row.id);
}

/** Whether this person's password has never been set on this device (they arrived through sync). */
export function needsServerSignIn(ctx: Ctx, username: string): boolean {
  const hash = ctx.store.sqlite.prepare('SELECT password_hash FROM users WHERE username = ? AND deleted_hlc IS NULL AND active = 1').pluck().get(username) as string | undefined;
  return hash === NO_LOCAL_PASSWORD;
}

/**
 * Keeps the password the server just confirmed, so the person signs in offline from now on. Local
 * only: password hashes are never synced.
 */
export function keepConfirmedPassword(ctx: Ctx, username: string, password: string): void {
  ctx.store.sqlite.prepare('UPDATE users SET password_hash = ? WHERE username = ? AND password_hash = ?').run(hashPassword(password), username, NO_LOCAL_PASSWORD);
}

/** Resolves a bearer token to its actor, sliding the idle expiry; null when missing or expired. */
export function authenticate(ctx: Pick<Ctx, 'store' | 'clock'>, token: string | null | undefined): Actor | null {
  if (!token || token.length > 200) return null;
  const sqlite = ctx.store.sqlite;
  const h = hashToken(token);
  const s = sqlite.prepare('SELECT user_id AS userId, expires_at AS expiresAt, last_seen_at AS lastSeenAt FROM sessions WHERE token_hash = ?').get(h) as
    | { userId: string; expiresAt: string; lastSeenAt: string }
    | undefined;
  const now = ctx.clock.now();
  if (!s) return null;
  if (Date.parse(s.expiresAt) <= now.getTime()) {
    sqlite.prepare('DELETE FROM sessions WHERE token_hash = ?').run(h);
    return null;
  }
  const actor = loadActor(sqlite, s.userId);
  if (!actor) return null;
  // Slide the expiry at most once a minute, so reads stay reads (and not while an import holds the
  // write gate: the write would wait on the worker's lock; a later call slides it).
  if (now.getTime() - Date.parse(s.lastSeenAt) > 60_000 && !writeGateBusy(sqlite)) {
    sqlite
      .prepare('UPDATE sessions SET last_seen_at = ?, expires_at = ? WHERE token_hash = ?')
      .run(now.toISOString(), new Date(now.getTime() + IDLE_MS).toISOString(), h);
  }
  return actor;
}

export function logout(ctx: Ctx, token: string): void {
  ctx.store.sqlite.prepare('DELETE FROM sessions WHERE token_hash = ?').run(hashToken(token));
  appendAudit(ctx.store.sqlite, { at: nowIso(ctx), actorId: ctx.actor?.id ?? null, call: 'session.logout', recordType: 'session', recordId: null });
}
