/** Handlers for sync (join, now, status, leave) and the conflicts inbox. */
import type { HandlersFor } from './types';
import type { syncCalls } from '../../../shared/api/sync';
import { syncClientFor } from '../../sync/registry';
import { listConflicts, resolveConflict } from '../../sync/conflicts';
import { dismissRejected, listRejected } from '../../sync/rejected';

export const syncHandlers: HandlersFor<typeof syncCalls> = {
  'sync.join': (ctx, input) => syncClientFor(ctx).join(input.serverUrl, input.username, input.password, ctx.actor?.id ?? null),
  'sync.now': (ctx) => syncClientFor(ctx).syncNow(),
  'sync.status': (ctx) => syncClientFor(ctx).status(),
  'sync.online': (ctx) => {
    const client = syncClientFor(ctx);
    client.networkBack();
    return client.status();
  },
  'sync.leave': (ctx) => syncClientFor(ctx).leave(),
  'conflicts.list': (ctx, input) => ({ items: listConflicts(ctx, input.recordId) }),
  'conflicts.resolve': (ctx, input) => resolveConflict(ctx, input.id, input.keep),
  'conflicts.rejected': (ctx) => ({ items: listRejected(ctx) }),
  'conflicts.dismiss': (ctx, input) => dismissRejected(ctx, input.id),
};
