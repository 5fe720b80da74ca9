/** Sync conflicts: synced records, so every replica shows the same inbox and a resolution clears it everywhere. */
import { sqliteTable, text, index } from 'drizzle-orm/sqlite-core';
import { syncedColumns } from './columns';
import { CONFLICT_KINDS, CONFLICT_STATUSES } from '../../../shared/sync/entities';

export const syncConflicts = sqliteTable(
  'sync_conflicts',
  {
    ...syncedColumns(),
    entity: text('entity').notNull(),
    recordId: text('record_id').notNull(),
    field: text('field').notNull(),
    kind: text('kind', { enum: CONFLICT_KINDS }).notNull(),
    keptValue: text('kept_value'),
    lostValue: text('lost_value'),
    keptStamp: text('kept_stamp'),
    lostStamp: text('lost_stamp'),
    keptDevice: text('kept_device'),
    lostDevice: text('lost_device'),
    lostAuthor: text('lost_author'),
    status: text('status', { enum: CONFLICT_STATUSES }).notNull().default('open'),
    resolution: text('resolution'),
    resolvedBy: text('resolved_by'),
  },
  // The inbox pages newest first by (created_at, id) within a status (see sync/conflicts.ts).
  (t) => [index('sync_conflicts_inbox_idx').on(t.status, t.createdAt, t.id), index('sync_conflicts_record_idx').on(t.recordId)],
);
