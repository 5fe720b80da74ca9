/** The conflicts inbox: for each field both values, who wrote them and when; keep mine or keep theirs. */
import { useState } from 'react';
import { Badge, Button, Card, Group, Stack, Text, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import type { ConflictItem, ConflictSide } from '../../../shared/api/sync';
import { api, errorMessage } from '../../lib/client';
import { changed, useCall } from '../../lib/query';
import { navigate } from '../../lib/router';
import { Empty, ErrorState, Loading } from '../common/states';

const KIND_LABEL: Record<ConflictItem['kind'], string> = {
  field: 'Edited on two devices',
  transition: 'Status change no longer allowed',
  deleted: 'Edited after it was deleted',
};

function Side({ title, side, kept }: { title: string; side: ConflictSide; kept: boolean }) {
  return (
    <Stack gap={2} style={{ flex: 1, minWidth: 0 }}>
      <Group gap="xs">
        <Text size="sm" fw={600}>{title}</Text>
        {kept && <Badge size="xs" variant="light">kept for now</Badge>}
      </Group>
      <Text size="sm" style={{ whiteSpace: 'pre-wrap', wordBreak: 'break-word' }}>{side.value ?? '(empty)'}</Text>
      <Text size="xs" c="dimmed">
        {side.at ? new Date(side.at).toLocaleString() : 'unknown time'} · device {side.device ? side.device.slice(0, 8) : '?'}
      </Text>
    </Stack>
  );
}

/** Count for the navigation entry. */
export function ConflictsNavBadge() {
  const q = useCall('sync.status', {});
  const n = q.data?.conflicts ?? 0;
  if (!n) return null;
  return <Badge size="sm" color="orange" variant="filled" data-testid="conflicts-nav-count">{n}</Badge>;
}

/** A small badge a record page can show when the record has open conflicts. */
export function ConflictBadge({ recordId }: { recordId: string }) {
  const q = useCall('conflicts.list', { recordId });
  const n = q.data?.items.length ?? 0;
  if (!n) return null;
  return <Badge color="orange" variant="light" style={{ cursor: 'pointer' }} onClick={() => navigate('/conflicts')}>{n} conflict{n === 1 ? '' : 's'}</Badge>;
}

export function ConflictsPage() {
  const q = useCall('conflicts.list', {});
  const [busy, setBusy] = useState<string | null>(null);
  if (q.loading && !q.data) return <Loading />;
  if (q.error && !q.data) return <ErrorState error={q.error} onRetry={() => void q.refetch()} />;
  const items = q.data?.items ?? [];
  const resolve = async (c: ConflictItem, keep: 'mine' | 'theirs') => {
    setBusy(c.id + keep);
    try {
      await api.call('conflicts.resolve', { id: c.id, keep });
      notifications.show({ color: 'green', message: `Kept ${keep === 'mine' ? 'your' : 'their'} ${c.field} on ${c.recordLabel}.` });
      changed('conflicts');
      changed('tickets');
    } catch (e) {
      notifications.show({ color: 'red', message: errorMessage(e) });
    } finally {
      setBusy(null);
    }
  };
  return (
    <Stack p="md" gap="md" data-testid="conflicts-page">
      <Title order={3}>Conflicts</Title>
      {!items.length ? (
        <Empty title="No conflicts">When two devices change the same thing while apart, the losing change waits here for a decision.</Empty>
      ) : (
        items.map((c) => (
          <Card key={c.id} withBorder data-testid="conflict-item">
            <Stack gap="sm">
              <Group justify="space-between">
                <Text fw={600} style={{ cursor: c.entity === 'tickets' ? 'pointer' : undefined }} onClick={() => c.entity === 'tickets' && navigate(`/queue/${c.recordId}`)}>
                  {c.recordLabel} · {c.field}
                </Text>
                <Badge variant="light" color="orange">{KIND_LABEL[c.kind]}</Badge>
              </Group>
              <Group align="flex-start" gap="lg" wrap="nowrap">
                <Side title="Mine" side={c.mine} kept={c.current === 'mine'} />
                <Side title="Theirs" side={c.theirs} kept={c.current === 'theirs'} />
              </Group>
              <Group>
                <Button size="xs" onClick={() => void resolve(c, 'mine')} loading={busy === c.id + 'mine'} data-testid="keep-mine">Keep mine</Button>
                <Button size="xs" variant="default" onClick={() => void resolve(c, 'theirs')} loading={busy === c.id + 'theirs'} data-testid="keep-theirs">Keep theirs</Button>
              </Group>
            </Stack>
          </Card>
        ))
      )}
    </Stack>
  );
}
