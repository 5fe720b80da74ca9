/** Sync conflicts: synced records, so every replica shows the same inbox and a resolution clears it everywhere. */
import { sqliteTable, text, index } from 'drizzle-orm/sqlite-core';
import { syncedColumns } from './columns';

export const syncConflicts = sqliteTable(
  'sync_conflicts',
  {
    ...syncedColumns(),
    entity: text('entity').notNull(),
    recordId: text('record_id').notNull(),
    field: text('field').notNull(),
    kind: text('kind', { enum: ['field', 'transition', 'deleted'] }).notNull(),
    keptValue: text('kept_value'),
    lostValue: text('lost_value'),
    keptStamp: text('kept_stamp'),
    lostStamp: text('lost_stamp'),
    keptDevice: text('kept_device'),
    lostDevice: text('lost_device'),
    lostAuthor: text('lost_author'),
    status: text('status', { enum: ['open', 'resolved'] }).notNull().default('open'),
    resolution: text('resolution'),
    resolvedBy: text('resolved_by'),
  },
  (t) => [index('sync_conflicts_status_idx').on(t.status, t.createdAt), index('sync_conflicts_record_idx').on(t.recordId)],
);
