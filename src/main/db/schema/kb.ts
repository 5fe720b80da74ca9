/** The knowledge base: articles, the revision kept at each publish, tags, and tickets solved with an article. */
import { sql } from 'drizzle-orm';
import { index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { syncedColumns } from './columns';
import { tickets } from './tickets';

export const kbArticles = sqliteTable(
  'kb_articles',
  {
    ...syncedColumns(),
    number: text('number').notNull(),
    title: text('title').notNull(),
    /** Markdown (CommonMark with GFM tables); images name blobs of the store (`blob:<sha256>`). */
    body: text('body').notNull(),
    category: text('category'),
    /** draft, in_review, published, retired (shared/kb/rules.ts). */
    status: text('status').notNull(),
    /** internal (staff and auditors) or public (requesters too, once published). */
    visibility: text('visibility').notNull(),
    ownerId: text('owner_id'),
    /** How many times it was published. */
    version: integer('version').notNull().default(0),
    publishedAt: text('published_at'),
  },
  (t) => [
    uniqueIndex('kb_articles_number_uq').on(t.number),
    index('kb_articles_live_idx').on(t.status, t.updatedAt).where(sql`deleted_hlc IS NULL`),
    index('kb_articles_category_idx').on(t.category, t.updatedAt).where(sql`deleted_hlc IS NULL`),
  ],
);

/** Append-only: the title and body published at each version, and who published it. */
export const kbArticleRevisions = sqliteTable(
  'kb_article_revisions',
  {
    ...syncedColumns(),
    articleId: text('article_id').notNull(),
    version: integer('version').notNull(),
    title: text('title').notNull(),
    body: text('body').notNull(),
    actorId: text('actor_id').notNull(),
  },
  (t) => [index('kb_article_revisions_article_idx').on(t.articleId, t.version)],
);

/** An article's tags: one row per (article, tag key). */
export const kbArticleTags = sqliteTable(
  'kb_article_tags',
  {
    ...syncedColumns(),
    articleId: text('article_id').notNull(),
    tag: text('tag').notNull(),
    tagKey: text('tag_key').notNull(),
  },
  (t) => [uniqueIndex('kb_article_tags_uq').on(t.articleId, t.tagKey), index('kb_article_tags_key_idx').on(t.tagKey, t.articleId)],
);

/** "Solved with this article": one row per (ticket, article), a child of the ticket. */
export const kbTicketLinks = sqliteTable(
  'kb_ticket_links',
  {
    ...syncedColumns(),
    ticketId: text('ticket_id')
      .notNull()
      .references(() => tickets.id),
    articleId: text('article_id').notNull(),
  },
  (t) => [uniqueIndex('kb_ticket_links_uq').on(t.ticketId, t.articleId), index('kb_ticket_links_article_idx').on(t.articleId)],
);
