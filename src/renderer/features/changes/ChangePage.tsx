/** One change: type, risk and impact, plans, schedule window and assets (with collisions), its status moves, and its approvals (approve or reject with a comment). */
import { useEffect, useState } from 'react';
import { Alert, Anchor, Badge, Button, Card, Group, Select, SimpleGrid, Stack, Table, Text, TextInput, Textarea, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { CHANGE_RISKS, CHANGE_STATUS_LABELS, CHANGE_TYPES, CHANGE_TYPE_LABELS, type ChangeRisk, type ChangeStatus, type ChangeType } from '../../../shared/itsm/rules';
import type { Change } from '../../../shared/api/changes';
import { api, errorMessage } from '../../lib/client';
import { invalidate, useCall } from '../../lib/query';
import { navigate } from '../../lib/router';
import { formatDateTime } from '../../lib/format';
import { isStaff, useRole } from '../../stores/session';
import { ConflictBadge } from '../sync/ConflictsPage';
import { ErrorState, Loading } from '../common/states';
import { useLookups } from '../common/lookups';
import { CHANGE_STATUS_COLORS } from './common';

type UpdateInput = Omit<Parameters<typeof api.call<'changes.update'>>[1], 'id'>;

async function run<T>(fn: () => Promise<T>): Promise<T | null> {
  try {
    const r = await fn();
    invalidate((n) => n.startsWith('changes.') || n.startsWith('problems.'));
    return r;
  } catch (e) {
    notifications.show({ color: 'red', title: 'Not saved', message: errorMessage(e) });
    return null;
  }
}

/** An ISO time as the value of a datetime-local field (the user's local time), and back. */
const toLocal = (iso: string | null) => {
  if (!iso) return '';
  const d = new Date(iso);
  return new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
};
const fromLocal = (v: string) => (v ? new Date(v).toISOString() : null);

export function ChangePage({ id }: { id: string }) {
  const q = useCall('changes.get', { id });
  const staff = isStaff(useRole());
  if (q.error && !q.data) return <ErrorState error={q.error} onRetry={() => void q.refetch()} />;
  if (!q.data) return <Loading label="Loading the change…" />;
  const c = q.data;
  const update = (input: UpdateInput) => run(() => api.call('changes.update', { id, ...input }));
  return (
    <div style={{ overflow: 'auto', height: '100%' }}>
      <Stack p="md" gap="md" maw={1100}>
        <Group gap="md">
          <Anchor size="sm" onClick={() => navigate('/changes')} component="button">
            ← Changes
          </Anchor>
          <Anchor size="sm" onClick={() => navigate('/changes/calendar')} component="button">
            Calendar
          </Anchor>
        </Group>
        <Group justify="space-between" align="flex-start">
          <div>
            <Text c="dimmed" ff="monospace" data-testid="change-number">
              {c.number}
            </Text>
            <Title order={2}>{c.title}</Title>
            {c.problems.map((p) => (
              <Anchor key={p.id} size="sm" component="button" onClick={() => navigate(`/problems/${p.id}`)}>
                Fixes {p.number} {p.title}
              </Anchor>
            ))}
          </div>
          <Group gap="xs">
            <Badge variant="light">{CHANGE_TYPE_LABELS[c.type]}</Badge>
            <Badge color={CHANGE_STATUS_COLORS[c.status]} data-testid="change-status">
              {CHANGE_STATUS_LABELS[c.status]}
            </Badge>
            {staff && <ConflictBadge recordId={id} />}
          </Group>
        </Group>
        {c.collisions.length > 0 && (
          <Alert color="red" title="Schedule collision" data-testid="change-collisions">
            {c.collisions.map((x) => (
              <Text key={x.id} size="sm">
                <Anchor component="button" c="inherit" fw={600} underline="always" onClick={() => navigate(`/changes/${x.id}`)}>
                  {x.number}
                </Anchor>{' '}
                {x.title}: {formatDateTime(x.windowStart)} – {formatDateTime(x.windowEnd)}
                {x.sameSite ? ', same site' : ''}
                {x.assetTags.length ? `, shares ${x.assetTags.join(', ')}` : ''}
              </Text>
            ))}
          </Alert>
        )}
        {staff && c.moves.length > 0 && (
          <Group gap="xs" data-testid="change-moves">
            <Text size="sm">Move to</Text>
            {c.moves.map((to) => (
              <Button key={to} size="xs" variant={to === 'cancelled' ? 'subtle' : 'light'} color={to === 'cancelled' ? 'red' : undefined} onClick={() => void run(() => api.call('changes.move', { id, to }))} data-testid={`change-move-${to}`}>
                {CHANGE_STATUS_LABELS[to as ChangeStatus]}
              </Button>
            ))}
          </Group>
        )}
        <Fields c={c} staff={staff} update={update} />
        <Approvals c={c} />
      </Stack>
    </div>
  );
}

function LongText({ label, value, editable, onSave, testid }: { label: string; value: string | null; editable: boolean; onSave: (v: string | null) => void; testid?: string }) {
  const [v, setV] = useState(value ?? '');
  useEffect(() => setV(value ?? ''), [value]);
  return (
    <Textarea label={label} value={v} readOnly={!editable} autosize minRows={2} onChange={(e) => setV(e.currentTarget.value)} onBlur={() => editable && v !== (value ?? '') && onSave(v.trim() ? v : null)} data-testid={testid} />
  );
}

function Fields({ c, staff, update }: { c: Change; staff: boolean; update: (i: UpdateInput) => Promise<unknown> }) {
  const { users } = useLookups();
  const ro = !staff;
  const planning = c.status === 'draft' || c.status === 'assessment';
  const [start, setStart] = useState(toLocal(c.windowStart));
  const [end, setEnd] = useState(toLocal(c.windowEnd));
  useEffect(() => (setStart(toLocal(c.windowStart)), setEnd(toLocal(c.windowEnd))), [c.windowStart, c.windowEnd]);
  const [tag, setTag] = useState('');
  const [tagError, setTagError] = useState<string | null>(null);
  const addAsset = async () => {
    setTagError(null);
    try {
      const a = await api.call('assets.get', { tag });
      await api.call('changes.linkAsset', { id: c.id, assetId: a.id, present: true });
      invalidate((n) => n.startsWith('changes.'));
      setTag('');
    } catch (e) {
      setTagError(errorMessage(e));
    }
  };
  return (
    <Card withBorder>
      <SimpleGrid cols={{ base: 1, md: 4 }}>
        <Select label="Type" data={CHANGE_TYPES.map((t) => ({ value: t, label: CHANGE_TYPE_LABELS[t] }))} value={c.type} readOnly={ro || !planning} allowDeselect={false} onChange={(v) => v && void update({ type: v as ChangeType })} />
        <Select label="Risk" data={CHANGE_RISKS.map((r) => ({ value: r, label: r[0]!.toUpperCase() + r.slice(1) }))} value={c.risk} readOnly={ro} allowDeselect={false} onChange={(v) => v && void update({ risk: v as ChangeRisk })} data-testid="change-risk" />
        <Select label="Owner" placeholder="None" clearable={!ro} readOnly={ro} searchable data={users.filter((u) => u.role === 'admin' || u.role === 'technician').map((u) => ({ value: u.id, label: u.displayName }))} value={c.ownerId} onChange={(v) => void update({ ownerId: v })} />
        <TextInput label="Site" value={c.siteName ?? ''} readOnly />
      </SimpleGrid>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void update({ windowStart: fromLocal(start), windowEnd: fromLocal(end) });
        }}
      >
        <Group mt="sm" align="flex-end">
          <TextInput label="Window starts" type="datetime-local" value={start} readOnly={ro} onChange={(e) => setStart(e.currentTarget.value)} data-testid="change-window-start" />
          <TextInput label="Window ends" type="datetime-local" value={end} readOnly={ro} onChange={(e) => setEnd(e.currentTarget.value)} data-testid="change-window-end" />
          {staff && (
            <Button type="submit" variant="light" data-testid="change-window-save">
              Save window
            </Button>
          )}
        </Group>
      </form>
      <Stack mt="md" gap="sm">
        <LongText label="Description" value={c.description} editable={staff} onSave={(v) => void update({ description: v })} />
        <LongText label="Impact assessment" value={c.impact} editable={staff} onSave={(v) => void update({ impact: v })} />
        <LongText label="Implementation plan" value={c.implementationPlan} editable={staff} onSave={(v) => void update({ implementationPlan: v })} testid="change-implementation-plan" />
        <LongText label="Test plan" value={c.testPlan} editable={staff} onSave={(v) => void update({ testPlan: v })} />
        <LongText label="Back-out plan" value={c.backoutPlan} editable={staff} onSave={(v) => void update({ backoutPlan: v })} testid="change-backout-plan" />
      </Stack>
      <Text fw={500} size="sm" mt="md">
        Affected assets
      </Text>
      <Group gap="xs" data-testid="change-assets">
        {c.assets.length === 0 && (
          <Text size="sm" c="dimmed">
            None named.
          </Text>
        )}
        {c.assets.map((a) => (
          <Badge key={a.id} variant="outline">
            {a.tag} {a.name}
          </Badge>
        ))}
      </Group>
      {staff && (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            if (tag.trim()) void addAsset();
          }}
        >
          <Group mt="xs" align="flex-end">
            <TextInput label="Add an asset by tag" value={tag} onChange={(e) => setTag(e.currentTarget.value)} error={tagError} />
            <Button type="submit" variant="light" disabled={!tag.trim()}>
              Add
            </Button>
          </Group>
        </form>
      )}
    </Card>
  );
}

