/** Device-local tables: never synced. */
import { integer, sqliteTable, text, index, primaryKey } from 'drizzle-orm/sqlite-core';

/** Key/value facts about this device and store (device id, clock, organisation, settings). */
export const meta = sqliteTable('meta', {
  key: text('key').primaryKey(),
  value: text('value').notNull(),
});

export const sessions = sqliteTable(
  'sessions',
  {
    tokenHash: text('token_hash').primaryKey(),
    userId: text('user_id').notNull(),
    createdAt: text('created_at').notNull(),
    lastSeenAt: text('last_seen_at').notNull(),
    expiresAt: text('expires_at').notNull(),
    /** The person's last input at the console (keys, pointer), reported by the window; idle lock counts from it. */
    activeAt: text('active_at'),
    /** Set while the console is locked: every call but unlock and sign-out is refused until the password is given. */
    lockedAt: text('locked_at'),
  },
  (t) => [index('sessions_user_idx').on(t.userId)],
);

/** Counters for human numbers (INC0000001) per prefix. */
export const counters = sqliteTable('counters', {
  prefix: text('prefix').primaryKey(),
  next: integer('next').notNull(),
});

/** Ops written with each change, waiting to be pushed to the central server. */
export const pendingOps = sqliteTable('pending_ops', {
  opId: text('op_id').primaryKey(),
  deviceId: text('device_id').notNull(),
  deviceSeq: integer('device_seq').notNull().unique(),
  hlc: text('hlc').notNull(),
  schemaVersion: integer('schema_version').notNull(),
  kind: text('kind').notNull(),
  entity: text('entity').notNull(),
  recordId: text('record_id').notNull(),
  scopeId: text('scope_id').notNull(),
  payload: text('payload').notNull(),
  createdAt: text('created_at').notNull(),
});

/** The hash-chained audit trail. */
export const auditEvents = sqliteTable(
  'audit_events',
  {
    seq: integer('seq').primaryKey({ autoIncrement: true }),
    id: text('id').notNull().unique(),
    at: text('at').notNull(),
    actorId: text('actor_id'),
    call: text('call').notNull(),
    recordType: text('record_type').notNull(),
    recordId: text('record_id'),
    before: text('before'),
    after: text('after'),
    prevHash: text('prev_hash').notNull(),
    hash: text('hash').notNull(),
  },
  // The Audit trail screen filters by who, what, call and period, newest first, in SQL.
  (t) => [
    index('audit_record_idx').on(t.recordId, t.seq),
    index('audit_actor_idx').on(t.actorId, t.seq),
    index('audit_type_idx').on(t.recordType, t.seq),
    index('audit_call_idx').on(t.call, t.seq),
    index('audit_at_idx').on(t.at),
  ],
);

/**
 * Records named by an audit event that covers many (a pulled page): each record with the event's
 * seq, so the trail of one record finds the event without one event per record.
 */
export const auditEventRecords = sqliteTable(
  'audit_event_records',
  {
    recordId: text('record_id').notNull(),
    seq: integer('seq').notNull(),
  },
  (t) => [index('audit_event_records_idx').on(t.recordId, t.seq)],
);

export const loginAttempts = sqliteTable('login_attempts', {
  username: text('username').primaryKey(),
  failures: integer('failures').notNull(),
  lastAt: text('last_at').notNull(),
});

/**
 * Files this device knows the server holds, each for what it travelled as: `article_id` '' for a
 * file uploaded as evidence (or downloaded as one), else the knowledge article it was uploaded or
 * downloaded as a picture of (the server serves a picture only for the article it was uploaded for).
 */
export const syncedBlobs = sqliteTable(
  'synced_blobs',
  {
    sha256: text('sha256').notNull(),
    articleId: text('article_id').notNull().default(''),
    at: text('at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.sha256, t.articleId] })],
);

/**
 * Files of the blob store this device took in as knowledge articles' pictures: added through
 * `kb.addImage`, or downloaded from the server as an article's picture. `kb.image` serves only
 * these, so a file held as evidence is never shown through an article that names its hash.
 */
export const kbPictureBlobs = sqliteTable('kb_picture_blobs', {
  sha256: text('sha256').primaryKey(),
  mediaType: text('media_type').notNull(),
  at: text('at').notNull(),
});
