/** Settings → Routing: ordered rules that route new tickets, and a dry run that shows which rule a sample ticket meets and why. */
import { useEffect, useState } from 'react';
import { Alert, Badge, Button, Group, List, Modal, MultiSelect, Paper, Select, Stack, Switch, Table, TagsInput, Text, TextInput, Textarea, Title, NumberInput } from '@mantine/core';
import { IconPlus } from '@tabler/icons-react';
import { notifications } from '@mantine/notifications';
import type { RoutingRule } from '../../../shared/routing/rules';
import type { RoutingDryRun } from '../../../shared/api/routing';
import { PRIORITIES, PRIORITY_LABELS, TICKET_TYPES } from '../../../shared/tickets/rules';
import { api, errorMessage } from '../../lib/client';
import { changed, useCall } from '../../lib/query';
import { Empty, ErrorState, Loading } from '../common/states';
import { useLookups } from '../common/lookups';
import { useRole } from '../../stores/session';

type Draft = Omit<RoutingRule, 'id'> & { id?: string };
const EMPTY: Draft = { name: '', position: 0, active: true, conditions: {}, actions: {} };

function RuleForm({ rule, next, opened, onClose }: { rule: RoutingRule | null; next: number; opened: boolean; onClose(): void }) {
  const { users, groups, sites, settings } = useLookups();
  const [d, setD] = useState<Draft>(EMPTY);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    if (!opened) return;
    setD(rule ? { ...rule } : { ...EMPTY, position: next });
    setError(null);
  }, [opened, rule, next]);
  const staff = users.filter((u) => u.role === 'admin' || u.role === 'technician').map((u) => ({ value: u.id, label: u.displayName }));
  const cond = <K extends keyof Draft['conditions']>(k: K, v: Draft['conditions'][K]) => {
    const c = { ...d.conditions, [k]: v };
    if (!v || (Array.isArray(v) && !v.length)) delete c[k];
    setD({ ...d, conditions: c });
  };
  const act = <K extends keyof Draft['actions']>(k: K, v: Draft['actions'][K]) => {
    const a = { ...d.actions, [k]: v };
    if (v === null || v === undefined || (Array.isArray(v) && !v.length)) delete a[k];
    setD({ ...d, actions: a });
  };
  const submit = async () => {
    try {
      await api.call('routing.save', d);
      notifications.show({ color: 'green', message: `Routing rule “${d.name.trim()}” saved.` });
      changed('routing');
      onClose();
    } catch (e) {
      setError(errorMessage(e));
    }
  };
  return (
    <Modal opened={opened} onClose={onClose} title={rule ? `Edit ${rule.name}` : 'New routing rule'} size="lg">
      <Stack gap="sm">
        <Group grow>
          <TextInput label="Name" required value={d.name} onChange={(e) => setD({ ...d, name: e.currentTarget.value })} data-autofocus />
          <NumberInput label="Order" description="Lower runs first" min={0} value={d.position} onChange={(v) => setD({ ...d, position: typeof v === 'number' ? v : 0 })} />
        </Group>
        <Switch label="Active" checked={d.active} onChange={(e) => setD({ ...d, active: e.currentTarget.checked })} />
        <Title order={6}>When a new ticket… (all that are set)</Title>
        <MultiSelect label="Type is" data={TICKET_TYPES.map((t) => ({ value: t, label: t === 'incident' ? 'Incident' : 'Request' }))} value={d.conditions.types ?? []} onChange={(v) => cond('types', v as Draft['conditions']['types'])} />
        <MultiSelect label="Category is" searchable data={(settings?.categories ?? []).map((c) => c.name)} value={d.conditions.categories ?? []} onChange={(v) => cond('categories', v)} />
        <MultiSelect label="Site is" data={sites.map((s) => ({ value: s.id, label: s.name }))} value={d.conditions.siteIds ?? []} onChange={(v) => cond('siteIds', v)} />
        <TagsInput label="Title or description mentions any of" placeholder="Type a word and press Enter" value={d.conditions.words ?? []} onChange={(v) => cond('words', v)} />
        <MultiSelect label="Requester is" searchable data={users.map((u) => ({ value: u.id, label: u.displayName }))} value={d.conditions.requesterIds ?? []} onChange={(v) => cond('requesterIds', v)} />
        <TagsInput label="Linked asset’s category is" value={d.conditions.assetCategories ?? []} onChange={(v) => cond('assetCategories', v)} />
        <Title order={6}>…then</Title>
        <Group grow>
          <Select label="Group" clearable data={groups.map((g) => ({ value: g.id, label: g.name }))} value={d.actions.groupId ?? null} onChange={(v) => act('groupId', v)} />
          <Select
            label="Assignee"
            clearable
            data={[{ value: 'turn:round_robin', label: 'Take turns in the group' }, { value: 'turn:least_loaded', label: 'Least loaded in the group' }, ...staff]}
            value={d.actions.turn ? `turn:${d.actions.turn}` : (d.actions.assigneeId ?? null)}
            onChange={(v) => {
              const a = { ...d.actions };
              delete a.turn;
              delete a.assigneeId;
              if (v?.startsWith('turn:')) a.turn = v.slice(5) as 'round_robin';
              else if (v) a.assigneeId = v;
              setD({ ...d, actions: a });
            }}
          />
        </Group>
        <Group grow>
          <Select label="Priority" clearable data={PRIORITIES.map((p) => ({ value: String(p), label: PRIORITY_LABELS[p] }))} value={d.actions.priority ? String(d.actions.priority) : null} onChange={(v) => act('priority', v ? (Number(v) as 1) : null)} />
          <TagsInput label="Add tags" value={d.actions.tags ?? []} onChange={(v) => act('tags', v)} />
        </Group>
        {error && <Alert color="red">{error}</Alert>}
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            Cancel
          </Button>
          <Button onClick={() => void submit()}>Save</Button>
        </Group>
      </Stack>
    </Modal>
  );
}

