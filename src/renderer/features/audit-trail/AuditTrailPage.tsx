/**
 * Audit trail (/audit-trail), for administrators and auditors: every recorded change, newest first,
 * filtered in SQL by who, what, record, call and period; one event opens with its before/after
 * diff; the filtered trail exports as CSV or PDF carrying the chain head; the chain verifies here.
 * (Not to be confused with Audits: physical inventory audits.)
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import {
  Alert,
  Badge,
  Button,
  Code,
  Drawer,
  Group,
  Loader,
  Select,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
  Tooltip,
  UnstyledButton,
} from '@mantine/core';
import { useVirtualizer } from '@tanstack/react-virtual';
import { IconDownload, IconFilterOff, IconShieldCheck } from '@tabler/icons-react';
import { notifications } from '@mantine/notifications';
import type { AuditEventDetail, AuditFilter, AuditListItem, ChainStatus } from '../../../shared/api/audit';
import { api, errorMessage } from '../../lib/client';
import { formatNumber } from '../../lib/format';
import { useCall } from '../../lib/query';
import { useKeysetPages } from '../../lib/pages';
import { Empty, ErrorState, Loading } from '../common/states';
import { downloadBase64, downloadText } from '../assets/files';
import { diffRows, listedChanges, periodBounds, whoOf, type DiffRow } from './diff';

const PAGE = 200;
const ROW_HEIGHT = 36;
const locale = typeof navigator !== 'undefined' ? navigator.language : undefined;
/** Seconds matter in a trail: two changes a few seconds apart must read apart. */
const when = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'medium' });
const formatWhen = (iso: string) => when.format(new Date(iso));

interface Filters {
  actorId: string | null;
  recordType: string | null;
  record: string;
  call: string | null;
  from: string;
  to: string;
}

const NO_FILTERS: Filters = { actorId: null, recordType: null, record: '', call: null, from: '', to: '' };

function toQuery(f: Filters): AuditFilter {
  const q: AuditFilter = {};
  if (f.actorId) q.actorId = f.actorId;
  if (f.recordType) q.recordType = f.recordType;
  if (f.record.trim()) q.recordId = f.record.trim();
  if (f.call) q.call = f.call;
  const { from, to } = periodBounds(f.from, f.to);
  if (from) q.from = from;
  if (to) q.to = to;
  return q;
}

/** Pages of the filtered trail, loaded as the list scrolls; reloaded when the filter or the data changes (every change appends to the trail). */
function useTrail(query: AuditFilter) {
  return useKeysetPages<AuditListItem>(JSON.stringify(query), (key, cursor) =>
    api.call('audit.search', { ...(JSON.parse(key) as AuditFilter), limit: PAGE, cursor }),
  );
}

