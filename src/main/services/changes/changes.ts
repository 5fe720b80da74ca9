/**
 * Change management: changes numbered CHG0000001 with their type, risk, plans, schedule window, site
 * and affected assets; a status machine (shared/itsm/rules) that the server enforces too; votes as
 * append-only records (an approver's latest counts) that schedule a change at its quorum and reject
 * it on any rejection, on every replica once it holds the votes; and collisions between windows on
 * the same site or asset.
 */
import type Database from 'better-sqlite3';
import type { Ctx } from '../core/context';
import { requireActor, write, type WriteScope } from '../core/write';
import { appendRecord, createRecord, setMember, updateRecord, type Values } from '../core/record';
import { setRowId } from '../core/set-ids';
import { nextNumber } from '../core/numbers';
import { putRow } from '../settings/team-rows';
import { assertRow, itsmSite, requireItsmStaff } from '../problems/problems';
import { uuidv7 } from '../../../shared/ids';
import { AppError } from '../../../shared/result';
import type { CallParsed } from '../../../shared/api';
import type { Change, ChangeCollision, ChangeFilter, ChangeSummary, ChangeVote } from '../../../shared/api/changes';
import { parseSettingValue, teamSettingId } from '../../../shared/settings/team';
import { isChangeApprover } from '../../../shared/sync/access';
import {
  CHANGE_STATUS_LABELS,
  DEFAULT_APPROVAL_POLICY,
  changeMoveRefusal,
  changeMoves,
  changedPlanFields,
  effectiveStatus,
  latestVotes,
  quorumFor,
  roundVotes,
  tally,
  windowsOverlap,
  type ApprovalDecision,
  type ChangeApprovalPolicy,
  type ChangeRisk,
  type ChangeStatus,
  type ChangeType,
  type Tally,
} from '../../../shared/itsm/rules';

function bad(path: string, message: string): AppError {
  return new AppError('invalid_input', message, [{ path: [path], message }]);
}

const POLICY_ID = teamSettingId('change_approvals');

export function approvalPolicy(sqlite: Database.Database): ChangeApprovalPolicy {
  const text = sqlite.prepare('SELECT value FROM team_settings WHERE id = ? AND deleted_hlc IS NULL').pluck().get(POLICY_ID) as string | undefined;
  return parseSettingValue('change_approvals', text) ?? DEFAULT_APPROVAL_POLICY;
}

export function setApprovalPolicy(ctx: Ctx, input: CallParsed<'changes.setPolicy'>): ChangeApprovalPolicy {
  const a = requireActor(ctx);
  if (a.role !== 'admin') throw new AppError('forbidden', 'Only administrators set who approves changes.');
  assertRow(ctx.store.sqlite, 'groups', input.groupId, 'groupId', 'group');
  write(ctx, (w) => putRow(ctx.store.sqlite, w, 'team_settings', POLICY_ID, { key: 'change_approvals', value: JSON.stringify(input) }));
  return approvalPolicy(ctx.store.sqlite);
}

function groupsOf(sqlite: Database.Database, userId: string): string[] {
  return sqlite.prepare('SELECT group_id FROM group_members WHERE user_id = ? AND deleted_hlc IS NULL').pluck().all(userId) as string[];
}

interface ChangeRow {
  id: string;
  scope_id: string;
  number: string;
  type: ChangeType;
  title: string;
  description: string | null;
  status: ChangeStatus;
  risk: ChangeRisk;
  impact: string | null;
  implementation_plan: string | null;
  test_plan: string | null;
  backout_plan: string | null;
  window_start: string | null;
  window_end: string | null;
  owner_id: string | null;
  owner_name: string | null;
  group_id: string | null;
  site_name: string | null;
  created_by: string;
  approval_round: string | null;
  created_at: string;
  updated_at: string;
}

interface VoteRow {
  id: string;
  change_id: string;
  approver_id: string;
  approver_name: string | null;
  decision: ApprovalDecision;
  comment: string | null;
  round: string | null;
  created_at: string;
}

const SELECT = `SELECT c.*, u.display_name AS owner_name, s.name AS site_name FROM changes c
  LEFT JOIN users u ON u.id = c.owner_id LEFT JOIN sites s ON s.id = c.scope_id`;

