/** The queue address listing exactly the tickets a dashboard figure counts (shared/kpis/drill.ts). */
import type { KpiFilter } from '../../../shared/api/kpis';
import { drillFilter, type DrillFigure, type DrillSlice } from '../../../shared/kpis/drill';
import { queueQuery } from '../../stores/queue';

export function drillLink(figure: DrillFigure, filter: KpiFilter, slice?: DrillSlice): string {
  return `/queue?${queueQuery({ view: 'all', savedViewId: null, filter: drillFilter(figure, filter, slice), sort: null })}`;
}
