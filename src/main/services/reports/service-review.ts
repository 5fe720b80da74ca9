/**
 * The service review: a period's KPIs (docs/kpis.md) beside the period of equal length before it,
 * weekly trends, the figures by priority, group and category, the tickets that missed their SLA and
 * the major incidents (P1 incidents opened in the period). The lists are the queue's own drill-down
 * filters, so a ticket listed here is one the dashboard's figure counts.
 */
import type { Ctx } from '../core/context';
import { requireActor } from '../core/write';
import { getKpis } from '../kpis/kpis';
import { listTickets } from '../tickets/queue';
import { drillFilter } from '../../../shared/kpis/drill';
import type { Hours, KpiFigures, KpiSlice } from '../../../shared/api/kpis';
import type { ReportFile } from '../../../shared/api/reports';
import type { TicketFilter, TicketRow } from '../../../shared/api/tickets';
import { STATUS_LABELS } from '../../../shared/tickets/rules';
import { csvReport, PdfReport, reportEvidence, utc, type CsvSection } from './document';

/** How many breaches and major incidents a review lists (the total is always given). */
export const REVIEW_LIST_MAX = 200;

export interface ServiceReviewInput {
  from: string;
  to: string;
  siteId?: string;
  groupId?: string;
  format: 'pdf' | 'csv';
}

const num = (n: number | null | undefined, digits = 1): string => (n === null || n === undefined ? '–' : Number.isInteger(n) ? String(n) : n.toFixed(digits));
const pct = (n: number | null | undefined): string => (n === null || n === undefined ? '–' : `${n.toFixed(1)} %`);
const hrs = (h: Hours, k: keyof Hours): string => (h[k] === null ? '–' : `${h[k]!.toFixed(1)} h`);
/** The change from the previous period: a number for the CSV, the same with its sign and unit for the page. */
function delta(now: number | null, before: number | null | undefined): number | null {
  if (now === null || before === null || before === undefined) return null;
  return Math.round((now - before) * 100) / 100;
}
function change(now: number | null, before: number | null | undefined, unit = ''): string {
  const d = delta(now, before);
  if (d === null) return '–';
  return `${d > 0 ? '+' : d < 0 ? '-' : '±'}${Number.isInteger(d) ? Math.abs(d) : Math.abs(d).toFixed(1)}${unit}`;
}

interface FigureLine {
  label: string;
  now: number | null;
  before: number | null;
  shown: (f: KpiFigures) => string;
  unit?: string;
}

function figureLines(f: KpiFigures, p: KpiFigures | null): FigureLine[] {
  const line = (label: string, get: (x: KpiFigures) => number | null, shown: (x: KpiFigures) => string, unit = ''): FigureLine => ({ label, now: get(f), before: p ? get(p) : null, shown, unit });
  return [
    line('Opened', (x) => x.opened, (x) => num(x.opened)),
    line('Resolved', (x) => x.resolved, (x) => num(x.resolved)),
    line('Closed', (x) => x.closed, (x) => num(x.closed)),
    line('Cancelled', (x) => x.cancelled, (x) => num(x.cancelled)),
    line('Backlog at the end of the period', (x) => x.backlog, (x) => num(x.backlog)),
    line('MTTA, median (wall clock)', (x) => x.mttaHours.median, (x) => hrs(x.mttaHours, 'median'), ' h'),
    line('MTTA, mean (wall clock)', (x) => x.mttaHours.mean, (x) => hrs(x.mttaHours, 'mean'), ' h'),
    line('MTTR, median (wall clock)', (x) => x.mttrHours.median, (x) => hrs(x.mttrHours, 'median'), ' h'),
    line('MTTR, mean (wall clock)', (x) => x.mttrHours.mean, (x) => hrs(x.mttrHours, 'mean'), ' h'),
    line('MTTA, median (business hours)', (x) => x.mttaBusinessHours.median, (x) => hrs(x.mttaBusinessHours, 'median'), ' h'),
    line('MTTR, median (business hours)', (x) => x.mttrBusinessHours.median, (x) => hrs(x.mttrBusinessHours, 'median'), ' h'),
    line('SLA met', (x) => x.slaMetPercent, (x) => pct(x.slaMetPercent), ' pts'),
    line('SLA missed (tickets)', (x) => x.slaMissed, (x) => num(x.slaMissed)),
    line('Reopen rate', (x) => x.reopenRatePercent, (x) => pct(x.reopenRatePercent), ' pts'),
    line('First-contact resolution', (x) => x.firstContactResolutionPercent, (x) => pct(x.firstContactResolutionPercent), ' pts'),
    line('Reassignments per ticket', (x) => x.reassignmentsPerTicket, (x) => num(x.reassignmentsPerTicket, 2)),
  ];
}