function rowOrThrow(sqlite: Database.Database, id: string): ChangeRow {
  const r = sqlite.prepare(`${SELECT} WHERE c.id = ? AND c.deleted_hlc IS NULL`).get(id) as ChangeRow | undefined;
  if (!r) throw new AppError('not_found', 'No such change.');
  return r;
}

function votesOf(sqlite: Database.Database, ids: string[]): Map<string, VoteRow[]> {
  const out = new Map<string, VoteRow[]>();
  if (!ids.length) return out;
  const rows = sqlite
    .prepare(
      `SELECT a.id, a.change_id, a.approver_id, u.display_name AS approver_name, a.decision, a.comment, a.round, a.created_at
       FROM change_approvals a LEFT JOIN users u ON u.id = a.approver_id
       WHERE a.change_id IN (SELECT value FROM json_each(?)) AND a.deleted_hlc IS NULL ORDER BY a.created_at, a.id`,
    )
    .all(JSON.stringify(ids)) as VoteRow[];
  for (const r of rows) {
    const list = out.get(r.change_id) ?? [];
    list.push(r);
    out.set(r.change_id, list);
  }
  return out;
}

const asVotes = (rows: VoteRow[]) => rows.map((v) => ({ id: v.id, approverId: v.approver_id, decision: v.decision, at: v.created_at, round: v.round }));

/** The votes of the change's current approval round, counted against its quorum. */
function tallyOf(r: Pick<ChangeRow, 'type' | 'approval_round'>, votes: VoteRow[], policy: ChangeApprovalPolicy): Tally {
  return tally(roundVotes(asVotes(votes), r.approval_round), quorumFor(policy, r.type));
}

/** Statuses whose window no longer holds anything (nothing collides with them). */
const DONE: readonly ChangeStatus[] = ['closed', 'rejected', 'cancelled'];

/**
 * Other live changes whose window overlaps each given change's, on its site or sharing one of its
 * assets. Read in SQL by window (an index), then judged on the effective status (a change rejected by
 * its votes holds no window).
 */
function collisionsFor(sqlite: Database.Database, rows: ChangeRow[], policy: ChangeApprovalPolicy): Map<string, ChangeCollision[]> {
  const out = new Map<string, ChangeCollision[]>();
  const timed = rows.filter((r) => r.window_start && r.window_end);
  if (!timed.length) return out;
  const lo = timed.reduce((m, r) => (r.window_start! < m ? r.window_start! : m), timed[0]!.window_start!);
  const hi = timed.reduce((m, r) => (r.window_end! > m ? r.window_end! : m), timed[0]!.window_end!);
  const others = sqlite
    .prepare(
      `${SELECT} WHERE c.deleted_hlc IS NULL AND c.window_start IS NOT NULL AND c.window_end IS NOT NULL
         AND c.window_start < ? AND c.window_end > ? AND c.status NOT IN ('closed', 'rejected', 'cancelled')`,
    )
    .all(hi, lo) as ChangeRow[];
  const ids = [...new Set([...timed.map((r) => r.id), ...others.map((r) => r.id)])];
  const votes = votesOf(sqlite, others.map((o) => o.id));
  const live = others.filter((o) => !DONE.includes(effectiveStatus(o.status, o.type, tallyOf(o, votes.get(o.id) ?? [], policy))));
  const assetRows = sqlite
    .prepare(
      `SELECT ca.change_id, ca.asset_id, a.tag FROM change_assets ca LEFT JOIN assets a ON a.id = ca.asset_id
       WHERE ca.change_id IN (SELECT value FROM json_each(?)) AND ca.deleted_hlc IS NULL`,
    )
    .all(JSON.stringify(ids)) as { change_id: string; asset_id: string; tag: string | null }[];
  const assets = new Map<string, Map<string, string>>();
  for (const a of assetRows) {
    const m = assets.get(a.change_id) ?? new Map<string, string>();
    m.set(a.asset_id, a.tag ?? a.asset_id);
    assets.set(a.change_id, m);
  }
  for (const r of timed) {
    const mine = assets.get(r.id) ?? new Map<string, string>();
    const found: ChangeCollision[] = [];
    for (const o of live) {
      if (o.id === r.id || !windowsOverlap({ start: r.window_start!, end: r.window_end! }, { start: o.window_start!, end: o.window_end! })) continue;
      const sameSite = o.scope_id === r.scope_id;
      const theirs = assets.get(o.id);
      const shared = theirs ? [...mine.keys()].filter((k) => theirs.has(k)).map((k) => mine.get(k)!) : [];
      if (sameSite || shared.length) found.push({ id: o.id, number: o.number, title: o.title, windowStart: o.window_start!, windowEnd: o.window_end!, sameSite, assetTags: shared.sort() });
    }
    if (found.length) out.set(r.id, found);
  }
  return out;
}

