/** Each person's home dashboard: the widgets they arranged and the filters they left set (synced to their devices). */
import { sqliteTable, text, index } from 'drizzle-orm/sqlite-core';
import { syncedColumns } from './columns';
import { users } from './directory';

export const dashboardLayouts = sqliteTable(
  'dashboard_layouts',
  {
    ...syncedColumns(),
    ownerId: text('owner_id')
      .notNull()
      .references(() => users.id),
    /** JSON array of widget ids, in the order shown (src/shared/dashboards/widgets.ts). */
    widgets: text('widgets').notNull(),
    /** JSON of the filters applying to every widget: period, site, group. */
    filter: text('filter').notNull(),
  },
  (t) => [index('dashboard_layouts_owner_idx').on(t.ownerId)],
);
