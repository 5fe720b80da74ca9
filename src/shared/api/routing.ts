/** Routing rules: list, save, delete, the dry run that shows which rule a sample ticket meets and why, and routing requesters' tickets. */
import { z } from 'zod';
import { ADMIN, call, STAFF } from './contract';
import { id } from './common';
import { TICKET_TYPES } from '../tickets/rules';
import { routingActions, routingConditions, type RoutingRule, type RuleTrace } from '../routing/rules';

export interface RoutingDryRun {
  ruleId: string | null;
  ruleName: string | null;
  trace: RuleTrace[];
  outcome: { groupName: string | null; assigneeName: string | null; priority: number | null; tags: string[] } | null;
}

export const routingCalls = {
  'routing.list': call<{ items: RoutingRule[] }>()(z.object({}).strict().default({}), [...STAFF, 'auditor']),
  'routing.save': call<RoutingRule>()(
    z
      .object({
        id: id.optional(),
        name: z.string().trim().min(1, { message: 'Name the rule.' }).max(120),
        position: z.number().int().min(0).max(100_000),
        active: z.boolean().default(true),
        conditions: routingConditions,
        actions: routingActions,
      })
      .strict(),
    ADMIN,
    { mutates: true },
  ),
  'routing.delete': call<{ ok: true }>()(z.object({ id }).strict(), ADMIN, { mutates: true }),
  /** Routes requesters' new tickets that no device has routed yet (the console asks every minute and after a pull brings tickets). */
  'routing.routeRaised': call<{
    checked: number;
    routed: { ticketId: string; number: string; rule: string }[];
    failed: { ticketId: string; number: string; rule: string; message: string }[];
  }>()(z.object({}).strict().default({}), STAFF, { mutates: true }),
  'routing.dryRun': call<RoutingDryRun>()(
    z
      .object({
        type: z.enum(TICKET_TYPES),
        title: z.string().max(300).default(''),
        description: z.string().max(20_000).default(''),
        category: z.string().trim().max(120).nullable().default(null),
        siteId: id,
        requesterId: id.nullable().default(null),
        linkedAssetId: z.string().trim().max(80).nullable().default(null),
      })
      .strict(),
    [...STAFF, 'auditor'],
  ),
};
