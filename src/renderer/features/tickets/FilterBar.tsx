/** Filter chips above the queue (status, priority, group, assignee; type, site and tags under More filters; text) and the sort. */
import { memo, useEffect, useState, type ReactNode } from 'react';
import { Button, Chip, CloseButton, Group, Menu, MultiSelect, Popover, Select, Stack, TagsInput, TextInput } from '@mantine/core';
import { IconChevronDown, IconSearch } from '@tabler/icons-react';
import { QUEUE_SORTS, QUEUE_SORT_LABELS, TAG_MAX_LENGTH, type TicketFilter } from '../../../shared/api/tickets';
import { PRIORITIES, PRIORITY_LABELS, STATUS_LABELS, TICKET_STATUSES, TICKET_TYPES, type Priority } from '../../../shared/tickets/rules';
import { useQueue } from '../../stores/queue';
import { useSession } from '../../stores/session';
import { useLookups } from '../common/lookups';

interface Option<V> {
  value: V;
  label: string;
}

function ChipMenu<V extends string | number | null>({
  label,
  options,
  selected,
  onChange,
  testId,
}: {
  label: string;
  options: Option<V>[];
  selected: V[] | undefined;
  onChange(next: V[]): void;
  testId: string;
}) {
  const sel = selected ?? [];
  const names = options.filter((o) => sel.includes(o.value)).map((o) => o.label);
  const text: ReactNode =
    names.length === 0
      ? label
      : `${label}: ${names.length > 2 ? `${names.slice(0, 2).join(', ')} +${names.length - 2}` : names.join(', ')}`;
  return (
    <Menu closeOnItemClick={false} position="bottom-start" withinPortal>
      <Menu.Target>
        <Button
          size="compact-sm"
          radius="xl"
          variant={sel.length ? 'light' : 'default'}
          rightSection={<IconChevronDown size={14} />}
          data-testid={testId}
        >
          {text}
        </Button>
      </Menu.Target>
      <Menu.Dropdown mah={360} style={{ overflowY: 'auto' }}>
        {options.map((o) => (
          <Menu.Item
            key={String(o.value)}
            onClick={() => onChange(sel.includes(o.value) ? sel.filter((x) => x !== o.value) : [...sel, o.value])}
            leftSection={<span style={{ width: 14, display: 'inline-block' }}>{sel.includes(o.value) ? '✓' : ''}</span>}
          >
            {o.label}
          </Menu.Item>
        ))}
        {sel.length > 0 && (
          <>
            <Menu.Divider />
            <Menu.Item c="dimmed" onClick={() => onChange([])}>
              Clear
            </Menu.Item>
          </>
        )}
      </Menu.Dropdown>
    </Menu>
  );
}

