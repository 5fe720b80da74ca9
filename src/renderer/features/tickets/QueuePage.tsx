/** Triage: views down the side, filter chips, the virtualised list, and the ticket on the right. */
import { memo, useEffect, useMemo, useRef, useState } from 'react';
import { ActionIcon, Badge, Button, Group, Menu, Modal, NavLink, ScrollArea, Stack, Text, TextInput, Tooltip } from '@mantine/core';
import { IconBookmark, IconPlus, IconTrash, IconX } from '@tabler/icons-react';
import type { CallInput } from '../../../shared/api';
import { QUEUE_VIEWS, QUEUE_VIEW_LABELS, type QueueView, type SavedView, type TicketRow } from '../../../shared/api/tickets';
import { PRIORITIES, PRIORITY_LABELS, type Priority } from '../../../shared/tickets/rules';
import { useCall } from '../../lib/query';
import { navigate, useRoute } from '../../lib/router';
import { useKeys, useStableCallback } from '../../lib/keys';
import { formatNumber } from '../../lib/format';
import { useQueue, cleanFilter, queuePath } from '../../stores/queue';
import { isStaff, useSession } from '../../stores/session';
import { Empty, ErrorState, Loading } from '../common/states';
import { useLookups } from '../common/lookups';
import { act, assignTo, setPriority } from './actions';
import { FilterBar } from './FilterBar';
import { TicketList } from './TicketList';
import { usePagedTickets } from './usePagedTickets';
import { useStatusDialog } from './StatusDialog';
import { TicketDetail } from './TicketDetail';
import { AssignPicker, LinkAssetPicker, usePickers } from './Pickers';
import { useQueueUrl } from './useQueueUrl';
import { VIEW_KEYS } from '../../app/viewKeys';
import type { TicketStatus } from '../../../shared/tickets/rules';

/** A saved view's count: one keyset call with the total and a single row, cached and refreshed on changes. */
function SavedViewCount({ sv }: { sv: SavedView }) {
  const q = useCall('tickets.list', { view: sv.base, filter: sv.filter, sort: sv.sort, limit: 1, withTotal: true });
  const n = q.data?.total;
  return n === undefined || n === null ? null : (
    <Badge size="sm" variant="light" color="gray">
      {formatNumber(n)}
    </Badge>
  );
}

const ViewsSidebar = memo(function ViewsSidebar() {
  const view = useQueue((s) => s.view);
  const savedViewId = useQueue((s) => s.savedViewId);
  const filter = useQueue((s) => s.filter);
  const sort = useQueue((s) => s.sort);
  const setView = useQueue((s) => s.setView);
  const counts = useCall('tickets.counts', {});
  const saved = useCall('views.list', {});
  const [naming, setNaming] = useState(false);
  const [name, setName] = useState('');
  const countOf = (v: QueueView) => counts.data?.items.find((c) => c.view === v)?.count;

  const save = async () => {
    const r = await act(
      'views.save',
      { name, base: view, filter: cleanFilter(filter), sort: sort ?? 'priority' },
      `Saved the view “${name.trim()}”.`,
    );
    if (r) {
      setNaming(false);
      setName('');
      setView(r.base, r.id, r.filter, r.sort);
    }
  };

  return (
    <Stack
      gap={2}
      p={6}
      w={200}
      style={{ borderRight: '1px solid var(--mantine-color-default-border)', flex: 'none' }}
      data-testid="queue-views"
    >
      <Text size="xs" fw={600} c="dimmed" px="xs" pt={4} pb={2}>
        Views
      </Text>
      {QUEUE_VIEWS.map((v) => (
        <NavLink
          key={v}
          component="button"
          type="button"
          label={QUEUE_VIEW_LABELS[v]}
          title={`${QUEUE_VIEW_LABELS[v]} (g then ${VIEW_KEYS[v]})`}
          active={view === v && !savedViewId}
          onClick={() => setView(v)}
          rightSection={
            countOf(v) !== undefined ? (
              <Badge size="sm" variant="light" color="gray">
                {formatNumber(countOf(v)!)}
              </Badge>
            ) : null
          }
          data-testid={`view-${v}`}
          style={{ borderRadius: 6 }}
        />
      ))}
      <Group justify="space-between" px="xs" pt="sm" pb={2}>
        <Text size="xs" fw={600} c="dimmed">
          Saved views
        </Text>
        <Tooltip label="Save the current view and filters">
          <ActionIcon size="sm" variant="subtle" onClick={() => setNaming(true)} aria-label="Save view">
            <IconBookmark size={14} />
          </ActionIcon>
        </Tooltip>
      </Group>
      <ScrollArea.Autosize mah={300}>
        {saved.data?.items.length === 0 && (
          <Text size="xs" c="dimmed" px="xs">
            Filter the queue, then save it here.
          </Text>
        )}
        {saved.data?.items.map((sv) => (
          <NavLink
            key={sv.id}
            label={sv.name}
            active={savedViewId === sv.id}
            onClick={() => setView(sv.base, sv.id, sv.filter, sv.sort)}
            // A link without an address is skipped by Tab: make it a focusable control (its delete button sits inside).
            tabIndex={0}
            role="button"
            onKeyDown={(e) => {
              if ((e.key === 'Enter' || e.key === ' ') && e.target === e.currentTarget) {
                e.preventDefault();
                setView(sv.base, sv.id, sv.filter, sv.sort);
              }
            }}
            style={{ borderRadius: 6 }}
            rightSection={
              <Group gap={4} wrap="nowrap">
                <SavedViewCount sv={sv} />
                <ActionIcon
                  size="xs"
                  variant="subtle"
                  color="gray"
                  aria-label={`Delete view ${sv.name}`}
                  onClick={(e) => {
                    e.stopPropagation();
                    void act('views.delete', { id: sv.id }, `Deleted the view “${sv.name}”.`).then(
                      () => savedViewId === sv.id && setView('all_open'),
                    );
                  }}
                >
                  <IconTrash size={12} />
                </ActionIcon>
              </Group>
            }
          />
        ))}
      </ScrollArea.Autosize>
      <Modal opened={naming} onClose={() => setNaming(false)} title="Save this view" size="sm" returnFocus={false}>
        <Stack>
          <TextInput
            label="Name"
            value={name}
            onChange={(e) => setName(e.currentTarget.value)}
            data-autofocus
            onKeyDown={(e) => e.key === 'Enter' && void save()}
          />
          <Text size="xs" c="dimmed">
            Keeps the base view ({QUEUE_VIEW_LABELS[view]}), the filters and the sort.
          </Text>
          <Group justify="flex-end">
            <Button onClick={() => void save()} disabled={!name.trim()}>
              Save view
            </Button>
          </Group>
        </Stack>
      </Modal>
    </Stack>
  );
});

