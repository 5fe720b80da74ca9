/** Audits: the list of sessions and starting one (/audits), and a session (/audits/<id>). */
import { useState } from 'react';
import { Badge, Button, Card, Checkbox, Group, Stack, Table, Text, Title } from '@mantine/core';
import { IconPlayerPlay } from '@tabler/icons-react';
import { notifications } from '@mantine/notifications';
import { api, errorMessage } from '../../lib/client';
import { invalidate, useCall } from '../../lib/query';
import { navigate, useRoute } from '../../lib/router';
import { formatDateTime } from '../../lib/format';
import { Empty, ErrorState, Loading } from '../common/states';
import { LocationSelect } from '../assets/common';
import { AuditSession } from './AuditSession';
import { useAuditUi } from './store';

export function AuditsPage() {
  const { segments } = useRoute();
  const id = segments[1];
  return id ? <AuditSession key={id} id={id} /> : <AuditList />;
}

function StartAudit() {
  const [locationId, setLocationId] = useState<string | null>(null);
  const [sub, setSub] = useState(true);
  const [busy, setBusy] = useState(false);
  const start = async () => {
    if (!locationId) return;
    setBusy(true);
    try {
      const r = await api.call('audits.start', { locationId, includeSubLocations: sub });
      invalidate((n) => n.startsWith('audits.'));
      notifications.show({
        color: 'green',
        message: `Audit started: ${r.expected} asset${r.expected === 1 ? '' : 's'} expected at ${r.session.locationName}.`,
      });
      navigate(`/audits/${r.id}`);
    } catch (e) {
      notifications.show({ color: 'red', title: 'The audit could not start', message: errorMessage(e) });
    } finally {
      setBusy(false);
    }
  };
  return (
    <Card withBorder>
      <Stack gap="sm">
        <Text fw={600}>Start an audit</Text>
        <Text size="sm" c="dimmed">
          Pick the location you are standing in. Its expected assets come from the register on this computer, so the audit works without a
          network.
        </Text>
        <Group align="flex-end">
          <LocationSelect label="Location" value={locationId} onChange={setLocationId} w={360} data-testid="audit-location" />
          <Checkbox label="Include sub-locations" checked={sub} onChange={(e) => setSub(e.currentTarget.checked)} />
          <Button
            leftSection={<IconPlayerPlay size={16} />}
            disabled={!locationId}
            loading={busy}
            onClick={() => void start()}
            data-testid="audit-start"
          >
            Start audit
          </Button>
        </Group>
      </Stack>
    </Card>
  );
}

function AuditList() {
  const q = useCall('audits.list', {});
  const active = useAuditUi((s) => s.active);
  const setActive = useAuditUi((s) => s.setActive);
  return (
    <div style={{ overflow: 'auto', height: '100%' }}>
      <Stack p="md" gap="md" maw={1100}>
        <Title order={2}>Audits</Title>
        {active && (
          <Card withBorder bg="var(--mantine-color-teal-light)">
            <Group justify="space-between">
              <Text size="sm">
                Scans on any screen go to <b>{active.label}</b>.
              </Text>
              <Group gap="xs">
                <Button size="xs" onClick={() => navigate(`/audits/${active.id}`)}>
                  Back to it
                </Button>
                <Button size="xs" variant="default" onClick={() => setActive(null)}>
                  Stop sending scans there
                </Button>
              </Group>
            </Group>
          </Card>
        )}
        <StartAudit />
        {q.error && !q.data ? (
          <ErrorState error={q.error} onRetry={() => void q.refetch()} />
        ) : !q.data ? (
          <Loading label="Loading audits…" />
        ) : q.data.items.length === 0 ? (
          <Empty title="No audit yet">Start one above: pick a location, then scan what you find there.</Empty>
        ) : (
          <Table striped highlightOnHover fz="sm" data-testid="audit-list">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Location</Table.Th>
                <Table.Th>Status</Table.Th>
                <Table.Th>Started</Table.Th>
                <Table.Th>By</Table.Th>
                <Table.Th ta="right">Expected</Table.Th>
                <Table.Th ta="right">Found</Table.Th>
                <Table.Th ta="right">Missing</Table.Th>
                <Table.Th ta="right">Unexpected</Table.Th>
                <Table.Th ta="right">Unknown</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {q.data.items.map((a) => (
                <Table.Tr key={a.id} style={{ cursor: 'pointer' }} onClick={() => navigate(`/audits/${a.id}`)}>
                  <Table.Td>{a.locationPath || a.locationName}</Table.Td>
                  <Table.Td>
                    <Badge size="sm" color={a.status === 'open' ? 'teal' : 'gray'} variant="light">
                      {a.status === 'open' ? 'In progress' : 'Closed'}
                    </Badge>
                  </Table.Td>
                  <Table.Td>{formatDateTime(a.startedAt)}</Table.Td>
                  <Table.Td>{a.startedByName}</Table.Td>
                  <Table.Td ta="right">{a.counts.expected}</Table.Td>
                  <Table.Td ta="right">{a.counts.found}</Table.Td>
                  <Table.Td ta="right">{a.counts.missing}</Table.Td>
                  <Table.Td ta="right">{a.counts.unexpected}</Table.Td>
                  <Table.Td ta="right">{a.counts.unknown}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        )}
      </Stack>
    </div>
  );
}
