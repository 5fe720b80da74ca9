/** Sites: each is also the sync scope of the records that belong to it. */
import type { Ctx } from '../core/context';
import { write } from '../core/write';
import { createRecord, updateRecord } from '../core/record';
import { uuidv7 } from '../../../shared/ids';
import { AppError } from '../../../shared/result';
import type { Site } from '../../../shared/api/directory';
import { GLOBAL_SCOPE } from './scopes';

export function listSites(ctx: Ctx): Site[] {
  return ctx.store.sqlite
    .prepare('SELECT id, name, code, timezone FROM sites WHERE deleted_hlc IS NULL ORDER BY name COLLATE NOCASE')
    .all() as Site[];
}

export function getSite(ctx: Ctx, id: string): Site {
  const s = ctx.store.sqlite.prepare('SELECT id, name, code, timezone FROM sites WHERE id = ? AND deleted_hlc IS NULL').get(id) as Site | undefined;
  if (!s) throw new AppError('not_found', 'No such site.');
  return s;
}

function assertNameFree(ctx: Ctx, name: string, exceptId?: string) {
  const clash = ctx.store.sqlite.prepare('SELECT 1 FROM sites WHERE name = ? COLLATE NOCASE AND deleted_hlc IS NULL AND id IS NOT ?').get(name, exceptId ?? null);
  if (clash) throw new AppError('conflict', `A site called "${name}" already exists.`, [{ path: ['name'], message: 'Already exists.' }]);
}

export function createSite(ctx: Ctx, input: { name: string; code?: string; timezone?: string }): Site {
  assertNameFree(ctx, input.name);
  const id = uuidv7();
  write(ctx, (w) => createRecord(ctx, w, 'sites', id, GLOBAL_SCOPE, { name: input.name, code: input.code ?? null, timezone: input.timezone ?? null }));
  return getSite(ctx, id);
}

export function updateSite(ctx: Ctx, id: string, fields: { name?: string; code?: string | null; timezone?: string | null }): Site {
  getSite(ctx, id);
  if (fields.name) assertNameFree(ctx, fields.name, id);
  const values: Record<string, string | null> = {};
  for (const [k, v] of Object.entries(fields)) if (v !== undefined) values[k] = v;
  if (Object.keys(values).length) write(ctx, (w) => updateRecord(ctx, w, 'sites', id, values));
  return getSite(ctx, id);
}
