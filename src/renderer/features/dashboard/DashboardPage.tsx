/**
 * The team lead's dashboard: the service desk KPIs (docs/kpis.md) for a period, a site and a group,
 * computed from this device's store. Open-ticket figures click through to the queue filtered to
 * exactly those tickets.
 */
import { useMemo, useState } from 'react';
import { Anchor, Card, Group, Select, SimpleGrid, Stack, Table, Text, Title, UnstyledButton } from '@mantine/core';
import { BarChart, LineChart } from '@mantine/charts';
import type { KpiFigures, KpiFilter, Kpis } from '../../../shared/api/kpis';
import { useCall } from '../../lib/query';
import { navigate } from '../../lib/router';
import { formatNumber } from '../../lib/format';
import { useLookups } from '../common/lookups';
import { Empty, ErrorState, Loading } from '../common/states';

const PERIODS = [
  { value: 'all', label: 'All time' },
  { value: '7', label: 'Last 7 days' },
  { value: '30', label: 'Last 30 days' },
  { value: '90', label: 'Last 90 days' },
  { value: '365', label: 'Last 12 months' },
] as const;

const DAY = 86_400_000;

function periodFilter(period: string, now: number): Pick<KpiFilter, 'from' | 'to'> {
  if (period === 'all') return {};
  // Whole UTC days, so the figures stay put while the page is open.
  const end = Math.floor(now / DAY) * DAY + DAY;
  return { from: new Date(end - Number(period) * DAY).toISOString(), to: new Date(end).toISOString() };
}

const hours = (h: number | null) => (h === null ? '—' : `${h.toLocaleString(undefined, { maximumFractionDigits: 1 })} h`);
const pct = (p: number | null) => (p === null ? '—' : `${p.toLocaleString(undefined, { maximumFractionDigits: 1 })} %`);

/** The queue filtered to the open tickets a backlog figure counts (same site, group and priority). */
function queueLink(filter: KpiFilter, priority?: number): string {
  const parts = ['view=all_open'];
  if (priority) parts.push(`priority=${priority}`);
  if (filter.groupId) parts.push(`group=${encodeURIComponent(filter.groupId)}`);
  if (filter.siteId) parts.push(`site=${encodeURIComponent(filter.siteId)}`);
  return `/queue?${parts.join('&')}`;
}

function Figure({
  label,
  value,
  hint,
  previous,
  href,
  testId,
}: {
  label: string;
  value: string;
  hint?: string;
  previous?: string | null;
  href?: string;
  testId: string;
}) {
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
    <UnstyledButton
      onClick={() => navigate(href)}
      title="Show these tickets in the queue"
      data-testid={testId}
      style={{ display: 'block', height: '100%' }}
    >
      {body}
    </UnstyledButton>
  );
}

function Figures({ k, filter }: { k: Kpis; filter: KpiFilter }) {
  const prev: KpiFigures | null = k.previous;
  const withPeriod = !!filter.from;
  return (
    <SimpleGrid cols={{ base: 2, sm: 3, lg: 4 }} spacing="sm">
      <Figure
        label={withPeriod ? 'Open at period end' : 'Open backlog'}
        value={formatNumber(k.backlog)}
        previous={prev ? formatNumber(prev.backlog) : null}
        href={withPeriod ? undefined : queueLink(filter)}
        testId="kpi-backlog"
      />
      <Figure label="Opened" value={formatNumber(k.opened)} previous={prev ? formatNumber(prev.opened) : null} testId="kpi-opened" />
      <Figure
        label="Resolved"
        value={formatNumber(k.resolved)}
        previous={prev ? formatNumber(prev.resolved) : null}
        testId="kpi-resolved"
      />
      <Figure
        label="Time to resolve"
        value={hours(k.mttrHours.median)}
        hint={`median · mean ${hours(k.mttrHours.mean)}`}
        previous={prev ? hours(prev.mttrHours.median) : null}
        testId="kpi-mttr"
      />
      <Figure
        label="Time to first response"
        value={hours(k.mttaHours.median)}
        hint={`median · mean ${hours(k.mttaHours.mean)}`}
        previous={prev ? hours(prev.mttaHours.median) : null}
        testId="kpi-mtta"
      />
      <Figure label="Resolution SLA met" value={pct(k.slaMetPercent)} previous={prev ? pct(prev.slaMetPercent) : null} testId="kpi-sla" />
      <Figure
        label="Reopen rate"
        value={pct(k.reopenRatePercent)}
        previous={prev ? pct(prev.reopenRatePercent) : null}
        testId="kpi-reopen"
      />
      <Figure
        label="Reassignments per ticket"
        value={k.reassignmentsPerTicket === null ? '—' : k.reassignmentsPerTicket.toLocaleString(undefined, { maximumFractionDigits: 2 })}
        hint={`first-contact resolution ${pct(k.firstContactResolutionPercent)}`}
        testId="kpi-reassign"
      />
    </SimpleGrid>
  );
}

