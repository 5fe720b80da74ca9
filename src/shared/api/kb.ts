/**
 * The knowledge base: articles in Markdown, searched with snippets, suggested while a ticket is
 * written and when it is resolved, and linked to the tickets they solved. Requesters read published
 * public articles only (kb.search, kb.list, kb.get); staff write; administrators publish.
 */
import { z } from 'zod';
import { call, ALL_ROLES, STAFF } from './contract';
import { id, trimmed } from './common';
import { KB_STATUSES, KB_VISIBILITIES, type KbStatus, type KbVisibility } from '../kb/rules';
import { KB_MAX_BODY } from '../sync/entities-kb';
import { KB_IMAGE_TYPES, KB_MAX_IMAGE_BYTES, type KbImageType } from '../kb/pictures';

export interface KbArticleSummary {
  id: string;
  number: string;
  title: string;
  category: string | null;
  status: KbStatus;
  visibility: KbVisibility;
  /** null: team-wide. */
  siteId: string | null;
  version: number;
  tags: string[];
  /** Tickets marked "solved with this article" (on this device's sites). */
  solvedCount: number;
  updatedAt: string;
  publishedAt: string | null;
}

export interface KbRevision {
  id: string;
  version: number;
  title: string;
  body: string;
  at: string;
  actorId: string;
  actorName: string | null;
}

export interface KbArticle extends KbArticleSummary {
  body: string;
  ownerId: string | null;
  ownerName: string | null;
  createdAt: string;
  /** Every published version, newest first (requesters: none). */
  revisions: KbRevision[];
}

export interface KbHit {
  id: string;
  number: string;
  title: string;
  category: string | null;
  status: KbStatus;
  visibility: KbVisibility;
  /** Text with matches wrapped in \u0002 … \u0003 so the UI can mark them without HTML. */
  snippet: string;
  rank: number;
  solvedCount: number;
}

const tag = z.string().trim().min(1).max(40).regex(/^[^,]+$/, { message: 'Tags cannot contain commas.' });
const body = z.string().max(KB_MAX_BODY, { message: `An article is at most ${KB_MAX_BODY.toLocaleString('en')} characters.` });
const category = z.string().trim().max(120).nullable();

export const kbCreate = z
  .object({
    title: trimmed(300, 'Title'),
    body: body.default(''),
    category: category.optional(),
    tags: z.array(tag).max(30).optional(),
    visibility: z.enum(KB_VISIBILITIES).default('internal'),
    /** A site, or null for a team-wide article (the default). */
    siteId: z.string().min(1).max(80).nullable().default(null),
  })
  .strict();

export const kbUpdate = z
  .object({
    id,
    title: trimmed(300, 'Title').optional(),
    body: body.optional(),
    category: category.optional(),
    tags: z.array(tag).max(30).optional(),
    visibility: z.enum(KB_VISIBILITIES).optional(),
    ownerId: id.nullable().optional(),
  })
  .strict();

/** Pictures an article may show: kept in the store's blob store (encrypted with it), named by SHA-256 (shared/kb/pictures.ts). */
export { KB_IMAGE_TYPES, KB_MAX_IMAGE_BYTES };

export const kbFilter = z
  .object({
    status: z.enum(KB_STATUSES).optional(),
    visibility: z.enum(KB_VISIBILITIES).optional(),
    category: z.string().trim().min(1).max(120).optional(),
    tag: z.string().trim().min(1).max(40).optional(),
  })
  .strict();
export type KbFilter = z.infer<typeof kbFilter>;

export const kbCalls = {
  /** Full-text search, ranked, with snippets. Requesters: published public articles only. */
  'kb.search': call<{ items: KbHit[] }>()(
    kbFilter
      .extend({
        q: z.string().trim().min(1, { message: 'Type something to search for.' }).max(200),
        limit: z.number().int().min(1).max(100).default(20),
      })
      .strict(),
    ALL_ROLES,
  ),
  /** Articles newest first, with the categories in use for the filters. Requesters: published public only. */
  'kb.list': call<{ items: KbArticleSummary[]; total: number; categories: string[] }>()(
    kbFilter
      .extend({ limit: z.number().int().min(1).max(500).default(100), offset: z.number().int().min(0).max(10_000_000).default(0) })
      .strict()
      .default({ limit: 100, offset: 0 }),
    ALL_ROLES,
  ),
  /** One article (requesters: only a published public one; anything else is "No such article"). */
  'kb.get': call<KbArticle>()(z.object({ id }).strict(), ALL_ROLES),
  'kb.create': call<KbArticle>()(kbCreate, STAFF, { mutates: true }),
  'kb.update': call<KbArticle>()(kbUpdate, STAFF, { mutates: true }),
  /** Moves an article along draft → in review → published → retired (publish and retire: administrators). */
  'kb.move': call<KbArticle>()(z.object({ id, to: z.enum(KB_STATUSES) }).strict(), STAFF, { mutates: true }),
  /** Up to five published articles matching what is being typed (a new ticket's title and description). */
  'kb.suggest': call<{ items: KbHit[] }>()(
    z
      .object({ text: z.string().max(20_000), limit: z.number().int().min(1).max(5).default(5) })
      .strict(),
    ALL_ROLES,
  ),
  /** Records (or removes) "solved with this article" on a ticket. */
  'kb.solved': call<{ articleId: string; ticketId: string; solvedCount: number; linked: boolean }>()(
    z.object({ ticketId: id, articleId: id, present: z.boolean().default(true) }).strict(),
    STAFF,
    { mutates: true },
  ),
  /**
   * Keeps a picture for an article in the store's blob store and answers the Markdown that shows it
   * (`![name](blob:<sha256>)`). PNG, JPEG, GIF or WebP, checked from the bytes, at most 5 MB.
   */
  'kb.addImage': call<{ sha256: string; markdown: string }>()(
    z
      .object({
        fileName: z.string().trim().min(1).max(255),
        contentBase64: z.string().max(Math.ceil((KB_MAX_IMAGE_BYTES * 4) / 3) + 4, { message: 'A picture is at most 5 MB.' }),
      })
      .strict(),
    STAFF,
    { mutates: true },
  ),
  /**
   * A picture an article the caller may read shows (requesters: a published public one), and only a
   * file taken in as a picture on this device, never another file of the store an article names.
   */
  'kb.image': call<{ mediaType: KbImageType; contentBase64: string }>()(
    z.object({ sha256: z.string().regex(/^[0-9a-f]{64}$/, { message: 'A picture is named by its SHA-256.' }), articleId: id.optional() }).strict(),
    ALL_ROLES,
  ),
  /** The articles a ticket was solved with. */
  'kb.forTicket': call<{ items: KbArticleSummary[] }>()(z.object({ ticketId: id }).strict(), STAFF),
};
