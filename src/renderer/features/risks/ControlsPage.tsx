/** Applied controls (/controls): the team's catalogue of measures that treat risks, with status, owner, due date, effort and cost. */
import { useState } from 'react';
import { Badge, Button, Card, Group, NumberInput, Select, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { IconPlus } from '@tabler/icons-react';
import { notifications } from '@mantine/notifications';
import { CONTROL_EFFORTS, CONTROL_STATUSES, type ControlStatus } from '../../../shared/grc/matrix';
import { api, errorMessage } from '../../lib/client';
import { invalidate, useCall } from '../../lib/query';
import { isStaff, useRole } from '../../stores/session';
import { Empty, ErrorState, Loading } from '../common/states';

const COLORS: Record<ControlStatus, string> = { planned: 'yellow', active: 'green', deprecated: 'gray' };

export function ControlsPage() {
  const staff = isStaff(useRole());
  const q = useCall('controls.list', {});
  const [name, setName] = useState('');
  const [effort, setEffort] = useState<string | null>(null);
  const [cost, setCost] = useState<number | string>('');
  const [due, setDue] = useState('');
  const save = async () => {
    try {
      await api.call('controls.create', { name, effort: (effort as (typeof CONTROL_EFFORTS)[number] | null) ?? null, cost: cost === '' ? null : Number(cost), dueOn: due || null });
      setName('');
      setCost('');
      setDue('');
      invalidate((n) => n.startsWith('controls.'));
    } catch (e) {
      notifications.show({ color: 'red', title: 'Not saved', message: errorMessage(e) });
    }
  };
  const setStatus = async (id: string, status: ControlStatus) => {
    try {
      await api.call('controls.update', { id, status });
      invalidate((n) => n.startsWith('controls.') || n.startsWith('risks.'));
    } catch (e) {
      notifications.show({ color: 'red', message: errorMessage(e) });
    }
  };
  if (q.error && !q.data) return <ErrorState error={q.error} onRetry={() => void q.refetch()} />;
  if (!q.data) return <Loading label="Loading controls…" />;
  return (
    <div style={{ overflow: 'auto', height: '100%' }}>
      <Stack p="md" gap="md" maw={1100}>
        <Title order={2}>Applied controls</Title>
        {staff && (
          <Card withBorder>
            <Group align="flex-end">
              <TextInput label="New control" placeholder="Offline backups of the HMI" value={name} onChange={(e) => setName(e.currentTarget.value)} w={320} data-testid="control-name" />
              <Select label="Effort" data={[...CONTROL_EFFORTS]} value={effort} onChange={setEffort} clearable w={100} />
              <NumberInput label="Cost" value={cost} onChange={setCost} min={0} w={120} />
              <TextInput label="Due" placeholder="2026-06-30" value={due} onChange={(e) => setDue(e.currentTarget.value)} w={130} />
              <Button leftSection={<IconPlus size={14} />} disabled={!name.trim()} onClick={() => void save()} data-testid="control-add">
                Add
              </Button>
            </Group>
          </Card>
        )}
        {q.data.items.length === 0 ? (
          <Empty title="No control yet">{staff ? 'Add the measures that treat your risks; each risk shows their status.' : 'Controls the team adds show here.'}</Empty>
        ) : (
          <Table striped fz="sm" data-testid="control-list">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Control</Table.Th>
                <Table.Th>Status</Table.Th>
                <Table.Th>Owner</Table.Th>
                <Table.Th>Due</Table.Th>
                <Table.Th>Effort</Table.Th>
                <Table.Th ta="right">Cost</Table.Th>
                <Table.Th ta="right">Risks</Table.Th>
                <Table.Th>Tickets</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {q.data.items.map((c) => (
                <Table.Tr key={c.id}>
                  <Table.Td>{c.name}</Table.Td>
                  <Table.Td>
                    {staff ? (
                      <Select size="xs" aria-label={`Status of ${c.name}`} data={[...CONTROL_STATUSES]} value={c.status} onChange={(v) => v && void setStatus(c.id, v as ControlStatus)} allowDeselect={false} w={130} />
                    ) : (
                      <Badge size="sm" variant="light" color={COLORS[c.status]}>
                        {c.status}
                      </Badge>
                    )}
                  </Table.Td>
                  <Table.Td>{c.ownerName ?? ''}</Table.Td>
                  <Table.Td>{c.dueOn ?? ''}</Table.Td>
                  <Table.Td>{c.effort ?? ''}</Table.Td>
                  <Table.Td ta="right">{c.cost ?? ''}</Table.Td>
                  <Table.Td ta="right">{c.risks}</Table.Td>
                  <Table.Td>
                    <Text size="xs">{c.tickets.map((t) => t.number).join(', ')}</Text>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        )}
      </Stack>
    </div>
  );
}
