/**
 * Team-wide settings as synced rows (scope 'global'): single-valued settings one row per key, and
 * lists (ticket categories, asset custom fields, asset models) one row per member, so that two
 * administrators adding different members offline both keep them. Members are never hard-deleted:
 * `active` is a last-writer-wins field, so removing and adding back again merge by their clocks.
 */
import { integer, sqliteTable, text, index } from 'drizzle-orm/sqlite-core';
import { syncedColumns } from './columns';

export const teamSettings = sqliteTable('team_settings', {
  ...syncedColumns(),
  key: text('key').notNull(),
  /** JSON, checked against the key's shape when read (src/shared/settings/team.ts). */
  value: text('value').notNull(),
});

/** A ticket category (parent_id null) or a subcategory of one. Ids derive from the names. */
export const ticketCategories = sqliteTable(
  'ticket_categories',
  {
    ...syncedColumns(),
    name: text('name').notNull(),
    parentId: text('parent_id'),
    position: integer('position').notNull().default(0),
    active: integer('active').notNull().default(1),
  },
  (t) => [index('ticket_categories_parent_idx').on(t.parentId, t.position)],
);

/** One custom field of an asset category. Ids derive from category + key. */
export const assetFieldDefs = sqliteTable(
  'asset_field_defs',
  {
    ...syncedColumns(),
    category: text('category').notNull(),
    key: text('key').notNull(),
    label: text('label').notNull(),
    type: text('type', { enum: ['text', 'number', 'date', 'boolean'] }).notNull(),
    required: integer('required').notNull().default(0),
    position: integer('position').notNull().default(0),
    active: integer('active').notNull().default(1),
  },
  (t) => [index('asset_field_defs_category_idx').on(t.category, t.position)],
);

/** The asset models catalogue (Snipe-IT models import). Ids derive from the model name. */
export const assetModels = sqliteTable('asset_models', {
  ...syncedColumns(),
  name: text('name').notNull(),
  category: text('category'),
  manufacturer: text('manufacturer'),
  modelNumber: text('model_number'),
  eolMonths: integer('eol_months'),
});
