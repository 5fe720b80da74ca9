/**
 * The dashboard's widgets: what each shows, the KPI parts it reads (one `kpis.get` call per widget,
 * asking only for those), and the home dashboard each role starts from before the user arranges it.
 */
import type { KpiPart } from '../api/kpis';
import type { Role } from '../api/contract';

export const WIDGETS = [
  'headline',
  'sla',
  'byPriority',
  'loadPerPerson',
  'byGroup',
  'bySite',
  'byCategory',
  'backlogAge',
  'trend',
  'myWork',
  'breachingSoon',
  'risks',
  'findings',
  'syncHealth',
  'assets',
  'riskReviews',
  'compliance',
] as const;
export type WidgetId = (typeof WIDGETS)[number];

export interface WidgetInfo {
  title: string;
  /** What the widget shows, for the "Add a widget" list. */
  description: string;
  /** The KPI parts it reads; none: it reads its own call (the queue, risks, findings, sync). */
  parts: readonly KpiPart[];
  /** Roles that may place it (the calls behind it are theirs). */
  roles: readonly Role[];
}

const STAFF: readonly Role[] = ['admin', 'technician'];
const READERS: readonly Role[] = ['admin', 'technician', 'auditor'];

export const WIDGET_INFO: Record<WidgetId, WidgetInfo> = {
  headline: { title: 'Service desk figures', description: 'Backlog, opened, resolved, time to respond and resolve, against the period before.', parts: ['figures', 'previous'], roles: READERS },
  sla: { title: 'SLA', description: 'Resolution SLA met and missed, reopen rate and business-hours times.', parts: ['figures'], roles: READERS },
  byPriority: { title: 'By priority', description: 'Open, resolved, time to resolve and SLA per priority.', parts: ['byPriority'], roles: READERS },
  loadPerPerson: { title: 'Load per person', description: 'Open and resolved tickets per assignee.', parts: ['byAssignee'], roles: READERS },
  byGroup: { title: 'By group', description: 'Open and resolved tickets per group.', parts: ['byGroup'], roles: READERS },
  bySite: { title: 'By site', description: 'Open and resolved tickets per site.', parts: ['bySite'], roles: READERS },
  byCategory: { title: 'Top categories', description: 'Tickets opened per category.', parts: ['byCategory'], roles: READERS },
  backlogAge: { title: 'Backlog by age', description: 'Open tickets by how long they have been open.', parts: ['backlogAge'], roles: READERS },
  trend: { title: 'Opened and resolved', description: 'Opened and resolved per day or week.', parts: ['series'], roles: READERS },
  myWork: { title: 'My work', description: 'Your open tickets, highest priority first.', parts: [], roles: STAFF },
  breachingSoon: { title: 'Breaching soon', description: 'Open tickets nearest their SLA deadline.', parts: [], roles: STAFF },
  risks: { title: 'Risks', description: 'The risk heat map of the register.', parts: [], roles: READERS },
  findings: { title: 'Open findings', description: 'Open audit findings by severity.', parts: [], roles: READERS },
  assets: { title: 'Assets', description: 'Assets by status, warranties ending, licence shortfalls, end-of-life and known exploited exposure.', parts: [], roles: READERS },
  riskReviews: { title: 'Risk reviews', description: 'Open risks, reviews overdue, acceptances expiring and expired.', parts: [], roles: READERS },
  compliance: { title: 'Compliance', description: 'Score per framework function from the latest assessment.', parts: [], roles: READERS },
  syncHealth: { title: 'Sync health', description: 'Connection, last sync, changes waiting and refused.', parts: [], roles: ['admin', 'technician', 'auditor', 'requester'] },
};

/** Each role's home dashboard until the user arranges their own. */
export const ROLE_DASHBOARDS: Record<Role, readonly WidgetId[]> = {
  technician: ['myWork', 'breachingSoon', 'headline', 'byPriority'],
  admin: ['syncHealth', 'headline', 'sla', 'loadPerPerson'],
  auditor: ['risks', 'riskReviews', 'findings', 'compliance', 'sla', 'headline'],
  requester: [],
};

/** The team lead's view (a technician or administrator arranging for the team). */
export const TEAM_LEAD_DASHBOARD: readonly WidgetId[] = ['headline', 'sla', 'byPriority', 'loadPerPerson', 'backlogAge', 'trend'];
