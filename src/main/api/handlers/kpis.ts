/** Handlers for the service desk KPIs. */
import { getKpis } from '../../services/kpis/kpis';
import type { HandlersFor } from './types';
import type { kpisCalls } from '../../../shared/api/kpis';

export const kpisHandlers: HandlersFor<typeof kpisCalls> = {
  'kpis.get': (ctx, input) => getKpis(ctx, input),
};