export function AuditTrailPage() {
  const [filters, setFilters] = useState<Filters>(NO_FILTERS);
  const [recordText, setRecordText] = useState('');
  const [selected, setSelected] = useState<number | null>(null);
  const query = useMemo(() => toQuery(filters), [filters]);
  const trail = useTrail(query);
  const facets = useCall('audit.facets', {});
  const set = (patch: Partial<Filters>) => setFilters((f) => ({ ...f, ...patch }));
  const filtered = JSON.stringify(filters) !== JSON.stringify(NO_FILTERS);
  const periodError = filters.from && filters.to && filters.from > filters.to ? 'Ends before it starts' : null;

  return (
    <Stack p="md" gap="sm" h="100%" style={{ overflow: 'hidden' }}>
      <Group justify="space-between" align="flex-start">
        <div>
          <Title order={2}>Audit trail</Title>
          <Text size="sm" c="dimmed">
            Every recorded change: who made it, to what, and what it was before and after. Each event is chained to the one before it, so an
            edited or removed event shows.
          </Text>
        </div>
        <Group gap="xs">
          <ExportButton format="csv" query={query} />
          <ExportButton format="pdf" query={query} />
        </Group>
      </Group>
      <ChainCheck />
      {/* One row at 1440 px with Clear in view; narrower windows wrap rather than cut a control off. */}
      <Group gap="xs" align="flex-end" wrap="wrap" data-testid="trail-filters">
        <Select
          label="Who"
          placeholder="Anyone"
          data={(facets.data?.actors ?? []).map((a) => ({ value: a.id, label: a.name }))}
          value={filters.actorId}
          onChange={(v) => set({ actorId: v })}
          clearable
          searchable
          w={180}
          data-testid="trail-filter-who"
        />
        <Select
          label="What"
          placeholder="Any record type"
          data={facets.data?.recordTypes ?? []}
          value={filters.recordType}
          onChange={(v) => set({ recordType: v })}
          clearable
          searchable
          w={170}
          data-testid="trail-filter-what"
        />
        <TextInput
          label="Record"
          placeholder="Asset tag, ticket number, username or id"
          value={recordText}
          onChange={(e) => setRecordText(e.currentTarget.value)}
          onBlur={() => set({ record: recordText })}
          onKeyDown={(e) => {
            if (e.key === 'Enter') set({ record: recordText });
            if (e.key === 'Escape') e.currentTarget.blur();
          }}
          w={220}
          data-testid="trail-filter-record"
        />
        <Select
          label="Call"
          placeholder="Any call"
          data={facets.data?.calls ?? []}
          value={filters.call}
          onChange={(v) => set({ call: v })}
          clearable
          searchable
          w={170}
          data-testid="trail-filter-call"
        />
        <TextInput
          label="From"
          type="date"
          value={filters.from}
          onChange={(e) => set({ from: e.currentTarget.value })}
          w={140}
          data-testid="trail-filter-from"
        />
        <TextInput
          label="To"
          type="date"
          value={filters.to}
          onChange={(e) => set({ to: e.currentTarget.value })}
          error={periodError}
          w={140}
          data-testid="trail-filter-to"
        />
        {filtered && (
          <Button
            variant="subtle"
            leftSection={<IconFilterOff size={16} />}
            onClick={() => {
              setFilters(NO_FILTERS);
              setRecordText('');
            }}
            data-testid="trail-clear"
          >
            Clear
          </Button>
        )}
      </Group>
      {periodError ? (
        <Alert color="yellow">The period ends before it starts: pick a “To” date after the “From” date.</Alert>
      ) : trail.error && !trail.items.length ? (
        <ErrorState error={trail.error} onRetry={trail.reload} title="The trail could not be read" />
      ) : trail.loading && !trail.items.length ? (
        <Loading label="Reading the trail…" />
      ) : trail.items.length === 0 ? (
        <Empty title={filtered ? 'No events match these filters' : 'Nothing recorded yet'}>
          {filtered ? 'Widen the period or clear a filter.' : 'Changes appear here as people and imports make them.'}
        </Empty>
      ) : (
        <TrailList items={trail.items} hasMore={trail.hasMore} loading={trail.loading} onMore={trail.more} onOpen={setSelected} />
      )}
      <EventDrawer seq={selected} onClose={() => setSelected(null)} />
    </Stack>
  );
}

const COLUMNS = '190px 170px 150px 120px 150px 1fr';

function TrailList({
  items,
  hasMore,
  loading,
  onMore,
  onOpen,
}: {
  items: AuditListItem[];
  hasMore: boolean;
  loading: boolean;
  onMore: () => void;
  onOpen: (seq: number) => void;
}) {
  const ref = useRef<HTMLDivElement>(null);
  const virt = useVirtualizer({ count: items.length, getScrollElement: () => ref.current, estimateSize: () => ROW_HEIGHT, overscan: 12 });
  const last = virt.getVirtualItems().at(-1);
  useEffect(() => {
    if (last && last.index >= items.length - 20 && hasMore) onMore();
  }, [last, items.length, hasMore, onMore]);
  const head = { display: 'grid', gridTemplateColumns: COLUMNS, gap: 8, alignItems: 'center', padding: '0 8px' } as const;
  return (
    <Stack gap={0} style={{ flex: 1, minHeight: 0 }}>
      {/* Column titles for the eye; each row is a button named by what it shows (a grid role would need grid cells, not buttons). */}
      <div style={{ ...head, height: 30, borderBottom: '1px solid var(--mantine-color-default-border)' }} aria-hidden>
        {['When', 'Who', 'Call', 'What', 'Record', 'Changed'].map((h) => (
          <Text key={h} size="xs" fw={700} c="dimmed">
            {h}
          </Text>
        ))}
      </div>
      <div
        ref={ref}
        style={{ flex: 1, overflow: 'auto' }}
        data-testid="trail-list"
        role="region"
        aria-label={`Audit events (${items.length} loaded)`}
      >
        <div style={{ height: virt.getTotalSize(), position: 'relative' }}>
          {virt.getVirtualItems().map((v) => {
            const e = items[v.index]!;
            return (
              <UnstyledButton
                key={e.seq}
                onClick={() => onOpen(e.seq)}
                data-testid="trail-row"
                data-seq={e.seq}
                title={`Event ${e.seq}: ${e.call} on ${e.recordType} ${e.recordLabel ?? e.recordId ?? ''}`}
                className="trail-row"
                style={{
                  ...head,
                  position: 'absolute',
                  top: 0,
                  left: 0,
                  right: 0,
                  height: ROW_HEIGHT,
                  transform: `translateY(${v.start}px)`,
                  borderBottom: '1px solid var(--mantine-color-default-border)',
                }}
              >
                <Text size="sm" truncate title={e.at}>
                  {formatWhen(e.at)}
                </Text>
                <Text size="sm" truncate>
                  {whoOf(e)}
                </Text>
                <Text size="sm" ff="monospace" truncate>
                  {e.call}
                </Text>
                <Badge size="sm" variant="light" style={{ justifySelf: 'start' }}>
                  {e.recordType}
                </Badge>
                <Text size="sm" ff="monospace" truncate title={e.recordId ?? ''} data-testid="trail-row-record">
                  {e.recordLabel ?? (e.recordId ? `${e.recordId.slice(0, 8)}…` : '—')}
                </Text>
                <Text size="xs" c="dimmed" truncate>
                  {e.fields.join(', ')}
                </Text>
              </UnstyledButton>
            );
          })}
        </div>
        {loading && (
          <Group justify="center" p="xs">
            <Loader size="xs" />
          </Group>
        )}
      </div>
      <Text size="xs" c="dimmed" pt={4} data-testid="trail-count">
        {formatNumber(items.length)} event{items.length === 1 ? '' : 's'} shown{hasMore ? ' — scroll for older ones' : ''}
      </Text>
    </Stack>
  );
}

