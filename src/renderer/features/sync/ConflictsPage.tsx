/**
 * The conflicts inbox: for each field both values, who wrote them and when; keep mine or keep
 * theirs. An edit made after a delete can be kept (the record comes back with it) or let go. Below,
 * local changes the server did not accept, with their values and the reason, to copy or dismiss.
 */
import { useEffect, useRef, useState } from 'react';
import { Badge, Button, Card, Checkbox, Group, Select, Stack, Text, Title } from '@mantine/core';
import { useVirtualizer } from '@tanstack/react-virtual';
import { notifications } from '@mantine/notifications';
import type { ConflictItem, ConflictSide, RejectedItem } from '../../../shared/api/sync';
import { api, errorMessage } from '../../lib/client';
import { changed, useCall } from '../../lib/query';
import { useKeysetPages } from '../../lib/pages';
import { navigate, useRoute } from '../../lib/router';
import { Empty, ErrorState, Loading } from '../common/states';

const KIND_LABEL: Record<ConflictItem['kind'], string> = {
  field: 'Edited on two devices',
  transition: 'Status change no longer allowed',
  deleted: 'Edited after it was deleted',
  overwritten: 'Overwritten by a newer edit',
};

const ENTITY_LABEL: Record<string, string> = {
  tickets: 'Tickets',
  assets: 'Assets',
  risks: 'Risks',
  team_settings: 'Team settings',
  ticket_categories: 'Categories',
  users: 'People',
  sites: 'Sites',
  groups: 'Groups',
  locations: 'Locations',
  asset_models: 'Asset models',
};

/** The edit that lost to a delete travels as JSON of its fields: show it as "field: value" lines. */
function showValue(side: ConflictSide, kind: ConflictItem['kind']): string {
  if (side.value === null) return '(empty)';
  if (kind !== 'deleted') return side.value;
  if (side.value === 'deleted') return 'Deleted';
  try {
    const fields = JSON.parse(side.value) as unknown;
    if (fields && typeof fields === 'object' && !Array.isArray(fields)) {
      const lines = Object.entries(fields as Record<string, unknown>).map(([k, v]) => `${k.replace(/_/g, ' ')}: ${v === null ? '(empty)' : String(v)}`);
      return lines.length ? lines.join('\n') : 'An edit';
    }
  } catch {
    // Not JSON: show as written.
  }
  return side.value;
}

/** Button words: for an edit made after a delete, say what each choice does to the record. */
function choiceLabel(c: ConflictItem, keep: 'mine' | 'theirs'): string {
  if (c.kind === 'overwritten') return keep === c.current ? 'Keep the newer value' : `Put ${keep === 'mine' ? 'mine' : 'theirs'} back`;
  if (c.kind !== 'deleted') return keep === 'mine' ? 'Keep mine' : 'Keep theirs';
  const side = keep === 'mine' ? c.mine : c.theirs;
  return side.value === 'deleted' ? 'Keep it deleted' : `Bring it back with ${keep === 'mine' ? 'my' : 'their'} edit`;
}

function Side({ title, side, kept, kind }: { title: string; side: ConflictSide; kept: boolean; kind: ConflictItem['kind'] }) {
  return (
    <Stack gap={2} style={{ flex: 1, minWidth: 0 }}>
      <Group gap="xs">
        <Text size="sm" fw={600}>{title}</Text>
        {kept && <Badge size="xs" variant="light">{kind === 'overwritten' ? 'kept (newest)' : 'kept for now'}</Badge>}
      </Group>
      <Text size="sm" style={{ whiteSpace: 'pre-wrap', wordBreak: 'break-word' }}>{showValue(side, kind)}</Text>
      <Text size="xs" c="dimmed">
        {side.at ? new Date(side.at).toLocaleString() : 'unknown time'} · device {side.device ? side.device.slice(0, 8) : '?'}
      </Text>
    </Stack>
  );
}

