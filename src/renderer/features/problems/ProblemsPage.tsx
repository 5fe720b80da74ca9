/** Problems (/problems): a filtered, virtualised list worked from the keyboard (j/k, Enter, /, n); /problems/<id> opens one. */
import { useEffect, useMemo, useRef, useState } from 'react';
import { Badge, Button, Checkbox, Group, Modal, MultiSelect, Stack, Text, TextInput, Title } from '@mantine/core';
import { useVirtualizer } from '@tanstack/react-virtual';
import { IconPlus, IconSearch } from '@tabler/icons-react';
import { notifications } from '@mantine/notifications';
import { PROBLEM_STATUSES, PROBLEM_STATUS_LABELS, type ProblemStatus } from '../../../shared/itsm/rules';
import type { ProblemSummary } from '../../../shared/api/problems';
import { api, errorMessage } from '../../lib/client';
import { invalidate, useCall } from '../../lib/query';
import { navigate, useRoute } from '../../lib/router';
import { useKeys } from '../../lib/keys';
import { isStaff, useRole } from '../../stores/session';
import { Empty, ErrorState, Loading } from '../common/states';
import { PRIORITY_COLORS } from '../common/lookups';
import { ProblemPage } from './ProblemPage';

const ROW = 40;

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
    () => ({
      ...(q.trim() ? { q: q.trim() } : {}),
      ...(status.length ? { status: status as ProblemStatus[] } : {}),
      ...(knownOnly ? { knownError: true } : {}),
      limit: 500,
      offset: 0,
    }),
    [q, status, knownOnly],
  );
  const list = useCall('problems.list', filter);
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
          {list.data ? `${list.data.total} problem${list.data.total === 1 ? '' : 's'}` : ''}
        </Text>
      </Group>
      {list.error && !list.data ? (
        <ErrorState error={list.error} onRetry={() => void list.refetch()} />
      ) : !list.data ? (
        <Loading label="Loading problems…" />
      ) : list.data.items.length === 0 ? (
        <Empty title={list.data.total === 0 && !q && !status.length && !knownOnly ? 'No problem yet' : 'No problem matches'}>
          {staff ? 'Raise one with New problem (n), or from an incident with p.' : 'Problems the team raises show here.'}
        </Empty>
      ) : (
        <ProblemRows items={list.data.items} />
      )}
      {creating && <NewProblem onClose={() => setCreating(false)} />}
    </Stack>
  );
}

function ProblemRows({ items }: { items: ProblemSummary[] }) {
  const parentRef = useRef<HTMLDivElement>(null);
  const [cursor, setCursor] = useState(0);
  const virt = useVirtualizer({ count: items.length, getScrollElement: () => parentRef.current, estimateSize: () => ROW, overscan: 10 });
  useKeys({
    j: () => setCursor((i) => Math.min(i + 1, items.length - 1)),
    k: () => setCursor((i) => Math.max(i - 1, 0)),
    Enter: () => items[cursor] && navigate(`/problems/${items[cursor].id}`),
    '/': () => document.getElementById('problem-search')?.focus(),
  });
  useEffect(() => virt.scrollToIndex(cursor), [cursor, virt]);
  return (
    <div ref={parentRef} style={{ flex: 1, overflow: 'auto', minHeight: 200, border: '1px solid var(--mantine-color-default-border)', borderRadius: 4 }} data-testid="problem-list" role="list" aria-label="Problems">
      <div style={{ height: virt.getTotalSize(), position: 'relative' }}>
        {virt.getVirtualItems().map((v) => {
          const p = items[v.index]!;
          return (
            <div
              key={p.id}
              role="listitem"
              aria-current={v.index === cursor ? 'true' : undefined}
              style={{ position: 'absolute', top: 0, left: 0, right: 0, height: ROW, transform: `translateY(${v.start}px)`, display: 'flex', alignItems: 'center', gap: 12, padding: '0 12px', borderBottom: '1px solid var(--mantine-color-default-border)', background: v.index === cursor ? 'var(--mantine-color-default-hover)' : undefined }}
            >
              <a href={`#/problems/${p.id}`} onClick={(e) => (e.preventDefault(), navigate(`/problems/${p.id}`))} style={{ width: 100, fontFamily: 'monospace', color: 'inherit' }}>
                {p.number}
              </a>
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
            </div>
          );
        })}
      </div>
    </div>
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
