/**
 * The auditor's screen for one session: a large scan field that keeps focus, live counters,
 * the last scans coloured (and beeped) by result, undo, one-click relocate, then close with
 * sign-off and the reconciliation report as CSV or PDF. Scans are applied in order, one at a time,
 * and the screen updates from each answer rather than reloading the whole session.
 */
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import {
  Alert,
  Anchor,
  Badge,
  Button,
  Card,
  Group,
  Modal,
  NumberInput,
  Paper,
  SegmentedControl,
  SimpleGrid,
  Stack,
  Switch,
  Text,
  TextInput,
  Textarea,
  Title,
} from '@mantine/core';
import { useVirtualizer } from '@tanstack/react-virtual';
import { IconArrowBackUp, IconArrowLeft, IconBarcode, IconDownload, IconMapPinShare, IconSignature } from '@tabler/icons-react';
import { notifications } from '@mantine/notifications';
import type { AuditCounts, AuditDetail, AuditScan, ExpectedAsset, ScanResult } from '../../../shared/api/audits';
import { api, errorMessage } from '../../lib/client';
import { formatDateTime } from '../../lib/format';
import { invalidate } from '../../lib/query';
import { useSession } from '../../stores/session';
import { ErrorState, Loading } from '../common/states';
import { beep, isMuted, setMuted } from '../scan/beep';
import { useScanHandler } from '../scan/useScanHandler';
import { downloadBase64, downloadText } from '../assets/files';
import { assetHref } from '../assets/common';
import { useAuditUi } from './store';

export const RESULT_COLORS: Record<ScanResult, string> = { found: 'green', duplicate: 'yellow', unexpected: 'orange', unknown: 'red' };
const RESULT_TEXT: Record<ScanResult, string> = {
  found: 'Found',
  duplicate: 'Already scanned',
  unexpected: 'Registered elsewhere',
  unknown: 'Unknown tag',
};

export function AuditSession({ id }: { id: string }) {
  const [detail, setDetail] = useState<AuditDetail | null>(null);
  const [error, setError] = useState<unknown>(null);
  const load = useCallback(() => {
    setError(null);
    return api.call('audits.get', { id }).then(setDetail, setError);
  }, [id]);
  useEffect(() => {
    void load();
  }, [load]);
  if (error && !detail) return <ErrorState error={error} onRetry={() => void load()} />;
  if (!detail) return <Loading label="Opening the audit…" />;
  return detail.status === 'open' ? <OpenAudit detail={detail} reload={load} /> : <ClosedAudit detail={detail} />;
}

function Counter({ label, value, color, testid }: { label: string; value: number; color?: string; testid: string }) {
  return (
    <Paper withBorder p="sm" radius="md" data-testid={testid}>
      <Text size="xs" c="dimmed" tt="uppercase" fw={600}>
        {label}
      </Text>
      <Text fz={34} fw={700} c={color} lh={1.1} data-testid={`${testid}-value`}>
        {value.toLocaleString()}
      </Text>
    </Paper>
  );
}

export function Counters({ c }: { c: AuditCounts }) {
  return (
    <SimpleGrid cols={{ base: 2, sm: 5 }} spacing="sm">
      <Counter label="Expected" value={c.expected} testid="count-expected" />
      <Counter label="Found" value={c.found} color="green" testid="count-found" />
      <Counter label="Missing" value={c.missing} color={c.missing ? 'red' : undefined} testid="count-missing" />
      <Counter label="Unexpected" value={c.unexpected} color={c.unexpected ? 'orange' : undefined} testid="count-unexpected" />
      <Counter label="Unknown" value={c.unknown} color={c.unknown ? 'red' : undefined} testid="count-unknown" />
    </SimpleGrid>
  );
}

