/** Saved queue views, one set per user. */
import type { Ctx } from '../core/context';
import { requireActor, write } from '../core/write';
import { restamp, stampAll } from '../core/ops';
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
      const cur = sqlite.prepare('SELECT field_hlc FROM saved_views WHERE id = ? AND owner_id = ? AND deleted_hlc IS NULL').pluck().get(id, actor.id) as string | undefined;
      if (cur === undefined) throw new AppError('not_found', 'No such saved view.');
      sqlite
        .prepare('UPDATE saved_views SET name = ?, base = ?, filter = ?, sort = ?, updated_at = ?, field_hlc = ? WHERE id = ?')
        .run(fields.name, fields.base, fields.filter, fields.sort, w.now, restamp(cur, Object.keys(fields), w.stamp), id);
      w.op({ kind: 'setFields', entity: 'saved_views', recordId: id, scopeId: GLOBAL_SCOPE, payload: fields });
    } else {
      id = uuidv7();
      sqlite
        .prepare('INSERT INTO saved_views (id, scope_id, created_at, updated_at, field_hlc, owner_id, name, base, filter, sort) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)')
        .run(id, GLOBAL_SCOPE, w.now, w.now, stampAll([...Object.keys(fields), 'owner_id'], w.stamp), actor.id, fields.name, fields.base, fields.filter, fields.sort);
      w.op({ kind: 'create', entity: 'saved_views', recordId: id, scopeId: GLOBAL_SCOPE, payload: { ...fields, owner_id: actor.id } });
    }
    w.audit('saved_view', id, null, fields);
  });
  return listViews(ctx).find((v) => v.id === id)!;
}

export function deleteView(ctx: Ctx, id: string): void {
  const actor = requireActor(ctx);
  const sqlite = ctx.store.sqlite;
  write(ctx, (w) => {
    const r = sqlite.prepare('UPDATE saved_views SET deleted_hlc = ?, updated_at = ? WHERE id = ? AND owner_id = ? AND deleted_hlc IS NULL').run(w.stamp, w.now, id, actor.id);
    if (!r.changes) throw new AppError('not_found', 'No such saved view.');
    w.op({ kind: 'delete', entity: 'saved_views', recordId: id, scopeId: GLOBAL_SCOPE, payload: {} });
    w.audit('saved_view', id, { id }, null);
  });
}
