/** Team settings kept in meta: organisation, priority matrix, categories, update feed. */
import type { Ctx } from '../core/context';
import { getMetaJson, setMetaJson, getMeta, setMeta } from '../core/meta';
import { write } from '../core/write';
import { DEFAULT_PRIORITY_MATRIX, type PriorityMatrix } from '../../../shared/tickets/rules';
import type { Category, Settings } from '../../../shared/api/settings';

export const DEFAULT_CATEGORIES: Category[] = [
  { name: 'Hardware', subcategories: ['Laptop', 'Desktop', 'Printer', 'Monitor', 'Peripheral', 'Mobile phone'] },
  { name: 'Software', subcategories: ['Operating system', 'Office suite', 'Business application', 'Installation', 'Licence'] },
  { name: 'Network', subcategories: ['Wi-Fi', 'VPN', 'Wired', 'DNS', 'Firewall'] },
  { name: 'Access', subcategories: ['Password reset', 'New account', 'Permissions', 'MFA'] },
  { name: 'Email', subcategories: ['Mailbox', 'Distribution list', 'Spam', 'Calendar'] },
  { name: 'Facilities', subcategories: ['Meeting room AV', 'Phone', 'Desk move'] },
];

export function priorityMatrix(ctx: Pick<Ctx, 'store'>): PriorityMatrix {
  return getMetaJson(ctx.store.sqlite, 'priority_matrix', DEFAULT_PRIORITY_MATRIX);
}

export function getSettings(ctx: Pick<Ctx, 'store'>): Settings {
  const sqlite = ctx.store.sqlite;
  return {
    organisation: getMeta(sqlite, 'organisation') ?? 'Outpost',
    priorityMatrix: priorityMatrix(ctx),
    categories: getMetaJson(sqlite, 'categories', DEFAULT_CATEGORIES),
    updates: getMetaJson(sqlite, 'updates', { enabled: false, url: null }),
  };
}

export function updateSettings(ctx: Ctx, patch: Partial<Settings>): Settings {
  const before = getSettings(ctx);
  write(ctx, (w) => {
    const sqlite = ctx.store.sqlite;
    if (patch.organisation !== undefined) setMeta(sqlite, 'organisation', patch.organisation);
    if (patch.priorityMatrix !== undefined) setMetaJson(sqlite, 'priority_matrix', patch.priorityMatrix);
    if (patch.categories !== undefined) setMetaJson(sqlite, 'categories', patch.categories);
    if (patch.updates !== undefined) setMetaJson(sqlite, 'updates', patch.updates);
    w.audit('settings', null, before, patch);
  });
  return getSettings(ctx);
}
