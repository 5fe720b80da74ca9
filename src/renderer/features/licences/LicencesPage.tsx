/** Licences: compliance per product (entitled, assigned, installed, gap, cost of gap) with drill-down, and renewals in 30/60/90 days. */
import { useEffect, useState } from 'react';
import { Anchor, Badge, Button, Card, Drawer, Group, SegmentedControl, Stack, Table, Tabs, Text, TextInput, Title } from '@mantine/core';
import { IconFileImport } from '@tabler/icons-react';
import { LICENCE_TYPE_LABELS, type ComplianceRow } from '../../../shared/api/licences';
import { useCall } from '../../lib/query';
import { navigate, useRoute } from '../../lib/router';
import { formatNumber } from '../../lib/format';
import { Empty, ErrorState, Loading } from '../common/states';
import { PersonSelect, assetHref, formatDay, formatMoney, runAction, today, useCanEditAssets } from '../assets/common';
import { api } from '../../lib/client';

const STATUS_COLOR: Record<ComplianceRow['status'], string> = { compliant: 'green', under: 'red', over: 'yellow', unlimited: 'blue', expired: 'gray', not_started: 'gray' };
const STATUS_TEXT: Record<ComplianceRow['status'], string> = {
  compliant: 'Compliant',
  under: 'Under-licensed',
  over: 'Over-licensed',
  unlimited: 'Unlimited',
  expired: 'Expired',
  not_started: 'Not started',
};

/** Whether an entitlement covers today: in force, ended, or not yet begun. */
function termOf(e: { startDate: string | null; endDate: string | null }): 'in_force' | 'ended' | 'not_started' {
  const d = today();
  if (e.endDate && e.endDate < d) return 'ended';
  if (e.startDate && e.startDate > d) return 'not_started';
  return 'in_force';
}

export function LicencesPage() {
  const { params } = useRoute();
  const [tab, setTab] = useState<string | null>(params.get('entitlement') ? 'renewals' : 'compliance');
  const canEdit = useCanEditAssets();
  return (
    <div style={{ overflow: 'auto', height: '100%' }}>
      <Stack p="md" gap="md" maw={1280}>
        <Group justify="space-between">
          <Title order={2}>Licences</Title>
          {canEdit && (
            <Button variant="default" size="xs" leftSection={<IconFileImport size={14} />} onClick={() => navigate('/assets/import')}>
              Import Snipe-IT licences
            </Button>
          )}
        </Group>
        <Tabs value={tab} onChange={setTab}>
          <Tabs.List>
            <Tabs.Tab value="compliance">Compliance</Tabs.Tab>
            <Tabs.Tab value="renewals">Renewals</Tabs.Tab>
          </Tabs.List>
          <Tabs.Panel value="compliance" pt="md">
            <Compliance initialProduct={params.get('product')} />
          </Tabs.Panel>
          <Tabs.Panel value="renewals" pt="md">
            <Renewals highlight={params.get('entitlement')} />
          </Tabs.Panel>
        </Tabs>
      </Stack>
    </div>
  );
}

