/** One problem: its fields, root cause and workaround (a known error shows it on every linked incident), linked incidents, the fixing change, and the post-incident review with its PDF. */
import { useEffect, useState } from 'react';
import { Anchor, Badge, Button, Card, Checkbox, Group, Select, SimpleGrid, Stack, Table, Text, TextInput, Textarea, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { CHANGE_STATUS_LABELS, PROBLEM_STATUSES, PROBLEM_STATUS_LABELS, type ChangeStatus } from '../../../shared/itsm/rules';
import type { Problem } from '../../../shared/api/problems';
import { api, errorMessage } from '../../lib/client';
import { invalidate, useCall } from '../../lib/query';
import { navigate } from '../../lib/router';
import { formatDateTime } from '../../lib/format';
import { isStaff, useRole } from '../../stores/session';
import { ConflictBadge } from '../sync/ConflictsPage';
import { ErrorState, Loading } from '../common/states';
import { useLookups } from '../common/lookups';
import { downloadBase64 } from '../assets/files';
import { NewChange } from '../changes/common';

type UpdateInput = Omit<Parameters<typeof api.call<'problems.update'>>[1], 'id'>;

async function run<T>(fn: () => Promise<T>, ok?: string): Promise<T | null> {
  try {
    const r = await fn();
    invalidate((n) => n.startsWith('problems.') || n.startsWith('changes.'));
    if (ok) notifications.show({ color: 'green', message: ok });
    return r;
  } catch (e) {
    notifications.show({ color: 'red', title: 'Not saved', message: errorMessage(e) });
    return null;
  }
}

export function ProblemPage({ id }: { id: string }) {
  const q = useCall('problems.get', { id });
  const staff = isStaff(useRole());
  if (q.error && !q.data) return <ErrorState error={q.error} onRetry={() => void q.refetch()} />;
  if (!q.data) return <Loading label="Loading the problem…" />;
  const p = q.data;
  const update = (input: UpdateInput) => run(() => api.call('problems.update', { id, ...input }));
  return (
    <div style={{ overflow: 'auto', height: '100%' }}>
      <Stack p="md" gap="md" maw={1100}>
        <Anchor size="sm" onClick={() => navigate('/problems')} component="button">
          ← Problems
        </Anchor>
        <Group justify="space-between" align="flex-start">
          <div>
            <Text c="dimmed" ff="monospace" data-testid="problem-number">
              {p.number}
            </Text>
            <Title order={2}>{p.title}</Title>
          </div>
          <Group gap="xs">
            {p.knownError && <Badge color="orange">Known error</Badge>}
            <Badge variant="light">{PROBLEM_STATUS_LABELS[p.status]}</Badge>
            {staff && <ConflictBadge recordId={id} />}
          </Group>
        </Group>
        <Fields p={p} staff={staff} update={update} />
        <Incidents p={p} staff={staff} />
        <FixChange p={p} staff={staff} update={update} />
        <Review p={p} staff={staff} update={update} />
      </Stack>
    </div>
  );
}

function TextField({ label, value, editable, onSave, testid, minRows = 2 }: { label: string; value: string | null; editable: boolean; onSave: (v: string | null) => void; testid?: string; minRows?: number }) {
  const [v, setV] = useState(value ?? '');
  useEffect(() => setV(value ?? ''), [value]);
  return (
    <Textarea
      label={label}
      value={v}
      readOnly={!editable}
      autosize
      minRows={minRows}
      onChange={(e) => setV(e.currentTarget.value)}
      onBlur={() => editable && v !== (value ?? '') && onSave(v.trim() ? v : null)}
      data-testid={testid}
    />
  );
}

function Fields({ p, staff, update }: { p: Problem; staff: boolean; update: (i: UpdateInput) => Promise<unknown> }) {
  const { users, groups } = useLookups();
  const ro = !staff;
  return (
    <Card withBorder>
      <SimpleGrid cols={{ base: 1, md: 4 }}>
        <Select label="Status" data={PROBLEM_STATUSES.map((s) => ({ value: s, label: PROBLEM_STATUS_LABELS[s] }))} value={p.status} readOnly={ro} allowDeselect={false} onChange={(v) => v && void update({ status: v as Problem['status'] })} data-testid="problem-status" />
        <Select label="Priority" data={['1', '2', '3', '4'].map((x) => ({ value: x, label: `P${x}` }))} value={String(p.priority)} readOnly={ro} allowDeselect={false} onChange={(v) => v && void update({ priority: Number(v) as 1 | 2 | 3 | 4 })} />
        <Select label="Owner" placeholder="None" clearable={!ro} readOnly={ro} searchable data={users.filter((u) => u.role === 'admin' || u.role === 'technician').map((u) => ({ value: u.id, label: u.displayName }))} value={p.ownerId} onChange={(v) => void update({ ownerId: v })} />
        <Select label="Group" placeholder="None" clearable={!ro} readOnly={ro} data={groups.map((g) => ({ value: g.id, label: g.name }))} value={p.groupId} onChange={(v) => void update({ groupId: v })} />
      </SimpleGrid>
      <Stack mt="md" gap="sm">
        <TextField label="Description" value={p.description} editable={staff} onSave={(v) => void update({ description: v })} />
        <TextField label="Root cause" value={p.rootCause} editable={staff} onSave={(v) => void update({ rootCause: v })} testid="problem-root-cause" />
        <TextField label="Workaround" value={p.workaround} editable={staff} onSave={(v) => void update({ workaround: v })} testid="problem-workaround" />
        <Checkbox
          label="Known error: show the workaround on every linked incident"
          checked={p.knownError}
          disabled={ro}
          onChange={(e) => void update({ knownError: e.currentTarget.checked, ...(e.currentTarget.checked && p.status !== 'resolved' && p.status !== 'closed' ? { status: 'known_error' } : {}) })}
          data-testid="problem-known-error"
        />
      </Stack>
    </Card>
  );
}

function Incidents({ p, staff }: { p: Problem; staff: boolean }) {
  const [number, setNumber] = useState('');
  const [error, setError] = useState<string | null>(null);
  const link = async () => {
    setError(null);
    try {
      const t = await api.call('tickets.getByNumber', { number });
      await api.call('problems.linkIncident', { id: p.id, ticketId: t.id, present: true });
      invalidate((n) => n.startsWith('problems.'));
      setNumber('');
    } catch (e) {
      setError(errorMessage(e));
    }
  };
  return (
    <Card withBorder>
      <Title order={4} mb="xs">
        Linked incidents
      </Title>
      {p.incidents.length === 0 ? (
        <Text size="sm" c="dimmed">
          No incident linked yet.
        </Text>
      ) : (
        <Table data-testid="problem-incidents">
          <Table.Tbody>
            {p.incidents.map((i) => (
              <Table.Tr key={i.id}>
                <Table.Td ff="monospace">
                  <Anchor component="button" onClick={() => navigate(`/queue/${i.id}`)}>
                    {i.number}
                  </Anchor>
                </Table.Td>
                <Table.Td>{i.title}</Table.Td>
                <Table.Td>{i.status.replace('_', ' ')}</Table.Td>
                <Table.Td>
                  {staff && (
                    <Button size="compact-xs" variant="subtle" color="red" onClick={() => void run(() => api.call('problems.linkIncident', { id: p.id, ticketId: i.id, present: false }))} aria-label={`Unlink ${i.number}`}>
                      Unlink
                    </Button>
                  )}
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      {staff && (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            if (number.trim()) void link();
          }}
        >
          <Group mt="sm" align="flex-end">
            <TextInput label="Link an incident" placeholder="INC0000001" value={number} onChange={(e) => setNumber(e.currentTarget.value)} error={error} data-testid="problem-link-number" />
            <Button type="submit" variant="light" disabled={!number.trim()} data-testid="problem-link">
              Link
            </Button>
          </Group>
        </form>
      )}
    </Card>
  );
}

function FixChange({ p, staff, update }: { p: Problem; staff: boolean; update: (i: UpdateInput) => Promise<unknown> }) {
  const changes = useCall('changes.list', staff ? { limit: 500, offset: 0 } : null);
  const [creating, setCreating] = useState(false);
  return (
    <Card withBorder>
      <Title order={4} mb="xs">
        Fixing change
      </Title>
      <Group align="flex-end">
        {staff && (
          <Select
            label="The change that fixes this problem"
            placeholder="None"
            searchable
            clearable
            w={420}
            data={(changes.data?.items ?? []).map((c) => ({ value: c.id, label: `${c.number} ${c.title}` }))}
            value={p.fixChange?.id ?? null}
            onChange={(v) => void update({ fixChangeId: v })}
            data-testid="problem-fix-change"
          />
        )}
        {p.fixChange ? (
          <Anchor component="button" onClick={() => navigate(`/changes/${p.fixChange!.id}`)} data-testid="problem-fix-change-link">
            {p.fixChange.number} {p.fixChange.title} · {CHANGE_STATUS_LABELS[p.fixChange.status as ChangeStatus] ?? p.fixChange.status}
          </Anchor>
        ) : (
          !staff && (
            <Text size="sm" c="dimmed">
              No change named yet.
            </Text>
          )
        )}
        {staff && !p.fixChange && (
          <Button variant="light" onClick={() => setCreating(true)} data-testid="problem-create-change">
            Create the fixing change
          </Button>
        )}
      </Group>
      {creating && <NewChange onClose={() => setCreating(false)} problemId={p.id} defaultTitle={`Fix: ${p.title}`} />}
    </Card>
  );
}

function Review({ p, staff, update }: { p: Problem; staff: boolean; update: (i: UpdateInput) => Promise<unknown> }) {
  const timeline = useCall('problems.timeline', { id: p.id });
  const { users } = useLookups();
  const [action, setAction] = useState('');
  const [owner, setOwner] = useState<string | null>(null);
  const [due, setDue] = useState('');
  const [busy, setBusy] = useState(false);
  const exportPdf = async () => {
    setBusy(true);
    try {
      const r = await api.call('problems.reviewPdf', { id: p.id });
      downloadBase64(r.content, r.filename, r.mime);
    } catch (e) {
      notifications.show({ color: 'red', message: errorMessage(e) });
    } finally {
      setBusy(false);
    }
  };
  return (
    <Card withBorder>
      <Group justify="space-between" mb="xs">
        <Title order={4}>Post-incident review</Title>
        <Button size="xs" variant="light" loading={busy} onClick={() => void exportPdf()} data-testid="problem-review-pdf">
          Export review (PDF)
        </Button>
      </Group>
      <Stack gap="sm">
        <TextField label="Impact" value={p.review.impact} editable={staff} onSave={(v) => void update({ reviewImpact: v })} />
        <TextField label="Causes" value={p.review.causes} editable={staff} onSave={(v) => void update({ reviewCauses: v })} />
        <Text fw={500} size="sm">
          Actions
        </Text>
        {p.review.actions.length === 0 ? (
          <Text size="sm" c="dimmed">
            No action yet.
          </Text>
        ) : (
          <Table data-testid="problem-actions">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Action</Table.Th>
                <Table.Th>Owner</Table.Th>
                <Table.Th>Due</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {p.review.actions.map((a) => (
                <Table.Tr key={a.id}>
                  <Table.Td>{a.description}</Table.Td>
                  <Table.Td>{a.ownerName ?? '—'}</Table.Td>
                  <Table.Td>{a.dueOn ?? '—'}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        )}
        {staff && (
          <form
            onSubmit={(e) => {
              e.preventDefault();
              if (!action.trim()) return;
              void run(() => api.call('problems.addAction', { id: p.id, description: action, ownerId: owner, dueOn: due || null })).then((r) => {
                if (!r) return;
                setAction('');
                setOwner(null);
                setDue('');
              });
            }}
          >
            <Group align="flex-end">
              <TextInput label="New action" value={action} onChange={(e) => setAction(e.currentTarget.value)} w={320} data-testid="problem-action-text" />
              <Select label="Owner" placeholder="None" clearable searchable data={users.map((u) => ({ value: u.id, label: u.displayName }))} value={owner} onChange={setOwner} w={200} />
              <TextInput label="Due" type="date" value={due} onChange={(e) => setDue(e.currentTarget.value)} w={160} />
              <Button type="submit" variant="light" disabled={!action.trim()} data-testid="problem-action-add">
                Add action
              </Button>
            </Group>
          </form>
        )}
        <Text fw={500} size="sm" mt="sm">
          Timeline of the linked incidents
        </Text>
        {timeline.error && !timeline.data ? (
          <ErrorState error={timeline.error} onRetry={() => void timeline.refetch()} />
        ) : !timeline.data ? (
          <Loading label="Building the timeline…" />
        ) : timeline.data.items.length === 0 ? (
          <Text size="sm" c="dimmed">
            Link incidents to build the timeline from their histories.
          </Text>
        ) : (
          <Table data-testid="problem-timeline">
            <Table.Tbody>
              {timeline.data.items.map((e, i) => (
                <Table.Tr key={i}>
                  <Table.Td style={{ whiteSpace: 'nowrap' }}>{formatDateTime(e.at)}</Table.Td>
                  <Table.Td ff="monospace">{e.ticketNumber}</Table.Td>
                  <Table.Td>{e.who}</Table.Td>
                  <Table.Td style={{ wordBreak: 'break-word' }}>{e.text}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        )}
      </Stack>
    </Card>
  );
}