function ByPriority({ k, filter }: { k: Kpis; filter: KpiFilter }) {
  const withPeriod = !!filter.from;
  return (
    <Card withBorder padding="sm">
      <Title order={4} mb="xs">
        By priority
      </Title>
      <Table striped aria-label="Figures by priority">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Priority</Table.Th>
            <Table.Th ta="right">Open</Table.Th>
            <Table.Th ta="right">Resolved</Table.Th>
            <Table.Th ta="right">Time to resolve (median)</Table.Th>
            <Table.Th ta="right">SLA met</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {k.byPriority.map((s) => (
            <Table.Tr key={String(s.key)}>
              <Table.Td>{s.label}</Table.Td>
              <Table.Td ta="right">
                {withPeriod || !s.backlog ? (
                  formatNumber(s.backlog)
                ) : (
                  <Anchor
                    component="button"
                    onClick={() => navigate(queueLink(filter, Number(s.key)))}
                    data-testid={`kpi-backlog-p${s.key}`}
                  >
                    {formatNumber(s.backlog)}
                  </Anchor>
                )}
              </Table.Td>
              <Table.Td ta="right">{formatNumber(s.resolved)}</Table.Td>
              <Table.Td ta="right">{hours(s.mttrHours.median)}</Table.Td>
              <Table.Td ta="right">{pct(s.slaMetPercent)}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Card>
  );
}

function Charts({ k }: { k: Kpis }) {
  const series = k.perDay.length ? k.perDay : k.perWeek.slice(-26);
  return (
    <SimpleGrid cols={{ base: 1, lg: 2 }} spacing="sm">
      <Card withBorder padding="sm">
        <Title order={4} mb="xs">
          Opened and resolved per {k.perDay.length ? 'day' : 'week'}
        </Title>
        {series.length ? (
          <div role="figure" aria-label="Opened and resolved over time">
            <LineChart
              h={220}
              data={series}
              dataKey="start"
              series={[
                { name: 'opened', label: 'Opened', color: 'blue.6' },
                { name: 'resolved', label: 'Resolved', color: 'teal.6' },
              ]}
              curveType="linear"
              withLegend
            />
          </div>
        ) : (
          <Text size="sm" c="dimmed">
            No tickets opened or resolved in this period.
          </Text>
        )}
      </Card>
      <Card withBorder padding="sm">
        <Title order={4} mb="xs">
          Backlog by age
        </Title>
        <div role="figure" aria-label="Open tickets by age">
          <BarChart h={220} data={k.backlogAge} dataKey="bucket" series={[{ name: 'count', label: 'Open tickets', color: 'orange.6' }]} />
        </div>
      </Card>
    </SimpleGrid>
  );
}

export function DashboardPage() {
  const { sites, groups } = useLookups();
  const [period, setPeriod] = useState<string>('all');
  const [siteId, setSiteId] = useState<string | null>(null);
  const [groupId, setGroupId] = useState<string | null>(null);
  const filter = useMemo<KpiFilter>(
    () => ({ ...periodFilter(period, Date.now()), ...(siteId ? { siteId } : {}), ...(groupId ? { groupId } : {}) }),
    [period, siteId, groupId],
  );
  const k = useCall('kpis.get', filter);
  return (
    <Stack gap="md" p="md">
      <Group justify="space-between" align="flex-end">
        <div>
          <Title order={2}>Dashboard</Title>
          <Text size="sm" c="dimmed">
            Service desk figures from this device’s tickets (defined in docs/kpis.md); times are wall-clock hours.
          </Text>
        </div>
        <Group gap="sm">
          <Select
            label="Period"
            data={PERIODS.map((p) => ({ ...p }))}
            value={period}
            onChange={(v) => setPeriod(v ?? 'all')}
            allowDeselect={false}
            w={170}
            data-testid="kpi-period"
          />
          <Select
            label="Site"
            placeholder="All sites"
            data={sites.map((s) => ({ value: s.id, label: s.name }))}
            value={siteId}
            onChange={setSiteId}
            clearable
            w={180}
            data-testid="kpi-site"
          />
          <Select
            label="Group"
            placeholder="All groups"
            data={groups.map((g) => ({ value: g.id, label: g.name }))}
            value={groupId}
            onChange={setGroupId}
            clearable
            searchable
            w={180}
            data-testid="kpi-group"
          />
        </Group>
      </Group>
      {k.error ? (
        <ErrorState error={k.error} onRetry={k.refetch} />
      ) : !k.data ? (
        <Loading label="Computing the figures…" />
      ) : k.data.opened === 0 && k.data.backlog === 0 && k.data.resolved === 0 ? (
        <Empty title="No tickets in this selection">
          Change the period, site or group, or import tickets under Settings → Ticket import.
        </Empty>
      ) : (
        <>
          <Figures k={k.data} filter={filter} />
          <ByPriority k={k.data} filter={filter} />
          <Charts k={k.data} />
        </>
      )}
    </Stack>
  );
}
