/** Handlers for problem management. */
import type { problemsCalls } from '../../../shared/api/problems';
import type { HandlersFor } from './types';
import { addProblemAction, createProblem, getProblem, linkProblemIncident, listProblems, problemsForTicket, updateProblem } from '../../services/problems/problems';
import { reviewPdf, reviewTimeline } from '../../services/problems/review';

export const problemsHandlers: HandlersFor<typeof problemsCalls> = {
  'problems.create': (ctx, input) => createProblem(ctx, input),
  'problems.update': (ctx, input) => updateProblem(ctx, input),
  'problems.get': (ctx, input) => getProblem(ctx, input.id),
  'problems.list': (ctx, input) => listProblems(ctx, input),
  'problems.linkIncident': (ctx, input) => linkProblemIncident(ctx, input),
  'problems.addAction': (ctx, input) => addProblemAction(ctx, input),
  'problems.timeline': (ctx, input) => ({ items: reviewTimeline(ctx, input.id) }),
  'problems.reviewPdf': (ctx, input) => reviewPdf(ctx, input.id),
  'problems.forTicket': (ctx, input) => problemsForTicket(ctx, input.ticketId),
};
