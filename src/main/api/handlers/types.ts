import type { CallDef, CallOutputOf, CallParsedOf } from '../../../shared/api/contract';
import type { Ctx } from '../../services/core/context';
import type { AppEvent } from '../../../shared/api/events';

/** Per-request facts the transport supplies (the session token, for logout). */
export interface RequestInfo {
  token: string | null;
  /** Pushes an event to every window (progress of long calls such as imports). */
  emit?(event: AppEvent): void;
}

/** A handler per call of a domain's contract, typed by its schema and output. */
export type HandlersFor<C extends Record<string, CallDef>> = {
  // A handler may answer with a promise when it waits on the network (sync); dispatchAsync awaits it.
  [N in keyof C]: (ctx: Ctx, input: CallParsedOf<C[N]>, req: RequestInfo) => CallOutputOf<C[N]> | Promise<CallOutputOf<C[N]>>;
};
