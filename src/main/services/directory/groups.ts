/** Assignment groups. */
import type { Ctx } from '../core/context';
import { write } from '../core/write';
import { createRecord, updateRecord } from '../core/record';
import { uuidv7 } from '../../../shared/ids';
import { AppError } from '../../../shared/result';
import type { Group } from '../../../shared/api/directory';
import { GLOBAL_SCOPE } from './scopes';
import { syncMembership } from './users';

export function listGroups(ctx: Ctx): Group[] {
  const rows = ctx.store.sqlite
    .prepare(
      `SELECT g.id, g.name, g.description,
        (SELECT group_concat(user_id) FROM group_members m WHERE m.group_id = g.id AND m.deleted_hlc IS NULL) AS members
       FROM groups g WHERE g.deleted_hlc IS NULL ORDER BY g.name COLLATE NOCASE`,
    )
    .all() as { id: string; name: string; description: string | null; members: string | null }[];
  return rows.map((r) => ({ id: r.id, name: r.name, description: r.description, memberIds: r.members ? r.members.split(',') : [] }));
}

export function getGroup(ctx: Ctx, id: string): Group {
  const g = listGroups(ctx).find((x) => x.id === id);
  if (!g) throw new AppError('not_found', 'No such group.');
  return g;
}

function assertUsers(ctx: Ctx, ids: string[]) {
  for (const id of ids) {
    if (!ctx.store.sqlite.prepare('SELECT 1 FROM users WHERE id = ? AND deleted_hlc IS NULL').get(id))
      throw new AppError('invalid_input', `No such user: ${id}.`, [{ path: ['memberIds'], message: 'Unknown user.' }]);
  }
}

function assertNameFree(ctx: Ctx, name: string, exceptId?: string) {
  const clash = ctx.store.sqlite
    .prepare('SELECT id FROM groups WHERE name = ? COLLATE NOCASE AND deleted_hlc IS NULL AND id IS NOT ?')
    .get(name, exceptId ?? null);
  if (clash) throw new AppError('conflict', `A group called "${name}" already exists.`, [{ path: ['name'], message: 'Already exists.' }]);
}

export function createGroup(ctx: Ctx, input: { name: string; description?: string; memberIds?: string[] }): Group {
  assertNameFree(ctx, input.name);
  assertUsers(ctx, input.memberIds ?? []);
  const id = uuidv7();
  write(ctx, (w) => {
    createRecord(ctx, w, 'groups', id, GLOBAL_SCOPE, { name: input.name, description: input.description ?? null }, { audit: false });
    syncMembership(ctx, w, 'group_members', 'group_id', 'user_id', id, input.memberIds ?? []);
    w.audit('group', id, null, input);
  });
  return getGroup(ctx, id);
}

export function updateGroup(ctx: Ctx, id: string, fields: { name?: string; description?: string | null; memberIds?: string[] }): Group {
  const before = getGroup(ctx, id);
  if (fields.name) assertNameFree(ctx, fields.name, id);
  if (fields.memberIds) assertUsers(ctx, fields.memberIds);
  write(ctx, (w) => {
    updateRecord(ctx, w, 'groups', id, { name: fields.name, description: fields.description }, { audit: false });
    if (fields.memberIds) syncMembership(ctx, w, 'group_members', 'group_id', 'user_id', id, fields.memberIds);
    w.audit('group', id, before, fields);
  });
  return getGroup(ctx, id);
}