type BulkAction = CallInput<'tickets.bulk'>['action'];

/** What a single-ticket key needs to know about the ticket it acts on. */
type KeyTarget = Pick<TicketRow, 'id' | 'number' | 'status'>;

/** Current statuses of the selected tickets that are loaded (a selection is cleared whenever the list changes). */
function statusesOf(rows: TicketRow[], ids: Iterable<string>): TicketStatus[] {
  const want = new Set(ids);
  return rows.filter((r) => want.has(r.id)).map((r) => r.status);
}

function BulkBar({ rows }: { rows: TicketRow[] }) {
  const checked = useQueue((s) => s.checked);
  const clear = useQueue((s) => s.clearChecked);
  const me = useSession((s) => s.user);
  const { users } = useLookups();
  const openStatus = useStatusDialog((s) => s.open);
  const ids = [...checked];
  if (!ids.length) return null;
  const label = `${formatNumber(ids.length)} ticket${ids.length === 1 ? '' : 's'}`;
  const bulk = (action: BulkAction, msg: string) =>
    act('tickets.bulk', { ids, action }, msg).then((r) => {
      if (r) clear();
    });
  const one = ids.length === 1 ? rows.find((r) => r.id === ids[0]) : undefined;
  return (
    <Group gap="xs" px="sm" py={6} bg="var(--mantine-primary-color-light)" data-testid="bulk-bar">
      <Text size="sm" fw={600}>
        {label} selected
      </Text>
      <Menu withinPortal>
        <Menu.Target>
          <Button size="compact-sm" variant="default">
            Assign…
          </Button>
        </Menu.Target>
        <Menu.Dropdown mah={320} style={{ overflowY: 'auto' }}>
          {me && <Menu.Item onClick={() => void bulk({ kind: 'assign', assigneeId: me.id }, `Assigned ${label} to you.`)}>Me</Menu.Item>}
          <Menu.Item onClick={() => void bulk({ kind: 'assign', assigneeId: null }, `Unassigned ${label}.`)}>Nobody</Menu.Item>
          <Menu.Divider />
          {users
            .filter((u) => (u.role === 'admin' || u.role === 'technician') && u.id !== me?.id)
            .map((u) => (
              <Menu.Item
                key={u.id}
                onClick={() => void bulk({ kind: 'assign', assigneeId: u.id }, `Assigned ${label} to ${u.displayName}.`)}
              >
                {u.displayName}
              </Menu.Item>
            ))}
        </Menu.Dropdown>
      </Menu>
      <Menu withinPortal>
        <Menu.Target>
          <Button size="compact-sm" variant="default">
            Priority…
          </Button>
        </Menu.Target>
        <Menu.Dropdown>
          {PRIORITIES.map((p) => (
            <Menu.Item key={p} onClick={() => void bulk({ kind: 'priority', priority: p }, `Set ${label} to ${PRIORITY_LABELS[p]}.`)}>
              {PRIORITY_LABELS[p]}
            </Menu.Item>
          ))}
        </Menu.Dropdown>
      </Menu>
      <Button
        size="compact-sm"
        variant="default"
        onClick={() => openStatus({ ids, label: one ? one.number : label, from: one ? one.status : null, fromAll: statusesOf(rows, ids) })}
      >
        Status…
      </Button>
      <Button size="compact-sm" variant="subtle" color="gray" leftSection={<IconX size={14} />} onClick={clear}>
        Clear selection
      </Button>
    </Group>
  );
}

