/** The handler table: one function per call in the contract. Each domain adds its table here. */
import type { Contract } from '../../../shared/api';
import type { HandlersFor } from './types';
import { coreHandlers } from './core';
import { assetsHandlers } from './assets';
import { licencesHandlers } from './licences';
import { softwareHandlers } from './software';
import { auditsHandlers } from './audits';
import { alertsHandlers } from './alerts';
import { labelsHandlers } from './labels';
import { syncHandlers } from './sync';

export const handlers: HandlersFor<Contract> = {
  ...coreHandlers,
  ...assetsHandlers,
  ...licencesHandlers,
  ...softwareHandlers,
  ...auditsHandlers,
  ...alertsHandlers,
  ...labelsHandlers,
  ...syncHandlers,
};

export type { RequestInfo } from './types';
