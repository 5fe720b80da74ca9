/**
 * The conflicts inbox: for each field both values, who wrote them and when; keep mine or keep
 * theirs. An edit made after a delete can be kept (the record comes back with it) or let go. Below,
 * local changes the server did not accept, with their values and the reason, to copy or dismiss.
 */
import { useState } from 'react';
import { Badge, Button, Card, Group, Stack, Text, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import type { ConflictItem, ConflictSide, RejectedItem } from '../../../shared/api/sync';
import { api, errorMessage } from '../../lib/client';
import { changed, useCall } from '../../lib/query';
import { navigate } from '../../lib/router';
import { Empty, ErrorState, Loading } from '../common/states';

const KIND_LABEL: Record<ConflictItem['kind'], string> = {
  field: 'Edited on two devices',
  transition: 'Status change no longer allowed',
  deleted: 'Edited after it was deleted',
};

/** The edit that lost to a delete travels as JSON of its fields: show it as "field: value" lines. */
function showValue(side: ConflictSide, kind: ConflictItem['kind']): string {
  if (side.value === null) return '(empty)';
  if (kind !== 'deleted') return side.value;
  if (side.value === 'deleted') return 'Deleted';
  try {
    const fields = JSON.parse(side.value) as unknown;
    if (fields && typeof fields === 'object' && !Array.isArray(fields)) {
      const lines = Object.entries(fields as Record<string, unknown>).map(([k, v]) => `${k.replace(/_/g, ' ')}: ${v === null ? '(empty)' : String(v)}`);
      return lines.length ? lines.join('\n') : 'An edit';
    }
  } catch {
    // Not JSON: show as written.
  }
  return side.value;
}

/** Button words: for an edit made after a delete, say what each choice does to the record. */
function choiceLabel(c: ConflictItem, keep: 'mine' | 'theirs'): string {
  if (c.kind !== 'deleted') return keep === 'mine' ? 'Keep mine' : 'Keep theirs';
  const side = keep === 'mine' ? c.mine : c.theirs;
  return side.value === 'deleted' ? 'Keep it deleted' : `Bring it back with ${keep === 'mine' ? 'my' : 'their'} edit`;
}

function Side({ title, side, kept, kind }: { title: string; side: ConflictSide; kept: boolean; kind: ConflictItem['kind'] }) {
  return (
    <Stack gap={2} style={{ flex: 1, minWidth: 0 }}>
      <Group gap="xs">
        <Text size="sm" fw={600}>{title}</Text>
        {kept && <Badge size="xs" variant="light">kept for now</Badge>}
      </Group>
      <Text size="sm" style={{ whiteSpace: 'pre-wrap', wordBreak: 'break-word' }}>{showValue(side, kind)}</Text>
      <Text size="xs" c="dimmed">
        {side.at ? new Date(side.at).toLocaleString() : 'unknown time'} · device {side.device ? side.device.slice(0, 8) : '?'}
      </Text>
    </Stack>
  );
}

/** Count for the navigation entry. */
export function ConflictsNavBadge() {
  const q = useCall('sync.status', {});
  const n = (q.data?.conflicts ?? 0) + (q.data?.rejected ?? 0);
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
      notifications.show({ color: 'green', message: c.kind === 'deleted' ? `${choiceLabel(c, keep)}: ${c.recordLabel}.` : `Kept ${keep === 'mine' ? 'your' : 'their'} ${c.field} on ${c.recordLabel}.` });
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
      <RejectedSection />
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
                <Side title="Mine" side={c.mine} kept={c.current === 'mine'} kind={c.kind} />
                <Side title="Theirs" side={c.theirs} kept={c.current === 'theirs'} kind={c.kind} />
              </Group>
              <Group>
                <Button size="xs" onClick={() => void resolve(c, 'mine')} loading={busy === c.id + 'mine'} data-testid="keep-mine">{choiceLabel(c, 'mine')}</Button>
                <Button size="xs" variant="default" onClick={() => void resolve(c, 'theirs')} loading={busy === c.id + 'theirs'} data-testid="keep-theirs">{choiceLabel(c, 'theirs')}</Button>
              </Group>
            </Stack>
          </Card>
        ))
      )}
    </Stack>
  );
}

