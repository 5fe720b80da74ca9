/**
 * The asset register list: filters and sort run in SQL (assets.list, keyset cursors), rows are
 * virtualised so 500k assets scroll like 50, columns follow the category being viewed, and a
 * saved selection or a batch of scanned tags feeds the bulk actions.
 */
import { useCallback, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import {
  ActionIcon,
  Badge,
  Button,
  Checkbox,
  CloseButton,
  Group,
  Menu,
  MultiSelect,
  Paper,
  Popover,
  Select,
  Stack,
  Switch,
  Text,
  TextInput,
  Tooltip,
} from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { useVirtualizer } from '@tanstack/react-virtual';
import { IconChevronDown, IconDownload, IconFileImport, IconPlus, IconPrinter, IconSearch, IconX } from '@tabler/icons-react';
import { notifications } from '@mantine/notifications';
import { ASSET_SORTS, ASSET_SORT_LABELS, type AssetFilter, type AssetRow, type AssetSort } from '../../../shared/api/assets';
import { ASSET_STATUSES, ASSET_STATUS_LABELS, ASSET_TYPES, ASSET_TYPE_LABELS, type AssetType } from '../../../shared/assets/rules';
import { api, errorMessage } from '../../lib/client';
import { useCall } from '../../lib/query';
import { navigate } from '../../lib/router';
import { useKeys } from '../../lib/keys';
import { useFocusHomeClaim } from '../../app/focusHome';
import { formatNumber } from '../../lib/format';
import { Empty, ErrorState, Loading } from '../common/states';
import { LocationSelect, StatusBadge, formatDay, today, useCanEditAssets } from './common';
import { useAssetList } from './store';
import { AssetActionModal, type AssetAction, type ActionTarget } from './ActionModals';
import { LabelsModal, type LabelTarget } from './LabelsModal';
import { AssetFormModal } from './AssetForm';
import { useScanHandler } from '../scan/useScanHandler';
import { downloadText } from './files';
import { beep } from '../scan/beep';

const ROW_HEIGHT = 38;
const PAGE = 100;

interface Column {
  key: string;
  label: string;
  width: string;
  render(r: AssetRow): ReactNode;
}

const dimmed = (v: string | null) =>
  v ? (
    v
  ) : (
    <Text span c="dimmed">
      —
    </Text>
  );

const COL: Record<string, Column> = {
  tag: {
    key: 'tag',
    label: 'Tag',
    width: '140px',
    render: (r) => (
      <Text span ff="monospace" size="sm" fw={600}>
        {r.tag}
      </Text>
    ),
  },
  name: { key: 'name', label: 'Name', width: 'minmax(160px, 2fr)', render: (r) => r.name },
  type: { key: 'type', label: 'Type', width: '120px', render: (r) => ASSET_TYPE_LABELS[r.type] },
  category: { key: 'category', label: 'Category', width: 'minmax(120px, 1fr)', render: (r) => dimmed(r.category) },
  manufacturer: { key: 'manufacturer', label: 'Manufacturer', width: 'minmax(120px, 1fr)', render: (r) => dimmed(r.manufacturer) },
  model: { key: 'model', label: 'Model', width: 'minmax(120px, 1fr)', render: (r) => dimmed(r.model) },
  serial: {
    key: 'serial',
    label: 'Serial',
    width: '140px',
    render: (r) =>
      r.serial ? (
        <Text span ff="monospace" size="sm">
          {r.serial}
        </Text>
      ) : (
        dimmed(null)
      ),
  },
  status: { key: 'status', label: 'Status', width: '150px', render: (r) => <StatusBadge status={r.status} label={r.statusLabel} /> },
  assigned: { key: 'assigned', label: 'Assigned to', width: 'minmax(120px, 1fr)', render: (r) => dimmed(r.assignedToName) },
  location: { key: 'location', label: 'Location', width: 'minmax(120px, 1fr)', render: (r) => dimmed(r.locationName ?? r.siteName) },
  warranty: {
    key: 'warranty',
    label: 'Warranty',
    width: '120px',
    render: (r) =>
      r.warrantyEnd ? (
        <Text span size="sm" c={r.warrantyEnd < today() ? 'red' : r.warrantyEnd < today(30) ? 'orange' : undefined}>
          {formatDay(r.warrantyEnd)}
        </Text>
      ) : (
        dimmed(null)
      ),
  },
  ends: { key: 'ends', label: 'Ends', width: '120px', render: (r) => (r.warrantyEnd ? formatDay(r.warrantyEnd) : dimmed(null)) },
  returnBy: {
    key: 'returnBy',
    label: 'Return by',
    width: '120px',
    render: (r) =>
      r.expectedReturn ? (
        <Text span size="sm" c={r.expectedReturn < today() ? 'red' : undefined}>
          {formatDay(r.expectedReturn)}
        </Text>
      ) : (
        dimmed(null)
      ),
  },
  nextAudit: {
    key: 'nextAudit',
    label: 'Next audit',
    width: '120px',
    render: (r) => (r.nextAuditAt ? formatDay(r.nextAuditAt) : dimmed(null)),
  },
};

const pick = (...keys: string[]) => keys.map((k) => COL[k]!);

/** The columns that matter for each kind of asset; a mixed list gets a general set. */
const COLUMNS_BY_TYPE: Partial<Record<AssetType, Column[]>> = {
  laptop: pick('tag', 'name', 'model', 'serial', 'status', 'assigned', 'location', 'returnBy', 'warranty'),
  desktop: pick('tag', 'name', 'model', 'serial', 'status', 'assigned', 'location', 'warranty'),
  phone: pick('tag', 'name', 'model', 'serial', 'status', 'assigned', 'returnBy', 'warranty'),
  server: pick('tag', 'name', 'manufacturer', 'model', 'serial', 'status', 'location', 'warranty', 'nextAudit'),
  network: pick('tag', 'name', 'manufacturer', 'model', 'serial', 'status', 'location', 'warranty', 'nextAudit'),
  printer: pick('tag', 'name', 'model', 'serial', 'status', 'location', 'nextAudit'),
  peripheral: pick('tag', 'name', 'model', 'serial', 'status', 'assigned', 'location'),
  software_licence: pick('tag', 'name', 'manufacturer', 'category', 'status', 'assigned', 'ends'),
  cloud_subscription: pick('tag', 'name', 'manufacturer', 'category', 'status', 'assigned', 'ends'),
};
const DEFAULT_COLUMNS = pick('tag', 'name', 'type', 'model', 'serial', 'status', 'assigned', 'location', 'warranty');

export function columnsFor(filter: AssetFilter): Column[] {
  const only = filter.type?.length === 1 ? filter.type[0] : undefined;
  return (only && COLUMNS_BY_TYPE[only]) || DEFAULT_COLUMNS;
}

/** Pages after the first, fetched as the user scrolls; reset whenever the first page changes. */
function useAssetPages(filter: AssetFilter, sort: AssetSort) {
  const first = useCall('assets.list', { filter, sort, limit: PAGE, withTotal: true });
  const [more, setMore] = useState<{ items: AssetRow[]; cursor: string | null; loading: boolean; error: unknown }>({
    items: [],
    cursor: null,
    loading: false,
    error: null,
  });
  const generation = useRef(0);
  useEffect(() => {
    generation.current++;
    setMore({ items: [], cursor: first.data?.nextCursor ?? null, loading: false, error: null });
  }, [first.data]);
  const loadMore = useCallback(() => {
    if (more.loading || !more.cursor) return;
    const gen = generation.current;
    setMore((m) => ({ ...m, loading: true }));
    api.call('assets.list', { filter, sort, limit: PAGE, cursor: more.cursor }).then(
      (p) => {
        if (gen !== generation.current) return;
        setMore((m) => ({ items: [...m.items, ...p.items], cursor: p.nextCursor, loading: false, error: null }));
      },
      (e: unknown) => {
        if (gen !== generation.current) return;
        setMore((m) => ({ ...m, loading: false, error: e }));
      },
    );
  }, [more.loading, more.cursor, filter, sort]);
  const items = useMemo(() => [...(first.data?.items ?? []), ...more.items], [first.data, more.items]);
  return {
    first,
    items,
    total: first.data?.total ?? null,
    hasMore: more.cursor !== null,
    loadingMore: more.loading,
    moreError: more.error,
    loadMore,
  };
}

export function AssetList() {
  const { filter, sort, selected, batch, batchMode } = useAssetList();
  const st = useAssetList.getState();
  const canEdit = useCanEditAssets();
  const [text, setText] = useState(filter.text ?? '');
  const [debounced] = useDebouncedValue(text, 250);
  useEffect(() => {
    if ((filter.text ?? '') !== debounced) st.setFilter({ text: debounced || undefined });
  }, [debounced]);

  const { first, items, total, hasMore, loadingMore, moreError, loadMore } = useAssetPages(filter, sort);
  const columns = columnsFor(filter);
  const template = `36px ${columns.map((c) => c.width).join(' ')}`;
  const parentRef = useRef<HTMLDivElement>(null);
  useFocusHomeClaim(parentRef);
  const virt = useVirtualizer({
    count: items.length,
    getScrollElement: () => parentRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 12,
  });
  const virtualItems = virt.getVirtualItems();
  const lastIndex = virtualItems.at(-1)?.index ?? 0;
  useEffect(() => {
    if (hasMore && !loadingMore && !moreError && lastIndex >= items.length - 25) loadMore();
  }, [lastIndex, items.length, hasMore, loadingMore, moreError, loadMore]);

  const [cursorIdx, setCursorIdx] = useState(0);
  const selectedSet = useMemo(() => new Set(selected), [selected]);
  const [action, setAction] = useState<{ action: AssetAction; target: ActionTarget } | null>(null);
  const [labels, setLabels] = useState<LabelTarget | null>(null);
  const [exporting, setExporting] = useState(false);
  const [creating, setCreating] = useState(false);

  useKeys({
    j: () => setCursorIdx((i) => Math.min(i + 1, items.length - 1)),
    k: () => setCursorIdx((i) => Math.max(i - 1, 0)),
    x: () => items[cursorIdx] && st.toggle(items[cursorIdx].id),
    Enter: () => items[cursorIdx] && navigate(`/assets/${encodeURIComponent(items[cursorIdx].tag)}`),
    '/': () => document.getElementById('asset-search')?.focus(),
  });
  useEffect(() => {
    if (items.length) virt.scrollToIndex(cursorIdx, { align: 'auto' });
  }, [cursorIdx]);

  // Batch mode: scans anywhere in this screen collect tags for a bulk action.
  useScanHandler(
    batchMode
      ? (code) => {
          const added = useAssetList.getState().addToBatch(code);
          beep(added ? 'found' : 'duplicate');
          if (!added) notifications.show({ color: 'yellow', message: `${code} is already in the batch.` });
        }
      : null,
    'Batch of scanned assets',
  );

  const doExport = async () => {
    setExporting(true);
    try {
      const f = await api.call('assets.export', { filter, sort });
      downloadText(f.content, f.filename, f.mime);
      notifications.show({ color: 'green', message: `Exported ${formatNumber(f.rows)} assets to ${f.filename}.` });
    } catch (e) {
      notifications.show({ color: 'red', title: 'The export failed', message: errorMessage(e) });
    } finally {
      setExporting(false);
    }
  };

  const filterCount = Object.keys(filter).length;
  const moreCount = (filter.type?.length ? 1 : 0) + (filter.locationId ? 1 : 0) + (filter.overdue ? 1 : 0);
  const selTarget: ActionTarget = { kind: 'many', ids: selected, label: `${selected.length} selected` };
  const batchTarget: ActionTarget = { kind: 'many', tags: batch, label: `${batch.length} scanned` };

  return (
    <div style={{ display: 'flex', flexDirection: 'column', height: '100%', minHeight: 0 }}>
      {/* One row: search, status and sort stay in view; the other filters fold into More filters. */}
      <Group p="sm" gap="xs" wrap="nowrap" style={{ borderBottom: '1px solid var(--mantine-color-default-border)', overflowX: 'auto' }} data-testid="asset-filter-bar">
        <Text fw={700} size="lg" mr="sm">
          Assets
        </Text>
        <TextInput
          id="asset-search"
          placeholder="Search tag, name, serial…"
          leftSection={<IconSearch size={14} />}
          value={text}
          onChange={(e) => setText(e.currentTarget.value)}
          rightSection={text ? <CloseButton size="sm" onClick={() => setText('')} aria-label="Clear search" /> : null}
          style={{ flex: '1 1 200px', minWidth: 150, maxWidth: 260 }}
          data-testid="asset-search"
        />
        <MultiSelect
          placeholder={filter.status?.length ? undefined : 'Status'}
          data={ASSET_STATUSES.map((s) => ({ value: s, label: ASSET_STATUS_LABELS[s] }))}
          value={filter.status ?? []}
          onChange={(v) => st.setFilter({ status: v as AssetFilter['status'] })}
          clearable
          w={150}
          style={{ flexShrink: 0 }}
          aria-label="Filter by status"
        />
        <Popover position="bottom-start" shadow="md" withinPortal trapFocus returnFocus>
          <Popover.Target>
            <Button
              variant={moreCount ? 'light' : 'default'}
              size="sm"
              rightSection={<IconChevronDown size={14} />}
              style={{ flexShrink: 0 }}
              data-testid="asset-more-filters"
            >
              More filters{moreCount ? ` (${moreCount})` : ''}
            </Button>
          </Popover.Target>
          <Popover.Dropdown>
            <Stack gap="sm" w={260}>
              <MultiSelect
                label="Type"
                placeholder={filter.type?.length ? undefined : 'Any type'}
                data={ASSET_TYPES.map((t) => ({ value: t, label: ASSET_TYPE_LABELS[t] }))}
                value={filter.type ?? []}
                onChange={(v) => st.setFilter({ type: v as AssetFilter['type'] })}
                clearable
                comboboxProps={{ withinPortal: false }}
                aria-label="Filter by type"
              />
              <LocationSelect
                label="Location"
                placeholder="Any (with sub-locations)"
                value={filter.locationId ?? null}
                onChange={(v) => st.setFilter({ locationId: v ?? undefined })}
                comboboxProps={{ withinPortal: false }}
                aria-label="Filter by location"
              />
              <Switch
                label="Overdue returns only"
                checked={filter.overdue === true}
                onChange={(e) => st.setFilter({ overdue: e.currentTarget.checked || undefined })}
              />
            </Stack>
          </Popover.Dropdown>
        </Popover>
        <Select
          style={{ flexShrink: 0 }}
          w={160}
          data={ASSET_SORTS.map((s) => ({ value: s, label: ASSET_SORT_LABELS[s] }))}
          value={sort}
          onChange={(v) => v && st.setSort(v as AssetSort)}
          allowDeselect={false}
          aria-label="Sort"
        />
        {filterCount > 0 && (
          <Button
            variant="subtle"
            size="xs"
            style={{ flexShrink: 0 }}
            leftSection={<IconX size={14} />}
            onClick={() => {
              setText('');
              st.clearFilter();
            }}
          >
            Clear filters
          </Button>
        )}
        <Group gap="xs" ml="auto" wrap="nowrap" style={{ flexShrink: 0 }}>
          <Switch
            label="Scan to batch"
            checked={batchMode}
            onChange={(e) => st.setBatchMode(e.currentTarget.checked)}
            data-testid="batch-mode"
            styles={{ label: { whiteSpace: 'nowrap' } }}
          />
          <Tooltip label="Export this list as CSV">
            <ActionIcon variant="default" size="lg" loading={exporting} onClick={() => void doExport()} aria-label="Export CSV" data-testid="asset-export">
              <IconDownload size={16} />
            </ActionIcon>
          </Tooltip>
          <Tooltip label="Print labels for this list">
            <ActionIcon variant="default" size="lg" onClick={() => setLabels({ filter, label: 'this list' })} aria-label="Labels for this list">
              <IconPrinter size={16} />
            </ActionIcon>
          </Tooltip>
          {canEdit && (
            <Button
              size="xs"
              variant="default"
              leftSection={<IconPlus size={14} />}
              onClick={() => setCreating(true)}
              data-testid="asset-new"
            >
              New
            </Button>
          )}
          {canEdit && (
            <Button
              size="xs"
              leftSection={<IconFileImport size={14} />}
              onClick={() => navigate('/assets/import')}
              data-testid="asset-import"
            >
              Import
            </Button>
          )}
        </Group>
      </Group>

      {(selected.length > 0 || (batchMode && batch.length > 0)) && (
        <Paper px="sm" py={6} radius={0} withBorder style={{ borderLeft: 0, borderRight: 0 }} data-testid="bulk-bar">
          {selected.length > 0 && (
            <Group gap="xs">
              <Badge size="lg" variant="light">
                {formatNumber(selected.length)} selected
              </Badge>
              {canEdit && <BulkMenu onPick={(a) => setAction({ action: a, target: selTarget })} />}
              <Button
                size="xs"
                variant="default"
                leftSection={<IconPrinter size={14} />}
                onClick={() => setLabels({ ids: selected, label: `${selected.length} selected` })}
              >
                Labels
              </Button>
              <Button size="xs" variant="subtle" onClick={st.clearSelection}>
                Clear selection
              </Button>
            </Group>
          )}
          {batchMode && batch.length > 0 && (
            <Group gap={6} mt={selected.length ? 6 : 0} data-testid="batch">
              <Badge size="lg" color="teal" variant="light">
                {batch.length} scanned
              </Badge>
              {batch.slice(-12).map((t) => (
                <Badge
                  key={t}
                  variant="outline"
                  rightSection={<CloseButton size="xs" onClick={() => st.removeFromBatch(t)} aria-label={`Remove ${t}`} />}
                >
                  {t}
                </Badge>
              ))}
              {batch.length > 12 && <Text size="xs">+{batch.length - 12} more</Text>}
              {canEdit && <BulkMenu onPick={(a) => setAction({ action: a, target: batchTarget })} />}
              <Button
                size="xs"
                variant="default"
                leftSection={<IconPrinter size={14} />}
                onClick={() => setLabels({ tags: batch, label: `${batch.length} scanned` })}
              >
                Labels
              </Button>
              <Button size="xs" variant="subtle" onClick={st.clearBatch}>
                Clear batch
              </Button>
            </Group>
          )}
        </Paper>
      )}

      <div
        style={{
          display: 'grid',
          gridTemplateColumns: template,
          alignItems: 'center',
          padding: '6px 8px',
          borderBottom: '1px solid var(--mantine-color-default-border)',
          fontSize: 12,
          fontWeight: 600,
          color: 'var(--mantine-color-dimmed)',
        }}
      >
        <Checkbox
          size="xs"
          aria-label="Select all loaded rows"
          checked={items.length > 0 && items.every((r) => selectedSet.has(r.id))}
          indeterminate={items.some((r) => selectedSet.has(r.id)) && !items.every((r) => selectedSet.has(r.id))}
          onChange={(e) => (e.currentTarget.checked ? st.selectMany(items.map((r) => r.id)) : st.clearSelection())}
        />
        {columns.map((c) => (
          <span key={c.key}>{c.label}</span>
        ))}
      </div>

      {first.error && !first.data ? (
        <ErrorState error={first.error} onRetry={() => void first.refetch()} />
      ) : !first.data ? (
        <Loading label="Loading assets…" />
      ) : items.length === 0 ? (
        filterCount ? (
          <Empty
            title="No asset matches these filters"
            action={
              <Button
                variant="light"
                onClick={() => {
                  setText('');
                  st.clearFilter();
                }}
              >
                Clear filters
              </Button>
            }
          >
            Try fewer filters or another search.
          </Empty>
        ) : (
          <Empty
            title="No assets yet"
            action={canEdit ? <Button onClick={() => navigate('/assets/import')}>Import a Snipe-IT or CSV file</Button> : undefined}
          >
            Import your register, or receive inventories from agents.
          </Empty>
        )
      ) : (
        // The list takes focus (one Tab stop with a visible ring), and gets it back after menus and
        // dialogs close, as the ticket queue does (see app/focusHome.ts).
        <div ref={parentRef} style={{ flex: 1, minHeight: 0, overflow: 'auto' }} data-testid="asset-list" data-focus-home tabIndex={0} role="region" aria-label="Assets">
          <div style={{ height: virt.getTotalSize(), position: 'relative' }}>
            {virtualItems.map((v) => {
              const r = items[v.index]!;
              const isSel = selectedSet.has(r.id);
              return (
                <div
                  key={r.id}
                  data-testid="asset-row"
                  data-tag={r.tag}
                  onClick={() => {
                    setCursorIdx(v.index);
                    navigate(`/assets/${encodeURIComponent(r.tag)}`);
                  }}
                  style={{
                    position: 'absolute',
                    top: 0,
                    left: 0,
                    right: 0,
                    height: ROW_HEIGHT,
                    transform: `translateY(${v.start}px)`,
                    display: 'grid',
                    gridTemplateColumns: template,
                    alignItems: 'center',
                    padding: '0 8px',
                    fontSize: 14,
                    cursor: 'pointer',
                    whiteSpace: 'nowrap',
                    borderBottom: '1px solid var(--mantine-color-default-border)',
                    background:
                      v.index === cursorIdx
                        ? 'var(--mantine-color-default-hover)'
                        : isSel
                          ? 'var(--mantine-primary-color-light)'
                          : undefined,
                  }}
                >
                  <span onClick={(e) => e.stopPropagation()}>
                    <Checkbox size="xs" checked={isSel} onChange={() => st.toggle(r.id)} aria-label={`Select ${r.tag}`} />
                  </span>
                  {columns.map((c) => (
                    <span key={c.key} style={{ overflow: 'hidden', textOverflow: 'ellipsis', paddingRight: 8 }}>
                      {c.render(r)}
                    </span>
                  ))}
                </div>
              );
            })}
          </div>
        </div>
      )}
      <Group px="sm" py={4} gap="md" style={{ borderTop: '1px solid var(--mantine-color-default-border)' }}>
        <Text size="xs" c="dimmed" data-testid="asset-count">
          {total !== null
            ? `${formatNumber(total)} asset${total === 1 ? '' : 's'}`
            : `${formatNumber(items.length)}${hasMore ? '+' : ''} assets`}
          {items.length > 0 && total !== null && items.length < total ? ` · ${formatNumber(items.length)} loaded` : ''}
        </Text>
        {loadingMore && (
          <Text size="xs" c="dimmed">
            Loading more…
          </Text>
        )}
        {moreError !== null && (
          <Group gap={4}>
            <Text size="xs" c="red">
              {errorMessage(moreError)}
            </Text>
            <Tooltip label="Try again">
              <ActionIcon size="xs" variant="subtle" onClick={loadMore} aria-label="Load more again">
                ↻
              </ActionIcon>
            </Tooltip>
          </Group>
        )}
        <Text size="xs" c="dimmed" ml="auto">
          j/k move · x select · Enter open · / search
        </Text>
      </Group>

      {action && <AssetActionModal action={action.action} target={action.target} onClose={() => setAction(null)} />}
      <LabelsModal target={labels} onClose={() => setLabels(null)} />
      <AssetFormModal open={creating} asset={null} onClose={() => setCreating(false)} />
    </div>
  );
}

function BulkMenu({ onPick }: { onPick: (a: AssetAction) => void }) {
  return (
    <Menu position="bottom-start" withinPortal>
      <Menu.Target>
        <Button size="xs" rightSection={<IconChevronDown size={14} />} data-testid="bulk-actions">
          Actions
        </Button>
      </Menu.Target>
      <Menu.Dropdown>
        <Menu.Item onClick={() => onPick('checkout')}>Check out to a person…</Menu.Item>
        <Menu.Item onClick={() => onPick('checkin')}>Check in…</Menu.Item>
        <Menu.Item onClick={() => onPick('move')}>Move to a location…</Menu.Item>
        <Menu.Item onClick={() => onPick('status')}>Change status…</Menu.Item>
      </Menu.Dropdown>
    </Menu>
  );
}
