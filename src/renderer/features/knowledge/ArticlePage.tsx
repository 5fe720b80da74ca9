/** One knowledge article: its text rendered, its status moves for the reader's role, and the history of what was published. */
import { useState } from 'react';
import { Accordion, Anchor, Badge, Button, Group, Stack, Text, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconArrowLeft, IconPencil } from '@tabler/icons-react';
import { KB_STATUS_LABELS, kbMoveRefusal, type KbStatus } from '../../../shared/kb/rules';
import { api, errorMessage } from '../../lib/client';
import { invalidateDomain, useCall } from '../../lib/query';
import { navigate } from '../../lib/router';
import { useKeys } from '../../lib/keys';
import { formatDateTime } from '../../lib/format';
import { isStaff, useRole } from '../../stores/session';
import { ErrorState, Loading } from '../common/states';
import { Markdown } from '../common/Markdown';
import { KbStatusBadge, VisibilityBadge } from './common';
import { blobImage } from './BlobImage';

/** What each move is called on its button, in the order they are offered. */
const MOVE_LABELS: [KbStatus, string][] = [
  ['in_review', 'Send for review'],
  ['published', 'Publish'],
  ['draft', 'Back to draft'],
  ['retired', 'Retire'],
];

export function ArticlePage({ id }: { id: string }) {
  const role = useRole();
  const staff = isStaff(role);
  const a = useCall('kb.get', { id });
  const [busy, setBusy] = useState<KbStatus | null>(null);
  useKeys({
    e: () => staff && navigate(`/knowledge/${id}/edit`),
    Escape: () => navigate('/knowledge'),
  });
  if (a.error && !a.data) return <ErrorState error={a.error} onRetry={() => void a.refetch()} />;
  if (!a.data) return <Loading label="Loading the article…" />;
  const art = a.data;
  const moves = staff ? MOVE_LABELS.filter(([to]) => to !== art.status && kbMoveRefusal(role!, art.status, to) === null) : [];
  const move = async (to: KbStatus) => {
    setBusy(to);
    try {
      await api.call('kb.move', { id, to });
      invalidateDomain('kb');
      notifications.show({ message: `${art.number} is now ${KB_STATUS_LABELS[to].toLowerCase()}.` });
    } catch (e) {
      notifications.show({ color: 'red', title: 'Not changed', message: errorMessage(e) });
    } finally {
      setBusy(null);
    }
  };
  return (
    <Stack p="md" gap="sm" h="100%" style={{ overflow: 'auto' }} data-testid="kb-article">
      <Group justify="space-between" align="flex-start">
        <div>
          <Anchor size="sm" href="#/knowledge" onClick={(e) => (e.preventDefault(), navigate('/knowledge'))}>
            <Group gap={4}>
              <IconArrowLeft size={14} /> Knowledge
            </Group>
          </Anchor>
          <Title order={2} data-testid="kb-title">
            {art.title}
          </Title>
          <Group gap="xs" mt={4}>
            <Text size="sm" ff="monospace" c="dimmed" data-testid="kb-number">
              {art.number}
            </Text>
            <KbStatusBadge status={art.status} />
            <VisibilityBadge visibility={art.visibility} />
            {art.category && (
              <Badge size="sm" variant="default">
                {art.category}
              </Badge>
            )}
            {art.tags.map((t) => (
              <Badge key={t} size="sm" variant="dot">
                {t}
              </Badge>
            ))}
            {art.version > 0 && (
              <Text size="xs" c="dimmed">
                Version {art.version}
                {art.publishedAt ? `, published ${formatDateTime(art.publishedAt)}` : ''}
              </Text>
            )}
            <Text size="xs" c="dimmed" data-testid="kb-solved-count">
              Solved {art.solvedCount} ticket{art.solvedCount === 1 ? '' : 's'}
            </Text>
          </Group>
        </div>
        {staff && (
          <Group gap="xs">
            <Button size="xs" variant="default" leftSection={<IconPencil size={14} />} onClick={() => navigate(`/knowledge/${id}/edit`)} data-testid="kb-edit">
              Edit
            </Button>
            {moves.map(([to, label]) => (
              <Button key={to} size="xs" variant={to === 'published' ? 'filled' : 'light'} loading={busy === to} onClick={() => void move(to)} data-testid={`kb-move-${to}`}>
                {label}
              </Button>
            ))}
          </Group>
        )}
      </Group>
      {staff && art.status === 'in_review' && role !== 'admin' && (
        <Text size="sm" c="dimmed">
          Waiting for an administrator to publish it.
        </Text>
      )}
      <div style={{ maxWidth: 860 }}>
        {art.body.trim() ? <Markdown text={art.body} testId="kb-body" image={blobImage} /> : <Text c="dimmed">This article has no text yet.</Text>}
      </div>
      {art.revisions.length > 0 && (
        <Stack gap={4} maw={860}>
          <Title order={4}>Published versions</Title>
          <Accordion variant="contained" data-testid="kb-revisions">
            {art.revisions.map((r) => (
              <Accordion.Item key={r.id} value={r.id}>
                <Accordion.Control>
                  Version {r.version}: {r.title}{' '}
                  <Text span size="xs" c="dimmed">
                    {formatDateTime(r.at)} by {r.actorName ?? 'someone'}
                  </Text>
                </Accordion.Control>
                <Accordion.Panel>
                  <Markdown text={r.body} image={blobImage} />
                </Accordion.Panel>
              </Accordion.Item>
            ))}
          </Accordion>
        </Stack>
      )}
    </Stack>
  );
}
