/**
 * The asset models catalogue, team-wide: one synced row per model (id from its name), so models
 * imported on two laptops merge field by field instead of each laptop keeping its own list.
 */
import type Database from 'better-sqlite3';
import { getMetaJson } from '../core/meta';
import { nameId, putRow, type RowWriter } from '../settings/team-rows';
import { migrateTeamSettings } from '../settings/migrate';

/** A model in the catalogue, keyed by lower-case name in readModels. */
export interface AssetModel {
  name: string;
  category: string | null;
  manufacturer: string | null;
  modelNumber: string | null;
  eolMonths: number | null;
}

interface ModelRow {
  name: string;
  category: string | null;
  manufacturer: string | null;
  model_number: string | null;
  eol_months: number | null;
}

export const modelId = (name: string) => nameId('model', name);

/** Models keyed by lower-case name. */
export function readModels(sqlite: Database.Database): Record<string, AssetModel> {
  const rows = sqlite
    .prepare('SELECT name, category, manufacturer, model_number, eol_months FROM asset_models WHERE deleted_hlc IS NULL')
    .all() as ModelRow[];
  if (!rows.length) return getMetaJson<Record<string, AssetModel>>(sqlite, 'asset_models', {});
  const out: Record<string, AssetModel> = {};
  for (const r of rows)
    out[r.name.toLowerCase()] = {
      name: r.name,
      category: r.category,
      manufacturer: r.manufacturer,
      modelNumber: r.model_number,
      eolMonths: r.eol_months,
    };
  return out;
}

/** Writes the models that differ from what is stored (inside the caller's write). */
export function writeModels(sqlite: Database.Database, w: RowWriter, models: Record<string, AssetModel>): void {
  migrateTeamSettings(sqlite, w.now);
  for (const m of Object.values(models)) {
    putRow(sqlite, w, 'asset_models', modelId(m.name), {
      name: m.name,
      category: m.category,
      manufacturer: m.manufacturer,
      model_number: m.modelNumber,
      eol_months: m.eolMonths,
    });
  }
}
