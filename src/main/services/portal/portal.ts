/**
 * The requester portal on the device: the catalogue, submitting a request or a problem, the
 * requester's own tickets with their public timeline, commenting, cancelling and reopening. Writes go
 * through the tickets service (and so the one write path); reads show only what a requester may see.
 */
import type { Ctx } from '../core/context';
import { requireActor } from '../core/write';
import { AppError } from '../../../shared/result';
import { aimOf } from '../../../shared/catalogue/aim';
import { requestTicket } from '../../../shared/catalogue/items';
import { MOVE_TARGET, moveRefusal, portalCan } from '../../../shared/catalogue/portal-rules';
import type { Answers } from '../../../shared/catalogue/form';
import { articleImage } from '../kb/kb';
import type { PortalArticle, PortalArticleSummary, PortalPicture, PortalMove, PortalSubmitInput, PortalTicket, PortalTicketDetail, PortalTimelineEntry } from '../../../shared/api/portal';
import type { TicketStatus, TicketType } from '../../../shared/tickets/rules';
import { commentTicket, createTicket, getTicketDetail, getTicketOrThrow, transitionTicket } from '../tickets/tickets';
import { getCatalogueItem } from './catalogue';
import { excerpt, matchesArticle } from '../../../shared/catalogue/articles';
import { loadSlaSetup, type SlaSetup } from '../sla/load';
import { historyOf, slaOfTicket, type TicketSlaFacts } from '../sla/recompute';

export function submitRequest(ctx: Ctx, input: PortalSubmitInput): { id: string; number: string } {
  const sqlite = ctx.store.sqlite;
  const item = input.itemId ? getCatalogueItem(sqlite, input.itemId) : null;
  if (input.itemId && !item) throw new AppError('not_found', 'That request item is not in the catalogue any more.', [{ path: ['itemId'], message: 'Not in the catalogue.' }]);
  const r = requestTicket(item, input);
  if (!r.ok) throw new AppError('invalid_input', r.message, [{ path: r.path, message: r.message }]);
  const actor = requireActor(ctx);
  const t = createTicket(ctx, {
    type: r.value.type,
    title: r.value.title,
    description: r.value.description,
    category: r.value.category,
    impact: item ? 3 : input.impact,
    urgency: item ? 3 : input.urgency,
    // Staff trying the portal raise the request for themselves, as a requester would; a requester's
    // ticket reaches the server without a group (the server files it under the item's group).
    requesterId: actor.id,
    groupId: actor.role === 'requester' ? null : (item?.groupId ?? null),
    contactChannel: 'portal',
    catalogueItemId: r.value.catalogueItemId,
    formAnswers: r.value.formAnswers,
  });
  return { id: t.id, number: t.number };
}

interface Row {
  id: string;
  number: string;
  type: TicketType;
  title: string;
  status: TicketStatus;
  opened_at: string;
  updated_at: string;
  item_name: string | null;
  category: string | null;
  scope_id: string;
  priority: number;
  first_response_at: string | null;
  description: string;
  form_answers: string | null;
}

const SELECT = `SELECT t.id, t.number, t.type, t.title, t.status, t.opened_at, t.updated_at, c.name AS item_name, t.category, t.scope_id, t.priority,
  t.first_response_at, t.description, t.form_answers
  FROM tickets t LEFT JOIN catalogue_items c ON c.id = t.catalogue_item_id
  WHERE t.requester_id = ? AND t.deleted_hlc IS NULL`;

function toPortalTicket(ctx: Ctx, setup: SlaSetup, r: Row): PortalTicket {
  const facts: TicketSlaFacts = { id: r.id, type: r.type, category: r.category, scope_id: r.scope_id, priority: r.priority, opened_at: r.opened_at, first_response_at: r.first_response_at };
  const sla = setup.policies.length ? slaOfTicket(setup, facts, historyOf(ctx.store.sqlite, r.id)) : null;
  return { id: r.id, number: r.number, type: r.type, title: r.title, status: r.status, openedAt: r.opened_at, updatedAt: r.updated_at, catalogueItemName: r.item_name, aim: aimOf(sla?.figures ?? null, ctx.clock.now().getTime()) };
}

