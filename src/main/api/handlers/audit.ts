/** Handlers for the audit trail (the tamper-evident record of every change). */
import { auditFacets, exportAudit, getAuditEvent, listAudit, searchAudit, verifyAudit } from '../../services/audit/audit';
import type { HandlersFor } from './types';
import type { auditCalls } from '../../../shared/api/audit';

export const auditHandlers: HandlersFor<typeof auditCalls> = {
  'audit.list': (ctx, input) => listAudit(ctx, input),
  'audit.search': (ctx, input) => searchAudit(ctx, input),
  'audit.get': (ctx, input) => getAuditEvent(ctx, input.seq),
  'audit.facets': (ctx) => auditFacets(ctx),
  'audit.export': (ctx, input) => exportAudit(ctx, input),
  'audit.verify': (ctx) => verifyAudit(ctx),
};
