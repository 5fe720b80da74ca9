/**
 * Findings (/findings): every non-conformity and observation, filtered by severity, status,
 * assessment and kind, in a virtualised list with keys (j/k to move, Enter to open, / for the
 * filters); the open finding's panel changes its status and opens its follow-up ticket.
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import { Anchor, Badge, Button, Card, Group, MultiSelect, Select, Stack, Text, Title } from '@mantine/core';
import { useVirtualizer } from '@tanstack/react-virtual';
import { notifications } from '@mantine/notifications';
import { FINDING_SEVERITIES, FINDING_STATUSES, type FindingSeverity, type FindingStatus } from '../../../shared/sync/entities-evidence';
import type { Finding } from '../../../shared/api/findings';
import { api, errorMessage } from '../../lib/client';
import { invalidate, useCall } from '../../lib/query';
import { navigate, useRoute } from '../../lib/router';
import { useKeys } from '../../lib/keys';
import { formatDateTime } from '../../lib/format';
import { Empty, ErrorState, Loading } from '../common/states';

const ROW = 40;
export const SEVERITY_COLORS: Record<FindingSeverity, string> = { low: 'gray', medium: 'yellow', high: 'orange', critical: 'red' };
const STATUS_LABELS: Record<FindingStatus, string> = { open: 'Open', in_progress: 'In progress', resolved: 'Resolved', closed: 'Closed' };
const KIND_LABELS = { non_conformity: 'Non-conformity', observation: 'Observation' } as const;

export function FindingsPage() {
  const route = useRoute();
  const openId = route.params.get('id');
  const [severities, setSeverities] = useState<string[]>([]);
  const [statuses, setStatuses] = useState<string[]>(['open', 'in_progress']);
  const [assessmentId, setAssessmentId] = useState<string | null>(null);
  const [kind, setKind] = useState<string | null>(null);
  const assessments = useCall('assessments.list', {});
  const input = useMemo(
    () => ({
      ...(severities.length ? { severities: severities as FindingSeverity[] } : {}),
      ...(statuses.length ? { statuses: statuses as FindingStatus[] } : {}),
      ...(assessmentId ? { assessmentId } : {}),
      ...(kind ? { kind: kind as Finding['kind'] } : {}),
    }),
    [severities, statuses, assessmentId, kind],
  );
  const list = useCall('findings.list', input);
  const items = list.data?.items ?? [];
  const [cursor, setCursor] = useState(0);
  useEffect(() => setCursor(0), [input]);
  const open = (f: Finding | undefined) => f && navigate(`/findings?id=${f.id}`, { replace: true });
  useKeys({
    j: () => setCursor((i) => Math.min(i + 1, items.length - 1)),
    k: () => setCursor((i) => Math.max(i - 1, 0)),
    Enter: () => open(items[cursor]),
    Escape: () => openId && navigate('/findings', { replace: true }),
    '/': () => document.getElementById('findings-severity')?.focus(),
  });
  const filtered = severities.length > 0 || assessmentId !== null || kind !== null || statuses.join() !== 'open,in_progress';
  return (
    <Stack p="md" gap="md" h="100%" style={{ overflow: 'hidden' }}>
      <Group justify="space-between">
        <Title order={2}>Findings</Title>
        <Text size="sm" c="dimmed" data-testid="findings-total">
          {list.data ? `${items.length} finding${items.length === 1 ? '' : 's'}` : ''}
        </Text>
      </Group>
      <Group gap="sm" align="flex-end">
        <MultiSelect id="findings-severity" label="Severity" placeholder="Any" data={FINDING_SEVERITIES.map((s) => ({ value: s, label: s[0]!.toUpperCase() + s.slice(1) }))} value={severities} onChange={setSeverities} clearable w={240} />
        <MultiSelect label="Status" data={FINDING_STATUSES.map((s) => ({ value: s, label: STATUS_LABELS[s] }))} value={statuses} onChange={setStatuses} clearable w={280} />
        <Select label="Assessment" placeholder="Any" data={(assessments.data?.items ?? []).map((a) => ({ value: a.id, label: a.name }))} value={assessmentId} onChange={setAssessmentId} clearable searchable w={260} />
        <Select label="Kind" placeholder="Any" data={Object.entries(KIND_LABELS).map(([value, label]) => ({ value, label }))} value={kind} onChange={setKind} clearable w={180} />
      </Group>
      <Group align="stretch" gap="md" style={{ flex: 1, minHeight: 0 }} wrap="nowrap">
        <div style={{ flex: 1, minWidth: 0, display: 'flex', flexDirection: 'column' }}>
          {list.error && !list.data ? (
            <ErrorState error={list.error} onRetry={() => void list.refetch()} />
          ) : !list.data ? (
            <Loading label="Loading findings…" />
          ) : items.length === 0 ? (
            <Empty title={filtered ? 'No finding matches' : 'No open finding'}>
              {filtered ? 'Clear a filter to see more.' : 'Findings raised during assessments show here.'}
            </Empty>
          ) : (
            <FindingList items={items} cursor={cursor} setCursor={setCursor} openId={openId} onOpen={open} />
          )}
        </div>
        {openId && <FindingPanel id={openId} />}
      </Group>
    </Stack>
  );
}

function FindingList({ items, cursor, setCursor, openId, onOpen }: { items: Finding[]; cursor: number; setCursor: (i: number) => void; openId: string | null; onOpen: (f: Finding) => void }) {
  const parentRef = useRef<HTMLDivElement>(null);
  const virt = useVirtualizer({ count: items.length, getScrollElement: () => parentRef.current, estimateSize: () => ROW, overscan: 10 });
  useEffect(() => virt.scrollToIndex(cursor), [cursor, virt]);
  return (
    <div ref={parentRef} style={{ flex: 1, overflow: 'auto', border: '1px solid var(--mantine-color-default-border)', borderRadius: 4 }} role="list" aria-label="Findings" data-testid="findings-list">
      <div style={{ height: virt.getTotalSize(), position: 'relative' }}>
        {virt.getVirtualItems().map((v) => {
          const f = items[v.index]!;
          const active = v.index === cursor || f.id === openId;
          return (
            <div
              key={f.id}
              role="listitem"
              style={{ position: 'absolute', top: 0, left: 0, right: 0, height: ROW, transform: `translateY(${v.start}px)`, display: 'flex', alignItems: 'center', gap: 12, padding: '0 12px', borderBottom: '1px solid var(--mantine-color-default-border)', background: active ? 'var(--mantine-color-default-hover)' : undefined }}
            >
              <Badge size="sm" color={SEVERITY_COLORS[f.severity]} w={80}>
                {f.severity}
              </Badge>
              <a
                href={`#/findings?id=${f.id}`}
                onClick={(e) => (e.preventDefault(), setCursor(v.index), onOpen(f))}
                style={{ flex: 1, overflow: 'hidden', textOverflow: 'ellipsis', whiteSpace: 'nowrap', color: 'inherit' }}
              >
                {f.title}
              </a>
              <Text size="xs" c="dimmed" w={110}>
                {KIND_LABELS[f.kind]}
              </Text>
              <Badge size="sm" variant="light" color={f.status === 'open' || f.status === 'in_progress' ? 'blue' : 'gray'} w={100}>
                {STATUS_LABELS[f.status]}
              </Badge>
              <Text size="xs" c={f.overdue ? 'red' : 'dimmed'} w={100}>
                {f.dueDate ? `due ${f.dueDate}` : ''}
              </Text>
              <Text size="xs" c="dimmed" w={120} truncate>
                {f.ownerName ?? ''}
              </Text>
            </div>
          );
        })}
      </div>
    </div>
  );
}

function FindingPanel({ id }: { id: string }) {
  const q = useCall('findings.get', { id });
  const [busy, setBusy] = useState(false);
  if (q.error && !q.data) return <Card withBorder w={380}>{<ErrorState error={q.error} onRetry={() => void q.refetch()} />}</Card>;
  if (!q.data) return <Card withBorder w={380}><Loading label="Loading the finding…" /></Card>;
  const f = q.data;
  const run = async (fn: () => Promise<unknown>) => {
    setBusy(true);
    try {
      await fn();
      invalidate((n) => n.startsWith('findings.') || n.startsWith('tickets.'));
    } catch (e) {
      notifications.show({ color: 'red', message: errorMessage(e) });
    } finally {
      setBusy(false);
    }
  };
  return (
    <Card withBorder w={380} style={{ overflow: 'auto' }} data-testid="finding-panel">
      <Stack gap="xs">
        <Group gap="xs">
          <Badge color={SEVERITY_COLORS[f.severity]}>{f.severity}</Badge>
          <Text size="xs" c="dimmed">
            {KIND_LABELS[f.kind]}
          </Text>
        </Group>
        <Title order={4}>{f.title}</Title>
        {f.description && (
          <Text size="sm" style={{ whiteSpace: 'pre-wrap' }}>
            {f.description}
          </Text>
        )}
        <Select label="Status" data={FINDING_STATUSES.map((s) => ({ value: s, label: STATUS_LABELS[s] }))} value={f.status} allowDeselect={false} disabled={busy} onChange={(v) => v && v !== f.status && void run(() => api.call('findings.update', { id: f.id, fields: { status: v as FindingStatus } }))} />
        <Text size="sm">
          Raised by {f.raisedByName ?? f.raisedBy} · {formatDateTime(f.createdAt)}
        </Text>
        {f.dueDate && <Text size="sm" c={f.overdue ? 'red' : undefined}>Due {f.dueDate}{f.overdue ? ' (overdue)' : ''}</Text>}
        {f.links.length > 0 && (
          <Stack gap={2}>
            <Text size="xs" fw={500}>
              Linked to
            </Text>
            {f.links.map((l) =>
              l.kind === 'risk' ? (
                <Anchor key={l.kind + l.targetId} size="sm" href={`#/risks/${l.targetId}`}>
                  {l.label ?? l.targetId}
                </Anchor>
              ) : l.kind === 'asset' ? (
                <Anchor key={l.kind + l.targetId} size="sm" href={`#/assets/${l.targetId}`}>
                  {l.label ?? l.targetId}
                </Anchor>
              ) : (
                <Text key={l.kind + l.targetId} size="sm">
                  {l.kind}: {l.label ?? l.targetId}
                </Text>
              ),
            )}
          </Stack>
        )}
        {f.ticketNumber ? (
          <Text size="sm">
            Follow-up: <Anchor href={`#/queue/${encodeURIComponent(f.ticketNumber)}`}>{f.ticketNumber}</Anchor>
          </Text>
        ) : (
          <Button size="xs" variant="light" loading={busy} onClick={() => void run(() => api.call('findings.openTicket', { id: f.id }))}>
            Open a ticket for this finding
          </Button>
        )}
      </Stack>
    </Card>
  );
}
