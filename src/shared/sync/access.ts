/**
 * Who may write and read which synced records, judged from the entity descriptions in entities.ts.
 * The server runs `judgeWrite` on every pushed op against the record as it is stored and as it will
 * be after the op (its final site, owner and status), never trusting the op's envelope; the pull
 * filter runs `mayRead` and `publicData`; a device runs the same judgement before it queues an op,
 * so a person sees a refusal at once instead of after the next sync.
 */
import { OPEN_STATUSES, TICKET_STATUSES, canTransition, type TicketStatus } from '../tickets/rules';
import { ENTITY_RULES, META_KEYS, isKnownEntity, ruleFor, validateFields, writeRefusal, type EntityRule, type ReadRule, type WriterRole } from './entities';
import { FOLLOWING_CHILD } from './following';
import { KB_CONTENT_FIELDS, KB_START_STATUSES, kbMoveRefusal } from '../kb/rules';
import type { RecordState } from './merge';
import type { WireOpKind } from './wire';
import {
  CHANGE_STATUSES,
  changeMoveRefusal,
  quorumFor,
  replanAsksApproval,
  replanRefusal,
  roundVotes,
  tally,
  type ChangeApprovalPolicy,
  type ChangeStatus,
  type ChangeType,
  type Vote,
} from '../itsm/rules';

export const GLOBAL = 'global';

/** The signed-in person as the server knows them (never as the device says). */
export interface Principal {
  /** The person's id: what identity fields (author, actor, owner, requester) hold. */
  id: string;
  role: WriterRole;
  /** Sites the person holds; null = every site. */
  sites: readonly string[] | null;
}

export interface WriteInput {
  kind: WireOpKind;
  entity: string;
  recordId: string;
  /** The envelope's site: only a hint, used for a new record that names none in its payload. */
  scopeId: string;
  payload: Record<string, unknown>;
}

/**
 * What the server knows beyond the record and its parent, for rules that read other records: a
 * change's votes, the team's approval policy and the groups the writer belongs to. A device's own
 * guard passes none (its services check the same rules on the device's data).
 */
export interface WriteFacts {
  votes: Vote[];
  policy: ChangeApprovalPolicy;
  /** Groups the writer belongs to. */
  groups: readonly string[];
}

export type Judgement =
  | { ok: true; kind: WireOpKind; payload: Record<string, unknown>; scopeId: string }
  | { ok: false; reason: string };

/** Fields a status move may carry, beside the status itself (see services/tickets applyTransition). */
export const TRANSITION_FIELDS: readonly string[] = [
  'is_open',
  'assignee_id',
  'pending_reason',
  'resolution_code',
  'resolution_notes',
  'resolved_at',
  'closed_at',
  'first_response_at',
  'sla_met',
  // What SLA applied, recorded when the ticket is resolved (services/sla).
  'sla_policy_id',
  'sla_response_met',
  'sla_resolution_target_minutes',
];
/** What a requester's own moves may carry: no assignee, no first-response time. */
const REQUESTER_TRANSITION_FIELDS: readonly string[] = ['is_open', 'pending_reason', 'resolution_code', 'resolution_notes', 'resolved_at', 'closed_at'];
/** Fields a requester may give a ticket they raise (former_number is replaced by the server, as for everyone). */
const REQUESTER_CREATE_FIELDS: readonly string[] = ['number', 'former_number', 'type', 'title', 'description', 'category', 'subcategory', 'impact', 'urgency', 'priority', 'priority_overridden', 'status', 'is_open', 'requester_id', 'contact_channel', 'linked_asset_id', 'opened_at', 'catalogue_item_id', 'form_answers', 'assignee_id', 'group_id', 'pending_reason', 'resolution_code', 'resolution_notes', 'first_response_at', 'resolved_at', 'closed_at'];

export function requesterMayMove(from: string, to: string): boolean {
  return (from === 'resolved' && (to === 'in_progress' || to === 'closed')) || (to === 'cancelled' && (OPEN_STATUSES as readonly string[]).includes(from));
}

const isPlain = (v: unknown) => v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
const words = (entity: string) => entity.replace(/_/g, ' ');

