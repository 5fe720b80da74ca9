/** Ticket lifecycle: create, edit, transition, comment, worklog, bulk actions. */
import type Database from 'better-sqlite3';
import type { Actor, Ctx } from '../core/context';
import { requireActor, write, type WriteScope } from '../core/write';
import { appendRecord, createRecord, setMember, storeOf, touchRecord, transitionRecord, updateRecord, type Value, type Values } from '../core/record';
import { uuidv7 } from '../../../shared/ids';
import { AppError } from '../../../shared/result';
import {
  isOpen,
  numberPrefix,
  priorityFor,
  STATUS_LABELS,
  transitionError,
  type TicketStatus,
  type TicketType,
} from '../../../shared/tickets/rules';
import type { Ticket, TicketDetail, TicketFields, TimelineEntry } from '../../../shared/api/tickets';
import { priorityMatrix } from '../settings/settings';
import { nextNumber } from '../core/numbers';
import { FIELD_COLUMNS, TICKET_SELECT, toTicket, type EditableField } from './mapping';
import { linksOf, watchersOf } from './set-reads';
import { recomputeSla, slaAtResolution } from '../sla/recompute';
import { decideRoute, type RouteDecision } from '../routing/routing';
import { normaliseTag } from './tag-names';
import { setRowId } from '../core/set-ids';

const LONG_TEXT = 500;

function clip(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  const s = String(v);
  return s.length > LONG_TEXT ? s.slice(0, LONG_TEXT) + '…' : s;
}

export function loadTicket(sqlite: Database.Database, id: string): Ticket | null {
  const r = sqlite.prepare(`${TICKET_SELECT} WHERE t.id = ? AND t.deleted_hlc IS NULL`).get(id) as Record<string, unknown> | undefined;
  return r ? toTicket(r) : null;
}

function assertVisible(actor: Actor, t: Ticket | null): Ticket {
  if (!t || (actor.role === 'requester' && t.requesterId !== actor.id)) throw new AppError('not_found', 'No such ticket.');
  return t;
}

export function getTicketOrThrow(ctx: Ctx, id: string): Ticket {
  return assertVisible(requireActor(ctx), loadTicket(ctx.store.sqlite, id));
}

function assertRef(sqlite: Database.Database, table: 'users' | 'groups' | 'sites', id: string | null | undefined, field: string, label: string, staffOnly = false) {
  if (id === null || id === undefined) return;
  const row = sqlite.prepare(`SELECT ${table === 'users' ? 'role, active' : '1 AS ok'} FROM ${table} WHERE id = ? AND deleted_hlc IS NULL`).get(id) as
    | { role?: string; active?: number }
    | undefined;
  if (!row) throw new AppError('invalid_input', `No such ${label}.`, [{ path: ['fields', field], message: `Unknown ${label}.` }]);
  if (staffOnly && (!row.active || !['admin', 'technician'].includes(row.role ?? ''))) {
    throw new AppError('invalid_input', `Only active administrators and technicians can be assigned tickets.`, [{ path: ['fields', field], message: 'Not a technician.' }]);
  }
}

function defaultSite(ctx: Ctx, actor: Actor): string {
  if (actor.siteIds[0]) return actor.siteIds[0];
  const s = ctx.store.sqlite.prepare('SELECT id FROM sites WHERE deleted_hlc IS NULL ORDER BY created_at LIMIT 1').pluck().get() as string | undefined;
  if (!s) throw new AppError('conflict', 'Create a site before creating tickets.');
  return s;
}

export interface NewTicket {
  type: TicketType;
  title: string;
  description?: string;
  impact?: 1 | 2 | 3;
  urgency?: 1 | 2 | 3;
  category?: string | null;
  subcategory?: string | null;
  assigneeId?: string | null;
  groupId?: string | null;
  requesterId?: string | null;
  siteId?: string;
  contactChannel?: string | null;
  linkedAssetId?: string | null;
  /** A request raised from the service catalogue: the item and the answers to its form (JSON). */
  catalogueItemId?: string | null;
  formAnswers?: string | null;
}

export function appendHistory(
  sqlite: Database.Database,
  w: WriteScope,
  ticketId: string,
  scopeId: string,
  h: { kind: 'status' | 'field'; field?: string | null; from?: string | null; to?: string | null; reason?: string | null; id?: string },
) {
  const row = { ticket_id: ticketId, actor_id: w.actorId, kind: h.kind, field: h.field ?? null, from_value: h.from ?? null, to_value: h.to ?? null, reason: h.reason ?? null };
  // The action's own audit event covers its history rows.
  appendRecord(storeOf(sqlite), w, 'ticket_history', h.id ?? uuidv7(), scopeId, row, { audit: false });
}

