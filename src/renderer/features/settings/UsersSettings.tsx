/** Users: create, change role, sites and groups, deactivate, reset a password. */
import { useEffect, useState } from 'react';
import {
  Alert,
  Badge,
  Button,
  Group,
  Modal,
  MultiSelect,
  PasswordInput,
  Select,
  Stack,
  Switch,
  Table,
  Text,
  TextInput,
} from '@mantine/core';
import { IconPlus } from '@tabler/icons-react';
import { ROLES, type Role } from '../../../shared/api';
import type { User } from '../../../shared/api/directory';
import { api, errorMessage } from '../../lib/client';
import { changed, useCall } from '../../lib/query';
import { notifications } from '@mantine/notifications';
import { formatDateTime } from '../../lib/format';
import { Empty, ErrorState, Loading } from '../common/states';
import { fieldErrors } from '../common/issues';
import { useLookups } from '../common/lookups';

const ROLE_LABELS: Record<Role, string> = { admin: 'Administrator', technician: 'Technician', auditor: 'Auditor', requester: 'Requester' };

function UserForm({ user, opened, onClose }: { user: User | null; opened: boolean; onClose(): void }) {
  const { groups, sites } = useLookups();
  const [username, setUsername] = useState('');
  const [displayName, setDisplayName] = useState('');
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<Role>('technician');
  const [siteIds, setSiteIds] = useState<string[]>([]);
  const [groupIds, setGroupIds] = useState<string[]>([]);
  const [active, setActive] = useState(true);
  const [password, setPassword] = useState('');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    if (!opened) return;
    setUsername(user?.username ?? '');
    setDisplayName(user?.displayName ?? '');
    setEmail(user?.email ?? '');
    setRole(user?.role ?? 'technician');
    setSiteIds(user?.siteIds ?? sites.slice(0, 1).map((s) => s.id));
    setGroupIds(user?.groupIds ?? []);
    setActive(user?.active ?? true);
    setPassword('');
    setErrors({});
    setError(null);
  }, [opened, user]);

  const submit = async () => {
    setBusy(true);
    setErrors({});
    setError(null);
    try {
      if (user) {
        await api.call('users.update', {
          id: user.id,
          fields: { displayName, email: email.trim() || null, role, siteIds, groupIds, active, ...(password ? { password } : {}) },
        });
        notifications.show({ color: 'green', message: `${displayName} updated${password ? ', with a new password' : ''}.` });
      } else {
        await api.call('users.create', { username, displayName, role, password, siteIds, groupIds, ...(email.trim() ? { email } : {}) });
        notifications.show({ color: 'green', message: `${displayName} can now sign in as ${username.trim().toLowerCase()}.` });
      }
      changed('users');
      onClose();
    } catch (e) {
      const fe = fieldErrors(e);
      const flat: Record<string, string> = {};
      for (const [k, v] of Object.entries(fe)) flat[k.replace(/^fields\./, '')] = v;
      setErrors(flat);
      if (!Object.keys(flat).length) setError(errorMessage(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Modal opened={opened} onClose={onClose} title={user ? `Edit ${user.displayName}` : 'New user'} size="md">
      <Stack gap="sm">
        <TextInput
          label="Username"
          value={username}
          onChange={(e) => setUsername(e.currentTarget.value)}
          disabled={!!user}
          error={errors.username}
          required={!user}
          data-autofocus
        />
        <TextInput
          label="Display name"
          value={displayName}
          onChange={(e) => setDisplayName(e.currentTarget.value)}
          error={errors.displayName}
          required
        />
        <TextInput label="Email" value={email} onChange={(e) => setEmail(e.currentTarget.value)} error={errors.email} />
        <Select
          label="Role"
          data={ROLES.map((r) => ({ value: r, label: ROLE_LABELS[r] }))}
          value={role}
          onChange={(v) => v && setRole(v as Role)}
          allowDeselect={false}
          error={errors.role}
        />
        <MultiSelect
          label="Sites"
          data={sites.map((s) => ({ value: s.id, label: s.name }))}
          value={siteIds}
          onChange={setSiteIds}
          error={errors.siteIds}
        />
        <MultiSelect
          label="Groups"
          data={groups.map((g) => ({ value: g.id, label: g.name }))}
          value={groupIds}
          onChange={setGroupIds}
          error={errors.groupIds}
        />
        <PasswordInput
          label={user ? 'Reset password' : 'Password'}
          description={user ? 'Leave empty to keep the current password.' : 'At least 8 characters.'}
          value={password}
          onChange={(e) => setPassword(e.currentTarget.value)}
          error={errors.password}
          required={!user}
          autoComplete="new-password"
        />
        {user && <Switch label="Active (can sign in)" checked={active} onChange={(e) => setActive(e.currentTarget.checked)} />}
        {error && (
          <Alert color="red" variant="light">
            {error}
          </Alert>
        )}
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            Cancel
          </Button>
          <Button onClick={() => void submit()} loading={busy}>
            {user ? 'Save' : 'Create user'}
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}

export function UsersSettings() {
  const q = useCall('users.list', { includeInactive: true });
  const { groups, sites } = useLookups();
  const [editing, setEditing] = useState<User | null>(null);
  const [creating, setCreating] = useState(false);
  const names = (ids: string[], list: { id: string; name: string }[]) =>
    ids.map((id) => list.find((x) => x.id === id)?.name ?? '?').join(', ');
  const users = q.data?.items;

  return (
    <Stack gap="sm">
      <Group justify="space-between">
        <Text size="sm" c="dimmed">
          People who can sign in on this computer, and the requesters tickets are raised for.
        </Text>
        <Button size="xs" leftSection={<IconPlus size={14} />} onClick={() => setCreating(true)} data-testid="new-user">
          New user
        </Button>
      </Group>
      {!users ? (
        q.error ? (
          <ErrorState error={q.error} onRetry={() => void q.refetch()} />
        ) : (
          <Loading />
        )
      ) : users.length === 0 ? (
        <Empty title="No users yet" />
      ) : (
        <Table striped highlightOnHover verticalSpacing={6} data-testid="users-table">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Name</Table.Th>
              <Table.Th>Username</Table.Th>
              <Table.Th>Role</Table.Th>
              <Table.Th>Sites</Table.Th>
              <Table.Th>Groups</Table.Th>
              <Table.Th style={{ whiteSpace: 'nowrap' }}>Created</Table.Th>
              <Table.Th />
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {users.map((u) => (
              <Table.Tr key={u.id} style={{ opacity: u.active ? 1 : 0.55 }}>
                <Table.Td>
                  {u.displayName}
                  {!u.active && (
                    <Badge size="xs" color="gray" ml={6}>
                      Inactive
                    </Badge>
                  )}
                </Table.Td>
                <Table.Td>{u.username}</Table.Td>
                <Table.Td>{ROLE_LABELS[u.role]}</Table.Td>
                <Table.Td>{names(u.siteIds, sites) || '—'}</Table.Td>
                <Table.Td>{names(u.groupIds, groups) || '—'}</Table.Td>
                <Table.Td style={{ whiteSpace: 'nowrap' }}>{formatDateTime(u.createdAt)}</Table.Td>
                <Table.Td>
                  <Button size="compact-xs" variant="subtle" onClick={() => setEditing(u)}>
                    Edit
                  </Button>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      <UserForm user={null} opened={creating} onClose={() => setCreating(false)} />
      <UserForm user={editing} opened={editing !== null} onClose={() => setEditing(null)} />
    </Stack>
  );
}
