/**
 * The merge rules, as pure functions used by the server (authoritative apply of pushed ops) and
 * by devices (rebasing pulled state under their own pending ops):
 * - scalar fields: per-field last-writer-wins on the stamp "hlc@device";
 * - a status change carries from → to and applies only if the state machine allows it from the
 *   current state, else it becomes a conflict;
 * - append-only children never conflict (a duplicate is simply already there);
 * - set members carry their own add/remove clock;
 * - a delete wins over any later edit, which becomes a conflict; resolving that conflict for the
 *   edit sends a restore, which clears the tombstone when its clock is newer than every delete
 *   and re-applies the lost fields (the record is deleted while max(delete) > max(restore));
 * - concurrent edits of long text keep the winner and record the loser as a conflict;
 * - concurrent edits of a contested field (the rule's `contested` list: assignee, priority…) keep
 *   the newest write and record the overwritten value as an auto-resolved conflict.
 * The full rule, per merge kind, is in docs/sync.md.
 */
import { canTransition, isOpen, type TicketStatus, TICKET_STATUSES } from '../tickets/rules';
import { formatHlc, parseHlc, stampDevice, stampHlc } from '../hlc';
import { META_KEYS, ruleFor } from './entities';
import type { OpStatus, WireOpKind } from './wire';

export interface RecordState {
  entity: string;
  id: string;
  scopeId: string;
  data: Record<string, unknown>;
  fieldHlc: Record<string, string>;
  deletedHlc: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface ConflictDraft {
  entity: string;
  recordId: string;
  scopeId: string;
  field: string;
  kind: 'field' | 'transition' | 'deleted' | 'overwritten';
  keptValue: string | null;
  lostValue: string | null;
  keptStamp: string | null;
  lostStamp: string;
  keptDevice: string | null;
  lostDevice: string;
  lostAuthor: string | null;
}

export interface OpLike {
  kind: WireOpKind;
  entity: string;
  recordId: string;
  scopeId: string;
  payload: Record<string, unknown>;
  createdAt: string;
}

export interface ApplyContext {
  /** The op's stamp, "hlc@device" (already clamped if its clock ran ahead). */
  stamp: string;
  authorId: string | null;
  /** True when the current value of `field` was written after the op's author last pulled. */
  unseen(field: string): boolean;
}

export interface ApplyOutcome {
  status: OpStatus;
  reason?: string;
  /** The record after the op (unchanged object when nothing changed). */
  state: RecordState | null;
  changed: boolean;
  conflicts: ConflictDraft[];
}

/** Set membership is kept as a pseudo-field so adds and removes order by their own clock. */
export const PRESENT = '_present';
/** Latest delete and latest restore of a record, as pseudo-fields: which is newer decides. */
export const DELETED = '_deleted';
export const RESTORED = '_restored';

/**
 * Derives the tombstone from the latest delete and the latest restore. A function of two maxima,
 * so deletes and restores give the same result in any order on every replica. Records deleted
 * before restores existed carry only deleted_hlc, which counts as their latest delete.
 */
export function settleTombstone(s: RecordState): void {
  const del = s.fieldHlc[DELETED] ?? s.deletedHlc ?? undefined;
  const res = s.fieldHlc[RESTORED];
  s.deletedHlc = del !== undefined && (res === undefined || del > res) ? del : null;
}

function text(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  return typeof v === 'string' ? v : JSON.stringify(v);
}

function clone(s: RecordState): RecordState {
  return { ...s, data: { ...s.data }, fieldHlc: { ...s.fieldHlc } };
}

function columns(payload: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(payload)) if (!META_KEYS.has(k)) out[k] = v;
  return out;
}

/** A stamp strictly after `cur`, attributed to the op's device: for writes the server orders itself. */
export function stampAfter(cur: string | undefined, opStamp: string): string {
  if (!cur || opStamp > cur) return opStamp;
  const h = parseHlc(stampHlc(cur));
  return `${formatHlc({ wall: h.wall, counter: h.counter + 1 })}@${stampDevice(opStamp)}`;
}

/** Writes `value` to `field` when `stamp` is newer; says whether it won. */
function lww(s: RecordState, field: string, value: unknown, stamp: string): boolean {
  const cur = s.fieldHlc[field];
  if (cur !== undefined && cur >= stamp) return false;
  s.fieldHlc[field] = stamp;
  if (field === 'scope_id') s.scopeId = String(value);
  else s.data[field] = value;
  return true;
}

