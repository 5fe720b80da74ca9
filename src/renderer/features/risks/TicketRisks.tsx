/** On a ticket: the risks it is linked to, and (staff) linking one by number or title — the same link the risk's page makes. */
import { useState } from 'react';
import { Anchor, CloseButton, Group, Select, Stack, Text } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { api, errorMessage } from '../../lib/client';
import { invalidate, useCall } from '../../lib/query';
import { isStaff, useRole } from '../../stores/session';
import { LevelBadge } from './common';

export function TicketRisks({ ticketId }: { ticketId: string }) {
  const role = useRole();
  const staff = isStaff(role);
  const reads = role === 'admin' || role === 'technician' || role === 'auditor';
  const q = useCall('risks.forTicket', reads ? { ticketId } : null);
  const [search, setSearch] = useState('');
  const found = useCall('risks.list', staff && search.trim().length >= 2 ? { q: search.trim(), limit: 20 } : null);
  if (!reads || !q.data) return null;
  const linked = q.data.items;
  const link = async (riskId: string, present: boolean) => {
    try {
      await api.call('risks.link', { id: riskId, kind: 'ticket', targetId: ticketId, present });
      invalidate((n) => n.startsWith('risks.'));
      setSearch('');
    } catch (e) {
      notifications.show({ color: 'red', title: 'Not linked', message: errorMessage(e) });
    }
  };
  if (!linked.length && !staff) return null;
  const options = (found.data?.items ?? []).filter((r) => !linked.some((l) => l.id === r.id)).map((r) => ({ value: r.id, label: `${r.number} ${r.title}` }));
  return (
    <Stack gap={2} data-testid="ticket-risks">
      <Text size="xs" fw={500}>
        Risks
      </Text>
      {linked.map((r) => (
        <Group key={r.id} gap={6} wrap="nowrap">
          <Anchor size="xs" ff="monospace" href={`#/risks/${r.id}`}>
            {r.number}
          </Anchor>
          <Text size="xs" truncate style={{ flex: 1 }}>
            {r.title}
          </Text>
          <LevelBadge level={r.current.level ?? r.inherent.level} />
          {staff && <CloseButton size="xs" aria-label={`Unlink ${r.number}`} onClick={() => void link(r.id, false)} />}
        </Group>
      ))}
      {staff && (
        <Select
          size="xs"
          aria-label="Link a risk"
          placeholder="Link a risk (number or title)"
          searchable
          searchValue={search}
          onSearchChange={setSearch}
          data={options}
          value={null}
          onChange={(v) => v && void link(v, true)}
          nothingFoundMessage={search.trim().length >= 2 ? 'No risk matches' : 'Type two letters or more'}
          filter={({ options: o }) => o}
          data-testid="ticket-risk-link"
        />
      )}
    </Stack>
  );
}
