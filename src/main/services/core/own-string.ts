/**
 * A string's text as its own copy. A cell a CSV parser cuts from a chunk of a file is a slice that
 * keeps the whole chunk alive; an importer that keeps a value past its chunk (a name to create, a
 * tag already seen, a problem to report) keeps this copy, so the chunks it has read can be freed.
 */
export function ownCopy(s: string): string {
  return Buffer.from(s, 'utf8').toString('utf8');
}

/** Values that repeat across a file's rows kept once each, as their own copy (see ownCopy). */
export class StringPool {
  private readonly pool = new Map<string, string>();
  own(v: string): string {
    let kept = this.pool.get(v);
    if (kept === undefined) {
      kept = ownCopy(v);
      this.pool.set(kept, kept);
    }
    return kept;
  }
}
