/**
 * The hot path of an import commit. An import writes tens of thousands of rows in one
 * transaction through the record primitive's bulk sink; for a large import the asset indexes are
 * rebuilt once after the inserts instead of row by row.
 */
import type Database from 'better-sqlite3';
import { uuidv7 } from '../../../../shared/ids';
import { AppError } from '../../../../shared/result';
import type { BulkSink } from '../../core/bulk';
import { insertAsset, setAssetColumns, type NewAssetRow } from '../assets';
import type { AssetRaw } from '../mapping';

/** What a long import reports while it runs (rows done of total within the current phase). */
export interface ImportProgress {
  phase: 'reading' | 'checking' | 'writing' | 'finishing';
  done: number;
  total: number;
}

export interface ImportHooks {
  progress?(p: ImportProgress): void;
  /** Polled between chunks of rows; true rolls the whole import back. */
  cancelled?(): boolean;
}

export function cancelledError(): AppError {
  return new AppError('conflict', 'The import was cancelled. Nothing was written.');
}

/**
 * The import's ops and rows go through the record primitive's bulk sink (core/bulk.ts): the same
 * checks, clocks, ops and audit events as a single write, inserted a hundred rows per statement.
 */
export { BulkSink as OpBatch } from '../../core/bulk';

/**
 * From this many new assets on, an import maintains the asset search index in one pass after its
 * inserts instead of per row: one INSERT ... SELECT over the new rows builds the same trigram
 * entries for less than the per-row trigger costs.
 */
export const BULK_SEARCH_FROM = 500;

/**
 * From this many new assets on, and when the import at least doubles the register, the list's
 * secondary indexes are dropped for the inserts and built again afterwards: building an index
 * from sorted rows costs less than inserting every new row into 18 B-trees one by one, but only
 * while the rows already there are fewer than the new ones (the build reads them all).
 */
export const BULK_INDEX_FROM = 5_000;

/** The trigger that adds each new asset to the trigram search index (migration 0010). */
const SEARCH_INSERT_TRIGGER = 'assets_search_ai';

interface Suspended {
  /** The search insert trigger's SQL, or null if it was left in place. */
  trigger: string | null;
  /** Rows above this rowid are the import's own. */
  afterRowid: number;
  /** Secondary indexes dropped for the inserts, to build again. */
  indexes: string[];
}

/**
 * Inserts new assets: row, create op; field clocks compact as {"*": stamp} (expandFieldHlc reads
 * them). For a large import the search-index insert trigger (and, into a small register, the
 * secondary indexes) are dropped inside the import's transaction and re-created by `flush`: a
 * failure or cancel rolls the DDL back with everything else, so indexes, search entries and
 * trigger are never left out of step with the rows, and other connections see the schema
 * unchanged. The unique tag index always stays: it guards the register's key during the inserts.
 */
export class AssetInserter {
  private suspended: Suspended | null = null;

  constructor(
    private readonly sqlite: Database.Database,
    private readonly ops: BulkSink,
    expectedRows = 0,
  ) {
    if (expectedRows >= BULK_SEARCH_FROM) this.suspend(expectedRows);
  }

  private suspend(expectedRows: number): void {
    const s = this.sqlite;
    if (!s.inTransaction) throw new Error('Asset indexes can only be suspended inside the import transaction.');
    const { afterRowid, existing } = s.prepare('SELECT coalesce(max(rowid), 0) AS afterRowid, count(*) AS existing FROM assets').get() as { afterRowid: number; existing: number };
    const trigger = (s.prepare(`SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ?`).pluck().get(SEARCH_INSERT_TRIGGER) as string | undefined) ?? null;
    if (trigger) s.exec(`DROP TRIGGER ${SEARCH_INSERT_TRIGGER}`);
    const indexes: string[] = [];
    if (expectedRows >= BULK_INDEX_FROM && existing <= expectedRows) {
      const rows = s
        .prepare(`SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'assets' AND sql IS NOT NULL AND name <> 'assets_tag_uq'`)
        .all() as { name: string; sql: string }[];
      for (const r of rows) {
        s.exec(`DROP INDEX "${r.name}"`);
        indexes.push(r.sql);
      }
    }
    this.suspended = { trigger, afterRowid, indexes };
  }

  run(siteId: string, row: NewAssetRow): string {
    return insertAsset(this.sqlite, this.ops.scope, siteId, row, uuidv7(), { audit: false, buffer: true });
  }

  /**
   * Writes the buffered rows, then (for a large import) the new rows' search entries, the dropped
   * indexes and the trigger; call before anything reads assets and before commit.
   */
  flush(): void {
    this.ops.flushRows();
    const s = this.suspended;
    if (!s) return;
    this.suspended = null;
    if (s.trigger) {
      this.sqlite
        .prepare('INSERT INTO assets_search (rowid, tag, name, serial, model, manufacturer) SELECT rowid, tag, name, serial, model, manufacturer FROM assets WHERE rowid > ?')
        .run(s.afterRowid);
      this.sqlite.exec(s.trigger);
    }
    for (const sql of s.indexes) this.sqlite.exec(sql);
  }
}

/** Changed columns of an existing asset (a new scope_id moves it), through the record primitive. */
export function updateAsset(sqlite: Database.Database, ops: BulkSink, before: AssetRaw, changes: Record<string, unknown>): string[] {
  return setAssetColumns(sqlite, ops.scope, before, changes, false);
}
