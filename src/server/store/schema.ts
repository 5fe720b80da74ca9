/**
 * The server's tables, applied at start (idempotent). Records hold each synced row's merged state;
 * `seq` is its position in the change log, allocated under the push lock so it follows commit order.
 */
import { portalIndexSql } from './portal-reads';

const COMMON = (bigint: string, bool: string) => `
CREATE TABLE IF NOT EXISTS server_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS records (
  entity TEXT NOT NULL,
  id TEXT NOT NULL,
  scope_id TEXT NOT NULL,
  num TEXT,
  data TEXT NOT NULL,
  field_hlc TEXT NOT NULL,
  field_seq TEXT NOT NULL,
  deleted_hlc TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  seq ${bigint} NOT NULL,
  PRIMARY KEY (entity, id)
);
CREATE UNIQUE INDEX IF NOT EXISTS records_seq_uq ON records (seq);
CREATE INDEX IF NOT EXISTS records_scope_seq_idx ON records (scope_id, seq);
CREATE UNIQUE INDEX IF NOT EXISTS records_ticket_num_uq ON records (num) WHERE entity = 'tickets';
CREATE UNIQUE INDEX IF NOT EXISTS records_risk_num_uq ON records (num) WHERE entity = 'risks';
CREATE UNIQUE INDEX IF NOT EXISTS records_kb_num_uq ON records (num) WHERE entity = 'kb_articles';
CREATE UNIQUE INDEX IF NOT EXISTS records_problem_num_uq ON records (num) WHERE entity = 'problems';
CREATE UNIQUE INDEX IF NOT EXISTS records_change_num_uq ON records (num) WHERE entity = 'changes';
CREATE TABLE IF NOT EXISTS scope_moves (
  seq ${bigint} NOT NULL,
  entity TEXT NOT NULL,
  id TEXT NOT NULL,
  from_scope TEXT NOT NULL,
  PRIMARY KEY (seq, from_scope)
);
CREATE INDEX IF NOT EXISTS scope_moves_scope_seq_idx ON scope_moves (from_scope, seq);
CREATE TABLE IF NOT EXISTS op_results (
  device_id TEXT NOT NULL,
  device_seq ${bigint} NOT NULL,
  status TEXT NOT NULL,
  reason TEXT,
  clamped ${bool} NOT NULL,
  op_id TEXT,
  PRIMARY KEY (device_id, device_seq)
);
CREATE TABLE IF NOT EXISTS number_counters (prefix TEXT PRIMARY KEY, next ${bigint} NOT NULL);
-- Counters the server keeps for a device it writes for (the portal's browser sessions): the op
-- sequence numbers and provisional ticket numbers it gives them, shared by every instance.
CREATE TABLE IF NOT EXISTS device_counters (
  device_id TEXT NOT NULL,
  what TEXT NOT NULL,
  next ${bigint} NOT NULL,
  PRIMARY KEY (device_id, what)
);
CREATE TABLE IF NOT EXISTS number_leases (
  prefix TEXT NOT NULL,
  first ${bigint} NOT NULL,
  last ${bigint} NOT NULL,
  device_id TEXT NOT NULL,
  PRIMARY KEY (prefix, first)
);
CREATE TABLE IF NOT EXISTS server_users (
  id TEXT PRIMARY KEY,
  username TEXT NOT NULL UNIQUE,
  password_hash TEXT NOT NULL,
  role TEXT NOT NULL,
  sites TEXT,
  active ${bool} NOT NULL
);
CREATE TABLE IF NOT EXISTS devices (
  id TEXT PRIMARY KEY,
  user_id TEXT NOT NULL,
  name TEXT NOT NULL,
  revoked ${bool} NOT NULL,
  created_at TEXT NOT NULL,
  last_seen_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS refresh_tokens (
  hash TEXT PRIMARY KEY,
  device_id TEXT NOT NULL,
  user_id TEXT NOT NULL,
  expires_at TEXT NOT NULL
);
-- A sign-in session of one device: the family of its rotating refresh tokens. A refresh token
-- used a second time revokes its session, and with it every access token carrying its id.
CREATE TABLE IF NOT EXISTS auth_sessions (
  id TEXT PRIMARY KEY,
  device_id TEXT NOT NULL,
  user_id TEXT NOT NULL,
  revoked ${bool} NOT NULL,
  created_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS auth_sessions_device_idx ON auth_sessions (device_id);
CREATE INDEX IF NOT EXISTS auth_sessions_user_idx ON auth_sessions (user_id);
-- Used refresh tokens stay (used_at set) until they expire, so a second use is recognised.
CREATE TABLE IF NOT EXISTS auth_refresh (
  hash TEXT PRIMARY KEY,
  session_id TEXT NOT NULL,
  expires_at TEXT NOT NULL,
  used_at TEXT
);
CREATE INDEX IF NOT EXISTS auth_refresh_session_idx ON auth_refresh (session_id);
CREATE INDEX IF NOT EXISTS auth_refresh_expiry_idx ON auth_refresh (expires_at);
-- Failed sign-ins per username ('u:…') and per client address ('a:…'), shared by every instance.
CREATE TABLE IF NOT EXISTS auth_throttle (
  key TEXT PRIMARY KEY,
  failures ${bigint} NOT NULL,
  last_failure_ms ${bigint} NOT NULL,
  locked_until_ms ${bigint} NOT NULL
);
-- One-minute, single-use tickets that open /sync/live where a header cannot be sent.
CREATE TABLE IF NOT EXISTS live_tickets (
  hash TEXT PRIMARY KEY,
  session_id TEXT NOT NULL,
  expires_at TEXT NOT NULL
);
-- Each device's audit chain as acknowledged at push: the chain held chain_length events, the last
-- with hash "head". Every acknowledged anchor is kept, so what the server vouched for can be shown.
CREATE TABLE IF NOT EXISTS audit_anchors (
  device_id TEXT NOT NULL,
  chain_length ${bigint} NOT NULL,
  head TEXT NOT NULL,
  at TEXT NOT NULL,
  PRIMARY KEY (device_id, chain_length)
);
`;

