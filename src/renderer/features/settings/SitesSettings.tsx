/** Sites (offices, campuses): the scope tickets and, later, assets belong to. */
import { useEffect, useState } from 'react';
import { Alert, Button, Group, Modal, Stack, Table, Text, TextInput } from '@mantine/core';
import { IconPlus } from '@tabler/icons-react';
import { notifications } from '@mantine/notifications';
import type { Site } from '../../../shared/api/directory';
import { api, errorMessage } from '../../lib/client';
import { changed, useCall } from '../../lib/query';
import { Empty, ErrorState, Loading } from '../common/states';
import { fieldErrors } from '../common/issues';

function SiteForm({ site, opened, onClose }: { site: Site | null; opened: boolean; onClose(): void }) {
  const [name, setName] = useState('');
  const [code, setCode] = useState('');
  const [timezone, setTimezone] = useState('');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    if (!opened) return;
    setName(site?.name ?? '');
    setCode(site?.code ?? '');
    setTimezone(site?.timezone ?? Intl.DateTimeFormat().resolvedOptions().timeZone);
    setErrors({});
    setError(null);
  }, [opened, site]);
  const submit = async () => {
    try {
      if (site)
        await api.call('sites.update', { id: site.id, fields: { name, code: code.trim() || null, timezone: timezone.trim() || null } });
      else await api.call('sites.create', { name, ...(code.trim() ? { code } : {}), ...(timezone.trim() ? { timezone } : {}) });
      notifications.show({ color: 'green', message: `Site “${name.trim()}” saved.` });
      changed('sites');
      onClose();
    } catch (e) {
      const fe = Object.fromEntries(Object.entries(fieldErrors(e)).map(([k, v]) => [k.replace(/^fields\./, ''), v]));
      setErrors(fe);
      if (!Object.keys(fe).length) setError(errorMessage(e));
    }
  };
  return (
    <Modal opened={opened} onClose={onClose} title={site ? `Edit ${site.name}` : 'New site'}>
      <Stack gap="sm">
        <TextInput label="Name" required value={name} onChange={(e) => setName(e.currentTarget.value)} error={errors.name} data-autofocus />
        <TextInput
          label="Short code"
          description="Up to 16 characters, e.g. HQ or LDN."
          value={code}
          onChange={(e) => setCode(e.currentTarget.value)}
          error={errors.code}
        />
        <TextInput label="Time zone" value={timezone} onChange={(e) => setTimezone(e.currentTarget.value)} error={errors.timezone} />
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

export function SitesSettings() {
  const q = useCall('sites.list', {});
  const [editing, setEditing] = useState<Site | null>(null);
  const [creating, setCreating] = useState(false);
  const items = q.data?.items;
  return (
    <Stack gap="sm">
      <Group justify="space-between">
        <Text size="sm" c="dimmed">
          Each ticket belongs to a site; people see the sites they are given.
        </Text>
        <Button size="xs" leftSection={<IconPlus size={14} />} onClick={() => setCreating(true)}>
          New site
        </Button>
      </Group>
      {!items ? (
        q.error ? (
          <ErrorState error={q.error} onRetry={() => void q.refetch()} />
        ) : (
          <Loading />
        )
      ) : items.length === 0 ? (
        <Empty title="No sites yet" />
      ) : (
        <Table striped highlightOnHover verticalSpacing={6}>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Name</Table.Th>
              <Table.Th>Code</Table.Th>
              <Table.Th>Time zone</Table.Th>
              <Table.Th />
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {items.map((s) => (
              <Table.Tr key={s.id}>
                <Table.Td>{s.name}</Table.Td>
                <Table.Td>{s.code ?? '—'}</Table.Td>
                <Table.Td>{s.timezone ?? '—'}</Table.Td>
                <Table.Td>
                  <Button size="compact-xs" variant="subtle" onClick={() => setEditing(s)}>
                    Edit
                  </Button>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      <SiteForm site={null} opened={creating} onClose={() => setCreating(false)} />
      <SiteForm site={editing} opened={editing !== null} onClose={() => setEditing(null)} />
    </Stack>
  );
}
