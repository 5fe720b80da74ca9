/**
 * Signs a person out everywhere on this device (their account was deactivated, its password or
 * role changed). Apart from sessions.ts because the directory calls it and sessions.ts reads the
 * directory.
 */
import type { Ctx } from '../core/context';

export function revokeUserSessions(ctx: Ctx, userId: string): void {
  ctx.store.sqlite.prepare('DELETE FROM sessions WHERE user_id = ?').run(userId);
}
