/** Each person's home dashboard: the widgets they arranged and the filters applying to all of them (synced to their devices). */
import { z } from 'zod';
import { call } from './contract';
import { id } from './common';
import { KPI_READERS } from './kpis';
import { WIDGETS } from '../dashboards/widgets';

export const DASHBOARD_PERIODS = ['all', '7', '30', '90', '365'] as const;
export type DashboardPeriod = (typeof DASHBOARD_PERIODS)[number];

export const dashboardFilter = z
  .object({
    /** All time, or the last 7, 30, 90 or 365 whole days. */
    period: z.enum(DASHBOARD_PERIODS),
    siteId: id.nullable(),
    groupId: id.nullable(),
  })
  .strict();
export type DashboardFilter = z.infer<typeof dashboardFilter>;

export const dashboardLayoutInput = z
  .object({
    widgets: z
      .array(z.enum(WIDGETS, { message: `A widget is one of ${WIDGETS.join(', ')}.` }))
      .max(WIDGETS.length)
      .refine((w) => new Set(w).size === w.length, { message: 'Each widget appears once on a dashboard.' }),
    filter: dashboardFilter,
  })
  .strict();
export type DashboardLayoutInput = z.infer<typeof dashboardLayoutInput>;

export interface DashboardLayout extends DashboardLayoutInput {
  /** False while the person has not arranged their own: the role's home dashboard. */
  saved: boolean;
}

export const dashboardsCalls = {
  /** The signed-in person's home dashboard (their role's until they arrange their own). */
  'dashboards.layout': call<DashboardLayout>()(z.object({}).strict().default({}), KPI_READERS),
  /** Saves the person's arrangement and filters; it follows them to their other devices. */
  'dashboards.saveLayout': call<DashboardLayout>()(dashboardLayoutInput, KPI_READERS, { mutates: true }),
};
