/**
 * Keeps every synced write on the one record primitive (record.ts): scans the services for SQL that
 * inserts into, updates or deletes from a synced table (one named in the entity descriptions), or
 * writes to a table named at run time, and fails on any statement not in the allowlist below, each
 * entry with its reason. A service that writes a synced row by hand would skip the field rules,
 * clocks, op or audit event; route it through createRecord/updateRecord/deleteRecord/restoreRecord/
 * setMember instead.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ENTITY_RULES } from '../../../shared/sync/entities';

const SERVICES = path.resolve(__dirname, '..');

/** file (relative to services) → table ('*' for a table named at run time) → why it is allowed. */
const ALLOWED: Record<string, Record<string, string>> = {
  'core/record.ts': { '*': 'the primitive itself' },
  'core/bulk.ts': { '*': 'the primitive’s bulk sink: buffered rows of createRecord, inserted a hundred per statement' },
  'core/children.ts': {
    '*': 'a moved record’s children follow it on this device only; the server moves them itself when it applies the parent’s move (no op, the child’s site is server-owned)',
  },
  'directory/users.ts': { users: 'a joined device’s own sign-in password: a local secret, never sent or accepted by the server (setLocalPassword)' },
  'setup/setup.ts': { users: 'a device joining a team keeps the password the server accepted for offline sign-in: a local secret, never synced' },
  'auth/sessions.ts': { users: 'keeps the password the server just confirmed for offline sign-in: a local secret, never synced' },
  'settings/derive.ts': { tickets: 'derived priority recomputed on this device the way the server derives it: derived data, no op' },
  'sla/figures.ts': {
    tickets: 'each ticket’s business-hours durations (response_business_ms, resolve_business_ms): device-only columns derived from the synced times and the SLA calendars, never synced, read by the dashboards',
  },
  'sla/recompute.ts': {
    tickets: 'each ticket’s SLA due times (sla_state, sla_clock, sla_due_at, sla_warn_at, sla_left_ms): device-only columns derived from the synced history and policy, never synced, so every device computes the same',
  },
  'sla/recompute-job.ts': {
    tickets: 'the same device-only columns (SLA due times and business-hours durations) recomputed for every ticket, a chunk at a time, after a policy or calendar change: derived data, never synced',
  },
};

const WRITE = /\b(?:INSERT\s+(?:OR\s+\w+\s+)?INTO|UPDATE|DELETE\s+FROM)\s+(\$\{[^}]+\}|[a-z_][a-z0-9_]*)/gi;

function files(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return files(p);
    return e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') ? [p] : [];
  });
}

/** Every write statement of a synced table (or a table named at run time) in the services. */
function syncedWrites(): { file: string; table: string; line: number }[] {
  const synced = new Set(Object.keys(ENTITY_RULES));
  const out: { file: string; table: string; line: number }[] = [];
  for (const f of files(SERVICES)) {
    const text = fs.readFileSync(f, 'utf8');
    for (const m of text.matchAll(WRITE)) {
      const name = m[1]!;
      // `UPDATE` also opens an upsert's `DO UPDATE SET`: not a table.
      if (/^set$/i.test(name)) continue;
      const table = name.startsWith('${') ? '*' : name.toLowerCase();
      if (table !== '*' && !synced.has(table)) continue;
      out.push({ file: path.relative(SERVICES, f).split(path.sep).join('/'), table, line: text.slice(0, m.index).split('\n').length });
    }
  }
  return out;
}

describe('one write path for synced records', () => {
  it('no service writes a synced table except through the record primitive (or an allowed, explained exception)', () => {
    const stray = syncedWrites().filter((w) => !ALLOWED[w.file]?.[w.table]);
    expect(stray.map((w) => `${w.file}:${w.line} writes ${w.table === '*' ? 'a table named at run time' : w.table}`)).toEqual([]);
  });

  it('the scan finds what it must: the primitive’s own statements and every allowed exception', () => {
    const found = syncedWrites();
    for (const [file, tables] of Object.entries(ALLOWED)) {
      for (const table of Object.keys(tables)) expect(found.some((w) => w.file === file && w.table === table), `${file} ${table}`).toBe(true);
    }
  });
});
