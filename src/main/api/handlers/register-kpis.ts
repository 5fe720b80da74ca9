/** Handlers for the register figures (assets, risks, compliance). */
import { assetKpis, complianceKpis, riskKpis } from '../../services/kpis/registers';
import type { HandlersFor } from './types';
import type { registerKpisCalls } from '../../../shared/api/register-kpis';

export const registerKpisHandlers: HandlersFor<typeof registerKpisCalls> = {
  'kpis.assets': (ctx, input) => assetKpis(ctx, input),
  'kpis.risks': (ctx, input) => riskKpis(ctx, input),
  'kpis.compliance': (ctx, input) => complianceKpis(ctx, input),
};