function EventDrawer({ seq, onClose }: { seq: number | null; onClose: () => void }) {
  const q = useCall('audit.get', seq === null ? null : { seq });
  return (
    <Drawer
      opened={seq !== null}
      onClose={onClose}
      position="right"
      size="xl"
      title={seq !== null ? `Event #${seq}` : ''}
      data-testid="trail-event"
    >
      {seq === null ? null : q.error ? (
        <ErrorState error={q.error} onRetry={() => void q.refetch()} />
      ) : !q.data || q.data.seq !== seq ? (
        <Loading />
      ) : (
        <EventDetail e={q.data} />
      )}
    </Drawer>
  );
}

/** How many records of a many-record event the drawer lists (a pulled page can hold thousands). */
const LISTED_SHOWN = 200;

function EventDetail({ e }: { e: AuditEventDetail }) {
  const rows = diffRows(e.before, e.after);
  const listed = listedChanges(e.after);
  return (
    <Stack gap="md" data-testid="trail-event-detail">
      <Table variant="vertical" withTableBorder fz="sm">
        <Table.Tbody>
          <Table.Tr>
            <Table.Th w={120}>When</Table.Th>
            <Table.Td>
              {formatWhen(e.at)}{' '}
              <Text span size="xs" c="dimmed">
                ({e.at})
              </Text>
            </Table.Td>
          </Table.Tr>
          <Table.Tr>
            <Table.Th>Who</Table.Th>
            <Table.Td>{whoOf(e)}</Table.Td>
          </Table.Tr>
          <Table.Tr>
            <Table.Th>Call</Table.Th>
            <Table.Td ff="monospace">{e.call}</Table.Td>
          </Table.Tr>
          <Table.Tr>
            <Table.Th>What</Table.Th>
            <Table.Td>
              {e.recordType} {e.recordLabel && <b data-testid="trail-event-label">{e.recordLabel}</b>}
              {e.recordId && (
                <Text size="xs" c="dimmed" ff="monospace">
                  {e.recordId}
                </Text>
              )}
            </Table.Td>
          </Table.Tr>
          <Table.Tr>
            <Table.Th>Chain link</Table.Th>
            <Table.Td>
              <Badge color={e.linkValid ? 'green' : 'red'} variant="light" data-testid="trail-event-link">
                {e.linkValid ? 'Intact' : 'Broken'}
              </Badge>
              <Text size="xs" c="dimmed" ff="monospace" style={{ wordBreak: 'break-all' }}>
                hash {e.hash}
                <br />
                after {e.prevHash}
              </Text>
            </Table.Td>
          </Table.Tr>
        </Table.Tbody>
      </Table>
      {listed ? (
        <Stack gap="xs" data-testid="trail-listed">
          <Text size="sm" fw={600}>
            {listed.length.toLocaleString()} {listed.length === 1 ? 'record' : 'records'} in this event
            {listed.length > LISTED_SHOWN ? `; the first ${LISTED_SHOWN.toLocaleString()} below (filter by record to find one)` : ''}
          </Text>
          {listed.slice(0, LISTED_SHOWN).map((c, i) => (
            <Stack key={`${c.id}-${i}`} gap={4} data-testid="trail-listed-record" data-record-id={c.id}>
              <Text size="sm">
                {c.type}{' '}
                <Text span size="xs" c="dimmed" ff="monospace">
                  {c.id}
                </Text>
              </Text>
              {c.rows.length ? (
                <DiffTable rows={c.rows} />
              ) : (
                <Text size="xs" c="dimmed">
                  {c.received !== null ? `New on this device, as the server's change ${c.received} holds it.` : 'No field values recorded.'}
                </Text>
              )}
            </Stack>
          ))}
        </Stack>
      ) : rows.length === 0 ? (
        <Text size="sm" c="dimmed">
          This event carries no field values.
        </Text>
      ) : (
        <DiffTable rows={rows} />
      )}
    </Stack>
  );
}

