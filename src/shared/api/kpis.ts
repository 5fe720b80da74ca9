/** Service desk KPIs computed from the local store (definitions in docs/kpis.md). */
import { z } from 'zod';
import { call, type Role } from './contract';
import { id } from './common';

/** Staff and auditors read the figures; requesters do not. */
export const KPI_READERS: readonly Role[] = ['admin', 'technician', 'auditor'];

const instant = z.string().datetime({ offset: true, message: 'Give a date and time in ISO 8601 (2026-03-01T00:00:00Z).' });

/** The parts of the figures a caller wants (a dashboard widget asks for its own); none given: all. */
export const KPI_PARTS = ['figures', 'previous', 'byPriority', 'byCategory', 'byGroup', 'bySite', 'byAssignee', 'byChannel', 'backlogAge', 'series'] as const;
export type KpiPart = (typeof KPI_PARTS)[number];

export const kpiFilter = z
  .object({
    /** Start of the period (inclusive); with `to`. No period: all time. */
    from: instant.optional(),
    /** End of the period (exclusive). */
    to: instant.optional(),
    siteId: id.optional(),
    groupId: id.optional(),
    /** Only these parts (the rest come back empty); all when left out. */
    parts: z.array(z.enum(KPI_PARTS)).max(KPI_PARTS.length).optional(),
  })
  .strict()
  .refine((v) => !v.from || !v.to || Date.parse(v.from) < Date.parse(v.to), { message: 'The period must end after it starts.', path: ['to'] });
export type KpiFilter = z.infer<typeof kpiFilter>;

export interface Hours {
  median: number | null;
  mean: number | null;
}

/** The headline figures, for the whole selection or one slice of it. */
export interface KpiFigures {
  /** Open at the end of the period (now, with no period). */
  backlog: number;
  /** Opened in the period. */
  opened: number;
  /** Given a resolve time in the period. */
  resolved: number;
  /** Closed in the period. */
  closed: number;
  /** Cancelled in the period. */
  cancelled: number;
  /** Wall-clock hours from opened to resolved, over tickets resolved in the period. */
  mttrHours: Hours;
  /** Wall-clock hours from opened to first response, over tickets first answered in the period. */
  mttaHours: Hours;
  /** Business hours (the calendar of the ticket's SLA policy) from opened to resolved, over the resolved tickets under a policy. */
  mttrBusinessHours: Hours;
  /** Business hours from opened to first response, over the first-answered tickets under a policy. */
  mttaBusinessHours: Hours;
  /** Tickets finished in the period whose resolution SLA was recorded as missed. */
  slaMissed: number;
  /** Tickets finished in the period that were reopened at least once. */
  reopened: number;
  /** Of tickets finished in the period with a recorded SLA outcome, the share that met it. */
  slaMetPercent: number | null;
  /** Of tickets finished in the period, the share reopened at least once. */
  reopenRatePercent: number | null;
  /** Over tickets finished in the period: reassignments per ticket. */
  reassignmentsPerTicket: number | null;
  /** Of tickets resolved in the period, the share resolved at first contact (never reassigned nor reopened). */
  firstContactResolutionPercent: number | null;
}

export interface KpiSlice extends KpiFigures {
  /** The slice's key (priority 1-4, a category, a group/site/person id, a channel), null for "none". */
  key: string | number | null;
  label: string;
}

export interface KpiBucket {
  /** Start of the day or ISO week (Monday), YYYY-MM-DD. */
  start: string;
  opened: number;
  resolved: number;
  closed: number;
}

export interface Kpis extends KpiFigures {
  filter: KpiFilter;
  /** When the figures were computed (the local clock). */
  at: string;
  byPriority: KpiSlice[];
  byCategory: KpiSlice[];
  byGroup: KpiSlice[];
  bySite: KpiSlice[];
  byAssignee: KpiSlice[];
  byChannel: KpiSlice[];
  /** Backlog by age (from opened to the end of the period). */
  backlogAge: { bucket: '<1d' | '1-3d' | '3-7d' | '7-30d' | '>30d'; count: number }[];
  /** Opened, resolved and closed per day (periods up to 92 days) and per week. */
  perDay: KpiBucket[];
  perWeek: KpiBucket[];
  /** The same figures over the period of equal length just before (only with a period). */
  previous: KpiFigures | null;
}

export const kpisCalls = {
  /** The service desk KPIs over a period (no period: all time), one site and one group optionally. */
  'kpis.get': call<Kpis>()(kpiFilter.default({}), KPI_READERS),
};
