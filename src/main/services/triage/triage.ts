/**
 * Triage suggestions for a ticket being written or read: category and assignment group from a naive
 * Bayes model trained on this device's resolved tickets, and similar or possibly duplicate tickets
 * from the full-text index. Suggestions only: nothing here writes a ticket.
 *
 * The model lives in memory, one per store, and is recomputed rather than stored: it is derived
 * entirely from tickets the device already holds, trains in well under a second on the newest
 * MAX_TRAINING resolved tickets, and so needs no table, no migration and no sync rule. Training
 * reads and counts in chunks, yielding to the event loop between them, so calls keep being served.
 */
import type { Store } from '../../db/open';
import { bulkFillOver } from '../../db/deferred-indexes';
import type { Ctx } from '../core/context';
import { requireActor } from '../core/write';
import { NaiveBayesTrainer, predict, tokenize, VocabularyBuilder, vectorize, type NaiveBayes, type Vocabulary } from './classifier';
import type { TriageSuggestions, TriageSuggestInput, TriageModelInfo } from '../../../shared/api/triage';
import type { TicketStatus } from '../../../shared/tickets/rules';

/** Newest resolved tickets a model learns from: bounds training time and memory on a 1M-ticket store. */
export const MAX_TRAINING = 20_000;
/** Words the model keeps at most (the most widespread). */
export const MAX_TERMS = 30_000;
/** Retrain once this many tickets were resolved since the newest one the model saw... */
export const RETRAIN_AFTER = 25;
/** ...or after any one, while the model knows fewer tickets than this (a new team's first tickets count most, and cost nothing to learn). */
export const SMALL_MODEL = 200;
/** How often (at most) a suggestion checks whether enough tickets were resolved to retrain. */
const CHECK_EVERY_MS = 5_000;
/** Rows read, or texts counted, between two yields to the event loop. */
const CHUNK = 1_000;
/** Similar tickets shown. */
const SIMILAR = 5;
/** Words of the text used to look for similar tickets (the rarest ones: they tell most). */
const SIMILAR_WORDS = 6;
/** Candidates for similar tickets: the newest with all of the 3 rarest words, and the newest with any of them. */
const CANDIDATES_ALL = 60;
const CANDIDATES_ANY = 100;
/** Words of a candidate compared: its title and the start of its description (a long log pasted in tells little more). */
const CANDIDATE_CHARS = 600;
/** Candidates' words are kept between calls (the same tickets come back as a title is typed), up to this many. */
const TOKEN_CACHE = 5_000;
/** Cosine similarity from which an open ticket is flagged as a possible duplicate. */
export const DUPLICATE_AT = 0.5;

interface Model {
  vocab: Vocabulary;
  category: NaiveBayes | null;
  group: NaiveBayes | null;
  trainedOn: number;
  trainedAt: string;
  /** resolved_at of the newest ticket learnt from: newer resolutions count towards a retrain. */
  newestResolvedAt: string | null;
}

interface State {
  model: Model | null;
  training: Promise<Model | null> | null;
  /** A training asked for while one ran: it starts when that one ends, shared by every caller meanwhile. */
  again: Promise<Model | null> | null;
  checkedAt: number;
  /** Set when the last training failed (the store closed under it, a read error): shown, retried later. */
  error: string | null;
}

const states = new WeakMap<Store, State>();

function stateOf(store: Store): State {
  let s = states.get(store);
  if (!s) {
    s = { model: null, training: null, again: null, checkedAt: 0, error: null };
    states.set(store, s);
  }
  return s;
}

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

interface TrainingRow {
  id: string;
  title: string;
  description: string;
  category: string | null;
  groupId: string | null;
  resolvedAt: string;
}

