/** The whole contract: every call the renderer may make, the same over IPC and HTTP. */
import type { CallDef, CallInputOf, CallOutputOf, CallParsedOf } from './contract';
import { auditCalls } from './audit';
import { directoryCalls } from './directory';
import { sessionCalls, setupCalls } from './setup';
import { settingsCalls } from './settings';
import { ticketsCalls } from './tickets';
import { assetsCalls } from './assets';
import { licencesCalls } from './licences';
import { softwareCalls } from './software';
import { auditsCalls } from './audits';
import { alertsCalls } from './alerts';
import { labelsCalls } from './labels';
import { syncCalls } from './sync';
import { grcCalls } from './grc';
import { risksCalls } from './risks';
import { controlsCalls } from './controls';
import { assessmentsCalls } from './assessments';
import { evidenceCalls } from './evidence';
import { findingsCalls } from './findings';
import { kpisCalls } from './kpis';
import { registerKpisCalls } from './register-kpis';
import { reportsCalls } from './reports';
import { dashboardsCalls } from './dashboards';
import { slaCalls } from './sla';
import { routingCalls } from './routing';
import { kbCalls } from './kb';
import { problemsCalls } from './problems';
import { triageCalls } from './triage';
import { changesCalls } from './changes';
import { catalogueCalls } from './catalogue';
import { portalCalls } from './portal';
import { storeCalls } from './store';
import { uploadsCalls } from './uploads';

export const contract = {
  ...setupCalls,
  ...sessionCalls,
  ...directoryCalls,
  ...settingsCalls,
  ...ticketsCalls,
  ...auditCalls,
  ...assetsCalls,
  ...licencesCalls,
  ...softwareCalls,
  ...auditsCalls,
  ...alertsCalls,
  ...labelsCalls,
  ...syncCalls,
  ...grcCalls,
  ...risksCalls,
  ...controlsCalls,
  ...assessmentsCalls,
  ...evidenceCalls,
  ...findingsCalls,
  ...kpisCalls,
  ...registerKpisCalls,
  ...reportsCalls,
  ...dashboardsCalls,
  ...slaCalls,
  ...routingCalls,
  ...kbCalls,
  ...problemsCalls,
  ...triageCalls,
  ...changesCalls,
  ...catalogueCalls,
  ...portalCalls,
  ...storeCalls,
  ...uploadsCalls,
} satisfies Record<string, CallDef>;

export type Contract = typeof contract;
export type CallName = keyof Contract;
export type CallInput<N extends CallName> = CallInputOf<Contract[N]>;
export type CallParsed<N extends CallName> = CallParsedOf<Contract[N]>;
export type CallOutput<N extends CallName> = CallOutputOf<Contract[N]>;
export const CALL_NAMES = Object.keys(contract) as CallName[];

export function isCallName(name: string): name is CallName {
  return Object.prototype.hasOwnProperty.call(contract, name);
}

export * from './contract';
export type { AppEvent } from './events';
