/**
 * The home dashboard: the widgets a person arranged (their role's to start with), saved as their own
 * synced record so it follows them to their other devices, and one set of filters (period, site,
 * group) applying to every widget. Figures are computed from this device's store (docs/kpis.md);
 * every count opens the queue filtered to exactly those tickets.
 */
import { useEffect, useMemo, useState } from 'react';
import { ActionIcon, Button, Card, Group, Select, Stack, Switch, Text, Title, Tooltip } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import type { KpiFilter } from '../../../shared/api/kpis';
import type { DashboardFilter, DashboardPeriod } from '../../../shared/api/dashboards';
import { WIDGET_INFO, WIDGETS, type WidgetId } from '../../../shared/dashboards/widgets';
import { useCall, changed } from '../../lib/query';
import { api, errorMessage } from '../../lib/client';
import { useRole } from '../../stores/session';
import { useLookups } from '../common/lookups';
import { Empty, ErrorState, Loading } from '../common/states';
import { WidgetBody } from './widgets';
import { IconPrinter } from '@tabler/icons-react';

const PERIODS: { value: DashboardPeriod; label: string }[] = [
  { value: 'all', label: 'All time' },
  { value: '7', label: 'Last 7 days' },
  { value: '30', label: 'Last 30 days' },
  { value: '90', label: 'Last 90 days' },
  { value: '365', label: 'Last 12 months' },
];

const DAY = 86_400_000;

/** The KPI selection of the dashboard's filters: whole UTC days, so the figures stay put while the page is open. */
export function kpiFilterOf(f: DashboardFilter, now: number): KpiFilter {
  const out: KpiFilter = {};
  if (f.period !== 'all') {
    const end = Math.floor(now / DAY) * DAY + DAY;
    out.from = new Date(end - Number(f.period) * DAY).toISOString();
    out.to = new Date(end).toISOString();
  }
  if (f.siteId) out.siteId = f.siteId;
  if (f.groupId) out.groupId = f.groupId;
  return out;
}

/** What a printed dashboard says it shows. */
function printedFilters(f: DashboardFilter, sites: { id: string; name: string }[], groups: { id: string; name: string }[]): string {
  const period = PERIODS.find((p) => p.value === f.period)?.label ?? 'All time';
  const site = f.siteId ? (sites.find((s) => s.id === f.siteId)?.name ?? 'one site') : 'All sites';
  const group = f.groupId ? (groups.find((g) => g.id === f.groupId)?.name ?? 'one group') : 'All groups';
  return `${period} · ${site} · ${group}`;
}

