/**
 * Full-text search over tickets. Candidates come from two indexes, newest first and bounded: the
 * number-and-title index (tickets_title_fts), which matches the word still being typed as a
 * prefix cheaply, and the full-text index (tickets_fts: number, title, description, comments) for
 * whole words. The candidates are ranked here with BM25 (field weights, term saturation, length
 * normalisation, and each word's rarity across all tickets) and given marked snippets.
 */
import type Database from 'better-sqlite3';
import type { Ctx } from '../core/context';
import { requireActor } from '../core/write';
import type { SearchHit } from '../../../shared/api/tickets';
import { isTicketNumber } from '../../../shared/tickets/rules';

/** How many of the newest matches each index offers for ranking (see searchTickets). */
export const RANK_WINDOW = 250;

/** A word shorter than this is matched whole, never as a prefix: "a*" would expand to every word starting with it. */
export const MIN_PREFIX = 2;

const SPLIT = /[\s"'`()*:^+\-{}[\],.;!?<>=/\\|&~]+/u;

/** The words of what a user typed, as searched (at most 12). */
export function searchWords(text: string): string[] {
  return text
    .normalize('NFKC')
    .split(SPLIT)
    .map((w) => w.trim())
    .filter((w) => w.length > 0)
    .slice(0, 12);
}

const quote = (w: string) => `"${w.replace(/"/g, '""')}"`;

/**
 * Turns what a user typed into a safe FTS5 query: every word is quoted (so operators and
 * punctuation are literal); all words must match. `lastPrefix`: the last word (it may still be
 * being typed) matches as a prefix, when it has at least MIN_PREFIX characters.
 */
export function ftsQuery(text: string, publicOnly = false, lastPrefix = true): string | null {
  const words = searchWords(text);
  if (!words.length) return null;
  const q = words.map((w, i) => `${quote(w)}${lastPrefix && i === words.length - 1 && [...w].length >= MIN_PREFIX ? '*' : ''}`).join(' ');
  return publicOnly ? `{number title description} : (${q})` : q;
}

/** Tokens as the index's tokenizer (unicode61, diacritics removed) sees them: lower case, no accents. */
const TOKEN = /[\p{L}\p{N}\p{Co}\p{M}]+/gu;
const NON_ASCII = /[^\p{ASCII}]/u;
export function fold(s: string): string {
  return NON_ASCII.test(s) ? s.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase() : s.toLowerCase();
}

interface Term {
  text: string;
  prefix: boolean;
}

function queryTerms(words: string[]): Term[] {
  const terms: Term[] = [];
  words.forEach((w, i) => {
    const parts = fold(w).match(TOKEN) ?? [];
    parts.forEach((p, j) => terms.push({ text: p, prefix: i === words.length - 1 && j === parts.length - 1 && [...w].length >= MIN_PREFIX }));
  });
  return terms;
}

const termMatches = (t: Term, token: string) => (t.prefix ? token.startsWith(t.text) : token === t.text);

/** Fields ranked, in the order FTS5 had them, with their weights; requesters search the first three. */
const FIELDS = ['number', 'title', 'description', 'comments'] as const;
type Field = (typeof FIELDS)[number];
const WEIGHT: Record<Field, number> = { number: 10, title: 5, description: 1, comments: 0.5 };
/** Typical lengths in words, for length normalisation (a long description does not win by length alone). */
const AVG_LEN: Record<Field, number> = { number: 1, title: 6, description: 40, comments: 25 };
const K1 = 1.2;
const B = 0.75;
/** Text beyond this is neither ranked nor snippeted (a ticket with a very long thread). */
const RANK_CHARS = 8000;

interface Candidate {
  rid: number;
  id: string;
  number: string;
  title: string;
  status: SearchHit['status'];
  priority: SearchHit['priority'];
  description: string;
  comments: string;
}

/** How many tickets hold each whole word, cached per store for a while (it moves slowly). */
const DF_TTL_MS = 10 * 60_000;
const DF_MAX = 5000;
const dfCaches = new WeakMap<Database.Database, { n: number; nAt: number; terms: Map<string, { df: number; at: number }> }>();

function idfOf(sqlite: Database.Database, terms: Term[], now: number): number[] {
  let c = dfCaches.get(sqlite);
  if (!c) dfCaches.set(sqlite, (c = { n: 0, nAt: -Infinity, terms: new Map() }));
  if (now - c.nAt > DF_TTL_MS) {
    c.n = sqlite.prepare('SELECT count(*) FROM tickets').pluck().get() as number;
    c.nAt = now;
  }
  const count = sqlite.prepare('SELECT count(*) FROM tickets_fts WHERE tickets_fts MATCH ?').pluck();
  const idf = terms.map((t) => {
    let e = c.terms.get(t.text);
    if (!e || now - e.at > DF_TTL_MS) {
      if (c.terms.size >= DF_MAX) c.terms.clear();
      e = { df: count.get(quote(t.text)) as number, at: now };
      c.terms.set(t.text, e);
    }
    return e.df;
  });
  const n = Math.max(c.n, 1);
  const of = (df: number) => Math.log(1 + (n - df + 0.5) / (df + 0.5));
  // A word still being typed is rarely a whole word yet: it weighs as much as the others.
  const whole = terms.map((t, i) => (t.prefix && idf[i] === 0 ? -1 : of(idf[i]!)));
  const known = whole.filter((x) => x >= 0);
  const fallback = known.length ? known.reduce((a, b) => a + b, 0) / known.length : 1;
  return whole.map((x) => (x >= 0 ? x : fallback));
}

function tokens(text: string): { start: number; end: number; token: string }[] {
  const out: { start: number; end: number; token: string }[] = [];
  for (const m of text.slice(0, RANK_CHARS).matchAll(TOKEN)) out.push({ start: m.index, end: m.index + m[0].length, token: fold(m[0]) });
  return out;
}

const WORD_CHAR = /[\p{L}\p{N}\p{Co}\p{M}]/u;
function isWordChar(text: string, i: number): boolean {
  if (i < 0 || i >= text.length) return false;
  const c = text.charCodeAt(i);
  if (c < 128) return (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || (c >= 65 && c <= 90);
  return WORD_CHAR.test(text[i]!);
}

/** How often a term occurs as a word (or a word's start, for a prefix) in folded text, without splitting it. */
function termCount(folded: string, t: Term): number {
  let n = 0;
  for (let i = folded.indexOf(t.text); i >= 0; i = folded.indexOf(t.text, i + 1)) {
    if (isWordChar(folded, i - 1)) continue;
    if (!t.prefix && isWordChar(folded, i + t.text.length)) continue;
    n++;
  }
  return n;
}

/** Words in a text, counted by the gaps between them (for length normalisation only). */
function wordCount(text: string): number {
  let n = 0;
  let inWord = false;
  for (let i = 0; i < text.length; i++) {
    const w = isWordChar(text, i);
    if (w && !inWord) n++;
    inWord = w;
  }
  return n;
}

/** Each field's BM25 score for the query's terms. */
function fieldScores(c: Candidate, fields: readonly Field[], terms: Term[], idf: number[]): Partial<Record<Field, number>> {
  const out: Partial<Record<Field, number>> = {};
  for (const f of fields) {
    if (!c[f]) continue;
    const folded = fold(c[f].slice(0, RANK_CHARS));
    let s = 0;
    let norm = 0;
    terms.forEach((t, i) => {
      const tf = termCount(folded, t);
      if (!tf) return;
      norm ||= K1 * (1 - B + (B * wordCount(folded)) / AVG_LEN[f]);
      s += idf[i]! * WEIGHT[f] * ((tf * (K1 + 1)) / (tf + norm));
    });
    if (s) out[f] = s;
  }
  return out;
}

/** The passage of about `size` words with the most matched words, matches wrapped in \u0002 … \u0003. */
export function snippetOf(text: string, terms: Term[], size = 14): string | null {
  const toks = tokens(text);
  const hit = toks.map((x) => terms.some((t) => termMatches(t, x.token)));
  if (!hit.some(Boolean)) return null;
  let best = 0;
  let bestCount = -1;
  for (let i = 0; i < toks.length; i++) {
    if (!hit[i]) continue;
    const start = Math.max(0, Math.min(i, toks.length - size));
    let n = 0;
    for (let j = start; j < Math.min(toks.length, start + size); j++) if (hit[j]) n++;
    if (n > bestCount) [best, bestCount] = [start, n];
  }
  const end = Math.min(toks.length, best + size);
  let out = best > 0 ? '…' : '';
  let at = best > 0 ? toks[best]!.start : 0;
  for (let j = best; j < end; j++) {
    const x = toks[j]!;
    out += text.slice(at, x.start) + (hit[j] ? `\u0002${text.slice(x.start, x.end)}\u0003` : text.slice(x.start, x.end));
    at = x.end;
  }
  out += end < toks.length ? '…' : text.slice(at, Math.min(text.length, RANK_CHARS));
  return out.replace(/\s+/g, ' ').trim();
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
  const words = searchWords(text);
  if (!words.length) return hits;
  const who = requester ? 'AND t.requester_id = ?' : '';
  const whoArgs = requester ? [actor.id] : [];
  const newest = (table: 'tickets_fts' | 'tickets_title_fts', q: string) =>
    sqlite
      .prepare(
        `SELECT f.rowid FROM ${table} f JOIN tickets t ON t.rowid = f.rowid
         WHERE ${table} MATCH ? AND t.deleted_hlc IS NULL ${who} ORDER BY f.rowid DESC LIMIT ?`,
      )
      .pluck()
      .all(q, ...whoArgs, RANK_WINDOW) as number[];
  // 1. The number and title, the last word as a prefix: a small index with prefix indexes.
  // 2. Every field, whole words: no prefix to expand, so FTS5 walks its lists newest first and stops.
  // 3. Only when those found fewer than a page: every field with the last word as a prefix, which
  //    merges the lists of every word it could become (dear on a large store, but then rare).
  const candidates = new Set<number>(newest('tickets_title_fts', `{number title} : (${ftsQuery(text)!})`));
  for (const rid of newest('tickets_fts', ftsQuery(text, requester, false)!)) candidates.add(rid);
  if (candidates.size < limit) for (const rid of newest('tickets_fts', ftsQuery(text, requester)!)) candidates.add(rid);
  if (!candidates.size) return hits.slice(0, limit);
  const rows = sqlite
    .prepare(
      `SELECT t.rowid AS rid, t.id, t.number, t.title, t.status, t.priority, coalesce(t.description, '') AS description, ${requester ? "''" : "coalesce(f.comments, '')"} AS comments
       FROM json_each(?) j JOIN tickets t ON t.rowid = j.value JOIN tickets_fts f ON f.rowid = j.value`,
    )
    .all(JSON.stringify([...candidates])) as Candidate[];
  const terms = queryTerms(words);
  const idf = idfOf(sqlite, terms, ctx.clock.now().getTime());
  const fields = requester ? FIELDS.slice(0, 3) : FIELDS;
  const ranked = rows
    .map((c) => {
      const per = fieldScores(c, fields, terms, idf);
      return { c, per, score: Object.values(per).reduce((a, b) => a + b, 0) };
    })
    .sort((a, b) => b.score - a.score || b.c.rid - a.c.rid)
    .slice(0, limit);
  for (const { c, per, score: s } of ranked) {
    if (seen.has(c.id)) continue;
    // The snippet comes from the field that matched best, as FTS5's snippet() picks a column.
    let snippet: string | null = null;
    let bestField = -1;
    for (const f of requester ? (['description'] as const) : (['title', 'description', 'comments', 'number'] as const)) {
      const sf = per[f] ?? 0;
      if (sf > bestField) {
        const sn = snippetOf(c[f], terms);
        if (sn) [snippet, bestField] = [sn, sf];
      }
    }
    hits.push({ id: c.id, number: c.number, title: c.title, status: c.status, priority: c.priority, snippet: snippet ?? c.title, rank: -s });
  }
  return hits.slice(0, limit);
}

/** Rebuilds both search indexes from the tickets and their comments. */
export function reindexSearch(ctx: Pick<Ctx, 'store'>): void {
  const sqlite = ctx.store.sqlite;
  sqlite.transaction(() => {
    sqlite.exec('DELETE FROM tickets_fts');
    sqlite.exec(`INSERT INTO tickets_fts (rowid, number, title, description, comments)
      SELECT t.rowid, t.number, t.title, t.description,
        coalesce((SELECT group_concat(body, char(10)) FROM ticket_comments c WHERE c.ticket_id = t.id), '')
      FROM tickets t`);
    sqlite.exec("INSERT INTO tickets_title_fts (tickets_title_fts) VALUES ('rebuild')");
  })();
}

/**
 * True when the index and the tickets table disagree (e.g. after a VACUUM renumbered rows, or an index
 * emptied). Checked at every start, so it reads a handful of rows by rowid and never counts: the
 * triggers keep the index in step row by row, so what can go wrong moves or drops rows wholesale, and
 * that shows at the ends. The first and last ticket by rowid must be the first and last row of the
 * full-text index under the same rowid and number, and the newest ticket's number must be found in
 * the number-and-title index under its rowid. Each is one B-tree descent, whatever the store holds.
 */
export function searchIndexStale(ctx: Pick<Ctx, 'store'>): boolean {
  const sqlite = ctx.store.sqlite;
  type End = { rowid: number; number: string } | undefined;
  const same = (a: End, b: End) => (!a && !b) || (!!a && !!b && a.rowid === b.rowid && a.number === b.number);
  for (const dir of ['ASC', 'DESC'] as const) {
    const ticket = sqlite.prepare(`SELECT rowid, number FROM tickets ORDER BY rowid ${dir} LIMIT 1`).get() as End;
    const indexed = sqlite.prepare(`SELECT rowid, number FROM tickets_fts ORDER BY rowid ${dir} LIMIT 1`).get() as End;
    if (!same(ticket, indexed)) return true;
  }
  // The number-and-title index reads the tickets table: its newest ticket's number must be found there.
  const newest = sqlite.prepare('SELECT rowid, number FROM tickets ORDER BY rowid DESC LIMIT 1').get() as { rowid: number; number: string } | undefined;
  if (!newest) return false;
  const found = sqlite.prepare('SELECT count(*) FROM tickets_title_fts WHERE tickets_title_fts MATCH ? AND rowid = ?').pluck().get(`{number} : ${quote(newest.number)}`, newest.rowid) as number;
  return found !== 1;
}