function holds(p: Principal, scope: string): boolean {
  return scope === GLOBAL || p.sites === null || p.sites.includes(scope);
}

/** The columns of a payload, refusing meta keys and non-plain values (they would be stored as-is). */
function columnsOf(entity: string, values: Record<string, unknown>, where: string): { cols: Record<string, unknown> } | { reason: string } {
  const cols: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(values)) {
    if (META_KEYS.has(k)) return { reason: `${where} of ${words(entity)} cannot carry "${k}".` };
    if (!isPlain(v)) return { reason: `${entity}.${k} must be a plain value (text, number, true/false or empty), not ${Array.isArray(v) ? 'a list' : 'an object'}.` };
    cols[k] = v;
  }
  const bad = validateFields(entity, cols);
  return bad ? { reason: bad } : { cols };
}

/**
 * Judges one op. `current` is the record as stored (null when new); `parent` is the record a child
 * belongs to (its ticket, asset, audit), when the rule names one. Returns the payload to apply, with
 * identity fields set from the principal and fields no client may write removed, or why it is refused.
 */
export function judgeWrite(
  p: Principal,
  op: WriteInput,
  current: RecordState | null,
  parent: RecordState | null,
  /**
   * The site a new child names, when its parent left that site after the author last pulled: the
   * child was written while the parent was there, so holding that site is enough (it is stored
   * where the parent is now). The server checks this against its log of moves.
   */
  parentLeft: string | null = null,
  facts: WriteFacts | null = null,
): Judgement {
  const refuse = (reason: string): Judgement => ({ ok: false, reason });
  if (!isKnownEntity(op.entity)) return refuse(`Outpost does not sync "${op.entity}" records; this op cannot be stored.`);
  const rule = ENTITY_RULES[op.entity]!;
  // A create of a record that exists is an edit of it, and judged as one.
  const exists = current !== null;
  const kind: WireOpKind = op.kind === 'create' && exists && rule.merge === 'record' ? 'setFields' : op.kind;
  const raw = op.payload;

  // 1. The op's own shape: which keys each kind carries, and only plain values in known columns.
  let payload: Record<string, unknown>;
  if (kind === 'transition') {
    if (!rule.status) return refuse(`${words(op.entity)} have no status to change.`);
    const extra = Object.keys(raw).filter((k) => k !== 'from' && k !== 'to' && k !== 'fields');
    if (extra.length) return refuse(`A status change carries from, to and fields only, not ${extra.join(', ')}.`);
    if (!(TICKET_STATUSES as readonly unknown[]).includes(raw.to)) return refuse(`"${String(raw.to)}" is not a status.`);
    if (raw.from !== undefined && !(TICKET_STATUSES as readonly unknown[]).includes(raw.from)) return refuse(`"${String(raw.from)}" is not a status.`);
    const f = raw.fields ?? {};
    if (typeof f !== 'object' || f === null || Array.isArray(f)) return refuse('A status change carries its fields as an object.');
    const c = columnsOf(op.entity, f as Record<string, unknown>, 'A status change');
    if ('reason' in c) return refuse(c.reason);
    const allowed = p.role === 'requester' ? REQUESTER_TRANSITION_FIELDS : TRANSITION_FIELDS;
    const { status: _status, ...rest } = c.cols;
    const stray = Object.keys(rest).filter((k) => !allowed.includes(k));
    if (stray.length) return refuse(`A status change cannot also change ${stray.join(', ')}; edit those separately.`);
    payload = { ...(raw.from !== undefined ? { from: raw.from } : {}), to: raw.to, fields: { ...rest, status: raw.to } };
  } else if (kind === 'restore') {
    const extra = Object.keys(raw).filter((k) => k !== 'fields');
    if (extra.length) return refuse(`A restore carries its fields only, not ${extra.join(', ')}.`);
    const f = raw.fields ?? {};
    if (typeof f !== 'object' || f === null || Array.isArray(f)) return refuse('A restore carries its fields as an object.');
    const c = columnsOf(op.entity, f as Record<string, unknown>, 'A restore');
    if ('reason' in c) return refuse(c.reason);
    payload = { fields: c.cols };
  } else if (kind === 'delete') {
    payload = {};
  } else {
    // A site move names the site it leaves; the server knows it already, so the hint is dropped.
    const { from_scope: _from, ...rest } = raw;
    const c = columnsOf(op.entity, rest, kind === 'setFields' ? 'An edit' : 'A new record');
    if ('reason' in c) return refuse(c.reason);
    payload = c.cols;
  }
  const values = (kind === 'transition' || kind === 'restore' ? payload.fields : payload) as Record<string, unknown>;

  // 2. Fields no client writes: secrets are never stored; identity comes from the principal;
  //    fixed fields only at creation; server-created records only in their client fields.
  for (const f of rule.secret ?? []) delete values[f];
  const creating = !exists && (kind === 'create' || kind === 'append' || kind === 'setAdd');
  if (rule.serverCreated) {
    if (!exists) return refuse(`Only the server records ${words(op.entity)}.`);
    const stray = Object.keys(values).filter((k) => k !== 'scope_id' && !rule.serverCreated!.clientFields.includes(k));
    if (kind !== 'setFields' || stray.length || 'scope_id' in values) return refuse(`Only the status and resolution of ${words(op.entity)} can be changed.`);
    if ('resolved_by' in values || 'status' in values) values.resolved_by = values.status === 'open' ? null : p.id;
  }
  for (const f of rule.identity ?? []) {
    if (creating) values[f] = p.id;
    else delete values[f];
  }
  if (rule.owner) {
    if (creating) values[rule.owner] = p.id;
    else if (current && current.data[rule.owner] !== p.id) return refuse(`This ${words(op.entity).replace(/s$/, '')} belongs to someone else.`);
    else delete values[rule.owner];
  }
  if (!creating) for (const f of rule.fixed ?? []) delete values[f];
  if (exists && rule.status && kind !== 'transition') {
    // The status only ever moves through status changes, along the machine.
    delete values.status;
    delete values.is_open;
  }

  // 3. The role may write this type at all, within its per-role limits (judged on what is left).
  const limited = writeRefusal(op.entity, p.role, kind, kind === 'transition' ? raw : kind === 'restore' ? payload : values);
  if (limited) return refuse(limited);

  // 4. Where the record ends: its own site, or its parent's for a child; both ends of a move are held.
  const named = typeof values.scope_id === 'string' ? values.scope_id : null;
  if ('scope_id' in values && typeof values.scope_id !== 'string') return refuse('scope_id must be a site id.');
  let finalScope: string;
  if (current) finalScope = named ?? current.scopeId;
  // A child that follows its parent between sites is stored where the parent is (the server re-homes it).
  else if (parent && FOLLOWING_CHILD.has(op.entity)) finalScope = parent.scopeId;
  else finalScope = named ?? op.scopeId;
  if (!exists && named === null && kind !== 'setRemove') values.scope_id = op.scopeId;
  if (rule.home === 'site' && finalScope === GLOBAL) return refuse(`${words(op.entity)} belong to a site, not to the whole team.`);
  if (rule.home === 'global' && finalScope !== GLOBAL) return refuse(`${words(op.entity)} are team-wide; they cannot be put in a site.`);
  if (current && !holds(p, current.scopeId)) return refuse(`You do not have access to site ${current.scopeId}.`);
  const wroteBeforeMove = !current && parentLeft !== null && (named ?? op.scopeId) === parentLeft && holds(p, parentLeft);
  if (!holds(p, finalScope) && !wroteBeforeMove) return refuse(`You do not have access to site ${finalScope}.`);
  if (parent && rule.parent && parent.scopeId !== GLOBAL && !holds(p, parent.scopeId) && !wroteBeforeMove) return refuse(`You do not have access to site ${parent.scopeId}.`);
  if (finalScope === GLOBAL && p.role !== 'admin' && !rule.globalWriters?.includes(p.role) && !rule.owner && !rule.serverCreated) {
    return refuse(`Only administrators change team-wide ${words(op.entity)}.`);
  }

  // 5. Per-type rules a description cannot say.
  const r = roleRules(p, op.entity, rule, kind, values, current, parent, raw) ?? itsmRules(p, op.entity, kind, values, current, parent, facts);
  if (r) return refuse(r);
  return { ok: true, kind, payload, scopeId: finalScope };
}

