/** Handlers for each person's home dashboard. */
import { getLayout, saveLayout } from '../../services/dashboards/layouts';
import type { HandlersFor } from './types';
import type { dashboardsCalls } from '../../../shared/api/dashboards';

export const dashboardsHandlers: HandlersFor<typeof dashboardsCalls> = {
  'dashboards.layout': (ctx) => getLayout(ctx),
  'dashboards.saveLayout': (ctx, input) => saveLayout(ctx, input),
};
