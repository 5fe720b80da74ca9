/** Handlers for installed software, maintenance records and the EOL / KEV catalogues. */
import type { softwareCalls } from '../../../shared/api/software';
import type { HandlersFor } from './types';
import {
  addSoftware,
  createMaintenance,
  listInstalled,
  listMaintenance,
  listTitles,
  removeSoftware,
  updateMaintenance,
} from '../../services/software/software';
import { assessKev, catalogueStatus, eolExposure, importEol, importKev, kevExposure } from '../../services/software/catalogues';

export const softwareHandlers: HandlersFor<typeof softwareCalls> = {
  'software.installed': (ctx, input) => ({ items: listInstalled(ctx, input.assetId) }),
  'software.titles': (ctx, input) => listTitles(ctx, input),
  'software.add': (ctx, input) => addSoftware(ctx, input),
  'software.remove': (ctx, input) => {
    removeSoftware(ctx, input.id);
    return { done: true };
  },
  'maintenance.list': (ctx, input) => ({ items: listMaintenance(ctx, input) }),
  'maintenance.create': (ctx, input) => createMaintenance(ctx, input),
  'maintenance.update': (ctx, input) => updateMaintenance(ctx, input.id, input.fields),
  'software.importEol': (ctx, input) => importEol(ctx, input.files),
  'software.importKev': (ctx, input) => importKev(ctx, input.content),
  'software.assessKev': (ctx, input) => assessKev(ctx, input),
  'software.catalogues': (ctx) => catalogueStatus(ctx),
  'software.eolExposure': (ctx, input) => eolExposure(ctx, input),
  'software.kevExposure': (ctx, input) => kevExposure(ctx, input),
};
