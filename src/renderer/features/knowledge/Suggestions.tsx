/**
 * Published articles that match what a ticket says: while it is written (the new-ticket form) and
 * when it is worked or resolved. Each one opens in place (the form keeps what was typed); on a ticket,
 * staff mark "Solved with this article", which links the two and counts on the article.
 */
import { useEffect, useState } from 'react';
import { Button, Collapse, Group, Paper, Stack, Text, UnstyledButton } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconBook, IconCheck } from '@tabler/icons-react';
import type { KbHit } from '../../../shared/api/kb';
import { api, errorMessage } from '../../lib/client';
import { invalidateDomain, useCall } from '../../lib/query';
import { Markdown } from '../common/Markdown';
import { ArticleHit } from './common';
import { blobImage } from './BlobImage';

/** Debounced suggestions for `text` (nothing until there are a few characters). */
function useSuggestions(text: string): KbHit[] {
  const [hits, setHits] = useState<KbHit[]>([]);
  const trimmed = text.trim();
  useEffect(() => {
    if (trimmed.length < 4) {
      setHits([]);
      return;
    }
    let live = true;
    const t = setTimeout(() => {
      api.call('kb.suggest', { text: trimmed.slice(0, 20_000), limit: 5 }).then(
        (r) => live && setHits(r.items),
        // Suggestions are a help, not the task: a failure leaves the list as it was.
        () => undefined,
      );
    }, 250);
    return () => {
      live = false;
      clearTimeout(t);
    };
  }, [trimmed]);
  return hits;
}

function ArticleBody({ id }: { id: string }) {
  const a = useCall('kb.get', { id });
  if (a.error) return <Text size="sm" c="red">{errorMessage(a.error)}</Text>;
  if (!a.data) return <Text size="sm" c="dimmed">Loading…</Text>;
  return <Markdown text={a.data.body} image={blobImage} />;
}

export function KbSuggestions({ text, ticketId, linkedIds = [] }: { text: string; ticketId?: string; linkedIds?: string[] }) {
  const hits = useSuggestions(text);
  const [open, setOpen] = useState<string | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  if (!hits.length) return null;
  const solved = async (h: KbHit) => {
    if (!ticketId) return;
    setBusy(h.id);
    try {
      const r = await api.call('kb.solved', { ticketId, articleId: h.id, present: true });
      invalidateDomain('kb_ticket_links');
      notifications.show({ message: `Marked as solved with ${h.number} (${r.solvedCount} ticket${r.solvedCount === 1 ? '' : 's'} so far).` });
    } catch (e) {
      notifications.show({ color: 'red', title: 'Not recorded', message: errorMessage(e) });
    } finally {
      setBusy(null);
    }
  };
  return (
    <Paper withBorder p="xs" data-testid="kb-suggestions" aria-label="Suggested knowledge articles" component="section">
      <Group gap={6} mb={4}>
        <IconBook size={16} />
        <Text size="sm" fw={600}>
          Articles that may help
        </Text>
      </Group>
      <Stack gap={4}>
        {hits.map((h) => (
          <div key={h.id} data-testid="kb-suggestion" data-number={h.number}>
            <Group gap="xs" wrap="nowrap" align="flex-start">
              <UnstyledButton onClick={() => setOpen((o) => (o === h.id ? null : h.id))} style={{ flex: 1, minWidth: 0 }} aria-expanded={open === h.id}>
                <ArticleHit hit={h} />
              </UnstyledButton>
              {ticketId &&
                (linkedIds.includes(h.id) ? (
                  <Text size="xs" c="teal" style={{ flex: 'none' }}>
                    <IconCheck size={12} /> Solved with this
                  </Text>
                ) : (
                  <Button size="compact-xs" variant="light" color="teal" loading={busy === h.id} onClick={() => void solved(h)} data-testid="kb-solved" style={{ flex: 'none' }}>
                    Solved with this article
                  </Button>
                ))}
            </Group>
            <Collapse expanded={open === h.id}>{open === h.id && <ArticleBody id={h.id} />}</Collapse>
          </div>
        ))}
      </Stack>
    </Paper>
  );
}

/** The articles a ticket was solved with, with a way to undo a mistaken mark. */
export function SolvedWith({ ticketId, staff }: { ticketId: string; staff: boolean }) {
  const linked = useCall('kb.forTicket', staff ? { ticketId } : null);
  const items = linked.data?.items ?? [];
  if (!items.length) return null;
  return (
    <Group gap="xs" data-testid="kb-solved-with">
      <Text size="sm" c="dimmed">
        Solved with
      </Text>
      {items.map((a) => (
        <Group key={a.id} gap={4}>
          <a href={`#/knowledge/${a.id}`}>
            {a.number} {a.title}
          </a>
          <Button
            size="compact-xs"
            variant="subtle"
            color="gray"
            aria-label={`Remove the link to ${a.number}`}
            onClick={() =>
              void api.call('kb.solved', { ticketId, articleId: a.id, present: false }).then(
                () => invalidateDomain('kb_ticket_links'),
                (e: unknown) => notifications.show({ color: 'red', title: 'Not removed', message: errorMessage(e) }),
              )
            }
          >
            ×
          </Button>
        </Group>
      ))}
    </Group>
  );
}

/** On a ticket: what it was solved with, and suggestions from its title and description (staff). */
export function TicketKnowledge({ ticketId, text, staff }: { ticketId: string; text: string; staff: boolean }) {
  const linked = useCall('kb.forTicket', staff ? { ticketId } : null);
  if (!staff) return null;
  return (
    <Stack gap="xs">
      <SolvedWith ticketId={ticketId} staff={staff} />
      <KbSuggestions text={text} ticketId={ticketId} linkedIds={(linked.data?.items ?? []).map((a) => a.id)} />
    </Stack>
  );
}
