/**
 * On an incident: the problems it is linked to, with a known error's workaround in full, and (`p`,
 * or the Problem button) a dialog to link it to a problem or create one from it.
 */
import { useState } from 'react';
import { Alert, Anchor, Badge, Button, Group, Kbd, Modal, Select, Stack, Text } from '@mantine/core';
import { IconBulb } from '@tabler/icons-react';
import { notifications } from '@mantine/notifications';
import { PROBLEM_STATUS_LABELS } from '../../../shared/itsm/rules';
import { api, errorMessage } from '../../lib/client';
import { invalidate, useCall } from '../../lib/query';
import { navigate } from '../../lib/router';
import { useKeys } from '../../lib/keys';
import { NewProblem } from './ProblemsPage';

interface TicketRef {
  id: string;
  number: string;
  title: string;
  type: 'incident' | 'request';
}

export function TicketProblems({ ticket, staff }: { ticket: TicketRef; staff: boolean }) {
  const q = useCall('problems.forTicket', ticket.type === 'incident' ? { ticketId: ticket.id } : null);
  const [dialog, setDialog] = useState<'link' | 'create' | null>(null);
  const canLink = staff && ticket.type === 'incident';
  useKeys({ p: () => setDialog('link') }, { enabled: canLink && dialog === null });
  if (ticket.type !== 'incident') return null;
  const items = q.data?.items ?? [];
  return (
    <Stack gap={6} data-testid="ticket-problems">
      {items
        .filter((p) => p.knownError && p.workaround)
        .map((p) => (
          <Alert key={p.id} color="orange" icon={<IconBulb size={18} />} title={`Known error ${p.number}: workaround`} data-testid="known-error-workaround">
            <Text size="sm" style={{ whiteSpace: 'pre-wrap' }}>
              {p.workaround}
            </Text>
          </Alert>
        ))}
      {(items.length > 0 || canLink) && (
        <Group gap="xs">
          <Text size="xs" fw={500}>
            Problems
          </Text>
          {items.map((p) => (
            <Anchor key={p.id} size="xs" component="button" onClick={() => navigate(`/problems/${p.id}`)}>
              {p.number} {p.title}{' '}
              <Badge size="xs" variant="light">
                {PROBLEM_STATUS_LABELS[p.status]}
              </Badge>
            </Anchor>
          ))}
          {canLink && (
            <Button size="compact-xs" variant="subtle" onClick={() => setDialog('link')} data-testid="ticket-problem-open" rightSection={<Kbd size="xs">p</Kbd>}>
              Problem…
            </Button>
          )}
        </Group>
      )}
      {dialog === 'link' && <LinkDialog ticket={ticket} onClose={() => setDialog(null)} onCreate={() => setDialog('create')} />}
      {dialog === 'create' && <NewProblem onClose={() => setDialog(null)} ticketIds={[ticket.id]} defaultTitle={ticket.title} />}
    </Stack>
  );
}

function LinkDialog({ ticket, onClose, onCreate }: { ticket: TicketRef; onClose: () => void; onCreate: () => void }) {
  const list = useCall('problems.list', { status: ['new', 'investigating', 'known_error'], limit: 500, offset: 0 });
  const [problemId, setProblemId] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const link = async () => {
    if (!problemId) return;
    try {
      const p = await api.call('problems.linkIncident', { id: problemId, ticketId: ticket.id, present: true });
      invalidate((n) => n.startsWith('problems.'));
      notifications.show({ color: 'green', message: `${ticket.number} linked to ${p.number}.` });
      onClose();
    } catch (e) {
      setError(errorMessage(e));
    }
  };
  return (
    <Modal opened onClose={onClose} title={`Problem for ${ticket.number}`}>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void link();
        }}
      >
        <Stack>
          <Select
            label="Link to problem"
            placeholder={list.data ? (list.data.items.length ? 'Type a PRB number or words of its title' : 'No open problem yet') : 'Loading problems…'}
            searchable
            // Its list opens as the person types (or presses ↓), not on focus: an open but empty list
            // would otherwise take the first Esc, and the dialog would seem not to close.
            openOnFocus={false}
            data-autofocus
            data={(list.data?.items ?? []).map((p) => ({ value: p.id, label: `${p.number} ${p.title}` }))}
            value={problemId}
            onChange={setProblemId}
            error={error}
            data-testid="ticket-problem-select"
          />
          <Group justify="space-between">
            <Button variant="subtle" onClick={onCreate} data-testid="ticket-problem-create">
              Create problem from this incident
            </Button>
            <Button type="submit" disabled={!problemId} data-testid="ticket-problem-link">
              Link
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
