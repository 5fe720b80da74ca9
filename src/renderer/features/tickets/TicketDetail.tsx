/** One ticket: header (title in place, status, priority), fields, timeline and composer. */
import { FormerNumber, ProvisionalMark } from './TicketNumber';
import { useEffect, useState } from 'react';
import {
  ActionIcon,
  Anchor,
  Badge,
  Box,
  Button,
  CloseButton,
  Divider,
  Group,
  Kbd,
  Menu,
  Paper,
  Select,
  SimpleGrid,
  Stack,
  Text,
  TextInput,
  Title,
  Tooltip,
} from '@mantine/core';
import { IconChevronDown, IconEye, IconEyeOff, IconX } from '@tabler/icons-react';
import { TAG_MAX_LENGTH, type Ticket, type TicketDetail as Detail, type TicketFields, type TicketLinkKind } from '../../../shared/api/tickets';
import {
  CONTACT_CHANNELS,
  IMPACT_LABELS,
  LEVELS,
  isOpen,
  PRIORITIES,
  PRIORITY_LABELS,
  RESOLUTION_LABELS,
  PENDING_REASON_LABELS,
  STATUS_LABELS,
  TICKET_STATUSES,
  TRANSITIONS,
  URGENCY_LABELS,
  type ContactChannel,
  type Level,
  type Priority,
  type TicketStatus,
} from '../../../shared/tickets/rules';
import { useCall } from '../../lib/query';
import { formatDateTime, formatMinutes } from '../../lib/format';
import { isStaff, useSession } from '../../stores/session';
import { ConflictBadge } from '../sync/ConflictsPage';
import { ErrorState, Loading } from '../common/states';
import { PRIORITY_COLORS, STATUS_COLORS, useLookups } from '../common/lookups';
import { act } from './actions';
import { STATUS_KEYS, useStatusDialog } from './StatusDialog';
import { Timeline } from './Timeline';
import { TicketKnowledge } from '../knowledge/Suggestions';
import { Composer } from './Composer';
import { SlaTimers } from '../sla/SlaTimers';
import { usePickers } from './Pickers';
import { TicketFindings } from '../evidence/TicketFindings';
import { TicketProblems } from '../problems/TicketProblems';
import { TicketRisks } from '../risks/TicketRisks';
import { TriageSuggestions } from '../triage/TriageSuggestions';

const CHANNEL_LABELS: Record<ContactChannel, string> = {
  phone: 'Phone',
  email: 'Email',
  portal: 'Portal',
  walk_in: 'Walk-in',
  chat: 'Chat',
  monitoring: 'Monitoring',
};

function update(t: Ticket, fields: TicketFields, what: string) {
  return act('tickets.update', { id: t.id, fields }, `${t.number}: ${what} saved.`);
}

function TitleEdit({ t, editable }: { t: Ticket; editable: boolean }) {
  const [editing, setEditing] = useState(false);
  const [value, setValue] = useState(t.title);
  useEffect(() => setValue(t.title), [t.title]);
  if (!editing)
    return (
      <Title
        order={3}
        style={{ cursor: editable ? 'text' : undefined, wordBreak: 'break-word' }}
        onClick={() => editable && setEditing(true)}
        title={editable ? 'Click to edit the title' : undefined}
        data-testid="detail-title"
      >
        {t.title}
      </Title>
    );
  const save = async () => {
    if (value.trim() && value.trim() !== t.title) {
      if (!(await update(t, { title: value }, 'title'))) return;
    }
    setEditing(false);
  };
  return (
    <TextInput
      size="md"
      autoFocus
      value={value}
      aria-label="Title"
      onChange={(e) => setValue(e.currentTarget.value)}
      onBlur={() => void save()}
      onKeyDown={(e) => {
        if (e.key === 'Enter') void save();
        if (e.key === 'Escape') {
          e.stopPropagation();
          setValue(t.title);
          setEditing(false);
        }
      }}
      error={value.trim() ? undefined : 'Title is required.'}
    />
  );
}

