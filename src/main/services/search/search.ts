/** Full-text search over tickets (FTS5, bm25 ranking, marked snippets). */
import type { Ctx } from '../core/context';
import { requireActor } from '../core/write';
import type { SearchHit } from '../../../shared/api/tickets';
import { isTicketNumber } from '../../../shared/tickets/rules';

/** bm25 weights for (number, title, description, comments). */
const WEIGHTS = '10.0, 5.0, 1.0, 0.5';

/** How many of the newest matches are ranked by bm25 (see searchTickets). */
export const RANK_WINDOW = 2000;

/**
 * Turns what a user typed into a safe FTS5 query: every word is quoted (so operators and
 * punctuation are literal); all words must match.
 */
export function ftsQuery(text: string, publicOnly = false): string | null {
  const words = text
    .normalize('NFKC')
    .split(/[\s"'`()*:^+\-{}[\],.;!?<>=/\\|&~]+/u)
    .map((w) => w.trim())
    .filter((w) => w.length > 0)
    .slice(0, 12);
  if (!words.length) return null;
  // Only the last word is matched as a prefix (it may still be being typed): a prefix term makes
  // FTS5 merge the postings of every matching term in full, 4-8x slower on a large store.
  const q = words.map((w, i) => `"${w.replace(/"/g, '""')}"${i === words.length - 1 ? '*' : ''}`).join(' ');
  return publicOnly ? `{number title description} : (${q})` : q;
}

export function searchTickets(ctx: Ctx, text: string, limit: number): SearchHit[] {
  const actor = requireActor(ctx);
  const sqlite = ctx.store.sqlite;
  const requester = actor.role === 'requester';
  const hits: SearchHit[] = [];
  const seen = new Set<string>();
  const trimmed = text.trim().toUpperCase();
  // An exact number (or a bare number) goes straight to the ticket.
  if (isTicketNumber(trimmed)) {
    const r = sqlite
      .prepare(`SELECT id, number, title, status, priority, requester_id AS requesterId FROM tickets WHERE number = ? AND deleted_hlc IS NULL`)
      .get(trimmed) as (Omit<SearchHit, 'snippet' | 'rank'> & { requesterId: string | null }) | undefined;
    if (r && (!requester || r.requesterId === actor.id)) {
      hits.push({ id: r.id, number: r.number, title: r.title, status: r.status, priority: r.priority, snippet: `\u0002${r.number}\u0003 ${r.title}`, rank: -1e9 });
      seen.add(r.id);
    }
    // Numbers the server replaced at sync (provisional, or held by another device) stay findable.
    const aliased = sqlite
      .prepare(
        `SELECT t.id, t.number, t.title, t.status, t.priority, t.requester_id AS requesterId FROM ticket_number_aliases a JOIN tickets t ON t.id = a.ticket_id
         WHERE a.number = ? AND t.deleted_hlc IS NULL ORDER BY a.replaced_at DESC`,
      )
      .all(trimmed) as (Omit<SearchHit, 'snippet' | 'rank'> & { requesterId: string | null })[];
    for (const x of aliased) {
      if (x.id === r?.id || (requester && x.requesterId !== actor.id)) continue;
      hits.push({ id: x.id, number: x.number, title: x.title, status: x.status, priority: x.priority, snippet: `\u0002${trimmed}\u0003 → ${x.number} ${x.title}`, rank: -1e9 + 1 });
      seen.add(x.id);
    }
  }
  const q = ftsQuery(text, requester);
  if (!q) return hits;
  const who = requester ? 'AND t.requester_id = ?' : '';
  const whoArgs = requester ? [actor.id] : [];
  // bm25 over every match of a common word ("printer" in 1M tickets) is too slow to type
  // against: rank only the newest RANK_WINDOW matches. FTS5 walks rowids newest-first and skips
  // older ones cheaply; below the window the ranking is over every match, as before.
  const floor =
    (sqlite
      .prepare(
        `SELECT tickets_fts.rowid FROM tickets_fts JOIN tickets t ON t.rowid = tickets_fts.rowid
         WHERE tickets_fts MATCH ? AND t.deleted_hlc IS NULL ${who} ORDER BY tickets_fts.rowid DESC LIMIT 1 OFFSET ?`,
      )
      .pluck()
      .get(q, ...whoArgs, RANK_WINDOW - 1) as number | undefined) ?? 0;
  const ranked = sqlite
    .prepare(
      `SELECT tickets_fts.rowid AS rid, t.id, t.number, t.title, t.status, t.priority, bm25(tickets_fts, ${WEIGHTS}) AS rank
       FROM tickets_fts JOIN tickets t ON t.rowid = tickets_fts.rowid
       WHERE tickets_fts MATCH ? AND tickets_fts.rowid >= ? AND t.deleted_hlc IS NULL ${who}
       ORDER BY rank LIMIT ?`,
    )
    .all(q, floor, ...whoArgs, limit) as (Omit<SearchHit, 'snippet'> & { rid: number })[];
  // Snippets only for the hits shown: computing one is dearer than ranking. FTS5 would run the
  // whole MATCH once per value of a rowid IN list, so it gets one rowid range instead, and
  // the unary + leaves the IN list for SQLite to check before any snippet is computed.
  const snippets = new Map<number, string>();
  if (ranked.length) {
    const rids = ranked.map((r) => r.rid);
    const rs = sqlite
      .prepare(
        `SELECT rowid AS rid, snippet(tickets_fts, ${requester ? 2 : -1}, char(2), char(3), '…', 14) AS snippet
         FROM tickets_fts WHERE tickets_fts MATCH ? AND rowid BETWEEN ? AND ? AND +rowid IN (${rids.map(() => '?').join(',')})`,
      )
      .all(q, Math.min(...rids), Math.max(...rids), ...rids) as { rid: number; snippet: string }[];
    for (const r of rs) snippets.set(r.rid, r.snippet);
  }
  const rows: SearchHit[] = ranked.map(({ rid, ...r }) => ({ ...r, snippet: snippets.get(rid) ?? r.title }));
  for (const r of rows) if (!seen.has(r.id)) hits.push(r);
  return hits.slice(0, limit);
}

/** Rebuilds the search index from the tickets and their comments. */
export function reindexSearch(ctx: Pick<Ctx, 'store'>): void {
  const sqlite = ctx.store.sqlite;
  sqlite.transaction(() => {
    sqlite.exec('DELETE FROM tickets_fts');
    sqlite.exec(`INSERT INTO tickets_fts (rowid, number, title, description, comments)
      SELECT t.rowid, t.number, t.title, t.description,
        coalesce((SELECT group_concat(body, char(10)) FROM ticket_comments c WHERE c.ticket_id = t.id), '')
      FROM tickets t`);
  })();
}

/** True when the index and the tickets table disagree (e.g. after a VACUUM renumbered rows). */
export function searchIndexStale(ctx: Pick<Ctx, 'store'>): boolean {
  const sqlite = ctx.store.sqlite;
  const a = sqlite.prepare('SELECT count(*) FROM tickets').pluck().get() as number;
  const b = sqlite.prepare('SELECT count(*) FROM tickets_fts').pluck().get() as number;
  if (a !== b) return true;
  const probe = sqlite.prepare('SELECT t.number = f.number FROM tickets t JOIN tickets_fts f ON f.rowid = t.rowid ORDER BY t.rowid DESC LIMIT 1').pluck().get() as number | undefined;
  return a > 0 && probe !== 1;
}