function OpenAudit({ detail, reload }: { detail: AuditDetail; reload: () => Promise<void> }) {
  const auditId = detail.id;
  const [counts, setCounts] = useState<AuditCounts>(detail.counts);
  const [scans, setScans] = useState<AuditScan[]>(() => [...detail.scans].sort((a, b) => (a.at < b.at ? 1 : -1)));
  const [foundIds, setFoundIds] = useState<Set<string>>(() => new Set(detail.expected.filter((e) => e.foundAt).map((e) => e.assetId)));
  const [value, setValue] = useState('');
  const [flash, setFlash] = useState<{ result: ScanResult | 'error'; text: string } | null>(null);
  const [closing, setClosing] = useState(false);
  const [muted, setMutedState] = useState(isMuted());
  const fieldRef = useRef<HTMLInputElement>(null);
  const chain = useRef<Promise<void>>(Promise.resolve());
  const setActive = useAuditUi((s) => s.setActive);
  const label = `Audit: ${detail.locationName}`;

  useEffect(() => {
    setCounts(detail.counts);
    setScans([...detail.scans].sort((a, b) => (a.at < b.at ? 1 : -1)));
    setFoundIds(new Set(detail.expected.filter((e) => e.foundAt).map((e) => e.assetId)));
  }, [detail]);

  // While this audit is open here, scans caught on other screens come to it too.
  useEffect(() => {
    setActive({ id: auditId, label });
  }, [auditId, label, setActive]);

  const refocus = () => setTimeout(() => fieldRef.current?.focus(), 0);

  const submit = useCallback(
    (raw: string) => {
      const tag = raw.trim();
      if (!tag) return;
      // One scan at a time, in the order they were read: counts and "duplicate" depend on order.
      chain.current = chain.current.then(async () => {
        try {
          const r = await api.call('audits.scan', { auditId, tag });
          beep(r.result);
          setCounts(r.counts);
          setScans((s) => [r.scan, ...s]);
          if (r.result === 'found' && r.scan.assetId) setFoundIds((f) => new Set(f).add(r.scan.assetId!));
          setFlash({ result: r.result, text: `${RESULT_TEXT[r.result]}: ${tag}${r.scan.assetName ? ` · ${r.scan.assetName}` : ''}` });
        } catch (e) {
          beep('error');
          setFlash({ result: 'error', text: `${tag}: ${errorMessage(e)}` });
        }
      });
    },
    [auditId],
  );

  useScanHandler(submit, label);

  const undo = async () => {
    try {
      const r = await api.call('audits.undo', { auditId });
      setCounts(r.counts);
      if (r.undone) {
        const u = r.undone;
        setScans((s) => s.filter((x) => x.id !== u.id));
        if (u.result === 'found' && u.assetId) {
          setFoundIds((f) => {
            const n = new Set(f);
            n.delete(u.assetId!);
            return n;
          });
        }
        setFlash({ result: 'duplicate', text: `Undone: ${u.tag}` });
      } else setFlash({ result: 'duplicate', text: 'There is no scan to undo.' });
    } catch (e) {
      notifications.show({ color: 'red', message: errorMessage(e) });
    }
    refocus();
  };

  const relocate = async (scan: AuditScan) => {
    try {
      const r = await api.call('audits.relocate', { auditId, scanId: scan.id });
      setCounts(r.counts);
      setScans((s) => s.map((x) => (x.id === scan.id ? r.scan : x)));
      invalidate((n) => n.startsWith('assets.'));
      notifications.show({ color: 'green', message: `${scan.tag} is now registered at ${detail.locationName}.` });
    } catch (e) {
      notifications.show({ color: 'red', message: errorMessage(e) });
    }
    refocus();
  };

  return (
    <div style={{ overflow: 'auto', height: '100%' }} data-testid="audit-session">
      <Stack p="md" gap="md" maw={1280}>
        <Group justify="space-between" align="flex-start">
          <Stack gap={2}>
            <Anchor size="sm" href="#/audits">
              <Group gap={4}>
                <IconArrowLeft size={14} /> Audits
              </Group>
            </Anchor>
            <Title order={2}>{detail.locationPath || detail.locationName}</Title>
            <Text size="sm" c="dimmed">
              Started {formatDateTime(detail.startedAt)} by {detail.startedByName}
              {detail.includeSubLocations ? ' · includes sub-locations' : ''}
            </Text>
          </Stack>
          <Group>
            <Switch
              label="Sound"
              checked={!muted}
              onChange={(e) => {
                setMuted(!e.currentTarget.checked);
                setMutedState(!e.currentTarget.checked);
                refocus();
              }}
            />
            <Button
              variant="default"
              leftSection={<IconArrowBackUp size={16} />}
              onClick={() => void undo()}
              disabled={scans.length === 0}
              data-testid="audit-undo"
            >
              Undo last scan
            </Button>
            <Button color="indigo" leftSection={<IconSignature size={16} />} onClick={() => setClosing(true)} data-testid="audit-close">
              Close and sign off
            </Button>
          </Group>
        </Group>

        <Counters c={counts} />

        <TextInput
          ref={fieldRef}
          size="xl"
          autoFocus
          leftSection={<IconBarcode size={28} />}
          placeholder="Scan a tag (or type it and press Enter)"
          value={value}
          onChange={(e) => setValue(e.currentTarget.value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter') {
              e.preventDefault();
              submit(value);
              setValue('');
            }
          }}
          onBlur={() => {
            // Focus stays locked on the scan field unless the user moved to another field or a dialog.
            setTimeout(() => {
              const a = document.activeElement;
              if (!closing && (!a || a === document.body)) fieldRef.current?.focus();
            }, 0);
          }}
          aria-label="Scan field"
          data-testid="audit-scan-field"
          styles={{ input: { fontFamily: 'monospace', fontSize: 28, height: 64 } }}
        />

        {flash && (
          <Alert
            color={flash.result === 'error' ? 'red' : RESULT_COLORS[flash.result]}
            variant="filled"
            py={8}
            data-testid="audit-flash"
            data-result={flash.result}
          >
            <Text fw={600}>{flash.text}</Text>
          </Alert>
        )}

        <SimpleGrid cols={{ base: 1, lg: 2 }} spacing="md">
          <Card withBorder>
            <Text fw={600} mb="xs">
              Last scans
            </Text>
            {scans.length === 0 ? (
              <Text size="sm" c="dimmed">
                No scan yet. Scan the tags of the assets you see in this location.
              </Text>
            ) : (
              <Stack gap={4} data-testid="audit-scans">
                {scans.slice(0, 15).map((s) => (
                  <Group key={s.id} gap="xs" wrap="nowrap" data-testid="audit-scan-row" data-result={s.result}>
                    <Badge color={RESULT_COLORS[s.result]} variant="filled" w={120}>
                      {s.result}
                    </Badge>
                    <Text ff="monospace" size="sm" fw={600}>
                      {s.tag}
                    </Text>
                    <Text size="sm" truncate style={{ flex: 1 }}>
                      {s.assetName ?? ''}
                      {s.result === 'unexpected' && s.registeredLocation ? ` · registered at ${s.registeredLocation}` : ''}
                    </Text>
                    {s.result === 'unexpected' &&
                      (s.relocated ? (
                        <Badge variant="light" color="teal">
                          Relocated
                        </Badge>
                      ) : (
                        <Button
                          size="compact-xs"
                          variant="light"
                          color="orange"
                          leftSection={<IconMapPinShare size={12} />}
                          onClick={() => void relocate(s)}
                          data-testid="audit-relocate"
                        >
                          Relocate here
                        </Button>
                      ))}
                  </Group>
                ))}
              </Stack>
            )}
          </Card>
          <ExpectedList expected={detail.expected} foundIds={foundIds} />
        </SimpleGrid>
      </Stack>
      <CloseModal
        open={closing}
        detail={detail}
        counts={counts}
        onClose={() => {
          setClosing(false);
          refocus();
        }}
        onClosed={() => {
          useAuditUi.getState().setActive(null);
          void reload();
        }}
      />
    </div>
  );
}

