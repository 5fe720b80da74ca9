/**
 * Dashboard widgets over the registers (docs/kpis.md, "Assets", "Risks", "Compliance"): every count
 * opens the list of exactly the records it counts (the asset list's filters, the risk list's "review
 * overdue" and acceptance filters, the assessment a score is read from).
 */
import { Anchor, Card, Group, Progress, SimpleGrid, Stack, Table, Text, UnstyledButton } from '@mantine/core';
import type { KpiFilter } from '../../../shared/api/kpis';
import type { AssetFilter } from '../../../shared/api/assets';
import { useCall } from '../../lib/query';
import { navigate } from '../../lib/router';
import { formatNumber } from '../../lib/format';
import { ErrorState, Loading } from '../common/states';
import { useAssetList } from '../assets/store';

/** Opens the asset list with exactly this filter (and the dashboard's site). */
export function openAssets(filter: AssetFilter, siteId?: string) {
  const list = useAssetList.getState();
  list.clearFilter();
  list.setFilter({ ...filter, ...(siteId ? { siteId: [siteId] } : {}) });
  navigate('/assets');
}

function Tile({ label, value, hint, onOpen, title, testId }: { label: string; value: number; hint?: string; onOpen?: () => void; title?: string; testId: string }) {
  const body = (
    <Card withBorder padding="sm" radius="md" h="100%">
      <Text size="xs" c="dimmed" tt="uppercase" fw={600}>
        {label}
      </Text>
      <Text size="xl" fw={700} data-testid={`${testId}-value`}>
        {formatNumber(value)}
      </Text>
      {hint && (
        <Text size="xs" c="dimmed">
          {hint}
        </Text>
      )}
    </Card>
  );
  if (!onOpen || !value) return <div data-testid={testId}>{body}</div>;
  return (
    <UnstyledButton onClick={onOpen} title={title} data-testid={testId} style={{ display: 'block', height: '100%' }}>
      {body}
    </UnstyledButton>
  );
}

