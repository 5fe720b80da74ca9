/**
 * Edits the server refused (a site the user lost, a role that no longer allows it, a value it
 * rejects). The op is acknowledged so it never blocks the queue, but it must not vanish: each is
 * kept on the device with the record, the values and the server's reason until someone dismisses
 * it, and shown in the Conflicts inbox as "not accepted by the server".
 */
import type Database from 'better-sqlite3';
import type { Ctx } from '../services/core/context';
import { requireActor } from '../services/core/write';
import { getMeta, setMeta } from '../services/core/meta';
import { AppError } from '../../shared/result';
import { dropRecord } from './scopes';
import { FOLLOWING_CHILD } from '../../shared/sync/following';
import type { OpResult } from '../../shared/sync/wire';
import type { RejectedItem } from '../../shared/api/sync';

const KEY = 'sync.rejected_ops';
/** Enough for days of offline work in a lost site; the oldest go first beyond it. */
const MAX_KEPT = 2000;

interface Kept {
  id: string;
  deviceSeq: number;
  kind: string;
  entity: string;
  recordId: string;
  scopeId: string;
  payload: Record<string, unknown>;
  reason: string;
  madeAt: string;
  rejectedAt: string;
  /** A label for the record taken when the op was refused (the record may leave the device). */
  label: string;
}

function read(sqlite: Database.Database): Kept[] {
  const v = getMeta(sqlite, KEY);
  if (!v) return [];
  try {
    const list = JSON.parse(v) as unknown;
    return Array.isArray(list) ? (list as Kept[]) : [];
  } catch {
    return [];
  }
}

export function rejectedCount(sqlite: Database.Database): number {
  return read(sqlite).length;
}

function label(sqlite: Database.Database, entity: string, recordId: string, payload: Record<string, unknown>): string {
  const ticketId = entity === 'tickets' ? recordId : typeof payload.ticket_id === 'string' ? payload.ticket_id : null;
  if (ticketId) {
    const t = sqlite.prepare('SELECT number, title FROM tickets WHERE id = ?').get(ticketId) as { number: string; title: string } | undefined;
    if (t) return `${t.number} ${t.title}`;
    if (typeof payload.title === 'string') return String(payload.number ?? '') ? `${String(payload.number)} ${payload.title}` : payload.title;
  }
  const name = typeof payload.name === 'string' ? payload.name : typeof payload.title === 'string' ? payload.title : null;
  return name ? `${entity.replace(/_/g, ' ')} ${name}` : `${entity.replace(/_/g, ' ')} ${recordId.slice(0, 8)}`;
}

/**
 * Keeps the refused ops among `results`, read from the outbox before they are removed from it.
 * Runs inside the acknowledging transaction.
 */
export function keepRejected(sqlite: Database.Database, results: OpResult[], nowIso: string): void {
  const refused = results.filter((r) => r.status === 'rejected');
  if (!refused.length) return;
  const get = sqlite.prepare('SELECT op_id, device_seq, kind, entity, record_id, scope_id, payload, created_at FROM pending_ops WHERE device_seq = ?');
  const list = read(sqlite);
  const known = new Set(list.map((k) => k.id));
  for (const r of refused) {
    const row = get.get(r.deviceSeq) as
      | { op_id: string; device_seq: number; kind: string; entity: string; record_id: string; scope_id: string; payload: string; created_at: string }
      | undefined;
    if (!row || known.has(row.op_id)) continue;
    // A refused new row must not linger here. The same holds for a refused member of a ticket's or
    // asset's list (a tag on a ticket that has left this device's sites): when the server does hold
    // it, it sends its version again, so dropping the local copy loses nothing. Directory lists
    // (a user's sites, group members) stay: they decide what this device may see.
    const childMember = (row.kind === 'setAdd' || row.kind === 'setRemove') && FOLLOWING_CHILD.has(row.entity);
    if (row.kind === 'create' || row.kind === 'append' || childMember) forgetRefusedRecord(sqlite, row.entity, row.record_id);
    // History rows are written by the app alongside an edit; the edit itself is what to show.
    if (row.entity === 'ticket_history') continue;
    let payload: Record<string, unknown> = {};
    try {
      const p = JSON.parse(row.payload) as unknown;
      if (p && typeof p === 'object' && !Array.isArray(p)) payload = p as Record<string, unknown>;
    } catch {
      payload = {};
    }
    list.push({
      id: row.op_id,
      deviceSeq: row.device_seq,
      kind: row.kind,
      entity: row.entity,
      recordId: row.record_id,
      scopeId: row.scope_id,
      payload,
      reason: r.reason ?? 'The server did not accept this change.',
      madeAt: row.created_at,
      rejectedAt: nowIso,
      label: label(sqlite, row.entity, row.record_id, payload),
    });
  }
  setMeta(sqlite, KEY, JSON.stringify(list.slice(-MAX_KEPT)));
}

/**
 * A record this device made that the server refused will never exist there (or exists where this
 * device may not hold it): the local copy goes, with its children, so the device matches the
 * server; its values stay in the list of refused changes. If something else on the device still
 * points at it, the copy stays rather than failing the acknowledgement.
 */
function forgetRefusedRecord(sqlite: Database.Database, entity: string, id: string): void {
  try {
    sqlite.transaction(() => dropRecord(sqlite, entity, id, () => false))();
  } catch {
    // A foreign key still refers to it: keep the local copy.
  }
}

const KIND_WORDS: Record<string, string> = {
  create: 'Created',
  setFields: 'Edited',
  transition: 'Status change',
  append: 'Added',
  setAdd: 'Added to a list',
  setRemove: 'Removed from a list',
  delete: 'Deleted',
  restore: 'Brought back',
};

function fieldsOf(k: Kept): { name: string; value: string | null }[] {
  const flat: Record<string, unknown> = { ...k.payload };
  if (k.kind === 'transition') {
    delete flat.fields;
    delete flat.from;
    if (flat.to !== undefined) {
      flat.status = flat.to;
      delete flat.to;
    }
    const more = k.payload.fields;
    if (more && typeof more === 'object' && !Array.isArray(more)) for (const [n, v] of Object.entries(more)) if (n !== 'status') flat[n] = v;
  }
  if (k.kind === 'restore' && k.payload.fields && typeof k.payload.fields === 'object') {
    delete flat.fields;
    Object.assign(flat, k.payload.fields);
  }
  return Object.entries(flat).map(([name, v]) => ({ name, value: v === null || v === undefined ? null : typeof v === 'string' ? v : JSON.stringify(v) }));
}

export function listRejected(ctx: Ctx): RejectedItem[] {
  requireActor(ctx);
  return read(ctx.store.sqlite)
    .slice()
    .reverse()
    .map((k) => ({
      id: k.id,
      entity: k.entity,
      recordId: k.recordId,
      recordLabel: k.label,
      siteId: k.scopeId,
      action: KIND_WORDS[k.kind] ?? k.kind,
      fields: fieldsOf(k),
      reason: k.reason,
      madeAt: k.madeAt,
      rejectedAt: k.rejectedAt,
    }));
}

export function dismissRejected(ctx: Ctx, id: string): { id: string; dismissed: true } {
  requireActor(ctx);
  const sqlite = ctx.store.sqlite;
  const list = read(sqlite);
  const next = list.filter((k) => k.id !== id);
  if (next.length === list.length) throw new AppError('not_found', 'That refused change is no longer in the list (perhaps already dismissed).');
  setMeta(sqlite, KEY, JSON.stringify(next));
  return { id, dismissed: true };
}
