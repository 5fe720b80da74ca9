/**
 * The ticket search indexes merge their segments while the app is idle, not inside an edit.
 *
 * FTS5 writes each transaction's index changes as a new small segment and, by default
 * (automerge), merges segments a little inside every later write: at a million tickets that
 * merging made a single edit take up to tens of milliseconds now and then. Migration 0040 turns
 * automerge off for tickets_fts and tickets_title_fts; this step does the same merging from a
 * timer (runtime.ts), a bounded number of pages at a time, only when no write is under way.
 * FTS5's crisismerge (16 segments on one level) still bounds the segments if the app is never idle.
 */
import type Database from 'better-sqlite3';
import { writeGateBusy } from '../../db/write-gate';

export const MERGED_INDEXES = ['tickets_fts', 'tickets_title_fts'] as const;

/** FTS5's 'merge' command on each index (a positive page count merges only levels with enough segments to be worth it). */
const MERGE_SQL: Record<(typeof MERGED_INDEXES)[number], string> = {
  tickets_fts: "INSERT INTO tickets_fts (tickets_fts, rank) VALUES ('merge', ?)",
  tickets_title_fts: "INSERT INTO tickets_title_fts (tickets_title_fts, rank) VALUES ('merge', ?)",
};

/** Pages of merged index written per index and step: a few milliseconds of work. */
export const MERGE_PAGES = 64;

/**
 * One bounded merge step on each ticket search index. Returns true when some index had work to do
 * (so the caller may come back soon), false when every index is merged as far as FTS5 wants
 * (a level with fewer than 'usermerge', 4, segments is left as it is) or the store is busy.
 */
export function mergeSearchIndexes(sqlite: Database.Database, pages = MERGE_PAGES): boolean {
  if (!sqlite.open || sqlite.inTransaction || writeGateBusy(sqlite)) return false;
  const total = sqlite.prepare('SELECT total_changes()').pluck();
  let worked = false;
  for (const table of MERGED_INDEXES) {
    const before = total.get() as number;
    sqlite.prepare(MERGE_SQL[table]).run(pages);
    // FTS5's own test: two or more changes mean the step merged something.
    if ((total.get() as number) - before >= 2) worked = true;
  }
  return worked;
}

/** Runs merge steps while the app is idle: every `everyMs`, and again soon while work remains. */
export function startSearchMerges(store: () => Database.Database, everyMs = 1_000): () => void {
  let timer: NodeJS.Timeout | null = null;
  const tick = () => {
    let again = false;
    try {
      again = mergeSearchIndexes(store());
    } catch {
      // a busy or closing store merges next time
    }
    timer = setTimeout(tick, again ? 50 : everyMs);
    timer.unref();
  };
  timer = setTimeout(tick, everyMs);
  timer.unref();
  return () => {
    if (timer) clearTimeout(timer);
    timer = null;
  };
}
