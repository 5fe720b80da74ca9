/**
 * The one primitive for a synced record write, read from the record type's description in
 * src/shared/sync/entities*.ts: it checks the values against the type's field rules, writes the row
 * (only the type's own columns, no hand-kept list), its field clocks, its op and its audit event,
 * all inside the caller's `write` transaction. New record types are written through it; the import's
 * batched writer is the bulk sink of the same transaction (`write(ctx, fn, { auditOps: true })`).
 */
import { isKnownEntity, ruleFor, validateFields } from '../../../shared/sync/entities';
import { AppError } from '../../../shared/result';
import { restamp, stampAll } from './ops';
import { auditTypeOf, type WriteScope } from './write';
import type { Ctx } from './context';

type Values = Record<string, string | number | boolean | null>;

const SAFE = /^[a-z][a-z0-9_]*$/;

function columnsOf(entity: string, values: Values): string[] {
  if (!isKnownEntity(entity) || !SAFE.test(entity)) throw new AppError('internal', `"${entity}" is not a synced record type.`);
  const rule = ruleFor(entity);
  const cols = Object.keys(values);
  const unknown = cols.filter((c) => !(c in rule.fields) || !SAFE.test(c));
  if (unknown.length) throw new AppError('internal', `${entity} has no field ${unknown.join(', ')}.`);
  const bad = validateFields(entity, values);
  if (bad) throw new AppError('invalid_input', bad);
  return cols;
}

const bind = (v: Values[string]) => (typeof v === 'boolean' ? (v ? 1 : 0) : v);

/** Creates a record: row, clocks, a `create` op (or `append` for append-only types) and its audit event. */
export function createRecord(ctx: Ctx, w: WriteScope, entity: string, id: string, scopeId: string, values: Values): void {
  const cols = columnsOf(entity, values);
  const rule = ruleFor(entity);
  const names = ['id', 'scope_id', 'created_at', 'updated_at', 'field_hlc', ...cols];
  ctx.store.sqlite
    .prepare(`INSERT INTO ${entity} (${names.join(', ')}) VALUES (${names.map(() => '?').join(', ')})`)
    .run(id, scopeId, w.now, w.now, stampAll(cols, w.stamp), ...cols.map((c) => bind(values[c]!)));
  const kind = rule.merge === 'append' ? 'append' : rule.merge === 'set' ? 'setAdd' : 'create';
  w.op({ kind, entity, recordId: id, scopeId, payload: { ...values, scope_id: scopeId } });
  w.audit(auditTypeOf(entity), id, null, values);
}

/**
 * Changes fields of a record that exists (and is not deleted): only the fields whose value differs
 * are written, clocked and sent. Returns the changed fields' previous values (empty: nothing changed).
 */
export function updateRecord(ctx: Ctx, w: WriteScope, entity: string, id: string, values: Values): Record<string, unknown> {
  const cols = columnsOf(entity, values);
  const sqlite = ctx.store.sqlite;
  const row = sqlite.prepare(`SELECT * FROM ${entity} WHERE id = ? AND deleted_hlc IS NULL`).get(id) as Record<string, unknown> | undefined;
  if (!row) throw new AppError('not_found', `No such ${auditTypeOf(entity).replace(/_/g, ' ')}.`);
  const changed = cols.filter((c) => row[c] !== bind(values[c]!));
  const before: Record<string, unknown> = {};
  if (!changed.length) return before;
  const after: Values = {};
  for (const c of changed) {
    before[c] = row[c];
    after[c] = values[c]!;
  }
  sqlite
    .prepare(`UPDATE ${entity} SET ${changed.map((c) => `${c} = ?`).join(', ')}, updated_at = ?, field_hlc = ? WHERE id = ?`)
    .run(...changed.map((c) => bind(values[c]!)), w.now, restamp(String(row.field_hlc ?? '{}'), changed, w.stamp), id);
  w.op({ kind: 'setFields', entity, recordId: id, scopeId: String(row.scope_id), payload: after });
  w.audit(auditTypeOf(entity), id, before, after);
  return before;
}

/** Deletes a record (a tombstone clocked like any write), with its op and audit event. */
export function deleteRecord(ctx: Ctx, w: WriteScope, entity: string, id: string): void {
  columnsOf(entity, {});
  const sqlite = ctx.store.sqlite;
  const row = sqlite.prepare(`SELECT scope_id FROM ${entity} WHERE id = ? AND deleted_hlc IS NULL`).get(id) as
    { scope_id: string } | undefined;
  if (!row) throw new AppError('not_found', `No such ${auditTypeOf(entity).replace(/_/g, ' ')}.`);
  sqlite.prepare(`UPDATE ${entity} SET deleted_hlc = ?, updated_at = ? WHERE id = ?`).run(w.stamp, w.now, id);
  w.op({ kind: 'delete', entity, recordId: id, scopeId: row.scope_id, payload: {} });
  w.audit(auditTypeOf(entity), id, { id }, { deleted: true });
}

/**
 * Adds (present) or removes a member of a set type (a risk's assets, a control's tickets), with its
 * `setAdd`/`setRemove` op and audit event. The row id comes from the member's natural key
 * (setRowId), so a re-add reuses the tombstoned row and the latest add or remove wins everywhere.
 * Returns false when the member is already in that state: nothing is written.
 */
export function setMember(ctx: Ctx, w: WriteScope, entity: string, id: string, scopeId: string, values: Values, present: boolean): boolean {
  const cols = columnsOf(entity, values);
  if (ruleFor(entity).merge !== 'set') throw new AppError('internal', `${entity} is not a set.`);
  const sqlite = ctx.store.sqlite;
  const row = sqlite.prepare(`SELECT deleted_hlc AS deleted FROM ${entity} WHERE id = ?`).get(id) as { deleted: string | null } | undefined;
  if ((!!row && row.deleted === null) === present) return false;
  if (present && !row) {
    const names = ['id', 'scope_id', 'created_at', 'updated_at', 'field_hlc', ...cols];
    sqlite
      .prepare(`INSERT INTO ${entity} (${names.join(', ')}) VALUES (${names.map(() => '?').join(', ')})`)
      .run(id, scopeId, w.now, w.now, stampAll(['added'], w.stamp), ...cols.map((c) => bind(values[c]!)));
  } else if (present) {
    sqlite
      .prepare(`UPDATE ${entity} SET deleted_hlc = NULL, updated_at = ?, field_hlc = ? WHERE id = ?`)
      .run(w.now, stampAll(['added'], w.stamp), id);
  } else {
    sqlite.prepare(`UPDATE ${entity} SET deleted_hlc = ?, updated_at = ? WHERE id = ?`).run(w.stamp, w.now, id);
  }
  w.op({ kind: present ? 'setAdd' : 'setRemove', entity, recordId: id, scopeId, payload: { ...values, scope_id: scopeId } });
  w.audit(auditTypeOf(entity), id, present ? null : values, present ? values : { deleted: true });
  return true;
}
