/** The asset page's software-maintenance records (patch / upgrade planned, applied, failed) and adding installed software by hand. */
import { useState } from 'react';
import { Badge, Button, Card, Group, Modal, Select, Stack, Table, Text, TextInput, Textarea } from '@mantine/core';
import { IconPlus } from '@tabler/icons-react';
import {
  MAINTENANCE_KINDS,
  MAINTENANCE_STATUSES,
  type Maintenance,
  type MaintenanceKind,
  type MaintenanceStatus,
} from '../../../shared/api/software';
import { api } from '../../lib/client';
import { useCall } from '../../lib/query';
import { formatDateTime } from '../../lib/format';
import { ErrorState, Loading } from '../common/states';
import { fieldErrors } from '../common/issues';
import { runAction, useCanEditAssets } from './common';

const STATUS_COLOR: Record<MaintenanceStatus, string> = { planned: 'blue', applied: 'green', failed: 'red', cancelled: 'gray' };

export function MaintenanceSection({ assetId }: { assetId: string }) {
  const q = useCall('maintenance.list', { assetId });
  const canEdit = useCanEditAssets();
  const [editing, setEditing] = useState<Maintenance | 'new' | null>(null);
  return (
    <Card withBorder padding="md">
      <Group justify="space-between" mb="xs">
        <Text fw={600}>Maintenance</Text>
        {canEdit && (
          <Button size="compact-xs" variant="light" leftSection={<IconPlus size={12} />} onClick={() => setEditing('new')}>
            Plan or record
          </Button>
        )}
      </Group>
      {q.error && !q.data ? (
        <ErrorState error={q.error} onRetry={() => void q.refetch()} />
      ) : !q.data ? (
        <Loading />
      ) : q.data.items.length === 0 ? (
        <Text size="sm" c="dimmed">
          No patch or upgrade recorded.
        </Text>
      ) : (
        <Table fz="sm" highlightOnHover>
          <Table.Tbody>
            {q.data.items.map((m) => (
              <Table.Tr key={m.id} style={{ cursor: canEdit ? 'pointer' : undefined }} onClick={() => canEdit && setEditing(m)}>
                <Table.Td w={90}>
                  <Badge size="xs" color={STATUS_COLOR[m.status]} variant="light">
                    {m.status}
                  </Badge>
                </Table.Td>
                <Table.Td>
                  {m.title}
                  {m.software
                    ? ` · ${m.software}${m.fromVersion || m.toVersion ? ` ${m.fromVersion ?? '?'} → ${m.toVersion ?? '?'}` : ''}`
                    : ''}
                </Table.Td>
                <Table.Td c="dimmed" w={180}>
                  {m.windowStart ? formatDateTime(m.windowStart) : ''}
                </Table.Td>
                <Table.Td c="dimmed" w={110}>
                  {m.ticketNumber ?? ''}
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      <Modal opened={editing !== null} onClose={() => setEditing(null)} title={editing === 'new' ? 'Maintenance' : editing?.title}>
        {editing !== null && (
          <MaintenanceForm assetId={assetId} record={editing === 'new' ? null : editing} onDone={() => setEditing(null)} />
        )}
      </Modal>
    </Card>
  );
}

/** datetime-local ↔ ISO with offset, as the contract wants. */
function toLocalInput(iso: string | null): string {
  if (!iso) return '';
  const d = new Date(iso);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}
function fromLocalInput(v: string): string | null {
  return v ? new Date(v).toISOString() : null;
}

function MaintenanceForm({ assetId, record, onDone }: { assetId: string; record: Maintenance | null; onDone: () => void }) {
  const [kind, setKind] = useState<MaintenanceKind>(record?.kind ?? 'patch');
  const [status, setStatus] = useState<MaintenanceStatus>(record?.status ?? 'planned');
  const [title, setTitle] = useState(record?.title ?? '');
  const [software, setSoftware] = useState(record?.software ?? '');
  const [fromVersion, setFrom] = useState(record?.fromVersion ?? '');
  const [toVersion, setTo] = useState(record?.toVersion ?? '');
  const [windowStart, setStart] = useState(toLocalInput(record?.windowStart ?? null));
  const [windowEnd, setEnd] = useState(toLocalInput(record?.windowEnd ?? null));
  const [notes, setNotes] = useState(record?.notes ?? '');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);
  const save = async () => {
    if (windowStart && windowEnd && windowEnd < windowStart) return setErrors({ windowEnd: 'The window ends before it starts.' });
    setBusy(true);
    setErrors({});
    let failure: unknown = null;
    const fields = {
      kind,
      status,
      title,
      software: software.trim() || null,
      fromVersion: fromVersion.trim() || null,
      toVersion: toVersion.trim() || null,
      windowStart: fromLocalInput(windowStart),
      windowEnd: fromLocalInput(windowEnd),
      notes: notes.trim() || null,
    };
    const r = await runAction(async () => {
      try {
        return record
          ? await api.call('maintenance.update', { id: record.id, fields })
          : await api.call('maintenance.create', { assetId, ...fields });
      } catch (e) {
        failure = e;
        throw e;
      }
    }, 'Maintenance saved.');
    setBusy(false);
    if (r) onDone();
    else if (failure) {
      const fe = fieldErrors(failure);
      setErrors(Object.fromEntries(Object.entries(fe).map(([k, v]) => [k.replace(/^fields\./, ''), v])));
    }
  };
  return (
    <Stack gap="sm">
      <Group grow>
        <Select
          label="Kind"
          data={MAINTENANCE_KINDS.map((k) => ({ value: k, label: k }))}
          value={kind}
          onChange={(v) => v && setKind(v as MaintenanceKind)}
          allowDeselect={false}
        />
        <Select
          label="Status"
          data={MAINTENANCE_STATUSES.map((k) => ({ value: k, label: k }))}
          value={status}
          onChange={(v) => v && setStatus(v as MaintenanceStatus)}
          allowDeselect={false}
        />
      </Group>
      <TextInput label="Title" value={title} onChange={(e) => setTitle(e.currentTarget.value)} error={errors.title} data-autofocus />
      <Group grow>
        <TextInput label="Software" value={software} onChange={(e) => setSoftware(e.currentTarget.value)} />
        <TextInput label="From version" value={fromVersion} onChange={(e) => setFrom(e.currentTarget.value)} />
        <TextInput label="To version" value={toVersion} onChange={(e) => setTo(e.currentTarget.value)} />
      </Group>
      <Group grow>
        <TextInput
          type="datetime-local"
          label="Window starts"
          value={windowStart}
          onChange={(e) => setStart(e.currentTarget.value)}
          error={errors.windowStart}
        />
        <TextInput
          type="datetime-local"
          label="Window ends"
          value={windowEnd}
          onChange={(e) => setEnd(e.currentTarget.value)}
          error={errors.windowEnd}
        />
      </Group>
      <Textarea label="Notes" autosize minRows={2} value={notes} onChange={(e) => setNotes(e.currentTarget.value)} />
      <Group justify="flex-end">
        <Button variant="default" onClick={onDone}>
          Cancel
        </Button>
        <Button onClick={() => void save()} loading={busy}>
          Save
        </Button>
      </Group>
    </Stack>
  );
}

/** A one-line form to record software installed by hand (inventory fills the rest). */
export function AddSoftware({ assetId }: { assetId: string }) {
  const [name, setName] = useState('');
  const [version, setVersion] = useState('');
  const [vendor, setVendor] = useState('');
  const [busy, setBusy] = useState(false);
  const add = async () => {
    if (!name.trim()) return;
    setBusy(true);
    const r = await runAction(
      () => api.call('software.add', { assetId, name: name.trim(), version: version.trim() || null, vendor: vendor.trim() || null }),
      (s) => `Recorded ${s.name}${s.version ? ` ${s.version}` : ''}.`,
    );
    setBusy(false);
    if (r) {
      setName('');
      setVersion('');
      setVendor('');
    }
  };
  return (
    <Group gap="xs" mt="xs" wrap="nowrap">
      <TextInput
        size="xs"
        placeholder="Software name"
        value={name}
        onChange={(e) => setName(e.currentTarget.value)}
        style={{ flex: 2 }}
        aria-label="Software name"
      />
      <TextInput
        size="xs"
        placeholder="Version"
        value={version}
        onChange={(e) => setVersion(e.currentTarget.value)}
        style={{ flex: 1 }}
        aria-label="Version"
      />
      <TextInput
        size="xs"
        placeholder="Vendor"
        value={vendor}
        onChange={(e) => setVendor(e.currentTarget.value)}
        style={{ flex: 1 }}
        aria-label="Vendor"
      />
      <Button size="xs" variant="light" onClick={() => void add()} loading={busy} disabled={!name.trim()}>
        Add
      </Button>
    </Group>
  );
}
