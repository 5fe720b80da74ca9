/**
 * The server's rules, run on the device before an op is queued (shared/sync/access `judgeWrite`),
 * so a person sees a refusal at once instead of finding the change under "Not accepted by the
 * server" after the next sync. Only on a device joined to a server: standalone, no one else judges.
 * The device judges with what it knows of the person's server standing (role and sites from its
 * last sync); the server judges again with the truth.
 */
import type Database from 'better-sqlite3';
import { judgeWrite, type Principal } from '../../../shared/sync/access';
import { isKnownEntity, ruleFor, type WriterRole } from '../../../shared/sync/entities';
import type { RecordState } from '../../../shared/sync/merge';
import { AppError } from '../../../shared/result';
import type { Ctx } from './context';
import { getMeta } from './meta';
import type { OpInput } from './ops';

const BASE = new Set(['id', 'scope_id', 'created_at', 'updated_at', 'field_hlc', 'deleted_hlc']);

function row(sqlite: Database.Database, entity: string, id: string): RecordState | null {
  if (!/^[a-z][a-z0-9_]*$/.test(entity)) return null;
  const r = sqlite.prepare(`SELECT * FROM ${entity} WHERE id = ?`).get(id) as Record<string, unknown> | undefined;
  if (!r) return null;
  const data: Record<string, unknown> = {};
  for (const k of Object.keys(r)) if (!BASE.has(k)) data[k] = r[k];
  return { entity, id, scopeId: String(r.scope_id), data, fieldHlc: {}, deletedHlc: (r.deleted_hlc as string | null) ?? null, createdAt: String(r.created_at), updatedAt: String(r.updated_at) };
}

/**
 * The record as the server holds it while it judges an edit: services write the row before its op,
 * so the row read here is already changed; `before` (the changed fields' previous values, as the
 * record primitive hands them to the op) puts it back. Without it a move out of a site the person no
 * longer holds was judged on the site it moves to, and let through.
 */
function asStored(state: RecordState | null, before: unknown): RecordState | null {
  if (!state || !before || typeof before !== 'object' || Array.isArray(before)) return state;
  const data = { ...state.data };
  let scopeId = state.scopeId;
  for (const [k, v] of Object.entries(before as Record<string, unknown>)) {
    if (k === 'scope_id') {
      if (typeof v === 'string') scopeId = v;
    } else if (!BASE.has(k)) data[k] = v;
  }
  return { ...state, scopeId, data };
}

/** Judges one op before it is queued; `before`: the changed fields' previous values (an edit's). */
export type DeviceGuard = (op: OpInput, before?: unknown) => void;

/** A check for each op of one write, or null when the device is not joined to a server. */
export function deviceGuard(ctx: Ctx): DeviceGuard | null {
  const sqlite = ctx.store.sqlite;
  if (!ctx.actor || !getMeta(sqlite, 'sync.server_url')) return null;
  let standing: { role?: string } | null;
  let sites: string[] | null;
  try {
    standing = JSON.parse(getMeta(sqlite, 'sync.user') ?? 'null') as { role?: string } | null;
    sites = JSON.parse(getMeta(sqlite, 'sync.scopes') ?? 'null') as string[] | null;
  } catch {
    return null;
  }
  const p: Principal = { id: ctx.actor.id, role: (standing?.role ?? ctx.actor.role) as WriterRole, sites };
  return (op, before) => {
    if (!isKnownEntity(op.entity)) return;
    const payload = op.payload && typeof op.payload === 'object' && !Array.isArray(op.payload) ? (op.payload as Record<string, unknown>) : {};
    // Services write the row before its op: a new record is judged as new, an edit on the row as it
    // stood before the edit (see asStored).
    const creating = op.kind === 'create' || op.kind === 'append' || op.kind === 'setAdd';
    const current = creating ? null : asStored(row(sqlite, op.entity, op.recordId), before);
    const rule = ruleFor(op.entity);
    const parentId = rule.parent ? (payload[rule.parent.field] ?? current?.data[rule.parent.field]) : undefined;
    const parent = rule.parent && typeof parentId === 'string' ? row(sqlite, rule.parent.entity, parentId) : null;
    const judged = judgeWrite(p, { ...op, payload }, current, parent);
    if (!judged.ok) throw new AppError('forbidden', `The server would refuse this change: ${judged.reason}`);
  };
}