export function createTicket(ctx: Ctx, input: NewTicket): Ticket {
  const actor = requireActor(ctx);
  const sqlite = ctx.store.sqlite;
  const isRequester = actor.role === 'requester';
  const siteId = input.siteId ?? defaultSite(ctx, actor);
  const requesterId = isRequester ? actor.id : (input.requesterId ?? null);
  // Routing rules run on staff devices (a requester's ticket reaches the server unassigned, as the
  // server requires); they fill in only what the creator left empty.
  const route = isRequester
    ? null
    : decideRoute(sqlite, {
        type: input.type,
        category: input.category ?? null,
        siteId,
        title: input.title,
        description: input.description ?? '',
        requesterId,
        linkedAssetId: input.linkedAssetId ?? null,
        groupId: input.groupId ?? null,
        assigneeId: input.assigneeId ?? null,
      }).decision;
  const assigneeId = isRequester ? null : (route?.assigneeId ?? input.assigneeId ?? null);
  const groupId = isRequester ? null : (route?.groupId ?? input.groupId ?? null);
  assertRef(sqlite, 'users', assigneeId, 'assigneeId', 'assignee', true);
  assertRef(sqlite, 'groups', groupId, 'groupId', 'group');
  assertRef(sqlite, 'users', requesterId, 'requesterId', 'requester');
  assertRef(sqlite, 'sites', siteId, 'siteId', 'site');
  const impact = input.impact ?? 3;
  const urgency = input.urgency ?? 3;
  const priority = route?.priority ?? priorityFor(priorityMatrix(ctx), impact, urgency);
  const status: TicketStatus = assigneeId ? 'assigned' : 'new';
  const id = uuidv7();
  write(ctx, (w) => {
    const number = nextNumber(sqlite, numberPrefix(input.type), ctx.clock.now());
    const row = {
      number,
      type: input.type,
      title: input.title,
      description: input.description ?? '',
      category: input.category ?? null,
      subcategory: input.subcategory ?? null,
      impact,
      urgency,
      priority,
      priority_overridden: route?.priority ? 1 : 0,
      status,
      is_open: 1,
      assignee_id: assigneeId,
      group_id: groupId,
      requester_id: requesterId,
      contact_channel: input.contactChannel ?? (isRequester ? 'portal' : null),
      linked_asset_id: input.linkedAssetId ?? null,
      opened_at: w.now,
      ...(input.catalogueItemId ? { catalogue_item_id: input.catalogueItemId, form_answers: input.formAnswers ?? null } : {}),
    };
    createRecord(ctx, w, 'tickets', id, siteId, row, { audit: { after: { ...row, scope_id: siteId } } });
    appendHistory(sqlite, w, id, siteId, { kind: 'status', from: null, to: status });
    if (route) noteRoute(sqlite, w, id, siteId, route);
    recomputeSla(sqlite, [id]);
  });
  return loadTicket(sqlite, id)!;
}

/** The id of the history line that says which rule routed a ticket routed after it was raised: the same on every device. */
export function routingLineId(ticketId: string): string {
  return setRowId('ticket_history', ticketId, 'routing');
}

/** A route's tags and the history line naming its rule (its id given when every device must write the same line). */
function noteRoute(sqlite: Database.Database, w: WriteScope, id: string, siteId: string, route: RouteDecision, lineId?: string) {
  for (const raw of route.tags) {
    const { tag, key } = normaliseTag(raw);
    setMember(storeOf(sqlite), w, 'ticket_tags', setRowId('ticket_tags', id, key), siteId, { ticket_id: id, tag, tag_key: key }, true, { audit: false });
  }
  appendHistory(sqlite, w, id, siteId, { kind: 'field', field: 'routing', from: null, to: `Routed by rule “${route.rule.name}”`, ...(lineId ? { id: lineId } : {}) });
}

/**
 * Routes a ticket raised by a requester (who cannot read the rules): what the rule decides is
 * written as the field edits a technician would make, and every history line, the routing line
 * included, has an id made from the ticket's, so two devices that route it while apart add one set
 * of lines. Returns false when the ticket was routed already or is no longer waiting for it.
 */