function DryRun() {
  const { sites } = useLookups();
  const [type, setType] = useState<'incident' | 'request'>('incident');
  const [title, setTitle] = useState('');
  const [description, setDescription] = useState('');
  const [category, setCategory] = useState('');
  const [siteId, setSiteId] = useState<string | null>(null);
  const [asset, setAsset] = useState('');
  const [result, setResult] = useState<RoutingDryRun | null>(null);
  const [error, setError] = useState<string | null>(null);
  const run = async () => {
    setError(null);
    try {
      const site = siteId ?? sites[0]?.id;
      if (!site) throw new Error('Create a site first.');
      setResult(await api.call('routing.dryRun', { type, title, description, category: category.trim() || null, siteId: site, linkedAssetId: asset.trim() || null }));
    } catch (e) {
      setError(errorMessage(e));
    }
  };
  return (
    <Paper withBorder p="sm" data-testid="routing-dry-run">
      <Stack gap="xs">
        <Title order={6}>Try a sample ticket</Title>
        <Group grow>
          <Select label="Type" data={TICKET_TYPES.map((t) => ({ value: t, label: t === 'incident' ? 'Incident' : 'Request' }))} value={type} onChange={(v) => setType((v as 'incident') ?? 'incident')} />
          <Select label="Site" data={sites.map((s) => ({ value: s.id, label: s.name }))} value={siteId ?? sites[0]?.id ?? null} onChange={setSiteId} />
          <TextInput label="Category" value={category} onChange={(e) => setCategory(e.currentTarget.value)} />
          <TextInput label="Linked asset (tag)" value={asset} onChange={(e) => setAsset(e.currentTarget.value)} />
        </Group>
        <TextInput label="Title" value={title} onChange={(e) => setTitle(e.currentTarget.value)} />
        <Textarea label="Description" autosize minRows={1} value={description} onChange={(e) => setDescription(e.currentTarget.value)} />
        <Group>
          <Button size="xs" onClick={() => void run()}>
            Which rule?
          </Button>
        </Group>
        {error && <Alert color="red">{error}</Alert>}
        {result && (
          <Stack gap={4} data-testid="dry-run-result">
            <Text size="sm" fw={600}>
              {result.ruleName ? `Routed by “${result.ruleName}”` : 'No rule matches: the ticket stays as created.'}
              {result.outcome &&
                ` → ${[result.outcome.groupName && `group ${result.outcome.groupName}`, result.outcome.assigneeName && `assignee ${result.outcome.assigneeName}`, result.outcome.priority && `P${result.outcome.priority}`, result.outcome.tags.length && `tags ${result.outcome.tags.join(', ')}`]
                  .filter(Boolean)
                  .join(', ')}`}
            </Text>
            {result.trace.map((t) => (
              <div key={t.ruleId}>
                <Group gap={6}>
                  <Badge size="sm" color={t.matched ? 'green' : 'gray'} variant="light">
                    {t.matched ? 'matches' : t.skipped ? 'inactive' : 'no match'}
                  </Badge>
                  <Text size="sm">{t.ruleName}</Text>
                </Group>
                <List size="xs" ml="md">
                  {t.checks.length === 0 && <List.Item>no conditions: every ticket</List.Item>}
                  {t.checks.map((c) => (
                    <List.Item key={c.condition}>
                      {c.met ? '✓' : '✗'} {c.condition} ({c.detail})
                    </List.Item>
                  ))}
                </List>
              </div>
            ))}
          </Stack>
        )}
      </Stack>
    </Paper>
  );
}