/** Count for the navigation entry: the inbox's own count (the same query the list totals) plus refused changes. */
export function ConflictsNavBadge() {
  const q = useCall('sync.status', {});
  const n = (q.data?.conflicts ?? 0) + (q.data?.rejected ?? 0);
  if (!n) return null;
  return <Badge size="sm" color="orange" variant="filled" data-testid="conflicts-nav-count">{n}</Badge>;
}

/** A small badge a record page shows when the record has conflicts in the signed-in person's inbox. */
export function ConflictBadge({ recordId }: { recordId: string }) {
  const q = useCall('conflicts.list', { recordId, limit: 1 });
  const n = q.data?.total ?? 0;
  if (!n) return null;
  const text = `${n} conflict${n === 1 ? '' : 's'}`;
  return (
    <Badge
      component="button"
      type="button"
      color="orange"
      variant="light"
      style={{ cursor: 'pointer' }}
      onClick={() => navigate(`/conflicts?record=${encodeURIComponent(recordId)}`)}
      aria-label={`${text} on this record: open the Conflicts inbox`}
      data-testid="record-conflict-badge"
    >
      {text}
    </Badge>
  );
}

/** Where a conflict's record opens, for the record types that have a page. */
function recordPath(c: ConflictItem): string | null {
  if (c.entity === 'tickets') return `/queue/${c.recordId}`;
  if (c.entity === 'assets') return `/assets/${c.recordId}`;
  if (c.entity === 'risks') return `/risks/${c.recordId}`;
  return null;
}

type Filters = { kind: ConflictItem['kind'] | ''; entity: string; siteId: string; lostBy: 'anyone' | 'me' | 'others'; recordId: string };
const PAGE = 100;

/** Pages of the filtered inbox (keyset), loaded as the list scrolls; reloaded when filters or conflicts change. */
function usePagedConflicts(filters: Filters) {
  return useKeysetPages<ConflictItem>(
    JSON.stringify(filters),
    (key, cursor) => {
      const f = JSON.parse(key) as Filters;
      return api.call('conflicts.list', {
        ...(f.kind ? { kind: f.kind } : {}),
        ...(f.entity ? { entity: f.entity } : {}),
        ...(f.siteId ? { siteId: f.siteId } : {}),
        ...(f.recordId ? { recordId: f.recordId } : {}),
        lostBy: f.lostBy,
        limit: PAGE,
        cursor,
      });
    },
    (domain) => domain === 'conflicts' || domain === 'sync',
  );
}

