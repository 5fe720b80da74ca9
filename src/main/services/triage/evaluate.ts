/**
 * Held-out evaluation of the triage classifier: a fixed, seeded split of labelled texts, top-1 and
 * top-3 accuracy of the model next to the baseline of always answering the most frequent labels
 * of the training part.
 */
import { predict, tokenize, train, vectorize, type LabelledText, type TrainOptions } from './classifier';
import { mulberry32 } from '../tickets/generate';

export interface Evaluation {
  train: number;
  test: number;
  labels: number;
  seed: number;
  top1: number;
  top3: number;
  /** Always the most frequent training label (top-1), or the three most frequent (top-3). */
  baselineTop1: number;
  baselineTop3: number;
  baselineLabel: string;
}

export function evaluateHeldOut(examples: readonly LabelledText[], opts: { seed: number; testShare: number } & TrainOptions): Evaluation {
  const r = mulberry32(opts.seed);
  const order = examples.map((_, i) => i);
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const cut = Math.round(examples.length * (1 - opts.testShare));
  const trainSet = order.slice(0, cut).map((i) => examples[i]!);
  const testSet = order.slice(cut).map((i) => examples[i]!);
  const { vocab, model } = train(trainSet, opts);
  if (!model) throw new Error('Nothing to train on: no labelled examples.');
  const freq = new Map<string, number>();
  for (const e of trainSet) freq.set(e.label, (freq.get(e.label) ?? 0) + 1);
  const byFreq = [...freq].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([l]) => l);
  let top1 = 0;
  let top3 = 0;
  let base1 = 0;
  let base3 = 0;
  for (const e of testSet) {
    const p = predict(model, vectorize(vocab, tokenize(e.text)), 3).map((s) => s.value);
    if (p[0] === e.label) top1++;
    if (p.includes(e.label)) top3++;
    if (byFreq[0] === e.label) base1++;
    if (byFreq.slice(0, 3).includes(e.label)) base3++;
  }
  const share = (n: number) => Math.round((n / testSet.length) * 10_000) / 10_000;
  return {
    train: trainSet.length,
    test: testSet.length,
    labels: freq.size,
    seed: opts.seed,
    top1: share(top1),
    top3: share(top3),
    baselineTop1: share(base1),
    baselineTop3: share(base3),
    baselineLabel: byFreq[0]!,
  };
}