export function routeRaisedTicket(ctx: Ctx, id: string, route: RouteDecision): boolean {
  const sqlite = ctx.store.sqlite;
  const lineId = routingLineId(id);
  if (sqlite.prepare('SELECT 1 FROM ticket_history WHERE id = ?').get(lineId)) return false;
  const before = getTicketOrThrow(ctx, id);
  if (before.assigneeId || before.status !== 'new') return false;
  const fields: TicketFields = {};
  if (route.groupId && !before.groupId) fields.groupId = route.groupId;
  if (route.assigneeId) fields.assigneeId = route.assigneeId;
  if (route.priority && route.priority !== before.priority) fields.priority = route.priority;
  write(ctx, (w) => {
    const changed = applyFields(ctx, w, before, fields, lineId);
    noteRoute(sqlite, w, id, before.siteId, route, lineId);
    w.audit('ticket', id, pick(before, changed), { ...pick(fields as Record<string, unknown>, changed), routedBy: route.rule.name });
    recomputeSla(sqlite, [id]);
  });
  return true;
}

function timeline(ctx: Ctx, id: string, includeInternal: boolean): TimelineEntry[] {
  const sqlite = ctx.store.sqlite;
  const comments = sqlite
    .prepare(
      `SELECT c.id, c.created_at AS at, c.author_id AS authorId, coalesce(u.display_name, 'Unknown') AS authorName, c.body, c.internal
       FROM ticket_comments c LEFT JOIN users u ON u.id = c.author_id
       WHERE c.ticket_id = ? AND c.deleted_hlc IS NULL ${includeInternal ? '' : 'AND c.internal = 0'}`,
    )
    .all(id) as { id: string; at: string; authorId: string; authorName: string; body: string; internal: number }[];
  const worklogs = includeInternal
    ? (sqlite
        .prepare(
          `SELECT w.id, w.created_at AS at, w.author_id AS authorId, coalesce(u.display_name, 'Unknown') AS authorName, w.minutes, w.note
           FROM ticket_worklogs w LEFT JOIN users u ON u.id = w.author_id WHERE w.ticket_id = ? AND w.deleted_hlc IS NULL`,
        )
        .all(id) as { id: string; at: string; authorId: string; authorName: string; minutes: number; note: string | null }[])
    : [];
  const history = sqlite
    .prepare(
      `SELECT h.id, h.created_at AS at, h.actor_id AS authorId, coalesce(u.display_name, 'Unknown') AS authorName, h.kind, h.field,
        h.from_value AS fromValue, h.to_value AS toValue, h.reason
       FROM ticket_history h LEFT JOIN users u ON u.id = h.actor_id WHERE h.ticket_id = ? ${includeInternal ? '' : "AND h.kind = 'status'"}`,
    )
    .all(id) as { id: string; at: string; authorId: string; authorName: string; kind: 'status' | 'field'; field: string | null; fromValue: string | null; toValue: string | null; reason: string | null }[];
  const entries: TimelineEntry[] = [
    ...comments.map((c) => ({ kind: 'comment' as const, id: c.id, at: c.at, authorId: c.authorId, authorName: c.authorName, body: c.body, internal: !!c.internal })),
    ...worklogs.map((x) => ({ kind: 'worklog' as const, ...x })),
    ...history.map((h): TimelineEntry =>
      h.kind === 'status'
        ? { kind: 'status', id: h.id, at: h.at, authorId: h.authorId, authorName: h.authorName, from: h.fromValue as TicketStatus | null, to: h.toValue as TicketStatus, reason: h.reason }
        : { kind: 'field', id: h.id, at: h.at, authorId: h.authorId, authorName: h.authorName, field: h.field ?? '', from: h.fromValue, to: h.toValue },
    ),
  ];
  // Ids are UUIDv7: a stable tie-break for entries written in the same millisecond.
  entries.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return entries;
}

export function getTicketDetail(ctx: Ctx, id: string): TicketDetail {
  const actor = requireActor(ctx);
  const t = getTicketOrThrow(ctx, id);
  const staffView = actor.role !== 'requester';
  const minutes = ctx.store.sqlite.prepare('SELECT coalesce(sum(minutes), 0) FROM ticket_worklogs WHERE ticket_id = ? AND deleted_hlc IS NULL').pluck().get(id) as number;
  const tags = ctx.store.sqlite.prepare('SELECT tag FROM ticket_tags WHERE ticket_id = ? AND deleted_hlc IS NULL ORDER BY tag_key').pluck().all(id) as string[];
  return { ...t, timeline: timeline(ctx, id, staffView), timeSpentMinutes: staffView ? minutes : 0, tags, watchers: watchersOf(ctx.store.sqlite, id), links: linksOf(ctx.store.sqlite, id) };
}

