/** Handlers for sync (join, now, status, leave) and the conflicts inbox. */
import type { HandlersFor } from './types';
import type { SyncStatus, syncCalls } from '../../../shared/api/sync';
import type { Ctx } from '../../services/core/context';
import { syncClientFor } from '../../sync/registry';
import { countConflicts, keepWinners, listConflicts, resolveConflict } from '../../sync/conflicts';
import { dismissRejected, listRejected } from '../../sync/rejected';

/** The top bar's count is the inbox's own count (the query conflicts.list totals), for the signed-in person. */
function counted(ctx: Ctx, s: SyncStatus): SyncStatus {
  return { ...s, conflicts: ctx.actor ? countConflicts(ctx) : 0 };
}

export const syncHandlers: HandlersFor<typeof syncCalls> = {
  'sync.join': async (ctx, input) => counted(ctx, await syncClientFor(ctx).join(input.serverUrl, input.username, input.password, ctx.actor?.id ?? null)),
  'sync.now': (ctx) => syncClientFor(ctx).syncNow(),
  'sync.status': (ctx) => counted(ctx, syncClientFor(ctx).status()),
  'sync.online': (ctx) => {
    const client = syncClientFor(ctx);
    client.networkBack();
    return counted(ctx, client.status());
  },
  'sync.leave': async (ctx) => counted(ctx, await syncClientFor(ctx).leave()),
  'conflicts.list': (ctx, input) => listConflicts(ctx, input),
  'conflicts.keepWinners': (ctx, input) => keepWinners(ctx, input.ids),
  'conflicts.resolve': (ctx, input) => resolveConflict(ctx, input.id, input.keep),
  'conflicts.rejected': (ctx) => ({ items: listRejected(ctx) }),
  'conflicts.dismiss': (ctx, input) => dismissRejected(ctx, input.id),
};
