/**
 * Routing rules: ordered conditions on a new ticket (type, category, site, words in its text,
 * requester, the linked asset's category) and what to do when they hold (group, assignee or a turn
 * within the group, priority, tags). The first active rule whose conditions all hold routes the
 * ticket; the dry run says, rule by rule, what held and what did not.
 */
import { z } from 'zod';
import { TICKET_TYPES } from '../tickets/rules';
import { jsonText } from '../sla/json-text';

const ids = z.array(z.string().min(1).max(80)).max(200);
const names = z.array(z.string().trim().min(1).max(120)).max(200);

export const routingConditions = z
  .object({
    types: z.array(z.enum(TICKET_TYPES)).max(2).optional(),
    categories: names.optional(),
    siteIds: ids.optional(),
    /** Any of these words or phrases in the title or description (case does not matter). */
    words: z.array(z.string().trim().min(1).max(120)).max(50).optional(),
    requesterIds: ids.optional(),
    assetCategories: names.optional(),
  })
  .strict();
export type RoutingConditions = z.infer<typeof routingConditions>;

export const ROUTING_TURNS = ['round_robin', 'least_loaded'] as const;
export type RoutingTurn = (typeof ROUTING_TURNS)[number];

export const routingActions = z
  .object({
    groupId: z.string().min(1).max(80).nullable().optional(),
    assigneeId: z.string().min(1).max(80).nullable().optional(),
    /** Pick the assignee among the group's active technicians: the one whose last routed ticket is oldest, or the one with fewest open tickets. */
    turn: z.enum(ROUTING_TURNS).nullable().optional(),
    priority: z.union([z.literal(1), z.literal(2), z.literal(3), z.literal(4)]).nullable().optional(),
    tags: z.array(z.string().trim().min(1).max(40).regex(/^[^,]+$/)).max(20).optional(),
  })
  .strict();
export type RoutingActions = z.infer<typeof routingActions>;

export const routingConditionsText = jsonText(routingConditions, 'Routing conditions');
export const routingActionsText = jsonText(routingActions, 'Routing actions');

export interface RoutingRule {
  id: string;
  name: string;
  position: number;
  active: boolean;
  conditions: RoutingConditions;
  actions: RoutingActions;
}

export interface RoutingFacts {
  type: string;
  category: string | null;
  siteId: string;
  title: string;
  description: string;
  requesterId: string | null;
  assetCategory: string | null;
}

export interface RuleTrace {
  ruleId: string;
  ruleName: string;
  matched: boolean;
  /** One line per condition: what was asked and whether the ticket met it. */
  checks: { condition: string; met: boolean; detail: string }[];
  skipped?: 'inactive';
}

const ci = (s: string) => s.toLocaleLowerCase('en');

/** Rules in the order they are tried: position, then id. */
export function orderRules<T extends { position: number; id: string }>(rules: readonly T[]): T[] {
  return [...rules].sort((a, b) => a.position - b.position || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

export function checkRule(rule: RoutingRule, f: RoutingFacts, label: { site?: (id: string) => string; person?: (id: string) => string } = {}): RuleTrace {
  const c = rule.conditions;
  const checks: RuleTrace['checks'] = [];
  const site = label.site ?? ((x: string) => x);
  const person = label.person ?? ((x: string) => x);
  if (c.types?.length) checks.push({ condition: `type is ${c.types.join(' or ')}`, met: c.types.includes(f.type as 'incident'), detail: `type is ${f.type}` });
  if (c.categories?.length) {
    const met = f.category !== null && c.categories.some((x) => ci(x) === ci(f.category!));
    checks.push({ condition: `category is ${c.categories.join(' or ')}`, met, detail: f.category ? `category is ${f.category}` : 'no category' });
  }
  if (c.siteIds?.length) checks.push({ condition: `site is ${c.siteIds.map(site).join(' or ')}`, met: c.siteIds.includes(f.siteId), detail: `site is ${site(f.siteId)}` });
  if (c.words?.length) {
    const text = ci(`${f.title}\n${f.description}`);
    const found = c.words.filter((w) => text.includes(ci(w)));
    checks.push({ condition: `text mentions ${c.words.map((w) => `“${w}”`).join(' or ')}`, met: found.length > 0, detail: found.length ? `mentions ${found.map((w) => `“${w}”`).join(', ')}` : 'none of the words' });
  }
  if (c.requesterIds?.length) {
    const met = f.requesterId !== null && c.requesterIds.includes(f.requesterId);
    checks.push({ condition: `requester is ${c.requesterIds.map(person).join(' or ')}`, met, detail: f.requesterId ? `requester is ${person(f.requesterId)}` : 'no requester' });
  }
  if (c.assetCategories?.length) {
    const met = f.assetCategory !== null && c.assetCategories.some((x) => ci(x) === ci(f.assetCategory!));
    checks.push({ condition: `linked asset is a ${c.assetCategories.join(' or ')}`, met, detail: f.assetCategory ? `linked asset is a ${f.assetCategory}` : 'no linked asset' });
  }
  if (!rule.active) return { ruleId: rule.id, ruleName: rule.name, matched: false, checks, skipped: 'inactive' };
  return { ruleId: rule.id, ruleName: rule.name, matched: checks.every((x) => x.met), checks };
}

/** The rule that routes the ticket (the first that matches, in order) and the trace of every rule tried. */
export function routeTicket(rules: readonly RoutingRule[], f: RoutingFacts, label?: Parameters<typeof checkRule>[2]): { rule: RoutingRule | null; trace: RuleTrace[] } {
  const trace: RuleTrace[] = [];
  for (const r of orderRules(rules)) {
    const t = checkRule(r, f, label);
    trace.push(t);
    if (t.matched) return { rule: r, trace };
  }
  return { rule: null, trace };
}