async function trainFrom(store: Store, now: () => Date): Promise<Model> {
  const sqlite = store.sqlite;
  // A first sync filling the store: trained once it is full and indexed, not on its event loop meanwhile.
  await bulkFillOver(sqlite);
  // Newest resolutions first along tickets_open_resolved_idx, in keyset pages.
  const page = sqlite.prepare(
    `SELECT id, title, description, category, group_id AS groupId, resolved_at AS resolvedAt FROM tickets
     WHERE is_open = 0 AND resolved_at IS NOT NULL AND (resolved_at, id) < (?, ?)
       AND status IN ('resolved', 'closed') AND deleted_hlc IS NULL AND (category IS NOT NULL OR group_id IS NOT NULL)
     ORDER BY resolved_at DESC, id DESC LIMIT ?`,
  );
  const docs: { tokens: string[]; category: string | null; groupId: string | null }[] = [];
  const vb = new VocabularyBuilder();
  let after: [string, string] = ['\uffff', '\uffff'];
  let newest: string | null = null;
  while (docs.length < MAX_TRAINING) {
    const rows = page.all(after[0], after[1], Math.min(CHUNK, MAX_TRAINING - docs.length)) as TrainingRow[];
    if (!rows.length) break;
    newest ??= rows[0]!.resolvedAt;
    for (const r of rows) {
      const tokens = tokenize(`${r.title}\n${r.description}`);
      vb.add(tokens);
      docs.push({ tokens, category: r.category, groupId: r.groupId });
    }
    const last = rows[rows.length - 1]!;
    after = [last.resolvedAt, last.id];
    await tick();
  }
  const vocab = vb.build({ maxTerms: MAX_TERMS, minDf: docs.length >= 200 ? 2 : 1 });
  const cat = new NaiveBayesTrainer(vocab.index.size);
  const grp = new NaiveBayesTrainer(vocab.index.size);
  for (let i = 0; i < docs.length; i++) {
    const d = docs[i]!;
    const v = vectorize(vocab, d.tokens);
    if (d.category) cat.add(d.category, v);
    if (d.groupId) grp.add(d.groupId, v);
    if (i % CHUNK === CHUNK - 1) await tick();
  }
  return { vocab, category: cat.build(), group: grp.build(), trainedOn: docs.length, trainedAt: now().toISOString(), newestResolvedAt: newest };
}

/**
 * Trains (or retrains) the store's model now, off the call that asked: the promise settles when the
 * new model is in place and has read the store as it stands at the call. A training already
 * running may have read it before the caller's changes (a first sync still filling it): one more
 * runs after it, and every call meanwhile shares that one, so trainings are never more than two.
 */
export function trainTriageModel(ctx: Pick<Ctx, 'store' | 'clock'>): Promise<Model | null> {
  const s = stateOf(ctx.store);
  if (s.training) {
    s.again ??= s.training.then(() => {
      s.again = null;
      return trainTriageModel(ctx);
    });
    return s.again;
  }
  s.checkedAt = ctx.clock.now().getTime();
  const run = trainFrom(ctx.store, () => ctx.clock.now()).then(
    (m) => {
      s.model = m;
      s.error = null;
      return m;
    },
    (e: unknown) => {
      s.error = e instanceof Error ? e.message : String(e);
      return s.model;
    },
  );
  s.training = run.finally(() => {
    s.training = null;
  });
  return s.training;
}

/** Starts training when there is no model yet, or when enough tickets were resolved since it was trained. */
function refresh(ctx: Pick<Ctx, 'store' | 'clock'>, s: State): void {
  if (s.training) return;
  const now = ctx.clock.now().getTime();
  if (!s.model) {
    if (!s.error || now - s.checkedAt >= CHECK_EVERY_MS) void trainTriageModel(ctx);
    return;
  }
  if (now - s.checkedAt < CHECK_EVERY_MS) return;
  s.checkedAt = now;
  const since = ctx.store.sqlite
    .prepare(`SELECT count(*) FROM (SELECT 1 FROM tickets WHERE is_open = 0 AND resolved_at > ? LIMIT ?)`)
    .pluck()
    .get(s.model.newestResolvedAt ?? '', RETRAIN_AFTER) as number;
  if (since >= (s.model.trainedOn < SMALL_MODEL ? 1 : RETRAIN_AFTER)) void trainTriageModel(ctx);
}

export function triageModelInfo(store: Store): TriageModelInfo {
  const s = stateOf(store);
  const m = s.model;
  return {
    state: m ? (m.trainedOn ? 'ready' : 'empty') : s.training ? 'training' : s.error ? 'failed' : 'training',
    trainedOn: m?.trainedOn ?? 0,
    trainedAt: m?.trainedAt ?? null,
    retraining: !!(m && s.training),
    error: s.error,
  };
}

/** The words of the text that tell most (fewest training tickets contain them), for the similarity query. */
function tellingWords(tokens: string[], vocab: Vocabulary | null): string[] {
  const distinct = [...new Set(tokens)];
  const df = (w: string) => {
    const i = vocab?.index.get(w);
    return i === undefined ? 0 : vocab!.df[i]!;
  };
  // Words the model never saw may be typos or ids: they go after the known ones of the same rarity.
  return distinct
    .map((w, pos) => ({ w, pos, df: df(w), known: vocab?.index.has(w) ?? true }))
    .sort((a, b) => Number(b.known) - Number(a.known) || a.df - b.df || a.pos - b.pos)
    .slice(0, SIMILAR_WORDS)
    .map((x) => x.w);
}

