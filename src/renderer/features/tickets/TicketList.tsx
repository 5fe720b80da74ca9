/** The virtualised ticket list: fixed-height rows, loads the next keyset page as you near the end. */
import { memo, useEffect, useRef } from 'react';
import { useVirtualizer } from '@tanstack/react-virtual';
import { Badge, Box, Checkbox, Group, Loader, Text } from '@mantine/core';
import type { TicketRow } from '../../../shared/api/tickets';
import { STATUS_LABELS } from '../../../shared/tickets/rules';
import { formatAge, formatDateTime } from '../../lib/format';
import { PRIORITY_COLORS, STATUS_COLORS } from '../common/lookups';
import type { PagedTickets } from './usePagedTickets';

const ROW = 46;

export interface TicketListProps {
  paged: PagedTickets;
  cursorId: string | null;
  openId: string | null;
  checked?: Set<string>;
  onCursor(row: TicketRow): void;
  onOpen(row: TicketRow): void;
  onToggle?(row: TicketRow): void;
  /** Narrow mode (detail open): fewer columns. */
  compact?: boolean;
}

interface RowProps {
  r: TicketRow;
  top: number;
  active: boolean;
  open: boolean;
  checked: boolean;
  compact: boolean;
  onCursor(row: TicketRow): void;
  onOpen(row: TicketRow): void;
  onToggle?(row: TicketRow): void;
}

/** One row; memoised so moving the cursor re-renders two rows, not the whole window. */
const Row = memo(function Row({ r, top, active, open, checked, compact, onCursor, onOpen, onToggle }: RowProps) {
  return (
    <Group
      className="queue-row"
      data-active={active}
      data-open={open}
      data-checked={checked}
      data-testid="ticket-row"
      data-number={r.number}
      role="option"
      aria-selected={active}
      gap="sm"
      wrap="nowrap"
      px="sm"
      style={{ position: 'absolute', top, height: ROW, width: '100%' }}
      onClick={() => onCursor(r)}
      onDoubleClick={() => onOpen(r)}
    >
      <Box className="prio-marker" bg={`${PRIORITY_COLORS[r.priority]}.6`} title={`Priority ${r.priority}`} />
      {onToggle && (
        <Checkbox
          size="xs"
          checked={checked}
          onChange={() => onToggle(r)}
          onClick={(e) => e.stopPropagation()}
          aria-label={`Select ${r.number}`}
          tabIndex={-1}
        />
      )}
      <Text size="xs" fw={600} w={28} c={`${PRIORITY_COLORS[r.priority]}.7`} data-testid="row-priority">
        P{r.priority}
      </Text>
      <Text size="sm" ff="monospace" w={92} style={{ flex: 'none' }}>
        <a
          href={`#/queue/${r.number}`}
          onClick={(e) => (e.preventDefault(), onOpen(r))}
          style={{ color: 'inherit', textDecoration: 'none' }}
        >
          {r.number}
        </a>
      </Text>
      <Text size="sm" truncate style={{ flex: 1, minWidth: 80 }} title={r.title}>
        {r.title}
      </Text>
      {!compact && (
        <Text size="xs" c="dimmed" truncate w={130} title="Requester">
          {r.requesterName ?? '—'}
        </Text>
      )}
      <Text
        size="xs"
        truncate
        w={compact ? 80 : 130}
        title={`Assignee: ${r.assigneeName ?? 'nobody'}`}
        c={r.assigneeName ? undefined : 'dimmed'}
        data-testid="row-assignee"
      >
        {r.assigneeName ?? 'Unassigned'}
      </Text>
      {!compact && (
        <Text size="xs" c="dimmed" truncate w={120} title="Group">
          {r.groupName ?? '—'}
        </Text>
      )}
      <Badge
        size={compact ? 'xs' : 'sm'}
        variant="light"
        color={STATUS_COLORS[r.status]}
        w={compact ? 84 : 108}
        style={{ flex: 'none' }}
        data-testid="row-status"
      >
        {STATUS_LABELS[r.status]}
      </Badge>
      {!compact && (
        <Text size="xs" c="dimmed" w={62} ta="right" style={{ flex: 'none' }} title={`Opened ${formatDateTime(r.openedAt)}`}>
          {formatAge(r.openedAt)}
        </Text>
      )}
    </Group>
  );
});

export function TicketList({ paged, cursorId, openId, checked, onCursor, onOpen, onToggle, compact }: TicketListProps) {
  const parent = useRef<HTMLDivElement>(null);
  const { rows, hasMore, loadMore } = paged;
  const v = useVirtualizer({
    count: rows.length + (hasMore ? 1 : 0),
    getScrollElement: () => parent.current,
    estimateSize: () => ROW,
    overscan: 12,
  });
  const items = v.getVirtualItems();
  const last = items[items.length - 1];

  useEffect(() => {
    if (last && last.index >= rows.length - 30 && hasMore) loadMore();
  }, [last, rows.length, hasMore, loadMore]);

  // Keep the keyboard cursor in view when j/k moves it.
  const cursorIndex = cursorId ? rows.findIndex((r) => r.id === cursorId) : -1;
  useEffect(() => {
    if (cursorIndex >= 0) v.scrollToIndex(cursorIndex, { align: 'auto' });
    // v is stable for the list's lifetime
  }, [cursorIndex, v]);

  return (
    <div
      ref={parent}
      style={{ flex: 1, overflow: 'auto', contain: 'strict' }}
      data-testid="ticket-list"
      role="listbox"
      aria-label="Tickets"
    >
      <div style={{ height: v.getTotalSize(), position: 'relative', width: '100%' }}>
        {items.map((it) => {
          const r = rows[it.index];
          if (!r)
            return (
              <Group key="more" justify="center" style={{ position: 'absolute', top: it.start, height: ROW, width: '100%' }}>
                <Loader size="xs" />
                <Text size="xs" c="dimmed">
                  Loading more…
                </Text>
              </Group>
            );
          return (
            <Row
              key={r.id}
              r={r}
              top={it.start}
              active={r.id === cursorId}
              open={r.id === openId}
              checked={checked?.has(r.id) ?? false}
              compact={compact ?? false}
              onCursor={onCursor}
              onOpen={onOpen}
              onToggle={onToggle}
            />
          );
        })}
      </div>
    </div>
  );
}
