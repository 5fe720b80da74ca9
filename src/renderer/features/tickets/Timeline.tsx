/** The ticket timeline: comments (public/internal marked), worklogs, status and field changes, newest first. */
import { Badge, Group, Paper, Stack, Text } from '@mantine/core';
import { IconArrowRight, IconClock, IconLock, IconMessage, IconPencil } from '@tabler/icons-react';
import type { TimelineEntry } from '../../../shared/api/tickets';
import { STATUS_LABELS, PENDING_REASON_LABELS, type PendingReason } from '../../../shared/tickets/rules';
import { formatAge, formatDateTime, formatMinutes } from '../../lib/format';
import { Empty } from '../common/states';
import { Markdown } from '../common/Markdown';

const FIELD_LABELS: Record<string, string> = {
  title: 'title',
  description: 'description',
  category: 'category',
  subcategory: 'subcategory',
  impact: 'impact',
  urgency: 'urgency',
  priority: 'priority',
  assigneeId: 'assignee',
  groupId: 'group',
  requesterId: 'requester',
  siteId: 'site',
  contactChannel: 'contact channel',
  linkedAssetId: 'linked asset',
};

function When({ at }: { at: string }) {
  return (
    <Text size="xs" c="dimmed" title={formatDateTime(at)}>
      {formatAge(at)}
    </Text>
  );
}

function Entry({ e }: { e: TimelineEntry }) {
  switch (e.kind) {
    case 'comment':
      return (
        <Paper
          withBorder
          p="sm"
          data-testid="timeline-comment"
          data-internal={e.internal}
          style={e.internal ? { borderColor: 'var(--mantine-color-yellow-6)', background: 'var(--mantine-color-yellow-light)' } : undefined}
        >
          <Group justify="space-between" mb={4}>
            <Group gap={6}>
              {e.internal ? <IconLock size={14} /> : <IconMessage size={14} />}
              <Text size="sm" fw={600}>
                {e.authorName}
              </Text>
              {e.internal ? (
                <Badge size="xs" color="yellow" variant="filled">
                  Internal note
                </Badge>
              ) : (
                <Badge size="xs" variant="light" color="gray">
                  Public
                </Badge>
              )}
            </Group>
            <When at={e.at} />
          </Group>
          <Markdown text={e.body} testId="comment-body" breaks />
        </Paper>
      );
    case 'worklog':
      return (
        <Group gap={6} wrap="nowrap" data-testid="timeline-worklog" align="flex-start">
          <IconClock size={14} style={{ marginTop: 3 }} />
          <Text size="sm" style={{ flex: 1 }}>
            <b>{e.authorName}</b> logged {formatMinutes(e.minutes)}
            {e.note ? `: ${e.note}` : ''}
          </Text>
          <When at={e.at} />
        </Group>
      );
    case 'status':
      return (
        <Group gap={6} wrap="nowrap" data-testid="timeline-status">
          <IconArrowRight size={14} />
          <Text size="sm" style={{ flex: 1 }}>
            <b>{e.authorName}</b>{' '}
            {e.from ? `moved it from ${STATUS_LABELS[e.from]} to ${STATUS_LABELS[e.to]}` : `opened it as ${STATUS_LABELS[e.to]}`}
            {e.reason ? ` (${PENDING_REASON_LABELS[e.reason as PendingReason] ?? e.reason})` : ''}
          </Text>
          <When at={e.at} />
        </Group>
      );
    case 'field':
      return (
        <Group gap={6} wrap="nowrap" data-testid="timeline-field">
          <IconPencil size={14} />
          <Text size="sm" c="dimmed" style={{ flex: 1 }}>
            <b>{e.authorName}</b>{' '}
            {e.field === 'tags' ? (
              // Tag history records one tag added (to) or removed (from).
              e.to !== null ? `added the tag “${e.to}”` : `removed the tag “${e.from ?? ''}”`
            ) : e.field === 'routing' || e.field === 'escalation' ? (
              // Routing and escalation lines say what happened in words ("Routed by rule “Printers”").
              <span data-testid={`timeline-${e.field}`}>{e.field === 'routing' ? '' : 'escalated: '}{e.to}</span>
            ) : (
              <>
                changed {FIELD_LABELS[e.field] ?? e.field}
                {e.from !== null ? ` from “${e.from}”` : ''} to {e.to !== null ? `“${e.to}”` : 'nothing'}
              </>
            )}
          </Text>
          <When at={e.at} />
        </Group>
      );
  }
}

export function Timeline({ entries }: { entries: TimelineEntry[] }) {
  if (!entries.length) return <Empty title="No activity yet">Comments, work and changes will appear here.</Empty>;
  const sorted = [...entries].sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : 0));
  return (
    <Stack gap="xs" data-testid="timeline">
      {sorted.map((e) => (
        <Entry key={`${e.kind}-${e.id}`} e={e} />
      ))}
    </Stack>
  );
}
