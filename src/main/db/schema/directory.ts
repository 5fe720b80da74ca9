/** People, groups and sites: synced, following the data-model rules. */
import { integer, sqliteTable, text, index, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { syncedColumns } from './columns';

export const sites = sqliteTable('sites', {
  ...syncedColumns(),
  name: text('name').notNull(),
  code: text('code'),
  timezone: text('timezone'),
});

export const users = sqliteTable(
  'users',
  {
    ...syncedColumns(),
    username: text('username').notNull(),
    displayName: text('display_name').notNull(),
    email: text('email'),
    role: text('role', { enum: ['admin', 'technician', 'auditor', 'requester'] }).notNull(),
    active: integer('active', { mode: 'boolean' }).notNull().default(true),
    /** scrypt$N$r$p$salt$hash; kept on the device so sign-in works offline. */
    passwordHash: text('password_hash').notNull(),
  },
  (t) => [uniqueIndex('users_username_uq').on(t.username)],
);

/** Set membership: one row per member with its own add/remove clock (deleted_hlc). */
export const userSites = sqliteTable(
  'user_sites',
  {
    ...syncedColumns(),
    userId: text('user_id')
      .notNull()
      .references(() => users.id),
    siteId: text('site_id')
      .notNull()
      .references(() => sites.id),
  },
  (t) => [uniqueIndex('user_sites_uq').on(t.userId, t.siteId)],
);

export const groups = sqliteTable('groups', {
  ...syncedColumns(),
  name: text('name').notNull(),
  description: text('description'),
});

export const groupMembers = sqliteTable(
  'group_members',
  {
    ...syncedColumns(),
    groupId: text('group_id')
      .notNull()
      .references(() => groups.id),
    userId: text('user_id')
      .notNull()
      .references(() => users.id),
  },
  (t) => [uniqueIndex('group_members_uq').on(t.groupId, t.userId), index('group_members_user_idx').on(t.userId)],
);

export const savedViews = sqliteTable(
  'saved_views',
  {
    ...syncedColumns(),
    ownerId: text('owner_id')
      .notNull()
      .references(() => users.id),
    name: text('name').notNull(),
    base: text('base').notNull(),
    filter: text('filter').notNull(),
    sort: text('sort').notNull(),
  },
  (t) => [index('saved_views_owner_idx').on(t.ownerId)],
);