export function ConflictsPage() {
  // A record's badge opens the inbox on that record (#/conflicts?record=<id>).
  const recordParam = useRoute().params.get('record') ?? '';
  const [filters, setFilters] = useState<Filters>(() => ({ kind: '', entity: '', siteId: '', lostBy: 'anyone', recordId: recordParam }));
  useEffect(() => setFilters((f) => (f.recordId === recordParam ? f : { ...f, recordId: recordParam })), [recordParam]);
  const list = usePagedConflicts(filters);
  const sites = useCall('sites.list', {});
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [busy, setBusy] = useState<string | null>(null);
  const set = (patch: Partial<Filters>) => {
    setSelected(new Set());
    setFilters((f) => ({ ...f, ...patch }));
  };
  const items = list.items;
  const allSelected = items.length > 0 && items.every((c) => selected.has(c.id));
  const toggle = (id: string) =>
    setSelected((s) => {
      const n = new Set(s);
      if (n.has(id)) n.delete(id);
      else n.add(id);
      return n;
    });
  const after = () => {
    changed('conflicts');
    changed('sync');
    changed('tickets');
    changed('assets');
  };
  const resolve = async (c: ConflictItem, keep: 'mine' | 'theirs') => {
    setBusy(c.id + keep);
    try {
      await api.call('conflicts.resolve', { id: c.id, keep });
      notifications.show({ color: 'green', message: c.kind === 'deleted' || c.kind === 'overwritten' ? `${choiceLabel(c, keep)}: ${c.recordLabel}.` : `Kept ${keep === 'mine' ? 'your' : 'their'} ${c.field} on ${c.recordLabel}.` });
      setSelected((s) => new Set([...s].filter((x) => x !== c.id)));
      after();
    } catch (e) {
      notifications.show({ color: 'red', message: errorMessage(e) });
    } finally {
      setBusy(null);
    }
  };
  const keepWinners = async () => {
    const ids = [...selected];
    if (!ids.length) return;
    setBusy('bulk');
    try {
      const r = await api.call('conflicts.keepWinners', { ids });
      notifications.show({
        color: 'green',
        message: `Kept the winner for ${r.resolved} conflict${r.resolved === 1 ? '' : 's'}${r.alreadySettled ? ` (${r.alreadySettled} already settled elsewhere)` : ''}.`,
      });
      setSelected(new Set());
      after();
    } catch (e) {
      notifications.show({ color: 'red', message: errorMessage(e) });
    } finally {
      setBusy(null);
    }
  };
  const filtered = !!(filters.kind || filters.entity || filters.siteId || filters.recordId || filters.lostBy !== 'anyone');
  return (
    <Stack p="md" gap="sm" h="100%" style={{ overflow: 'hidden' }} data-testid="conflicts-page">
      <Group justify="space-between" align="flex-start">
        <div>
          <Title order={2}>Conflicts</Title>
          <Text size="sm" c="dimmed">
            Changes made on two devices while apart that Outpost could not merge on its own, and values of yours a newer edit overwrote.
          </Text>
        </div>
        <Text size="sm" fw={600} data-testid="conflicts-total" aria-live="polite">
          {list.total === null ? '' : `${list.total.toLocaleString()} conflict${list.total === 1 ? '' : 's'}${filtered ? ' match' : ''} · ${items.length.toLocaleString()} loaded`}
        </Text>
      </Group>
      <RejectedSection />
      <Group gap="sm" align="flex-end" wrap="wrap">
        <Select
          label="Kind"
          w={230}
          data={[{ value: '', label: 'Any kind' }, ...Object.entries(KIND_LABEL).map(([value, label]) => ({ value, label }))]}
          value={filters.kind}
          onChange={(v) => set({ kind: (v ?? '') as Filters['kind'] })}
          allowDeselect={false}
          data-testid="conflicts-filter-kind"
        />
        <Select
          label="Record type"
          w={170}
          data={[{ value: '', label: 'Any record' }, ...Object.entries(ENTITY_LABEL).map(([value, label]) => ({ value, label }))]}
          value={filters.entity}
          onChange={(v) => set({ entity: v ?? '' })}
          allowDeselect={false}
          data-testid="conflicts-filter-entity"
        />
        <Select
          label="Site"
          w={170}
          data={[{ value: '', label: 'Any site' }, { value: 'global', label: 'Team-wide' }, ...(sites.data?.items ?? []).map((s) => ({ value: s.id, label: s.name }))]}
          value={filters.siteId}
          onChange={(v) => set({ siteId: v ?? '' })}
          allowDeselect={false}
          data-testid="conflicts-filter-site"
        />
        <Select
          label="Whose change lost"
          w={170}
          data={[
            { value: 'anyone', label: 'Anyone’s' },
            { value: 'me', label: 'Mine' },
            { value: 'others', label: 'Someone else’s' },
          ]}
          value={filters.lostBy}
          onChange={(v) => set({ lostBy: (v ?? 'anyone') as Filters['lostBy'] })}
          allowDeselect={false}
          data-testid="conflicts-filter-lost"
        />
        {filters.recordId && (
          <Button variant="subtle" size="sm" onClick={() => navigate('/conflicts')} data-testid="conflicts-clear-record">
            Showing one record · show all
          </Button>
        )}
      </Group>
      <Group gap="sm">
        <Checkbox
          label={`Select all ${items.length.toLocaleString()} loaded`}
          checked={allSelected}
          indeterminate={!allSelected && selected.size > 0}
          onChange={() => setSelected(allSelected ? new Set() : new Set(items.map((c) => c.id)))}
          disabled={!items.length}
          data-testid="conflicts-select-all"
        />
        <Button size="xs" disabled={!selected.size} loading={busy === 'bulk'} onClick={() => void keepWinners()} data-testid="conflicts-keep-winners">
          Keep the winner for {selected.size.toLocaleString()} reviewed
        </Button>
      </Group>
      {list.error && !items.length ? (
        <ErrorState error={list.error} onRetry={list.reload} />
      ) : list.loading && !items.length ? (
        <Loading />
      ) : !items.length ? (
        <Empty title={filtered ? 'No conflicts match' : 'No conflicts'}>
          {filtered ? 'Clear a filter to see more.' : 'When two devices change the same thing while apart, the change that could not be merged waits here for a decision.'}
        </Empty>
      ) : (
        <ConflictList items={items} hasMore={list.hasMore} loading={list.loading} onMore={list.more}>
          {(c) => (
            <Card withBorder data-testid="conflict-item" data-kind={c.kind} mb="sm">
              <Stack gap="sm">
                <Group justify="space-between" wrap="nowrap">
                  <Group gap="sm" wrap="nowrap" style={{ minWidth: 0 }}>
                    <Checkbox checked={selected.has(c.id)} onChange={() => toggle(c.id)} aria-label={`Reviewed: ${c.recordLabel} · ${c.field}`} data-testid="conflict-select" />
                    <Text fw={600} truncate component={recordPath(c) ? 'a' : 'span'} href={recordPath(c) ? `#${recordPath(c)}` : undefined}>
                      {c.recordLabel} · {c.field}
                    </Text>
                  </Group>
                  <Badge variant="light" color={c.autoResolved ? 'blue' : 'orange'} style={{ flexShrink: 0 }}>
                    {KIND_LABEL[c.kind]}
                  </Badge>
                </Group>
                {c.autoResolved && (
                  <Text size="sm" c="dimmed">
                    The newer value was kept automatically{c.lostByMe ? '; yours was overwritten. Put it back, or keep the newer one.' : '.'}
                  </Text>
                )}
                <Group align="flex-start" gap="lg" wrap="nowrap">
                  <Side title="Mine" side={c.mine} kept={c.current === 'mine'} kind={c.kind} />
                  <Side title="Theirs" side={c.theirs} kept={c.current === 'theirs'} kind={c.kind} />
                </Group>
                <Group>
                  {(['mine', 'theirs'] as const).map((keep) => (
                    <Button
                      key={keep}
                      size="xs"
                      variant={keep === 'mine' ? 'filled' : 'default'}
                      onClick={() => void resolve(c, keep)}
                      loading={busy === c.id + keep}
                      data-testid={`keep-${keep}`}
                    >
                      {choiceLabel(c, keep)}
                    </Button>
                  ))}
                </Group>
              </Stack>
            </Card>
          )}
        </ConflictList>
      )}
    </Stack>
  );
}

