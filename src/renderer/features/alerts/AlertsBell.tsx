/** The alerts bell in the top bar (count + panel), the count for the navigation, and the full alerts page. */
import { useState } from 'react';
import { ActionIcon, Badge, Chip, Drawer, Group, Indicator, Stack, Text, Title, Tooltip, UnstyledButton } from '@mantine/core';
import { IconBell } from '@tabler/icons-react';
import { ALERT_KINDS, ALERT_KIND_LABELS, type Alert, type AlertKind } from '../../../shared/api/alerts';
import { useCall } from '../../lib/query';
import { navigate } from '../../lib/router';
import { useRole } from '../../stores/session';
import { Empty, ErrorState, Loading } from '../common/states';
import { formatDay } from '../assets/common';

const SEVERITY_COLOR = { info: 'blue', warning: 'orange', critical: 'red' } as const;
const READERS = ['admin', 'technician', 'auditor'];

function openAlert(a: Alert) {
  if (a.recordType === 'asset') navigate(`/assets/${a.recordId}`);
  else if (a.recordType === 'risk') navigate(`/risks/${a.recordId}`);
  else if (a.recordType === 'ticket') navigate(`/queue/${a.recordNumber ?? ''}`);
  else if (a.recordType === 'change') navigate(`/changes/${a.recordId}`);
  else navigate(`/licences?entitlement=${a.recordId}`);
}

/** Small count for the nav entry; nothing when there is nothing to see. */
export function AlertsNavBadge() {
  const q = useCall('alerts.count', {});
  const n = q.data?.total ?? 0;
  if (!n) return null;
  return (
    <Badge size="sm" color="red" variant="filled" data-testid="alerts-nav-count">
      {n > 999 ? '999+' : n}
    </Badge>
  );
}

export function AlertsBell() {
  const role = useRole();
  const [open, setOpen] = useState(false);
  const enabled = role !== null && READERS.includes(role);
  const q = useCall('alerts.count', enabled ? {} : null);
  if (!enabled) return null;
  const n = q.data?.total ?? 0;
  return (
    <>
      <Tooltip label={n ? `${n} alert${n === 1 ? '' : 's'}` : 'No alerts'}>
        <Indicator label={n > 99 ? '99+' : n} size={16} color="red" disabled={!n} offset={4}>
          <ActionIcon variant="subtle" color="gray" onClick={() => setOpen(true)} aria-label="Alerts" data-testid="alerts-bell">
            <IconBell size={20} />
          </ActionIcon>
        </Indicator>
      </Tooltip>
      <Drawer opened={open} onClose={() => setOpen(false)} position="right" size="md" title="Alerts">
        {open && <AlertList compact onOpen={() => setOpen(false)} />}
      </Drawer>
    </>
  );
}

export function AlertList({ onOpen }: { compact?: boolean; onOpen?: () => void }) {
  const [kind, setKind] = useState<AlertKind | 'all'>('all');
  const q = useCall('alerts.list', kind === 'all' ? {} : { kinds: [kind] });
  const counts = q.data?.counts;
  return (
    <Stack gap="sm" data-testid="alerts-list">
      <Chip.Group value={kind} onChange={(v) => setKind(v as AlertKind | 'all')}>
        <Group gap={6}>
          <Chip value="all" size="xs">
            All{q.data && kind === 'all' ? ` (${q.data.total})` : ''}
          </Chip>
          {ALERT_KINDS.map((k) => (
            <Chip key={k} value={k} size="xs">
              {ALERT_KIND_LABELS[k]}
              {counts ? ` (${counts[k]})` : ''}
            </Chip>
          ))}
        </Group>
      </Chip.Group>
      {q.error && !q.data ? (
        <ErrorState error={q.error} onRetry={() => void q.refetch()} />
      ) : !q.data ? (
        <Loading label="Loading alerts…" />
      ) : q.data.items.length === 0 ? (
        <Empty title="Nothing needs attention">
          Warranties, renewals, overdue audits, end-of-life software, known exploited vulnerabilities, escalations that notify you and changes awaiting your approval show here.
        </Empty>
      ) : (
        q.data.items.map((a) => (
          <UnstyledButton
            key={a.id}
            onClick={() => {
              onOpen?.();
              openAlert(a);
            }}
            style={{ borderLeft: `3px solid var(--mantine-color-${SEVERITY_COLOR[a.severity]}-6)`, paddingLeft: 8 }}
          >
            <Group justify="space-between" wrap="nowrap" gap="xs">
              <Text size="sm" fw={600} truncate>
                {a.title}
              </Text>
              {a.due && (
                <Text size="xs" c="dimmed" style={{ whiteSpace: 'nowrap' }}>
                  {formatDay(a.due)}
                </Text>
              )}
            </Group>
            <Text size="xs" c="dimmed" lineClamp={2} title={a.detail}>
              {ALERT_KIND_LABELS[a.kind]} · {a.detail}
            </Text>
          </UnstyledButton>
        ))
      )}
    </Stack>
  );
}

export function AlertsPage() {
  return (
    <div style={{ overflow: 'auto', height: '100%' }}>
      <Stack p="md" gap="md" maw={900}>
        <Title order={2}>Alerts</Title>
        <AlertList />
      </Stack>
    </div>
  );
}
