/** First run: the organisation, the first site and the administrator, in one transaction. */
import type { Ctx } from '../core/context';
import { getMeta, setMeta } from '../core/meta';
import { AppError } from '../../../shared/result';
import type { SetupStatus } from '../../../shared/api/setup';
import { createSite } from '../directory/sites';
import { createUser } from '../directory/users';
import { createSession } from '../auth/sessions';
import { hashPassword } from '../auth/password';
import type { SessionInfo } from '../../../shared/api/setup';
import { getSettings } from '../settings/settings';

export const APP_VERSION = '0.1.0';

export function isInitialized(ctx: Pick<Ctx, 'store'>): boolean {
  return getMeta(ctx.store.sqlite, 'initialized_at') !== null;
}

export function setupStatus(ctx: Ctx): SetupStatus {
  const initialized = isInitialized(ctx);
  // The sign-in screen shows the team's name: the synced setting once there is one, else this
  // device's own from first run.
  return { initialized, organisation: initialized ? getSettings(ctx).organisation : getMeta(ctx.store.sqlite, 'organisation'), version: APP_VERSION, encrypted: !!ctx.store.key, wiped: wipedNotice(ctx) };
}

/** The notice a wipe left (runtime.ts writes it under meta 'device_wiped'). */
function wipedNotice(ctx: Ctx): SetupStatus['wiped'] {
  const raw = getMeta(ctx.store.sqlite, 'device_wiped');
  if (!raw) return null;
  try {
    const v = JSON.parse(raw) as { at?: unknown; reason?: unknown };
    return typeof v.at === 'string' && typeof v.reason === 'string' ? { at: v.at, reason: v.reason } : null;
  } catch {
    return null;
  }
}

export interface SetupInput {
  organisation?: string;
  admin: { username: string; displayName: string; password: string };
  site: { name: string; code?: string };
}

export function initialize(ctx: Ctx, input: SetupInput): SessionInfo {
  const sqlite = ctx.store.sqlite;
  // Hash outside the transaction: scrypt is deliberately slow.
  const passwordHash = hashPassword(input.admin.password);
  let userId = '';
  sqlite
    .transaction(() => {
      if (isInitialized(ctx)) throw new AppError('already_setup', 'Outpost is already set up. Sign in instead.');
      const site = createSite({ ...ctx, call: 'setup.init' }, { name: input.site.name, code: input.site.code });
      const user = createUser(
        { ...ctx, call: 'setup.init' },
        { username: input.admin.username, displayName: input.admin.displayName, role: 'admin', password: input.admin.password, siteIds: [site.id] },
        { passwordHash },
      );
      userId = user.id;
      setMeta(sqlite, 'organisation', input.organisation?.trim() || input.site.name);
      setMeta(sqlite, 'initialized_at', ctx.clock.now().toISOString());
    })
    .immediate();
  return createSession(ctx, userId);
}

/**
 * First run on a device of an existing team, after the server confirmed the person's password and
 * the team's directory and settings were pulled: the device starts as that person's synced account
 * (same id as on the server), keeping the confirmed password for offline sign-in. Nothing is created
 * on the device: no local administrator, no site of its own.
 */
export function completeJoin(ctx: Ctx, personId: string, password: string): SessionInfo {
  const sqlite = ctx.store.sqlite;
  const passwordHash = hashPassword(password);
  sqlite
    .transaction(() => {
      if (isInitialized(ctx)) throw new AppError('already_setup', 'Outpost is already set up. Sign in instead.');
      const person = sqlite.prepare('SELECT username, active FROM users WHERE id = ? AND deleted_hlc IS NULL').get(personId) as
        | { username: string; active: number }
        | undefined;
      if (!person) {
        throw new AppError(
          'conflict',
          'The server accepted your password, but the team has no profile for your account yet. Ask an administrator to add you under People on a device of the team (same username), let it sync, then join again.',
        );
      }
      if (!person.active) throw new AppError('unauthenticated', 'Your profile in this team is deactivated. Ask an administrator.');
      sqlite.prepare('UPDATE users SET password_hash = ? WHERE id = ?').run(passwordHash, personId);
      setMeta(sqlite, 'initialized_at', ctx.clock.now().toISOString());
    })
    .immediate();
  return createSession(ctx, personId);
}
