/** Handlers for the service catalogue in Settings. */
import type { catalogueCalls } from '../../../shared/api/catalogue';
import type { HandlersFor } from './types';
import { deleteCatalogueItem, loadCatalogue, saveCatalogueItem } from '../../services/portal/catalogue';

export const catalogueHandlers: HandlersFor<typeof catalogueCalls> = {
  'catalogue.list': (ctx) => ({ items: loadCatalogue(ctx.store.sqlite, false) }),
  'catalogue.save': (ctx, input) => saveCatalogueItem(ctx, input),
  'catalogue.delete': (ctx, input) => {
    deleteCatalogueItem(ctx, input.id);
    return { ok: true as const };
  },
};
