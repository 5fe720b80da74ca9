/**
 * Each person's home dashboard, a synced record of their own (dashboard_layouts) under an id made
 * from theirs: two devices of one person edit the same record and its fields merge.
 */
import type { Ctx } from '../core/context';
import { requireActor, write } from '../core/write';
import { createRecord, updateRecord } from '../core/record';
import { setRowId } from '../core/set-ids';
import { GLOBAL_SCOPE } from '../directory/scopes';
import { dashboardFilter, type DashboardLayout, type DashboardLayoutInput } from '../../../shared/api/dashboards';
import { ROLE_DASHBOARDS, WIDGET_INFO, WIDGETS, type WidgetId } from '../../../shared/dashboards/widgets';
import { AppError } from '../../../shared/result';

const DEFAULT_FILTER = { period: '30', siteId: null, groupId: null } as const;

function layoutId(ownerId: string): string {
  return setRowId('dashboard_layouts', ownerId, 'home');
}

function parse<T>(text: string, check: (v: unknown) => T | null, fallback: T): T {
  try {
    return check(JSON.parse(text)) ?? fallback;
  } catch {
    return fallback;
  }
}

export function getLayout(ctx: Ctx): DashboardLayout {
  const actor = requireActor(ctx);
  const row = ctx.store.sqlite
    .prepare('SELECT widgets, filter FROM dashboard_layouts WHERE id = ? AND owner_id = ? AND deleted_hlc IS NULL')
    .get(layoutId(actor.id), actor.id) as { widgets: string; filter: string } | undefined;
  if (!row) return { widgets: [...ROLE_DASHBOARDS[actor.role]], filter: { ...DEFAULT_FILTER }, saved: false };
  // A widget a later version dropped, or one the role may no longer place, is left out rather than failing the page.
  const widgets = parse(row.widgets, (v) => (Array.isArray(v) ? (v.filter((w) => (WIDGETS as readonly unknown[]).includes(w)) as WidgetId[]) : null), []).filter((w) =>
    WIDGET_INFO[w].roles.includes(actor.role),
  );
  const filter = parse(row.filter, (v) => dashboardFilter.safeParse(v).data ?? null, { ...DEFAULT_FILTER });
  return { widgets, filter, saved: true };
}

export function saveLayout(ctx: Ctx, input: DashboardLayoutInput): DashboardLayout {
  const actor = requireActor(ctx);
  const sqlite = ctx.store.sqlite;
  const refused = input.widgets.filter((w) => !WIDGET_INFO[w].roles.includes(actor.role));
  if (refused.length)
    throw new AppError('forbidden', `Your role cannot place ${refused.map((w) => `“${WIDGET_INFO[w].title}”`).join(', ')} on a dashboard.`, [{ path: ['widgets'], message: 'Not for this role.' }]);
  if (input.filter.siteId && !sqlite.prepare('SELECT 1 FROM sites WHERE id = ? AND deleted_hlc IS NULL').get(input.filter.siteId))
    throw new AppError('invalid_input', 'The site filter names no site.', [{ path: ['filter', 'siteId'], message: 'No such site.' }]);
  if (input.filter.groupId && !sqlite.prepare('SELECT 1 FROM groups WHERE id = ? AND deleted_hlc IS NULL').get(input.filter.groupId))
    throw new AppError('invalid_input', 'The group filter names no group.', [{ path: ['filter', 'groupId'], message: 'No such group.' }]);
  const id = layoutId(actor.id);
  const fields = { widgets: JSON.stringify(input.widgets), filter: JSON.stringify(input.filter) };
  write(ctx, (w) => {
    if (sqlite.prepare('SELECT 1 FROM dashboard_layouts WHERE id = ?').get(id)) updateRecord(ctx, w, 'dashboard_layouts', id, fields);
    else createRecord(ctx, w, 'dashboard_layouts', id, GLOBAL_SCOPE, { ...fields, owner_id: actor.id });
  });
  return getLayout(ctx);
}
