/**
 * Triage suggestions for a ticket being written or read: the likeliest category and group with their
 * confidence, each accepted with one key (Alt+C, Alt+G), and similar or possibly duplicate tickets.
 * Self-contained (it asks for its own data) so it sits beside other panels in the new-ticket form and
 * on the ticket page. Nothing is applied unless the user accepts it.
 */
import { useEffect, useRef } from 'react';
import { Anchor, Badge, Button, Group, Kbd, Loader, Paper, Stack, Text } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import type { TriageChoice, TriageSuggestions as Suggestions } from '../../../shared/api/triage';
import { STATUS_LABELS } from '../../../shared/tickets/rules';
import { useCall } from '../../lib/query';
import { errorMessage } from '../../lib/client';
import { overlayOpen } from '../../lib/keys';

export type TriageKind = 'category' | 'group';

/** The one-key accepts, by `KeyboardEvent.code` so they work on every keyboard layout. */
export const TRIAGE_KEYS: Record<TriageKind, { code: string; label: string }> = {
  category: { code: 'KeyC', label: 'C' },
  group: { code: 'KeyG', label: 'G' },
};

const percent = (x: number) => `${Math.round(x * 100)} %`;

function Choice({
  kind,
  choices,
  current,
  onAccept,
}: {
  kind: TriageKind;
  choices: TriageChoice[];
  current: string | null;
  onAccept: (kind: TriageKind, choice: TriageChoice) => void;
}) {
  const [top, ...rest] = choices;
  const name = kind === 'category' ? 'Category' : 'Group';
  if (!top) return null;
  const isSet = current === top.value;
  return (
    <Group gap="xs" wrap="nowrap" data-testid={`triage-${kind}`}>
      <Text size="xs" c="dimmed" w={64}>
        {name}
      </Text>
      {isSet ? (
        <Text size="sm" data-testid={`triage-${kind}-set`}>
          {top.label} <Text span size="xs" c="dimmed">(set, {percent(top.confidence)})</Text>
        </Text>
      ) : (
        <Button
          size="compact-sm"
          variant="light"
          onClick={() => onAccept(kind, top)}
          title={`Accept the suggested ${name.toLowerCase()} (Alt+${TRIAGE_KEYS[kind].label})`}
          rightSection={
            <span aria-hidden>
              <Kbd size="xs">Alt</Kbd>+<Kbd size="xs">{TRIAGE_KEYS[kind].label}</Kbd>
            </span>
          }
        >
          {top.label} · {percent(top.confidence)}
        </Button>
      )}
      {rest.length > 0 && (
        <Text size="xs" c="dimmed" truncate>
          then {rest.map((r) => `${r.label} ${percent(r.confidence)}`).join(', ')}
        </Text>
      )}
    </Group>
  );
}

function Similar({ items }: { items: Suggestions['similar'] }) {
  if (!items.length) return null;
  return (
    <Stack gap={2} data-testid="triage-similar">
      <Text size="xs" c="dimmed">
        Similar tickets
      </Text>
      {items.map((s) => (
        <Group key={s.ticketId} gap={6} wrap="nowrap">
          <Anchor
            size="sm"
            ff="monospace"
            href={`#/queue/${s.number}`}>
            {s.number}
          </Anchor>
          <Text size="sm" truncate style={{ flex: 1, minWidth: 0 }}>
            {s.title}
          </Text>
          <Text size="xs" c="dimmed">
            {STATUS_LABELS[s.status]} · {percent(s.score)} alike
          </Text>
          {s.duplicate && (
            <Badge size="xs" color="orange" variant="light" data-testid="triage-duplicate">
              Possible duplicate
            </Badge>
          )}
        </Group>
      ))}
    </Stack>
  );
}

export function TriageSuggestions({
  title,
  description,
  ticketId = null,
  category,
  groupId,
  onAccept,
}: {
  title: string;
  description: string;
  /** The ticket on screen, left out of its own similar tickets. */
  ticketId?: string | null;
  /** What the ticket (or the form) has now: a suggestion equal to it shows as set. */
  category: string | null;
  groupId: string | null;
  onAccept: (kind: TriageKind, choice: TriageChoice) => void;
}) {
  const [text] = useDebouncedValue({ title, description }, 300);
  const empty = !text.title.trim() && !text.description.trim();
  const q = useCall('triage.suggest', empty ? null : { title: text.title, description: text.description, ticketId });
  const data = q.data;
  const root = useRef<HTMLDivElement>(null);
  const latest = useRef({ data, category, groupId, onAccept });
  latest.current = { data, category, groupId, onAccept };

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (!e.altKey || e.ctrlKey || e.metaKey || e.defaultPrevented) return;
      const kind = (Object.keys(TRIAGE_KEYS) as TriageKind[]).find((k) => TRIAGE_KEYS[k].code === e.code);
      if (!kind) return;
      // On the ticket page the keys yield to a dialog (the new-ticket form has its own panel).
      if (!root.current?.closest('[role="dialog"]') && overlayOpen()) return;
      const { data: d, category: cat, groupId: grp, onAccept: accept } = latest.current;
      const top = d?.[kind][0];
      e.preventDefault();
      if (top && top.value !== (kind === 'category' ? cat : grp)) accept(kind, top);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  let body;
  if (empty) body = <Text size="xs" c="dimmed">Suggestions appear as you type the title or description.</Text>;
  else if (q.error && !data) body = <Text size="xs" c="red">Suggestions are unavailable: {errorMessage(q.error)}</Text>;
  else if (!data)
    body = (
      <Group gap="xs">
        <Loader size="xs" />
        <Text size="xs" c="dimmed">
          Looking for suggestions…
        </Text>
      </Group>
    );
  else {
    const none = !data.category.length && !data.group.length;
    const why =
      data.model.state === 'training'
        ? 'Learning from the resolved tickets on this device…'
        : data.model.state === 'empty'
          ? 'No resolved ticket has a category or group yet: suggestions start once the team has resolved some.'
          : data.model.state === 'failed'
            ? `Suggestions could not be learnt: ${data.model.error ?? 'unknown error'}`
            : 'No category or group suggestion for these words.';
    body = (
      <Stack gap={6}>
        {none ? (
          <Text size="xs" c="dimmed" data-testid="triage-none">
            {why}
          </Text>
        ) : (
          <>
            <Choice kind="category" choices={data.category} current={category} onAccept={onAccept} />
            <Choice kind="group" choices={data.group} current={groupId} onAccept={onAccept} />
          </>
        )}
        <Similar items={data.similar} />
      </Stack>
    );
  }
  return (
    <Paper withBorder p="xs" ref={root} data-testid="triage-suggestions" aria-label="Triage suggestions" role="region">
      <Group justify="space-between" mb={4}>
        <Text size="xs" fw={600}>
          Suggestions
        </Text>
        {data?.model.state === 'ready' && (
          <Text size="xs" c="dimmed">
            learnt from {data.model.trainedOn.toLocaleString()} resolved ticket{data.model.trainedOn === 1 ? '' : 's'}
          </Text>
        )}
      </Group>
      {body}
    </Paper>
  );
}