function touch(s: RecordState, at: string) {
  if (at > s.updatedAt) s.updatedAt = at;
}

/** Server-owned fields derived from others, recomputed after every change. */
function derive(s: RecordState) {
  if (s.entity === 'tickets' && typeof s.data.status === 'string') {
    const open = isOpen(s.data.status as TicketStatus) ? 1 : 0;
    if (s.data.is_open !== open) s.data.is_open = open;
  }
}

/** Fields whose concurrent edits are recorded: long text (open conflicts) and contested fields (auto-resolved). */
export function watchedFields(entity: string): readonly string[] {
  const rule = ruleFor(entity);
  return [...(rule.textFields ?? []), ...(rule.contested ?? [])];
}

/** Writes several fields with per-field LWW, recording conflicts for concurrent long text and contested fields. */
function mergeFields(s: RecordState, values: Record<string, unknown>, ctx: ApplyContext, conflicts: ConflictDraft[]): number {
  const rule = ruleFor(s.entity);
  let wins = 0;
  for (const [f, v] of Object.entries(values)) {
    const prevStamp = f === 'scope_id' ? s.fieldHlc.scope_id : s.fieldHlc[f];
    const prevValue = f === 'scope_id' ? s.scopeId : s.data[f];
    const won = lww(s, f, v, ctx.stamp);
    if (won) wins++;
    const isText = rule.textFields?.includes(f) ?? false;
    const kind = isText ? 'field' : rule.contested?.includes(f) ? 'overwritten' : null;
    if (!kind || prevStamp === undefined || text(prevValue) === text(v)) continue;
    const prevDevice = stampDevice(prevStamp);
    const opDevice = stampDevice(ctx.stamp);
    if (prevDevice === opDevice) continue;
    if (!won) {
      // Losing to a newer stamp means the author had not seen it (their clock would be past it).
      conflicts.push({
        entity: s.entity, recordId: s.id, scopeId: s.scopeId, field: f, kind,
        keptValue: text(prevValue), lostValue: text(v), keptStamp: prevStamp, lostStamp: ctx.stamp,
        keptDevice: prevDevice, lostDevice: opDevice, lostAuthor: ctx.authorId,
      });
    } else if (ctx.unseen(f)) {
      conflicts.push({
        entity: s.entity, recordId: s.id, scopeId: s.scopeId, field: f, kind,
        keptValue: text(v), lostValue: text(prevValue), keptStamp: ctx.stamp, lostStamp: prevStamp,
        keptDevice: opDevice, lostDevice: prevDevice, lostAuthor: null,
      });
    }
  }
  return wins;
}

/** Conflicts that wait for someone's decision (an overwritten contested field is settled already). */
function awaitsDecision(conflicts: ConflictDraft[]): boolean {
  return conflicts.some((c) => c.kind !== 'overwritten');
}

function fresh(op: OpLike): RecordState {
  return {
    entity: op.entity,
    id: op.recordId,
    scopeId: typeof op.payload.scope_id === 'string' ? op.payload.scope_id : op.scopeId,
    data: {},
    fieldHlc: {},
    deletedHlc: null,
    createdAt: op.createdAt,
    updatedAt: op.createdAt,
  };
}

function deletedConflict(s: RecordState, op: OpLike, ctx: ApplyContext): ConflictDraft {
  const fields = Object.keys(columns(op.payload));
  return {
    entity: s.entity, recordId: s.id, scopeId: s.scopeId, field: fields.join(', ') || 'record', kind: 'deleted',
    keptValue: 'deleted', lostValue: JSON.stringify(columns(op.payload)), keptStamp: s.deletedHlc, lostStamp: ctx.stamp,
    keptDevice: s.deletedHlc ? stampDevice(s.deletedHlc) : null, lostDevice: stampDevice(ctx.stamp), lostAuthor: ctx.authorId,
  };
}

/**
 * Applies one op to the current state of its record (null when the record does not exist).
 * Validation of values, roles, scopes, parents and numbers happens before, in the caller.
 */
