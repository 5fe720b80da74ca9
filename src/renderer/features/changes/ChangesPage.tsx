/** Changes (/changes): a filtered, virtualised list worked from the keyboard (j/k, Enter, /, n), the change calendar (/changes/calendar) and one change (/changes/<id>). */
import { useMemo, useState } from 'react';
import { Badge, Button, Group, Modal, MultiSelect, NumberInput, Select, Stack, Text, TextInput, Title } from '@mantine/core';
import { IconCalendarEvent, IconPlus, IconSearch } from '@tabler/icons-react';
import { CHANGE_STATUSES, CHANGE_STATUS_LABELS, CHANGE_TYPES, CHANGE_TYPE_LABELS, type ChangeStatus, type ChangeType } from '../../../shared/itsm/rules';
import type { ChangeFilter, ChangeSummary } from '../../../shared/api/changes';
import { api, errorMessage } from '../../lib/client';
import { invalidate, useCall } from '../../lib/query';
import { navigate, useRoute } from '../../lib/router';
import { useKeys } from '../../lib/keys';
import { useKeysetPages } from '../../lib/pages';
import { formatDateTime } from '../../lib/format';
import { isStaff, useRole } from '../../stores/session';
import { Empty, ErrorState, Loading } from '../common/states';
import { RecordList } from '../common/RecordList';
import { useLookups } from '../common/lookups';
import { ChangePage } from './ChangePage';
import { ChangeCalendar } from './ChangeCalendar';
import { CHANGE_STATUS_COLORS, CollisionBadge, NewChange } from './common';

const PAGE = 200;

export function ChangesPage() {
  const { segments } = useRoute();
  if (segments[1] === 'calendar') return <ChangeCalendar />;
  return segments[1] ? <ChangePage key={segments[1]} id={segments[1]} /> : <ChangeList />;
}

