/** The service catalogue on the device: administrators keep request items; the portal lists the active ones. */
import type Database from 'better-sqlite3';
import type { Ctx } from '../core/context';
import { write } from '../core/write';
import { createRecord, deleteRecord, updateRecord } from '../core/record';
import { uuidv7 } from '../../../shared/ids';
import { AppError } from '../../../shared/result';
import { GLOBAL_SCOPE } from '../directory/scopes';
import { toCatalogueItem, type CatalogueItem } from '../../../shared/catalogue/items';
import type { CatalogueItemInput } from '../../../shared/api/catalogue';

const SELECT = `SELECT id, name, description, section, icon, ticket_type, ticket_category, group_id, form_fields, position, active FROM catalogue_items WHERE deleted_hlc IS NULL`;

export function loadCatalogue(sqlite: Database.Database, activeOnly: boolean): CatalogueItem[] {
  const rows = sqlite.prepare(`${SELECT}${activeOnly ? ' AND active = 1' : ''} ORDER BY section, position, name, id`).all() as Record<string, unknown>[];
  return rows.map((r) => toCatalogueItem(String(r.id), r));
}

export function getCatalogueItem(sqlite: Database.Database, id: string): CatalogueItem | null {
  const r = sqlite.prepare(`${SELECT} AND id = ?`).get(id) as Record<string, unknown> | undefined;
  return r ? toCatalogueItem(id, r) : null;
}

export function saveCatalogueItem(ctx: Ctx, input: CatalogueItemInput): CatalogueItem {
  const sqlite = ctx.store.sqlite;
  if (input.groupId && !sqlite.prepare('SELECT 1 FROM groups WHERE id = ? AND deleted_hlc IS NULL').get(input.groupId)) {
    throw new AppError('invalid_input', 'No such group.', [{ path: ['groupId'], message: 'No such group.' }]);
  }
  const id = input.id ?? uuidv7();
  const known = input.id ? !!getCatalogueItem(sqlite, input.id) : false;
  if (input.id && !known) throw new AppError('not_found', 'No such request item.');
  const values = {
    name: input.name,
    description: input.description,
    section: input.section,
    icon: input.icon,
    ticket_type: input.ticketType,
    ticket_category: input.ticketCategory,
    group_id: input.groupId,
    form_fields: JSON.stringify(input.fields),
    position: input.position,
    active: input.active ? 1 : 0,
  };
  write(ctx, (w) => (known ? updateRecord(ctx, w, 'catalogue_items', id, values) : createRecord(ctx, w, 'catalogue_items', id, GLOBAL_SCOPE, values)));
  return getCatalogueItem(sqlite, id)!;
}

export function deleteCatalogueItem(ctx: Ctx, id: string): void {
  if (!getCatalogueItem(ctx.store.sqlite, id)) throw new AppError('not_found', 'No such request item.');
  write(ctx, (w) => deleteRecord(ctx, w, 'catalogue_items', id));
}
