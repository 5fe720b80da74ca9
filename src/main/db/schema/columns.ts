/** Columns every synced row carries (ARCHITECTURE.md, "Data model rules"). */
import { text } from 'drizzle-orm/sqlite-core';

export const syncedColumns = () => ({
  id: text('id').primaryKey(),
  scopeId: text('scope_id').notNull(),
  createdAt: text('created_at').notNull(),
  updatedAt: text('updated_at').notNull(),
  /** JSON map field → stamp ("hlc@device") of its last write. */
  fieldHlc: text('field_hlc').notNull().default('{}'),
  /** Stamp of the delete, when the row is soft-deleted. */
  deletedHlc: text('deleted_hlc'),
});