export function applyOp(current: RecordState | null, op: OpLike, ctx: ApplyContext): ApplyOutcome {
  const conflicts: ConflictDraft[] = [];
  const unchanged = (status: OpStatus, reason?: string): ApplyOutcome => ({ status, reason, state: current, changed: false, conflicts });
  const rule = ruleFor(op.entity);

  switch (op.kind) {
    case 'create':
    case 'append': {
      if (current) {
        // A replay or a second create of the same id: fields merge like edits, children are already there.
        if (op.kind === 'append' || rule.merge === 'append') return unchanged('merged', 'Already recorded.');
        if (current.deletedHlc) return { ...unchanged('conflict', 'The record was deleted.'), conflicts: [deletedConflict(current, op, ctx)] };
        const s = clone(current);
        const wins = mergeFields(s, columns(op.payload), ctx, conflicts);
        derive(s);
        if (wins) touch(s, op.createdAt);
        return { status: awaitsDecision(conflicts) ? 'conflict' : 'merged', state: s, changed: wins > 0, conflicts };
      }
      const s = fresh(op);
      for (const [f, v] of Object.entries(columns(op.payload))) lww(s, f, v, ctx.stamp);
      if (!s.fieldHlc.scope_id) s.fieldHlc.scope_id = ctx.stamp;
      derive(s);
      return { status: 'applied', state: s, changed: true, conflicts };
    }
    case 'setFields': {
      if (!current) return unchanged('rejected', `There is no ${op.entity} record ${op.recordId} to edit.`);
      if (current.deletedHlc) return { ...unchanged('conflict', 'The record was deleted; the edit was kept aside.'), conflicts: [deletedConflict(current, op, ctx)] };
      const values = columns(op.payload);
      // The status only ever moves through transition ops; a stray status here is ignored.
      if (rule.status) delete values.status;
      const s = clone(current);
      const wins = mergeFields(s, values, ctx, conflicts);
      derive(s);
      if (wins) touch(s, op.createdAt);
      const open = awaitsDecision(conflicts);
      const status: OpStatus = open ? 'conflict' : wins === Object.keys(values).length ? 'applied' : 'merged';
      const reason = open
        ? 'A concurrent edit of the same text was kept aside.'
        : conflicts.some((c) => c.lostStamp === ctx.stamp)
          ? 'Someone changed the same field later; their value is kept and yours is in the Conflicts inbox, where you can put it back.'
          : undefined;
      return { status, state: s, changed: wins > 0, conflicts, reason };
    }
    case 'transition': {
      if (!current) return unchanged('rejected', `There is no ${op.entity} record ${op.recordId} to change.`);
      if (current.deletedHlc) return { ...unchanged('conflict', 'The record was deleted.'), conflicts: [deletedConflict(current, op, ctx)] };
      const to = op.payload.to as TicketStatus;
      const from = current.data.status as TicketStatus;
      if (!(TICKET_STATUSES as readonly string[]).includes(to)) return unchanged('rejected', `"${String(to)}" is not a status.`);
      const fields = (op.payload.fields && typeof op.payload.fields === 'object' ? (op.payload.fields as Record<string, unknown>) : { status: to });
      if (from === to) {
        // Someone already made the same move: keep the rest of the fields by their clocks.
        const s = clone(current);
        const { status: _s, ...rest } = fields;
        const wins = mergeFields(s, rest, ctx, conflicts);
        derive(s);
        if (wins) touch(s, op.createdAt);
        return { status: 'merged', state: s, changed: wins > 0, conflicts };
      }
      if (!canTransition(from, to)) {
        conflicts.push({
          entity: current.entity, recordId: current.id, scopeId: current.scopeId, field: 'status', kind: 'transition',
          keptValue: from, lostValue: to, keptStamp: current.fieldHlc.status ?? null, lostStamp: ctx.stamp,
          keptDevice: current.fieldHlc.status ? stampDevice(current.fieldHlc.status) : null, lostDevice: stampDevice(ctx.stamp), lostAuthor: ctx.authorId,
        });
        return { status: 'conflict', reason: `The ticket is now ${from}; it cannot move to ${to}.`, state: current, changed: false, conflicts };
      }
      // Allowed from where the record is now: the move happens, ordered after what is already there.
      const s = clone(current);
      for (const [f, v] of Object.entries({ ...fields, status: to })) {
        const st = stampAfter(s.fieldHlc[f], ctx.stamp);
        s.fieldHlc[f] = st;
        s.data[f] = v;
      }
      derive(s);
      touch(s, op.createdAt);
      return { status: 'applied', state: s, changed: true, conflicts };
    }
    case 'setAdd':
    case 'setRemove': {
      const s = current ? clone(current) : fresh(op);
      let changed = !current;
      if (!current) for (const [f, v] of Object.entries(columns(op.payload))) lww(s, f, v, ctx.stamp);
      const cur = s.fieldHlc[PRESENT];
      if (cur === undefined || ctx.stamp > cur) {
        s.fieldHlc[PRESENT] = ctx.stamp;
        // The newer clock must be stored even when membership stays the same (an add over an
        // add): otherwise a concurrent remove ordered between the two would wrongly win later.
        changed = true;
        const next = op.kind === 'setRemove' ? ctx.stamp : null;
        s.deletedHlc = next;
        touch(s, op.createdAt);
        return { status: 'applied', state: s, changed, conflicts };
      }
      return { status: 'merged', reason: 'A later add or remove of the same member is already recorded.', state: current ? current : s, changed, conflicts };
    }
    case 'delete': {
      if (!current) return unchanged('merged', 'Nothing to delete.');
      const s = clone(current);
      const prev = s.fieldHlc[DELETED] ?? s.deletedHlc ?? undefined;
      if (prev === undefined || ctx.stamp > prev) s.fieldHlc[DELETED] = ctx.stamp;
      settleTombstone(s);
      if (s.fieldHlc[DELETED] === current.fieldHlc[DELETED] && s.deletedHlc === current.deletedHlc) return unchanged('merged', 'Already deleted.');
      if (!s.deletedHlc) {
        // Someone restored the record after this delete was made: the restore stands, but the
        // delete's clock is kept so replicas that see the two in the other order agree.
        return { status: 'merged', reason: 'The record was restored after this delete; it stays.', state: s, changed: true, conflicts };
      }
      touch(s, op.createdAt);
      return { status: 'applied', state: s, changed: true, conflicts };
    }
    case 'restore': {
      if (!current) return unchanged('rejected', `There is no ${op.entity} record ${op.recordId} to restore.`);
      if (rule.merge !== 'record') return unchanged('rejected', `${op.entity.replace(/_/g, ' ')} cannot be restored this way.`);
      const s = clone(current);
      if (s.deletedHlc && s.fieldHlc[DELETED] === undefined) s.fieldHlc[DELETED] = s.deletedHlc;
      const prev = s.fieldHlc[RESTORED];
      if (prev === undefined || ctx.stamp > prev) s.fieldHlc[RESTORED] = ctx.stamp;
      settleTombstone(s);
      // The edit that lost to the delete comes back by the ordinary per-field clocks, whatever the
      // tombstone ends up as: applied in any order, the fields settle the same way.
      const raw = op.payload.fields;
      const values = raw && typeof raw === 'object' && !Array.isArray(raw) ? columns(raw as Record<string, unknown>) : {};
      if (rule.status) delete values.status;
      // The record comes back where it is now: a site change travels only as an edit, checked as one.
      delete values.scope_id;
      const wins = mergeFields(s, values, ctx, conflicts);
      derive(s);
      const changed = wins > 0 || s.deletedHlc !== current.deletedHlc || s.fieldHlc[RESTORED] !== current.fieldHlc[RESTORED] || s.fieldHlc[DELETED] !== current.fieldHlc[DELETED];
      if (changed) touch(s, op.createdAt);
      if (s.deletedHlc) return { status: 'merged', reason: 'The record was deleted again after this restore; the delete stands.', state: s, changed, conflicts };
      return { status: awaitsDecision(conflicts) ? 'conflict' : 'applied', state: s, changed, conflicts };
    }
  }
}

