/** One of the requester's own tickets: its answers, its public timeline, a comment box, and cancel / reopen / close. */
import { useState } from 'react';
import { Alert, Anchor, Badge, Button, Card, Group, Stack, Text, Textarea, TextInput, Title } from '@mantine/core';
import { api, errorMessage } from '../../lib/client';
import { changed, useCall } from '../../lib/query';
import { ErrorState, Loading } from '../common/states';
import { aimText, STATUS_WORDS } from './words';
import { Markdown } from '../common/Markdown';
import type { PortalMove } from '../../../shared/api/portal';

export function PortalTicketPage({ id }: { id: string }) {
  const q = useCall('portal.ticket', { id });
  const [body, setBody] = useState('');
  const [reason, setReason] = useState('');
  const [failure, setFailure] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  if (q.error && !q.data) return <ErrorState error={q.error} onRetry={() => void q.refetch()} title="This ticket could not be shown" />;
  if (!q.data) return <Loading />;
  const t = q.data;

  async function run(fn: () => Promise<unknown>) {
    setBusy(true);
    setFailure(null);
    try {
      await fn();
      changed('portal');
      changed('tickets');
      await q.refetch();
      return true;
    } catch (e) {
      setFailure(errorMessage(e));
      return false;
    } finally {
      setBusy(false);
    }
  }
  const move = (m: PortalMove) => run(() => api.call('portal.move', { id, move: m, ...(reason.trim() ? { reason: reason.trim() } : {}) })).then((ok) => ok && setReason(''));

  return (
    <Stack gap="md" data-testid="portal-ticket">
      <Anchor href="#/portal/tickets" size="sm">
        ← My tickets
      </Anchor>
      <div>
        <Group gap="xs">
          <Title order={2}>{t.title}</Title>
          <Badge variant="light" data-testid="portal-status">
            {STATUS_WORDS[t.status]}
          </Badge>
        </Group>
        <Text size="sm" c="dimmed">
          {t.number} · {t.catalogueItemName ?? (t.type === 'incident' ? 'Problem' : 'Request')} · opened {new Date(t.openedAt).toLocaleString()}
        </Text>
        {t.aim && (
          <Text size="sm" data-testid="portal-aim">
            {aimText(t.aim)}
          </Text>
        )}
      </div>
      {t.description && (
        <Card withBorder padding="sm">
          <Markdown text={t.description} breaks testId="portal-description" />
        </Card>
      )}
      <section aria-labelledby="timeline-title">
        <Title order={3} size="h5" id="timeline-title" mb="xs">
          Updates
        </Title>
        <Stack gap="xs" component="ol" style={{ listStyle: 'none', padding: 0, margin: 0 }} data-testid="portal-timeline">
          {t.timeline.map((e) => (
            <li key={e.id}>
              {e.kind === 'comment' ? (
                <Card withBorder padding="sm" data-testid="portal-comment">
                  <Text size="xs" c="dimmed">
                    {e.mine ? 'You' : e.authorName} · {new Date(e.at).toLocaleString()}
                  </Text>
                  <Text size="sm" style={{ whiteSpace: 'pre-wrap' }}>
                    {e.body}
                  </Text>
                </Card>
              ) : (
                <Text size="xs" c="dimmed">
                  {new Date(e.at).toLocaleString()} · {e.from === null ? 'Received' : `${STATUS_WORDS[e.to]}`}
                  {e.reason ? ` (${e.reason})` : ''}
                </Text>
              )}
            </li>
          ))}
        </Stack>
      </section>
      {failure && (
        <Alert color="red" role="alert" title="Not saved">
          {failure}
        </Alert>
      )}
      {t.can.comment && (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            if (!body.trim()) return setFailure('Write something before sending.');
            void run(() => api.call('portal.comment', { id, body: body.trim() })).then((ok) => ok && setBody(''));
          }}
        >
          <Stack gap="xs">
            <Textarea label="Add a comment" autosize minRows={3} value={body} onChange={(e) => setBody(e.currentTarget.value)} data-testid="portal-comment-box" />
            <Group>
              <Button type="submit" loading={busy} data-testid="portal-comment-send">
                Send comment
              </Button>
            </Group>
          </Stack>
        </form>
      )}
      {(t.can.cancel || t.can.reopen || t.can.close) && (
        <Card withBorder padding="sm">
          <Stack gap="xs">
            <TextInput
              label={t.can.reopen ? 'Why reopen it? (needed to reopen)' : 'Reason (optional)'}
              value={reason}
              onChange={(e) => setReason(e.currentTarget.value)}
              maxLength={2000}
            />
            <Group>
              {t.can.cancel && (
                <Button variant="light" color="red" onClick={() => void move('cancel')} loading={busy} data-testid="portal-cancel">
                  Cancel this request
                </Button>
              )}
              {t.can.reopen && (
                <Button variant="light" onClick={() => void move('reopen')} loading={busy} disabled={!reason.trim()} data-testid="portal-reopen">
                  It is not fixed: reopen
                </Button>
              )}
              {t.can.close && (
                <Button variant="light" color="green" onClick={() => void move('close')} loading={busy} data-testid="portal-close">
                  It is fixed: close
                </Button>
              )}
            </Group>
          </Stack>
        </Card>
      )}
    </Stack>
  );
}