function Compliance({ initialProduct }: { initialProduct: string | null }) {
  const q = useCall('licences.compliance', {});
  // Keep the id only: the drawer then shows the row as refreshed after every seat change.
  const [productId, setProductId] = useState<string | null>(null);
  const product = q.data?.items.find((r) => r.productId === productId) ?? null;
  // Arriving from an asset's licence link (?product=Name) opens that product's drill-down.
  useEffect(() => {
    if (!initialProduct || !q.data) return;
    const hit = q.data.items.find((r) => r.productName === initialProduct);
    if (hit) setProductId(hit.productId);
  }, [initialProduct, q.data]);
  if (q.error && !q.data) return <ErrorState error={q.error} onRetry={() => void q.refetch()} />;
  if (!q.data) return <Loading label="Working out compliance…" />;
  if (q.data.items.length === 0)
    return <Empty title="No software products yet">Import Snipe-IT licences or add entitlements to see compliance.</Empty>;
  const t = q.data.totals;
  return (
    <Stack gap="sm">
      <Group gap="xs">
        <Badge color="red" variant="light" size="lg">
          {t.under} under-licensed
        </Badge>
        <Badge color="yellow" variant="light" size="lg">
          {t.over} over-licensed
        </Badge>
        {t.expired > 0 && (
          <Badge color="gray" variant="light" size="lg">
            {t.expired} expired
          </Badge>
        )}
        <Badge color="gray" variant="light" size="lg">
          Cost of the gap {formatMoney(t.gapCost)}
        </Badge>
      </Group>
      <Table striped highlightOnHover fz="sm" data-testid="compliance-table">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Product</Table.Th>
            <Table.Th>Vendor</Table.Th>
            <Table.Th ta="right" title="Seats of the licences in force today">
              Seats in force
            </Table.Th>
            <Table.Th ta="right">Assigned</Table.Th>
            <Table.Th ta="right">Installed</Table.Th>
            <Table.Th ta="right">Gap</Table.Th>
            <Table.Th ta="right">Cost of gap</Table.Th>
            <Table.Th w={140}>Status</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {q.data.items.map((r) => (
            <Table.Tr key={r.productId} style={{ cursor: 'pointer' }} onClick={() => setProductId(r.productId)}>
              <Table.Td
                fw={600}
                maw={420}
                style={{ overflow: 'hidden', textOverflow: 'ellipsis', whiteSpace: 'nowrap' }}
                title={r.productName}
              >
                {r.productName}
              </Table.Td>
              <Table.Td>{r.vendor ?? '—'}</Table.Td>
              <Table.Td ta="right">
                {r.entitled === null ? '∞' : formatNumber(r.entitled)}
                {r.entitlements > r.inForce && (
                  <Text span size="xs" c="dimmed" display="block" data-testid="seats-not-in-force">
                    {r.expiredSeats === null ? 'unlimited expired' : r.expiredSeats ? `${formatNumber(r.expiredSeats)} expired` : 'not started'}
                  </Text>
                )}
              </Table.Td>
              <Table.Td ta="right">{formatNumber(r.assigned)}</Table.Td>
              <Table.Td ta="right">{formatNumber(r.installed)}</Table.Td>
              <Table.Td ta="right" c={r.gap !== null && r.gap < 0 ? 'red' : undefined} fw={r.gap !== null && r.gap < 0 ? 700 : undefined}>
                {r.gap === null ? '—' : r.gap > 0 ? `+${formatNumber(r.gap)}` : formatNumber(r.gap)}
              </Table.Td>
              <Table.Td ta="right">{formatMoney(r.gapCost)}</Table.Td>
              <Table.Td>
                <Badge size="sm" color={STATUS_COLOR[r.status]} variant="light">
                  {STATUS_TEXT[r.status]}
                </Badge>
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      <Drawer
        opened={product !== null}
        onClose={() => {
          setProductId(null);
          if (initialProduct) navigate('/licences', { replace: true });
        }}
        position="right"
        size="xl"
        title={product?.productName}
      >
        {product && <ProductDrill row={product} />}
      </Drawer>
    </Stack>
  );
}

function ProductDrill({ row }: { row: ComplianceRow }) {
  const ents = useCall('licences.list', { productId: row.productId });
  const [open, setOpen] = useState<string | null>(null);
  return (
    <Stack gap="sm">
      <Text size="sm">
        {row.entitled === null ? 'Unlimited seats' : `${formatNumber(row.entitled)} seats in force`} · {formatNumber(row.assigned)} assigned
        · {formatNumber(row.installed)} installed.{' '}
        {row.status === 'under' && `Buying the ${formatNumber(-(row.gap ?? 0))} missing seats costs about ${formatMoney(row.gapCost)}.`}
        {row.status === 'over' && `${formatNumber(row.gap ?? 0)} seats are unused (${formatMoney(row.gapCost)}).`}
        {row.status === 'expired' && 'Every licence for this product has ended: nothing covers an install today.'}
        {row.status === 'not_started' && 'No licence for this product has started yet.'}
      </Text>
      {ents.error && !ents.data ? (
        <ErrorState error={ents.error} onRetry={() => void ents.refetch()} />
      ) : !ents.data ? (
        <Loading />
      ) : ents.data.items.length === 0 ? (
        <Empty title="No entitlement for this product">Installed copies without any licence are all exposure.</Empty>
      ) : (
        ents.data.items.map((e) => (
          <Card withBorder key={e.id} padding="sm">
            <Group justify="space-between" wrap="nowrap">
              <Stack gap={0}>
                <Group gap="xs">
                  <Text fw={600} size="sm">
                    {LICENCE_TYPE_LABELS[e.type]} · {e.seats === null ? 'unlimited' : `${e.seats} seats`} · {e.assigned} assigned
                  </Text>
                  {termOf(e) === 'ended' && (
                    <Badge size="xs" color="gray" variant="light">
                      expired
                    </Badge>
                  )}
                  {termOf(e) === 'not_started' && (
                    <Badge size="xs" color="gray" variant="light">
                      not started
                    </Badge>
                  )}
                </Group>
                <Text size="xs" c="dimmed">
                  {formatDay(e.startDate)} – {formatDay(e.endDate)} · {formatMoney(e.cost)} {e.supplier ? `· ${e.supplier}` : ''}{' '}
                  {e.orderNumber ? `· order ${e.orderNumber}` : ''}
                </Text>
              </Stack>
              <Button size="compact-xs" variant="subtle" onClick={() => setOpen(open === e.id ? null : e.id)}>
                {open === e.id ? 'Hide seats' : 'Seats'}
              </Button>
            </Group>
            {open === e.id && <Seats entitlementId={e.id} />}
          </Card>
        ))
      )}
    </Stack>
  );
}

function Seats({ entitlementId }: { entitlementId: string }) {
  const q = useCall('licences.get', { id: entitlementId });
  const canEdit = useCanEditAssets();
  if (q.error && !q.data) return <ErrorState error={q.error} />;
  if (!q.data) return <Loading />;
  return (
    <Stack gap={4} mt="xs">
      {q.data.assignments.length === 0 ? (
        <Text size="sm" c="dimmed">
          No seat assigned.
        </Text>
      ) : (
        <Table fz="xs">
          <Table.Tbody>
            {q.data.assignments.map((a) => (
              <Table.Tr key={a.id}>
                <Table.Td>{a.assetTag ? <Anchor href={assetHref(a.assetTag)}>{a.assetTag}</Anchor> : (a.userName ?? '—')}</Table.Td>
                <Table.Td>{formatDay(a.assignedAt.slice(0, 10))}</Table.Td>
                {canEdit && (
                  <Table.Td ta="right">
                    <Button
                      size="compact-xs"
                      variant="subtle"
                      color="red"
                      onClick={() => void runAction(() => api.call('licences.unassign', { assignmentId: a.id }), 'Seat freed.')}
                    >
                      Free seat
                    </Button>
                  </Table.Td>
                )}
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      {canEdit && <AssignSeat entitlementId={entitlementId} />}
    </Stack>
  );
}

/** Assign a seat to an asset (by tag, so a scanned label works) or to a person. */
function AssignSeat({ entitlementId }: { entitlementId: string }) {
  const [tag, setTag] = useState('');
  const [person, setPerson] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const assign = async () => {
    setBusy(true);
    await runAction(async () => {
      if (person) return api.call('licences.assign', { entitlementId, userId: person });
      const asset = await api.call('assets.get', { tag: tag.trim() });
      return api.call('licences.assign', { entitlementId, assetId: asset.id });
    }, 'Seat assigned.');
    setBusy(false);
    setTag('');
    setPerson(null);
  };
  return (
    <Group gap="xs" wrap="nowrap">
      <TextInput
        size="xs"
        placeholder="Asset tag"
        value={tag}
        onChange={(e) => setTag(e.currentTarget.value)}
        disabled={person !== null}
        aria-label="Asset tag for the seat"
      />
      <Text size="xs" c="dimmed">
        or
      </Text>
      <PersonSelect size="xs" value={person} onChange={setPerson} disabled={tag.trim() !== ''} aria-label="Person for the seat" />
      <Button size="xs" variant="light" loading={busy} disabled={!tag.trim() && !person} onClick={() => void assign()}>
        Assign seat
      </Button>
    </Group>
  );
}

function Renewals({ highlight }: { highlight: string | null }) {
  const [days, setDays] = useState<30 | 60 | 90>(90);
  const q = useCall('licences.renewals', { days });
  return (
    <Stack gap="sm">
      <SegmentedControl
        w={300}
        value={String(days)}
        onChange={(v) => setDays(Number(v) as 30 | 60 | 90)}
        data={[
          { value: '30', label: '30 days' },
          { value: '60', label: '60 days' },
          { value: '90', label: '90 days' },
        ]}
      />
      {q.error && !q.data ? (
        <ErrorState error={q.error} onRetry={() => void q.refetch()} />
      ) : !q.data ? (
        <Loading />
      ) : q.data.items.length === 0 ? (
        <Empty title={`Nothing to renew in the next ${days} days`} />
      ) : (
        <Table striped fz="sm" data-testid="renewals-table">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Ends</Table.Th>
              <Table.Th>In</Table.Th>
              <Table.Th>Product</Table.Th>
              <Table.Th>Type</Table.Th>
              <Table.Th ta="right">Seats</Table.Th>
              <Table.Th ta="right">Cost</Table.Th>
              <Table.Th>Supplier</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {q.data.items.map((r) => (
              <Table.Tr key={r.entitlementId} bg={r.entitlementId === highlight ? 'var(--mantine-primary-color-light)' : undefined}>
                <Table.Td>{formatDay(r.endDate)}</Table.Td>
                <Table.Td>
                  <Badge size="sm" color={r.bucket === 30 ? 'red' : r.bucket === 60 ? 'orange' : 'yellow'} variant="light">
                    {r.daysLeft} days
                  </Badge>
                </Table.Td>
                <Table.Td>{r.productName}</Table.Td>
                <Table.Td>{LICENCE_TYPE_LABELS[r.type]}</Table.Td>
                <Table.Td ta="right">{r.seats ?? '∞'}</Table.Td>
                <Table.Td ta="right">{formatMoney(r.cost)}</Table.Td>
                <Table.Td>{r.supplier ?? '—'}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </Stack>
  );
}