function roleRules(
  p: Principal,
  entity: string,
  rule: EntityRule,
  kind: WireOpKind,
  values: Record<string, unknown>,
  current: RecordState | null,
  parent: RecordState | null,
  raw: Record<string, unknown>,
): string | null {
  if (entity === 'tickets') {
    if (kind === 'delete') return 'Tickets are never deleted; cancel them instead.';
    if (kind === 'restore') return 'Tickets are never deleted, so there is nothing to restore.';
    if (kind === 'transition' && current) {
      const from = current.data.status as TicketStatus;
      const to = raw.to as TicketStatus;
      if (raw.from !== undefined && raw.from !== to && !canTransition(raw.from as TicketStatus, to)) return `A ${String(raw.from)} ticket cannot move to ${to}.`;
      if (p.role === 'requester' && !(from === to || requesterMayMove(from, to))) return 'Requesters can reopen or close their resolved tickets, or cancel their open ones.';
    }
    if (p.role === 'requester') {
      const own = current ? current.data.requester_id === p.id : true;
      if (!own) return 'Requesters can change only their own tickets.';
      if (kind === 'setFields') return 'Requesters cannot edit ticket fields; add a comment instead.';
      if (!current && kind === 'create') {
        // A device sends every field of a new ticket; the ones a requester may not set must be empty.
        const stray = Object.keys(values).filter((k) => k !== 'scope_id' && !REQUESTER_CREATE_FIELDS.includes(k) && values[k] !== null);
        if (stray.length) return `Requesters cannot set ${stray.join(', ')} on a new ticket.`;
        if (values.assignee_id || values.group_id) return 'Requesters cannot assign tickets.';
        if (values.status !== 'new') return 'A requester’s new ticket starts as new.';
        if (values.priority_overridden) return 'Requesters cannot override the priority.';
        values.requester_id = p.id;
      }
    }
    return null;
  }
  if (p.role === 'requester' && rule.parent?.entity === 'tickets') {
    if (!parent || parent.data.requester_id !== p.id) return 'Requesters can write only on their own tickets.';
    if (entity === 'ticket_comments' && (values.internal === 1 || values.internal === true)) return 'Requesters cannot write internal notes.';
    if (entity === 'ticket_history') {
      if (values.kind !== 'status') return 'Requesters can only record their own status changes.';
      // Only the moves a requester makes: raising the ticket, cancelling it, reopening or closing it
      // once resolved. A row claiming another move (a resolution, an assignment) would put words in
      // the team's mouth on the ticket's timeline.
      const from = values.from_value ?? null;
      const to = String(values.to_value ?? '');
      if (from === null ? to !== 'new' : !requesterMayMove(String(from), to)) {
        return `A requester's history records only the moves a requester makes (raising, cancelling, reopening or closing once resolved), not ${from === null ? 'a start' : String(from)} → ${to || 'nothing'}.`;
      }
    }
  }
  if (entity === 'kb_articles') return kbArticleRules(p, kind, values, current);
  if (entity === 'ticket_watchers' && p.role !== 'admin' && p.role !== 'technician') {
    const who = current ? current.data.user_id : values.user_id;
    if (who !== p.id) return 'You can add or remove only yourself as a watcher.';
  }
  if (entity === 'users' && current && 'role' in values && current.id === p.id && values.role !== 'admin') return 'Administrators cannot take away their own administrator role.';
  // Auto-resolved is what the server makes of an overwritten contested field, never a client's choice.
  if (entity === 'sync_conflicts' && values.status === 'auto') return 'Only the server marks a conflict as settled automatically; resolve it instead.';
  if (entity === 'sync_conflicts' && current) {
    // Resolving a conflict writes its field: the resolver must be allowed to write that record.
    const about = String(current.data.entity ?? '');
    const field = String(current.data.field ?? '');
    if (isKnownEntity(about)) {
      const target = ruleFor(about);
      if (!target.writers.includes(p.role)) return `Your role (${p.role}) cannot change ${words(about)}, so it cannot settle this conflict.`;
      if (field && (target.secret?.includes(field) || target.identity?.includes(field) || target.fixed?.includes(field))) return `No one settles ${about}.${field} through the Conflicts inbox.`;
    }
  }
  return null;
}

