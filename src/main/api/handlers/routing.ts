/** Handlers for routing rules, their dry run, and routing requesters' tickets. */
import type { routingCalls } from '../../../shared/api/routing';
import type { HandlersFor } from './types';
import { deleteRule, dryRun, listRules, saveRule } from '../../services/routing/routing';
import { routeRaisedTickets } from '../../services/routing/raised';

export const routingHandlers: HandlersFor<typeof routingCalls> = {
  'routing.list': (ctx) => ({ items: listRules(ctx) }),
  'routing.save': (ctx, input) => saveRule(ctx, input),
  'routing.delete': (ctx, input) => {
    deleteRule(ctx, input.id);
    return { ok: true as const };
  },
  'routing.dryRun': (ctx, input) => dryRun(ctx, input),
  'routing.routeRaised': (ctx) => routeRaisedTickets(ctx),
};
