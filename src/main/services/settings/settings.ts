/**
 * Team-wide settings, synced with the team: organisation, priority matrix, update feed (one
 * `team_settings` row per key) and the ticket categories (one `ticket_categories` row per category
 * and subcategory). Device-local things (theme, window, sync server, device id) stay in meta.
 */
import type Database from 'better-sqlite3';
import type { Ctx } from '../core/context';
import { getMeta, getMetaJson, setMeta } from '../core/meta';
import { write } from '../core/write';
import { DEFAULT_PRIORITY_MATRIX, isValidMatrix, type PriorityMatrix } from '../../../shared/tickets/rules';
import { DEFAULT_IDLE_LOCK_MINUTES, parseSettingValue, teamSettingId, type TeamSettingKey, type TeamSettingValue } from '../../../shared/settings/team';
import { AppError } from '../../../shared/result';
import type { Category, Settings } from '../../../shared/api/settings';
import { countRows, nameId, putRow, type RowWriter } from './team-rows';
import { migrateTeamSettings } from './migrate';
import { recomputeOpenPriorities } from './derive';

export const DEFAULT_CATEGORIES: Category[] = [
  { name: 'Hardware', subcategories: ['Laptop', 'Desktop', 'Printer', 'Monitor', 'Peripheral', 'Mobile phone'] },
  { name: 'Software', subcategories: ['Operating system', 'Office suite', 'Business application', 'Installation', 'Licence'] },
  { name: 'Network', subcategories: ['Wi-Fi', 'VPN', 'Wired', 'DNS', 'Firewall'] },
  { name: 'Access', subcategories: ['Password reset', 'New account', 'Permissions', 'MFA'] },
  { name: 'Email', subcategories: ['Mailbox', 'Distribution list', 'Spam', 'Calendar'] },
  { name: 'Facilities', subcategories: ['Meeting room AV', 'Phone', 'Desk move'] },
];

const DEFAULT_UPDATES: Settings['updates'] = { enabled: false, url: null };

export const categoryId = (name: string) => nameId('cat', name);
export const subcategoryId = (category: string, sub: string) => nameId('cat', category, sub);

function settingText(sqlite: Database.Database, key: TeamSettingKey): string | null {
  return (
    (sqlite.prepare('SELECT value FROM team_settings WHERE id = ? AND deleted_hlc IS NULL').pluck().get(teamSettingId(key)) as
      string | undefined) ?? null
  );
}

/** The team's value for a key; before the first team value, this device's old value or the default. */
function setting<K extends TeamSettingKey>(sqlite: Database.Database, key: K, legacy: () => TeamSettingValue<K>): TeamSettingValue<K> {
  return parseSettingValue(key, settingText(sqlite, key)) ?? legacy();
}

export function matrixOf(sqlite: Database.Database): PriorityMatrix {
  return setting(sqlite, 'priority_matrix', () => {
    const old = getMetaJson<unknown>(sqlite, 'priority_matrix', null);
    return isValidMatrix(old) ? old : DEFAULT_PRIORITY_MATRIX;
  });
}

export function priorityMatrix(ctx: Pick<Ctx, 'store'>): PriorityMatrix {
  return matrixOf(ctx.store.sqlite);
}

interface CategoryRow {
  id: string;
  name: string;
  parent_id: string | null;
  active: number;
}

/**
 * Categories in their order. Until the team has stored any, the defaults (or this device's list
 * from before categories synced) stand in; removed ones stay as inactive rows so the removal syncs.
 */
export function listCategories(sqlite: Database.Database): Category[] {
  const rows = sqlite
    .prepare(
      'SELECT id, name, parent_id, active FROM ticket_categories WHERE deleted_hlc IS NULL ORDER BY position, name COLLATE NOCASE, id',
    )
    .all() as CategoryRow[];
  if (!rows.length) return getMetaJson<Category[]>(sqlite, 'categories', DEFAULT_CATEGORIES);
  const tops = rows.filter((r) => r.parent_id === null && r.active);
  return tops.map((t) => ({ name: t.name, subcategories: rows.filter((r) => r.parent_id === t.id && r.active).map((r) => r.name) }));
}

export function getSettings(ctx: Pick<Ctx, 'store'>): Settings {
  const sqlite = ctx.store.sqlite;
  return {
    organisation: setting(sqlite, 'organisation', () => getMeta(sqlite, 'organisation') ?? 'Outpost'),
    priorityMatrix: matrixOf(sqlite),
    categories: listCategories(sqlite),
    updates: setting(sqlite, 'updates', () => getMetaJson(sqlite, 'updates', DEFAULT_UPDATES)),
    idleLockMinutes: setting(sqlite, 'idle_lock_minutes', () => DEFAULT_IDLE_LOCK_MINUTES),
  };
}