function ticketList(ctx: Ctx, filter: TicketFilter): { items: TicketRow[]; total: number } {
  const page = listTickets(ctx, { view: 'all', filter, sort: 'priority', limit: REVIEW_LIST_MAX, withTotal: true });
  return { items: page.items, total: page.total ?? page.items.length };
}

function nameOf(ctx: Ctx, table: 'sites' | 'groups', id: string): string {
  const row = ctx.store.sqlite.prepare(`SELECT name FROM ${table} WHERE id = ?`).get(id) as { name: string } | undefined;
  return row?.name ?? id;
}

const sliceRow = (s: KpiSlice): string[] => [s.label, num(s.opened), num(s.resolved), num(s.backlog), pct(s.slaMetPercent), hrs(s.mttrHours, 'median')];
const SLICE_COLUMNS = ['', 'Opened', 'Resolved', 'Backlog', 'SLA met', 'MTTR median'];

export async function serviceReview(ctx: Ctx, input: ServiceReviewInput): Promise<ReportFile> {
  requireActor(ctx);
  const k = { from: input.from, to: input.to, siteId: input.siteId, groupId: input.groupId };
  const kpis = getKpis(ctx, k);
  const from = new Date(input.from).toISOString();
  const to = new Date(input.to).toISOString();
  const span = Date.parse(to) - Date.parse(from);
  const filters = [
    `Period: ${utc(from)} to ${utc(to)} (the previous period, for comparison: ${utc(new Date(Date.parse(from) - span).toISOString())} to ${utc(from)})`,
    input.siteId ? `Site: ${nameOf(ctx, 'sites', input.siteId)}` : 'Sites: every site on this device',
    input.groupId ? `Group: ${nameOf(ctx, 'groups', input.groupId)}` : 'Groups: all',
  ];
  const evidence = await reportEvidence(ctx, filters);
  const breaches = ticketList(ctx, drillFilter('slaMissed', k));
  const major = ticketList(ctx, { ...drillFilter('opened', k), priority: [1], type: ['incident'] });
  const lines = figureLines(kpis, kpis.previous);
  const topCategories = [...kpis.byCategory].sort((a, b) => b.opened - a.opened || a.label.localeCompare(b.label)).slice(0, 10);
  const byPriority = kpis.byPriority;
  const byGroup = [...kpis.byGroup].sort((a, b) => b.opened - a.opened || a.label.localeCompare(b.label));
  const ticketCells = (t: TicketRow, when: string | null): string[] => [t.number, t.title, `P${t.priority}`, STATUS_LABELS[t.status], t.assigneeName ?? 'Unassigned', utc(when)];
  const stamp = from.slice(0, 10);
  const base = `service-review-${stamp}-to-${to.slice(0, 10)}`;

  if (input.format === 'csv') {
    const listed = (rows: TicketRow[], total: number, when: (t: TicketRow) => string | null): (string | number)[][] => [
      ...rows.map((t) => [...ticketCells(t, when(t))]),
      ...(total > rows.length ? [[`… and ${total - rows.length} more (open the queue's drill-down for all)`]] : []),
    ];
    const sections: CsvSection[] = [
      { title: 'Figures', fields: ['Figure', 'This period', 'Previous period', 'Change'], rows: lines.map((l) => [l.label, l.now, l.before, delta(l.now, l.before)]) },
      { title: 'Per week', fields: ['Week from', 'Opened', 'Resolved', 'Closed'], rows: kpis.perWeek.map((w) => [w.start, w.opened, w.resolved, w.closed]) },
      { title: 'By priority', fields: ['Priority', ...SLICE_COLUMNS.slice(1)], rows: byPriority.map((s) => [s.label, s.opened, s.resolved, s.backlog, s.slaMetPercent, s.mttrHours.median]) },
      { title: 'Top categories', fields: ['Category', ...SLICE_COLUMNS.slice(1)], rows: topCategories.map((s) => [s.label, s.opened, s.resolved, s.backlog, s.slaMetPercent, s.mttrHours.median]) },
      { title: 'By group', fields: ['Group', ...SLICE_COLUMNS.slice(1)], rows: byGroup.map((s) => [s.label, s.opened, s.resolved, s.backlog, s.slaMetPercent, s.mttrHours.median]) },
      { title: `SLA missed (${breaches.total})`, fields: ['Number', 'Title', 'Priority', 'Status', 'Assignee', 'Resolved'], rows: listed(breaches.items, breaches.total, (t) => t.resolvedAt) },
      { title: `Major incidents: P1 incidents opened (${major.total})`, fields: ['Number', 'Title', 'Priority', 'Status', 'Assignee', 'Opened'], rows: listed(major.items, major.total, (t) => t.openedAt) },
    ];
    return csvReport('Service review', evidence, sections, `${base}.csv`);
  }

  const pdf = await PdfReport.create('Service review', evidence);
  pdf.heading('Figures');
  pdf.table(
    [{ h: 'Figure', w: 72 }, { h: 'This period', w: 36, align: 'right' }, { h: 'Previous period', w: 36, align: 'right' }, { h: 'Change', w: 36, align: 'right' }],
    lines.map((l) => [l.label, l.shown(kpis), kpis.previous ? l.shown(kpis.previous) : '–', change(l.now, l.before, l.unit)]),
  );
  pdf.text('Definitions of every figure: docs/kpis.md. Business hours follow the calendar of each ticket\'s SLA policy.', 7.5);
  pdf.heading('Per week');
  pdf.table(
    [{ h: 'Week from (Monday)', w: 60 }, { h: 'Opened', w: 40, align: 'right' }, { h: 'Resolved', w: 40, align: 'right' }, { h: 'Closed', w: 40, align: 'right' }],
    kpis.perWeek.map((w) => [w.start, String(w.opened), String(w.resolved), String(w.closed)]),
    { empty: 'No ticket was opened, resolved or closed in the period.' },
  );
  const sliceCols = (first: string) => [{ h: first, w: 60 }, ...SLICE_COLUMNS.slice(1).map((h) => ({ h, w: 24, align: 'right' as const }))];
  pdf.heading('By priority');
  pdf.table(sliceCols('Priority'), byPriority.map(sliceRow));
  pdf.heading('Top categories (by tickets opened)');
  pdf.table(sliceCols('Category'), topCategories.map(sliceRow), { empty: 'No category recorded in the period.' });
  pdf.heading('By group');
  pdf.table(sliceCols('Group'), byGroup.map(sliceRow), { empty: 'No group recorded in the period.' });
  const ticketCols = (when: string) => [{ h: 'Number', w: 24 }, { h: 'Title', w: 64 }, { h: 'Prio.', w: 11 }, { h: 'Status', w: 20 }, { h: 'Assignee', w: 30 }, { h: when, w: 31 }];
  pdf.heading(`SLA missed: ${breaches.total} ticket${breaches.total === 1 ? '' : 's'} finished in the period`);
  pdf.table(ticketCols('Resolved'), breaches.items.map((t) => ticketCells(t, t.resolvedAt)), { empty: 'No ticket finished in the period missed its SLA.' });
  if (breaches.total > breaches.items.length) pdf.text(`… and ${breaches.total - breaches.items.length} more: the dashboard's "SLA missed" figure opens them all in the queue.`, 8);
  pdf.heading(`Major incidents: ${major.total} P1 incident${major.total === 1 ? '' : 's'} opened in the period`);
  pdf.table(ticketCols('Opened'), major.items.map((t) => ticketCells(t, t.openedAt)), { empty: 'No P1 incident was opened in the period.' });
  if (major.total > major.items.length) pdf.text(`… and ${major.total - major.items.length} more.`, 8);
  return pdf.file(`${base}.pdf`, lines.length + breaches.items.length + major.items.length);
}

