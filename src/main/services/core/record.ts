/**
 * The one primitive for a synced record write, read from the record type's description in
 * src/shared/sync/entities*.ts: it checks the values against the type's field rules, writes the row
 * (only the type's own columns, no hand-kept list), its field clocks, its op and its audit event,
 * all inside the caller's `write` transaction. Every synced write of the services goes through it:
 * create (or append, for append-only children), set fields (and move to another site), delete,
 * restore, and add or remove a set member. A bulk write (an import) hands it a BulkSink's scope
 * (bulk.ts): the same checks and ops, with rows and ops buffered and inserted a hundred per statement.
 * A test (write-path.test.ts) fails when a service writes a synced table any other way.
 */
import { isKnownEntity, ruleFor } from '../../../shared/sync/entities';
import type { EntityRule } from '../../../shared/sync/entity-rule';
import { isFollowingParent } from '../../../shared/sync/following';
import { DELETED, RESTORED } from '../../../shared/sync/merge';
import { AppError } from '../../../shared/result';
import { restamp, type OpKind } from './ops';
import { auditTypeOf, type WriteScope } from './write';
import { moveChildrenLocally } from './children';
import { stmt } from './stmt';
import type Database from 'better-sqlite3';
import type { z } from 'zod';

/** What the primitive needs of a service's context: the store (a Ctx is one). */
export interface StoreRef {
  store: { sqlite: Database.Database };
}

/** For helpers that hold the connection rather than the context. */
export const storeOf = (sqlite: Database.Database): StoreRef => ({ store: { sqlite } });

export type Value = string | number | boolean | null;
export type Values = Record<string, Value | undefined>;

/**
 * The record's audit event: by default its type's trail name with the values before and after;
 * `{ type, before, after }` to say it in the caller's words (the tags of two related assets rather
 * than their ids, filed under the asset rather than its history row); `false` when one event of the caller's covers the whole action (a status change
 * and its history row). In a write that audits every op (imports, inventory) the op's own event
 * stands for the record and this is not used.
 */
export type AuditSpec = false | { type?: string; recordId?: string; before?: unknown; after?: unknown };

const SAFE = /^[a-z][a-z0-9_]*$/;

interface FieldCheck {
  schema: z.ZodType;
  nullOk: boolean;
}

interface TypeInfo {
  rule: EntityRule;
  fields: Map<string, FieldCheck>;
  following: boolean;
}

const types = new Map<string, TypeInfo>();

function typeOf(entity: string): TypeInfo {
  let t = types.get(entity);
  if (t) return t;
  if (!isKnownEntity(entity) || !SAFE.test(entity)) throw new AppError('internal', `"${entity}" is not a synced record type.`);
  const rule = ruleFor(entity);
  const fields = new Map<string, FieldCheck>();
  for (const [k, schema] of Object.entries(rule.fields)) if (SAFE.test(k)) fields.set(k, { schema, nullOk: schema.safeParse(null).success });
  t = { rule, fields, following: isFollowingParent(entity) };
  types.set(entity, t);
  return t;
}

/** The fields of `values` that are set, after checking each against the type's rules. */
function checked(entity: string, t: TypeInfo, values: Values): string[] {
  const cols: string[] = [];
  for (const c in values) {
    const v = values[c];
    if (v === undefined) continue;
    const f = t.fields.get(c);
    if (!f) throw new AppError('internal', `${entity} has no field ${c}.`);
    if (v === null ? !f.nullOk : !f.schema.safeParse(v).success) {
      const r = f.schema.safeParse(v);
      throw new AppError('invalid_input', `${entity}.${c}: ${r.success ? 'invalid value' : (r.error.issues[0]?.message ?? 'invalid value')}`);
    }
    cols.push(c);
  }
  return cols;
}

const bind = (v: Value): string | number | null => (typeof v === 'boolean' ? (v ? 1 : 0) : v);

function audit(w: WriteScope, entity: string, id: string, spec: AuditSpec | undefined, before: unknown, after: unknown): void {
  if (spec === false || w.auditsOps) return;
  w.audit(spec?.type ?? auditTypeOf(entity), spec?.recordId ?? id, spec && 'before' in spec ? spec.before : before, spec && 'after' in spec ? spec.after : after);
}

const compactClocks = (stamp: string) => `{"*":${JSON.stringify(stamp)}}`;

