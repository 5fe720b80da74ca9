/** Requesters' self-service: their own requests (the server only returns theirs), create, and the detail. */
import { Button, Group, Stack, Text, Title } from '@mantine/core';
import { IconPlus } from '@tabler/icons-react';
import { navigate, useRoute } from '../../lib/router';
import { useKeys } from '../../lib/keys';
import { useQueue } from '../../stores/queue';
import { Empty, ErrorState, Loading } from '../common/states';
import { TicketList } from './TicketList';
import { usePagedTickets } from './usePagedTickets';
import { TicketDetail } from './TicketDetail';

const NO_FILTER = {};

export function MyRequestsPage() {
  const route = useRoute();
  const setCreateOpen = useQueue((s) => s.setCreateOpen);
  const paged = usePagedTickets('all', NO_FILTER, 'newest');
  const openNumber = route.segments[1] ?? null;
  const openRow = openNumber ? paged.rows.find((r) => r.number === openNumber) : undefined;
  useKeys({ c: () => setCreateOpen(true), Escape: () => openNumber && navigate('/requests') });

  let body;
  if (paged.error && !paged.rows.length) body = <ErrorState error={paged.error} onRetry={paged.reload} />;
  else if (paged.loading && !paged.rows.length) body = <Loading />;
  else if (!paged.rows.length)
    body = (
      <Empty
        title="You have no requests yet"
        action={
          <Button size="xs" leftSection={<IconPlus size={14} />} onClick={() => setCreateOpen(true)}>
            Ask for help
          </Button>
        }
      >
        Report a problem or ask for something; you can follow it here.
      </Empty>
    );
  else
    body = (
      <TicketList
        paged={paged}
        cursorId={openRow?.id ?? null}
        openId={openRow?.id ?? null}
        onCursor={(r) => navigate(`/requests/${r.number}`)}
        onOpen={(r) => navigate(`/requests/${r.number}`)}
        compact
      />
    );

  return (
    <Group gap={0} wrap="nowrap" align="stretch" style={{ flex: 1, minHeight: 0 }}>
      <Stack
        gap={0}
        style={{ flex: openNumber ? '0 0 45%' : 1, minWidth: 0, borderRight: '1px solid var(--mantine-color-default-border)' }}
      >
        <Group justify="space-between" p="sm">
          <div>
            <Title order={4}>My requests</Title>
            <Text size="xs" c="dimmed">
              Everything you have reported or asked for.
            </Text>
          </div>
          <Button size="xs" leftSection={<IconPlus size={14} />} onClick={() => setCreateOpen(true)} data-testid="new-ticket">
            New request
          </Button>
        </Group>
        {body}
      </Stack>
      {openNumber && (
        <div style={{ flex: 1, minWidth: 0, overflow: 'auto' }} data-testid="detail-pane">
          <TicketDetail number={openNumber} onClose={() => navigate('/requests')} />
        </div>
      )}
    </Group>
  );
}
