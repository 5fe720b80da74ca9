/**
 * Settings → SLA: business-hours calendars (weekly hours, time zone, holidays, iCalendar import) and
 * SLA policies (targets per priority, narrowing, warning share, escalation levels).
 */
import { useEffect, useState } from 'react';
import {
  ActionIcon,
  Alert,
  Button,
  Checkbox,
  FileButton,
  Group,
  Modal,
  NumberInput,
  Select,
  Stack,
  Switch,
  Table,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { IconPlus, IconTrash } from '@tabler/icons-react';
import { notifications } from '@mantine/notifications';
import type { Calendar, Holiday } from '../../../shared/sla/calendar';
import { DAY_NAMES } from '../../../shared/sla/calendar';
import type { EscalationLevel, SlaPolicy } from '../../../shared/sla/policy';
import { PRIORITIES, PRIORITY_LABELS, TICKET_TYPES } from '../../../shared/tickets/rules';
import { api, errorMessage } from '../../lib/client';
import { changed, useCall } from '../../lib/query';
import { Empty, ErrorState, Loading } from '../common/states';
import { useLookups } from '../common/lookups';
import { useRole } from '../../stores/session';
import { formatLeft } from './chip';

const hhmm = (m: number) => `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
const minutesOf = (s: string) => {
  const m = /^(\d{1,2}):(\d{2})$/.exec(s.trim());
  return m ? Number(m[1]) * 60 + Number(m[2]) : null;
};

function CalendarForm({ cal, opened, onClose }: { cal: Calendar | null; opened: boolean; onClose(): void }) {
  const [name, setName] = useState('');
  const [timezone, setTimezone] = useState('');
  const [days, setDays] = useState<{ on: boolean; start: string; end: string }[]>([]);
  const [holidays, setHolidays] = useState<Holiday[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [problems, setProblems] = useState<string[]>([]);
  useEffect(() => {
    if (!opened) return;
    setName(cal?.name ?? '');
    setTimezone(cal?.timezone ?? Intl.DateTimeFormat().resolvedOptions().timeZone ?? 'UTC');
    setDays(
      DAY_NAMES.map((_, d) => {
        const w = cal?.hours.find((h) => h[0] === d);
        return w ? { on: true, start: hhmm(w[1]), end: hhmm(w[2]) } : { on: !cal && d >= 1 && d <= 5, start: '09:00', end: '17:00' };
      }),
    );
    setHolidays([...(cal?.holidays ?? [])]);
    setError(null);
    setProblems([]);
  }, [opened, cal]);
  const importIcs = async (file: File | null) => {
    if (!file) return;
    setError(null);
    try {
      const year = new Date().getFullYear();
      const r = await api.call('sla.importHolidays', { text: await file.text(), fromYear: year, toYear: year + 2 });
      const byDate = new Map(holidays.map((h) => [h.date, h]));
      for (const h of r.holidays) if (!byDate.has(h.date)) byDate.set(h.date, h);
      setHolidays([...byDate.values()].sort((a, b) => (a.date < b.date ? -1 : 1)));
      setProblems(r.problems);
      notifications.show({ message: `${r.holidays.length} holidays read from ${file.name} (${year}–${year + 2}). Save to keep them.` });
    } catch (e) {
      setError(errorMessage(e));
    }
  };
  const submit = async () => {
    const hours: [number, number, number][] = [];
    for (const [d, x] of days.entries()) {
      if (!x.on) continue;
      const s = minutesOf(x.start);
      const e = x.end.trim() === '24:00' ? 1440 : minutesOf(x.end);
      if (s === null || e === null || e <= s) {
        setError(`${DAY_NAMES[d]}: opening hours look like 09:00 to 17:00, the end after the start.`);
        return;
      }
      hours.push([d, s, e]);
    }
    if (!hours.length) {
      setError('Open the calendar on at least one day (all seven days from 00:00 to 24:00 for around the clock).');
      return;
    }
    try {
      await api.call('sla.saveCalendar', { ...(cal ? { id: cal.id } : {}), name, timezone, hours, holidays });
      notifications.show({ color: 'green', message: `Calendar “${name.trim()}” saved.` });
      changed('sla');
      onClose();
    } catch (e) {
      setError(errorMessage(e));
    }
  };
  return (
    <Modal opened={opened} onClose={onClose} title={cal ? `Edit ${cal.name}` : 'New calendar'} size="lg">
      <Stack gap="sm">
        <Group grow>
          <TextInput label="Name" required value={name} onChange={(e) => setName(e.currentTarget.value)} data-autofocus />
          <TextInput label="Time zone" description="IANA name, e.g. Europe/London" required value={timezone} onChange={(e) => setTimezone(e.currentTarget.value)} />
        </Group>
        <Table verticalSpacing={4}>
          <Table.Tbody>
            {days.map((d, i) => (
              <Table.Tr key={i}>
                <Table.Td>
                  <Checkbox label={DAY_NAMES[i]} checked={d.on} onChange={(e) => setDays(days.map((x, j) => (j === i ? { ...x, on: e.currentTarget.checked } : x)))} />
                </Table.Td>
                <Table.Td>
                  <TextInput size="xs" aria-label={`${DAY_NAMES[i]} opens`} disabled={!d.on} value={d.start} onChange={(e) => setDays(days.map((x, j) => (j === i ? { ...x, start: e.currentTarget.value } : x)))} />
                </Table.Td>
                <Table.Td>
                  <TextInput size="xs" aria-label={`${DAY_NAMES[i]} closes`} disabled={!d.on} value={d.end} onChange={(e) => setDays(days.map((x, j) => (j === i ? { ...x, end: e.currentTarget.value } : x)))} />
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
        <Group justify="space-between">
          <Text size="sm" fw={600}>
            Holidays ({holidays.length})
          </Text>
          <FileButton onChange={(f) => void importIcs(f)} accept=".ics,text/calendar">
            {(props) => (
              <Button size="xs" variant="default" {...props}>
                Import iCalendar (.ics)…
              </Button>
            )}
          </FileButton>
        </Group>
        {problems.length > 0 && (
          <Alert color="yellow" title="Some events were not taken">
            {problems.map((p) => (
              <div key={p}>{p}</div>
            ))}
          </Alert>
        )}
        <Stack gap={2} mah={180} style={{ overflow: 'auto' }}>
          {holidays.map((h) => (
            <Group key={h.date} justify="space-between" wrap="nowrap">
              <Text size="sm">
                {h.date} · {h.name}
              </Text>
              <ActionIcon size="sm" variant="subtle" color="gray" aria-label={`Remove ${h.name} on ${h.date}`} onClick={() => setHolidays(holidays.filter((x) => x.date !== h.date))}>
                <IconTrash size={14} />
              </ActionIcon>
            </Group>
          ))}
        </Stack>
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

type Draft = Omit<SlaPolicy, 'id'> & { id?: string };

const EMPTY_POLICY: Draft = {
  name: '',
  position: 0,
  active: true,
  type: null,
  category: null,
  siteId: null,
  calendarId: null,
  warnShare: 0.75,
  targets: {},
  escalations: [],
};

function newLevel(n: number): EscalationLevel {
  return { key: `level-${n}`, clock: 'resolution', at: 'warning', offsetMinutes: 0, raisePriority: true, groupId: null, assigneeId: null, watcherId: null, notify: true };
}

function PolicyForm({ policy, calendars, opened, onClose }: { policy: SlaPolicy | null; calendars: Calendar[]; opened: boolean; onClose(): void }) {
  const { users, groups, sites, settings } = useLookups();
  const [d, setD] = useState<Draft>(EMPTY_POLICY);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    if (!opened) return;
    setD(policy ? { ...policy } : { ...EMPTY_POLICY });
    setError(null);
  }, [opened, policy]);
  const staff = users.filter((u) => u.role === 'admin' || u.role === 'technician').map((u) => ({ value: u.id, label: u.displayName }));
  const setTarget = (p: number, which: 'response' | 'resolution', v: string | number) => {
    const key = String(p) as '1';
    const cur = d.targets[key] ?? { response: null, resolution: null };
    const n = typeof v === 'number' && v > 0 ? Math.round(v) : null;
    const next = { ...cur, [which]: n };
    const targets = { ...d.targets };
    if (next.response === null && next.resolution === null) delete targets[key];
    else targets[key] = next;
    setD({ ...d, targets });
  };
  const setLevel = (i: number, patch: Partial<EscalationLevel>) => setD({ ...d, escalations: d.escalations.map((l, j) => (j === i ? { ...l, ...patch } : l)) });
  const submit = async () => {
    try {
      await api.call('sla.savePolicy', d);
      notifications.show({ color: 'green', message: `SLA policy “${d.name.trim()}” saved; open tickets follow it now.` });
      changed('sla');
      onClose();
    } catch (e) {
      setError(errorMessage(e));
    }
  };
  return (
    <Modal opened={opened} onClose={onClose} title={policy ? `Edit ${policy.name}` : 'New SLA policy'} size="xl">
      <Stack gap="sm">
        <Group grow align="flex-end">
          <TextInput label="Name" required value={d.name} onChange={(e) => setD({ ...d, name: e.currentTarget.value })} data-autofocus />
          <Select
            label="Business hours"
            data={[{ value: '', label: 'Around the clock' }, ...calendars.map((c) => ({ value: c.id, label: c.name }))]}
            value={d.calendarId ?? ''}
            onChange={(v) => setD({ ...d, calendarId: v || null })}
          />
          <NumberInput label="Warn at (% of target)" min={1} max={99} value={Math.round(d.warnShare * 100)} onChange={(v) => setD({ ...d, warnShare: typeof v === 'number' ? v / 100 : 0.75 })} />
        </Group>
        <Group grow>
          <Select label="Only for type" clearable data={TICKET_TYPES.map((t) => ({ value: t, label: t === 'incident' ? 'Incidents' : 'Requests' }))} value={d.type} onChange={(v) => setD({ ...d, type: (v as Draft['type']) ?? null })} />
          <Select label="Only for category" clearable searchable data={(settings?.categories ?? []).map((c) => c.name)} value={d.category} onChange={(v) => setD({ ...d, category: v ?? null })} />
          <Select label="Only for site" clearable data={sites.map((s) => ({ value: s.id, label: s.name }))} value={d.siteId} onChange={(v) => setD({ ...d, siteId: v ?? null })} />
          <NumberInput label="Order" min={0} value={d.position} onChange={(v) => setD({ ...d, position: typeof v === 'number' ? v : 0 })} />
        </Group>
        <Switch label="Active" checked={d.active} onChange={(e) => setD({ ...d, active: e.currentTarget.checked })} />
        <Title order={6}>Targets (business minutes)</Title>
        <Table verticalSpacing={4}>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Priority</Table.Th>
              <Table.Th>First response</Table.Th>
              <Table.Th>Resolution</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {PRIORITIES.map((p) => (
              <Table.Tr key={p}>
                <Table.Td>{PRIORITY_LABELS[p]}</Table.Td>
                {(['response', 'resolution'] as const).map((which) => (
                  <Table.Td key={which}>
                    <NumberInput
                      size="xs"
                      min={1}
                      aria-label={`${PRIORITY_LABELS[p]} ${which === 'response' ? 'first response' : 'resolution'} minutes`}
                      placeholder="no target"
                      value={d.targets[String(p) as '1']?.[which] ?? ''}
                      onChange={(v) => setTarget(p, which, v)}
                    />
                  </Table.Td>
                ))}
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
        <Group justify="space-between">
          <Title order={6}>Escalation levels</Title>
          <Button size="xs" variant="default" leftSection={<IconPlus size={14} />} onClick={() => setD({ ...d, escalations: [...d.escalations, newLevel(d.escalations.length + 1)] })}>
            Add level
          </Button>
        </Group>
        {d.escalations.map((l, i) => (
          <Group key={i} gap="xs" align="flex-end" wrap="wrap" data-testid="escalation-level">
            <TextInput size="xs" w={90} label="Key" value={l.key} onChange={(e) => setLevel(i, { key: e.currentTarget.value })} />
            <Select size="xs" w={120} label="Clock" data={[{ value: 'response', label: 'First response' }, { value: 'resolution', label: 'Resolution' }]} value={l.clock} onChange={(v) => setLevel(i, { clock: (v as EscalationLevel['clock']) ?? 'resolution' })} />
            <Select size="xs" w={100} label="At" data={[{ value: 'warning', label: 'Warning' }, { value: 'breach', label: 'Breach' }]} value={l.at} onChange={(v) => setLevel(i, { at: (v as EscalationLevel['at']) ?? 'warning' })} />
            <NumberInput size="xs" w={110} label="Offset (min)" description="− before" value={l.offsetMinutes} onChange={(v) => setLevel(i, { offsetMinutes: typeof v === 'number' ? Math.round(v) : 0 })} />
            <Checkbox size="xs" label="Raise priority" checked={l.raisePriority} onChange={(e) => setLevel(i, { raisePriority: e.currentTarget.checked })} />
            <Select size="xs" w={130} label="Group" clearable data={groups.map((g) => ({ value: g.id, label: g.name }))} value={l.groupId} onChange={(v) => setLevel(i, { groupId: v ?? null })} />
            <Select size="xs" w={130} label="Assignee" clearable data={staff} value={l.assigneeId} onChange={(v) => setLevel(i, { assigneeId: v ?? null })} />
            <Select size="xs" w={130} label="Watcher" clearable data={staff} value={l.watcherId} onChange={(v) => setLevel(i, { watcherId: v ?? null })} />
            <Checkbox size="xs" label="Notify" checked={l.notify} onChange={(e) => setLevel(i, { notify: e.currentTarget.checked })} />
            <ActionIcon variant="subtle" color="gray" aria-label={`Remove level ${l.key}`} onClick={() => setD({ ...d, escalations: d.escalations.filter((_, j) => j !== i) })}>
              <IconTrash size={14} />
            </ActionIcon>
          </Group>
        ))}
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

function targetsText(p: SlaPolicy): string {
  return PRIORITIES.flatMap((pr) => {
    const t = p.targets[String(pr) as '1'];
    if (!t) return [];
    return [`P${pr} ${t.response ? formatLeft(t.response * 60_000) : '—'} / ${t.resolution ? formatLeft(t.resolution * 60_000) : '—'}`];
  }).join(' · ');
}

export function SlaSettings() {
  const q = useCall('sla.settings', {});
  const admin = useRole() === 'admin';
  const { sites } = useLookups();
  const [cal, setCal] = useState<Calendar | null | 'new'>(null);
  const [pol, setPol] = useState<SlaPolicy | null | 'new'>(null);
  const remove = async (what: 'calendar' | 'policy', id: string, name: string) => {
    try {
      if (what === 'calendar') await api.call('sla.deleteCalendar', { id });
      else await api.call('sla.deletePolicy', { id });
      notifications.show({ message: `“${name}” deleted.` });
      changed('sla');
    } catch (e) {
      notifications.show({ color: 'red', message: errorMessage(e) });
    }
  };
  if (!q.data) return q.error ? <ErrorState error={q.error} onRetry={() => void q.refetch()} /> : <Loading />;
  const { calendars, policies } = q.data;
  return (
    <Stack gap="lg">
      <Stack gap="sm">
        {/* The description and its action on one row, as on every settings page. */}
        <Group justify="space-between" wrap="nowrap" align="flex-start">
          <Text size="sm" c="dimmed">
            SLA policies: targets per priority in business time. The most specific active policy that has targets for a ticket’s priority applies; the clock pauses while a ticket is pending on the customer or a vendor.
          </Text>
          {admin && (
            <Button size="xs" leftSection={<IconPlus size={14} />} onClick={() => setPol('new')} style={{ flexShrink: 0 }}>
              New policy
            </Button>
          )}
        </Group>
        {policies.length === 0 ? (
          <Empty title="No SLA policies yet">Add a policy with targets per priority to start SLA clocks on tickets.</Empty>
        ) : (
          <Table striped verticalSpacing={6} data-testid="sla-policies">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Name</Table.Th>
                <Table.Th>Applies to</Table.Th>
                <Table.Th>Targets (response / resolution)</Table.Th>
                <Table.Th>Hours</Table.Th>
                <Table.Th>Levels</Table.Th>
                <Table.Th />
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {policies.map((p) => (
                <Table.Tr key={p.id}>
                  <Table.Td>
                    {p.name}
                    {!p.active ? ' (inactive)' : ''}
                  </Table.Td>
                  <Table.Td>{[p.type, p.category, p.siteId ? (sites.find((s) => s.id === p.siteId)?.name ?? 'a site') : null].filter(Boolean).join(', ') || 'All tickets'}</Table.Td>
                  <Table.Td>{targetsText(p) || '—'}</Table.Td>
                  <Table.Td>{calendars.find((c) => c.id === p.calendarId)?.name ?? 'Around the clock'}</Table.Td>
                  <Table.Td>{p.escalations.length}</Table.Td>
                  <Table.Td>
                    {admin && (
                      <Group gap={4} wrap="nowrap">
                        <Button size="compact-xs" variant="subtle" onClick={() => setPol(p)}>
                          Edit
                        </Button>
                        <Button size="compact-xs" variant="subtle" color="red" onClick={() => void remove('policy', p.id, p.name)}>
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
      </Stack>
      <Stack gap="sm">
        <Group justify="space-between">
          <Title order={5}>Business-hours calendars</Title>
          {admin && (
            <Button size="xs" variant="default" leftSection={<IconPlus size={14} />} onClick={() => setCal('new')}>
              New calendar
            </Button>
          )}
        </Group>
        {calendars.length === 0 ? (
          <Empty title="No calendars yet">Without a calendar a policy counts around the clock. Add office hours and holidays (or import them from an .ics file).</Empty>
        ) : (
          <Table striped verticalSpacing={6} data-testid="sla-calendars">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Name</Table.Th>
                <Table.Th>Time zone</Table.Th>
                <Table.Th>Hours</Table.Th>
                <Table.Th>Holidays</Table.Th>
                <Table.Th />
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {calendars.map((c) => (
                <Table.Tr key={c.id}>
                  <Table.Td>{c.name}</Table.Td>
                  <Table.Td>{c.timezone}</Table.Td>
                  <Table.Td>{c.hours.map(([d, s, e]) => `${DAY_NAMES[d]!.slice(0, 3)} ${hhmm(s)}–${hhmm(e)}`).join(', ') || 'Around the clock'}</Table.Td>
                  <Table.Td>{c.holidays.length}</Table.Td>
                  <Table.Td>
                    {admin && (
                      <Group gap={4} wrap="nowrap">
                        <Button size="compact-xs" variant="subtle" onClick={() => setCal(c)}>
                          Edit
                        </Button>
                        <Button size="compact-xs" variant="subtle" color="red" onClick={() => void remove('calendar', c.id, c.name)}>
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
      </Stack>
      <CalendarForm cal={cal === 'new' ? null : cal} opened={cal !== null} onClose={() => setCal(null)} />
      <PolicyForm policy={pol === 'new' ? null : pol} calendars={calendars} opened={pol !== null} onClose={() => setPol(null)} />
    </Stack>
  );
}