function ExpectedList({ expected, foundIds }: { expected: ExpectedAsset[]; foundIds: Set<string> }) {
  const [show, setShow] = useState<'missing' | 'found' | 'all'>('missing');
  const rows = useMemo(
    () => (show === 'all' ? expected : expected.filter((e) => (show === 'found') === foundIds.has(e.assetId))),
    [expected, foundIds, show],
  );
  const ref = useRef<HTMLDivElement>(null);
  const virt = useVirtualizer({ count: rows.length, getScrollElement: () => ref.current, estimateSize: () => 30, overscan: 10 });
  const missing = expected.filter((e) => !foundIds.has(e.assetId)).length;
  return (
    <Card withBorder>
      <Group justify="space-between" mb="xs">
        <Text fw={600}>Expected here</Text>
        <SegmentedControl
          size="xs"
          value={show}
          onChange={(v) => setShow(v as typeof show)}
          data={[
            { value: 'missing', label: `Not yet found (${missing})` },
            { value: 'found', label: `Found (${expected.length - missing})` },
            { value: 'all', label: `All (${expected.length})` },
          ]}
        />
      </Group>
      {rows.length === 0 ? (
        <Text size="sm" c="dimmed">
          {expected.length === 0
            ? 'The register places no asset here.'
            : show === 'missing'
              ? 'Everything expected has been found.'
              : 'Nothing found yet.'}
        </Text>
      ) : (
        <div ref={ref} style={{ height: 320, overflow: 'auto' }} data-testid="audit-expected">
          <div style={{ height: virt.getTotalSize(), position: 'relative' }}>
            {virt.getVirtualItems().map((v) => {
              const e = rows[v.index]!;
              const found = foundIds.has(e.assetId);
              return (
                <Group
                  key={e.assetId}
                  gap="xs"
                  wrap="nowrap"
                  style={{ position: 'absolute', top: 0, left: 0, right: 0, height: 30, transform: `translateY(${v.start}px)` }}
                >
                  <Badge size="xs" color={found ? 'green' : 'gray'} variant={found ? 'filled' : 'light'} w={70}>
                    {found ? 'found' : 'expected'}
                  </Badge>
                  <Anchor href={assetHref(e.tag)} ff="monospace" size="sm">
                    {e.tag}
                  </Anchor>
                  <Text size="sm" truncate style={{ flex: 1 }}>
                    {e.name}
                  </Text>
                  <Text size="xs" c="dimmed" truncate maw={160}>
                    {e.locationName ?? ''}
                  </Text>
                </Group>
              );
            })}
          </div>
        </div>
      )}
    </Card>
  );
}

