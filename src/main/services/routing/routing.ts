/**
 * Routing rules: team-wide records (administrators write, through the record primitive), tried in
 * order when a staff member's device creates a ticket. The first rule whose conditions hold fills
 * in what the creator left empty (group, assignee or a turn within the group) and sets priority and
 * tags; the ticket's history says which rule routed it. The dry run shows the same choice, reasoned.
 */
import type Database from 'better-sqlite3';
import type { Ctx } from '../core/context';
import { write } from '../core/write';
import { createRecord, deleteRecord, updateRecord } from '../core/record';
import { uuidv7 } from '../../../shared/ids';
import { AppError } from '../../../shared/result';
import { GLOBAL_SCOPE } from '../directory/scopes';
import {
  routeTicket,
  routingActions,
  routingConditions,
  orderRules,
  type RoutingFacts,
  type RoutingRule,
  type RoutingTurn,
  type RuleTrace,
} from '../../../shared/routing/rules';

export type RoutingRuleInput = Omit<RoutingRule, 'id'> & { id?: string };

function parse<T>(text: unknown, check: (v: unknown) => T | undefined, fallback: T): T {
  try {
    return check(JSON.parse(String(text))) ?? fallback;
  } catch {
    return fallback;
  }
}

export function loadRules(sqlite: Database.Database): RoutingRule[] {
  const rows = sqlite.prepare('SELECT id, name, position, active, conditions, actions FROM routing_rules WHERE deleted_hlc IS NULL').all() as Record<string, unknown>[];
  return orderRules(
    rows.map((r) => ({
      id: String(r.id),
      name: String(r.name),
      position: Number(r.position),
      active: !!r.active,
      conditions: parse(r.conditions, (v) => routingConditions.safeParse(v).data, {}),
      actions: parse(r.actions, (v) => routingActions.safeParse(v).data, {}),
    })),
  );
}

export function listRules(ctx: Ctx): RoutingRule[] {
  return loadRules(ctx.store.sqlite);
}

function checkRefs(sqlite: Database.Database, r: RoutingRuleInput) {
  const a = r.actions;
  const bad = (path: string, message: string) => new AppError('invalid_input', message, [{ path: ['actions', path], message }]);
  if (a.groupId && !sqlite.prepare('SELECT 1 FROM groups WHERE id = ? AND deleted_hlc IS NULL').get(a.groupId)) throw bad('groupId', 'No such group.');
  if (a.assigneeId && !sqlite.prepare("SELECT 1 FROM users WHERE id = ? AND active = 1 AND role IN ('admin', 'technician') AND deleted_hlc IS NULL").get(a.assigneeId))
    throw bad('assigneeId', 'The assignee must be an active administrator or technician.');
  if (a.turn && !a.groupId) throw bad('turn', 'Taking turns needs a group to take turns in.');
  if (a.turn && a.assigneeId) throw bad('turn', 'Choose either an assignee or a turn within the group, not both.');
}

export function saveRule(ctx: Ctx, input: RoutingRuleInput): RoutingRule {
  const sqlite = ctx.store.sqlite;
  checkRefs(sqlite, input);
  const id = input.id ?? uuidv7();
  const known = input.id ? !!sqlite.prepare('SELECT 1 FROM routing_rules WHERE id = ? AND deleted_hlc IS NULL').get(input.id) : false;
  if (input.id && !known) throw new AppError('not_found', 'No such routing rule.');
  const values = { name: input.name, position: input.position, active: input.active ? 1 : 0, conditions: JSON.stringify(input.conditions), actions: JSON.stringify(input.actions) };
  write(ctx, (w) => (known ? updateRecord(ctx, w, 'routing_rules', id, values) : createRecord(ctx, w, 'routing_rules', id, GLOBAL_SCOPE, values)));
  return loadRules(sqlite).find((r) => r.id === id)!;
}

export function deleteRule(ctx: Ctx, id: string): void {
  if (!ctx.store.sqlite.prepare('SELECT 1 FROM routing_rules WHERE id = ? AND deleted_hlc IS NULL').get(id)) throw new AppError('not_found', 'No such routing rule.');
  write(ctx, (w) => deleteRecord(ctx, w, 'routing_rules', id));
}

