/** The risk register (/risks): heat maps of inherent, current and residual scores, a filtered virtualised list, new risks; /risks/<id> opens one. */
import { useEffect, useMemo, useRef, useState } from 'react';
import { Badge, Button, Checkbox, Group, Menu, Modal, MultiSelect, Select, Stack, Text, TextInput, Title } from '@mantine/core';
import { useVirtualizer } from '@tanstack/react-virtual';
import { IconDownload, IconPlus, IconSearch, IconUpload } from '@tabler/icons-react';
import { notifications } from '@mantine/notifications';
import { RISK_STAGES, RISK_STATUSES, type RiskStage, type RiskStatus } from '../../../shared/grc/matrix';
import type { RiskFilter, RiskSummary } from '../../../shared/api/risks';
import type { RegisterInfo } from '../../../shared/api/grc';
import { downloadBase64, downloadText } from '../assets/files';
import { useKeysetPages } from '../../lib/pages';
import { api, errorMessage } from '../../lib/client';
import { invalidate, useCall } from '../../lib/query';
import { navigate, useRoute } from '../../lib/router';
import { useKeys } from '../../lib/keys';
import { isStaff, useRole } from '../../stores/session';
import { Empty, ErrorState, Loading } from '../common/states';
import { PackButtons } from '../evidence/PackButtons';
import { HeatMap, ImportLibraryButton, LevelBadge, RISK_STATUS_LABELS, STAGE_LABELS } from './common';
import { RiskPage } from './RiskPage';
import { NewRiskModal } from './NewRiskModal';
import { RiskImportModal } from './RiskImportModal';

const ROW = 40;
const PAGE = 200;

export function RisksPage() {
  const { segments } = useRoute();
  return segments[1] ? <RiskPage key={segments[1]} id={segments[1]} /> : <Register />;
}