/** Columns added after a table first shipped: added to older stores when they open. */
export const ADDED_COLUMNS: { table: string; column: string; type: string }[] = [
  { table: 'op_results', column: 'op_id', type: 'TEXT' },
  // Set when an administrator reports the device lost: at its next contact it is told to wipe itself.
  { table: 'devices', column: 'lost_at', type: 'TEXT' },
  // The device a copied or restored store continued from (POST /auth/device/fork): revoking either revokes both.
  { table: 'devices', column: 'forked_from', type: 'TEXT' },
];
/** Indexes on added columns (created after the columns exist). */
export const LATE_INDEXES = ['CREATE INDEX IF NOT EXISTS op_results_op_idx ON op_results (op_id)'];

/**
 * Evidence blobs, in the database (not on the server's disk) so every instance behind a load
 * balancer serves them and a database backup holds them: one row per SHA-256, whoever uploaded it,
 * and each device's unfinished upload of a blob, resumed at \`received\`. A knowledge article's
 * picture is served only for the article it was uploaded for, every byte, by someone who may write
 * that article (kb_article_pictures): a file uploaded as evidence is never a picture.
 */
const BLOBS = (bigint: string, bytes: string) => `
CREATE TABLE IF NOT EXISTS evidence_blobs (
  sha256 TEXT PRIMARY KEY,
  size ${bigint} NOT NULL,
  data ${bytes} NOT NULL,
  created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS evidence_blob_uploads (
  sha256 TEXT NOT NULL,
  device_id TEXT NOT NULL,
  size ${bigint} NOT NULL,
  received ${bigint} NOT NULL,
  data ${bytes} NOT NULL,
  updated_at TEXT NOT NULL,
  PRIMARY KEY (sha256, device_id)
);
CREATE TABLE IF NOT EXISTS kb_article_pictures (
  sha256 TEXT NOT NULL,
  article_id TEXT NOT NULL,
  uploaded_by TEXT NOT NULL,
  created_at TEXT NOT NULL,
  PRIMARY KEY (sha256, article_id)
);
`;

/**
 * Every signed-in request looks up the person behind the account by username (findProfileId). On
 * PostgreSQL that walked the change log in order from its start until it met the person's record:
 * a person added after 100,000 tickets cost a scan of all of them on every push and pull. (SQLite
 * reads only the team-wide records, through records_scope_seq_idx.)
 */
const PROFILE_INDEX_PG = "CREATE INDEX IF NOT EXISTS records_users_username_idx ON records ((data::jsonb ->> 'username')) WHERE entity = 'users';\n";

export const SCHEMA_SQL = {
  sqlite: COMMON('INTEGER', 'INTEGER') + BLOBS('INTEGER', 'BLOB') + portalIndexSql('sqlite'),
  postgres: COMMON('BIGINT', 'INTEGER') + BLOBS('BIGINT', 'BYTEA') + PROFILE_INDEX_PG + portalIndexSql('postgres'),
};