/**
 * Device side: a pulled server state merged under the device's own unsent edits of the same
 * record. Fields the device wrote later keep the device's value until its ops are pushed.
 */
export function rebase(server: RecordState, local: RecordState | null): RecordState {
  if (!local) return server;
  const s = clone(server);
  for (const [f, stamp] of Object.entries(local.fieldHlc)) {
    const remote = s.fieldHlc[f];
    if (remote === undefined || stamp > remote) {
      s.fieldHlc[f] = stamp;
      if (f === 'scope_id') s.scopeId = local.scopeId;
      else if (f in local.data) s.data[f] = local.data[f];
    }
  }
  if (ruleFor(s.entity).merge === 'set') {
    if (!s.deletedHlc && local.deletedHlc) s.deletedHlc = local.deletedHlc;
    return s;
  }
  // Deletes and restores order by their latest clocks on either side, as the server will.
  const localDel = local.fieldHlc[DELETED] ?? local.deletedHlc ?? undefined;
  const remoteDel = s.fieldHlc[DELETED] ?? s.deletedHlc ?? undefined;
  const del = localDel !== undefined && (remoteDel === undefined || localDel > remoteDel) ? localDel : remoteDel;
  if (del !== undefined) s.fieldHlc[DELETED] = del;
  settleTombstone(s);
  return s;
}
