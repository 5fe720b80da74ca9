/** Handlers for reports on demand (PDF and CSV). */
import { serviceReview } from '../../services/reports/service-review';
import { assetRegisterReport, licenceComplianceReport } from '../../services/reports/registers';
import { assessmentReport, riskRegisterReport } from '../../services/reports/grc';
import type { HandlersFor } from './types';
import type { reportsCalls } from '../../../shared/api/reports';

export const reportsHandlers: HandlersFor<typeof reportsCalls> = {
  'reports.serviceReview': (ctx, input) => serviceReview(ctx, input),
  'reports.licenceCompliance': (ctx, input) => licenceComplianceReport(ctx, input),
  'reports.assetRegister': (ctx, input) => assetRegisterReport(ctx, input),
  'reports.riskRegister': (ctx, input) => riskRegisterReport(ctx, input),
  'reports.assessment': (ctx, input) => assessmentReport(ctx, input),
};
