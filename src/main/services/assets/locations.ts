/** The locations tree: site → building → floor/room/area. */
import type { Ctx } from '../core/context';
import { requireActor, write } from '../core/write';
import { createRecord, updateRecord, type Values } from '../core/record';
import { uuidv7 } from '../../../shared/ids';
import { AppError } from '../../../shared/result';
import type { Location } from '../../../shared/api/assets';
import type { LocationKind } from '../../../shared/assets/rules';
import { defaultSiteId } from './assets';
import { locationPaths, toLocation } from './mapping';

export function listLocations(ctx: Ctx, siteId?: string): Location[] {
  requireActor(ctx);
  const sqlite = ctx.store.sqlite;
  const paths = locationPaths(sqlite);
  const counts = new Map(
    (sqlite.prepare('SELECT location_id AS id, count(*) AS n FROM assets WHERE location_id IS NOT NULL AND deleted_hlc IS NULL GROUP BY location_id').all() as { id: string; n: number }[]).map(
      (r) => [r.id, r.n],
    ),
  );
  const siteNames = new Map((sqlite.prepare('SELECT id, name FROM sites').all() as { id: string; name: string }[]).map((s) => [s.id, s.name]));
  const out: Location[] = [];
  for (const [id, l] of paths) {
    if (siteId && l.siteId !== siteId) continue;
    out.push(toLocation(l, id, siteNames.get(l.siteId) ?? null, counts.get(id) ?? 0));
  }
  return out.sort((a, b) => a.path.localeCompare(b.path));
}

export function getLocation(ctx: Ctx, id: string): Location {
  const l = listLocations(ctx).find((x) => x.id === id);
  if (!l) throw new AppError('not_found', 'No such location.');
  return l;
}

function assertNameFree(ctx: Ctx, siteId: string, parentId: string | null, name: string, exceptId?: string) {
  const clash = ctx.store.sqlite
    .prepare('SELECT 1 FROM locations WHERE scope_id = ? AND parent_id IS ? AND name = ? COLLATE NOCASE AND deleted_hlc IS NULL AND id IS NOT ?')
    .get(siteId, parentId, name, exceptId ?? null);
  if (clash) throw new AppError('conflict', `There is already a location called "${name}" there.`, [{ path: ['name'], message: 'Already exists.' }]);
}

export function createLocation(ctx: Ctx, input: { name: string; kind: LocationKind; siteId?: string; parentId?: string | null; address?: string }): Location {
  const actor = requireActor(ctx);
  const sqlite = ctx.store.sqlite;
  let siteId = input.siteId;
  const parentId = input.parentId ?? null;
  if (parentId) {
    const parentSite = sqlite.prepare('SELECT scope_id FROM locations WHERE id = ? AND deleted_hlc IS NULL').pluck().get(parentId) as string | undefined;
    if (!parentSite) throw new AppError('invalid_input', 'No such parent location.', [{ path: ['parentId'], message: 'Unknown location.' }]);
    if (siteId && siteId !== parentSite) throw new AppError('invalid_input', 'The parent location belongs to another site.', [{ path: ['parentId'], message: 'Other site.' }]);
    siteId = parentSite;
  }
  siteId ??= defaultSiteId(ctx, actor);
  if (!sqlite.prepare('SELECT 1 FROM sites WHERE id = ? AND deleted_hlc IS NULL').get(siteId)) {
    throw new AppError('invalid_input', 'No such site.', [{ path: ['siteId'], message: 'Unknown site.' }]);
  }
  assertNameFree(ctx, siteId, parentId, input.name);
  const id = uuidv7();
  write(ctx, (w) => {
    createRecord(ctx, w, 'locations', id, siteId!, { name: input.name, kind: input.kind, parent_id: parentId, address: input.address ?? null });
  });
  return getLocation(ctx, id);
}

export function updateLocation(ctx: Ctx, id: string, fields: { name?: string; kind?: LocationKind; parentId?: string | null; address?: string | null }): Location {
  requireActor(ctx);
  const sqlite = ctx.store.sqlite;
  const before = sqlite.prepare('SELECT * FROM locations WHERE id = ? AND deleted_hlc IS NULL').get(id) as
    | { scope_id: string; field_hlc: string; name: string; kind: string; parent_id: string | null; address: string | null }
    | undefined;
  if (!before) throw new AppError('not_found', 'No such location.');
  if (fields.parentId !== undefined && fields.parentId !== null) {
    if (fields.parentId === id) throw new AppError('invalid_input', 'A location cannot be inside itself.', [{ path: ['fields', 'parentId'], message: 'Itself.' }]);
    const p = sqlite.prepare('SELECT scope_id FROM locations WHERE id = ? AND deleted_hlc IS NULL').pluck().get(fields.parentId) as string | undefined;
    if (!p) throw new AppError('invalid_input', 'No such parent location.', [{ path: ['fields', 'parentId'], message: 'Unknown location.' }]);
    if (p !== before.scope_id) throw new AppError('invalid_input', 'The parent location belongs to another site.', [{ path: ['fields', 'parentId'], message: 'Other site.' }]);
    const loop = sqlite
      .prepare(`WITH RECURSIVE up(id) AS (SELECT ? UNION SELECT l.parent_id FROM locations l JOIN up ON l.id = up.id WHERE l.parent_id IS NOT NULL) SELECT 1 FROM up WHERE id = ?`)
      .get(fields.parentId, id);
    if (loop) throw new AppError('invalid_input', 'That would put the location inside one of its own sub-locations.', [{ path: ['fields', 'parentId'], message: 'Loop.' }]);
  }
  const changes: Record<string, unknown> = {};
  if (fields.name !== undefined && fields.name !== before.name) changes.name = fields.name;
  if (fields.kind !== undefined && fields.kind !== before.kind) changes.kind = fields.kind;
  if (fields.parentId !== undefined && fields.parentId !== before.parent_id) changes.parent_id = fields.parentId;
  if (fields.address !== undefined && fields.address !== before.address) changes.address = fields.address;
  if (changes.name !== undefined || changes.parent_id !== undefined) {
    assertNameFree(ctx, before.scope_id, (changes.parent_id as string | null | undefined) ?? before.parent_id, (changes.name as string | undefined) ?? before.name, id);
  }
  const cols = Object.keys(changes);
  if (cols.length) {
    write(ctx, (w) => {
      updateRecord(ctx, w, 'locations', id, changes as Values, { row: before });
    });
  }
  return getLocation(ctx, id);
}
