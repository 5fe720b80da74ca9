/** The virtualised ticket list: fixed-height rows, loads the next keyset page as you near the end. */
import { isProvisional } from '../../../shared/numbers';
import { memo, useEffect, useRef } from 'react';
import { useVirtualizer } from '@tanstack/react-virtual';
import { Checkbox, Group, Loader, Text } from '@mantine/core';
import type { TicketRow } from '../../../shared/api/tickets';
import { PRIORITY_LABELS, STATUS_LABELS } from '../../../shared/tickets/rules';
import { formatAge, formatDateTime } from '../../lib/format';
import { PRIORITY_COLORS, STATUS_COLORS } from '../common/lookups';
import type { PagedTickets } from './usePagedTickets';
import { useFocusHomeClaim } from '../../app/focusHome';
import { slaChip } from '../sla/chip';
import { useNow } from '../../lib/useNow';

const ROW = 46;

function rowDomId(id: string) {
  return `ticket-row-${id}`;
}

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
  /** This screen's time, for the SLA chip's time left (moves every half minute). */
  now: number;
  onCursor(row: TicketRow): void;
  onOpen(row: TicketRow): void;
  onToggle?(row: TicketRow): void;
}

/**
 * One row, in plain elements styled by app.css: rows mount and unmount constantly while scrolling, and
 * plain spans keep that cheap at 100k+ tickets. Memoised so moving the cursor re-renders two rows.
 */
const Row = memo(function Row({ r, top, active, open, checked, compact, now, onCursor, onOpen, onToggle }: RowProps) {
  const pc = PRIORITY_COLORS[r.priority];
  const sc = STATUS_COLORS[r.status];
  const sla = slaChip(r, now);
  return (
    <div
      className="queue-row"
      data-active={active}
      data-open={open}
      data-checked={checked}
      data-compact={compact}
      data-testid="ticket-row"
      data-number={r.number}
      id={rowDomId(r.id)}
      role="option"
      aria-selected={active}
      aria-checked={onToggle ? checked : undefined}
      style={{ top, height: ROW }}
      onClick={() => onCursor(r)}
      onDoubleClick={() => onOpen(r)}
    >
      <span className="prio-marker" style={{ background: `var(--mantine-color-${pc}-6)` }} title={PRIORITY_LABELS[r.priority]} />
      {onToggle && (
        // The row is the option and carries the checked state (aria-checked); a control inside an
        // option is not allowed, so the tick box is a picture the mouse can click (x from the keyboard).
        <Checkbox.Indicator
          className="qr-check"
          size="xs"
          checked={checked}
          onClick={(e) => {
            e.stopPropagation();
            onToggle(r);
          }}
          style={{ cursor: 'pointer' }}
        />
      )}
      {/* Grey (P4) text at this size falls below 4.5:1 on white: low priority reads in the body colour. */}
      <span className="qr-prio" style={{ color: pc === 'gray' ? 'var(--mantine-color-text)' : `var(--mantine-color-${pc}-text)` }} data-testid="row-priority">
        P{r.priority}
      </span>
      <span
        className="qr-number"
        style={{ cursor: 'pointer' }}
        onClick={() => onOpen(r)}
        title={isProvisional(r.number) ? `${r.number}: provisional number, the ticket gets its real number at the next sync` : undefined}
        data-provisional={isProvisional(r.number) || undefined}
      >
        {r.number}
      </span>
      <span className="qr-title" title={r.title}>
        {r.title}
      </span>
      {!compact && (
        <span className="qr-cell qr-dim" title={`Requester: ${r.requesterName ?? 'none'}`}>
          {r.requesterName ?? '—'}
        </span>
      )}
      <span
        className={r.assigneeName ? 'qr-cell' : 'qr-cell qr-dim'}
        title={`Assignee: ${r.assigneeName ?? 'nobody'}`}
        data-testid="row-assignee"
      >
        {r.assigneeName ?? 'Unassigned'}
      </span>
      {!compact && (
        <span className="qr-cell qr-dim" title={`Group: ${r.groupName ?? 'none'}`}>
          {r.groupName ?? '—'}
        </span>
      )}
      <span
        className="qr-status"
        style={{ background: `var(--mantine-color-${sc}-light)`, color: `var(--mantine-color-${sc}-light-color)` }}
        data-testid="row-status"
      >
        {STATUS_LABELS[r.status]}
      </span>
      <span
        className="qr-sla"
        data-level={sla?.level ?? 'none'}
        data-testid="row-sla"
        title={sla?.title ?? 'No SLA'}
        style={sla ? { background: `var(--mantine-color-${sla.color}-light)`, color: `var(--mantine-color-${sla.color}-light-color)` } : undefined}
      >
        {sla?.label ?? ''}
      </span>
      {!compact && (
        <span className="qr-age" title={`Opened ${formatDateTime(r.openedAt)}`}>
          {formatAge(r.openedAt)}
        </span>
      )}
    </div>
  );
});

export function TicketList({ paged, cursorId, openId, checked, onCursor, onOpen, onToggle, compact }: TicketListProps) {
  const parent = useRef<HTMLDivElement>(null);
  const { rows, hasMore, loadMore } = paged;
  const v = useVirtualizer({
    count: rows.length + (hasMore ? 1 : 0),
    getScrollElement: () => parent.current,
    estimateSize: () => ROW,
    overscan: 8,
  });
  useFocusHomeClaim(parent);
  const now = useNow(30_000);
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
    // The list itself takes focus (one Tab stop, a visible ring, the highlighted row announced as the
    // active option); focus comes back here after menus and dialogs close (see app/focusHome.ts).
    <div
      ref={parent}
      className="queue-list"
      style={{ flex: 1, overflow: 'auto', contain: 'strict' }}
      data-testid="ticket-list"
      data-focus-home
      tabIndex={0}
      role="listbox"
      aria-label="Tickets"
      aria-activedescendant={cursorIndex >= 0 ? rowDomId(cursorId!) : undefined}
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
              now={now}
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