function StatusMenu({ t, canChange }: { t: Ticket; canChange: boolean }) {
  const openStatus = useStatusDialog((s) => s.open);
  const next = TRANSITIONS[t.status];
  const badge = (
    <Badge
      size="lg"
      variant="light"
      color={STATUS_COLORS[t.status]}
      rightSection={canChange && next.length ? <IconChevronDown size={12} /> : null}
      data-testid="detail-status"
      style={{ cursor: canChange ? 'pointer' : undefined }}
    >
      {STATUS_LABELS[t.status]}
      {t.status === 'pending' && t.pendingReason ? ` · ${PENDING_REASON_LABELS[t.pendingReason]}` : ''}
    </Badge>
  );
  if (!canChange || !next.length) return badge;
  const go = (to: TicketStatus) => {
    if (to === 'pending' || to === 'resolved') openStatus({ ids: [t.id], label: t.number, from: t.status, to });
    else void act('tickets.transition', { id: t.id, to }, `${t.number} is now ${STATUS_LABELS[to].toLowerCase()}.`);
  };
  return (
    <Menu withinPortal position="bottom-start">
      <Menu.Target>
        <Box component="button" className="bare-trigger" title="Change status">
          {badge}
        </Box>
      </Menu.Target>
      <Menu.Dropdown>
        <Menu.Label>Move to</Menu.Label>
        {/* Every status in its fixed order, as in the status dialog; the ones this ticket cannot reach are disabled. */}
        {TICKET_STATUSES.filter((s) => s !== t.status).map((s) => (
          <Menu.Item key={s} onClick={() => go(s)} disabled={!next.includes(s)} rightSection={<Kbd size="xs">{STATUS_KEYS[s]}</Kbd>}>
            {STATUS_LABELS[s]}
            {s === 'pending' || s === 'resolved' ? '…' : ''}
          </Menu.Item>
        ))}
      </Menu.Dropdown>
    </Menu>
  );
}

function PriorityControl({ t, staff }: { t: Ticket; staff: boolean }) {
  const levels = LEVELS.map((l) => ({ value: String(l), label: `${l} · ${IMPACT_LABELS[l]}` }));
  return (
    <Group gap="xs" wrap="nowrap">
      <Tooltip
        label={
          t.priorityOverridden
            ? 'Set by hand, not from the matrix'
            : `From impact ${IMPACT_LABELS[t.impact]} × urgency ${URGENCY_LABELS[t.urgency]}`
        }
      >
        {staff ? (
          <Menu withinPortal>
            <Menu.Target>
              {/* A button opens the menu (a badge cannot carry a menu's ARIA, nor take focus); its name is the priority shown. */}
              <Box component="button" className="bare-trigger" title="Change priority" style={{ flex: 'none' }}>
                <Badge
                  size="lg"
                  color={PRIORITY_COLORS[t.priority]}
                  style={{ cursor: 'pointer', flex: 'none', overflow: 'visible' }}
                  rightSection={<IconChevronDown size={12} />}
                  data-testid="detail-priority"
                >
                  {PRIORITY_LABELS[t.priority]}
                  {t.priorityOverridden ? ' *' : ''}
                </Badge>
              </Box>
            </Menu.Target>
            <Menu.Dropdown>
              <Menu.Label>Override priority</Menu.Label>
              {PRIORITIES.map((p) => (
                <Menu.Item key={p} onClick={() => void update(t, { priority: p as Priority }, 'priority')}>
                  {PRIORITY_LABELS[p]}
                </Menu.Item>
              ))}
            </Menu.Dropdown>
          </Menu>
        ) : (
          <Badge size="lg" color={PRIORITY_COLORS[t.priority]} data-testid="detail-priority">
            {PRIORITY_LABELS[t.priority]}
          </Badge>
        )}
      </Tooltip>
      {staff ? (
        <>
          <Select
            size="xs"
            w={120}
            label="Impact"
            data={levels}
            value={String(t.impact)}
            onChange={(v) => v && void update(t, { impact: Number(v) as Level }, 'impact')}
            allowDeselect={false}
          />
          <Select
            size="xs"
            w={120}
            label="Urgency"
            data={LEVELS.map((l) => ({ value: String(l), label: `${l} · ${URGENCY_LABELS[l]}` }))}
            value={String(t.urgency)}
            onChange={(v) => v && void update(t, { urgency: Number(v) as Level }, 'urgency')}
            allowDeselect={false}
          />
        </>
      ) : (
        <Text size="xs" c="dimmed">
          Impact {IMPACT_LABELS[t.impact]} × urgency {URGENCY_LABELS[t.urgency]}
        </Text>
      )}
    </Group>
  );
}