/** Field, before and after of one record. */
function DiffTable({ rows }: { rows: DiffRow[] }) {
  return (
    <Table withTableBorder striped fz="sm" data-testid="trail-diff" style={{ tableLayout: 'fixed' }}>
      <Table.Thead>
        <Table.Tr>
          <Table.Th w={160}>Field</Table.Th>
          <Table.Th>Before</Table.Th>
          <Table.Th>After</Table.Th>
        </Table.Tr>
      </Table.Thead>
      <Table.Tbody>
        {rows.map((r) => (
          <Table.Tr key={r.field} data-testid="trail-diff-row" data-changed={r.changed}>
            <Table.Td ff="monospace">{r.field}</Table.Td>
            <Table.Td
              c={r.changed && r.before !== null ? 'red' : 'dimmed'}
              style={{ wordBreak: 'break-word', textDecoration: r.changed && r.before !== null ? 'line-through' : undefined }}
            >
              {r.before ?? '—'}
            </Table.Td>
            <Table.Td c={r.changed ? 'green' : undefined} fw={r.changed ? 600 : undefined} style={{ wordBreak: 'break-word' }}>
              {r.after ?? '—'}
            </Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}

function ChainCheck() {
  const [status, setStatus] = useState<ChainStatus | null>(null);
  const [busy, setBusy] = useState(false);
  const verify = async () => {
    setBusy(true);
    try {
      setStatus(await api.call('audit.verify', {}));
    } catch (e) {
      notifications.show({ color: 'red', title: 'The chain could not be checked', message: errorMessage(e) });
    } finally {
      setBusy(false);
    }
  };
  return (
    <Group gap="sm" data-testid="trail-chain">
      <Button
        size="xs"
        variant="light"
        leftSection={<IconShieldCheck size={16} />}
        loading={busy}
        onClick={() => void verify()}
        data-testid="trail-verify"
      >
        Verify chain
      </Button>
      {status &&
        (status.valid ? (
          <Text size="sm" c="green" data-testid="trail-chain-result">
            Intact: all {formatNumber(status.count)} events check out.{' '}
            {status.head && (
              <Tooltip label={status.head}>
                <Code>head {status.head.slice(0, 16)}…</Code>
              </Tooltip>
            )}
          </Text>
        ) : status.firstBroken !== null ? (
          <Text size="sm" c="red" fw={600} data-testid="trail-chain-result">
            Broken at event #{status.firstBroken}: events from there on cannot be trusted.
          </Text>
        ) : (
          <Text size="sm" c="red" fw={600} data-testid="trail-chain-result">
            The links hold, but the trail does not match what the server acknowledged.
          </Text>
        ))}
      {status && status.anchor.state !== 'none' && (
        <Text size="sm" c={status.anchor.state === 'ok' ? 'dimmed' : 'red'} data-testid="trail-chain-anchor">
          {status.anchor.message}
        </Text>
      )}
    </Group>
  );
}

function ExportButton({ format, query }: { format: 'csv' | 'pdf'; query: AuditFilter }) {
  const [busy, setBusy] = useState(false);
  const run = async () => {
    setBusy(true);
    try {
      const r = await api.call('audit.export', { ...query, format });
      if (r.encoding === 'base64') downloadBase64(r.content, r.filename, r.mime);
      else downloadText(r.content, r.filename, r.mime);
      notifications.show({
        color: r.chainValid ? 'green' : 'red',
        message: `Saved ${r.filename}: ${formatNumber(r.rows)} events${r.truncated ? ' (the newest; narrow the filter for the rest)' : ''}${
          r.chainHead ? `, chain head ${r.chainHead.slice(0, 12)}…` : r.chainValid ? '' : ', the chain is BROKEN'
        }.`,
      });
    } catch (e) {
      notifications.show({ color: 'red', title: 'The export could not be made', message: errorMessage(e) });
    } finally {
      setBusy(false);
    }
  };
  return (
    <Button
      leftSection={<IconDownload size={16} />}
      variant={format === 'csv' ? 'filled' : 'light'}
      loading={busy}
      onClick={() => void run()}
      data-testid={`trail-export-${format}`}
    >
      Export {format.toUpperCase()}
    </Button>
  );
}
