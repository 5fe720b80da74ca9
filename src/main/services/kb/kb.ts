/**
 * The knowledge base: articles in Markdown, numbered KB0000001, in a site or team-wide. Staff write
 * drafts and send them for review; administrators publish (each publish appends a revision with
 * the text readers see, so the history stays readable) and retire. Search is FTS5 (bm25, marked
 * snippets); suggestions rank published articles against what a ticket says; "solved with this
 * article" is a set member on the ticket, counted per article. Requesters read published public
 * articles only, whatever they ask for.
 */
import type Database from 'better-sqlite3';
import type { Ctx } from '../core/context';
import { requireActor, write, type WriteScope } from '../core/write';
import { appendRecord, createRecord, setMember, updateRecord, type Values } from '../core/record';
import { setRowId } from '../core/set-ids';
import { nextNumber } from '../core/numbers';
import { ftsQuery } from '../search/search';
import { blobStoreOf } from '../evidence/blobs';
import { KB_MAX_IMAGE_BYTES, pictureType, picturesIn, type KbImageType } from '../../../shared/kb/pictures';
import { uuidv7 } from '../../../shared/ids';
import { AppError } from '../../../shared/result';
import { kbMoveRefusal, type KbStatus, type KbVisibility } from '../../../shared/kb/rules';
import type { KbArticle, KbArticleSummary, KbFilter, KbHit, KbRevision } from '../../../shared/api/kb';
import type { CallParsed } from '../../../shared/api';

const GLOBAL = 'global';
/** bm25 weights for (number, title, body, category, tags). */
const WEIGHTS = '10.0, 6.0, 1.0, 2.0, 3.0';

interface ArticleRow {
  id: string;
  scope_id: string;
  number: string;
  title: string;
  body: string;
  category: string | null;
  status: KbStatus;
  visibility: KbVisibility;
  owner_id: string | null;
  version: number;
  published_at: string | null;
  created_at: string;
  updated_at: string;
  field_hlc: string;
}

function bad(path: string, message: string): AppError {
  return new AppError('invalid_input', message, [{ path: [path], message }]);
}

function requireStaff(ctx: Ctx) {
  const a = requireActor(ctx);
  if (a.role !== 'admin' && a.role !== 'technician') throw new AppError('forbidden', 'Only administrators and technicians write knowledge articles.');
  return a;
}

const isRequester = (ctx: Ctx) => requireActor(ctx).role === 'requester';

/** SQL that keeps what a requester may read: published public articles. */
const READABLE_BY_REQUESTER = `a.status = 'published' AND a.visibility = 'public'`;

function tagsOf(sqlite: Database.Database, articleId: string): string[] {
  return sqlite.prepare('SELECT tag FROM kb_article_tags WHERE article_id = ? AND deleted_hlc IS NULL ORDER BY tag_key').pluck().all(articleId) as string[];
}

function solvedCount(sqlite: Database.Database, articleId: string): number {
  return sqlite.prepare('SELECT count(*) FROM kb_ticket_links WHERE article_id = ? AND deleted_hlc IS NULL').pluck().get(articleId) as number;
}

function loadRow(sqlite: Database.Database, id: string): ArticleRow | null {
  return (sqlite.prepare('SELECT * FROM kb_articles WHERE id = ? AND deleted_hlc IS NULL').get(id) as ArticleRow | undefined) ?? null;
}

/** The article if the caller may read it; a requester asking for any other one meets "No such article". */
function readable(ctx: Ctx, id: string): ArticleRow {
  const row = loadRow(ctx.store.sqlite, id);
  if (!row || (isRequester(ctx) && !(row.status === 'published' && row.visibility === 'public'))) throw new AppError('not_found', 'No such article.');
  return row;
}

function summary(sqlite: Database.Database, r: ArticleRow): KbArticleSummary {
  return {
    id: r.id,
    number: r.number,
    title: r.title,
    category: r.category,
    status: r.status,
    visibility: r.visibility,
    siteId: r.scope_id === GLOBAL ? null : r.scope_id,
    version: r.version,
    tags: tagsOf(sqlite, r.id),
    solvedCount: solvedCount(sqlite, r.id),
    updatedAt: r.updated_at,
    publishedAt: r.published_at,
  };
}

