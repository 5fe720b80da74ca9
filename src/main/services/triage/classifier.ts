/**
 * The triage classifier: multinomial naive Bayes over TF-IDF features, trained on the device from the
 * team's own resolved tickets. Pure and small on purpose: no network, no native code, bounded memory
 * (a capped vocabulary and a capped number of labels), and a prediction costs one pass over the words
 * of the text being typed.
 */

/** Words that say nothing about what a ticket is about (English; the texts teams write). */
const STOP_WORDS = new Set(
  (
    'a an and are as at be been but by can could did do does for from had has have hello hi i if in into is it its ' +
    'me my no not of on or our please regards so than thank thanks that the their them then there these this those ' +
    'to too up us was we were what when which who will with would you your dear kind best also just am any all ' +
    'get got been being he she her his him they some more most very can\'t cannot'
  ).split(' '),
);

/** Lower-cased words of 2–30 letters or digits, stop words left out. */
export function tokenize(text: string): string[] {
  const out: string[] = [];
  for (const raw of text.normalize('NFKC').toLowerCase().split(/[^\p{L}\p{N}]+/u)) {
    if (raw.length < 2 || raw.length > 30 || STOP_WORDS.has(raw)) continue;
    out.push(raw);
  }
  return out;
}

export interface Vocabulary {
  /** word → column */
  index: Map<string, number>;
  /** Smoothed inverse document frequency per column: ln((1 + n) / (1 + df)) + 1. */
  idf: Float32Array;
  /** Documents the vocabulary was built from. */
  docs: number;
  /** Documents containing each column's word (for picking the telling words of a text). */
  df: Uint32Array;
}

export interface VocabularyOptions {
  /** At most this many words are kept, the most widespread first (bounds memory). */
  maxTerms: number;
  /** A word must appear in this many documents to be kept (drops typos and one-off ids). */
  minDf: number;
}

/** Counts document frequencies in one pass; call `add` per document, then `build`. */
export class VocabularyBuilder {
  private readonly df = new Map<string, number>();
  private n = 0;

  add(tokens: readonly string[]): void {
    this.n++;
    for (const t of new Set(tokens)) this.df.set(t, (this.df.get(t) ?? 0) + 1);
  }

  build(opts: VocabularyOptions): Vocabulary {
    const kept = [...this.df].filter(([, d]) => d >= opts.minDf);
    // Most widespread first, then alphabetical so the same documents always give the same columns.
    kept.sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    kept.length = Math.min(kept.length, opts.maxTerms);
    const index = new Map<string, number>();
    const idf = new Float32Array(kept.length);
    const df = new Uint32Array(kept.length);
    kept.forEach(([w, d], i) => {
      index.set(w, i);
      idf[i] = Math.log((1 + this.n) / (1 + d)) + 1;
      df[i] = d;
    });
    return { index, idf, docs: this.n, df };
  }
}

/** A sparse TF-IDF vector: sublinear term frequency × idf, L2-normalised. */
export interface SparseVector {
  idx: number[];
  val: number[];
}

export function vectorize(vocab: Vocabulary, tokens: readonly string[]): SparseVector {
  const tf = new Map<number, number>();
  for (const t of tokens) {
    const i = vocab.index.get(t);
    if (i !== undefined) tf.set(i, (tf.get(i) ?? 0) + 1);
  }
  const idx: number[] = [];
  const val: number[] = [];
  let norm = 0;
  for (const [i, c] of tf) {
    const v = (1 + Math.log(c)) * vocab.idf[i]!;
    idx.push(i);
    val.push(v);
    norm += v * v;
  }
  norm = Math.sqrt(norm) || 1;
  for (let k = 0; k < val.length; k++) val[k]! /= norm;
  return { idx, val };
}

export interface NaiveBayes {
  labels: string[];
  /** ln P(label), from the training counts. */
  logPrior: Float32Array;
  /** ln P(word | label) per label, one row of `vocabulary size` columns each. */
  logLikelihood: Float32Array[];
  /** Training documents per label. */
  counts: number[];
}