/** Plain text of a refused change, for pasting into a ticket or an e-mail before dismissing it. */
export function rejectedText(r: RejectedItem): string {
  return [
    `${r.action}: ${r.recordLabel} (${r.entity.replace(/_/g, ' ')} ${r.recordId})`,
    ...r.fields.map((f) => `  ${f.name}: ${f.value ?? '(empty)'}`),
    `Not accepted by the server: ${r.reason}`,
    `Made ${new Date(r.madeAt).toLocaleString()}, refused ${new Date(r.rejectedAt).toLocaleString()}`,
  ].join('\n');
}

/** Local changes the server refused: kept until dismissed, so work done offline never just vanishes. */
function RejectedSection() {
  const q = useCall('conflicts.rejected', {});
  const [busy, setBusy] = useState<string | null>(null);
  const items = q.data?.items ?? [];
  if (q.error && !q.data) return <ErrorState error={q.error} onRetry={() => void q.refetch()} />;
  if (!items.length) return null;
  const copy = async (r: RejectedItem) => {
    try {
      await navigator.clipboard.writeText(rejectedText(r));
      notifications.show({ color: 'green', message: 'Copied. Paste it wherever the change should go.' });
    } catch {
      notifications.show({ color: 'red', message: 'The clipboard is not available here; select the text on the card instead.' });
    }
  };
  const dismiss = async (r: RejectedItem) => {
    setBusy(r.id);
    try {
      await api.call('conflicts.dismiss', { id: r.id });
      changed('conflicts');
      changed('sync');
    } catch (e) {
      notifications.show({ color: 'red', message: errorMessage(e) });
    } finally {
      setBusy(null);
    }
  };
  return (
    <Stack gap="sm" data-testid="rejected-section">
      <Title order={4}>Not accepted by the server</Title>
      <Text size="sm" c="dimmed">
        These changes were made on this device but the server refused them, so other devices do not have them. Copy what you need, redo it where it is allowed, then dismiss.
      </Text>
      {items.map((r) => (
        <Card key={r.id} withBorder data-testid="rejected-item">
          <Stack gap="xs">
            <Group justify="space-between">
              <Text fw={600} style={{ cursor: r.entity === 'tickets' ? 'pointer' : undefined }} onClick={() => r.entity === 'tickets' && navigate(`/queue/${r.recordId}`)}>
                {r.recordLabel}
              </Text>
              <Badge variant="light" color="red">{r.action} · not accepted</Badge>
            </Group>
            {r.fields.length > 0 && (
              <Stack gap={0}>
                {r.fields.map((f) => (
                  <Text key={f.name} size="sm" style={{ whiteSpace: 'pre-wrap', wordBreak: 'break-word' }}>
                    <Text span fw={500}>{f.name.replace(/_/g, ' ')}:</Text> {f.value ?? '(empty)'}
                  </Text>
                ))}
              </Stack>
            )}
            <Text size="sm" c="red" data-testid="rejected-reason">{r.reason}</Text>
            <Text size="xs" c="dimmed">
              Made {new Date(r.madeAt).toLocaleString()} · refused {new Date(r.rejectedAt).toLocaleString()}
            </Text>
            <Group>
              <Button size="xs" variant="default" onClick={() => void copy(r)} data-testid="rejected-copy">Copy</Button>
              <Button size="xs" variant="subtle" color="gray" onClick={() => void dismiss(r)} loading={busy === r.id} data-testid="rejected-dismiss">Dismiss</Button>
            </Group>
          </Stack>
        </Card>
      ))}
    </Stack>
  );
}