function Register() {
  const role = useRole();
  const staff = isStaff(role);
  const matrices = useCall('grc.matrices', {});
  const registers = useCall('grc.registers', {});
  const [matrixId, setMatrixId] = useState<string | null>(null);
  // A register is one site's risks; none chosen shows every register the person reads.
  const [siteId, setSiteId] = useState<string | null>(null);
  const register = registers.data?.items.find((r) => r.siteId === siteId) ?? null;
  const [q, setQ] = useState('');
  const [status, setStatus] = useState<string[]>([]);
  const { params } = useRoute();
  // The dashboard's risk figures open the register filtered as they count (?overdue=1, ?accFrom=&accBefore=).
  const [overdue, setOverdue] = useState(() => params.get('overdue') === '1');
  const [acceptance, setAcceptance] = useState<{ from?: string; before?: string } | null>(() => {
    const from = params.get('accFrom') ?? undefined;
    const before = params.get('accBefore') ?? undefined;
    return from || before ? { from, before } : null;
  });
  const [cell, setCell] = useState<{ stage: RiskStage; likelihood: number; impact: number } | null>(null);
  const [creating, setCreating] = useState(false);
  const [importing, setImporting] = useState(false);
  // The heat map opens on the register's matrix (or the team's), until another is picked.
  const matrix =
    matrices.data?.items.find((m) => m.id === matrixId) ??
    matrices.data?.items.find((m) => m.id === register?.matrixId) ??
    matrices.data?.items.find((m) => m.isDefault) ??
    null;
  const filter = useMemo(
    () => ({
      ...(q.trim() ? { q: q.trim() } : {}),
      ...(status.length ? { status: status as RiskStatus[] } : {}),
      ...(overdue ? { reviewOverdue: true } : {}),
      ...(acceptance?.from ? { acceptanceExpiresFrom: acceptance.from } : {}),
      ...(acceptance?.before ? { acceptanceExpiresBefore: acceptance.before } : {}),
      ...(matrix ? { matrixId: matrix.id } : {}),
      ...(siteId ? { siteId } : {}),
    }),
    [q, status, overdue, acceptance, matrix, siteId],
  );
  const heat = useCall('risks.heatmap', matrix ? filter : null);
  // The export holds every matrix's risks of the register shown: the matrix picks a heat map, not a register.
  const exportFilter = useMemo(() => {
    const { matrixId: _m, ...rest } = filter;
    return rest;
  }, [filter]);
  // Keyset pages of the register in number order, loaded as the list scrolls (no cap on how far).
  const list = useKeysetPages<RiskSummary>(
    JSON.stringify({ ...filter, ...(cell ? { cell } : {}) }),
    (key, cursor) => api.call('risks.list', { ...(JSON.parse(key) as RiskFilter), limit: PAGE, cursor }),
    (d) => d.startsWith('risk') || d === 'grc' || d === 'controls',
  );

  if (matrices.error && !matrices.data) return <ErrorState error={matrices.error} onRetry={() => void matrices.refetch()} />;
  if (!matrices.data) return <Loading label="Loading the risk register…" />;
  return (
    <Stack p="md" gap="md" h="100%" style={{ overflow: 'hidden' }}>
      <Group justify="space-between">
        <Title order={2}>Risks</Title>
        <Group gap="xs">
          <PackButtons kind="register" />
          <ExportMenu filter={exportFilter} />
          {role === 'admin' && <ImportLibraryButton />}
          {staff && (
            <Button size="xs" variant="light" leftSection={<IconUpload size={14} />} onClick={() => setImporting(true)} data-testid="risk-import">
              Import…
            </Button>
          )}
          {staff && (
            <Button size="xs" leftSection={<IconPlus size={14} />} onClick={() => setCreating(true)} data-testid="risk-new">
              New risk
            </Button>
          )}
        </Group>
      </Group>
      {matrices.data.items.length === 0 ? (
        <Empty
          title="No risk matrix yet"
          action={
            role === 'admin' ? (
              <Group>
                <UseDefaultMatrix />
                <ImportLibraryButton testid="import-matrix-empty" />
              </Group>
            ) : undefined
          }
        >
          Risks are scored on a matrix. {role === 'admin' ? 'Use the 5×5 matrix Outpost ships with, or import one from a CISO Assistant library.' : 'An administrator imports one; new risks use the 5×5 matrix until then.'}
        </Empty>
      ) : null}
      {matrix && (
        <Group align="flex-start" gap="xl" wrap="wrap">
          {(registers.data?.items.length ?? 0) > 1 && (
            <Stack gap={4}>
              <Select
                label="Register"
                placeholder="Every site"
                data={registers.data!.items.map((r) => ({ value: r.siteId, label: r.siteName }))}
                value={siteId}
                onChange={(v) => (setSiteId(v), setMatrixId(null), setCell(null))}
                w={220}
                clearable
                data-testid="risk-register"
              />
              {register && (
                <Text size="xs" c="dimmed" maw={220}>
                  New risks here are scored on {register.matrixName ?? 'the team’s matrix'}.
                </Text>
              )}
            </Stack>
          )}
          {matrices.data.items.length > 1 && (
            <Stack gap={4}>
              <Select label="Matrix" data={matrices.data.items.map((m) => ({ value: m.id, label: m.isDefault ? `${m.name} (the team's)` : m.name }))} value={matrix.id} onChange={(v) => (setMatrixId(v), setCell(null))} w={220} allowDeselect={false} data-testid="risk-matrix" />
              {role === 'admin' && !register && !matrix.isDefault && <TeamMatrixButton matrixId={matrix.id} />}
              {role === 'admin' && register && register.matrixId !== matrix.id && <RegisterMatrixButton register={register} matrixId={matrix.id} matrixName={matrix.name} />}
            </Stack>
          )}
          {heat.data &&
            RISK_STAGES.map((s) => (
              <HeatMap
                key={s}
                stage={s}
                matrix={matrix.definition}
                counts={heat.data!.counts[s]}
                selected={cell?.stage === s ? cell : null}
                onSelect={(c) => setCell(c ? { stage: s, ...c } : null)}
              />
            ))}
        </Group>
      )}
      <Group gap="sm" align="flex-end">
        <TextInput id="risk-search" label="Search" placeholder="Title or RSK number" leftSection={<IconSearch size={14} />} value={q} onChange={(e) => setQ(e.currentTarget.value)} w={260} />
        <MultiSelect label="Status" data={RISK_STATUSES.map((s) => ({ value: s, label: RISK_STATUS_LABELS[s] }))} value={status} onChange={setStatus} w={280} clearable />
        <Checkbox label="Review overdue" checked={overdue} onChange={(e) => setOverdue(e.currentTarget.checked)} mb={8} />
        {acceptance && (
          <Badge size="lg" variant="light" color="orange" data-testid="risk-acceptance-filter" rightSection={<button aria-label="Clear the acceptance filter" onClick={() => setAcceptance(null)} style={{ border: 0, background: 'none', cursor: 'pointer' }}>×</button>}>
            Accepted, expiring {acceptance.from ? `from ${acceptance.from} ` : ''}before {acceptance.before ?? '…'}
          </Badge>
        )}
        {cell && (
          <Badge size="lg" variant="light" rightSection={<button aria-label="Clear the heat map filter" onClick={() => setCell(null)} style={{ border: 0, background: 'none', cursor: 'pointer' }}>×</button>}>
            {STAGE_LABELS[cell.stage]} {cell.likelihood} × {cell.impact}
          </Badge>
        )}
        <Text size="sm" c="dimmed" mb={8} data-testid="risk-total">
          {list.total !== null ? `${list.total} risk${list.total === 1 ? '' : 's'}` : ''}
        </Text>
      </Group>
      {list.error && !list.items.length ? (
        <ErrorState error={list.error} onRetry={list.reload} />
      ) : list.loading && !list.items.length ? (
        <Loading label="Loading risks…" />
      ) : list.items.length === 0 ? (
        <Empty title={!cell && !q && !status.length && !overdue ? 'No risk yet' : 'No risk matches'}>
          {staff ? 'Raise one with New risk.' : 'Risks raised by the team show here.'}
        </Empty>
      ) : (
        <RiskList items={list.items} hasMore={list.hasMore} loadMore={list.more} />
      )}
      {importing && <RiskImportModal onClose={() => setImporting(false)} matrixId={matrix?.id ?? null} />}
      {creating && <NewRiskModal onClose={() => setCreating(false)} matrixId={register ? register.matrixId : (matrix?.id ?? null)} siteId={siteId} />}
    </Stack>
  );
}

