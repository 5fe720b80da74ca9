/** Comment / worklog composer. Ctrl+Enter sends; the draft survives reloads and crashes until it is sent. */
import { useEffect, useRef, useState } from 'react';
import { Button, Checkbox, Group, NumberInput, Tabs, Text, Textarea } from '@mantine/core';
import type { Ticket } from '../../../shared/api/tickets';
import { act } from './actions';
import { useKeys } from '../../lib/keys';
import { focusHome } from '../../app/focusHome';

function useDraft(key: string): [string, (v: string) => void] {
  const [v, setV] = useState(() => localStorage.getItem(key) ?? '');
  useEffect(() => setV(localStorage.getItem(key) ?? ''), [key]);
  const set = (next: string) => {
    setV(next);
    if (next) localStorage.setItem(key, next);
    else localStorage.removeItem(key);
  };
  return [v, set];
}

export function Composer({ ticket, staff }: { ticket: Ticket; staff: boolean }) {
  const [tab, setTab] = useState<string | null>('comment');
  const [body, setBody] = useDraft(`outpost.draft.${ticket.id}.comment`);
  const [note, setNote] = useDraft(`outpost.draft.${ticket.id}.worklog`);
  const [internal, setInternal] = useState(false);
  const [minutes, setMinutes] = useState<number | string>(15);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const commentRef = useRef<HTMLTextAreaElement>(null);
  // `r` (reply) jumps to the comment box of the ticket on screen: one key instead of dozens of Tabs.
  useKeys({
    r: () => {
      // At once when the box is showing, so what is typed straight after `r` lands in it.
      if (tab === 'comment' && commentRef.current) commentRef.current.focus();
      else {
        setTab('comment');
        requestAnimationFrame(() => commentRef.current?.focus());
      }
    },
  });

  const send = async () => {
    setError(null);
    if (tab === 'comment') {
      if (!body.trim()) return setError('Write something first.');
      setBusy(true);
      const r = await act(
        'tickets.comment',
        { id: ticket.id, body, internal: staff && internal },
        staff && internal ? 'Internal note added.' : 'Comment added.',
      );
      setBusy(false);
      if (r) setBody('');
    } else {
      const m = typeof minutes === 'number' ? minutes : Number(minutes);
      if (!Number.isInteger(m) || m < 1) return setError('Log at least one whole minute.');
      if (m > 24 * 60) return setError('Log at most 24 hours at once.');
      setBusy(true);
      const r = await act('tickets.worklog', { id: ticket.id, minutes: m, ...(note.trim() ? { note } : {}) }, 'Work logged.');
      setBusy(false);
      if (r) setNote('');
    }
  };
  const onKeyDown = (e: React.KeyboardEvent) => {
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      void send();
    }
    if (e.key === 'Escape') {
      (e.target as HTMLElement).blur();
      focusHome();
    }
  };

  return (
    <Tabs value={tab} onChange={setTab} variant="outline" data-testid="composer">
      <Tabs.List>
        <Tabs.Tab value="comment">Comment</Tabs.Tab>
        {staff && <Tabs.Tab value="worklog">Log work</Tabs.Tab>}
      </Tabs.List>
      <Tabs.Panel value="comment" pt="xs">
        <Textarea
          placeholder="Write a comment…  (Ctrl+Enter to send)"
          autosize
          minRows={2}
          maxRows={10}
          value={body}
          onChange={(e) => setBody(e.currentTarget.value)}
          onKeyDown={onKeyDown}
          aria-label="Comment"
          ref={commentRef}
          data-testid="comment-input"
          error={tab === 'comment' ? error : undefined}
        />
        <Group justify="space-between" mt={6}>
          {staff ? (
            <Checkbox
              size="xs"
              label="Internal note (not shown to the requester)"
              checked={internal}
              onChange={(e) => setInternal(e.currentTarget.checked)}
            />
          ) : (
            <span />
          )}
          <Group gap="xs">
            {body && (
              <Text size="xs" c="dimmed">
                Draft saved
              </Text>
            )}
            <Button size="xs" onClick={() => void send()} loading={busy} data-testid="send-comment">
              {staff && internal ? 'Add note' : 'Send'}
            </Button>
          </Group>
        </Group>
      </Tabs.Panel>
      {staff && (
        <Tabs.Panel value="worklog" pt="xs">
          <Group align="flex-start" onKeyDown={onKeyDown} wrap="nowrap">
            <NumberInput
              label="Minutes"
              min={1}
              max={1440}
              w={110}
              value={minutes}
              onChange={setMinutes}
              allowDecimal={false}
              error={tab === 'worklog' ? error : undefined}
            />
            <Textarea
              label="What was done"
              style={{ flex: 1 }}
              autosize
              minRows={1}
              maxRows={6}
              value={note}
              onChange={(e) => setNote(e.currentTarget.value)}
            />
          </Group>
          <Group justify="flex-end" mt={6}>
            <Button size="xs" onClick={() => void send()} loading={busy}>
              Log work
            </Button>
          </Group>
        </Tabs.Panel>
      )}
    </Tabs>
  );
}
