/** Custom fields per asset category: definitions (kept with the team settings) and value checks. */
import type Database from 'better-sqlite3';
import type { Ctx } from '../core/context';
import { requireActor, write } from '../core/write';
import { getMetaJson, setMetaJson } from '../core/meta';
import { AppError } from '../../../shared/result';
import type { CategoryFields, CustomFieldValue } from '../../../shared/api/assets';

const KEY = 'asset_field_defs';

export function listFieldDefs(ctx: Ctx): CategoryFields[] {
  requireActor(ctx);
  return getMetaJson<CategoryFields[]>(ctx.store.sqlite, KEY, []);
}

export function saveFieldDefs(ctx: Ctx, input: CategoryFields): CategoryFields {
  requireActor(ctx);
  const keys = new Set<string>();
  for (const f of input.fields) {
    const k = f.key.toLowerCase();
    if (keys.has(k)) throw new AppError('invalid_input', `The field "${f.key}" is listed twice.`, [{ path: ['fields'], message: 'Duplicate key.' }]);
    keys.add(k);
  }
  const sqlite = ctx.store.sqlite;
  write(ctx, (w) => {
    const all = getMetaJson<CategoryFields[]>(sqlite, KEY, []).filter((c) => c.category.toLowerCase() !== input.category.toLowerCase());
    if (input.fields.length) all.push(input);
    all.sort((a, b) => a.category.localeCompare(b.category));
    setMetaJson(sqlite, KEY, all);
    w.audit('asset_field_defs', input.category, null, input);
  });
  return input;
}

/** Checks values against the category's definitions; fields the category does not define pass as they are. */
export function checkCustomFields(sqlite: Database.Database, category: string | null | undefined, values: Record<string, CustomFieldValue>, creating: boolean, path: (string | number)[]): void {
  if (!category) return;
  const def = getMetaJson<CategoryFields[]>(sqlite, KEY, []).find((c) => c.category.toLowerCase() === category.toLowerCase());
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
