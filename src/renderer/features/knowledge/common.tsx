/** Pieces the knowledge screens share: status badges, the snippet and article-list rows. */
import { Badge, Group, Text } from '@mantine/core';
import { KB_STATUS_LABELS, type KbStatus, type KbVisibility } from '../../../shared/kb/rules';
import { Snippet } from '../common/Snippet';

export const KB_STATUS_COLORS: Record<KbStatus, string> = { draft: 'gray', in_review: 'yellow', published: 'green', retired: 'dark' };

export function KbStatusBadge({ status }: { status: KbStatus }) {
  return (
    <Badge size="sm" variant="light" color={KB_STATUS_COLORS[status]} data-testid="kb-status">
      {KB_STATUS_LABELS[status]}
    </Badge>
  );
}

export function VisibilityBadge({ visibility }: { visibility: KbVisibility }) {
  return (
    <Badge size="sm" variant="outline" color={visibility === 'public' ? 'blue' : 'gray'}>
      {visibility === 'public' ? 'Public' : 'Internal'}
    </Badge>
  );
}

/** One suggested or found article: number, title, its marked snippet and how many tickets it solved. */
export function ArticleHit({ hit }: { hit: { number: string; title: string; snippet: string; solvedCount: number } }) {
  return (
    <div style={{ minWidth: 0, flex: 1 }}>
      <Group gap="xs" wrap="nowrap">
        <Text size="xs" ff="monospace" c="dimmed">
          {hit.number}
        </Text>
        <Text size="sm" fw={500} truncate>
          {hit.title}
        </Text>
        {hit.solvedCount > 0 && (
          <Text size="xs" c="dimmed" style={{ flex: 'none' }}>
            solved {hit.solvedCount}
          </Text>
        )}
      </Group>
      <Text size="xs" c="dimmed" lineClamp={2}>
        <Snippet text={hit.snippet} />
      </Text>
    </div>
  );
}
