/**
 * One identity across device and server: when a device joins, the person signed in on it takes the
 * id the server knows them by (their team record, or their server account). Until then their local
 * records name a local id; this re-keys them in one transaction, so the tickets they raised, the
 * comments they wrote and the views they saved stay theirs, and the server (which sets every author
 * and owner from the signed-in account) agrees with the device about whose they are.
 * The audit trail keeps the ids it recorded: its events are chained and never rewritten. The
 * re-keying is itself an event (`sync.join`, former id → person id), through which the trail still
 * names the person for what they did before joining.
 */
import type Database from 'better-sqlite3';
import { personReferences } from '../../shared/sync/access';
import { appendAudit, JOIN_CALL } from '../services/core/audit';

/** Local (not synced) tables that name a person. */
const LOCAL_REFERENCES = [{ table: 'sessions', field: 'user_id' }];

export function adoptIdentity(sqlite: Database.Database, localId: string, personId: string, at: string): boolean {
  if (!localId || !personId || localId === personId) return false;
  const exists = (table: string) => (sqlite.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(table) ? true : false);
  sqlite.pragma('defer_foreign_keys = ON');
  const taken = sqlite.prepare('SELECT password_hash FROM users WHERE id = ?').get(personId) as { password_hash: string } | undefined;
  if (taken) {
    // The device already holds the person's team record (pulled earlier): keep it, with the
    // password that signs in here, and retire the local duplicate.
    const local = sqlite.prepare('SELECT password_hash FROM users WHERE id = ?').pluck().get(localId) as string | undefined;
    if (local) sqlite.prepare('UPDATE users SET password_hash = ? WHERE id = ?').run(local, personId);
    sqlite.prepare('DELETE FROM users WHERE id = ?').run(localId);
  } else {
    sqlite.prepare('UPDATE users SET id = ? WHERE id = ?').run(personId, localId);
  }
  for (const r of personReferences()) {
    if (!exists(r.entity)) continue;
    sqlite.prepare(`UPDATE ${r.entity} SET ${r.field} = ? WHERE ${r.field} = ?`).run(personId, localId);
  }
  for (const r of LOCAL_REFERENCES) if (exists(r.table)) sqlite.prepare(`UPDATE ${r.table} SET ${r.field} = ? WHERE ${r.field} = ?`).run(personId, localId);
  // Changes not yet pushed name the local id too (as a record id or inside their values).
  sqlite.prepare("UPDATE pending_ops SET record_id = ? WHERE entity = 'users' AND record_id = ?").run(personId, localId);
  sqlite.prepare('UPDATE pending_ops SET payload = replace(payload, ?, ?) WHERE instr(payload, ?) > 0').run(JSON.stringify(localId), JSON.stringify(personId), JSON.stringify(localId));
  appendAudit(sqlite, { at, actorId: personId, call: JOIN_CALL, recordType: 'user', recordId: personId, before: { id: localId }, after: { id: personId } });
  return true;
}