/**
 * The knowledge base's status machine and publishing right (shared/kb/rules.ts): a new article starts
 * as a draft or in review; only administrators publish, retire, or change what readers of a
 * published article see.
 */
function kbArticleRules(p: Principal, kind: WireOpKind, values: Record<string, unknown>, current: RecordState | null): string | null {
  if (kind === 'delete' && p.role !== 'admin') return 'Only administrators delete knowledge articles; retire or send them back to draft instead.';
  if (!current) {
    if (kind === 'create' && !(KB_START_STATUSES as readonly unknown[]).includes(values.status) && p.role !== 'admin') return 'A new article starts as a draft or in review; an administrator publishes it.';
    return null;
  }
  const from = String(current.data.status ?? '');
  if ('status' in values && values.status !== from) {
    const refusal = kbMoveRefusal(p.role, from, String(values.status));
    if (refusal) return refusal;
  }
  const status = String(values.status ?? from);
  if (p.role !== 'admin') {
    if ('version' in values || 'published_at' in values) return 'Only administrators publish knowledge articles.';
    if (status === 'published' && KB_CONTENT_FIELDS.some((f) => f in values && values[f] !== current.data[f])) {
      return 'Only administrators change a published article; send it back to draft to rework it.';
    }
  }
  return null;
}

/** Whether a person approves changes under the team's policy: administrators, and the policy's group. */
export function isChangeApprover(p: { role: WriterRole }, groups: readonly string[], policy: ChangeApprovalPolicy): boolean {
  return p.role === 'admin' || (policy.groupId !== null && groups.includes(policy.groupId));
}