export interface CreateOptions {
  audit?: AuditSpec;
  /**
   * In a bulk write, buffer the row with others of its kind (BulkSink): the caller flushes before
   * anything reads the table or writes a row that refers to it.
   */
  buffer?: boolean;
  /** The record's own times when they lie in the past (generated sample history); by default the write's time. The op carries its creation time (OpInput.at). */
  times?: { createdAt: string; updatedAt: string };
}

/**
 * Creates a record: row, clocks ({"*": stamp}), a `create` op (`append` for append-only children,
 * `setAdd` for set members) and its audit event. Fields left out or null are null; the op carries
 * only the fields that are set.
 */
export function createRecord(ctx: StoreRef, w: WriteScope, entity: string, id: string, scopeId: string, values: Values, opts: CreateOptions = {}): void {
  const t = typeOf(entity);
  const cols = checked(entity, t, values);
  if (!scopeId) throw new AppError('internal', `A new ${entity} record needs a site.`);
  const names = ['id', 'scope_id', 'created_at', 'updated_at', 'field_hlc'];
  const row: unknown[] = [id, scopeId, opts.times?.createdAt ?? w.now, opts.times?.updatedAt ?? w.now, compactClocks(w.stamp)];
  const payload: Record<string, Value> = { scope_id: scopeId };
  for (const c of cols) {
    const v = values[c]!;
    names.push(c);
    row.push(bind(v));
    if (v !== null) payload[c] = v;
  }
  if (opts.buffer && w.bulk) w.bulk.insert(entity, names, row);
  else stmt(ctx.store.sqlite, `INSERT INTO ${entity} (${names.join(', ')}) VALUES (${names.map(() => '?').join(', ')})`).run(row);
  const kind: OpKind = t.rule.merge === 'append' ? 'append' : t.rule.merge === 'set' ? 'setAdd' : 'create';
  w.op({ kind, entity, recordId: id, scopeId, payload, ...(opts.times ? { at: opts.times.createdAt } : {}) });
  audit(w, entity, id, opts.audit, null, payload);
}

/** Appends a child row to an append-only type (comments, history, scans): createRecord for those types only. */
export function appendRecord(ctx: StoreRef, w: WriteScope, entity: string, id: string, scopeId: string, values: Values, opts: CreateOptions = {}): void {
  if (typeOf(entity).rule.merge !== 'append') throw new AppError('internal', `${entity} records are not appended.`);
  createRecord(ctx, w, entity, id, scopeId, values, opts);
}

export interface UpdateOptions {
  audit?: AuditSpec;
  /** The record's current row (with field_hlc and scope_id), when the caller has just read it. */
  row?: object;
  /** Moves the record to this site (its following children move with it on this device). */
  scopeId?: string;
  /** Keys that describe the op rather than a column (META_KEYS: the site a ticket moves from), added to its payload. */
  meta?: Record<string, Value>;
}

type Row = Record<string, unknown>;

function currentRow(ctx: StoreRef, w: WriteScope, entity: string, id: string): Row {
  w.bulk?.flushRows();
  const row = stmt(ctx.store.sqlite, `SELECT * FROM ${entity} WHERE id = ? AND deleted_hlc IS NULL`).get(id) as Row | undefined;
  if (!row) throw new AppError('not_found', `No such ${auditTypeOf(entity).replace(/_/g, ' ')}.`);
  return row;
}

/**
 * Changes fields of a record that exists (and is not deleted): only the fields whose value differs
 * are written, clocked and sent. Returns the changed fields' previous values (empty: nothing changed).
 */