export function QueuePage() {
  const route = useRoute();
  const role = useSession((s) => s.user?.role ?? null);
  const me = useSession((s) => s.user);
  const staff = isStaff(role);
  const { view, filter, sort, cursorId, setCursor, checked, toggleChecked, clearChecked, setCreateOpen } = useQueue();
  const paged = usePagedTickets(view, filter, sort);
  const openNumber = route.segments[0] === 'queue' ? (route.segments[1] ?? null) : null;
  const searchRef = useRef<HTMLInputElement>(null);
  const openStatus = useStatusDialog((s) => s.open);
  const openAssign = usePickers((s) => s.openAssign);
  const openAsset = usePickers((s) => s.openAsset);
  const { rows } = paged;
  useQueueUrl();

  const cursorIndex = useMemo(() => (cursorId ? rows.findIndex((r) => r.id === cursorId) : -1), [rows, cursorId]);
  const cursorRow = cursorIndex >= 0 ? rows[cursorIndex] : undefined;
  const openRow = openNumber ? rows.find((r) => r.number === openNumber) : undefined;
  // The open ticket as the detail pane shows it (the same cached call): it may be outside the list,
  // opened from the palette, just created, or moved out of this view by the last key.
  const openQuery = useCall('tickets.getByNumber', openNumber ? { number: openNumber } : null);
  const openDetail = openNumber && openQuery.data?.number === openNumber ? openQuery.data : undefined;
  // A number the ticket no longer carries (renumbered at sync from a provisional one, or typed in
  // lower case) still leads to it: the address moves on to the number it carries now.
  const movedTo = openNumber && openQuery.data && openQuery.data.number !== openNumber ? openQuery.data.number : null;
  useEffect(() => {
    if (movedTo) navigate(queuePath(movedTo), { replace: true });
  }, [movedTo]);
  const openTicket: KeyTarget | undefined = openDetail ?? openRow;
  // Keys act on the ticket on screen: the open one, else the highlighted row. While an open ticket is
  // still loading there is no target at all, so a key never falls through to another row.
  const target: KeyTarget | undefined = openNumber ? openTicket : cursorRow;
  const openId = openTicket?.id ?? null;

  // Where the highlight last was in this list (view, filters and sort), so that when its row leaves
  // the list the highlight stays at that place rather than jumping to the top.
  const listKey = `${view}|${JSON.stringify(filter)}|${sort ?? ''}`;
  const lastPlace = useRef<{ listKey: string; index: number } | null>(null);
  if (cursorIndex >= 0) lastPlace.current = { listKey, index: cursorIndex };

  // The highlight follows the open ticket (even when it is not in this list, no other row stays lit).
  // With nothing open it goes to the first row of a new list, and when its row left the list (a key
  // assigned it away, a status moved it out) to the row that took its place, as a mail client does.
  useEffect(() => {
    if (openId) {
      if (cursorId !== openId) setCursor(openId);
    } else if (!openNumber && rows.length && cursorIndex < 0) {
      const place = lastPlace.current?.listKey === listKey ? lastPlace.current.index : 0;
      setCursor(rows[Math.min(place, rows.length - 1)]!.id);
    }
  }, [rows, cursorIndex, cursorId, openId, openNumber, setCursor, listKey]);

  const open = (r: TicketRow) => {
    setCursor(r.id);
    navigate(queuePath(r.number));
  };
  const move = (delta: number) => {
    if (!rows.length) return;
    // From an open ticket that is not in the list, both keys start at the top.
    const i = cursorIndex < 0 ? 0 : Math.max(0, Math.min(rows.length - 1, cursorIndex + delta));
    const r = rows[i]!;
    setCursor(r.id);
    // With the detail open, it follows the cursor, as in a mail client.
    if (openNumber) navigate(queuePath(r.number), { replace: true });
    if (i >= rows.length - 5) paged.loadMore();
  };

  const selLabel = `${formatNumber(checked.size)} ticket${checked.size === 1 ? '' : 's'}`;
  const bulkAct = (action: BulkAction, msg: string) =>
    act('tickets.bulk', { ids: [...checked], action }, msg).then((r) => {
      if (r) clearChecked();
    });

  useKeys({
    j: () => move(1),
    k: () => move(-1),
    ArrowDown: () => move(1),
    ArrowUp: () => move(-1),
    Enter: () => cursorRow && open(cursorRow),
    Escape: () => {
      if (openNumber) navigate(queuePath());
      else if (checked.size) clearChecked();
    },
    '/': () => searchRef.current?.focus(),
    c: () => role !== 'auditor' && setCreateOpen(true),
    // With tickets selected (x), a / 1–4 / s act on the whole selection; otherwise on the ticket on
    // screen (the open one, else the highlighted row).
    ...(staff
      ? {
          x: () => cursorRow && toggleChecked(cursorRow.id),
          a: () => {
            if (!me) return;
            if (checked.size) void bulkAct({ kind: 'assign', assigneeId: me.id }, `Assigned ${selLabel} to you.`);
            else if (target) void assignTo(target.id, target.number, me.id, 'you');
          },
          A: () => {
            if (checked.size) openAssign({ ids: [...checked], label: selLabel });
            else if (target) openAssign({ ids: [target.id], label: target.number });
          },
          l: () => target && openAsset(target.id, target.number),
          s: () => {
            if (checked.size) openStatus({ ids: [...checked], label: selLabel, from: null, fromAll: statusesOf(rows, checked) });
            else if (target) openStatus({ ids: [target.id], label: target.number, from: target.status });
          },
          ...Object.fromEntries(
            PRIORITIES.map((p) => [
              String(p),
              () => {
                if (checked.size) void bulkAct({ kind: 'priority', priority: p }, `Set ${selLabel} to ${PRIORITY_LABELS[p]}.`);
                else if (target) void setPriority(target.id, target.number, p as Priority);
              },
            ]),
          ),
        }
      : {}),
  });

  const onCursor = useStableCallback((r: TicketRow) => {
    setCursor(r.id);
    if (openNumber) navigate(queuePath(r.number), { replace: true });
  });
  const onOpen = useStableCallback(open);
  const onToggle = useStableCallback((r: TicketRow) => toggleChecked(r.id));

  let body;
  if (paged.error && !rows.length) body = <ErrorState error={paged.error} onRetry={paged.reload} title="The queue could not be loaded" />;
  else if (paged.loading && !rows.length) body = <Loading label="Loading the queue…" />;
  else if (!rows.length)
    body = (
      <Empty
        title={Object.keys(filter).length ? 'No tickets match these filters' : 'Nothing in this view'}
        action={
          role !== 'auditor' ? (
            <Button size="xs" leftSection={<IconPlus size={14} />} onClick={() => setCreateOpen(true)}>
              Create a ticket
            </Button>
          ) : undefined
        }
      >
        {Object.keys(filter).length ? 'Clear a filter or try other words.' : 'New tickets will show up here.'}
      </Empty>
    );
  else
    body = (
      <TicketList
        paged={paged}
        cursorId={cursorId}
        openId={openId}
        checked={checked}
        onCursor={onCursor}
        onOpen={onOpen}
        onToggle={staff ? onToggle : undefined}
        compact={openNumber !== null}
      />
    );

  return (
    <Group gap={0} wrap="nowrap" align="stretch" style={{ flex: 1, minHeight: 0 }}>
      <ViewsSidebar />
      <Stack
        gap={0}
        style={{
          flex: openNumber ? '0 0 50%' : 1,
          minWidth: 0,
          borderRight: openNumber ? '1px solid var(--mantine-color-default-border)' : undefined,
        }}
      >
        <FilterBar searchRef={searchRef} />
        <Group justify="space-between" px="sm" py={4}>
          <Text size="xs" c="dimmed" data-testid="queue-total">
            {paged.total !== null ? `${formatNumber(paged.total)} ticket${paged.total === 1 ? '' : 's'}` : paged.loading ? 'Counting…' : ''}
          </Text>
          {role !== 'auditor' && (
            <Button
              size="compact-xs"
              variant="subtle"
              leftSection={<IconPlus size={12} />}
              onClick={() => setCreateOpen(true)}
              data-testid="new-ticket"
            >
              New ticket (c)
            </Button>
          )}
        </Group>
        {staff && <BulkBar rows={rows} />}
        {body}
      </Stack>
      {openNumber && (
        <div style={{ flex: 1, minWidth: 0, overflow: 'auto' }} data-testid="detail-pane">
          <TicketDetail number={openNumber} onClose={() => navigate(queuePath())} />
        </div>
      )}
      {staff && <AssignPicker />}
      {staff && <LinkAssetPicker />}
    </Group>
  );
}
