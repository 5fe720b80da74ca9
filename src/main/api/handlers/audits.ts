/** Handlers for physical audits. */
import type { auditsCalls } from '../../../shared/api/audits';
import type { HandlersFor } from './types';
import { closeAudit, getAudit, listAudits, relocate, scan, startAudit, undoScan } from '../../services/audits/audits';
import { auditReport } from '../../services/audits/report';

export const auditsHandlers: HandlersFor<typeof auditsCalls> = {
  'audits.list': (ctx, input) => ({ items: listAudits(ctx, input.status) }),
  'audits.start': (ctx, input) => startAudit(ctx, input.locationId, input.includeSubLocations),
  'audits.get': (ctx, input) => getAudit(ctx, input.id),
  'audits.scan': (ctx, input) => scan(ctx, input.auditId, input.tag),
  'audits.undo': (ctx, input) => undoScan(ctx, input.auditId),
  'audits.relocate': (ctx, input) => relocate(ctx, input.auditId, input.scanId),
  'audits.close': (ctx, input) => closeAudit(ctx, input),
  'audits.report': (ctx, input) => auditReport(ctx, input.auditId, input.format),
};