export function getTicketByNumber(ctx: Ctx, number: string): TicketDetail {
  const sqlite = ctx.store.sqlite;
  // A number the server has since replaced (given offline) still leads to its ticket; the ticket
  // that holds the number now comes first.
  const id =
    (sqlite.prepare('SELECT id FROM tickets WHERE number = ? AND deleted_hlc IS NULL').pluck().get(number) as string | undefined) ??
    (sqlite
      .prepare('SELECT t.id FROM ticket_number_aliases a JOIN tickets t ON t.id = a.ticket_id WHERE a.number = ? AND t.deleted_hlc IS NULL ORDER BY a.replaced_at DESC LIMIT 1')
      .pluck()
      .get(number) as string | undefined);
  if (!id) throw new AppError('not_found', `No ticket numbered ${number}.`);
  return getTicketDetail(ctx, id);
}

const DISPLAY: Partial<Record<EditableField, (sqlite: Database.Database, v: unknown) => string | null>> = {
  assigneeId: (s, v) => (v ? ((s.prepare('SELECT display_name FROM users WHERE id = ?').pluck().get(v) as string) ?? String(v)) : null),
  requesterId: (s, v) => (v ? ((s.prepare('SELECT display_name FROM users WHERE id = ?').pluck().get(v) as string) ?? String(v)) : null),
  groupId: (s, v) => (v ? ((s.prepare('SELECT name FROM groups WHERE id = ?').pluck().get(v) as string) ?? String(v)) : null),
  siteId: (s, v) => (v ? ((s.prepare('SELECT name FROM sites WHERE id = ?').pluck().get(v) as string) ?? String(v)) : null),
};

/**
 * Applies field edits inside an open write; returns the changed API fields. With `lineKey` (an edit
 * every device that notices the same cause makes alike: an escalation, a routing), each history line
 * gets an id made from that key and the field, so the ticket's history shows the edit once however
 * many devices made it while apart.
 */
function applyFields(ctx: Ctx, w: WriteScope, before: Ticket, fields: TicketFields, lineKey?: string): string[] {
  const sqlite = ctx.store.sqlite;
  if (!isOpen(before.status) && Object.keys(fields).some((f) => !['linkedAssetId', 'category', 'subcategory'].includes(f))) {
    throw new AppError('conflict', `This ticket is ${STATUS_LABELS[before.status].toLowerCase()}; reopen it before editing.`);
  }
  assertRef(sqlite, 'users', fields.assigneeId, 'assigneeId', 'assignee', true);
  assertRef(sqlite, 'groups', fields.groupId, 'groupId', 'group');
  assertRef(sqlite, 'users', fields.requesterId, 'requesterId', 'requester');
  if (fields.siteId !== undefined) assertRef(sqlite, 'sites', fields.siteId, 'siteId', 'site');

  const next: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(fields) as [EditableField, unknown][]) {
    if (v !== undefined && (before as unknown as Record<string, unknown>)[k] !== v) next[k] = v;
  }
  // Priority follows impact × urgency unless set by hand; a hand-set priority sticks until impact or urgency change.
  let overridden = before.priorityOverridden;
  if ('priority' in next) overridden = true;
  else if ('impact' in next || 'urgency' in next) {
    const p = priorityFor(priorityMatrix(ctx), (next.impact ?? before.impact) as number, (next.urgency ?? before.urgency) as number);
    overridden = false;
    if (p !== before.priority) next.priority = p;
  }
  let status: TicketStatus = before.status;
  if ('assigneeId' in next) {
    if (next.assigneeId && before.status === 'new') status = 'assigned';
    if (!next.assigneeId && before.status === 'assigned' && !(next.groupId ?? before.groupId)) status = 'new';
  }
  const changed = Object.keys(next) as EditableField[];
  if (!changed.length && overridden === before.priorityOverridden) return [];
  const cols: Values = {};
  for (const f of changed) if (f !== 'siteId') cols[FIELD_COLUMNS[f]] = next[f] as Value;
  if (overridden !== before.priorityOverridden) cols.priority_overridden = overridden ? 1 : 0;
  const scopeId = (next.siteId as string | undefined) ?? before.siteId;
  // The site the ticket moves from rides along (the server names it in the old site's moved-out markers).
  updateRecord(ctx, w, 'tickets', before.id, cols, { scopeId, audit: false, ...(next.siteId ? { meta: { from_scope: before.siteId } } : {}) });
  if (status !== before.status) {
    transitionRecord(ctx, w, 'tickets', before.id, { from: before.status, to: status }, { audit: false });
    appendHistory(sqlite, w, before.id, scopeId, { kind: 'status', from: before.status, to: status, reason: 'assignment', ...lineIdOf(lineKey, 'status') });
  }
  for (const f of changed) {
    const show = DISPLAY[f];
    const prev = (before as unknown as Record<string, unknown>)[f];
    appendHistory(sqlite, w, before.id, scopeId, {
      kind: 'field',
      field: f,
      from: show ? show(sqlite, prev) : clip(prev),
      to: show ? show(sqlite, next[f]) : clip(next[f]),
      ...lineIdOf(lineKey, f),
    });
  }
  return changed;
}

