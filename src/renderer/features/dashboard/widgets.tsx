/**
 * The dashboard's widgets (shared/dashboards/widgets.ts): each reads its own figures for the
 * dashboard's filters, says what it shows when empty, and every count opens the queue filtered to
 * exactly the tickets it counts.
 */
import type { ReactNode } from 'react';
import { Anchor, Card, Group, SimpleGrid, Table, Text, UnstyledButton } from '@mantine/core';
import { BarChart, LineChart } from '@mantine/charts';
import type { KpiFilter, KpiFigures, Kpis, KpiSlice } from '../../../shared/api/kpis';
import { WIDGET_INFO, type WidgetId } from '../../../shared/dashboards/widgets';
import type { DrillFigure, DrillSlice } from '../../../shared/kpis/drill';
import { useCall } from '../../lib/query';
import { navigate } from '../../lib/router';
import { formatNumber } from '../../lib/format';
import { ErrorState, Loading } from '../common/states';
import { drillLink } from './links';
import { AssetsWidget, ComplianceWidget, RiskReviewsWidget } from './register-widgets';

export const hours = (h: number | null) => (h === null ? '—' : `${h.toLocaleString(undefined, { maximumFractionDigits: 1 })} h`);
export const pct = (p: number | null) => (p === null ? '—' : `${p.toLocaleString(undefined, { maximumFractionDigits: 1 })} %`);

/** A count that opens its tickets in the queue. */
function Count({ n, figure, filter, slice, testId }: { n: number; figure: DrillFigure; filter: KpiFilter; slice?: DrillSlice; testId?: string }) {
  if (!n) return <>{formatNumber(n)}</>;
  return (
    <Anchor component="button" type="button" onClick={() => navigate(drillLink(figure, filter, slice))} data-testid={testId} title="Show these tickets in the queue">
      {formatNumber(n)}
    </Anchor>
  );
}

function Figure({ label, value, hint, previous, href, testId }: { label: string; value: string; hint?: string; previous?: string | null; href?: string; testId: string }) {
  const body = (
    <Card withBorder padding="sm" radius="md" h="100%">
      <Text size="xs" c="dimmed" tt="uppercase" fw={600}>
        {label}
      </Text>
      <Text size="xl" fw={700} data-testid={`${testId}-value`}>
        {value}
      </Text>
      {hint && (
        <Text size="xs" c="dimmed">
          {hint}
        </Text>
      )}
      {previous && (
        <Text size="xs" c="dimmed">
          Period before: {previous}
        </Text>
      )}
    </Card>
  );
  if (!href) return <div data-testid={testId}>{body}</div>;
  return (
    <UnstyledButton onClick={() => navigate(href)} title="Show these tickets in the queue" data-testid={testId} style={{ display: 'block', height: '100%' }}>
      {body}
    </UnstyledButton>
  );
}

function useKpis(id: WidgetId, filter: KpiFilter) {
  return useCall('kpis.get', { ...filter, parts: [...WIDGET_INFO[id].parts] });
}

function KpiWidget({ id, filter, children }: { id: WidgetId; filter: KpiFilter; children: (k: Kpis) => ReactNode }) {
  const k = useKpis(id, filter);
  if (k.error) return <ErrorState error={k.error} onRetry={k.refetch} />;
  if (!k.data) return <Loading label="Computing the figures…" />;
  return <>{children(k.data)}</>;
}

function Headline({ k, filter }: { k: Kpis; filter: KpiFilter }) {
  const prev: KpiFigures | null = k.previous;
  return (
    <SimpleGrid cols={{ base: 2, sm: 3, lg: 5 }} spacing="sm">
      <Figure
        label={filter.to ? 'Open at period end' : 'Open backlog'}
        value={formatNumber(k.backlog)}
        previous={prev ? formatNumber(prev.backlog) : null}
        href={k.backlog ? drillLink('backlog', filter) : undefined}
        testId="kpi-backlog"
      />
      <Figure label="Opened" value={formatNumber(k.opened)} previous={prev ? formatNumber(prev.opened) : null} href={k.opened ? drillLink('opened', filter) : undefined} testId="kpi-opened" />
      <Figure label="Resolved" value={formatNumber(k.resolved)} previous={prev ? formatNumber(prev.resolved) : null} href={k.resolved ? drillLink('resolved', filter) : undefined} testId="kpi-resolved" />
      <Figure label="Time to resolve" value={hours(k.mttrHours.median)} hint={`median · mean ${hours(k.mttrHours.mean)}`} previous={prev ? hours(prev.mttrHours.median) : null} testId="kpi-mttr" />
      <Figure label="Time to first response" value={hours(k.mttaHours.median)} hint={`median · mean ${hours(k.mttaHours.mean)}`} previous={prev ? hours(prev.mttaHours.median) : null} testId="kpi-mtta" />
    </SimpleGrid>
  );
}

