/**
 * The idle lock: after the team's idle time without input at the console (or when the person locks
 * it), the session is locked in the store, so a reload or a second window finds it locked too. While
 * locked, every call but unlock and sign-out is refused; unlocking checks the person's password
 * offline, against this device's own hash, throttled like sign-in.
 */
import type { Ctx } from '../core/context';
import { AppError } from '../../../shared/result';
import { hashToken, MAX_FAILURES, LOCKOUT_MS } from './sessions';
import { verifyPassword } from './password';
import { appendAudit } from '../core/audit';
import { DEFAULT_IDLE_LOCK_MINUTES, parseSettingValue, teamSettingId } from '../../../shared/settings/team';
import type { LockState } from '../../../shared/api/setup';
import { writeGateBusy } from '../../db/write-gate';

/** Calls a locked console still answers: unlocking, signing out and asking whether it is locked. */
export const ALLOWED_WHILE_LOCKED = new Set(['session.unlock', 'session.logout', 'session.lockState']);

/** The team's idle time (one row read: this runs for every call). */
export function idleLockMinutes(ctx: Pick<Ctx, 'store'>): number {
  const text = ctx.store.sqlite
    .prepare('SELECT value FROM team_settings WHERE id = ? AND deleted_hlc IS NULL')
    .pluck()
    .get(teamSettingId('idle_lock_minutes')) as string | undefined;
  return parseSettingValue('idle_lock_minutes', text) ?? DEFAULT_IDLE_LOCK_MINUTES;
}

interface Row {
  userId: string;
  activeAt: string | null;
  lockedAt: string | null;
}

function session(ctx: Pick<Ctx, 'store'>, token: string): Row | undefined {
  return ctx.store.sqlite
    .prepare('SELECT user_id AS userId, active_at AS activeAt, locked_at AS lockedAt FROM sessions WHERE token_hash = ?')
    .get(hashToken(token)) as Row | undefined;
}

function setLocked(ctx: Pick<Ctx, 'store'>, token: string, at: string): void {
  ctx.store.sqlite.prepare('UPDATE sessions SET locked_at = ? WHERE token_hash = ? AND locked_at IS NULL').run(at, hashToken(token));
}

/**
 * Whether the session is locked now: locked before, or idle past the team's limit (which locks it
 * from then on). Called for every authenticated call, so it only writes when it locks.
 */
export function isLocked(ctx: Pick<Ctx, 'store' | 'clock'>, token: string): boolean {
  const s = session(ctx, token);
  if (!s) return false;
  if (s.lockedAt) return true;
  // Idle time is input at a console window: a session no window has reported on (a script, a test
  // driving the API) is locked only when asked to.
  if (!s.activeAt) return false;
  const minutes = idleLockMinutes(ctx);
  if (minutes <= 0) return false;
  const now = ctx.clock.now();
  const last = Date.parse(s.activeAt);
  if (now.getTime() - last < minutes * 60_000) return false;
  // Not while an import holds the write gate: the refusal stands, and the next call writes it.
  if (!writeGateBusy(ctx.store.sqlite)) setLocked(ctx, token, now.toISOString());
  return true;
}

export function lockState(ctx: Ctx, token: string): LockState {
  return {
    locked: isLocked(ctx, token),
    idleLockMinutes: idleLockMinutes(ctx),
    displayName: ctx.actor?.displayName ?? '',
    username: ctx.actor?.username ?? '',
  };
}

/** The window saw the person at the console: the idle time starts again. */
export function noteActivity(ctx: Ctx, token: string): { locked: false } {
  ctx.store.sqlite.prepare('UPDATE sessions SET active_at = ? WHERE token_hash = ? AND locked_at IS NULL').run(ctx.clock.now().toISOString(), hashToken(token));
  return { locked: false };
}

/** Locks the console now (the person stepped away, or the window's idle timer ran out). */
export function lockSession(ctx: Ctx, token: string): { locked: true } {
  const at = ctx.clock.now().toISOString();
  setLocked(ctx, token, at);
  appendAudit(ctx.store.sqlite, { at, actorId: ctx.actor?.id ?? null, call: 'session.lock', recordType: 'session', recordId: null });
  return { locked: true };
}

/**
 * Checks the signed-in person's own password again (to unlock, or before a change to the store as a
 * whole), offline; wrong ones are throttled as sign-in's are and recorded in the audit trail under `call`.
 */
export function confirmOwnPassword(ctx: Ctx, userId: string, password: string, call: string): void {
  const sqlite = ctx.store.sqlite;
  const user = sqlite.prepare('SELECT username, password_hash AS hash FROM users WHERE id = ?').get(userId) as { username: string; hash: string } | undefined;
  if (!user) throw new AppError('unauthenticated', 'Your session has ended. Sign in again.');
  const now = ctx.clock.now();
  const attempt = sqlite.prepare('SELECT failures, last_at AS lastAt FROM login_attempts WHERE username = ?').get(user.username) as
    | { failures: number; lastAt: string }
    | undefined;
  if (attempt && attempt.failures >= MAX_FAILURES && now.getTime() - Date.parse(attempt.lastAt) < LOCKOUT_MS) {
    throw new AppError('rate_limited', 'Too many wrong passwords. Wait a minute and try again.');
  }
  if (!verifyPassword(password, user.hash)) {
    sqlite
      .prepare(
        `INSERT INTO login_attempts (username, failures, last_at) VALUES (?, 1, ?)
         ON CONFLICT(username) DO UPDATE SET failures = failures + 1, last_at = excluded.last_at`,
      )
      .run(user.username, now.toISOString());
    appendAudit(sqlite, { at: now.toISOString(), actorId: userId, call, recordType: 'session', recordId: null, after: { outcome: 'failed' } });
    throw new AppError('forbidden', 'Wrong password.');
  }
  sqlite.prepare('DELETE FROM login_attempts WHERE username = ?').run(user.username);
}

/** Unlocks with the signed-in person's password, checked offline; failures are throttled as sign-in's are. */
export function unlockSession(ctx: Ctx, token: string, password: string): { locked: false } {
  const sqlite = ctx.store.sqlite;
  const s = session(ctx, token);
  if (!s) throw new AppError('unauthenticated', 'Your session has ended. Sign in again.');
  confirmOwnPassword(ctx, s.userId, password, 'session.unlock');
  const now = ctx.clock.now();
  sqlite.prepare('UPDATE sessions SET locked_at = NULL, active_at = ? WHERE token_hash = ?').run(now.toISOString(), hashToken(token));
  appendAudit(sqlite, { at: now.toISOString(), actorId: s.userId, call: 'session.unlock', recordType: 'session', recordId: null, after: { outcome: 'ok' } });
  return { locked: false };
}
