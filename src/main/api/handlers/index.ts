/** The handler table: one function per call in the contract. Each domain adds its table here. */
import type { Contract } from '../../../shared/api';
import type { HandlersFor } from './types';
import { coreHandlers } from './core';

export const handlers: HandlersFor<Contract> = {
  ...coreHandlers,
};

export type { RequestInfo } from './types';
