/** Handlers for reports on demand (PDF and CSV). */
import { serviceReview } from '../../services/reports/service-review';
import { assetRegisterReport, licenceComplianceReport } from '../../services/reports/registers';
import type { HandlersFor } from './types';
import type { reportsCalls } from '../../../shared/api/reports';

export const reportsHandlers: HandlersFor<typeof reportsCalls> = {
  'reports.serviceReview': (ctx, input) => serviceReview(ctx, input),
  'reports.licenceCompliance': (ctx, input) => licenceComplianceReport(ctx, input),
  'reports.assetRegister': (ctx, input) => assetRegisterReport(ctx, input),
};