function summaries(sqlite: Database.Database, rows: ChangeRow[], policy: ChangeApprovalPolicy): ChangeSummary[] {
  const votes = votesOf(sqlite, rows.map((r) => r.id));
  const collisions = collisionsFor(sqlite, rows, policy);
  return rows.map((r) => {
    const t = tallyOf(r, votes.get(r.id) ?? [], policy);
    return {
      id: r.id,
      number: r.number,
      type: r.type,
      title: r.title,
      status: effectiveStatus(r.status, r.type, t),
      risk: r.risk,
      windowStart: r.window_start,
      windowEnd: r.window_end,
      siteId: r.scope_id,
      siteName: r.site_name,
      ownerId: r.owner_id,
      ownerName: r.owner_name,
      tally: t,
      collisions: collisions.get(r.id) ?? [],
      updatedAt: r.updated_at,
    };
  });
}

function checkWindow(start: string | null, end: string | null) {
  if ((start === null) !== (end === null)) throw bad('windowEnd', 'A schedule window has a start and an end.');
  if (start !== null && end !== null && end <= start) throw bad('windowEnd', 'The window ends after it starts.');
}

function linkAsset(ctx: Ctx, w: WriteScope, changeId: string, scopeId: string, assetId: string, present: boolean) {
  if (present) assertRow(ctx.store.sqlite, 'assets', assetId, 'assetId', 'asset');
  return setMember(ctx, w, 'change_assets', setRowId('change_assets', changeId, assetId), scopeId, { change_id: changeId, asset_id: assetId }, present);
}

export function createChange(ctx: Ctx, input: CallParsed<'changes.create'>): Change {
  requireItsmStaff(ctx);
  const sqlite = ctx.store.sqlite;
  const scopeId = itsmSite(ctx, input.siteId, 'changes');
  assertRow(sqlite, 'users', input.ownerId, 'ownerId', 'person');
  assertRow(sqlite, 'groups', input.groupId, 'groupId', 'group');
  checkWindow(input.windowStart ?? null, input.windowEnd ?? null);
  const problem = input.problemId ? (sqlite.prepare('SELECT id FROM problems WHERE id = ? AND deleted_hlc IS NULL').get(input.problemId) as { id: string } | undefined) : undefined;
  if (input.problemId && !problem) throw bad('problemId', 'No such problem.');
  const id = uuidv7();
  write(ctx, (w) => {
    createRecord(ctx, w, 'changes', id, scopeId, {
      number: nextNumber(sqlite, 'CHG', ctx.clock.now()),
      type: input.type,
      title: input.title,
      description: input.description ?? null,
      status: 'draft',
      risk: input.risk ?? 'medium',
      impact: input.impact ?? null,
      implementation_plan: input.implementationPlan ?? null,
      test_plan: input.testPlan ?? null,
      backout_plan: input.backoutPlan ?? null,
      window_start: input.windowStart ?? null,
      window_end: input.windowEnd ?? null,
      owner_id: input.ownerId ?? null,
      group_id: input.groupId ?? null,
      created_by: w.actorId,
    });
    for (const a of input.assetIds ?? []) linkAsset(ctx, w, id, scopeId, a, true);
    if (problem) updateRecord(ctx, w, 'problems', problem.id, { fix_change_id: id });
  });
  return getChange(ctx, id);
}

