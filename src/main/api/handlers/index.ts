/** The handler table: one function per call in the contract. One handler file per contract file (src/shared/api/X.ts → ./X.ts), each adding its table here. */
import type { Contract } from '../../../shared/api';
import type { HandlersFor } from './types';
import { setupHandlers } from './setup';
import { directoryHandlers } from './directory';
import { settingsHandlers } from './settings';
import { ticketsHandlers } from './tickets';
import { auditHandlers } from './audit';
import { assetsHandlers } from './assets';
import { licencesHandlers } from './licences';
import { softwareHandlers } from './software';
import { auditsHandlers } from './audits';
import { alertsHandlers } from './alerts';
import { labelsHandlers } from './labels';
import { syncHandlers } from './sync';
import { grcHandlers } from './grc';
import { risksHandlers } from './risks';
import { controlsHandlers } from './controls';
import { assessmentsHandlers } from './assessments';
import { evidenceHandlers } from './evidence';
import { findingsHandlers } from './findings';
import { kpisHandlers } from './kpis';
import { registerKpisHandlers } from './register-kpis';
import { reportsHandlers } from './reports';
import { dashboardsHandlers } from './dashboards';
import { slaHandlers } from './sla';
import { routingHandlers } from './routing';
import { kbHandlers } from './kb';
import { problemsHandlers } from './problems';
import { triageHandlers } from './triage';
import { changesHandlers } from './changes';
import { catalogueHandlers } from './catalogue';
import { portalHandlers } from './portal';
import { storeHandlers } from './store';
import { uploadsHandlers } from './uploads';

export const handlers: HandlersFor<Contract> = {
  ...setupHandlers,
  ...directoryHandlers,
  ...settingsHandlers,
  ...ticketsHandlers,
  ...auditHandlers,
  ...assetsHandlers,
  ...licencesHandlers,
  ...softwareHandlers,
  ...auditsHandlers,
  ...alertsHandlers,
  ...labelsHandlers,
  ...syncHandlers,
  ...grcHandlers,
  ...risksHandlers,
  ...controlsHandlers,
  ...assessmentsHandlers,
  ...evidenceHandlers,
  ...findingsHandlers,
  ...kpisHandlers,
  ...registerKpisHandlers,
  ...reportsHandlers,
  ...dashboardsHandlers,
  ...slaHandlers,
  ...routingHandlers,
  ...kbHandlers,
  ...problemsHandlers,
  ...triageHandlers,
  ...changesHandlers,
  ...catalogueHandlers,
  ...portalHandlers,
  ...storeHandlers,
  ...uploadsHandlers,
};

export type { RequestInfo } from './types';