export function updateRecord(ctx: StoreRef, w: WriteScope, entity: string, id: string, values: Values, opts: UpdateOptions = {}): Record<string, unknown> {
  const t = typeOf(entity);
  const cols = checked(entity, t, values);
  const row = (opts.row as Row | undefined) ?? currentRow(ctx, w, entity, id);
  const changed = cols.filter((c) => row[c] !== bind(values[c]!));
  const moveTo = opts.scopeId !== undefined && opts.scopeId !== row.scope_id ? opts.scopeId : null;
  if (moveTo !== null && (typeof moveTo !== 'string' || !moveTo)) throw new AppError('internal', 'A record moves to a site id.');
  const before: Record<string, unknown> = {};
  if (!changed.length && moveTo === null) return before;
  // Sorted: the same few columns change together, so few distinct statements.
  changed.sort();
  const after: Record<string, Value> = {};
  const args: unknown[] = [];
  for (const c of changed) {
    before[c] = row[c] ?? null;
    after[c] = values[c]!;
    args.push(bind(values[c]!));
  }
  const set = changed.map((c) => `${c} = ?`);
  if (moveTo !== null) {
    before.scope_id = row.scope_id;
    after.scope_id = moveTo;
    set.push('scope_id = ?');
    args.push(moveTo);
  }
  const clocked = moveTo !== null ? [...changed, 'scope_id'] : changed;
  args.push(w.now, restamp(String(row.field_hlc ?? '{}'), clocked, w.stamp), id);
  const sqlite = ctx.store.sqlite;
  stmt(sqlite, `UPDATE ${entity} SET ${set.join(', ')}, updated_at = ?, field_hlc = ? WHERE id = ?`).run(args);
  if (moveTo !== null && t.following) moveChildrenLocally(sqlite, entity as 'tickets' | 'assets', id, moveTo);
  w.op({ kind: 'setFields', entity, recordId: id, scopeId: moveTo ?? String(row.scope_id), payload: opts.meta ? { ...after, ...opts.meta } : after }, before);
  audit(w, entity, id, opts.audit, before, after);
  return before;
}

/**
 * A status move of a record with a status machine (tickets): writes the status and the move's own
 * fields at one stamp and sends them as one `transition` op ({ from, to, fields }), which every
 * replica applies only if its machine allows the move from the status it holds. Every field given
 * is sent, changed or not: the move carries its fields. Returns the fields' previous values.
 */
export function transitionRecord(
  ctx: StoreRef,
  w: WriteScope,
  entity: string,
  id: string,
  move: { from: string; to: string; fields?: Values },
  opts: { audit?: AuditSpec; row?: object } = {},
): Record<string, unknown> {
  const t = typeOf(entity);
  if (!t.rule.status) throw new AppError('internal', `${entity} records have no status machine.`);
  const fields: Values = { ...move.fields, status: move.to };
  const cols = checked(entity, t, fields);
  const row = (opts.row as Row | undefined) ?? currentRow(ctx, w, entity, id);
  const before: Record<string, unknown> = {};
  const sent: Record<string, Value> = {};
  for (const c of cols) {
    before[c] = row[c] ?? null;
    sent[c] = fields[c]!;
  }
  stmt(ctx.store.sqlite, `UPDATE ${entity} SET ${cols.map((c) => `${c} = ?`).join(', ')}, updated_at = ?, field_hlc = ? WHERE id = ?`).run(
    ...cols.map((c) => bind(fields[c]!)),
    w.now,
    restamp(String(row.field_hlc ?? '{}'), cols, w.stamp),
    id,
  );
  // A move with no fields of its own (an assignment that takes a new ticket to Assigned) sends none.
  const payload = move.fields ? { from: move.from, to: move.to, fields: sent } : { from: move.from, to: move.to };
  w.op({ kind: 'transition', entity, recordId: id, scopeId: String(row.scope_id), payload }, before);
  audit(w, entity, id, opts.audit, { status: move.from }, { status: move.to });
  return before;
}

/**
 * Marks a record as changed on this device when a child of it was written (a comment, a worklog, a
 * tag), so lists sorted by last change show it: its time only, no clock and no op (it is not a
 * field of the record; every replica sees the child itself).
 */
export function touchRecord(ctx: StoreRef, w: WriteScope, entity: string, id: string): void {
  typeOf(entity);
  stmt(ctx.store.sqlite, `UPDATE ${entity} SET updated_at = ? WHERE id = ?`).run(w.now, id);
}

/** Deletes a record (a tombstone clocked like any write), with its op and audit event. */
export function deleteRecord(ctx: StoreRef, w: WriteScope, entity: string, id: string, opts: { audit?: AuditSpec } = {}): void {
  const t = typeOf(entity);
  if (t.rule.merge === 'set') throw new AppError('internal', `${entity} members are removed with setMember.`);
  const row = currentRow(ctx, w, entity, id);
  stmt(ctx.store.sqlite, `UPDATE ${entity} SET deleted_hlc = ?, updated_at = ? WHERE id = ?`).run(w.stamp, w.now, id);
  w.op({ kind: 'delete', entity, recordId: id, scopeId: String(row.scope_id), payload: {} });
  audit(w, entity, id, opts.audit, { id }, { deleted: true });
}

