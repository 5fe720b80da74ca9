/** Handlers for the alerts panel and count. */
import type { alertsCalls } from '../../../shared/api/alerts';
import type { HandlersFor } from './types';
import { countAlerts, listAlerts } from '../../services/alerts/alerts';

export const alertsHandlers: HandlersFor<typeof alertsCalls> = {
  'alerts.list': (ctx, input) => listAlerts(ctx, input),
  'alerts.count': (ctx, input) => countAlerts(ctx, input.horizonDays),
};