export const FilterBar = memo(function FilterBar({ searchRef }: { searchRef: React.RefObject<HTMLInputElement | null> }) {
  const filter = useQueue((s) => s.filter);
  const sort = useQueue((s) => s.sort);
  const setFilter = useQueue((s) => s.setFilter);
  const clearFilter = useQueue((s) => s.clearFilter);
  const setSort = useQueue((s) => s.setSort);
  const me = useSession((s) => s.user);
  const { users, groups, sites } = useLookups();
  const [text, setText] = useState(filter.text ?? '');

  // Typing filters after a short pause so each keystroke is not a query.
  useEffect(() => {
    const t = setTimeout(() => {
      if ((filter.text ?? '') !== text.trim()) setFilter({ text: text.trim() });
    }, 250);
    return () => clearTimeout(t);
  }, [text, filter.text, setFilter]);
  useEffect(() => setText(filter.text ?? ''), [filter.text]);

  const set =
    <K extends keyof TicketFilter>(k: K) =>
    (v: NonNullable<TicketFilter[K]>) =>
      setFilter({ [k]: v } as Partial<TicketFilter>);
  const staffUsers = users.filter((u) => u.role === 'admin' || u.role === 'technician');
  const any = Object.keys(filter).length > 0;
  const moreCount = [filter.type, filter.siteId, filter.tag].filter((v) => v && v.length > 0).length;

  return (
    <Group gap={6} px="sm" py={8} wrap="nowrap" style={{ borderBottom: '1px solid var(--mantine-color-default-border)', overflowX: 'auto' }} data-testid="queue-filter-bar">
      <TextInput
        ref={searchRef}
        size="xs"
        w={220}
        placeholder="Search tickets  ( / )"
        leftSection={<IconSearch size={14} />}
        value={text}
        onChange={(e) => setText(e.currentTarget.value)}
        onKeyDown={(e) => {
          // Enter applies the search at once; both keys then leave the box for the list (app/focusHome.ts).
          if (e.key === 'Enter') setFilter({ text: text.trim() });
        }}
        rightSection={text ? <CloseButton size="xs" aria-label="Clear search" onClick={() => setText('')} /> : null}
        aria-label="Search tickets"
        data-testid="queue-search"
      />
      <ChipMenu
        label="Status"
        testId="filter-status"
        options={TICKET_STATUSES.map((s) => ({ value: s, label: STATUS_LABELS[s] }))}
        selected={filter.status}
        onChange={set('status')}
      />
      <ChipMenu<Priority>
        label="Priority"
        testId="filter-priority"
        options={PRIORITIES.map((p) => ({ value: p, label: PRIORITY_LABELS[p] }))}
        selected={filter.priority}
        onChange={set('priority')}
      />
      <ChipMenu
        label="Group"
        testId="filter-group"
        options={groups.map((g) => ({ value: g.id, label: g.name }))}
        selected={filter.groupId}
        onChange={set('groupId')}
      />
      <ChipMenu<string | null>
        label="Assignee"
        testId="filter-assignee"
        options={[
          { value: null, label: 'Nobody' },
          ...(me ? [{ value: me.id, label: `Me (${me.displayName})` }] : []),
          ...staffUsers.filter((u) => u.id !== me?.id).map((u) => ({ value: u.id, label: u.displayName })),
        ]}
        selected={filter.assigneeId}
        onChange={set('assigneeId')}
      />
      {/* One row at 1440 px: the less used filters fold into More filters, which counts those in use. */}
      <Popover position="bottom-start" shadow="md" withinPortal trapFocus returnFocus>
        <Popover.Target>
          <Button
            size="compact-sm"
            radius="xl"
            variant={moreCount ? 'light' : 'default'}
            rightSection={<IconChevronDown size={14} />}
            data-testid="queue-more-filters"
          >
            More filters{moreCount ? ` (${moreCount})` : ''}
          </Button>
        </Popover.Target>
        <Popover.Dropdown>
          <Stack gap="sm" w={260}>
            <Chip.Group multiple value={filter.type ?? []} onChange={(v) => set('type')(v as NonNullable<TicketFilter['type']>)}>
              <Group gap={6} role="group" aria-label="Type" data-testid="filter-type">
                {TICKET_TYPES.map((t) => (
                  <Chip key={t} value={t} size="xs">
                    {t === 'incident' ? 'Incident' : 'Request'}
                  </Chip>
                ))}
              </Group>
            </Chip.Group>
            {sites.length > 1 && (
              <MultiSelect
                size="xs"
                label="Site"
                placeholder={filter.siteId?.length ? undefined : 'Any site'}
                data={sites.map((x) => ({ value: x.id, label: x.name }))}
                value={filter.siteId ?? []}
                onChange={(v) => set('siteId')(v)}
                clearable
                comboboxProps={{ withinPortal: false }}
                data-testid="filter-site"
              />
            )}
            {/* Tickets carrying any of these tags; the server compares them lower-cased. */}
            <TagsInput
              size="xs"
              label="Tags"
              placeholder={filter.tag?.length ? '' : 'Any tag'}
              aria-label="Filter by tag"
              data-testid="filter-tag"
              maxTags={20}
              value={filter.tag ?? []}
              onChange={(v) => set('tag')(v.map((x) => x.trim()).filter((x) => x && x.length <= TAG_MAX_LENGTH))}
              clearable
              comboboxProps={{ withinPortal: false }}
            />
          </Stack>
        </Popover.Dropdown>
      </Popover>
      {any && (
        <Button size="compact-sm" variant="subtle" color="gray" onClick={() => (setText(''), clearFilter())}>
          Clear filters
        </Button>
      )}
      <Select
        size="xs"
        ml="auto"
        w={190}
        aria-label="Sort"
        placeholder="Default order"
        data={QUEUE_SORTS.map((s) => ({ value: s, label: QUEUE_SORT_LABELS[s] }))}
        value={sort}
        onChange={(v) => setSort(v as typeof sort)}
        clearable
        allowDeselect
      />
    </Group>
  );
});