/**
 * Changes and their votes: a change starts as a draft, moves only along the machine judged on its
 * votes (so no client schedules it without its quorum), keeps its type once it goes for approval,
 * and is never deleted; votes are taken while the change awaits approval (or was scheduled by its
 * votes), from approvers only, and never on standard changes.
 */
function itsmRules(
  p: Principal,
  entity: string,
  kind: WireOpKind,
  values: Record<string, unknown>,
  current: RecordState | null,
  parent: RecordState | null,
  facts: WriteFacts | null,
): string | null {
  if (entity === 'changes') {
    if (kind === 'delete' || kind === 'restore') return 'Changes are never deleted; cancel them instead.';
    if (!current) return values.status === undefined || values.status === 'draft' ? null : 'A new change starts as a draft.';
    const stored = current.data.status as ChangeStatus;
    const type = current.data.type as ChangeType;
    if ('type' in values && values.type !== type && stored !== 'draft' && stored !== 'assessment') return 'The type of a change is fixed once it goes for approval.';
    const replan = replanRefusal(current.data, values);
    if (replan) return replan;
    if ('status' in values && values.status !== stored && facts) {
      if (!(CHANGE_STATUSES as readonly unknown[]).includes(values.status)) return `"${String(values.status)}" is not a change status.`;
      const round = 'approval_round' in values ? values.approval_round : current.data.approval_round;
      return changeMoveRefusal(stored, values.status as ChangeStatus, type, tally(roundVotes(facts.votes, round as string | null), quorumFor(facts.policy, type)));
    }
    return null;
  }
  // The affected assets are part of what was approved: a client changes them under votes already
  // given in the change's current round only after starting a new round (as the device does).
  if (entity === 'change_assets' && parent && facts && replanAsksApproval(parent.data.status as ChangeStatus, parent.data.type as ChangeType)) {
    if (roundVotes(facts.votes, parent.data.approval_round as string | null).length) return 'Changing the assets of a change that awaits approval asks for approval again: start a new approval round first.';
    return null;
  }
  if (entity === 'change_approvals') {
    if (!parent) return null;
    if (parent.data.type === 'standard') return 'Standard changes are pre-approved; they take no votes.';
    if (parent.data.status !== 'awaiting_approval' && parent.data.status !== 'scheduled') return 'Votes are taken while a change awaits approval.';
    if (facts && !isChangeApprover(p, facts.groups, facts.policy)) return 'Only change approvers (administrators and the approvers’ group) vote on changes.';
  }
  return null;
}

