/**
 * Sync rules for the knowledge base (issue 12): articles (Markdown, numbered KB0000001, in a site or
 * team-wide in `global`), the revision kept at each publish (append-only), an article's tags (a set)
 * and the "solved with this article" links from tickets (a set, child of the ticket so it lives and
 * moves with it). Staff write; only administrators publish (see shared/kb/rules.ts, checked in
 * access.ts roleRules). Auditors read everything; requesters receive published public articles
 * only, and an article that stops being one is withdrawn from their devices.
 */
import { z } from 'zod';
import { KB_STATUSES, KB_VISIBILITIES } from '../kb/rules';
import { numberOrProvisional } from '../numbers';
import type { EntityRule, WriterRole } from './entity-rule';

const id = z.string().min(1).max(80);
const str = (max: number) => z.string().max(max);
const optStr = (max: number) => z.string().max(max).nullable();
const isoTime = z.string().max(40);

const STAFF: readonly WriterRole[] = ['admin', 'technician'];
/** The revision kept at a publish: only those who publish write it. */
const PUBLISHERS: readonly WriterRole[] = ['admin'];

/** The longest article body (Markdown). */
export const KB_MAX_BODY = 200_000;

export const KB_ENTITY_RULES: Record<string, EntityRule> = {
  kb_articles: {
    home: 'any',
    // Team-wide knowledge is written by staff, not only administrators.
    globalWriters: STAFF,
    fixed: ['number'],
    merge: 'record',
    writers: STAFF,
    textFields: ['title', 'body'],
    read: { requester: { match: { status: 'published', visibility: 'public' }, withdraw: true } },
    fields: {
      number: z.string().regex(numberOrProvisional(['KB']), { message: 'Article numbers look like KB0000001 (or KB-P-3F9A2C-1 while provisional).' }),
      title: str(300).min(1),
      body: str(KB_MAX_BODY),
      category: optStr(120),
      status: z.enum(KB_STATUSES, { message: `An article's status is one of ${KB_STATUSES.join(', ')}.` }),
      visibility: z.enum(KB_VISIBILITIES, { message: 'An article is internal or public.' }),
      owner_id: id.nullable(),
      /** How many times it was published; the revision of each publish carries its number. */
      version: z.number().int().min(0).max(1_000_000),
      published_at: isoTime.nullable(),
    },
  },
  kb_article_revisions: {
    home: 'any',
    globalWriters: PUBLISHERS,
    identity: ['actor_id'],
    merge: 'append',
    parent: { field: 'article_id', entity: 'kb_articles' },
    writers: PUBLISHERS,
    fields: {
      article_id: id,
      version: z.number().int().min(1).max(1_000_000),
      title: str(300).min(1),
      body: str(KB_MAX_BODY),
      actor_id: id,
    },
  },
  kb_article_tags: {
    home: 'any',
    globalWriters: STAFF,
    merge: 'set',
    parent: { field: 'article_id', entity: 'kb_articles' },
    writers: STAFF,
    fields: {
      article_id: id,
      tag: str(40).min(1).regex(/^[^,]+$/, { message: 'Tags cannot contain commas.' }),
      tag_key: str(40).min(1).regex(/^[^,A-Z]+$/, { message: 'A tag key is lower-case with no commas.' }),
    },
  },
  // "Solved with this article": a ticket's link to an article, in the ticket's site.
  kb_ticket_links: {
    home: 'site',
    merge: 'set',
    parent: { field: 'ticket_id', entity: 'tickets' },
    writers: STAFF,
    fields: { ticket_id: id, article_id: id },
  },
};