/**
 * Brings a deleted record back with `fields` written at a fresh stamp: the restore wins over every
 * delete older than it on every replica (the delete's clock is kept as `_deleted`).
 */
export function restoreRecord(ctx: StoreRef, w: WriteScope, entity: string, id: string, fields: Values, opts: { audit?: AuditSpec } = {}): void {
  const t = typeOf(entity);
  if (t.rule.merge !== 'record') throw new AppError('conflict', `A deleted ${entity.replace(/_/g, ' ')} cannot be brought back.`);
  const cols = checked(entity, t, fields);
  const sqlite = ctx.store.sqlite;
  const row = sqlite.prepare(`SELECT scope_id, field_hlc, deleted_hlc FROM ${entity} WHERE id = ?`).get(id) as { scope_id: string; field_hlc: string; deleted_hlc: string | null } | undefined;
  if (!row) throw new AppError('not_found', `No such ${auditTypeOf(entity).replace(/_/g, ' ')}.`);
  const clocks = JSON.parse(row.field_hlc || '{}') as Record<string, string>;
  if (row.deleted_hlc && clocks[DELETED] === undefined) clocks[DELETED] = row.deleted_hlc;
  clocks[RESTORED] = w.stamp;
  const restored: Record<string, Value> = {};
  for (const c of cols) {
    clocks[c] = w.stamp;
    restored[c] = fields[c]!;
  }
  sqlite
    .prepare(`UPDATE ${entity} SET ${cols.map((c) => `${c} = ?, `).join('')}deleted_hlc = NULL, updated_at = ?, field_hlc = ? WHERE id = ?`)
    .run(...cols.map((c) => bind(fields[c]!)), w.now, JSON.stringify(clocks), id);
  w.op({ kind: 'restore', entity, recordId: id, scopeId: row.scope_id, payload: { fields: restored } });
  audit(w, entity, id, opts.audit, { deleted: true }, { deleted: false, restored });
}

/**
 * Adds (`present`) or removes a member of a set (tags, watchers, links, seats, memberships): one
 * row per member with its own add/remove clock. A removed member added again gets its row back
 * (with the values it was first added with: a set member's fields are merged once). Returns
 * whether anything changed.
 */
export function setMember(
  ctx: StoreRef,
  w: WriteScope,
  entity: string,
  id: string,
  scopeId: string,
  values: Values,
  present: boolean,
  opts: { audit?: AuditSpec } = {},
): boolean {
  const t = typeOf(entity);
  if (t.rule.merge !== 'set') throw new AppError('internal', `${entity} records are not set members.`);
  const cols = checked(entity, t, values);
  const sqlite = ctx.store.sqlite;
  const row = stmt(sqlite, `SELECT deleted_hlc AS deleted FROM ${entity} WHERE id = ?`).get(id) as { deleted: string | null } | undefined;
  const isPresent = !!row && row.deleted === null;
  if (isPresent === present) return false;
  const member: Record<string, Value> = {};
  for (const c of cols) member[c] = values[c]!;
  if (present && !row) {
    const names = ['id', 'scope_id', 'created_at', 'updated_at', 'field_hlc', ...cols];
    stmt(sqlite, `INSERT INTO ${entity} (${names.join(', ')}) VALUES (${names.map(() => '?').join(', ')})`).run(id, scopeId, w.now, w.now, compactClocks(w.stamp), ...cols.map((c) => bind(values[c]!)));
  } else if (present) {
    stmt(sqlite, `UPDATE ${entity} SET deleted_hlc = NULL, scope_id = ?, updated_at = ?, field_hlc = ? WHERE id = ?`).run(scopeId, w.now, compactClocks(w.stamp), id);
  } else {
    stmt(sqlite, `UPDATE ${entity} SET deleted_hlc = ?, updated_at = ? WHERE id = ?`).run(w.stamp, w.now, id);
  }
  w.op({ kind: present ? 'setAdd' : 'setRemove', entity, recordId: id, scopeId, payload: { ...member, scope_id: scopeId } });
  audit(w, entity, id, opts.audit, present ? null : member, present ? member : { deleted: true });
  return true;
}
