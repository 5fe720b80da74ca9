/**
 * How sure an overhead is: a paired bootstrap of one figure's samples on the encrypted store against
 * the plain store(s) beside it. Used by `npm run bench -- --encryption both` (tickets.bench.ts) to
 * tell a figure the cipher makes slower from one that a few samples moved: a figure of five samples
 * (one a round) or a maximum (one sample) can land 30 % either way on two stores that differ in
 * nothing, and the control store shows it does.
 *
 * The stores take turns call by call, so the i-th sample of a round on each store ran side by side:
 * the resample draws the same indices on every store (what the machine did at that moment stays with
 * the pair), in two stages (the rounds drawn again, then the samples within each drawn round: a
 * figure of one sample a round varies with its rounds), and recomputes the figure's own statistic
 * (a median of the rounds' medians stays one). The overhead's 90 % interval is the 5th to 95th percentile of the resampled
 * overheads; a figure is over +15 % beyond the noise only when even its 5th percentile is.
 */

import { mulberry32 } from '../src/shared/random';

/** Each round's samples of one figure on one store, in the order they were taken. */
export type Rounds = number[][];

/** The value at quantile p of sorted numbers (the nearest rank, as every bench figure takes it). */
export const quantile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)]!;
/** The lower median. */
export const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!;

const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
const perRound = (rounds: Rounds, f: (s: number[]) => number) => median(rounds.filter((r) => r.length).map((r) => f(sorted(r))));
const pooled = (rounds: Rounds) => sorted(rounds.flat());

/**
 * The statistic behind each figure name, as tickets.bench.ts computes it from the rounds' samples
 * (ofRounds); numbers recorded once a round (a rate, a rewrite's time) are one "round" of values
 * whose median is the figure.
 */
export const STATISTICS: Record<string, (rounds: Rounds) => number> = {
  median_ms: (r) => perRound(r, (s) => quantile(s, 0.5)),
  main_thread_cpu_median_ms: (r) => perRound(r, (s) => quantile(s, 0.5)),
  p95_ms: (r) => perRound(r, (s) => quantile(s, 0.95)),
  main_thread_cpu_p95_ms: (r) => perRound(r, (s) => quantile(s, 0.95)),
  p95_pooled_ms: (r) => quantile(pooled(r), 0.95),
  max_ms: (r) => Math.max(...r.flat()),
  max_median_of_rounds_ms: (r) => perRound(r, (s) => s[s.length - 1]!),
};
/** A figure recorded once a round: the median of the rounds' values. */
export const ofRoundValues = (r: Rounds) => median(r.flat());

export interface Interval {
  /** The overhead in percent on the samples as taken. */
  point: number;
  /** The 5th and 95th percentiles of the resampled overheads, in percent. */
  low: number;
  high: number;
  /** Whether the samples were drawn in pairs (every store the same count each round) or each store on its own. */
  paired: boolean;
}

/**
 * The overhead of `subject` over the mean of the `baselines`' statistic, in percent (a rate: the
 * baseline's over the subject's, so positive is slower either way), with its bootstrap interval.
 * Null when a store has no samples.
 */
export function overheadInterval(
  statistic: (rounds: Rounds) => number,
  subject: Rounds,
  baselines: Rounds[],
  opts: { rate?: boolean; seed?: number; iterations?: number } = {},
): Interval | null {
  const stores = [subject, ...baselines];
  if (stores.some((s) => !s.flat().length) || stores.some((s) => s.length !== subject.length)) return null;
  const pct = (x: number[]) => {
    const base = x.slice(1).reduce((a, b) => a + b, 0) / baselines.length;
    const v = opts.rate ? base / x[0]! - 1 : x[0]! / base - 1;
    return Math.round(v * 1000) / 10;
  };
  const point = pct(stores.map(statistic));
  if (!Number.isFinite(point)) return null;
  const rnd = mulberry32(opts.seed ?? 7);
  const paired = subject.every((r, j) => baselines.every((b) => b[j]!.length === r.length));
  const pick = (n: number) => Math.floor(rnd() * n);
  const draws: number[] = [];
  for (let it = 0; it < (opts.iterations ?? 1000); it++) {
    // Two stages: the rounds drawn again (a round's conditions are shared by its samples), then the
    // samples within each drawn round; the same draws on every store when they are paired.
    const resampled = stores.map(() => [] as number[][]);
    for (let d = 0; d < subject.length; d++) {
      const j = pick(subject.length);
      const shared = paired ? Array.from({ length: subject[j]!.length }, () => pick(subject[j]!.length)) : null;
      stores.forEach((s, k) => {
        const xs = s[j]!;
        const idx = shared ?? Array.from({ length: xs.length }, () => pick(xs.length));
        resampled[k]!.push(idx.map((i) => xs[i]!));
      });
    }
    const v = pct(resampled.map(statistic));
    if (Number.isFinite(v)) draws.push(v);
  }
  const s = sorted(draws);
  return { point, low: quantile(s, 0.05), high: quantile(s, 0.95), paired };
}