const nameOf = (sqlite: Database.Database, id: string | null) =>
  id ? ((sqlite.prepare('SELECT display_name FROM users WHERE id = ?').pluck().get(id) as string | undefined) ?? null) : null;

export function getArticle(ctx: Ctx, id: string): KbArticle {
  const sqlite = ctx.store.sqlite;
  const r = readable(ctx, id);
  const revisions = isRequester(ctx)
    ? []
    : (
        sqlite
          .prepare(
            `SELECT r.id, r.version, r.title, r.body, r.created_at AS at, r.actor_id AS actorId, u.display_name AS actorName
             FROM kb_article_revisions r LEFT JOIN users u ON u.id = r.actor_id
             WHERE r.article_id = ? AND r.deleted_hlc IS NULL ORDER BY r.version DESC, r.created_at DESC`,
          )
          .all(id) as KbRevision[]
      );
  return { ...summary(sqlite, r), body: r.body, ownerId: r.owner_id, ownerName: nameOf(sqlite, r.owner_id), createdAt: r.created_at, revisions };
}

function siteFor(ctx: Ctx, siteId: string | null): string {
  const actor = requireActor(ctx);
  if (siteId === null) return GLOBAL;
  if (!ctx.store.sqlite.prepare('SELECT 1 FROM sites WHERE id = ? AND deleted_hlc IS NULL').get(siteId)) throw bad('siteId', 'No such site.');
  if (actor.role !== 'admin' && !actor.siteIds.includes(siteId)) throw new AppError('forbidden', 'You do not have access to that site.');
  return siteId;
}

const tagKey = (t: string) => t.trim().toLowerCase();

/** Makes the article's tags exactly `tags` (members added and removed one by one). */
function writeTags(ctx: Ctx, w: WriteScope, articleId: string, scopeId: string, tags: readonly string[]): void {
  const sqlite = ctx.store.sqlite;
  const wanted = new Map<string, string>();
  // The first spelling of a tag is kept ("Accounts" and "accounts" are one tag).
  for (const t of tags) if (t.trim() && !wanted.has(tagKey(t))) wanted.set(tagKey(t), t.trim());
  const held = sqlite.prepare('SELECT tag_key FROM kb_article_tags WHERE article_id = ? AND deleted_hlc IS NULL').pluck().all(articleId) as string[];
  for (const key of held) {
    if (!wanted.has(key)) setMember(ctx, w, 'kb_article_tags', setRowId('kb_article_tags', articleId, key), scopeId, { article_id: articleId, tag_key: key }, false, { audit: false });
  }
  for (const [key, tag] of wanted) {
    setMember(ctx, w, 'kb_article_tags', setRowId('kb_article_tags', articleId, key), scopeId, { article_id: articleId, tag, tag_key: key }, true, { audit: false });
  }
}

/** Publishes the article as it now stands: the next version, and its revision kept. */
function publish(ctx: Ctx, w: WriteScope, row: ArticleRow, fields: Values): void {
  const version = row.version + 1;
  const title = (fields.title as string | undefined) ?? row.title;
  const body = (fields.body as string | undefined) ?? row.body;
  updateRecord(ctx, w, 'kb_articles', row.id, { ...fields, status: 'published', version, published_at: w.now });
  appendRecord(ctx, w, 'kb_article_revisions', uuidv7(), row.scope_id, { article_id: row.id, version, title, body, actor_id: w.actorId }, { audit: false });
}

export function createArticle(ctx: Ctx, input: CallParsed<'kb.create'>): KbArticle {
  const actor = requireStaff(ctx);
  const sqlite = ctx.store.sqlite;
  const scopeId = siteFor(ctx, input.siteId);
  checkPictures(sqlite, input.body, '');
  const id = uuidv7();
  write(ctx, (w) => {
    createRecord(ctx, w, 'kb_articles', id, scopeId, {
      number: nextNumber(sqlite, 'KB', ctx.clock.now()),
      title: input.title,
      body: input.body,
      category: input.category?.trim() || null,
      status: 'draft',
      visibility: input.visibility,
      owner_id: actor.id,
      version: 0,
      published_at: null,
    });
    if (input.tags?.length) writeTags(ctx, w, id, scopeId, input.tags);
  });
  return getArticle(ctx, id);
}

