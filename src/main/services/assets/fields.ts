/**
 * Custom fields per asset category: definitions (team-wide synced rows, one per field, so two
 * administrators adding fields offline both keep theirs) and value checks.
 */
import type Database from 'better-sqlite3';
import type { Ctx } from '../core/context';
import { requireActor, write } from '../core/write';
import { getMetaJson } from '../core/meta';
import { AppError } from '../../../shared/result';
import type { CategoryFields, CustomFieldType, CustomFieldValue } from '../../../shared/api/assets';
import { nameId, putRow } from '../settings/team-rows';
import { migrateTeamSettings } from '../settings/migrate';

const LEGACY_KEY = 'asset_field_defs';

interface DefRow {
  id: string;
  category: string;
  key: string;
  label: string;
  type: CustomFieldType;
  required: number;
  active: number;
}

export const fieldDefId = (category: string, key: string) => nameId('afd', category, key);

function readDefs(sqlite: Database.Database): CategoryFields[] {
  const rows = sqlite
    .prepare(
      'SELECT id, category, key, label, type, required, active FROM asset_field_defs WHERE deleted_hlc IS NULL ORDER BY category COLLATE NOCASE, position, key COLLATE NOCASE',
    )
    .all() as DefRow[];
  // A store not yet upgraded (tests opening a file directly) still reads its old list.
  if (!rows.length) return getMetaJson<CategoryFields[]>(sqlite, LEGACY_KEY, []);
  const byCategory = new Map<string, CategoryFields>();
  for (const r of rows) {
    if (!r.active) continue;
    const k = r.category.toLowerCase();
    let c = byCategory.get(k);
    if (!c) byCategory.set(k, (c = { category: r.category, fields: [] }));
    c.fields.push({ key: r.key, label: r.label, type: r.type, required: !!r.required });
  }
  return [...byCategory.values()].sort((a, b) => a.category.localeCompare(b.category));
}

export function listFieldDefs(ctx: Ctx): CategoryFields[] {
  requireActor(ctx);
  return readDefs(ctx.store.sqlite);
}

export function saveFieldDefs(ctx: Ctx, input: CategoryFields): CategoryFields {
  requireActor(ctx);
  const keys = new Set<string>();
  for (const f of input.fields) {
    const k = f.key.toLowerCase();
    if (keys.has(k))
      throw new AppError('invalid_input', `The field "${f.key}" is listed twice.`, [{ path: ['fields'], message: 'Duplicate key.' }]);
    keys.add(k);
  }
  const sqlite = ctx.store.sqlite;
  migrateTeamSettings(sqlite, ctx.clock.now().toISOString());
  write(ctx, (w) => {
    const before = readDefs(sqlite).find((c) => c.category.toLowerCase() === input.category.toLowerCase()) ?? null;
    const keep = new Set<string>();
    input.fields.forEach((f, i) => {
      const id = fieldDefId(input.category, f.key);
      keep.add(id);
      putRow(sqlite, w, 'asset_field_defs', id, {
        category: input.category,
        key: f.key,
        label: f.label,
        type: f.type,
        required: f.required ? 1 : 0,
        position: i,
        active: 1,
      });
    });
    // Only fields this device knows are removed: one a colleague added meanwhile survives.
    const known = sqlite
      .prepare('SELECT id FROM asset_field_defs WHERE category = ? COLLATE NOCASE AND active = 1 AND deleted_hlc IS NULL')
      .pluck()
      .all(input.category) as string[];
    for (const id of known) if (!keep.has(id)) putRow(sqlite, w, 'asset_field_defs', id, { active: 0 });
    w.audit('asset_field_defs', input.category, before, input);
  });
  return input;
}

/** Checks values against the category's definitions; fields the category does not define pass as they are. */
export function checkCustomFields(
  sqlite: Database.Database,
  category: string | null | undefined,
  values: Record<string, CustomFieldValue>,
  creating: boolean,
  path: (string | number)[],
): void {
  if (!category) return;
  const def = readDefs(sqlite).find((c) => c.category.toLowerCase() === category.toLowerCase());
  if (!def) return;
  for (const f of def.fields) {
    const v = values[f.key];
    const bad = (message: string) => new AppError('invalid_input', `${f.label}: ${message}`, [{ path: [...path, f.key], message }]);
    if (v === undefined || v === null || v === '') {
      if (creating && f.required) throw bad('required for this category.');
      continue;
    }
    if (f.type === 'number' && typeof v !== 'number') throw bad('must be a number.');
    if (f.type === 'boolean' && typeof v !== 'boolean') throw bad('must be yes or no.');
    if (f.type === 'date' && (typeof v !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(v))) throw bad('must be a date like 2026-03-31.');
    if (f.type === 'text' && typeof v !== 'string') throw bad('must be text.');
  }
}