function Fields({ t, staff }: { t: Detail; staff: boolean }) {
  const { users, groups, sites, settings } = useLookups();
  const categories = settings?.categories ?? [];
  const subcats = categories.find((c) => c.name === t.category)?.subcategories ?? [];
  const people = users.map((u) => ({ value: u.id, label: u.displayName }));
  const withCurrent = (list: { value: string; label: string }[], id: string | null, name: string | null) =>
    id && !list.some((o) => o.value === id) ? [...list, { value: id, label: name ?? id }] : list;
  const ro = !staff;
  // Read-only roles see values as text: no chevrons suggesting a picker they cannot use.
  const common = {
    size: 'xs' as const,
    readOnly: ro,
    variant: ro ? ('unstyled' as const) : undefined,
    searchable: true,
    ...(ro ? { rightSection: <span /> } : {}),
  };
  return (
    <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="xs" verticalSpacing={6} data-testid="detail-fields">
      <TextInput size="xs" label="Type" value={t.type === 'incident' ? 'Incident' : 'Service request'} readOnly variant="unstyled" />
      <Select
        {...common}
        label="Category"
        placeholder="None"
        clearable={!ro}
        data={withCurrent(
          categories.map((c) => ({ value: c.name, label: c.name })),
          t.category,
          t.category,
        )}
        value={t.category}
        onChange={(v) => void update(t, { category: v, subcategory: null }, 'category')}
      />
      <Select
        {...common}
        label="Subcategory"
        placeholder={t.category ? 'None' : 'Choose a category first'}
        clearable={!ro}
        data={withCurrent(
          subcats.map((s) => ({ value: s, label: s })),
          t.subcategory,
          t.subcategory,
        )}
        value={t.subcategory}
        onChange={(v) => void update(t, { subcategory: v }, 'subcategory')}
      />
      <Select
        {...common}
        label="Group"
        placeholder="None"
        clearable={!ro}
        data={withCurrent(
          groups.map((g) => ({ value: g.id, label: g.name })),
          t.groupId,
          t.groupName,
        )}
        value={t.groupId}
        onChange={(v) => void update(t, { groupId: v }, 'group')}
      />
      <Select
        {...common}
        label="Assignee"
        placeholder="Unassigned"
        clearable={!ro}
        data={withCurrent(
          users.filter((u) => u.role === 'admin' || u.role === 'technician').map((u) => ({ value: u.id, label: u.displayName })),
          t.assigneeId,
          t.assigneeName,
        )}
        value={t.assigneeId}
        onChange={(v) => void update(t, { assigneeId: v }, 'assignee')}
        data-testid="field-assignee"
      />
      <Select
        {...common}
        label="Requester"
        placeholder="None"
        clearable={!ro}
        data={withCurrent(people, t.requesterId, t.requesterName)}
        value={t.requesterId}
        onChange={(v) => void update(t, { requesterId: v }, 'requester')}
      />
      <Select
        {...common}
        label="Site"
        data={withCurrent(
          sites.map((s) => ({ value: s.id, label: s.name })),
          t.siteId,
          t.siteName,
        )}
        value={t.siteId}
        allowDeselect={false}
        onChange={(v) => v && void update(t, { siteId: v }, 'site')}
      />
      <Select
        {...common}
        label="Contact channel"
        placeholder="Not recorded"
        clearable={!ro}
        data={CONTACT_CHANNELS.map((c) => ({ value: c, label: CHANNEL_LABELS[c] }))}
        value={t.contactChannel}
        onChange={(v) => void update(t, { contactChannel: v as ContactChannel | null }, 'contact channel')}
      />
      <LinkedAsset t={t} ro={ro} />
      <TicketFindings ticketId={t.id} />
      <TicketRisks ticketId={t.id} />
      <TextInput size="xs" label="Opened" value={formatDateTime(t.openedAt)} readOnly variant="unstyled" />
      <TextInput size="xs" label="First response" value={formatDateTime(t.firstResponseAt)} readOnly variant="unstyled" />
      {t.resolvedAt && <TextInput size="xs" label="Resolved" value={formatDateTime(t.resolvedAt)} readOnly variant="unstyled" />}
      <TextInput size="xs" label="Time spent" value={formatMinutes(t.timeSpentMinutes)} readOnly variant="unstyled" />
    </SimpleGrid>
  );
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The linked asset as "tag · name" with a link to its page; staff change it with the `l` picker. */
function LinkedAsset({ t, ro }: { t: Ticket; ro: boolean }) {
  const role = useSession((s) => s.user?.role ?? null);
  const canRead = role !== null && role !== 'requester';
  const id = t.linkedAssetId;
  const isId = id !== null && UUID_RE.test(id);
  const q = useCall('assets.get', isId && canRead ? { id } : null);
  const openAsset = usePickers((s) => s.openAsset);
  let shown: React.ReactNode;
  if (!id) shown = <Text size="xs" c="dimmed">None</Text>;
  else if (isId && q.data)
    shown = (
      <Anchor size="xs" href={`#/assets/${q.data.id}`} data-testid="linked-asset">
        {q.data.tag} · {q.data.name}
      </Anchor>
    );
  else if (isId && canRead && !q.error) shown = <Text size="xs" c="dimmed">Loading…</Text>;
  else
    // An older placeholder (free text), an asset since removed, or a role that may not read the register.
    shown = (
      <Text size="xs" data-testid="linked-asset">
        {isId && q.error ? 'An asset no longer in the register' : isId ? 'An asset' : id}
      </Text>
    );
  return (
    // Spans both columns: a tag and a model name do not fit beside the buttons in half the pane.
    <Stack gap={2} style={{ gridColumn: '1 / -1' }}>
      <Text size="xs" fw={500}>
        Linked asset
      </Text>
      <Group gap={6} mih={30}>
        {shown}
        {!ro && (
          <Button size="compact-xs" variant="subtle" onClick={() => openAsset(t.id, t.number)} data-testid="link-asset">
            {id ? 'Change (l)' : 'Link (l)'}
          </Button>
        )}
        {!ro && id && (
          <Button size="compact-xs" variant="subtle" color="gray" onClick={() => void update(t, { linkedAssetId: null }, 'linked asset')}>
            Unlink
          </Button>
        )}
      </Group>
    </Stack>
  );
}

/** How a link reads from this ticket: [when it points from here, when it points here]. */
const LINK_LABELS: Record<TicketLinkKind, [string, string]> = {
  relates: ['Related to', 'Related to'],
  caused_by: ['Caused by', 'Causes'],
  duplicates: ['Duplicates', 'Duplicated by'],
};

/** Tags as chips (staff add with Enter, remove with ×) and who watches the ticket, with a toggle for me. */
function TagsAndWatchers({ t, staff, canWatch }: { t: Detail; staff: boolean; canWatch: boolean }) {
  const me = useSession((s) => s.user);
  const [draft, setDraft] = useState('');
  const watching = !!me && t.watchers.some((w) => w.userId === me.id);
  const add = async () => {
    const tag = draft.trim();
    if (!tag) return;
    if (await act('tickets.tag', { id: t.id, tag }, `${t.number}: tagged “${tag}”.`)) setDraft('');
  };
  return (
    <Stack gap={6}>
      <Group gap={6} wrap="wrap" data-testid="ticket-tags">
        <Text size="xs" c="dimmed" w={60}>
          Tags
        </Text>
        {t.tags.length === 0 && !staff && (
          <Text size="xs" c="dimmed">
            None
          </Text>
        )}
        {t.tags.map((tag) => (
          <Badge
            key={tag}
            variant="light"
            color="gray"
            tt="none"
            data-testid="ticket-tag"
            rightSection={
              staff ? (
                // A real button with a name, so the × is reachable by keyboard and screen readers.
                <CloseButton
                  size={14}
                  aria-label={`Remove tag ${tag}`}
                  onClick={() => void act('tickets.untag', { id: t.id, tag }, `${t.number}: tag “${tag}” removed.`)}
                />
              ) : undefined
            }
          >
            {tag}
          </Badge>
        ))}
        {staff && (
          <TextInput
            size="xs"
            w={160}
            placeholder="Add a tag…"
            aria-label="Add a tag"
            data-testid="tag-input"
            maxLength={TAG_MAX_LENGTH}
            value={draft}
            error={draft.includes(',') ? 'No commas' : undefined}
            onChange={(e) => setDraft(e.currentTarget.value)}
            onKeyDown={(e) => {
              if (e.key === 'Enter') {
                e.preventDefault();
                void add();
              }
              if (e.key === 'Escape') setDraft('');
            }}
          />
        )}
      </Group>
      {t.links.length > 0 && (
        <Group gap={6} wrap="wrap" data-testid="ticket-links">
          <Text size="xs" c="dimmed" w={60}>
            Links
          </Text>
          {t.links.map((l) => (
            <Badge key={`${l.kind}-${l.otherId}`} variant="outline" color="gray" tt="none" data-testid="ticket-link">
              {LINK_LABELS[l.kind][l.outgoing ? 0 : 1]} {l.otherNumber ?? 'a ticket in another site'}
              {l.otherTitle ? ` · ${l.otherTitle}` : ''}
            </Badge>
          ))}
        </Group>
      )}
      <Group gap={6} wrap="wrap" data-testid="ticket-watchers">
        <Text size="xs" c="dimmed" w={60}>
          Watchers
        </Text>
        <Text size="xs">{t.watchers.length ? t.watchers.map((w) => w.displayName).join(', ') : 'Nobody'}</Text>
        {canWatch && (
          <Button
            size="compact-xs"
            variant={watching ? 'light' : 'default'}
            leftSection={watching ? <IconEyeOff size={12} /> : <IconEye size={12} />}
            data-testid="watch-toggle"
            onClick={() =>
              void act(watching ? 'tickets.unwatch' : 'tickets.watch', { id: t.id }, watching ? `You stopped watching ${t.number}.` : `You are watching ${t.number}.`)
            }
          >
            {watching ? 'Unwatch' : 'Watch'}
          </Button>
        )}
      </Group>
    </Stack>
  );
}

export function TicketDetail({ number, onClose }: { number: string; onClose?: () => void }) {
  const q = useCall('tickets.getByNumber', { number });
  const role = useSession((s) => s.user?.role ?? null);
  const staff = isStaff(role);
  const t = q.data && q.data.number === number ? q.data : undefined;
  if (!t) {
    if (q.error) return <ErrorState error={q.error} onRetry={() => void q.refetch()} title={`${number} could not be opened`} />;
    return <Loading label={`Opening ${number}…`} />;
  }
  return (
    <Stack gap="md" p="md" data-testid="ticket-detail" data-number={t.number}>
      <Group justify="space-between" align="flex-start" wrap="nowrap">
        <Stack gap={4} style={{ flex: 1, minWidth: 0 }}>
          <Group gap="xs">
            <Text ff="monospace" c="dimmed" size="sm" data-testid="detail-number">
              {t.number}
            </Text>
            <ProvisionalMark number={t.number} />
            <StatusMenu t={t} canChange={staff} />
            {staff && <ConflictBadge recordId={t.id} />}
          </Group>
          <FormerNumber number={t.number} formerNumber={t.formerNumber} />
          <TitleEdit t={t} editable={staff} />
        </Stack>
        {onClose && (
          <Tooltip label="Close (Esc)">
            <ActionIcon variant="subtle" color="gray" onClick={onClose} aria-label="Close the ticket">
              <IconX size={18} />
            </ActionIcon>
          </Tooltip>
        )}
      </Group>
      <PriorityControl t={t} staff={staff} />
      {role !== 'requester' && <SlaTimers ticketId={t.id} staff={staff} />}
      {role !== 'requester' && <TicketProblems ticket={t} staff={staff} />}
      {t.status === 'resolved' || t.status === 'closed' ? (
        <Paper withBorder p="sm" bg="var(--mantine-color-green-light)">
          <Text size="sm" fw={600}>
            {t.resolutionCode ? RESOLUTION_LABELS[t.resolutionCode] : 'Resolved'}
          </Text>
          {t.resolutionNotes && (
            <Text size="sm" style={{ whiteSpace: 'pre-wrap' }} data-testid="resolution-notes">
              {t.resolutionNotes}
            </Text>
          )}
          {staff && t.status === 'resolved' && (
            <Button
              size="compact-xs"
              variant="default"
              mt={6}
              onClick={() => void act('tickets.transition', { id: t.id, to: 'in_progress' }, `${t.number} reopened.`)}
            >
              Reopen
            </Button>
          )}
        </Paper>
      ) : null}
      {t.description && (
        <Text size="sm" style={{ whiteSpace: 'pre-wrap' }}>
          {t.description}
        </Text>
      )}
      <Fields t={t} staff={staff} />
      {staff && isOpen(t.status) && (
        <TriageSuggestions
          title={t.title}
          description={t.description}
          ticketId={t.id}
          category={t.category}
          groupId={t.groupId}
          onAccept={(kind, c) =>
            void act(
              'tickets.update',
              { id: t.id, fields: kind === 'category' ? { category: c.value, subcategory: null } : { groupId: c.value } },
              `${t.number}: ${kind} set to ${c.label} (suggested, ${Math.round(c.confidence * 100)} %).`,
            )
          }
        />
      )}
      <TagsAndWatchers t={t} staff={staff} canWatch={!!role} />
      <TicketKnowledge ticketId={t.id} text={`${t.title}\n${t.description ?? ''}`} staff={staff} />
      <Divider label="Timeline" labelPosition="left" />
      {role !== 'auditor' && t.status !== 'closed' && t.status !== 'cancelled' && <Composer ticket={t} staff={staff} />}
      <Timeline entries={t.timeline} />
    </Stack>
  );
}