function RiskList({ items, hasMore, loadMore }: { items: RiskSummary[]; hasMore: boolean; loadMore: () => void }) {
  const parentRef = useRef<HTMLDivElement>(null);
  const [cursor, setCursor] = useState(0);
  const virt = useVirtualizer({ count: items.length, getScrollElement: () => parentRef.current, estimateSize: () => ROW, overscan: 10 });
  const last = virt.getVirtualItems().at(-1)?.index ?? 0;
  useEffect(() => {
    if (hasMore && last >= items.length - 20) loadMore();
  }, [hasMore, last, items.length, loadMore]);
  useKeys({
    j: () => setCursor((i) => Math.min(i + 1, items.length - 1)),
    k: () => setCursor((i) => Math.max(i - 1, 0)),
    Enter: () => items[cursor] && navigate(`/risks/${items[cursor].id}`),
    '/': () => document.getElementById('risk-search')?.focus(),
  });
  useEffect(() => virt.scrollToIndex(cursor), [cursor, virt]);
  return (
    <div ref={parentRef} style={{ flex: 1, overflow: 'auto', minHeight: 200, border: '1px solid var(--mantine-color-default-border)', borderRadius: 4 }} data-testid="risk-list" role="list" aria-label="Risks">
      <div style={{ height: virt.getTotalSize(), position: 'relative' }}>
        {virt.getVirtualItems().map((v) => {
          const r = items[v.index]!;
          return (
            <div
              key={r.id}
              role="listitem"
              style={{ position: 'absolute', top: 0, left: 0, right: 0, height: ROW, transform: `translateY(${v.start}px)`, display: 'flex', alignItems: 'center', gap: 12, padding: '0 12px', borderBottom: '1px solid var(--mantine-color-default-border)', background: v.index === cursor ? 'var(--mantine-color-default-hover)' : undefined }}
            >
              <a href={`#/risks/${r.id}`} onClick={(e) => (e.preventDefault(), navigate(`/risks/${r.id}`))} style={{ width: 90, fontFamily: 'monospace', color: 'inherit' }}>
                {r.number}
              </a>
              <Text size="sm" style={{ flex: 1, overflow: 'hidden', textOverflow: 'ellipsis', whiteSpace: 'nowrap' }}>
                {r.title}
              </Text>
              <Badge size="sm" variant="light" color={r.status === 'closed' ? 'gray' : 'blue'}>
                {RISK_STATUS_LABELS[r.status]}
              </Badge>
              {r.reviewOverdue && (
                <Badge size="sm" color="orange" variant="light">
                  Review overdue
                </Badge>
              )}
              {r.acceptanceExpired && (
                <Badge size="sm" color="red" variant="light">
                  Acceptance expired
                </Badge>
              )}
              <span style={{ width: 120 }}>
                <LevelBadge level={r.inherent.level} />
              </span>
              <span style={{ width: 120 }}>
                <LevelBadge level={r.current.level} />
              </span>
              <span style={{ width: 120 }}>
                <LevelBadge level={r.residual.level} />
              </span>
              <Text size="sm" c="dimmed" w={140} truncate>
                {r.ownerName ?? ''}
              </Text>
            </div>
          );
        })}
      </div>
    </div>
  );
}

