/**
 * Service levels and routing, team-wide (scope 'global', administrators write): business-hours
 * calendars, SLA policies with their escalation levels, and ticket routing rules. Escalations that
 * fired are append-only children of their ticket, with ids made from ticket + policy + level so the
 * same escalation noticed on two devices is one record.
 */
import { integer, real, sqliteTable, text, index } from 'drizzle-orm/sqlite-core';
import { syncedColumns } from './columns';
import { tickets } from './tickets';

export const slaCalendars = sqliteTable('sla_calendars', {
  ...syncedColumns(),
  name: text('name').notNull(),
  /** IANA time zone the hours and holidays are read in. */
  timezone: text('timezone').notNull(),
  /** JSON [[day 0–6, start minute, end minute], …]; empty: around the clock. */
  hours: text('hours').notNull().default('[]'),
  /** JSON [{ date: 'YYYY-MM-DD', name }, …]. */
  holidays: text('holidays').notNull().default('[]'),
});

export const slaPolicies = sqliteTable('sla_policies', {
  ...syncedColumns(),
  name: text('name').notNull(),
  position: integer('position').notNull().default(0),
  active: integer('active').notNull().default(1),
  type: text('type'),
  category: text('category'),
  siteId: text('site_id'),
  calendarId: text('calendar_id'),
  warnShare: real('warn_share').notNull().default(0.75),
  /** JSON { "1": { response, resolution }, … } in business minutes. */
  targets: text('targets').notNull().default('{}'),
  /** JSON [escalation level, …] (src/shared/sla/policy.ts). */
  escalations: text('escalations').notNull().default('[]'),
});

export const routingRules = sqliteTable('routing_rules', {
  ...syncedColumns(),
  name: text('name').notNull(),
  position: integer('position').notNull().default(0),
  active: integer('active').notNull().default(1),
  /** JSON conditions (src/shared/routing/rules.ts). */
  conditions: text('conditions').notNull().default('{}'),
  /** JSON actions. */
  actions: text('actions').notNull().default('{}'),
});

export const ticketEscalations = sqliteTable(
  'ticket_escalations',
  {
    ...syncedColumns(),
    ticketId: text('ticket_id')
      .notNull()
      .references(() => tickets.id),
    policyId: text('policy_id').notNull(),
    levelKey: text('level_key').notNull(),
    clock: text('clock').notNull(),
    moment: text('moment').notNull(),
    /** The deadline instant (ISO) the level was measured from. */
    deadline: text('deadline').notNull(),
    /** What was done, in words. */
    summary: text('summary').notNull(),
  },
  (t) => [index('ticket_escalations_ticket_idx').on(t.ticketId, t.createdAt)],
);