function CloseModal({
  open,
  detail,
  counts,
  onClose,
  onClosed,
}: {
  open: boolean;
  detail: AuditDetail;
  counts: AuditCounts;
  onClose: () => void;
  onClosed: () => void;
}) {
  const me = useSession((s) => s.user?.displayName ?? '');
  const [signedOffBy, setSignedOffBy] = useState(me);
  const [note, setNote] = useState('');
  const [months, setMonths] = useState<number>(12);
  const [busy, setBusy] = useState(false);
  const submit = async () => {
    if (!signedOffBy.trim()) return notifications.show({ color: 'red', message: 'Type the name of the person signing off.' });
    setBusy(true);
    try {
      const r = await api.call('audits.close', {
        auditId: detail.id,
        signedOffBy: signedOffBy.trim(),
        note: note.trim() || undefined,
        nextAuditMonths: months,
      });
      notifications.show({
        color: 'green',
        message: `Audit closed: ${r.found} found, ${r.missing} missing, ${r.unexpected} unexpected, ${r.unknown} unknown.`,
      });
      invalidate((n) => ['audits', 'assets', 'alerts'].includes(n.split('.')[0]!));
      onClose();
      onClosed();
    } catch (e) {
      notifications.show({ color: 'red', title: 'The audit could not be closed', message: errorMessage(e) });
    } finally {
      setBusy(false);
    }
  };
  return (
    <Modal opened={open} onClose={onClose} title={`Close the audit of ${detail.locationName}`} size="md">
      <Stack gap="sm">
        <Text size="sm">
          {counts.found} of {counts.expected} expected assets found; {counts.missing} missing, {counts.unexpected} unexpected,{' '}
          {counts.unknown} unknown tags. Once closed, no more scans can be added.
        </Text>
        <TextInput
          label="Signed off by"
          value={signedOffBy}
          onChange={(e) => setSignedOffBy(e.currentTarget.value)}
          required
          data-testid="audit-signoff"
        />
        <Textarea label="Note" autosize minRows={2} value={note} onChange={(e) => setNote(e.currentTarget.value)} />
        <NumberInput
          label="Next audit of the found assets in (months)"
          min={1}
          max={120}
          value={months}
          onChange={(v) => setMonths(typeof v === 'number' ? v : 12)}
        />
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            Keep scanning
          </Button>
          <Button onClick={() => void submit()} loading={busy} data-testid="audit-close-confirm">
            Close and sign off
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}

export function ReportButtons({ auditId }: { auditId: string }) {
  const [busy, setBusy] = useState<'csv' | 'pdf' | null>(null);
  const download = async (format: 'csv' | 'pdf') => {
    setBusy(format);
    try {
      const r = await api.call('audits.report', { auditId, format });
      if (r.encoding === 'base64') downloadBase64(r.content, r.filename, r.mime);
      else downloadText(r.content, r.filename, r.mime);
      notifications.show({
        color: 'green',
        message: `Saved ${r.filename}${r.chainHead ? ` (evidence chain head ${r.chainHead.slice(0, 12)}…)` : ''}.`,
      });
    } catch (e) {
      notifications.show({ color: 'red', title: 'The report could not be made', message: errorMessage(e) });
    } finally {
      setBusy(null);
    }
  };
  return (
    <Group>
      <Button
        leftSection={<IconDownload size={16} />}
        onClick={() => void download('csv')}
        loading={busy === 'csv'}
        data-testid="audit-report-csv"
      >
        Reconciliation CSV
      </Button>
      <Button
        leftSection={<IconDownload size={16} />}
        variant="light"
        onClick={() => void download('pdf')}
        loading={busy === 'pdf'}
        data-testid="audit-report-pdf"
      >
        Reconciliation PDF
      </Button>
    </Group>
  );
}

function ClosedAudit({ detail }: { detail: AuditDetail }) {
  const missing = detail.expected.filter((e) => !e.foundAt);
  const byResult = (r: ScanResult) => detail.scans.filter((s) => s.result === r);
  return (
    <div style={{ overflow: 'auto', height: '100%' }} data-testid="audit-closed">
      <Stack p="md" gap="md" maw={1280}>
        <Stack gap={2}>
          <Anchor size="sm" href="#/audits">
            <Group gap={4}>
              <IconArrowLeft size={14} /> Audits
            </Group>
          </Anchor>
          <Group gap="sm">
            <Title order={2}>{detail.locationPath || detail.locationName}</Title>
            <Badge color="gray">Closed</Badge>
          </Group>
          <Text size="sm" c="dimmed">
            {formatDateTime(detail.startedAt)} – {formatDateTime(detail.closedAt)} · signed off by {detail.signedOffBy ?? '—'}
            {detail.signOffNote ? ` · “${detail.signOffNote}”` : ''}
          </Text>
        </Stack>
        <Counters c={detail.counts} />
        <ReportButtons auditId={detail.id} />
        <SimpleGrid cols={{ base: 1, md: 3 }}>
          <ResultList
            title={`Missing (${missing.length})`}
            color="red"
            items={missing.map((e) => ({ key: e.assetId, tag: e.tag, text: `${e.name}${e.locationName ? ` · ${e.locationName}` : ''}` }))}
          />
          <ResultList
            title={`Unexpected (${byResult('unexpected').length})`}
            color="orange"
            items={byResult('unexpected').map((s) => ({
              key: s.id,
              tag: s.tag,
              text: `${s.assetName ?? ''}${s.registeredLocation ? ` · was at ${s.registeredLocation}` : ''}${s.relocated ? ' · relocated' : ''}`,
            }))}
          />
          <ResultList
            title={`Unknown tags (${byResult('unknown').length})`}
            color="red"
            items={byResult('unknown').map((s) => ({ key: s.id, tag: s.tag, text: formatDateTime(s.at) }))}
            plain
          />
        </SimpleGrid>
      </Stack>
    </div>
  );
}

function ResultList({
  title,
  color,
  items,
  plain,
}: {
  title: string;
  color: string;
  items: { key: string; tag: string; text: string }[];
  plain?: boolean;
}) {
  return (
    <Card withBorder>
      <Text fw={600} c={color} mb="xs">
        {title}
      </Text>
      {items.length === 0 ? (
        <Text size="sm" c="dimmed">
          None.
        </Text>
      ) : (
        <Stack gap={2} mah={360} style={{ overflow: 'auto' }}>
          {items.map((i) => (
            <Text size="sm" key={i.key}>
              {plain ? (
                <Text span ff="monospace">
                  {i.tag}
                </Text>
              ) : (
                <Anchor href={assetHref(i.tag)} ff="monospace">
                  {i.tag}
                </Anchor>
              )}{' '}
              {i.text}
            </Text>
          ))}
        </Stack>
      )}
    </Card>
  );
}