export function updateArticle(ctx: Ctx, input: CallParsed<'kb.update'>): KbArticle {
  const actor = requireStaff(ctx);
  const sqlite = ctx.store.sqlite;
  const row = readable(ctx, input.id);
  if (input.ownerId && !sqlite.prepare('SELECT 1 FROM users WHERE id = ? AND deleted_hlc IS NULL').get(input.ownerId)) throw bad('ownerId', 'No such person.');
  if (input.body !== undefined) checkPictures(sqlite, input.body, row.body);
  const fields: Values = {};
  if (input.title !== undefined) fields.title = input.title;
  if (input.body !== undefined) fields.body = input.body;
  if (input.category !== undefined) fields.category = input.category?.trim() || null;
  if (input.visibility !== undefined) fields.visibility = input.visibility;
  if (input.ownerId !== undefined) fields.owner_id = input.ownerId;
  const content = (['title', 'body', 'category', 'visibility'] as const).some((f) => fields[f] !== undefined && fields[f] !== row[f]);
  if (row.status === 'published' && content && actor.role !== 'admin') {
    throw new AppError('forbidden', 'Only administrators change a published article; send it back to draft to rework it.');
  }
  write(ctx, (w) => {
    // An administrator's change to what readers see is a new publish, kept in the history.
    if (row.status === 'published' && content) publish(ctx, w, row, fields);
    else updateRecord(ctx, w, 'kb_articles', row.id, fields, { row });
    if (input.tags) writeTags(ctx, w, row.id, row.scope_id, input.tags);
  });
  return getArticle(ctx, row.id);
}

export function moveArticle(ctx: Ctx, id: string, to: KbStatus): KbArticle {
  const actor = requireStaff(ctx);
  const row = readable(ctx, id);
  if (row.status === to && to !== 'published') return getArticle(ctx, id);
  const refusal = kbMoveRefusal(actor.role, row.status, to);
  if (refusal) throw new AppError(refusal.startsWith('Only') ? 'forbidden' : 'conflict', refusal);
  if (to === 'published' && !row.body.trim()) throw bad('body', 'Write the article before publishing it.');
  write(ctx, (w) => {
    if (to === 'published') {
      if (row.status === 'published') throw new AppError('conflict', 'This article is already published; change it to publish a new version.');
      publish(ctx, w, row, {});
    } else updateRecord(ctx, w, 'kb_articles', id, { status: to }, { row });
  });
  return getArticle(ctx, id);
}

function filterSql(ctx: Ctx, f: KbFilter): { where: string[]; args: unknown[] } {
  const where = ['a.deleted_hlc IS NULL'];
  const args: unknown[] = [];
  if (isRequester(ctx)) where.push(READABLE_BY_REQUESTER);
  const add = (sql: string, v: unknown) => {
    where.push(sql);
    args.push(v);
  };
  if (f.status) add('a.status = ?', f.status);
  if (f.visibility) add('a.visibility = ?', f.visibility);
  if (f.category) add('a.category = ?', f.category);
  if (f.tag) add('a.id IN (SELECT article_id FROM kb_article_tags WHERE tag_key = ? AND deleted_hlc IS NULL)', tagKey(f.tag));
  return { where, args };
}

export function listArticles(ctx: Ctx, input: CallParsed<'kb.list'>): { items: KbArticleSummary[]; total: number; categories: string[] } {
  const sqlite = ctx.store.sqlite;
  const { where, args } = filterSql(ctx, input);
  const total = sqlite.prepare(`SELECT count(*) FROM kb_articles a WHERE ${where.join(' AND ')}`).pluck().get(...args) as number;
  const rows = sqlite
    .prepare(`SELECT a.* FROM kb_articles a WHERE ${where.join(' AND ')} ORDER BY a.updated_at DESC, a.number DESC LIMIT ? OFFSET ?`)
    .all(...args, input.limit, input.offset) as ArticleRow[];
  const cats = filterSql(ctx, {});
  const categories = sqlite
    .prepare(`SELECT DISTINCT a.category FROM kb_articles a WHERE ${cats.where.join(' AND ')} AND a.category IS NOT NULL ORDER BY a.category`)
    .pluck()
    .all(...cats.args) as string[];
  return { items: rows.map((r) => summary(sqlite, r)), total, categories };
}

