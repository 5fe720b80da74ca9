/** Plain arithmetic the KPIs share: medians, means, shares, hours between two times. */

export function median(xs: readonly number[]): number | null {
  if (!xs.length) return null;
  // A typed array sorts numerically without calling back into a comparator per pair.
  const s = Float64Array.from(xs).sort();
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export function mean(xs: readonly number[]): number | null {
  if (!xs.length) return null;
  let t = 0;
  for (const x of xs) t += x;
  return t / xs.length;
}

/** part of whole in percent, or null when there is no whole. */
export function percent(part: number, whole: number): number | null {
  return whole ? (100 * part) / whole : null;
}

export function hoursBetween(fromMs: number, toMs: number): number {
  return (toMs - fromMs) / 3_600_000;
}
