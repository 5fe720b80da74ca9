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
  return { initialized, organisation: initialized ? getSettings(ctx).organisation : getMeta(ctx.store.sqlite, 'organisation'), version: APP_VERSION };
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
