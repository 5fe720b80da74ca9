/** Handlers for first-run setup and sessions (sign-in, sign-out, password). */
import { requireActor } from '../../services/core/write';
import { completeJoin, initialize, isInitialized, setupStatus } from '../../services/setup/setup';
import { keepConfirmedPassword, login, logout, needsServerSignIn } from '../../services/auth/sessions';
import { changeOwnPassword } from '../../services/directory/users';
import { lockSession, lockState, noteActivity, unlockSession } from '../../services/auth/lock';
import { loadSampleData } from '../../services/setup/sample';
import { syncClientFor } from '../../sync/registry';
import { AppError } from '../../../shared/result';
import type { HandlersFor } from './types';
import type { setupCalls, sessionCalls } from '../../../shared/api/setup';

export const setupHandlers: HandlersFor<typeof setupCalls & typeof sessionCalls> = {
  'setup.status': (ctx) => setupStatus(ctx),
  'setup.init': (ctx, input) => {
    const session = initialize(ctx, input);
    if (input.sampleData) {
      const actor = { ...session.user };
      loadSampleData({ ...ctx, actor, call: 'setup.init' }, { tickets: 2000 });
    }
    return session;
  },
  'setup.join': async (ctx, input) => {
    if (isInitialized(ctx)) throw new AppError('already_setup', 'Outpost is already set up. Sign in instead.');
    const client = syncClientFor(ctx);
    // An earlier attempt that failed half-way left a sign-in behind: start over from it.
    if (client.joined()) await client.leave();
    await client.join(input.serverUrl, input.username, input.password);
    try {
      // The team's sites, people and settings (and what the person may read) arrive before first use.
      await client.syncNow();
      const person = client.joinedPerson();
      if (!person) throw new AppError('internal', 'The server did not say which team member signed in.');
      return completeJoin(ctx, person.personId, input.password);
    } catch (e) {
      // Not set up after all: the device leaves the server again, so the next attempt starts clean.
      await client.leave().catch(() => undefined);
      throw e;
    }
  },
  'session.login': (ctx, input) => {
    try {
      return login(ctx, input.username, input.password);
    } catch (e) {
      // A person who arrived through sync has no password on this device yet (hashes never travel):
      // the server checks it once, and the device keeps it for offline sign-in from then on.
      const client = syncClientFor(ctx);
      if (!(e instanceof AppError) || e.code !== 'unauthenticated' || !client.joined() || !needsServerSignIn(ctx, input.username)) throw e;
      return client.verifyPerson(input.username, input.password).then(() => {
        keepConfirmedPassword(ctx, input.username, input.password);
        return login(ctx, input.username, input.password);
      });
    }
  },
  'session.logout': (ctx, _input, req) => {
    if (req.token) logout(ctx, req.token);
    return { done: true };
  },
  'session.lockState': (ctx, _input, req) => lockState(ctx, tokenOf(req)),
  'session.activity': (ctx, _input, req) => noteActivity(ctx, tokenOf(req)),
  'session.lock': (ctx, _input, req) => lockSession(ctx, tokenOf(req)),
  'session.unlock': (ctx, input, req) => unlockSession(ctx, tokenOf(req), input.password),
  'session.me': (ctx) => {
    const a = requireActor(ctx);
    return { id: a.id, username: a.username, displayName: a.displayName, role: a.role, siteIds: a.siteIds };
  },
  'session.changePassword': (ctx, input) => {
    const sync = syncClientFor(ctx);
    const joinedAs = sync.joined() ? sync.status().username : null;
    if (joinedAs === null) {
      changeOwnPassword(ctx, input.current, input.next);
      return { done: true };
    }
    // Joined to a server: the account the device joined with changes its password there (the
    // server checks the current one), then here; another local user's changes on this device only.
    if (joinedAs !== requireActor(ctx).username) {
      changeOwnPassword(ctx, input.current, input.next, { local: true });
      return { done: true };
    }
    return sync.changePassword(input.current, input.next).then(() => {
      changeOwnPassword(ctx, input.current, input.next, { local: true, verifiedByServer: true });
      return { done: true as const };
    });
  },
};

/** The session's own token (every session call but sign-in arrives with one). */
function tokenOf(req: { token: string | null }): string {
  if (!req.token) throw new AppError('unauthenticated', 'Your session has ended. Sign in again.');
  return req.token;
}