export function updateChange(ctx: Ctx, input: CallParsed<'changes.update'>): Change {
  requireItsmStaff(ctx);
  const sqlite = ctx.store.sqlite;
  const row = rowOrThrow(sqlite, input.id);
  assertRow(sqlite, 'users', input.ownerId, 'ownerId', 'person');
  assertRow(sqlite, 'groups', input.groupId, 'groupId', 'group');
  if (input.type !== undefined && input.type !== row.type && row.status !== 'draft' && row.status !== 'assessment') throw bad('type', 'The type of a change is fixed once it goes for approval.');
  const start = input.windowStart !== undefined ? input.windowStart : row.window_start;
  const end = input.windowEnd !== undefined ? input.windowEnd : row.window_end;
  checkWindow(start, end);
  const values: Values = {
    title: input.title,
    type: input.type,
    description: input.description,
    risk: input.risk,
    impact: input.impact,
    implementation_plan: input.implementationPlan,
    test_plan: input.testPlan,
    backout_plan: input.backoutPlan,
    window_start: input.windowStart,
    window_end: input.windowEnd,
    owner_id: input.ownerId,
    group_id: input.groupId,
  };
  // A new plan asks for approval again: the votes given on the earlier one stop counting. A new round
  // is started whatever the status this device sees, so the edit still holds if, meanwhile, another
  // device sent the change for approval (the server refuses a plan edit under votes without one).
  if (changedPlanFields(row as unknown as Record<string, unknown>, values).length) values.approval_round = uuidv7();
  write(ctx, (w) => updateRecord(ctx, w, 'changes', input.id, values));
  return getChange(ctx, input.id);
}

export function moveChange(ctx: Ctx, input: CallParsed<'changes.move'>): Change {
  requireItsmStaff(ctx);
  const sqlite = ctx.store.sqlite;
  const row = rowOrThrow(sqlite, input.id);
  const policy = approvalPolicy(sqlite);
  const t = tallyOf(row, votesOf(sqlite, [row.id]).get(row.id) ?? [], policy);
  const refusal = changeMoveRefusal(row.status, input.to, row.type, t);
  if (refusal) throw new AppError('invalid_transition', refusal);
  // What an approver or an implementer needs before the change leaves the planning stage.
  if ((input.to === 'awaiting_approval' || (input.to === 'scheduled' && row.type === 'standard')) && (!row.window_start || !row.window_end)) {
    throw bad('windowStart', `Give the change a schedule window before it goes to ${CHANGE_STATUS_LABELS[input.to].toLowerCase()}.`);
  }
  if (input.to === 'awaiting_approval' && !row.backout_plan?.trim()) throw bad('backoutPlan', 'Write the back-out plan before the change goes for approval.');
  write(ctx, (w) => updateRecord(ctx, w, 'changes', row.id, { status: input.to }));
  return getChange(ctx, row.id);
}

export function voteChange(ctx: Ctx, input: CallParsed<'changes.vote'>): Change {
  const actor = requireItsmStaff(ctx);
  const sqlite = ctx.store.sqlite;
  const row = rowOrThrow(sqlite, input.id);
  if (row.type === 'standard') throw new AppError('invalid_transition', 'Standard changes are pre-approved; they take no votes.');
  if (row.status !== 'awaiting_approval' && row.status !== 'scheduled') throw new AppError('invalid_transition', 'Votes are taken while a change awaits approval.');
  const policy = approvalPolicy(sqlite);
  if (!isChangeApprover(actor, groupsOf(sqlite, actor.id), policy)) throw new AppError('forbidden', 'Only change approvers (administrators and the approvers’ group) vote on changes.');
  if (input.decision === 'reject' && !input.comment) throw bad('comment', 'Say why the change is rejected.');
  write(ctx, (w) =>
    appendRecord(ctx, w, 'change_approvals', uuidv7(), row.scope_id, {
      change_id: row.id,
      approver_id: w.actorId,
      decision: input.decision,
      comment: input.comment ?? null,
      round: row.approval_round,
    }),
  );
  return getChange(ctx, row.id);
}

export function linkChangeAsset(ctx: Ctx, input: CallParsed<'changes.linkAsset'>): Change {
  requireItsmStaff(ctx);
  const sqlite = ctx.store.sqlite;
  const row = rowOrThrow(sqlite, input.id);
  const member = sqlite.prepare('SELECT deleted_hlc IS NULL AS present FROM change_assets WHERE id = ?').get(setRowId('change_assets', row.id, input.assetId)) as { present: number } | undefined;
  const differs = !!member?.present !== input.present;
  write(ctx, (w) => {
    // The affected assets are part of what is approved: a new round first, so the server sees it before the asset.
    if (differs) updateRecord(ctx, w, 'changes', row.id, { approval_round: uuidv7() });
    linkAsset(ctx, w, row.id, row.scope_id, input.assetId, input.present);
  });
  return getChange(ctx, row.id);
}

