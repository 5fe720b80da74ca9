/** What every service function receives first: the store, the injected clock and who is acting. */
import type { Store } from '../../db/open';
import type { Role } from '../../../shared/api/contract';

export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

export interface Actor {
  id: string;
  username: string;
  displayName: string;
  role: Role;
  siteIds: string[];
}

export interface Ctx {
  store: Store;
  clock: Clock;
  /** null only for setup and login. */
  actor: Actor | null;
  /** The call being served, recorded in the audit trail. */
  call?: string;
}

export function nowIso(ctx: { clock: Clock }): string {
  return ctx.clock.now().toISOString();
}