function Sla({ k, filter }: { k: Kpis; filter: KpiFilter }) {
  return (
    <SimpleGrid cols={{ base: 2, sm: 3, lg: 5 }} spacing="sm">
      <Figure label="Resolution SLA met" value={pct(k.slaMetPercent)} testId="kpi-sla" />
      <Figure label="SLA missed" value={formatNumber(k.slaMissed)} hint="finished in the period" href={k.slaMissed ? drillLink('slaMissed', filter) : undefined} testId="kpi-breached" />
      <Figure label="Reopened" value={formatNumber(k.reopened)} hint={`reopen rate ${pct(k.reopenRatePercent)}`} href={k.reopened ? drillLink('reopened', filter) : undefined} testId="kpi-reopen" />
      <Figure label="Time to resolve, business hours" value={hours(k.mttrBusinessHours.median)} hint={`median · mean ${hours(k.mttrBusinessHours.mean)} (SLA calendars)`} testId="kpi-mttr-business" />
      <Figure
        label="Reassignments per ticket"
        value={k.reassignmentsPerTicket === null ? '—' : k.reassignmentsPerTicket.toLocaleString(undefined, { maximumFractionDigits: 2 })}
        hint={`first-contact resolution ${pct(k.firstContactResolutionPercent)}`}
        testId="kpi-reassign"
      />
    </SimpleGrid>
  );
}

function SliceTable({ rows, filter, label, slice, testId }: { rows: KpiSlice[]; filter: KpiFilter; label: string; slice?: (s: KpiSlice) => DrillSlice | null; testId: string }) {
  if (!rows.length)
    return (
      <Text size="sm" c="dimmed">
        No tickets in this selection.
      </Text>
    );
  return (
    <Table striped aria-label={`Figures by ${label.toLowerCase()}`} data-testid={testId}>
      <Table.Thead>
        <Table.Tr>
          <Table.Th>{label}</Table.Th>
          <Table.Th ta="right">Open</Table.Th>
          <Table.Th ta="right">Resolved</Table.Th>
          <Table.Th ta="right">SLA missed</Table.Th>
          <Table.Th ta="right">Time to resolve (median)</Table.Th>
          <Table.Th ta="right">SLA met</Table.Th>
        </Table.Tr>
      </Table.Thead>
      <Table.Tbody>
        {rows.map((s) => {
          const sl = slice?.(s) ?? null;
          const cell = (n: number, figure: DrillFigure, id: string) => (sl ? <Count n={n} figure={figure} filter={filter} slice={sl} testId={`${testId}-${id}-${String(s.key)}`} /> : formatNumber(n));
          return (
            <Table.Tr key={String(s.key)}>
              <Table.Td>{s.label}</Table.Td>
              <Table.Td ta="right">{cell(s.backlog, 'backlog', 'backlog')}</Table.Td>
              <Table.Td ta="right">{cell(s.resolved, 'resolved', 'resolved')}</Table.Td>
              <Table.Td ta="right">{cell(s.slaMissed, 'slaMissed', 'breached')}</Table.Td>
              <Table.Td ta="right">{hours(s.mttrHours.median)}</Table.Td>
              <Table.Td ta="right">{pct(s.slaMetPercent)}</Table.Td>
            </Table.Tr>
          );
        })}
      </Table.Tbody>
    </Table>
  );
}