export function getChange(ctx: Ctx, id: string): Change {
  const actor = requireActor(ctx);
  const sqlite = ctx.store.sqlite;
  const r = rowOrThrow(sqlite, id);
  const policy = approvalPolicy(sqlite);
  const [summary] = summaries(sqlite, [r], policy);
  const voteRows = votesOf(sqlite, [id]).get(id) ?? [];
  const latest = new Set(latestVotes(roundVotes(asVotes(voteRows), r.approval_round)).map((v) => v.id));
  const votes: ChangeVote[] = voteRows.map((v) => {
    const earlier = (v.round ?? null) !== (r.approval_round ?? null);
    return {
      id: v.id,
      approverId: v.approver_id,
      approverName: v.approver_name ?? 'Unknown',
      decision: v.decision,
      comment: v.comment,
      at: v.created_at,
      superseded: !earlier && !latest.has(v.id),
      earlierPlan: earlier,
    };
  });
  const staff = actor.role === 'admin' || actor.role === 'technician';
  const s = summary!;
  const moves = staff ? changeMoves(r.type, s.status).filter((to) => changeMoveRefusal(r.status, to, r.type, s.tally) === null) : [];
  const assets = sqlite
    .prepare(
      `SELECT a.id, a.tag, a.name FROM change_assets ca JOIN assets a ON a.id = ca.asset_id
       WHERE ca.change_id = ? AND ca.deleted_hlc IS NULL AND a.deleted_hlc IS NULL ORDER BY a.tag`,
    )
    .all(id) as { id: string; tag: string; name: string }[];
  const problems = sqlite.prepare('SELECT id, number, title FROM problems WHERE fix_change_id = ? AND deleted_hlc IS NULL ORDER BY number').all(id) as Change['problems'];
  return {
    ...s,
    description: r.description,
    impact: r.impact,
    implementationPlan: r.implementation_plan,
    testPlan: r.test_plan,
    backoutPlan: r.backout_plan,
    groupId: r.group_id,
    assets,
    votes,
    moves,
    canVote: staff && r.type !== 'standard' && (r.status === 'awaiting_approval' || r.status === 'scheduled') && isChangeApprover(actor, groupsOf(sqlite, actor.id), policy),
    problems,
    createdAt: r.created_at,
  };
}

/** Raw statuses a change may hold while its votes make it show as one of `wanted`. */
function rawStatusesFor(wanted: readonly ChangeStatus[]): ChangeStatus[] {
  const out = new Set<ChangeStatus>(wanted);
  if (wanted.some((s) => VOTED.includes(s))) for (const s of VOTED) out.add(s);
  return [...out];
}

/** Statuses the votes decide between while a change awaits approval (effectiveStatus). */
const VOTED: readonly ChangeStatus[] = ['awaiting_approval', 'scheduled', 'rejected'];

function changeWhere(input: ChangeFilter): { where: string[]; args: unknown[] } {
  const where = ['c.deleted_hlc IS NULL'];
  const args: unknown[] = [];
  if (input.q) {
    where.push("(c.title LIKE ? ESCAPE '\\' OR c.number LIKE ? ESCAPE '\\')");
    const like = `%${input.q.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`;
    args.push(like, like);
  }
  if (input.type) {
    where.push('c.type = ?');
    args.push(input.type);
  }
  if (input.siteId) {
    where.push('c.scope_id = ?');
    args.push(input.siteId);
  }
  if (input.from) {
    where.push('c.window_end > ?');
    args.push(input.from);
  }
  if (input.to) {
    where.push('c.window_start < ?');
    args.push(input.to);
  }
  if (input.status?.length) {
    const raw = rawStatusesFor(input.status);
    where.push(`c.status IN (${raw.map(() => '?').join(', ')})`);
    args.push(...raw);
  }
  return { where, args };
}

/** How many changes match: the stored status decides, except for those whose votes decide (read with their votes). */
function countChanges(sqlite: Database.Database, input: ChangeFilter, policy: ChangeApprovalPolicy): number {
  const { where, args } = changeWhere(input);
  const wanted = input.status;
  if (!wanted?.length) return sqlite.prepare(`SELECT count(*) FROM changes c WHERE ${where.join(' AND ')}`).pluck().get(...args) as number;
  const plain = sqlite
    .prepare(`SELECT count(*) FROM changes c WHERE ${where.join(' AND ')} AND NOT (c.type != 'standard' AND c.status IN ('awaiting_approval', 'scheduled'))`)
    .pluck()
    .get(...args) as number;
  const voted = sqlite
    .prepare(`SELECT c.id, c.type, c.status, c.approval_round FROM changes c WHERE ${where.join(' AND ')} AND c.type != 'standard' AND c.status IN ('awaiting_approval', 'scheduled')`)
    .all(...args) as ChangeRow[];
  const votes = votesOf(sqlite, voted.map((r) => r.id));
  return plain + voted.filter((r) => wanted.includes(effectiveStatus(r.status, r.type, tallyOf(r, votes.get(r.id) ?? [], policy)))).length;
}

