/** The change calendar (/changes/calendar): the windows of a week or a month, day by day, with collisions (same site or asset, overlapping windows) flagged. */
import { useMemo, useState } from 'react';
import { Anchor, Badge, Button, Group, SegmentedControl, Stack, Text, Title } from '@mantine/core';
import { CHANGE_STATUS_LABELS, CHANGE_TYPE_LABELS } from '../../../shared/itsm/rules';
import type { ChangeSummary } from '../../../shared/api/changes';
import { useCall } from '../../lib/query';
import { navigate } from '../../lib/router';
import { useKeys } from '../../lib/keys';
import { Empty, ErrorState, Loading } from '../common/states';
import { CHANGE_STATUS_COLORS, CollisionBadge } from './common';

type Span = 'week' | 'month';

/** Midnight (local) of the first day of the week (Monday) or month holding `d`. */
function startOf(d: Date, span: Span): Date {
  const x = new Date(d.getFullYear(), d.getMonth(), span === 'month' ? 1 : d.getDate());
  if (span === 'week') x.setDate(x.getDate() - ((x.getDay() + 6) % 7));
  return x;
}

function shift(d: Date, span: Span, n: number): Date {
  const x = new Date(d);
  if (span === 'month') x.setMonth(x.getMonth() + n);
  else x.setDate(x.getDate() + 7 * n);
  return x;
}

const dayKey = (d: Date) => `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
const time = (iso: string) => new Date(iso).toLocaleString(undefined, { weekday: 'short', day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' });

export function ChangeCalendar() {
  const [span, setSpan] = useState<Span>('week');
  const [from, setFrom] = useState(() => startOf(new Date(), 'week'));
  const to = useMemo(() => shift(from, span, 1), [from, span]);
  const q = useCall('changes.calendar', { from: from.toISOString(), to: to.toISOString() });
  useKeys({ ArrowLeft: () => setFrom((f) => shift(f, span, -1)), ArrowRight: () => setFrom((f) => shift(f, span, 1)), t: () => setFrom(startOf(new Date(), span)) });
  // Each change listed on every day its window touches within the range.
  const days = useMemo(() => {
    const out: { day: Date; items: ChangeSummary[] }[] = [];
    for (let d = new Date(from); d < to; d.setDate(d.getDate() + 1)) {
      const next = new Date(d);
      next.setDate(next.getDate() + 1);
      const items = (q.data?.items ?? []).filter((c) => new Date(c.windowStart!) < next && new Date(c.windowEnd!) > d);
      if (items.length) out.push({ day: new Date(d), items });
    }
    return out;
  }, [q.data, from, to]);
  const collisions = (q.data?.items ?? []).filter((c) => c.collisions.length).length;
  return (
    <Stack p="md" gap="md" h="100%" style={{ overflow: 'auto' }}>
      <Group justify="space-between">
        <Group gap="md">
          <Anchor size="sm" onClick={() => navigate('/changes')} component="button">
            ← Changes
          </Anchor>
          <Title order={2}>Change calendar</Title>
        </Group>
        <Group gap="xs">
          <SegmentedControl
            aria-label="Span"
            value={span}
            onChange={(v) => {
              setSpan(v as Span);
              setFrom((f) => startOf(f, v as Span));
            }}
            data={[
              { value: 'week', label: 'Week' },
              { value: 'month', label: 'Month' },
            ]}
          />
          <Button size="xs" variant="default" onClick={() => setFrom((f) => shift(f, span, -1))} aria-label="Previous (←)">
            ←
          </Button>
          <Button size="xs" variant="default" onClick={() => setFrom(startOf(new Date(), span))}>
            Today (t)
          </Button>
          <Button size="xs" variant="default" onClick={() => setFrom((f) => shift(f, span, 1))} aria-label="Next (→)" data-testid="calendar-next">
            →
          </Button>
        </Group>
      </Group>
      <Text size="sm" c="dimmed" data-testid="calendar-range">
        {from.toLocaleDateString()} – {new Date(to.getTime() - 1).toLocaleDateString()}
        {collisions ? ` · ${collisions} change${collisions === 1 ? '' : 's'} with a collision` : ''}
      </Text>
      {q.error && !q.data ? (
        <ErrorState error={q.error} onRetry={() => void q.refetch()} />
      ) : !q.data ? (
        <Loading label="Loading the calendar…" />
      ) : days.length === 0 ? (
        <Empty title="No change window in this period">Scheduled and planned changes with a window show here, day by day.</Empty>
      ) : (
        <Stack gap="sm" data-testid="change-calendar">
          {days.map(({ day, items }) => (
            <section key={dayKey(day)} aria-label={day.toLocaleDateString(undefined, { weekday: 'long', day: 'numeric', month: 'long' })}>
              <Text fw={600} size="sm">
                {day.toLocaleDateString(undefined, { weekday: 'long', day: 'numeric', month: 'long' })}
              </Text>
              {items.map((c) => (
                <Group key={c.id} gap="sm" py={4} wrap="nowrap" data-testid="calendar-entry">
                  <Text size="sm" w={260} style={{ whiteSpace: 'nowrap' }}>
                    {time(c.windowStart!)} – {time(c.windowEnd!)}
                  </Text>
                  <Anchor ff="monospace" size="sm" component="button" onClick={() => navigate(`/changes/${c.id}`)}>
                    {c.number}
                  </Anchor>
                  <Text size="sm" style={{ flex: 1 }} truncate>
                    {c.title} · {CHANGE_TYPE_LABELS[c.type]} · {c.siteName ?? ''}
                  </Text>
                  <CollisionBadge c={c} />
                  <Badge size="sm" variant="light" color={CHANGE_STATUS_COLORS[c.status]}>
                    {CHANGE_STATUS_LABELS[c.status]}
                  </Badge>
                </Group>
              ))}
            </section>
          ))}
        </Stack>
      )}
    </Stack>
  );
}