function cosine(a: string[], b: string[], vocab: Vocabulary | null): number {
  const weight = (w: string) => {
    const i = vocab?.index.get(w);
    return i === undefined ? (vocab ? Math.log(1 + vocab.docs) + 1 : 1) : vocab!.idf[i]!;
  };
  const tf = (ws: string[]) => {
    const m = new Map<string, number>();
    for (const w of ws) m.set(w, (m.get(w) ?? 0) + 1);
    for (const [w, c] of m) m.set(w, (1 + Math.log(c)) * weight(w));
    return m;
  };
  const va = tf(a);
  const vb = tf(b);
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (const [w, x] of va) {
    na += x * x;
    const y = vb.get(w);
    if (y !== undefined) dot += x * y;
  }
  for (const y of vb.values()) nb += y * y;
  return na && nb ? dot / Math.sqrt(na * nb) : 0;
}

const tokenCaches = new WeakMap<Store, Map<string, string[]>>();
function tokenCacheOf(store: Store): Map<string, string[]> {
  let c = tokenCaches.get(store);
  if (!c) tokenCaches.set(store, (c = new Map()));
  return c;
}

function similarTickets(ctx: Ctx, tokens: string[], vocab: Vocabulary | null, excludeId: string | null): TriageSuggestions['similar'] {
  const words = tellingWords(tokens, vocab);
  if (!words.length) return [];
  const quoted = words.map((w) => `"${w.replace(/"/g, '""')}"`);
  // FTS5's bm25 counts every match of every word first (its idf), which grows with the store: the
  // candidates are the newest tickets with all of the rarest words, then the newest with any of
  // them, and they are ranked here by the same TF-IDF weights the model learnt.
  const stmt = ctx.store.sqlite.prepare(
    `SELECT t.id, t.number, t.title, substr(t.description, 1, ${CANDIDATE_CHARS}) AS description, t.status, t.is_open AS isOpen, t.updated_at AS updatedAt
     FROM tickets_fts JOIN tickets t ON t.rowid = tickets_fts.rowid
     WHERE tickets_fts MATCH ? AND t.deleted_hlc IS NULL AND t.id IS NOT ?
     ORDER BY tickets_fts.rowid DESC LIMIT ?`,
  );
  type Row = { id: string; number: string; title: string; description: string; status: TicketStatus; isOpen: number; updatedAt: string };
  const cache = tokenCacheOf(ctx.store);
  const found = new Map<string, Row>();
  if (quoted.length > 1) for (const r of stmt.all(`{title description} : (${quoted.slice(0, 3).join(' ')})`, excludeId, CANDIDATES_ALL) as Row[]) found.set(r.id, r);
  for (const r of stmt.all(`{title description} : (${quoted.join(' OR ')})`, excludeId, CANDIDATES_ANY) as Row[]) found.set(r.id, r);
  return [...found.values()]
    .map((r) => {
      const key = `${r.id}@${r.updatedAt}`;
      let words = cache.get(key);
      if (!words) {
        words = tokenize(`${r.title}\n${r.description}`);
        if (cache.size >= TOKEN_CACHE) cache.delete(cache.keys().next().value!);
        cache.set(key, words);
      }
      const score = round(cosine(tokens, words, vocab));
      return { ticketId: r.id, number: r.number, title: r.title, status: r.status, score, duplicate: r.isOpen === 1 && score >= DUPLICATE_AT };
    })
    .filter((x) => x.score > 0)
    .sort((a, b) => b.score - a.score || (a.number < b.number ? 1 : -1))
    .slice(0, SIMILAR);
}

/** Category and group suggestions with their confidence, and similar tickets, for a ticket's text. */
export function suggestTriage(ctx: Ctx, input: TriageSuggestInput): TriageSuggestions {
  requireActor(ctx);
  const s = stateOf(ctx.store);
  refresh(ctx, s);
  const m = s.model;
  const tokens = tokenize(`${input.title}\n${input.description}`);
  const known = m ? tokens.some((t) => m.vocab.index.has(t)) : false;
  const v = m && known ? vectorize(m.vocab, tokens) : null;
  const category = m?.category && v ? predict(m.category, v, 3).map((x) => ({ value: x.value, label: x.value, confidence: round(x.confidence) })) : [];
  let group: TriageSuggestions['group'] = [];
  if (m?.group && v) {
    const top = predict(m.group, v, 6);
    const names = new Map(
      (
        ctx.store.sqlite
          .prepare(`SELECT id, name FROM groups WHERE deleted_hlc IS NULL AND id IN (${top.map(() => '?').join(',')})`)
          .all(...top.map((x) => x.value)) as { id: string; name: string }[]
      ).map((g) => [g.id, g.name]),
    );
    // A group deleted since training is no longer offered.
    group = top
      .filter((x) => names.has(x.value))
      .slice(0, 3)
      .map((x) => ({ value: x.value, label: names.get(x.value)!, confidence: round(x.confidence) }));
  }
  return {
    category,
    group,
    similar: similarTickets(ctx, tokens, m?.vocab ?? null, input.ticketId ?? null),
    model: triageModelInfo(ctx.store),
  };
}

const round = (x: number) => Math.round(x * 1000) / 1000;
