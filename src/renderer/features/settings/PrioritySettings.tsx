/**
 * The impact × urgency → priority matrix, shared by the whole team through sync. Changing it re-scores
 * open tickets whose priority was not set by hand, on every device and on the server.
 */
import { useEffect, useState } from 'react';
import { Button, Group, Select, Stack, Table, Text } from '@mantine/core';
import {
  IMPACT_LABELS,
  LEVELS,
  PRIORITIES,
  PRIORITY_LABELS,
  URGENCY_LABELS,
  type Priority,
  type PriorityMatrix,
} from '../../../shared/tickets/rules';
import { useCall } from '../../lib/query';
import { ErrorState, Loading } from '../common/states';
import { act } from '../tickets/actions';

export function PrioritySettings() {
  const q = useCall('settings.get', {});
  const [m, setM] = useState<PriorityMatrix | null>(null);
  useEffect(() => {
    if (q.data) setM(q.data.priorityMatrix.map((r) => [...r]));
  }, [q.data]);
  if (!q.data || !m) return q.error ? <ErrorState error={q.error} onRetry={() => void q.refetch()} /> : <Loading />;
  const dirty = JSON.stringify(m) !== JSON.stringify(q.data.priorityMatrix);
  const set = (i: number, u: number, p: Priority) => setM(m.map((row, ri) => (ri === i ? row.map((x, ui) => (ui === u ? p : x)) : row)));
  return (
    <Stack gap="sm" maw={720}>
      <Text size="sm" c="dimmed">
        The priority a ticket gets from its impact (rows) and urgency (columns). Technicians can still override it per ticket. The matrix is
        shared with your whole team when devices sync; saving a change re-scores open tickets whose priority was not set by hand.
      </Text>
      <Table withTableBorder withColumnBorders data-testid="priority-matrix">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Impact ↓ / Urgency →</Table.Th>
            {LEVELS.map((u) => (
              <Table.Th key={u}>
                {u} · {URGENCY_LABELS[u]}
              </Table.Th>
            ))}
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {LEVELS.map((i, ri) => (
            <Table.Tr key={i}>
              <Table.Th>
                {i} · {IMPACT_LABELS[i]}
              </Table.Th>
              {LEVELS.map((u, ui) => (
                <Table.Td key={u}>
                  <Select
                    size="xs"
                    aria-label={`Priority for impact ${IMPACT_LABELS[i]} and urgency ${URGENCY_LABELS[u]}`}
                    data={PRIORITIES.map((p) => ({ value: String(p), label: PRIORITY_LABELS[p] }))}
                    value={String(m[ri]![ui])}
                    onChange={(v) => v && set(ri, ui, Number(v) as Priority)}
                    allowDeselect={false}
                  />
                </Table.Td>
              ))}
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      <Group>
        <Button disabled={!dirty} onClick={() => void act('settings.update', { priorityMatrix: m }, 'Priority matrix saved.')}>
          Save matrix
        </Button>
        <Button variant="default" disabled={!dirty} onClick={() => setM(q.data!.priorityMatrix.map((r) => [...r]))}>
          Undo changes
        </Button>
      </Group>
    </Stack>
  );
}