/** The inbox as a virtualised list (cards of varying height, measured): only what is on screen is drawn. */
function ConflictList({ items, hasMore, loading, onMore, children }: { items: ConflictItem[]; hasMore: boolean; loading: boolean; onMore: () => void; children: (c: ConflictItem) => React.ReactNode }) {
  const ref = useRef<HTMLDivElement>(null);
  const virt = useVirtualizer({ count: items.length, getScrollElement: () => ref.current, estimateSize: () => 190, overscan: 6, getItemKey: (i) => items[i]!.id });
  const last = virt.getVirtualItems().at(-1);
  useEffect(() => {
    if (last && last.index >= items.length - 10 && hasMore && !loading) onMore();
  }, [last, items.length, hasMore, loading, onMore]);
  return (
    <div ref={ref} style={{ flex: 1, minHeight: 0, overflow: 'auto' }} data-testid="conflicts-list" role="region" aria-label={`Conflicts (${items.length} loaded)`} tabIndex={0}>
      <div style={{ height: virt.getTotalSize(), position: 'relative' }}>
        {virt.getVirtualItems().map((v) => (
          <div key={v.key} data-index={v.index} ref={virt.measureElement} style={{ position: 'absolute', top: 0, left: 0, right: 0, transform: `translateY(${v.start}px)` }}>
            {children(items[v.index]!)}
          </div>
        ))}
      </div>
      {loading && hasMore && <Loading label="Loading more conflicts…" />}
    </div>
  );
}

