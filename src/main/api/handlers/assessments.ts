/** Handlers for compliance assessments. */
import type { assessmentsCalls } from '../../../shared/api/assessments';
import type { HandlersFor } from './types';
import { assess, getAssessment, listAssessments, startAssessment, updateAssessment } from '../../services/assessments/assessments';

export const assessmentsHandlers: HandlersFor<typeof assessmentsCalls> = {
  'assessments.start': (ctx, input) => startAssessment(ctx, input),
  'assessments.assess': (ctx, input) => assess(ctx, input),
  'assessments.update': (ctx, input) => updateAssessment(ctx, input),
  'assessments.get': (ctx, input) => getAssessment(ctx, input.id),
  'assessments.list': (ctx, input) => ({ items: listAssessments(ctx, input) }),
};
