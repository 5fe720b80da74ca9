/** Settings › Locations: the site → building → room tree that assets live in and audits walk. */
import { useState } from 'react';
import { Badge, Button, Card, Group, Modal, Select, Stack, Table, Text, TextInput } from '@mantine/core';
import { IconPlus } from '@tabler/icons-react';
import { LOCATION_KINDS, type LocationKind } from '../../../shared/assets/rules';
import type { Location } from '../../../shared/api/assets';
import { api } from '../../lib/client';
import { useCall } from '../../lib/query';
import { fieldErrors } from '../common/issues';
import { Empty, ErrorState, Loading } from '../common/states';
import { LocationSelect, runAction, useCanEditAssets } from './common';

const KIND_LABELS: Record<LocationKind, string> = { building: 'Building', floor: 'Floor', room: 'Room', area: 'Area' };

export function LocationsSettings() {
  const q = useCall('locations.list', {});
  const canEdit = useCanEditAssets();
  const [editing, setEditing] = useState<Location | 'new' | null>(null);
  return (
    <Stack gap="sm">
      <Group justify="space-between" wrap="nowrap">
        <Text size="sm" c="dimmed">
          Buildings, floors, rooms and areas under each site. Audits are run per location, optionally with everything below it.
        </Text>
        {canEdit && (
          <Button size="xs" leftSection={<IconPlus size={14} />} onClick={() => setEditing('new')} data-testid="location-new" style={{ flexShrink: 0 }}>
            New location
          </Button>
        )}
      </Group>
      {q.error && !q.data ? (
        <ErrorState error={q.error} onRetry={() => void q.refetch()} />
      ) : !q.data ? (
        <Loading />
      ) : q.data.items.length === 0 ? (
        <Empty title="No location yet">Add a building, then its rooms, or import Snipe-IT locations.</Empty>
      ) : (
        <Card withBorder p={0}>
          <Table highlightOnHover fz="sm">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Location</Table.Th>
                <Table.Th>Kind</Table.Th>
                <Table.Th>Site</Table.Th>
                <Table.Th ta="right">Assets here</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {[...q.data.items]
                .sort((a, b) => a.path.localeCompare(b.path))
                .map((l) => (
                  <Table.Tr key={l.id} style={{ cursor: canEdit ? 'pointer' : undefined }} onClick={() => canEdit && setEditing(l)}>
                    <Table.Td style={{ paddingLeft: 12 + l.depth * 18 }}>{l.name}</Table.Td>
                    <Table.Td>
                      <Badge size="xs" variant="light">
                        {KIND_LABELS[l.kind]}
                      </Badge>
                    </Table.Td>
                    <Table.Td>{l.siteName ?? '—'}</Table.Td>
                    <Table.Td ta="right">{l.assetCount}</Table.Td>
                  </Table.Tr>
                ))}
            </Table.Tbody>
          </Table>
        </Card>
      )}
      <Modal
        opened={editing !== null}
        onClose={() => setEditing(null)}
        title={editing === 'new' ? 'New location' : `Edit ${editing?.name ?? ''}`}
      >
        {editing !== null && <LocationForm location={editing === 'new' ? null : editing} onDone={() => setEditing(null)} />}
      </Modal>
    </Stack>
  );
}

function LocationForm({ location, onDone }: { location: Location | null; onDone: () => void }) {
  const sites = useCall('sites.list', {});
  const [name, setName] = useState(location?.name ?? '');
  const [kind, setKind] = useState<LocationKind>(location?.kind ?? 'room');
  const [siteId, setSiteId] = useState<string | null>(location?.siteId ?? null);
  const [parentId, setParentId] = useState<string | null>(location?.parentId ?? null);
  const [address, setAddress] = useState(location?.address ?? '');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);
  const save = async () => {
    setBusy(true);
    setErrors({});
    let failure: unknown = null;
    const r = await runAction(
      async () => {
        try {
          return location
            ? await api.call('locations.update', { id: location.id, fields: { name, kind, parentId, address: address.trim() || null } })
            : await api.call('locations.create', {
                name,
                kind,
                siteId: siteId ?? undefined,
                parentId,
                address: address.trim() || undefined,
              });
        } catch (e) {
          failure = e;
          throw e;
        }
      },
      (l) => `Saved ${l.path || l.name}.`,
    );
    setBusy(false);
    if (r) onDone();
    else if (failure) setErrors(fieldErrors(failure));
  };
  return (
    <Stack gap="sm">
      <TextInput
        label="Name"
        value={name}
        onChange={(e) => setName(e.currentTarget.value)}
        error={errors.name ?? errors['fields.name']}
        data-autofocus
        data-testid="location-name"
      />
      <Select
        label="Kind"
        data={LOCATION_KINDS.map((k) => ({ value: k, label: KIND_LABELS[k] }))}
        value={kind}
        onChange={(v) => v && setKind(v as LocationKind)}
        allowDeselect={false}
      />
      {!location && (
        <Select
          label="Site"
          placeholder="The first site"
          clearable
          data={(sites.data?.items ?? []).map((s) => ({ value: s.id, label: s.name }))}
          value={siteId}
          onChange={setSiteId}
        />
      )}
      <LocationSelect
        label="Inside"
        placeholder="Directly under the site"
        siteId={siteId ?? location?.siteId}
        value={parentId}
        onChange={setParentId}
        error={errors.parentId ?? errors['fields.parentId']}
      />
      <TextInput label="Address" value={address} onChange={(e) => setAddress(e.currentTarget.value)} />
      <Group justify="flex-end">
        <Button variant="default" onClick={onDone}>
          Cancel
        </Button>
        <Button onClick={() => void save()} loading={busy} data-testid="location-save">
          Save
        </Button>
      </Group>
    </Stack>
  );
}
