/** Problems (/problems): a filtered, virtualised list worked from the keyboard (j/k, Enter, /, n); /problems/<id> opens one. */
import { useMemo, useState } from 'react';
import { Badge, Button, Checkbox, Group, Modal, MultiSelect, Stack, Text, TextInput, Title } from '@mantine/core';
import { IconPlus, IconSearch } from '@tabler/icons-react';
import { notifications } from '@mantine/notifications';
import { PROBLEM_STATUSES, PROBLEM_STATUS_LABELS, type ProblemStatus } from '../../../shared/itsm/rules';
import type { ProblemFilter, ProblemSummary } from '../../../shared/api/problems';
import { api, errorMessage } from '../../lib/client';
import { invalidate } from '../../lib/query';
import { navigate, useRoute } from '../../lib/router';
import { useKeys } from '../../lib/keys';
import { useKeysetPages } from '../../lib/pages';
import { isStaff, useRole } from '../../stores/session';
import { Empty, ErrorState, Loading } from '../common/states';
import { RecordList } from '../common/RecordList';
import { PRIORITY_COLORS } from '../common/lookups';
import { ProblemPage } from './ProblemPage';

const PAGE = 200;

export function ProblemsPage() {
  const { segments } = useRoute();
  return segments[1] ? <ProblemPage key={segments[1]} id={segments[1]} /> : <ProblemList />;
}

function ProblemList() {
  const staff = isStaff(useRole());
  const [q, setQ] = useState('');
  const [status, setStatus] = useState<string[]>([]);
  const [knownOnly, setKnownOnly] = useState(false);
  const [creating, setCreating] = useState(false);
  const filter = useMemo(
    (): ProblemFilter => ({
      ...(q.trim() ? { q: q.trim() } : {}),
      ...(status.length ? { status: status as ProblemStatus[] } : {}),
      ...(knownOnly ? { knownError: true } : {}),
    }),
    [q, status, knownOnly],
  );
  // Keyset pages in the list's order (open, most urgent, newest), loaded as the list scrolls.
  const list = useKeysetPages<ProblemSummary>(
    JSON.stringify(filter),
    (key, cursor) => api.call('problems.list', { ...(JSON.parse(key) as ProblemFilter), limit: PAGE, cursor }),
    (d) => d.startsWith('problem') || d === 'tickets' || d === 'users',
  );
  useKeys({ n: () => staff && setCreating(true) }, { enabled: staff && !creating });
  return (
    <Stack p="md" gap="md" h="100%" style={{ overflow: 'hidden' }}>
      <Group justify="space-between">
        <Title order={2}>Problems</Title>
        {staff && (
          <Button size="xs" leftSection={<IconPlus size={14} />} onClick={() => setCreating(true)} data-testid="problem-new">
            New problem
          </Button>
        )}
      </Group>
      <Group gap="sm" align="flex-end">
        <TextInput id="problem-search" label="Search" placeholder="Title or PRB number" leftSection={<IconSearch size={14} />} value={q} onChange={(e) => setQ(e.currentTarget.value)} w={260} />
        <MultiSelect label="Status" data={PROBLEM_STATUSES.map((s) => ({ value: s, label: PROBLEM_STATUS_LABELS[s] }))} value={status} onChange={setStatus} w={280} clearable />
        <Checkbox label="Known errors only" checked={knownOnly} onChange={(e) => setKnownOnly(e.currentTarget.checked)} mb={8} />
        <Text size="sm" c="dimmed" mb={8} data-testid="problem-total">
          {list.total !== null ? `${list.total} problem${list.total === 1 ? '' : 's'}` : ''}
        </Text>
      </Group>
      {list.error && !list.items.length ? (
        <ErrorState error={list.error} onRetry={list.reload} />
      ) : list.loading && !list.items.length ? (
        <Loading label="Loading problems…" />
      ) : list.items.length === 0 ? (
        <Empty title={!q && !status.length && !knownOnly ? 'No problem yet' : 'No problem matches'}>
          {staff ? 'Raise one with New problem (n), or from an incident with p.' : 'Problems the team raises show here.'}
        </Empty>
      ) : (
        <RecordList items={list.items} hasMore={list.hasMore} loadMore={list.more} label="Problems" testid="problem-list" searchId="problem-search" pathOf={(p) => `/problems/${p.id}`}>
          {(p) => (
            <>
              <Badge size="sm" color={PRIORITY_COLORS[p.priority]} variant="light" w={40}>
                P{p.priority}
              </Badge>
              <Text size="sm" style={{ flex: 1, overflow: 'hidden', textOverflow: 'ellipsis', whiteSpace: 'nowrap' }}>
                {p.title}
              </Text>
              {p.knownError && (
                <Badge size="sm" color="orange" variant="light">
                  Known error
                </Badge>
              )}
              <Badge size="sm" variant="light" color={p.status === 'closed' || p.status === 'resolved' ? 'gray' : 'blue'}>
                {PROBLEM_STATUS_LABELS[p.status]}
              </Badge>
              <Text size="sm" c="dimmed" w={110}>
                {p.incidentCount} incident{p.incidentCount === 1 ? '' : 's'}
              </Text>
              <Text size="sm" c="dimmed" w={140} truncate>
                {p.ownerName ?? ''}
              </Text>
            </>
          )}
        </RecordList>
      )}
      {creating && <NewProblem onClose={() => setCreating(false)} />}
    </Stack>
  );
}

/** A new problem, optionally raised from incidents (their ids). */
export function NewProblem({ onClose, ticketIds, defaultTitle }: { onClose: () => void; ticketIds?: string[]; defaultTitle?: string }) {
  const [title, setTitle] = useState(defaultTitle ?? '');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const save = async () => {
    setBusy(true);
    try {
      const p = await api.call('problems.create', { title, ...(ticketIds?.length ? { ticketIds } : {}) });
      invalidate((n) => n.startsWith('problems.'));
      notifications.show({ color: 'green', message: `${p.number} raised.` });
      onClose();
      navigate(`/problems/${p.id}`);
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Modal opened onClose={onClose} title={ticketIds?.length ? 'Create problem from this incident' : 'New problem'}>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (title.trim()) void save();
        }}
      >
        <Stack>
          <TextInput label="Title" value={title} onChange={(e) => setTitle(e.currentTarget.value)} data-autofocus required error={error} data-testid="problem-title" />
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={busy} disabled={!title.trim()} data-testid="problem-save">
              Raise problem
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
