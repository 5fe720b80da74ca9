/** Handlers for findings. */
import type { findingsCalls } from '../../../shared/api/findings';
import type { HandlersFor } from './types';
import {
  createFinding,
  findingsForTicket,
  getFinding,
  linkFinding,
  listFindings,
  openTicketForFinding,
  updateFinding,
} from '../../services/findings/findings';

export const findingsHandlers: HandlersFor<typeof findingsCalls> = {
  'findings.list': (ctx, input) => listFindings(ctx, input),
  'findings.get': (ctx, input) => getFinding(ctx, input.id),
  'findings.create': (ctx, input) => createFinding(ctx, input),
  'findings.update': (ctx, input) => updateFinding(ctx, input.id, input.fields),
  'findings.link': (ctx, input) => linkFinding(ctx, input.id, input.link, input.present),
  'findings.openTicket': (ctx, input) => openTicketForFinding(ctx, input.id, input.type),
  'findings.forTicket': (ctx, input) => findingsForTicket(ctx, input.ticketId),
};