function ChangeList() {
  const role = useRole();
  const staff = isStaff(role);
  const [q, setQ] = useState('');
  const [status, setStatus] = useState<string[]>([]);
  const [type, setType] = useState<string | null>(null);
  const [creating, setCreating] = useState(false);
  const [policyOpen, setPolicyOpen] = useState(false);
  const filter = useMemo(
    (): ChangeFilter => ({ ...(q.trim() ? { q: q.trim() } : {}), ...(status.length ? { status: status as ChangeStatus[] } : {}), ...(type ? { type: type as ChangeType } : {}) }),
    [q, status, type],
  );
  // Keyset pages newest number first, loaded as the list scrolls (no cap on how far).
  const list = useKeysetPages<ChangeSummary>(
    JSON.stringify(filter),
    (key, cursor) => api.call('changes.list', { ...(JSON.parse(key) as ChangeFilter), limit: PAGE, cursor }),
    (d) => d.startsWith('change') || d === 'team_settings' || d === 'users',
  );
  useKeys({ n: () => setCreating(true) }, { enabled: staff && !creating });
  return (
    <Stack p="md" gap="md" h="100%" style={{ overflow: 'hidden' }}>
      <Group justify="space-between">
        <Title order={2}>Changes</Title>
        <Group gap="xs">
          <Button size="xs" variant="light" leftSection={<IconCalendarEvent size={14} />} onClick={() => navigate('/changes/calendar')} data-testid="change-calendar-open">
            Calendar
          </Button>
          {role === 'admin' && (
            <Button size="xs" variant="default" onClick={() => setPolicyOpen(true)} data-testid="change-policy-open">
              Approvers
            </Button>
          )}
          {staff && (
            <Button size="xs" leftSection={<IconPlus size={14} />} onClick={() => setCreating(true)} data-testid="change-new">
              New change
            </Button>
          )}
        </Group>
      </Group>
      <Group gap="sm" align="flex-end">
        <TextInput id="change-search" label="Search" placeholder="Title or CHG number" leftSection={<IconSearch size={14} />} value={q} onChange={(e) => setQ(e.currentTarget.value)} w={240} />
        <MultiSelect label="Status" data={CHANGE_STATUSES.map((s) => ({ value: s, label: CHANGE_STATUS_LABELS[s] }))} value={status} onChange={setStatus} w={300} clearable />
        <Select label="Type" placeholder="Any" data={CHANGE_TYPES.map((t) => ({ value: t, label: CHANGE_TYPE_LABELS[t] }))} value={type} onChange={setType} w={160} clearable />
        <Text size="sm" c="dimmed" mb={8} data-testid="change-total">
          {list.total !== null ? `${list.total} change${list.total === 1 ? '' : 's'}` : ''}
        </Text>
      </Group>
      {list.error && !list.items.length ? (
        <ErrorState error={list.error} onRetry={list.reload} />
      ) : list.loading && !list.items.length ? (
        <Loading label="Loading changes…" />
      ) : list.items.length === 0 ? (
        <Empty title={!q && !status.length && !type ? 'No change yet' : 'No change matches'}>{staff ? 'Plan one with New change (n).' : 'Changes the team plans show here.'}</Empty>
      ) : (
        <RecordList items={list.items} hasMore={list.hasMore} loadMore={list.more} label="Changes" testid="change-list" searchId="change-search" pathOf={(c) => `/changes/${c.id}`}>
          {(c) => (
            <>
              <Text size="sm" w={90}>
                {CHANGE_TYPE_LABELS[c.type]}
              </Text>
              <Text size="sm" style={{ flex: 1, overflow: 'hidden', textOverflow: 'ellipsis', whiteSpace: 'nowrap' }}>
                {c.title}
              </Text>
              <CollisionBadge c={c} />
              <Badge size="sm" variant="light" color={CHANGE_STATUS_COLORS[c.status]}>
                {CHANGE_STATUS_LABELS[c.status]}
              </Badge>
              <Text size="sm" c="dimmed" w={170}>
                {c.windowStart ? formatDateTime(c.windowStart) : 'No window'}
              </Text>
            </>
          )}
        </RecordList>
      )}
      {creating && <NewChange onClose={() => setCreating(false)} />}
      {policyOpen && <PolicyDialog onClose={() => setPolicyOpen(false)} />}
    </Stack>
  );
}

function PolicyDialog({ onClose }: { onClose: () => void }) {
  const policy = useCall('changes.policy', {});
  const { groups } = useLookups();
  const [groupId, setGroupId] = useState<string | null | undefined>(undefined);
  const [normal, setNormal] = useState<number | null>(null);
  const [emergency, setEmergency] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);
  if (!policy.data) return null;
  const g = groupId === undefined ? policy.data.groupId : groupId;
  const n = normal ?? policy.data.quorum.normal;
  const em = emergency ?? policy.data.quorum.emergency;
  const save = async () => {
    try {
      await api.call('changes.setPolicy', { groupId: g, quorum: { normal: n, emergency: em } });
      invalidate((x) => x.startsWith('changes.'));
      onClose();
    } catch (e) {
      setError(errorMessage(e));
    }
  };
  return (
    <Modal opened onClose={onClose} title="Change approvers">
      <Stack>
        <Text size="sm">Administrators approve changes; so do the members of the group named here. Standard changes need no approval.</Text>
        <Select label="Approvers' group" placeholder="Administrators only" clearable data={groups.map((x) => ({ value: x.id, label: x.name }))} value={g} onChange={setGroupId} data-testid="change-policy-group" />
        <NumberInput label="Approvals a normal change needs" min={1} max={20} value={n} onChange={(v) => setNormal(Number(v) || 1)} data-testid="change-policy-normal" />
        <NumberInput label="Approvals an emergency change needs" min={1} max={20} value={em} onChange={(v) => setEmergency(Number(v) || 1)} />
        {error && (
          <Text c="red" size="sm">
            {error}
          </Text>
        )}
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            Cancel
          </Button>
          <Button onClick={() => void save()} data-testid="change-policy-save">
            Save
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
