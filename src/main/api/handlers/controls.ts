/** Handlers for applied controls. */
import type { controlsCalls } from '../../../shared/api/controls';
import type { HandlersFor } from './types';
import { createControl, getControl, linkTicket, listControls, updateControl } from '../../services/risks/controls';

export const controlsHandlers: HandlersFor<typeof controlsCalls> = {
  'controls.create': (ctx, input) => createControl(ctx, input),
  'controls.update': (ctx, input) => updateControl(ctx, input),
  'controls.get': (ctx, input) => getControl(ctx, input.id),
  'controls.list': (ctx, input) => ({ items: listControls(ctx, input) }),
  'controls.linkTicket': (ctx, input) => linkTicket(ctx, input),
};