function putSetting(sqlite: Database.Database, w: RowWriter, key: TeamSettingKey, value: unknown): boolean {
  return putRow(sqlite, w, 'team_settings', teamSettingId(key), { key, value: JSON.stringify(value) });
}

/** Stores the whole category list as rows: listed ones active in this order, the rest inactive. */
export function writeCategories(sqlite: Database.Database, w: RowWriter, wanted: Category[]): void {
  const seen = new Set<string>();
  wanted.forEach((c, i) => {
    const k = c.name.trim().toLowerCase();
    if (seen.has(k))
      throw new AppError('invalid_input', `The category "${c.name}" is listed twice.`, [
        { path: ['categories', i, 'name'], message: 'Listed twice.' },
      ]);
    seen.add(k);
    const subs = new Set<string>();
    c.subcategories.forEach((s, j) => {
      const sk = s.trim().toLowerCase();
      if (subs.has(sk))
        throw new AppError('invalid_input', `"${s}" is listed twice under ${c.name}.`, [
          { path: ['categories', i, 'subcategories', j], message: 'Listed twice.' },
        ]);
      subs.add(sk);
    });
  });
  // Until now the list was the defaults (or this device's old list): store it first as a baseline,
  // so what the administrator did not touch never overrides a colleague's change to it.
  if (!countRows(sqlite, 'ticket_categories')) {
    const base = getMetaJson<Category[]>(sqlite, 'categories', DEFAULT_CATEGORIES);
    base.forEach((c, i) => {
      putRow(
        sqlite,
        w,
        'ticket_categories',
        categoryId(c.name),
        { name: c.name, parent_id: null, position: i, active: 1 },
        { baseline: true },
      );
      c.subcategories.forEach((s, j) =>
        putRow(
          sqlite,
          w,
          'ticket_categories',
          subcategoryId(c.name, s),
          { name: s, parent_id: categoryId(c.name), position: j, active: 1 },
          { baseline: true },
        ),
      );
    });
  }
  const keep = new Set<string>();
  wanted.forEach((c, i) => {
    const id = categoryId(c.name);
    keep.add(id);
    putRow(sqlite, w, 'ticket_categories', id, { name: c.name.trim(), parent_id: null, position: i, active: 1 });
    c.subcategories.forEach((s, j) => {
      const sid = subcategoryId(c.name, s);
      keep.add(sid);
      putRow(sqlite, w, 'ticket_categories', sid, { name: s.trim(), parent_id: id, position: j, active: 1 });
    });
  });
  // Only rows this device knows are removed: a category a colleague added meanwhile survives.
  const active = sqlite.prepare('SELECT id FROM ticket_categories WHERE active = 1 AND deleted_hlc IS NULL').pluck().all() as string[];
  for (const id of active) if (!keep.has(id)) putRow(sqlite, w, 'ticket_categories', id, { active: 0 });
}

export function updateSettings(ctx: Ctx, patch: Partial<Settings>): Settings {
  const sqlite = ctx.store.sqlite;
  migrateTeamSettings(sqlite, ctx.clock.now().toISOString());
  const before = getSettings(ctx);
  write(ctx, (w) => {
    if (patch.organisation !== undefined) {
      putSetting(sqlite, w, 'organisation', patch.organisation);
      // setup.status shows the organisation before anyone signs in.
      setMeta(sqlite, 'organisation', patch.organisation);
    }
    if (patch.priorityMatrix !== undefined) {
      if (!isValidMatrix(patch.priorityMatrix))
        throw new AppError('invalid_input', 'The priority matrix needs 3 rows of 3 priorities from 1 to 4.');
      // The first team value is written even when it equals the default: it is a deliberate choice.
      if (putSetting(sqlite, w, 'priority_matrix', patch.priorityMatrix)) recomputeOpenPriorities(sqlite, patch.priorityMatrix);
    }
    if (patch.categories !== undefined) writeCategories(sqlite, w, patch.categories);
    if (patch.updates !== undefined) putSetting(sqlite, w, 'updates', patch.updates);
    if (patch.idleLockMinutes !== undefined) putSetting(sqlite, w, 'idle_lock_minutes', patch.idleLockMinutes);
    w.audit('settings', null, before, patch);
  });
  return getSettings(ctx);
}