/**
 * Ranked matches of an FTS5 query, with snippets for the ones returned. FTS5 sorts by its own rank
 * (bm25 with these weights, set per query) and the LIMIT stops the walk, so snippets are computed for
 * the rows returned only, not for every match of a common word.
 */
function ranked(ctx: Ctx, match: string, f: KbFilter, limit: number): KbHit[] {
  const sqlite = ctx.store.sqlite;
  const { where, args } = filterSql(ctx, f);
  const rows = sqlite
    .prepare(
      `SELECT a.id, a.number, a.title, a.category, a.status, a.visibility, kb_fts.rank AS rank,
         snippet(kb_fts, -1, char(2), char(3), '…', 16) AS snippet
       FROM kb_fts JOIN kb_articles a ON a.rowid = kb_fts.rowid
       WHERE kb_fts MATCH ? AND kb_fts.rank MATCH 'bm25(${WEIGHTS})' AND ${where.join(' AND ')}
       ORDER BY kb_fts.rank LIMIT ?`,
    )
    .all(match, ...args, limit) as (Omit<KbHit, 'solvedCount'>)[];
  return rows.map((r) => ({ ...r, snippet: r.snippet || r.title, solvedCount: solvedCount(sqlite, r.id) }));
}

export function searchArticles(ctx: Ctx, input: CallParsed<'kb.search'>): { items: KbHit[] } {
  requireActor(ctx);
  const q = ftsQuery(input.q);
  if (!q) return { items: [] };
  const { q: _q, limit, ...f } = input;
  return { items: ranked(ctx, q, f, limit) };
}

/** Words too common to say what a ticket is about. */
const STOP = new Set(
  'the and for with not but are was were has have had can cant cannot does did this that from into when what which who why how all any our your you she him her its they them then than there here out off too very just also get got after before over under again about could would should will shall may might must been being some such only own same each few more most other nor now please thanks thank help issue problem hi hello dear regards'.split(
    ' ',
  ),
);

/**
 * Published articles matching a ticket's text, best first: any of its meaningful words may match
 * (a ticket rarely uses every word of the article), ranked by bm25 so articles sharing more and
 * rarer words come first.
 */
export function suggestArticles(ctx: Ctx, text: string, limit: number): { items: KbHit[] } {
  requireActor(ctx);
  const words = [
    ...new Set(
      text
        .normalize('NFKC')
        .toLowerCase()
        .split(/[^\p{L}\p{N}]+/u)
        .filter((w) => w.length >= 3 && !STOP.has(w)),
    ),
  ].slice(0, 12);
  if (!words.length) return { items: [] };
  const match = `{number title body category tags} : (${words.map((w) => `"${w.replace(/"/g, '""')}"`).join(' OR ')})`;
  return { items: ranked(ctx, match, { status: 'published' }, limit) };
}

function ticketSite(sqlite: Database.Database, ticketId: string): string {
  const t = sqlite.prepare('SELECT scope_id FROM tickets WHERE id = ? AND deleted_hlc IS NULL').get(ticketId) as { scope_id: string } | undefined;
  if (!t) throw bad('ticketId', 'No such ticket.');
  return t.scope_id;
}

export function markSolved(ctx: Ctx, input: CallParsed<'kb.solved'>): { articleId: string; ticketId: string; solvedCount: number; linked: boolean } {
  requireStaff(ctx);
  const sqlite = ctx.store.sqlite;
  const scopeId = ticketSite(sqlite, input.ticketId);
  const article = readable(ctx, input.articleId);
  if (input.present && article.status !== 'published') throw new AppError('conflict', `${article.number} is not published; only published articles solve tickets.`);
  write(ctx, (w) => {
    setMember(ctx, w, 'kb_ticket_links', setRowId('kb_ticket_links', input.ticketId, input.articleId), scopeId, { ticket_id: input.ticketId, article_id: input.articleId }, input.present, {
      audit: { type: 'ticket', recordId: input.ticketId, before: input.present ? null : { solvedWith: article.number }, after: input.present ? { solvedWith: article.number } : null },
    });
  });
  return { articleId: input.articleId, ticketId: input.ticketId, solvedCount: solvedCount(sqlite, input.articleId), linked: input.present };
}