/** Administrators: new risks of the team are scored on this matrix from now on (a synced team setting). */
function TeamMatrixButton({ matrixId }: { matrixId: string }) {
  const [busy, setBusy] = useState(false);
  return (
    <Button
      size="compact-xs"
      variant="subtle"
      loading={busy}
      onClick={async () => {
        setBusy(true);
        try {
          await api.call('grc.setTeamMatrix', { matrixId });
          invalidate((n) => n.startsWith('grc.') || n.startsWith('risks.'));
          notifications.show({ color: 'green', message: 'New risks are scored on this matrix from now on.' });
        } catch (e) {
          notifications.show({ color: 'red', message: errorMessage(e) });
        } finally {
          setBusy(false);
        }
      }}
      data-testid="team-matrix"
    >
      Score new risks on this matrix
    </Button>
  );
}

/** An administrator scores a register's new risks on another matrix, told first what happens to the risks already in it. */
function RegisterMatrixButton({ register, matrixId, matrixName }: { register: RegisterInfo; matrixId: string; matrixName: string }) {
  const [asking, setAsking] = useState(false);
  const [busy, setBusy] = useState(false);
  const apply = async () => {
    setBusy(true);
    try {
      const r = await api.call('grc.setRegisterMatrix', { siteId: register.siteId, matrixId });
      invalidate((n) => n.startsWith('grc.') || n.startsWith('risks.'));
      notifications.show({ color: 'green', message: r.message });
      setAsking(false);
    } catch (e) {
      notifications.show({ color: 'red', message: errorMessage(e) });
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <Button size="compact-xs" variant="subtle" onClick={() => (register.risks ? setAsking(true) : void apply())} loading={busy && !asking} data-testid="register-matrix">
        Score {register.siteName}’s new risks on this matrix
      </Button>
      {asking && (
        <Modal opened onClose={() => setAsking(false)} title={`Change the matrix of ${register.siteName}’s register`}>
          <Stack>
            <Text size="sm">
              New risks of {register.siteName} will be scored on {matrixName}. Its {register.risks} existing {register.risks === 1 ? 'risk keeps' : 'risks keep'} the matrix
              {register.risks === 1 ? ' it was' : ' they were'} scored on, with the same levels, until someone re-scores {register.risks === 1 ? 'it' : 'them'} on {matrixName} from the risk’s page.
            </Text>
            <Group justify="flex-end">
              <Button variant="default" onClick={() => setAsking(false)}>
                Cancel
              </Button>
              <Button onClick={() => void apply()} loading={busy} data-testid="register-matrix-confirm">
                Change the register’s matrix
              </Button>
            </Group>
          </Stack>
        </Modal>
      )}
    </>
  );
}

/** The register as shown (same filters, every matrix) as CSV or an Excel workbook, with the columns the import reads. */
function ExportMenu({ filter }: { filter: Omit<RiskFilter, 'cell'> }) {
  const [busy, setBusy] = useState(false);
  const run = async (format: 'csv' | 'xlsx') => {
    setBusy(true);
    try {
      const f = await api.call('risks.export', { format, filter });
      if (f.encoding === 'base64') downloadBase64(f.content, f.filename, f.mime);
      else downloadText(f.content, f.filename);
      notifications.show({ color: 'green', message: `${f.rows} risk${f.rows === 1 ? '' : 's'} exported to ${f.filename}.` });
    } catch (e) {
      notifications.show({ color: 'red', message: errorMessage(e) });
    } finally {
      setBusy(false);
    }
  };
  return (
    <Menu position="bottom-end">
      <Menu.Target>
        <Button size="xs" variant="light" leftSection={<IconDownload size={14} />} loading={busy} data-testid="risk-export">
          Export
        </Button>
      </Menu.Target>
      <Menu.Dropdown>
        <Menu.Item onClick={() => void run('csv')} data-testid="risk-export-csv">
          CSV (.csv)
        </Menu.Item>
        <Menu.Item onClick={() => void run('xlsx')} data-testid="risk-export-xlsx">
          Excel workbook (.xlsx)
        </Menu.Item>
      </Menu.Dropdown>
    </Menu>
  );
}

function UseDefaultMatrix() {
  const [busy, setBusy] = useState(false);
  return (
    <Button
      size="xs"
      loading={busy}
      onClick={async () => {
        setBusy(true);
        try {
          await api.call('grc.useDefaultMatrix', {});
          invalidate((n) => n.startsWith('grc.') || n.startsWith('risks.'));
        } catch (e) {
          notifications.show({ color: 'red', message: errorMessage(e) });
        } finally {
          setBusy(false);
        }
      }}
    >
      Use the 5×5 matrix
    </Button>
  );
}
