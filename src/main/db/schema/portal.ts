/** The service catalogue (team-wide, administrators write): request items with their own forms. */
import { integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { syncedColumns } from './columns';

export const catalogueItems = sqliteTable('catalogue_items', {
  ...syncedColumns(),
  name: text('name').notNull(),
  description: text('description').notNull().default(''),
  section: text('section').notNull(),
  icon: text('icon').notNull().default('help'),
  ticketType: text('ticket_type').notNull().default('request'),
  ticketCategory: text('ticket_category'),
  groupId: text('group_id'),
  /** JSON list of form fields (src/shared/catalogue/form.ts). */
  formFields: text('form_fields').notNull().default('[]'),
  position: integer('position').notNull().default(0),
  active: integer('active').notNull().default(1),
});