export function articlesForTicket(ctx: Ctx, ticketId: string): { items: KbArticleSummary[] } {
  requireStaff(ctx);
  const sqlite = ctx.store.sqlite;
  ticketSite(sqlite, ticketId);
  const rows = sqlite
    .prepare(
      `SELECT a.* FROM kb_ticket_links l JOIN kb_articles a ON a.id = l.article_id
       WHERE l.ticket_id = ? AND l.deleted_hlc IS NULL AND a.deleted_hlc IS NULL ORDER BY l.created_at`,
    )
    .all(ticketId) as ArticleRow[];
  return { items: rows.map((r) => summary(sqlite, r)) };
}

/**
 * An article shows only pictures taken in as pictures on this device (added with "Add a picture", or
 * downloaded as another article's picture), besides those it already showed: a body naming any other
 * file of the store (evidence) is refused, so no article turns a file into a picture.
 */
function checkPictures(sqlite: Database.Database, body: string, before: string): void {
  const had = new Set(picturesIn(before));
  const isPicture = sqlite.prepare('SELECT 1 FROM kb_picture_blobs WHERE sha256 = ?').pluck();
  const stray = picturesIn(body).find((sha) => !had.has(sha) && !isPicture.get(sha));
  if (stray) throw bad('body', `The picture blob:${stray.slice(0, 12)}… was not added as a picture on this device; add it with “Add a picture”.`);
}

/** Keeps a picture in the store's blob store (encrypted with the store) and answers the Markdown that shows it. */
export function addImage(ctx: Ctx, input: CallParsed<'kb.addImage'>): { sha256: string; markdown: string } {
  requireStaff(ctx);
  const bytes = Buffer.from(input.contentBase64, 'base64');
  if (!bytes.length) throw bad('contentBase64', 'The picture is empty.');
  if (bytes.length > KB_MAX_IMAGE_BYTES) throw bad('contentBase64', 'A picture is at most 5 MB.');
  const type = pictureType(bytes);
  if (!type) throw bad('contentBase64', `${input.fileName} is not a PNG, JPEG, GIF or WebP picture.`);
  const { sha256 } = blobStoreOf(ctx.store).write(bytes);
  // Device-local, not a synced record: which files of the store are pictures (see checkPictures).
  ctx.store.sqlite.prepare('INSERT OR IGNORE INTO kb_picture_blobs (sha256, media_type, at) VALUES (?, ?, ?)').run(sha256, type, ctx.clock.now().toISOString());
  const alt = input.fileName.replace(/\.[a-z0-9]+$/i, '').replace(/[[\]()]/g, ' ').trim() || 'picture';
  return { sha256, markdown: `![${alt}](blob:${sha256})` };
}

/**
 * A picture of an article the caller may read (requesters: a published public one; `articleId`
 * narrows it to that article), and only a file taken in as a picture: anything else, evidence named
 * by an article included, is "No such picture".
 */
export function articleImage(ctx: Ctx, sha256: string, articleId?: string): { mediaType: KbImageType; contentBase64: string } {
  requireActor(ctx);
  const sqlite = ctx.store.sqlite;
  const who = isRequester(ctx) ? `AND ${READABLE_BY_REQUESTER}` : '';
  const which = articleId ? 'AND a.id = ?' : '';
  const shown = sqlite
    .prepare(`SELECT 1 FROM kb_articles a WHERE a.deleted_hlc IS NULL ${who} ${which} AND instr(a.body, ?) > 0 LIMIT 1`)
    .get(...(articleId ? [articleId] : []), `blob:${sha256}`);
  const missing = () => new AppError('not_found', 'No such picture on this device.');
  if (!shown || !sqlite.prepare('SELECT 1 FROM kb_picture_blobs WHERE sha256 = ?').get(sha256)) throw missing();
  const bytes = blobStoreOf(ctx.store).read(sha256);
  const type = bytes ? pictureType(bytes) : null;
  if (!bytes || !type) throw missing();
  return { mediaType: type, contentBase64: bytes.toString('base64') };
}