function lineIdOf(lineKey: string | undefined, part: string): { id?: string } {
  return lineKey ? { id: setRowId('ticket_history', lineKey, part) } : {};
}

/**
 * Edits a ticket's fields. `lineKey` is for an edit several devices may make alike while apart
 * (see applyFields): its history lines are written once.
 */
export function updateTicket(ctx: Ctx, id: string, fields: TicketFields, lineKey?: string): Ticket {
  requireActor(ctx);
  const before = getTicketOrThrow(ctx, id);
  write(ctx, (w) => {
    const changed = applyFields(ctx, w, before, fields, lineKey);
    if (changed.length) w.audit('ticket', id, pick(before, changed), pick(fields as Record<string, unknown>, changed));
    if (changed.length) recomputeSla(ctx.store.sqlite, [id]);
  });
  return loadTicket(ctx.store.sqlite, id)!;
}

function pick(o: object, keys: string[]): Record<string, unknown> {
  const r: Record<string, unknown> = {};
  for (const k of keys) r[k] = (o as Record<string, unknown>)[k];
  return r;
}

export interface TransitionInput {
  to: TicketStatus;
  reason?: string;
  resolutionCode?: string;
  resolutionNotes?: string;
}

function requesterMayTransition(t: Ticket, to: TicketStatus): boolean {
  return (t.status === 'resolved' && (to === 'in_progress' || to === 'closed')) || to === 'cancelled';
}

function applyTransition(ctx: Ctx, w: WriteScope, before: Ticket, input: TransitionInput): void {
  const actor = requireActor(ctx);
  const sqlite = ctx.store.sqlite;
  if (actor.role === 'requester' && !requesterMayTransition(before, input.to)) {
    throw new AppError('forbidden', 'Requesters can reopen or close a resolved ticket, or cancel their own ticket.');
  }
  let assigneeId = before.assigneeId;
  // Starting work on an unassigned ticket takes it.
  if (input.to === 'in_progress' && !assigneeId && (actor.role === 'admin' || actor.role === 'technician')) assigneeId = actor.id;
  const err = transitionError({
    from: before.status,
    to: input.to,
    assigneeId,
    groupId: before.groupId,
    reason: input.reason,
    resolutionCode: input.resolutionCode,
    resolutionNotes: input.resolutionNotes,
  });
  if (err) throw new AppError('invalid_transition', err);
  const cols: Record<string, unknown> = { status: input.to, is_open: isOpen(input.to) ? 1 : 0 };
  if (assigneeId !== before.assigneeId) cols.assignee_id = assigneeId;
  cols.pending_reason = input.to === 'pending' ? input.reason : null;
  const historyId = uuidv7();
  if (input.to === 'resolved') {
    cols.resolution_code = input.resolutionCode;
    cols.resolution_notes = input.resolutionNotes;
    cols.resolved_at = w.now;
    Object.assign(cols, slaAtResolution(sqlite, before.id, { id: historyId, at: w.now, to: 'resolved', reason: null }));
  }
  if (input.to === 'closed' || input.to === 'cancelled') cols.closed_at = w.now;
  if (before.status === 'resolved' && input.to === 'in_progress') {
    cols.resolved_at = null;
    cols.resolution_code = null;
    cols.resolution_notes = null;
    Object.assign(cols, { sla_met: null, sla_policy_id: null, sla_response_met: null, sla_resolution_target_minutes: null });
  }
  if (!before.firstResponseAt && actor.id !== before.requesterId && ['in_progress', 'resolved', 'pending'].includes(input.to)) {
    cols.first_response_at = w.now;
  }
  transitionRecord(ctx, w, 'tickets', before.id, { from: before.status, to: input.to, fields: cols as Values }, { audit: false });
  const reason =
    input.to === 'pending' ? (input.reason ?? null) : input.to === 'resolved' ? `${input.resolutionCode}: ${input.resolutionNotes}` : (input.reason ?? null);
  appendHistory(sqlite, w, before.id, before.siteId, { kind: 'status', from: before.status, to: input.to, reason: reason ? clip(reason) : null, id: historyId });
  w.audit('ticket', before.id, { status: before.status }, { status: input.to, ...(reason ? { reason } : {}) });
  recomputeSla(sqlite, [before.id]);
}