function QueueWidget({ view, testId }: { view: 'my_work' | 'breaching_soon'; testId: string }) {
  const r = useCall('tickets.list', { view, filter: {}, limit: 5, withTotal: true });
  if (r.error) return <ErrorState error={r.error} onRetry={r.refetch} />;
  if (!r.data) return <Loading />;
  if (!r.data.items.length)
    return (
      <Text size="sm" c="dimmed" data-testid={`${testId}-empty`}>
        {view === 'my_work' ? 'Nothing open is assigned to you.' : 'No open ticket is near its SLA deadline.'}
      </Text>
    );
  return (
    <div data-testid={testId}>
      <Table aria-label={view === 'my_work' ? 'My open tickets' : 'Tickets breaching soon'}>
        <Table.Tbody>
          {r.data.items.map((t) => (
            <Table.Tr key={t.id}>
              <Table.Td>
                <Anchor component="button" type="button" onClick={() => navigate(`/queue/${t.number}?view=${view}`)}>
                  {t.number}
                </Anchor>
              </Table.Td>
              <Table.Td>{t.title}</Table.Td>
              <Table.Td>P{t.priority}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      <Anchor component="button" type="button" size="sm" onClick={() => navigate(`/queue?view=${view}`)}>
        All {formatNumber(r.data.total ?? r.data.items.length)} in the queue
      </Anchor>
    </div>
  );
}

function Risks() {
  const r = useCall('risks.heatmap', {});
  const open = useCall('kpis.risks', {});
  if (r.error) return <ErrorState error={r.error} onRetry={r.refetch} />;
  if (!r.data) return <Loading />;
  const stages = Object.entries(r.data.counts).map(([stage, grid]) => ({ stage, risks: grid.flat().reduce((a, b) => a + b, 0) }));
  if (!stages.some((s) => s.risks))
    return (
      <Text size="sm" c="dimmed" data-testid="risks-widget-empty">
        {open.data?.open
          ? `${formatNumber(open.data.open)} open risk${open.data.open === 1 ? '' : 's'}, none scored on the matrix yet: score them on their pages to see the heat map.`
          : 'The risk register is empty.'}
      </Text>
    );
  return (
    <Group gap="xl">
      {stages.map((s) => (
        <div key={s.stage}>
          <Text size="xs" c="dimmed" tt="uppercase" fw={600}>
            {s.stage}
          </Text>
          <Text size="xl" fw={700}>
            {formatNumber(s.risks)}
          </Text>
        </div>
      ))}
      <Anchor component="button" type="button" size="sm" onClick={() => navigate('/risks')}>
        Open the risk register
      </Anchor>
    </Group>
  );
}

function Findings() {
  const r = useCall('findings.list', { status: 'open' });
  if (r.error) return <ErrorState error={r.error} onRetry={r.refetch} />;
  if (!r.data) return <Loading />;
  const by = new Map<string, number>();
  for (const f of r.data.items) by.set(f.severity, (by.get(f.severity) ?? 0) + 1);
  if (!by.size)
    return (
      <Text size="sm" c="dimmed">
        No open findings.
      </Text>
    );
  return <BarChart h={180} data={[...by].map(([severity, count]) => ({ severity, count }))} dataKey="severity" series={[{ name: 'count', label: 'Open findings', color: 'red.6' }]} />;
}

function SyncHealth() {
  const r = useCall('sync.status', {});
  if (r.error) return <ErrorState error={r.error} onRetry={r.refetch} />;
  if (!r.data) return <Loading />;
  const s = r.data;
  return (
    <SimpleGrid cols={{ base: 2, sm: 4 }} spacing="sm">
      <Figure label="Connection" value={s.serverUrl ? s.state : 'standalone'} hint={s.error ?? (s.serverUrl ?? 'no server joined')} testId="sync-state" />
      <Figure label="Last sync" value={s.lastSyncedAt ? new Date(s.lastSyncedAt).toLocaleString() : 'never'} hint={`this device: ${s.deviceName}`} testId="sync-last" />
      <Figure label="Changes waiting" value={formatNumber(s.pending)} testId="sync-pending" />
      <Figure label="Refused, conflicts" value={`${formatNumber(s.rejected)}, ${formatNumber(s.conflicts)}`} href={s.rejected || s.conflicts ? '/conflicts' : undefined} testId="sync-problems" />
    </SimpleGrid>
  );
}

/** The body of one widget for the dashboard's filters. */
export function WidgetBody({ id, filter }: { id: WidgetId; filter: KpiFilter }) {
  switch (id) {
    case 'headline':
      return <KpiWidget id={id} filter={filter}>{(k) => <Headline k={k} filter={filter} />}</KpiWidget>;
    case 'sla':
      return <KpiWidget id={id} filter={filter}>{(k) => <Sla k={k} filter={filter} />}</KpiWidget>;
    case 'byPriority':
      return <KpiWidget id={id} filter={filter}>{(k) => <SliceTable rows={k.byPriority} filter={filter} label="Priority" slice={(s) => ({ priority: Number(s.key) as 1 })} testId="by-priority" />}</KpiWidget>;
    case 'loadPerPerson':
      return (
        <KpiWidget id={id} filter={filter}>
          {(k) => (
            <>
              {k.byAssignee.some((s) => s.backlog) && (
                <div role="figure" aria-label="Open tickets per person">
                  <BarChart h={200} data={k.byAssignee.filter((s) => s.backlog).slice(0, 15).map((s) => ({ person: s.label, open: s.backlog }))} dataKey="person" series={[{ name: 'open', label: 'Open tickets', color: 'blue.6' }]} />
                </div>
              )}
              <SliceTable rows={k.byAssignee} filter={filter} label="Person" slice={(s) => ({ assigneeId: s.key === null ? null : String(s.key) })} testId="by-person" />
            </>
          )}
        </KpiWidget>
      );
    case 'byGroup':
      return <KpiWidget id={id} filter={filter}>{(k) => <SliceTable rows={k.byGroup} filter={filter} label="Group" slice={(s) => (s.key === null ? null : { groupId: String(s.key) })} testId="by-group" />}</KpiWidget>;
    case 'bySite':
      return <KpiWidget id={id} filter={filter}>{(k) => <SliceTable rows={k.bySite} filter={filter} label="Site" slice={(s) => (s.key === null ? null : { siteId: String(s.key) })} testId="by-site" />}</KpiWidget>;
    case 'byCategory':
      return <KpiWidget id={id} filter={filter}>{(k) => <SliceTable rows={k.byCategory.slice(0, 10)} filter={filter} label="Category" testId="by-category" />}</KpiWidget>;
    case 'backlogAge':
      return (
        <KpiWidget id={id} filter={filter}>
          {(k) => (
            <div role="figure" aria-label="Open tickets by age">
              <BarChart h={200} data={k.backlogAge} dataKey="bucket" series={[{ name: 'count', label: 'Open tickets', color: 'orange.6' }]} />
            </div>
          )}
        </KpiWidget>
      );
    case 'trend':
      return (
        <KpiWidget id={id} filter={filter}>
          {(k) => {
            const series = k.perDay.length ? k.perDay : k.perWeek.slice(-26);
            return series.length ? (
              <div role="figure" aria-label={`Opened and resolved per ${k.perDay.length ? 'day' : 'week'}`}>
                <LineChart h={200} data={series} dataKey="start" curveType="linear" withLegend series={[{ name: 'opened', label: 'Opened', color: 'blue.6' }, { name: 'resolved', label: 'Resolved', color: 'teal.6' }]} />
              </div>
            ) : (
              <Text size="sm" c="dimmed">
                No tickets opened or resolved in this period.
              </Text>
            );
          }}
        </KpiWidget>
      );
    case 'myWork':
      return <QueueWidget view="my_work" testId="widget-my-work" />;
    case 'breachingSoon':
      return <QueueWidget view="breaching_soon" testId="widget-breaching" />;
    case 'risks':
      return <Risks />;
    case 'findings':
      return <Findings />;
    case 'syncHealth':
      return <SyncHealth />;
    case 'assets':
      return <AssetsWidget filter={filter} />;
    case 'riskReviews':
      return <RiskReviewsWidget filter={filter} />;
    case 'compliance':
      return <ComplianceWidget filter={filter} />;
  }
}
