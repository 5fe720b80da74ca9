/**
 * The requester portal: the service catalogue, "Report a problem", a requester's own tickets and
 * their public timeline. The same calls are answered by the app (over its local store) and by the
 * central server at /portal (over its own store, writing ops judged like any device's).
 */
import { z } from 'zod';
import { call, type Role } from './contract';
import { id } from './common';
import type { TicketStatus, TicketType } from '../tickets/rules';
import type { CatalogueItem } from '../catalogue/items';
import type { Answers } from '../catalogue/form';
import type { KbImageType } from '../kb/pictures';

/** A help article's picture: its type (told from its bytes: PNG, JPEG, GIF or WebP) and bytes. */
export interface PortalPicture {
  mediaType: KbImageType;
  contentBase64: string;
}

/** Who uses the portal: requesters, and staff looking at what requesters see. */
const PORTAL: readonly Role[] = ['requester', 'admin', 'technician'];

/** When the team aims to answer or resolve, as the ticket's SLA says (null when none applies). */
export interface PortalAim {
  clock: 'response' | 'resolution';
  /** ISO instant; null while the clock is paused (waiting on the requester or a supplier). */
  dueAt: string | null;
  paused: boolean;
  /** The aim has passed (by the clock of the device or server answering, not the reader's). */
  overdue: boolean;
}

export interface PortalTicket {
  id: string;
  number: string;
  type: TicketType;
  title: string;
  status: TicketStatus;
  openedAt: string;
  updatedAt: string;
  catalogueItemName: string | null;
  aim: PortalAim | null;
}

export type PortalTimelineEntry =
  | { kind: 'comment'; id: string; at: string; authorName: string; body: string; mine: boolean }
  | { kind: 'status'; id: string; at: string; authorName: string; from: TicketStatus | null; to: TicketStatus; reason: string | null };

export interface PortalTicketDetail extends PortalTicket {
  description: string;
  answers: Answers | null;
  timeline: PortalTimelineEntry[];
  /** What the requester may do now (the server judges again). */
  can: { comment: boolean; cancel: boolean; reopen: boolean; close: boolean };
}

export const portalSubmitInput = z
  .object({
    /** The catalogue item; null for "Report a problem" (an incident). */
    itemId: id.nullable().default(null),
    title: z.string().trim().min(1, { message: 'Give your request a short title.' }).max(300),
    description: z.string().trim().max(20_000).default(''),
    answers: z.record(z.string(), z.union([z.string().max(20_000), z.number(), z.boolean(), z.null()])).default({}),
    /** For a problem: how many people it stops working (1 = many … 3 = just me). */
    impact: z.union([z.literal(1), z.literal(2), z.literal(3)]).default(3),
    urgency: z.union([z.literal(1), z.literal(2), z.literal(3)]).default(3),
  })
  .strict();
export type PortalSubmitInput = z.output<typeof portalSubmitInput>;

/** A published public help article as the portal lists it. */
export interface PortalArticleSummary {
  id: string;
  number: string;
  title: string;
  category: string | null;
  /** Plain text around the match (or the article's opening), for the list. */
  excerpt: string;
}

export interface PortalArticle extends Omit<PortalArticleSummary, 'excerpt'> {
  /** Markdown. */
  body: string;
  updatedAt: string;
}

export const PORTAL_MOVES = ['cancel', 'reopen', 'close'] as const;
export type PortalMove = (typeof PORTAL_MOVES)[number];

export const portalCalls = {
  'portal.catalogue': call<{ items: CatalogueItem[] }>()(z.object({}).strict().default({}), PORTAL),
  'portal.submit': call<{ id: string; number: string }>()(portalSubmitInput, PORTAL, { mutates: true }),
  'portal.myTickets': call<{ items: PortalTicket[] }>()(z.object({}).strict().default({}), PORTAL),
  'portal.ticket': call<PortalTicketDetail>()(z.object({ id }).strict(), PORTAL),
  /** Published public help articles, newest first, or those matching `q`. */
  'portal.articles': call<{ items: PortalArticleSummary[] }>()(z.object({ q: z.string().trim().max(200).default('') }).strict(), PORTAL),
  'portal.article': call<PortalArticle>()(z.object({ id }).strict(), PORTAL),
  /**
   * A picture a help article shows (`![…](blob:<sha256>)` in its body): only a file taken in as that
   * article's picture (on the server: uploaded for it), of a published public article; else "No such picture".
   */
  'portal.picture': call<PortalPicture>()(
    z.object({ articleId: id, sha256: z.string().regex(/^[0-9a-f]{64}$/, { message: 'A picture is named by its SHA-256.' }) }).strict(),
    PORTAL,
  ),
  'portal.comment': call<{ ok: true }>()(
    z.object({ id, body: z.string().trim().min(1, { message: 'A comment cannot be empty.' }).max(20_000) }).strict(),
    PORTAL,
    { mutates: true },
  ),
  'portal.move': call<{ ok: true }>()(
    z
      .object({ id, move: z.enum(PORTAL_MOVES), reason: z.string().trim().max(2000).optional() })
      .strict()
      .refine((v) => v.move !== 'reopen' || !!v.reason, { message: 'Say why you are reopening it.', path: ['reason'] }),
    PORTAL,
    { mutates: true },
  ),
};
