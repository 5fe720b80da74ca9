/**
 * On an asset's page: the risks it is an affected asset of, its open findings, and its known
 * exploited vulnerabilities, each with the risks that cover it and "Raise a risk" (pre-filled from
 * that exposure, which the new risk links).
 */
import { useState } from 'react';
import { Anchor, Badge, Button, Card, Group, SimpleGrid, Stack, Text } from '@mantine/core';
import { IconAlertTriangle } from '@tabler/icons-react';
import { notifications } from '@mantine/notifications';
import type { KevCoverage, RiskDraft } from '../../../shared/api/risks';
import { api, errorMessage } from '../../lib/client';
import { useCall } from '../../lib/query';
import { isStaff, useRole } from '../../stores/session';
import { LevelBadge, RISK_STATUS_LABELS } from './common';
import { NewRiskModal } from './NewRiskModal';
import { SEVERITY_COLORS } from '../findings/FindingsPage';


/** The risks that cover one KEV exposure, as links to their pages. */
function CoveredBy({ risks }: { risks: KevCoverage[] }) {
  if (!risks.length) return null;
  return (
    <Text size="xs" data-testid="asset-kev-risks">
      Covered by{' '}
      {risks.map((r, i) => (
        <span key={r.riskId}>
          {i > 0 && ', '}
          <Anchor size="xs" ff="monospace" href={`#/risks/${r.riskId}`} title={r.title}>
            {r.number}
          </Anchor>
        </span>
      ))}
    </Text>
  );
}

export function AssetRisks({ assetId, assetLabel }: { assetId: string; assetLabel: string }) {
  const role = useRole();
  const staff = isStaff(role);
  const reads = role === 'admin' || role === 'technician' || role === 'auditor';
  const risks = useCall('risks.list', reads ? { assetId, limit: 100 } : null);
  const findings = useCall('findings.list', reads ? { status: 'open', link: { kind: 'asset', targetId: assetId } } : null);
  const kev = useCall('software.kevExposure', reads ? { assetId, limit: 200 } : null);
  const covered = useCall('risks.kevCoverage', reads ? { assetId } : null);
  const [draft, setDraft] = useState<(RiskDraft & { assetLabel: string }) | null>(null);
  const [drafting, setDrafting] = useState<string | null>(null);
  if (!reads) return null;
  const raise = async (cveId: string) => {
    setDrafting(cveId);
    try {
      setDraft({ ...(await api.call('risks.kevDraft', { assetId, cveId })), assetLabel });
    } catch (e) {
      notifications.show({ color: 'red', message: errorMessage(e) });
    } finally {
      setDrafting(null);
    }
  };
  const exposures = (kev.data?.items ?? []).filter((e) => !e.notAffected);
  return (
    <SimpleGrid cols={{ base: 1, md: 3 }} data-testid="asset-grc">
      <Card withBorder padding="md" data-testid="asset-risks">
        <Text fw={600} mb="xs">
          Risks
        </Text>
        {risks.error && !risks.data ? (
          <Text size="sm" c="red">
            Risks could not be read: {errorMessage(risks.error)}
          </Text>
        ) : !risks.data ? (
          <Text size="sm" c="dimmed">
            Loading…
          </Text>
        ) : risks.data.items.length === 0 ? (
          <Text size="sm" c="dimmed">
            No risk names this asset.
          </Text>
        ) : (
          <Stack gap={4}>
            {risks.data.items.map((r) => (
              <Group key={r.id} gap="xs" wrap="nowrap">
                <Anchor size="sm" ff="monospace" href={`#/risks/${r.id}`}>
                  {r.number}
                </Anchor>
                <Text size="sm" truncate style={{ flex: 1 }}>
                  {r.title}
                </Text>
                <Badge size="xs" variant="light" color={r.status === 'closed' ? 'gray' : 'blue'}>
                  {RISK_STATUS_LABELS[r.status]}
                </Badge>
                <LevelBadge level={r.current.level ?? r.inherent.level} />
              </Group>
            ))}
            {risks.data.total > risks.data.items.length && (
              <Anchor size="xs" href="#/risks">
                {risks.data.total} risks in all: see the register
              </Anchor>
            )}
          </Stack>
        )}
      </Card>
      <Card withBorder padding="md" data-testid="asset-findings">
        <Text fw={600} mb="xs">
          Open findings
        </Text>
        {!findings.data ? (
          <Text size="sm" c="dimmed">
            {findings.error ? `Findings could not be read: ${errorMessage(findings.error)}` : 'Loading…'}
          </Text>
        ) : findings.data.items.length === 0 ? (
          <Text size="sm" c="dimmed">
            No open finding names this asset.
          </Text>
        ) : (
          <Stack gap={4}>
            {findings.data.items.map((f) => (
              <Group key={f.id} gap="xs" wrap="nowrap">
                <Badge size="xs" color={SEVERITY_COLORS[f.severity]}>
                  {f.severity}
                </Badge>
                <Anchor size="sm" truncate style={{ flex: 1 }} href={`#/findings?id=${f.id}`}>
                  {f.title}
                </Anchor>
                {f.overdue && (
                  <Badge size="xs" color="red" variant="light">
                    overdue
                  </Badge>
                )}
              </Group>
            ))}
          </Stack>
        )}
      </Card>
      <Card withBorder padding="md" data-testid="asset-kev">
        <Text fw={600} mb="xs">
          Known exploited vulnerabilities
        </Text>
        {!kev.data ? (
          <Text size="sm" c="dimmed">
            {kev.error ? `Not read: ${errorMessage(kev.error)}` : 'Loading…'}
          </Text>
        ) : exposures.length === 0 ? (
          <Text size="sm" c="dimmed">
            None found in the KEV catalogue loaded on this device.
          </Text>
        ) : (
          <Stack gap={6}>
            {exposures.map((e) => (
              <Group key={e.cveId + e.software} gap="xs" wrap="nowrap" data-testid="asset-kev-row">
                <Stack gap={0} style={{ flex: 1, minWidth: 0 }}>
                  <Text size="sm" ff="monospace">
                    {e.cveId}
                    {e.knownRansomware && (
                      <Badge size="xs" color="red" ml={6}>
                        ransomware
                      </Badge>
                    )}
                  </Text>
                  <Text size="xs" c="dimmed" truncate>
                    {e.software}
                    {e.version ? ` ${e.version}` : ''} · {e.vulnerabilityName ?? `${e.vendorProject} ${e.product}`}
                  </Text>
                  <CoveredBy risks={(covered.data?.items ?? []).filter((c) => c.cveId === e.cveId)} />
                </Stack>
                {staff && (
                  <Button size="compact-xs" variant="light" leftSection={<IconAlertTriangle size={12} />} loading={drafting === e.cveId} onClick={() => void raise(e.cveId)} data-testid={`raise-risk-${e.cveId}`}>
                    Raise a risk
                  </Button>
                )}
              </Group>
            ))}
          </Stack>
        )}
      </Card>
      {draft && <NewRiskModal draft={draft} matrixId={null} onClose={() => setDraft(null)} />}
    </SimpleGrid>
  );
}
