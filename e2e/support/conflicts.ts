/**
 * Puts conflicts into a browser host's store as a pull from the server would leave them (the server
 * alone creates conflicts): rows of sync_conflicts about existing records, written with the host
 * running (the store is in WAL mode, so a second connection may write between its transactions).
 */
import path from 'node:path';
import Database from 'better-sqlite3';

export interface SeededConflict {
  recordId: string;
  kind: 'field' | 'transition' | 'deleted' | 'overwritten';
  field: string;
  kept: string;
  lost: string;
}

export function seedConflicts(dataDir: string, scopeId: string, conflicts: SeededConflict[]): void {
  const db = new Database(path.join(dataDir, 'outpost.db'));
  try {
    db.pragma('busy_timeout = 5000');
    const insert = db.prepare(
      `INSERT INTO sync_conflicts (id, scope_id, created_at, updated_at, field_hlc, deleted_hlc, entity, record_id, field, kind, kept_value, lost_value,
         kept_stamp, lost_stamp, kept_device, lost_device, lost_author, status, resolution, resolved_by)
       VALUES (?, ?, ?, ?, ?, NULL, 'tickets', ?, ?, ?, ?, ?, ?, ?, 'device-north', 'device-south', NULL, ?, NULL, NULL)`,
    );
    const base = Date.parse('2026-03-02T08:00:00Z');
    db.transaction(() => {
      conflicts.forEach((c, i) => {
        const at = new Date(base + i * 1000).toISOString();
        const wall = String(base + i * 1000).padStart(15, '0');
        const kept = `${wall}:00000001@device-north`;
        const lost = `${wall}:00000000@device-south`;
        const id = `0190c0de-0000-7000-8000-${String(i).padStart(12, '0')}`;
        insert.run(id, scopeId, at, at, JSON.stringify({ '*': `${wall}:00000002@server` }), c.recordId, c.field, c.kind, c.kept, c.lost, kept, lost, c.kind === 'overwritten' ? 'auto' : 'open');
      });
    })();
  } finally {
    db.close();
  }
}
