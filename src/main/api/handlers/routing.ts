/** Handlers for routing rules and their dry run. */
import type { routingCalls } from '../../../shared/api/routing';
import type { HandlersFor } from './types';
import { deleteRule, dryRun, listRules, saveRule } from '../../services/routing/routing';

export const routingHandlers: HandlersFor<typeof routingCalls> = {
  'routing.list': (ctx) => ({ items: listRules(ctx) }),
  'routing.save': (ctx, input) => saveRule(ctx, input),
  'routing.delete': (ctx, input) => {
    deleteRule(ctx, input.id);
    return { ok: true as const };
  },
  'routing.dryRun': (ctx, input) => dryRun(ctx, input),
};
