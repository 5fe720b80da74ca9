/** On a ticket: the findings it is the follow-up of (the ticket's side of the finding's link). */
import { Badge, Stack, Text } from '@mantine/core';
import { useCall } from '../../lib/query';
import { useSession } from '../../stores/session';

export function TicketFindings({ ticketId }: { ticketId: string }) {
  const role = useSession((s) => s.user?.role ?? null);
  const q = useCall('findings.forTicket', role && role !== 'requester' ? { ticketId } : null);
  if (!q.data?.items.length) return null;
  return (
    <Stack gap={2} data-testid="ticket-findings">
      <Text size="xs" fw={500}>
        Follows up finding
      </Text>
      {q.data.items.map((f) => (
        <Text key={f.id} size="xs">
          <Badge size="xs" mr={4}>
            {f.severity}
          </Badge>
          {f.title} · {f.status.replace('_', ' ')}
        </Text>
      ))}
    </Stack>
  );
}