/** The group member whose turn it is: the one whose last ticket in the group is oldest, or who has fewest open tickets. */
export function memberForTurn(sqlite: Database.Database, groupId: string, turn: RoutingTurn): string | null {
  const order =
    turn === 'round_robin'
      ? `(SELECT max(t.opened_at) FROM tickets t WHERE t.assignee_id = u.id AND t.group_id = m.group_id AND t.deleted_hlc IS NULL) ASC NULLS FIRST`
      : `(SELECT count(*) FROM tickets t WHERE t.assignee_id = u.id AND t.is_open = 1 AND t.deleted_hlc IS NULL) ASC`;
  return (
    (sqlite
      .prepare(
        `SELECT u.id FROM group_members m JOIN users u ON u.id = m.user_id
         WHERE m.group_id = ? AND m.deleted_hlc IS NULL AND u.deleted_hlc IS NULL AND u.active = 1 AND u.role IN ('admin', 'technician')
         ORDER BY ${order}, u.id LIMIT 1`,
      )
      .pluck()
      .get(groupId) as string | undefined) ?? null
  );
}

export interface RouteDecision {
  rule: RoutingRule;
  groupId: string | null;
  assigneeId: string | null;
  priority: 1 | 2 | 3 | 4 | null;
  tags: string[];
}

export interface RoutingSample {
  type: string;
  category: string | null;
  siteId: string;
  title: string;
  description: string;
  requesterId: string | null;
  linkedAssetId: string | null;
  groupId?: string | null;
  assigneeId?: string | null;
}

function factsOf(sqlite: Database.Database, s: RoutingSample): RoutingFacts {
  const assetCategory = s.linkedAssetId
    ? ((sqlite.prepare('SELECT category FROM assets WHERE (id = ? OR tag = ?) AND deleted_hlc IS NULL').pluck().get(s.linkedAssetId, s.linkedAssetId) as string | null | undefined) ?? null)
    : null;
  return { type: s.type, category: s.category, siteId: s.siteId, title: s.title, description: s.description, requesterId: s.requesterId, assetCategory };
}

function labels(sqlite: Database.Database) {
  return {
    site: (id: string) => (sqlite.prepare('SELECT name FROM sites WHERE id = ?').pluck().get(id) as string | undefined) ?? id,
    person: (id: string) => (sqlite.prepare('SELECT display_name FROM users WHERE id = ?').pluck().get(id) as string | undefined) ?? id,
  };
}

/** What routing does to a new ticket: null when no rule matches. Fields the creator set are kept. */
export function decideRoute(sqlite: Database.Database, sample: RoutingSample, rules: RoutingRule[] = loadRules(sqlite)): { decision: RouteDecision | null; trace: RuleTrace[] } {
  if (!rules.length) return { decision: null, trace: [] };
  const { rule, trace } = routeTicket(rules, factsOf(sqlite, sample), labels(sqlite));
  if (!rule) return { decision: null, trace };
  const a = rule.actions;
  const groupId = sample.groupId ?? a.groupId ?? null;
  let assigneeId = sample.assigneeId ?? a.assigneeId ?? null;
  if (!sample.assigneeId && !a.assigneeId && a.turn && groupId) assigneeId = memberForTurn(sqlite, groupId, a.turn);
  return { decision: { rule, groupId, assigneeId, priority: a.priority ?? null, tags: a.tags ?? [] }, trace };
}

export interface DryRunResult {
  ruleId: string | null;
  ruleName: string | null;
  trace: RuleTrace[];
  outcome: { groupName: string | null; assigneeName: string | null; priority: number | null; tags: string[] } | null;
}

export function dryRun(ctx: Ctx, sample: RoutingSample): DryRunResult {
  const sqlite = ctx.store.sqlite;
  const { decision, trace } = decideRoute(sqlite, sample);
  const name = (table: 'groups' | 'users', id: string | null) =>
    id ? ((sqlite.prepare(`SELECT ${table === 'groups' ? 'name' : 'display_name'} FROM ${table} WHERE id = ?`).pluck().get(id) as string | undefined) ?? id) : null;
  return {
    ruleId: decision?.rule.id ?? null,
    ruleName: decision?.rule.name ?? null,
    trace,
    outcome: decision ? { groupName: name('groups', decision.groupId), assigneeName: name('users', decision.assigneeId), priority: decision.priority, tags: decision.tags } : null,
  };
}
