/** Handlers for label sheets. */
import type { labelsCalls } from '../../../shared/api/labels';
import type { HandlersFor } from './types';
import { listLayouts, renderLabels } from '../../services/labels/labels';

export const labelsHandlers: HandlersFor<typeof labelsCalls> = {
  'labels.layouts': () => ({ items: listLayouts() }),
  'labels.render': (ctx, input) => renderLabels(ctx, input),
};