export function RoutingSettings() {
  const q = useCall('routing.list', {});
  const admin = useRole() === 'admin';
  const { groups } = useLookups();
  const [editing, setEditing] = useState<RoutingRule | null | 'new'>(null);
  const remove = async (r: RoutingRule) => {
    try {
      await api.call('routing.delete', { id: r.id });
      notifications.show({ message: `“${r.name}” deleted.` });
      changed('routing');
    } catch (e) {
      notifications.show({ color: 'red', message: errorMessage(e) });
    }
  };
  if (!q.data) return q.error ? <ErrorState error={q.error} onRetry={() => void q.refetch()} /> : <Loading />;
  const items = q.data.items;
  return (
    <Stack gap="md">
      <Group justify="space-between">
        <Text size="sm" c="dimmed">
          Rules run in order when a technician or administrator creates a ticket; the first that matches fills in what was left empty. The ticket’s history names the rule.
        </Text>
        {admin && (
          <Button size="xs" leftSection={<IconPlus size={14} />} onClick={() => setEditing('new')}>
            New rule
          </Button>
        )}
      </Group>
      {items.length === 0 ? (
        <Empty title="No routing rules yet">Route printer tickets to the desk, VPN incidents to the network team…</Empty>
      ) : (
        <Table striped verticalSpacing={6} data-testid="routing-rules">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Order</Table.Th>
              <Table.Th>Name</Table.Th>
              <Table.Th>Then</Table.Th>
              <Table.Th />
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {items.map((r) => (
              <Table.Tr key={r.id}>
                <Table.Td>{r.position}</Table.Td>
                <Table.Td>
                  {r.name}
                  {!r.active ? ' (inactive)' : ''}
                </Table.Td>
                <Table.Td>
                  {[
                    r.actions.groupId && `group ${groups.find((g) => g.id === r.actions.groupId)?.name ?? '?'}`,
                    r.actions.turn && (r.actions.turn === 'round_robin' ? 'take turns' : 'least loaded'),
                    r.actions.assigneeId && 'an assignee',
                    r.actions.priority && `P${r.actions.priority}`,
                    r.actions.tags?.length && `tags ${r.actions.tags.join(', ')}`,
                  ]
                    .filter(Boolean)
                    .join(', ') || '—'}
                </Table.Td>
                <Table.Td>
                  {admin && (
                    <Group gap={4} wrap="nowrap">
                      <Button size="compact-xs" variant="subtle" onClick={() => setEditing(r)}>
                        Edit
                      </Button>
                      <Button size="compact-xs" variant="subtle" color="red" onClick={() => void remove(r)}>
                        Delete
                      </Button>
                    </Group>
                  )}
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      <DryRun />
      <RuleForm rule={editing === 'new' ? null : editing} next={(items[items.length - 1]?.position ?? -1) + 1} opened={editing !== null} onClose={() => setEditing(null)} />
    </Stack>
  );
}