export function DashboardPage() {
  const role = useRole();
  const { sites, groups } = useLookups();
  const saved = useCall('dashboards.layout', {});
  const [widgets, setWidgets] = useState<WidgetId[] | null>(null);
  const [filter, setFilter] = useState<DashboardFilter | null>(null);
  const [arranging, setArranging] = useState(false);
  // The saved arrangement (and any change pulled from another device) replaces the shown one.
  useEffect(() => {
    if (!saved.data) return;
    setWidgets(saved.data.widgets);
    setFilter(saved.data.filter);
  }, [saved.data]);
  const kpiFilter = useMemo(() => (filter ? kpiFilterOf(filter, Date.now()) : null), [filter]);

  const save = (w: WidgetId[], f: DashboardFilter) => {
    setWidgets(w);
    setFilter(f);
    api.call('dashboards.saveLayout', { widgets: w, filter: f }).then(
      () => changed('dashboards'),
      (e: unknown) => notifications.show({ color: 'red', title: 'Dashboard not saved', message: errorMessage(e), autoClose: 6000 }),
    );
  };

  if (saved.error) return <ErrorState error={saved.error} onRetry={saved.refetch} />;
  if (!widgets || !filter || !kpiFilter) return <Loading label="Opening your dashboard…" />;
  const addable = WIDGETS.filter((w) => !widgets.includes(w) && role && WIDGET_INFO[w].roles.includes(role));
  const move = (i: number, by: -1 | 1) => {
    const next = [...widgets];
    const [w] = next.splice(i, 1);
    next.splice(i + by, 0, w!);
    save(next, filter);
  };

  return (
    <Stack gap="md" p="md">
      <Group justify="space-between" align="flex-end">
        <div>
          <Title order={2}>Dashboard</Title>
          <Text className="print-only" size="sm" data-testid="dashboard-print-filters">
            {printedFilters(filter, sites, groups)} · printed {new Date().toISOString().replace('T', ' ').slice(0, 16)} UTC
          </Text>
          <Text size="sm" c="dimmed">
            Figures from this device’s records (defined in docs/kpis.md); hours are wall-clock unless marked business hours. Click a count to see its tickets.
          </Text>
        </div>
        <Group gap="sm" align="flex-end">
          <Select label="Period" data={PERIODS} value={filter.period} onChange={(v) => save(widgets, { ...filter, period: (v as DashboardPeriod | null) ?? 'all' })} allowDeselect={false} w={170} data-testid="kpi-period" />
          <Select
            label="Site"
            placeholder="All sites"
            data={sites.map((s) => ({ value: s.id, label: s.name }))}
            value={filter.siteId}
            onChange={(v) => save(widgets, { ...filter, siteId: v })}
            clearable
            w={180}
            data-testid="kpi-site"
          />
          <Select
            label="Group"
            placeholder="All groups"
            data={groups.map((g) => ({ value: g.id, label: g.name }))}
            value={filter.groupId}
            onChange={(v) => save(widgets, { ...filter, groupId: v })}
            clearable
            searchable
            w={180}
            data-testid="kpi-group"
          />
          <Switch label="Arrange" checked={arranging} onChange={(e) => setArranging(e.currentTarget.checked)} data-testid="dashboard-arrange" />
          <Button variant="default" leftSection={<IconPrinter size={16} />} onClick={() => window.print()} className="screen-only" data-testid="dashboard-print">
            Print
          </Button>
        </Group>
      </Group>
      {arranging && (
        <Group gap="sm" align="flex-end">
          <Select
            label="Add a widget"
            placeholder={addable.length ? 'Choose a widget' : 'Every widget is on your dashboard'}
            data={addable.map((w) => ({ value: w, label: `${WIDGET_INFO[w].title}: ${WIDGET_INFO[w].description}` }))}
            value={null}
            onChange={(v) => v && save([...widgets, v as WidgetId], filter)}
            disabled={!addable.length}
            w={420}
            data-testid="dashboard-add"
          />
          {saved.data?.saved && (
            <Text size="xs" c="dimmed">
              Your arrangement follows you to your other devices.
            </Text>
          )}
        </Group>
      )}
      {!widgets.length ? (
        <Empty title="No widgets on your dashboard" action={<Button onClick={() => setArranging(true)}>Add a widget</Button>}>
          Turn on Arrange and add the figures you want to watch.
        </Empty>
      ) : (
        widgets.map((w, i) => (
          <Card key={w} withBorder padding="sm" data-testid={`widget-${w}`}>
            <Group justify="space-between" mb="xs">
              <Title order={4}>{WIDGET_INFO[w].title}</Title>
              {arranging && (
                <Group gap={4}>
                  <Tooltip label="Move up">
                    <ActionIcon variant="subtle" aria-label={`Move ${WIDGET_INFO[w].title} up`} disabled={i === 0} onClick={() => move(i, -1)}>
                      ↑
                    </ActionIcon>
                  </Tooltip>
                  <Tooltip label="Move down">
                    <ActionIcon variant="subtle" aria-label={`Move ${WIDGET_INFO[w].title} down`} disabled={i === widgets.length - 1} onClick={() => move(i, 1)}>
                      ↓
                    </ActionIcon>
                  </Tooltip>
                  <Tooltip label="Remove">
                    <ActionIcon variant="subtle" color="red" aria-label={`Remove ${WIDGET_INFO[w].title}`} onClick={() => save(widgets.filter((x) => x !== w), filter)}>
                      ×
                    </ActionIcon>
                  </Tooltip>
                </Group>
              )}
            </Group>
            <WidgetBody id={w} filter={kpiFilter} />
          </Card>
        ))
      )}
    </Stack>
  );
}