/**
 * Whether a person receives a record in a pull. `parent` is the record a child belongs to (for rules
 * that read the owner on the parent); null when it is not on the server.
 */
export function mayRead(p: Principal, entity: string, data: Record<string, unknown>, parent: Record<string, unknown> | null): boolean {
  const rule = ENTITY_RULES[entity];
  if (!rule) return false;
  const r: ReadRule = rule.read?.[p.role] ?? (p.role === 'requester' ? 'none' : 'all');
  if (r === 'all') return true;
  if (r === 'none') return false;
  if ('match' in r) return Object.entries(r.match).every(([k, v]) => data[k] === v);
  const source = r.via === 'parent' ? parent : data;
  if (!source || source[r.own] !== p.id) return false;
  return !(r.unless && (data[r.unless] === 1 || data[r.unless] === true));
}

/** Whether reading this type depends on its parent record (the pull loads parents for these). */
export function readNeedsParent(role: WriterRole, entity: string): boolean {
  const r = ENTITY_RULES[entity]?.read?.[role];
  return typeof r === 'object' && 'via' in r && r.via === 'parent';
}

/** Whether a record of this type that a role may no longer read is taken back from its devices. */
export function readWithdraws(role: WriterRole, entity: string): boolean {
  const r = ENTITY_RULES[entity]?.read?.[role];
  return typeof r === 'object' && 'match' in r && r.withdraw === true;
}

/**
 * Fields that name the reader on the record itself in an `own` read rule (a ticket's requester_id,
 * an asset's assigned_to_id): when one changes, the person it named may no longer read the record.
 */
export function ownerReadFields(entity: string): string[] {
  const out = new Set<string>();
  for (const r of Object.values(ENTITY_RULES[entity]?.read ?? {})) if (typeof r === 'object' && 'own' in r && r.via !== 'parent') out.add(r.own);
  return [...out];
}

/**
 * The record types a role reads by being named on them (a requester: their own tickets, and those
 * tickets' comments and history through the ticket): only for these does that person's device hear
 * that a record stopped naming them (see ownerReadFields). Every other type they read by site, so
 * a record that stops naming them stays theirs to read.
 */
export function entitiesReadByOwnership(role: string): string[] {
  const out: string[] = [];
  for (const [entity, rule] of Object.entries(ENTITY_RULES)) {
    const r = (rule.read as Record<string, unknown> | undefined)?.[role];
    if (typeof r === 'object' && r !== null && 'own' in r) out.push(entity);
  }
  return out;
}

/** Record types whose reading follows their parent's owner (a ticket's comments), with the field naming the parent. */
export function childrenReadViaParent(entity: string): { entity: string; field: string }[] {
  const out: { entity: string; field: string }[] = [];
  for (const [child, rule] of Object.entries(ENTITY_RULES)) {
    if (rule.parent?.entity !== entity) continue;
    if (Object.values(rule.read ?? {}).some((r) => typeof r === 'object' && 'own' in r && r.via === 'parent')) out.push({ entity: child, field: rule.parent.field });
  }
  return out;
}

/** A record's data as a device may see it: secrets removed. */
export function publicData(entity: string, data: Record<string, unknown>): Record<string, unknown> {
  const secret = ENTITY_RULES[entity]?.secret;
  if (!secret?.length) return data;
  const out = { ...data };
  for (const f of secret) delete out[f];
  return out;
}

/** Field names that hold a person's id, in any synced record type. */
export const PERSON_FIELDS: readonly string[] = ['author_id', 'actor_id', 'owner_id', 'assignee_id', 'requester_id', 'user_id', 'assigned_to_id', 'performed_by_id', 'started_by_id', 'auditor_id', 'resolved_by', 'created_by', 'lost_author', 'uploaded_by', 'raised_by'];

/** Every (record type, field) that names a person, from the entity descriptions. */
export function personReferences(): { entity: string; field: string }[] {
  const out: { entity: string; field: string }[] = [];
  for (const [entity, rule] of Object.entries(ENTITY_RULES)) for (const f of Object.keys(rule.fields)) if (PERSON_FIELDS.includes(f)) out.push({ entity, field: f });
  return out;
}