export interface Suggestion {
  value: string;
  /** Posterior probability, 0–1. */
  confidence: number;
}

/**
 * Accumulates per-label feature mass; `add` one labelled vector at a time (so training can run in
 * chunks), then `build`. Labels beyond `maxLabels` (the rarest) are dropped to bound memory.
 */
export class NaiveBayesTrainer {
  private readonly mass = new Map<string, { sum: Float64Array; n: number }>();

  constructor(
    private readonly vocabSize: number,
    private readonly maxLabels = 200,
  ) {}

  add(label: string, v: SparseVector): void {
    let m = this.mass.get(label);
    if (!m) {
      m = { sum: new Float64Array(this.vocabSize), n: 0 };
      this.mass.set(label, m);
    }
    m.n++;
    for (let k = 0; k < v.idx.length; k++) m.sum[v.idx[k]!]! += v.val[k]!;
  }

  get size(): number {
    return this.mass.size;
  }

  /** `alpha` is the additive (Laplace/Lidstone) smoothing per word. */
  build(alpha = 0.1): NaiveBayes | null {
    const rows = [...this.mass].sort((a, b) => b[1].n - a[1].n || (a[0] < b[0] ? -1 : 1)).slice(0, this.maxLabels);
    if (!rows.length) return null;
    const total = rows.reduce((s, [, m]) => s + m.n, 0);
    const labels: string[] = [];
    const logPrior = new Float32Array(rows.length);
    const logLikelihood: Float32Array[] = [];
    const counts: number[] = [];
    rows.forEach(([label, m], c) => {
      labels.push(label);
      counts.push(m.n);
      logPrior[c] = Math.log(m.n / total);
      let sum = 0;
      for (let i = 0; i < this.vocabSize; i++) sum += m.sum[i]!;
      const denom = Math.log(sum + alpha * this.vocabSize);
      const row = new Float32Array(this.vocabSize);
      for (let i = 0; i < this.vocabSize; i++) row[i] = Math.log(m.sum[i]! + alpha) - denom;
      logLikelihood.push(row);
    });
    return { labels, logPrior, logLikelihood, counts };
  }
}

/** The `k` likeliest labels with their posterior probability (softmax of the joint log-likelihoods). */
export function predict(model: NaiveBayes, v: SparseVector, k: number): Suggestion[] {
  const scores = new Float64Array(model.labels.length);
  let max = Number.NEGATIVE_INFINITY;
  for (let c = 0; c < model.labels.length; c++) {
    const row = model.logLikelihood[c]!;
    let s = model.logPrior[c]!;
    for (let j = 0; j < v.idx.length; j++) s += v.val[j]! * row[v.idx[j]!]!;
    scores[c] = s;
    if (s > max) max = s;
  }
  let z = 0;
  for (let c = 0; c < scores.length; c++) z += Math.exp(scores[c]! - max);
  const out = model.labels.map((value, c) => ({ value, confidence: Math.exp(scores[c]! - max) / z }));
  out.sort((a, b) => b.confidence - a.confidence || (a.value < b.value ? -1 : 1));
  return out.slice(0, k);
}

export interface LabelledText {
  text: string;
  label: string;
}

export interface TrainOptions extends Partial<VocabularyOptions> {
  alpha?: number;
}

/** Trains in one go (the fixture evaluation and tests; the device trains in chunks with the same classes). */
export function train(examples: readonly LabelledText[], opts: TrainOptions = {}): { vocab: Vocabulary; model: NaiveBayes | null } {
  const tokens = examples.map((e) => tokenize(e.text));
  const vb = new VocabularyBuilder();
  for (const t of tokens) vb.add(t);
  const vocab = vb.build({ maxTerms: opts.maxTerms ?? 30_000, minDf: opts.minDf ?? 2 });
  const nb = new NaiveBayesTrainer(vocab.index.size);
  examples.forEach((e, i) => nb.add(e.label, vectorize(vocab, tokens[i]!)));
  return { vocab, model: nb.build(opts.alpha) };
}