/** Plain text of a refused change, for pasting into a ticket or an e-mail before dismissing it. */
export function rejectedText(r: RejectedItem): string {
  return [
    `${r.action}: ${r.recordLabel} (${r.entity.replace(/_/g, ' ')} ${r.recordId})`,
    ...r.fields.map((f) => `  ${f.name}: ${f.value ?? '(empty)'}`),
    `Not accepted by the server: ${r.reason}`,
    `Made ${new Date(r.madeAt).toLocaleString()}, refused ${new Date(r.rejectedAt).toLocaleString()}`,
  ].join('\n');
}

/** Local changes the server refused: kept until dismissed, so work done offline never just vanishes. */
function RejectedSection() {
  const q = useCall('conflicts.rejected', {});
  const [busy, setBusy] = useState<string | null>(null);
  const items = q.data?.items ?? [];
  if (q.error && !q.data) return <ErrorState error={q.error} onRetry={() => void q.refetch()} />;
  if (!items.length) return null;
  const copy = async (r: RejectedItem) => {
    try {
      await navigator.clipboard.writeText(rejectedText(r));
      notifications.show({ color: 'green', message: 'Copied. Paste it wherever the change should go.' });
    } catch {
      notifications.show({ color: 'red', message: 'The clipboard is not available here; select the text on the card instead.' });
    }
  };
  const dismiss = async (r: RejectedItem) => {
    setBusy(r.id);
    try {
      await api.call('conflicts.dismiss', { id: r.id });
      changed('conflicts');
      changed('sync');
    } catch (e) {
      notifications.show({ color: 'red', message: errorMessage(e) });
    } finally {
      setBusy(null);
    }
  };
  return (
    <Stack gap="sm" data-testid="rejected-section">
      <Title order={4}>Not accepted by the server</Title>
      <Text size="sm" c="dimmed">
        These changes were made on this device but the server refused them, so other devices do not have them. Copy what you need, redo it where it is allowed, then dismiss.
      </Text>
      {items.map((r) => (
        <Card key={r.id} withBorder data-testid="rejected-item">
          <Stack gap="xs">
            <Group justify="space-between">
              <Text fw={600} style={{ cursor: r.entity === 'tickets' ? 'pointer' : undefined }} onClick={() => r.entity === 'tickets' && navigate(`/queue/${r.recordId}`)}>
                {r.recordLabel}
              </Text>
              <Badge variant="light" color="red">{r.action} · not accepted</Badge>
            </Group>
            {r.fields.length > 0 && (
              <Stack gap={0}>
                {r.fields.map((f) => (
                  <Text key={f.name} size="sm" style={{ whiteSpace: 'pre-wrap', wordBreak: 'break-word' }}>
                    <Text span fw={500}>{f.name.replace(/_/g, ' ')}:</Text> {f.value ?? '(empty)'}
                  </Text>
                ))}
              </Stack>
            )}
            <Text size="sm" c="red" data-testid="rejected-reason">{r.reason}</Text>
            <Text size="xs" c="dimmed">
              Made {new Date(r.madeAt).toLocaleString()} · refused {new Date(r.rejectedAt).toLocaleString()}
            </Text>
            <Group>
              <Button size="xs" variant="default" onClick={() => void copy(r)} data-testid="rejected-copy">Copy</Button>
              <Button size="xs" variant="subtle" color="gray" onClick={() => void dismiss(r)} loading={busy === r.id} data-testid="rejected-dismiss">Dismiss</Button>
            </Group>
          </Stack>
        </Card>
      ))}
    </Stack>
  );
}
