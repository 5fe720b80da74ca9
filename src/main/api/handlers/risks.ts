/** Handlers for the risk register. */
import type { risksCalls } from '../../../shared/api/risks';
import type { HandlersFor } from './types';
import { importRisks } from '../../services/risks/import';
import { exportRisks } from '../../services/risks/export';
import { createRisk, getRisk, heatMap, kevCoverage, kevDraft, linkKev, linkRisk, listRisks, reviewRisk, risksForTicket, updateRisk } from '../../services/risks/risks';

export const risksHandlers: HandlersFor<typeof risksCalls> = {
  'risks.create': (ctx, input) => createRisk(ctx, input),
  'risks.update': (ctx, input) => updateRisk(ctx, input),
  'risks.get': (ctx, input) => getRisk(ctx, input.id),
  'risks.list': (ctx, input) => listRisks(ctx, input),
  'risks.heatmap': (ctx, input) => heatMap(ctx, input),
  'risks.review': (ctx, input) => reviewRisk(ctx, input.id, input.note),
  'risks.link': (ctx, input) => linkRisk(ctx, input),
  'risks.import': (ctx, input) => importRisks(ctx, input),
  'risks.export': (ctx, input) => exportRisks(ctx, input),
  'risks.forTicket': (ctx, input) => risksForTicket(ctx, input.ticketId),
  'risks.kevDraft': (ctx, input) => kevDraft(ctx, input.assetId, input.cveId),
  'risks.linkKev': (ctx, input) => linkKev(ctx, input),
  'risks.kevCoverage': (ctx, input) => kevCoverage(ctx, input.assetId),
};
