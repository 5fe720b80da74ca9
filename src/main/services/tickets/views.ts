/** Saved queue views, one set per user. */
import type { Ctx } from '../core/context';
import { requireActor, write } from '../core/write';
import { createRecord, deleteRecord, updateRecord } from '../core/record';
import { uuidv7 } from '../../../shared/ids';
import { AppError } from '../../../shared/result';
import type { QueueSort, QueueView, SavedView, TicketFilter } from '../../../shared/api/tickets';
import { GLOBAL_SCOPE } from '../directory/scopes';

interface Row {
  id: string;
  name: string;
  base: QueueView;
  filter: string;
  sort: QueueSort;
}

function toView(r: Row): SavedView {
  return { id: r.id, name: r.name, base: r.base, sort: r.sort, filter: JSON.parse(r.filter) as TicketFilter };
}

export function listViews(ctx: Ctx): SavedView[] {
  const actor = requireActor(ctx);
  return (
    ctx.store.sqlite
      .prepare('SELECT id, name, base, filter, sort FROM saved_views WHERE owner_id = ? AND deleted_hlc IS NULL ORDER BY name COLLATE NOCASE')
      .all(actor.id) as Row[]
  ).map(toView);
}

export function saveView(ctx: Ctx, input: { id?: string; name: string; base: QueueView; filter: TicketFilter; sort: QueueSort }): SavedView {
  const actor = requireActor(ctx);
  const sqlite = ctx.store.sqlite;
  const clash = sqlite
    .prepare('SELECT id FROM saved_views WHERE owner_id = ? AND name = ? COLLATE NOCASE AND deleted_hlc IS NULL AND id IS NOT ?')
    .get(actor.id, input.name, input.id ?? null);
  if (clash) throw new AppError('conflict', `You already have a view called "${input.name}".`, [{ path: ['name'], message: 'Already exists.' }]);
  const fields = { name: input.name, base: input.base, filter: JSON.stringify(input.filter), sort: input.sort };
  let id = input.id;
  write(ctx, (w) => {
    if (id) {
      if (!sqlite.prepare('SELECT 1 FROM saved_views WHERE id = ? AND owner_id = ? AND deleted_hlc IS NULL').get(id, actor.id)) throw new AppError('not_found', 'No such saved view.');
      updateRecord(ctx, w, 'saved_views', id, fields);
    } else {
      id = uuidv7();
      createRecord(ctx, w, 'saved_views', id, GLOBAL_SCOPE, { ...fields, owner_id: actor.id });
    }
  });
  return listViews(ctx).find((v) => v.id === id)!;
}

export function deleteView(ctx: Ctx, id: string): void {
  const actor = requireActor(ctx);
  const sqlite = ctx.store.sqlite;
  write(ctx, (w) => {
    if (!sqlite.prepare('SELECT 1 FROM saved_views WHERE id = ? AND owner_id = ? AND deleted_hlc IS NULL').get(id, actor.id)) throw new AppError('not_found', 'No such saved view.');
    deleteRecord(ctx, w, 'saved_views', id);
  });
}
