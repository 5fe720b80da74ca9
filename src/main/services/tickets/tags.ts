/**
 * Ticket tags: a set per ticket, one row per (ticket, tag key) with an add/remove clock. The row id
 * comes from the ticket and the key (setRowId), so the same tag added on two devices while apart is
 * one record on the server, and a remove and a re-add of it are ordered by their clocks.
 */
import type Database from 'better-sqlite3';
import type { Ctx } from '../core/context';
import { requireActor, write, type WriteScope } from '../core/write';
import { setMember, storeOf, touchRecord } from '../core/record';
import { setRowId } from '../core/set-ids';
import { AppError } from '../../../shared/result';
import { appendHistory, getTicketOrThrow } from './tickets';

export { TAG_MAX, normaliseTag } from './tag-names';
import { normaliseTag } from './tag-names';

/**
 * Adds (present) or removes a set member inside an open write, with its op. Returns false when the
 * member is already in that state, so nothing is written. A re-add reuses the tombstoned row.
 */
export function writeSetMember(
  sqlite: Database.Database,
  w: WriteScope,
  table: 'ticket_tags' | 'ticket_watchers' | 'ticket_links',
  id: string,
  scopeId: string,
  payload: Record<string, string>,
  present: boolean,
): boolean {
  // The caller's event (the tag, watcher or link in its words) covers the member.
  return setMember(storeOf(sqlite), w, table, id, scopeId, payload, present, { audit: false });
}

function requireStaff(ctx: Ctx) {
  const actor = requireActor(ctx);
  if (actor.role !== 'admin' && actor.role !== 'technician') throw new AppError('forbidden', 'Only administrators and technicians can tag tickets.');
  return actor;
}

/** Tags on a ticket, as shown, in alphabetical order. */
export function tagsOf(sqlite: Database.Database, ticketId: string): string[] {
  return sqlite.prepare('SELECT tag FROM ticket_tags WHERE ticket_id = ? AND deleted_hlc IS NULL ORDER BY tag_key').pluck().all(ticketId) as string[];
}

function setTag(ctx: Ctx, ticketId: string, raw: string, present: boolean): { tags: string[] } {
  requireStaff(ctx);
  const { tag, key } = normaliseTag(raw);
  const t = getTicketOrThrow(ctx, ticketId);
  const sqlite = ctx.store.sqlite;
  const id = setRowId('ticket_tags', t.id, key);
  write(ctx, (w) => {
    // A re-add keeps the spelling first used: the row's fields are merged once, at creation.
    const existing = sqlite.prepare('SELECT tag FROM ticket_tags WHERE id = ?').pluck().get(id) as string | undefined;
    const shown = existing ?? tag;
    if (!writeSetMember(sqlite, w, 'ticket_tags', id, t.siteId, { ticket_id: t.id, tag: shown, tag_key: key }, present)) return;
    appendHistory(sqlite, w, t.id, t.siteId, { kind: 'field', field: 'tags', from: present ? null : shown, to: present ? shown : null });
    touchRecord(ctx, w, 'tickets', t.id);
    w.audit('ticket_tag', id, present ? null : { ticketId: t.id, tag: shown }, present ? { ticketId: t.id, tag: shown } : null);
  });
  return { tags: tagsOf(sqlite, t.id) };
}

export function tagTicket(ctx: Ctx, ticketId: string, tag: string): { tags: string[] } {
  return setTag(ctx, ticketId, tag, true);
}

export function untagTicket(ctx: Ctx, ticketId: string, tag: string): { tags: string[] } {
  return setTag(ctx, ticketId, tag, false);
}
