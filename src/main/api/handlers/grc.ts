/** Handlers for governance libraries (risk matrices, frameworks). */
import type { grcCalls } from '../../../shared/api/grc';
import type { HandlersFor } from './types';
import { frameworkWithNodes, importLibrary, listFrameworks, listMatrices, listRegisters, setRegisterMatrix, setTeamMatrix, useDefaultMatrix } from '../../services/grc/grc';

export const grcHandlers: HandlersFor<typeof grcCalls> = {
  'grc.importLibrary': (ctx, input) => importLibrary(ctx, input.content),
  'grc.useDefaultMatrix': (ctx) => useDefaultMatrix(ctx),
  'grc.setTeamMatrix': (ctx, input) => ({ items: setTeamMatrix(ctx, input.matrixId) }),
  'grc.registers': (ctx) => ({ items: listRegisters(ctx) }),
  'grc.setRegisterMatrix': (ctx, input) => setRegisterMatrix(ctx, input.siteId, input.matrixId),
  'grc.matrices': (ctx) => ({ items: listMatrices(ctx) }),
  'grc.frameworks': (ctx) => ({ items: listFrameworks(ctx) }),
  'grc.framework': (ctx, input) => frameworkWithNodes(ctx, input.id),
};
