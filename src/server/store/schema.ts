/**
 * The server's tables, applied at start (idempotent). Records hold each synced row's merged state;
 * `seq` is its position in the change log, allocated under the push lock so it follows commit order.
 */
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
  PRIMARY KEY (device_id, device_seq)
);
CREATE TABLE IF NOT EXISTS number_counters (prefix TEXT PRIMARY KEY, next ${bigint} NOT NULL);
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
`;

export const SCHEMA_SQL = {
  sqlite: COMMON('INTEGER', 'INTEGER'),
  postgres: COMMON('BIGINT', 'INTEGER'),
};