export function transitionTicket(ctx: Ctx, id: string, input: TransitionInput): Ticket {
  const before = getTicketOrThrow(ctx, id);
  write(ctx, (w) => applyTransition(ctx, w, before, input));
  return loadTicket(ctx.store.sqlite, id)!;
}

export function commentTicket(ctx: Ctx, id: string, body: string, internal: boolean): TimelineEntry {
  const actor = requireActor(ctx);
  const t = getTicketOrThrow(ctx, id);
  if (actor.role === 'requester' && internal) throw new AppError('forbidden', 'Requesters cannot write internal notes.');
  if (t.status === 'closed' || t.status === 'cancelled') throw new AppError('conflict', `This ticket is ${STATUS_LABELS[t.status].toLowerCase()}; comments are closed.`);
  const cid = uuidv7();
  let at = '';
  write(ctx, (w) => {
    at = w.now;
    appendRecord(ctx, w, 'ticket_comments', cid, t.siteId, { ticket_id: id, author_id: actor.id, body, internal: internal ? 1 : 0 }, {
      audit: { before: null, after: { ticketId: id, internal, body: clip(body) } },
    });
    if (!t.firstResponseAt && !internal && actor.id !== t.requesterId && actor.role !== 'requester') {
      updateRecord(ctx, w, 'tickets', id, { first_response_at: w.now }, { audit: false });
      recomputeSla(ctx.store.sqlite, [id]);
    } else touchRecord(ctx, w, 'tickets', id);
  });
  return { kind: 'comment', id: cid, at, authorId: actor.id, authorName: actor.displayName, body, internal };
}

export function worklogTicket(ctx: Ctx, id: string, minutes: number, note: string | undefined): TimelineEntry {
  const actor = requireActor(ctx);
  const t = getTicketOrThrow(ctx, id);
  const wid = uuidv7();
  let at = '';
  write(ctx, (w) => {
    at = w.now;
    appendRecord(ctx, w, 'ticket_worklogs', wid, t.siteId, { ticket_id: id, author_id: actor.id, minutes, note: note ?? null }, { audit: { before: null, after: { ticketId: id, minutes } } });
    touchRecord(ctx, w, 'tickets', id);
  });
  return { kind: 'worklog', id: wid, at, authorId: actor.id, authorName: actor.displayName, minutes, note: note ?? null };
}

export type BulkAction =
  | { kind: 'assign'; assigneeId: string | null }
  | { kind: 'priority'; priority: 1 | 2 | 3 | 4 }
  | { kind: 'group'; groupId: string | null }
  | ({ kind: 'transition' } & TransitionInput);

/** Applies one action to many tickets; each ticket succeeds or fails on its own, with the reason. */
export function bulkTickets(ctx: Ctx, ids: string[], action: BulkAction): { updated: number; failed: { id: string; message: string }[] } {
  const failed: { id: string; message: string }[] = [];
  let updated = 0;
  for (const id of new Set(ids)) {
    try {
      if (action.kind === 'transition') {
        const { kind: _k, ...input } = action;
        transitionTicket(ctx, id, input);
      } else if (action.kind === 'assign') updateTicket(ctx, id, { assigneeId: action.assigneeId });
      else if (action.kind === 'priority') updateTicket(ctx, id, { priority: action.priority });
      else updateTicket(ctx, id, { groupId: action.groupId });
      updated++;
    } catch (e) {
      const number = (ctx.store.sqlite.prepare('SELECT number FROM tickets WHERE id = ?').pluck().get(id) as string | undefined) ?? id;
      failed.push({ id, message: `${number}: ${e instanceof Error ? e.message : String(e)}` });
    }
  }
  return { updated, failed };
}
