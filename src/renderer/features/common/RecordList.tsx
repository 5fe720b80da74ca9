/**
 * A register's list of numbered records (problems, changes): virtualised rows worked from the
 * keyboard (j/k move, Enter opens, / goes to the search box), each opening with its number as a
 * link, and the next keyset page loaded as the end of the list scrolls into view.
 */
import { useEffect, useRef, useState, type ReactNode } from 'react';
import { useVirtualizer } from '@tanstack/react-virtual';
import { navigate } from '../../lib/router';
import { useKeys } from '../../lib/keys';

const ROW = 40;

export interface RecordListProps<T extends { id: string; number: string }> {
  items: T[];
  hasMore: boolean;
  loadMore: () => void;
  /** The list's accessible name ("Changes"). */
  label: string;
  testid: string;
  /** The id of the search box `/` focuses. */
  searchId: string;
  /** Where a record opens (`/changes/<id>`). */
  pathOf: (item: T) => string;
  /** The row's cells after its number. */
  children: (item: T) => ReactNode;
}

export function RecordList<T extends { id: string; number: string }>({ items, hasMore, loadMore, label, testid, searchId, pathOf, children }: RecordListProps<T>) {
  const parentRef = useRef<HTMLDivElement>(null);
  const [cursor, setCursor] = useState(0);
  const virt = useVirtualizer({ count: items.length, getScrollElement: () => parentRef.current, estimateSize: () => ROW, overscan: 10 });
  const last = virt.getVirtualItems().at(-1)?.index ?? 0;
  useEffect(() => {
    if (hasMore && last >= items.length - 20) loadMore();
  }, [hasMore, last, items.length, loadMore]);
  useEffect(() => setCursor((i) => Math.min(i, Math.max(items.length - 1, 0))), [items.length]);
  useKeys({
    j: () => setCursor((i) => Math.min(i + 1, items.length - 1)),
    k: () => setCursor((i) => Math.max(i - 1, 0)),
    Enter: () => items[cursor] && navigate(pathOf(items[cursor])),
    '/': () => document.getElementById(searchId)?.focus(),
  });
  useEffect(() => virt.scrollToIndex(cursor), [cursor, virt]);
  return (
    <div ref={parentRef} style={{ flex: 1, overflow: 'auto', minHeight: 200, border: '1px solid var(--mantine-color-default-border)', borderRadius: 4 }} data-testid={testid} role="list" aria-label={label}>
      <div style={{ height: virt.getTotalSize(), position: 'relative' }}>
        {virt.getVirtualItems().map((v) => {
          const item = items[v.index]!;
          const path = pathOf(item);
          return (
            <div
              key={item.id}
              role="listitem"
              aria-current={v.index === cursor ? 'true' : undefined}
              style={{ position: 'absolute', top: 0, left: 0, right: 0, height: ROW, transform: `translateY(${v.start}px)`, display: 'flex', alignItems: 'center', gap: 12, padding: '0 12px', borderBottom: '1px solid var(--mantine-color-default-border)', background: v.index === cursor ? 'var(--mantine-color-default-hover)' : undefined }}
            >
              <a href={`#${path}`} onClick={(e) => (e.preventDefault(), navigate(path))} style={{ width: 100, flex: 'none', fontFamily: 'monospace', color: 'inherit' }}>
                {item.number}
              </a>
              {children(item)}
            </div>
          );
        })}
      </div>
    </div>
  );
}
