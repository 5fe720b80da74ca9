/**
 * Upgrade step: settings that used to live on each device (meta) become team rows, written as a
 * baseline (lowest clock) so they sync to colleagues without overriding anything decided since.
 * Runs once per store, at start and before any settings write; safe to call again.
 */
import type Database from 'better-sqlite3';
import { getMeta, getMetaJson, setMeta } from '../core/meta';
import { teamSettingId } from '../../../shared/settings/team';
import { isValidMatrix } from '../../../shared/tickets/rules';
import type { Category } from '../../../shared/api/settings';
import type { CategoryFields } from '../../../shared/api/assets';
import { baselineStamp, countRows, nameId, putRow, type RowWriter } from './team-rows';

const DONE = 'team_settings.migrated';

/** An asset model as it was kept in meta (`asset_models`) before models became team rows. */
interface LegacyAssetModel {
  name: string;
  category: string | null;
  manufacturer: string | null;
  modelNumber: string | null;
  eolMonths: number | null;
}

export function migrateTeamSettings(sqlite: Database.Database, now: string): boolean {
  if (getMeta(sqlite, DONE)) return false;
  const run = () => {
    if (getMeta(sqlite, DONE)) return;
    const stamp = baselineStamp(sqlite);
    // Every write below is a baseline; `op` is never used for them (putRow records baseline ops itself).
    const w: RowWriter = { stamp, now, op: () => undefined };
    const base = { baseline: true };
    const matrix = getMetaJson<unknown>(sqlite, 'priority_matrix', null);
    if (isValidMatrix(matrix))
      putRow(sqlite, w, 'team_settings', teamSettingId('priority_matrix'), { key: 'priority_matrix', value: JSON.stringify(matrix) }, base);
    const updates = getMetaJson<{ enabled?: unknown; url?: unknown } | null>(sqlite, 'updates', null);
    if (updates && typeof updates.enabled === 'boolean' && (updates.url === null || typeof updates.url === 'string')) {
      putRow(
        sqlite,
        w,
        'team_settings',
        teamSettingId('updates'),
        { key: 'updates', value: JSON.stringify({ enabled: updates.enabled, url: updates.url }) },
        base,
      );
    }
    // The organisation name stays this device's until an administrator sets it in Settings: it
    // was made from each laptop's first site, so carrying it over would only raise conflicts.
    const categories = getMetaJson<Category[] | null>(sqlite, 'categories', null);
    if (Array.isArray(categories) && !countRows(sqlite, 'ticket_categories')) {
      categories.forEach((c, i) => {
        const cid = nameId('cat', c.name);
        putRow(sqlite, w, 'ticket_categories', cid, { name: c.name, parent_id: null, position: i, active: 1 }, base);
        c.subcategories.forEach((s, j) =>
          putRow(sqlite, w, 'ticket_categories', nameId('cat', c.name, s), { name: s, parent_id: cid, position: j, active: 1 }, base),
        );
      });
    }
    for (const def of getMetaJson<CategoryFields[]>(sqlite, 'asset_field_defs', [])) {
      def.fields.forEach((f, i) =>
        putRow(
          sqlite,
          w,
          'asset_field_defs',
          nameId('afd', def.category, f.key),
          { category: def.category, key: f.key, label: f.label, type: f.type, required: f.required ? 1 : 0, position: i, active: 1 },
          base,
        ),
      );
    }
    for (const m of Object.values(getMetaJson<Record<string, LegacyAssetModel>>(sqlite, 'asset_models', {}))) {
      putRow(
        sqlite,
        w,
        'asset_models',
        nameId('model', m.name),
        { name: m.name, category: m.category, manufacturer: m.manufacturer, model_number: m.modelNumber, eol_months: m.eolMonths },
        base,
      );
    }
    setMeta(sqlite, DONE, now);
  };
  // Inside a caller's write it joins that transaction; alone it takes the write lock at once.
  if (sqlite.inTransaction) run();
  else sqlite.transaction(run).immediate();
  return true;
}
