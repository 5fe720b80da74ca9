/** About: version, organisation, and whether the audit trail's hash chain is intact. */
import { Alert, Badge, Button, Code, Group, Paper, Stack, Table, Text, Title } from '@mantine/core';
import { useCall } from '../../lib/query';
import { formatNumber } from '../../lib/format';
import { useRole } from '../../stores/session';
import { ErrorState, Loading } from '../common/states';

function ChainStatus() {
  const q = useCall('audit.verify', {});
  if (!q.data)
    return q.error ? (
      <ErrorState error={q.error} onRetry={() => void q.refetch()} title="The audit trail could not be checked" />
    ) : (
      <Loading label="Checking the audit trail…" />
    );
  const c = q.data;
  return (
    <Paper withBorder p="md" data-testid="audit-chain">
      <Group justify="space-between" mb="xs">
        <Text fw={600}>Audit trail</Text>
        <Button size="compact-xs" variant="default" onClick={() => void q.refetch()} loading={q.loading}>
          Check again
        </Button>
      </Group>
      {c.valid ? (
        <Alert color="green" variant="light" title="Intact">
          All {formatNumber(c.count)} recorded changes check out: nothing has been edited or removed.
        </Alert>
      ) : c.firstBroken !== null ? (
        <Alert color="red" variant="light" title="Broken">
          The record was altered at event #{c.firstBroken}. Events after it cannot be trusted; keep a copy of this data file for
          investigation.
        </Alert>
      ) : (
        <Alert color="red" variant="light" title="Does not match the server">
          {c.anchor.message} Keep a copy of this data file for investigation.
        </Alert>
      )}
      {c.anchor.state !== 'none' && c.valid && (
        <Text size="xs" c="dimmed" mt="xs" data-testid="audit-chain-anchor">
          {c.anchor.message}
        </Text>
      )}
      {c.head && (
        <Text size="xs" c="dimmed" mt="xs">
          Chain head: <Code>{c.head}</Code>
        </Text>
      )}
    </Paper>
  );
}

export function AboutPage() {
  const status = useCall('setup.status', {});
  const role = useRole();
  return (
    <Stack p="md" maw={760} gap="md">
      <Title order={3}>About Outpost</Title>
      {!status.data ? (
        status.error ? (
          <ErrorState error={status.error} />
        ) : (
          <Loading />
        )
      ) : (
        <Table withTableBorder variant="vertical" data-testid="about-table">
          <Table.Tbody>
            <Table.Tr>
              <Table.Th w={200}>Version</Table.Th>
              <Table.Td>
                <Badge variant="light">{status.data.version}</Badge>
              </Table.Td>
            </Table.Tr>
            <Table.Tr>
              <Table.Th>Organisation</Table.Th>
              <Table.Td>{status.data.organisation ?? '—'}</Table.Td>
            </Table.Tr>
            <Table.Tr>
              <Table.Th>Connection</Table.Th>
              <Table.Td>{window.outpost ? 'Desktop app' : 'Browser, served by this computer'}</Table.Td>
            </Table.Tr>
          </Table.Tbody>
        </Table>
      )}
      {(role === 'admin' || role === 'auditor') && <ChainStatus />}
    </Stack>
  );
}