/** The signed-in person's own tickets (those they raised), newest first. */
export function myTickets(ctx: Ctx): PortalTicket[] {
  const actor = requireActor(ctx);
  const rows = ctx.store.sqlite.prepare(`${SELECT} ORDER BY t.opened_at DESC, t.id DESC LIMIT 500`).all(actor.id) as Row[];
  const setup = loadSlaSetup(ctx.store.sqlite);
  return rows.map((r) => toPortalTicket(ctx, setup, r));
}

function ownRow(ctx: Ctx, id: string): Row {
  const actor = requireActor(ctx);
  const r = ctx.store.sqlite.prepare(`${SELECT} AND t.id = ?`).get(actor.id, id) as Row | undefined;
  // Someone else's ticket reads as no ticket at all, whoever asks.
  if (!r) throw new AppError('not_found', 'No such ticket among your requests.');
  return r;
}

function parseAnswers(text: string | null): Answers | null {
  if (!text) return null;
  try {
    const v: unknown = JSON.parse(text);
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Answers) : null;
  } catch {
    return null;
  }
}

export function portalTicket(ctx: Ctx, id: string): PortalTicketDetail {
  const actor = requireActor(ctx);
  const r = ownRow(ctx, id);
  const detail = getTicketDetail(ctx, id);
  const timeline: PortalTimelineEntry[] = [];
  for (const e of detail.timeline) {
    if (e.kind === 'comment' && !e.internal) timeline.push({ kind: 'comment', id: e.id, at: e.at, authorName: e.authorName, body: e.body, mine: e.authorId === actor.id });
    else if (e.kind === 'status') timeline.push({ kind: 'status', id: e.id, at: e.at, authorName: e.authorName, from: e.from, to: e.to, reason: e.reason });
  }
  return { ...toPortalTicket(ctx, loadSlaSetup(ctx.store.sqlite), r), description: r.description, answers: parseAnswers(r.form_answers), timeline, can: portalCan(r.status) };
}

export function portalComment(ctx: Ctx, id: string, body: string): void {
  ownRow(ctx, id);
  commentTicket(ctx, id, body, false);
}

export function portalMove(ctx: Ctx, id: string, move: PortalMove, reason: string | undefined): void {
  const r = ownRow(ctx, id);
  const refused = moveRefusal(r.status, move);
  if (refused) throw new AppError('conflict', refused);
  getTicketOrThrow(ctx, id);
  transitionTicket(ctx, id, { to: MOVE_TARGET[move], ...(reason ? { reason } : {}) });
}

interface ArticleRow {
  id: string;
  number: string;
  title: string;
  category: string | null;
  body: string;
  updated_at: string;
}

const PUBLIC_ARTICLES = `SELECT id, number, title, category, body, updated_at FROM kb_articles
  WHERE deleted_hlc IS NULL AND status = 'published' AND visibility = 'public'`;

/**
 * Published public help articles, whoever asks (staff looking at the portal see what requesters see):
 * newest first, or those holding every word of `q`.
 */
export function portalArticles(ctx: Ctx, q: string): PortalArticleSummary[] {
  requireActor(ctx);
  const rows = ctx.store.sqlite.prepare(`${PUBLIC_ARTICLES} ORDER BY updated_at DESC, number DESC LIMIT 500`).all() as ArticleRow[];
  return rows
    .filter((r) => !q || matchesArticle(r, q))
    .slice(0, 50)
    .map((r) => ({ id: r.id, number: r.number, title: r.title, category: r.category, excerpt: excerpt(r.body, q) }));
}

export function portalArticle(ctx: Ctx, id: string): PortalArticle {
  requireActor(ctx);
  const r = ctx.store.sqlite.prepare(`${PUBLIC_ARTICLES} AND id = ?`).get(id) as ArticleRow | undefined;
  if (!r) throw new AppError('not_found', 'No such help article.');
  return { id: r.id, number: r.number, title: r.title, category: r.category, body: r.body, updatedAt: r.updated_at };
}

/** A picture of a help article (a published public one, whoever asks), as the knowledge base serves it. */
export function portalPicture(ctx: Ctx, articleId: string, sha256: string): PortalPicture {
  requireActor(ctx);
  if (!ctx.store.sqlite.prepare(`${PUBLIC_ARTICLES} AND id = ?`).get(articleId)) throw new AppError('not_found', 'No such picture on this device.');
  return articleImage(ctx, sha256, articleId);
}