export function AssetsWidget({ filter }: { filter: KpiFilter }) {
  const site = filter.siteId;
  const r = useCall('kpis.assets', site ? { siteId: site } : {});
  if (r.error) return <ErrorState error={r.error} onRetry={r.refetch} />;
  if (!r.data) return <Loading label="Counting the assets…" />;
  const k = r.data;
  if (!k.total)
    return (
      <Text size="sm" c="dimmed">
        No assets on this device{site ? ' for this site' : ''} yet. Add or import assets from Assets.
      </Text>
    );
  return (
    <Stack gap="sm">
      <SimpleGrid cols={{ base: 2, sm: 3 }} spacing="sm">
        <Tile label="Assets" value={k.total} onOpen={() => openAssets({}, site)} title="Show these assets" testId="kpi-assets-total" />
        <Tile label="Warranty ended or ends within 90 days" value={k.warrantyEnding} hint={`before ${k.warrantyHorizon}`} onOpen={() => openAssets({ warrantyBefore: k.warrantyHorizon }, site)} title="Show these assets" testId="kpi-assets-warranty" />
        <Tile label="Products under-licensed" value={k.licenceShortfalls} hint={`${formatNumber(k.missingSeats)} seats missing (all sites)`} onOpen={() => navigate('/licences')} title="Show licence compliance" testId="kpi-licence-short" />
        <Tile label="Assets on end-of-life software" value={k.eolAssets} hint="all sites" onOpen={() => navigate('/software')} title="Show the exposure" testId="kpi-eol" />
        <Tile label="Assets exposed to known exploited CVEs" value={k.kevAssets} hint="all sites; not marked unaffected" onOpen={() => navigate('/software')} title="Show the exposure" testId="kpi-kev" />
      </SimpleGrid>
      <Table striped withTableBorder fz="sm" data-testid="kpi-assets-status">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Status</Table.Th>
            <Table.Th ta="right">Assets</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {k.byStatus.map((s) => (
            <Table.Tr key={s.key}>
              <Table.Td>{s.label}</Table.Td>
              <Table.Td ta="right">
                {s.count ? (
                  <Anchor component="button" type="button" onClick={() => openAssets({ status: [s.key] }, site)} title="Show these assets">
                    {formatNumber(s.count)}
                  </Anchor>
                ) : (
                  '0'
                )}
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Stack>
  );
}

export function RiskReviewsWidget({ filter }: { filter: KpiFilter }) {
  const site = filter.siteId;
  const r = useCall('kpis.risks', site ? { siteId: site } : {});
  if (r.error) return <ErrorState error={r.error} onRetry={r.refetch} />;
  if (!r.data) return <Loading label="Counting the risks…" />;
  const k = r.data;
  if (!k.open)
    return (
      <Text size="sm" c="dimmed">
        No open risk in the register{site ? ' for this site' : ''}.
      </Text>
    );
  const risks = (q: string) => () => navigate(`/risks?${q}`);
  return (
    <SimpleGrid cols={{ base: 2, sm: 4 }} spacing="sm">
      <Tile label="Open risks" value={k.open} onOpen={risks('')} title="Show the register" testId="kpi-risks-open" />
      <Tile label="Reviews overdue" value={k.reviewsOverdue} onOpen={risks('overdue=1')} title="Show these risks" testId="kpi-risks-overdue" />
      <Tile label="Acceptances expiring in 30 days" value={k.acceptancesExpiring} hint={`before ${k.acceptanceHorizon}`} onOpen={risks(`accFrom=${k.today}&accBefore=${k.acceptanceHorizon}`)} title="Show these risks" testId="kpi-acceptances-expiring" />
      <Tile label="Acceptances expired" value={k.acceptancesExpired} onOpen={risks(`accBefore=${k.today}`)} title="Show these risks" testId="kpi-acceptances-expired" />
    </SimpleGrid>
  );
}

export function ComplianceWidget({ filter }: { filter: KpiFilter }) {
  const site = filter.siteId;
  const r = useCall('kpis.compliance', site ? { siteId: site } : {});
  if (r.error) return <ErrorState error={r.error} onRetry={r.refetch} />;
  if (!r.data) return <Loading label="Scoring the assessments…" />;
  if (!r.data.items.length)
    return (
      <Text size="sm" c="dimmed">
        No assessment yet{site ? ' for this site' : ''}. Start one from Assessments after importing a framework.
      </Text>
    );
  return (
    <Stack gap="md">
      {r.data.items.map((f) => (
        <div key={f.frameworkId} data-testid="kpi-compliance-framework">
          <Group justify="space-between" gap="xs">
            <Anchor component="button" type="button" fw={600} onClick={() => navigate(`/assessments/${f.assessmentId}`)} title="Open the assessment">
              {f.framework}
            </Anchor>
            <Text size="sm" fw={700} data-testid="kpi-compliance-score">
              {f.scorePercent === null ? 'not assessed yet' : `${f.scorePercent} %`}
            </Text>
          </Group>
          <Text size="xs" c="dimmed">
            From “{f.assessment}”. Score: compliant, plus half of partially compliant, over every assessed requirement (not applicable left out).
          </Text>
          <Table fz="sm" mt={4} data-testid="kpi-compliance-functions">
            <Table.Tbody>
              {f.functions.map((fn) => (
                <Table.Tr key={fn.ref ?? fn.name}>
                  <Table.Td w="40%">
                    {fn.ref} {fn.name}
                  </Table.Td>
                  <Table.Td>
                    <Progress value={fn.scorePercent ?? 0} aria-label={`${fn.ref ?? ''} ${fn.name ?? ''} score`} color={fn.scorePercent === null ? 'gray' : fn.scorePercent >= 80 ? 'teal' : fn.scorePercent >= 50 ? 'yellow' : 'red'} />
                  </Table.Td>
                  <Table.Td ta="right" w={90}>
                    {fn.scorePercent === null ? '—' : `${fn.scorePercent} %`}
                  </Table.Td>
                  <Table.Td ta="right" w={140} style={{ whiteSpace: 'nowrap' }}>
                    <Text size="xs" c="dimmed">
                      {fn.assessable - fn.notAssessed} of {fn.assessable} assessed
                    </Text>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </div>
      ))}
    </Stack>
  );
}
