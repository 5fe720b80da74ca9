/** Sites: each is also the sync scope of the records that belong to it. */
import type { Ctx } from '../core/context';
import { write } from '../core/write';
import { restamp, stampAll } from '../core/ops';
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
  write(ctx, (w) => {
    ctx.store.sqlite
      .prepare('INSERT INTO sites (id, scope_id, created_at, updated_at, field_hlc, name, code, timezone) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
      .run(id, GLOBAL_SCOPE, w.now, w.now, stampAll(['name', 'code', 'timezone'], w.stamp), input.name, input.code ?? null, input.timezone ?? null);
    w.op({ kind: 'create', entity: 'sites', recordId: id, scopeId: GLOBAL_SCOPE, payload: { name: input.name, code: input.code ?? null, timezone: input.timezone ?? null } });
    w.audit('site', id, null, input);
  });
  return getSite(ctx, id);
}

export function updateSite(ctx: Ctx, id: string, fields: { name?: string; code?: string | null; timezone?: string | null }): Site {
  const before = getSite(ctx, id);
  if (fields.name) assertNameFree(ctx, fields.name, id);
  write(ctx, (w) => {
    const names = Object.keys(fields) as (keyof typeof fields)[];
    if (!names.length) return;
    const cur = ctx.store.sqlite.prepare('SELECT field_hlc FROM sites WHERE id = ?').pluck().get(id) as string;
    ctx.store.sqlite
      .prepare(`UPDATE sites SET ${names.map((n) => `${n} = ?`).join(', ')}, updated_at = ?, field_hlc = ? WHERE id = ?`)
      .run(...names.map((n) => fields[n] ?? null), w.now, restamp(cur, names, w.stamp), id);
    w.op({ kind: 'setFields', entity: 'sites', recordId: id, scopeId: GLOBAL_SCOPE, payload: fields });
    w.audit('site', id, before, fields);
  });
  return getSite(ctx, id);
}
