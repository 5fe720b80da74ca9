/** Handlers for triage suggestions (read-only: nothing is applied until the user accepts a suggestion). */
import type { triageCalls } from '../../../shared/api/triage';
import type { HandlersFor } from './types';
import { suggestTriage } from '../../services/triage/triage';

export const triageHandlers: HandlersFor<typeof triageCalls> = {
  'triage.suggest': (ctx, input) => suggestTriage(ctx, input),
};
