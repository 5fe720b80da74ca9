/** Assignment groups and their members. */
import { useEffect, useState } from 'react';
import { Alert, Button, Group, Modal, MultiSelect, Stack, Table, Text, TextInput, Textarea } from '@mantine/core';
import { IconPlus } from '@tabler/icons-react';
import { notifications } from '@mantine/notifications';
import type { Group as GroupT } from '../../../shared/api/directory';
import { api, errorMessage } from '../../lib/client';
import { changed, useCall } from '../../lib/query';
import { Empty, ErrorState, Loading } from '../common/states';
import { fieldErrors } from '../common/issues';
import { useLookups } from '../common/lookups';

function GroupForm({ group, opened, onClose }: { group: GroupT | null; opened: boolean; onClose(): void }) {
  const { users } = useLookups();
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [memberIds, setMemberIds] = useState<string[]>([]);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    if (!opened) return;
    setName(group?.name ?? '');
    setDescription(group?.description ?? '');
    setMemberIds(group?.memberIds ?? []);
    setErrors({});
    setError(null);
  }, [opened, group]);
  const submit = async () => {
    try {
      if (group) await api.call('groups.update', { id: group.id, fields: { name, description: description.trim() || null, memberIds } });
      else await api.call('groups.create', { name, memberIds, ...(description.trim() ? { description } : {}) });
      notifications.show({ color: 'green', message: `Group “${name.trim()}” saved.` });
      changed('groups');
      onClose();
    } catch (e) {
      const fe = Object.fromEntries(Object.entries(fieldErrors(e)).map(([k, v]) => [k.replace(/^fields\./, ''), v]));
      setErrors(fe);
      if (!Object.keys(fe).length) setError(errorMessage(e));
    }
  };
  return (
    <Modal opened={opened} onClose={onClose} title={group ? `Edit ${group.name}` : 'New group'}>
      <Stack gap="sm">
        <TextInput label="Name" required value={name} onChange={(e) => setName(e.currentTarget.value)} error={errors.name} data-autofocus />
        <Textarea
          label="Description"
          value={description}
          onChange={(e) => setDescription(e.currentTarget.value)}
          error={errors.description}
        />
        <MultiSelect
          label="Members"
          searchable
          data={users.filter((u) => u.role !== 'requester').map((u) => ({ value: u.id, label: u.displayName }))}
          value={memberIds}
          onChange={setMemberIds}
          error={errors.memberIds}
        />
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

export function GroupsSettings() {
  const q = useCall('groups.list', {});
  const { users } = useLookups();
  const [editing, setEditing] = useState<GroupT | null>(null);
  const [creating, setCreating] = useState(false);
  const items = q.data?.items;
  return (
    <Stack gap="sm">
      <Group justify="space-between">
        <Text size="sm" c="dimmed">
          Teams that tickets are assigned to.
        </Text>
        <Button size="xs" leftSection={<IconPlus size={14} />} onClick={() => setCreating(true)}>
          New group
        </Button>
      </Group>
      {!items ? (
        q.error ? (
          <ErrorState error={q.error} onRetry={() => void q.refetch()} />
        ) : (
          <Loading />
        )
      ) : items.length === 0 ? (
        <Empty title="No groups yet">Create a group such as “Service Desk” to route tickets to a team.</Empty>
      ) : (
        <Table striped highlightOnHover verticalSpacing={6}>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Name</Table.Th>
              <Table.Th>Description</Table.Th>
              <Table.Th>Members</Table.Th>
              <Table.Th />
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {items.map((g) => (
              <Table.Tr key={g.id}>
                <Table.Td>{g.name}</Table.Td>
                <Table.Td>{g.description ?? '—'}</Table.Td>
                <Table.Td>{g.memberIds.map((id) => users.find((u) => u.id === id)?.displayName ?? '?').join(', ') || '—'}</Table.Td>
                <Table.Td>
                  <Button size="compact-xs" variant="subtle" onClick={() => setEditing(g)}>
                    Edit
                  </Button>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      <GroupForm group={null} opened={creating} onClose={() => setCreating(false)} />
      <GroupForm group={editing} opened={editing !== null} onClose={() => setEditing(null)} />
    </Stack>
  );
}