function Approvals({ c }: { c: Change }) {
  const [comment, setComment] = useState('');
  const vote = async (decision: 'approve' | 'reject') => {
    const r = await run(() => api.call('changes.vote', { id: c.id, decision, ...(comment.trim() ? { comment } : {}) }));
    if (r) setComment('');
  };
  return (
    <Card withBorder>
      <Group justify="space-between" mb="xs">
        <Title order={4}>Approvals</Title>
        <Text size="sm" data-testid="change-tally">
          {c.type === 'standard' ? 'Standard change: pre-approved' : `${c.tally.approvals} of ${c.tally.quorum} approvals${c.tally.rejections ? `, ${c.tally.rejections} rejection${c.tally.rejections === 1 ? '' : 's'}` : ''}`}
        </Text>
      </Group>
      {c.votes.some((v) => v.earlierPlan) && c.status === 'awaiting_approval' && (
        <Text size="sm" fw={500} mb="xs" data-testid="change-reapproval">
          The plan changed after {c.votes.filter((v) => v.earlierPlan).length === 1 ? 'a vote was' : 'votes were'} given: approval is asked again.
        </Text>
      )}
      {c.votes.length === 0 ? (
        <Text size="sm" c="dimmed">
          No vote yet.
        </Text>
      ) : (
        <Table data-testid="change-votes">
          <Table.Tbody>
            {c.votes.map((v) => (
              <Table.Tr key={v.id} style={{ opacity: v.superseded || v.earlierPlan ? 0.6 : 1 }} data-earlier-plan={v.earlierPlan ? 'true' : undefined}>
                <Table.Td>{v.approverName}</Table.Td>
                <Table.Td>
                  <Badge color={v.decision === 'approve' ? 'green' : 'red'} variant="light">
                    {v.decision === 'approve' ? 'Approved' : 'Rejected'}
                  </Badge>
                  {v.superseded && (
                    <Text span size="xs" c="dimmed" ml={6}>
                      replaced by a later vote
                    </Text>
                  )}
                  {v.earlierPlan && (
                    <Text span size="xs" c="dimmed" ml={6}>
                      on an earlier plan, no longer counted
                    </Text>
                  )}
                </Table.Td>
                <Table.Td>{v.comment ?? ''}</Table.Td>
                <Table.Td style={{ whiteSpace: 'nowrap' }}>{formatDateTime(v.at)}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      {c.canVote && (
        <Stack gap="xs" mt="sm">
          <TextInput label="Comment" placeholder="Why (required to reject)" value={comment} onChange={(e) => setComment(e.currentTarget.value)} data-testid="change-vote-comment" />
          <Group>
            <Button color="green" onClick={() => void vote('approve')} data-testid="change-approve">
              Approve
            </Button>
            <Button color="red" variant="light" onClick={() => void vote('reject')} data-testid="change-reject">
              Reject
            </Button>
          </Group>
        </Stack>
      )}
    </Card>
  );
}