const PAGE_READ = 200;

/**
 * Changes newest number first, in keyset pages (`cursor`: the last number shown). The status filter
 * reads the effective status (votes decide while a change awaits approval): rows are read in pages
 * narrowed in SQL to the stored statuses that can show as the wanted ones, then judged with their votes.
 */
export function listChanges(
  ctx: Ctx,
  input: ChangeFilter & { limit: number; offset: number; cursor?: string | null | undefined },
): { items: ChangeSummary[]; total: number; nextCursor: string | null } {
  requireActor(ctx);
  const sqlite = ctx.store.sqlite;
  const policy = approvalPolicy(sqlite);
  const { where, args } = changeWhere(input);
  const total = countChanges(sqlite, input, policy);
  const out: ChangeSummary[] = [];
  let skip = input.cursor ? 0 : input.offset;
  let after = input.cursor ?? null;
  const want = input.limit + 1;
  for (;;) {
    const rows = sqlite
      .prepare(`${SELECT} WHERE ${where.join(' AND ')}${after ? ' AND c.number < ?' : ''} ORDER BY c.number DESC LIMIT ?`)
      .all(...args, ...(after ? [after] : []), PAGE_READ) as ChangeRow[];
    if (!rows.length) break;
    after = rows.at(-1)!.number;
    let items = summaries(sqlite, rows, policy);
    if (input.status?.length) items = items.filter((i) => input.status!.includes(i.status));
    if (skip) {
      const n = Math.min(skip, items.length);
      items = items.slice(n);
      skip -= n;
    }
    out.push(...items.slice(0, want - out.length));
    if (out.length >= want || rows.length < PAGE_READ) break;
  }
  const more = out.length > input.limit;
  if (more) out.pop();
  return { items: out, total, nextCursor: more ? out.at(-1)!.number : null };
}

export function changeCalendar(ctx: Ctx, input: CallParsed<'changes.calendar'>): { items: ChangeSummary[] } {
  if (input.to <= input.from) throw bad('to', 'The calendar ends after it starts.');
  const { items } = listChanges(ctx, { from: input.from, to: input.to, ...(input.siteId ? { siteId: input.siteId } : {}), limit: 500, offset: 0 });
  const key = (i: ChangeSummary) => `${i.windowStart!}|${i.number}`;
  return { items: items.filter((i) => !DONE.includes(i.status)).sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0)) };
}

/**
 * Changes that wait for the signed-in person's vote: they approve changes, the change awaits approval
 * (its votes do not decide it yet) and they have not voted in its current round. `votedEarlier`: they
 * voted on an earlier plan, which a later edit set aside.
 */
export function changesAwaitingApprovalBy(ctx: Ctx): { id: string; number: string; title: string; windowStart: string | null; round: string | null; votedEarlier: boolean }[] {
  const actor = requireActor(ctx);
  if (actor.role !== 'admin' && actor.role !== 'technician') return [];
  const sqlite = ctx.store.sqlite;
  const policy = approvalPolicy(sqlite);
  if (!isChangeApprover(actor, groupsOf(sqlite, actor.id), policy)) return [];
  const rows = sqlite
    .prepare(`${SELECT} WHERE c.deleted_hlc IS NULL AND c.type != 'standard' AND c.status IN ('awaiting_approval', 'scheduled') ORDER BY c.window_start, c.number`)
    .all() as ChangeRow[];
  const votes = votesOf(sqlite, rows.map((r) => r.id));
  return rows.flatMap((r) => {
    const all = votes.get(r.id) ?? [];
    if (effectiveStatus(r.status, r.type, tallyOf(r, all, policy)) !== 'awaiting_approval') return [];
    const mine = all.filter((v) => v.approver_id === actor.id);
    if (mine.some((v) => (v.round ?? null) === (r.approval_round ?? null))) return [];
    return [{ id: r.id, number: r.number, title: r.title, windowStart: r.window_start, round: r.approval_round, votedEarlier: mine.length > 0 }];
  });
}
