/**
 * Settings → Ticket import: a ServiceNow incident export (event-log layout) checked with a dry run,
 * then imported, with a progress bar and the file's own figures next to Outpost's reading of them.
 * In the browser the file is streamed to the host first (no size limit of a call); on the desktop it
 * is picked in the system's open dialog and read in place by the main process.
 */
import { useEffect, useRef, useState } from 'react';
import { Alert, Button, FileInput, Group, Progress, Select, Stack, Table, Text } from '@mantine/core';
import { IconFileImport } from '@tabler/icons-react';
import { notifications } from '@mantine/notifications';
import type { ImportJobStatus } from '../../../shared/api/assets';
import type { TicketImportResult } from '../../../shared/api/tickets';
import { api, canPickFile, errorMessage, pickFile, subscribeEvents, uploadFile } from '../../lib/client';
import type { PickedFile } from '../../../shared/api/bridge';
import { changed } from '../../lib/query';
import { formatNumber } from '../../lib/format';
import { useSession } from '../../stores/session';
import { useLookups } from '../common/lookups';
import { bytesToBase64 } from '../assets/files';
import { useHeldUpload } from '../../lib/useHeldUpload';
import { SendProgress, sizeText } from '../common/SendProgress';

const PHASE_LABEL: Record<ImportJobStatus['phase'], string> = { reading: 'Reading the file', checking: 'Folding events into tickets', writing: 'Writing tickets', finishing: 'Finishing' };
const PHASE_SPAN: Record<ImportJobStatus['phase'], [number, number]> = { reading: [0, 35], checking: [35, 40], writing: [40, 98], finishing: [98, 100] };


/** The reading phase counts the file's bytes; the others count incidents or tickets. */
const amount = (phase: ImportJobStatus['phase'], n: number) => (phase === 'reading' ? sizeText(n) : formatNumber(n));

const pct = (n: number | null) => (n === null ? '—' : `${n.toLocaleString(undefined, { maximumFractionDigits: 2 })} %`);

export function TicketImport() {
  const token = useSession((s) => s.token);
  const { sites } = useLookups();
  const [file, setFile] = useState<File | null>(null);
  /** On the desktop: the file picked in the system's dialog, which the main process reads. */
  const [picked, setPicked] = useState<PickedFile | null>(null);
  const desktop = canPickFile();
  const [siteId, setSiteId] = useState<string | null>(null);
  const [busy, setBusy] = useState<null | 'uploading' | 'preview' | 'import'>(null);
  const [job, setJob] = useState<ImportJobStatus | null>(null);
  const [result, setResult] = useState<TicketImportResult | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  /** The file as the importer names it: an upload (browser) or its bytes (desktop), made once per picked file. */
  const sent = useRef<{ file: File; input: { uploadId: string } | { contentBase64: string } } | null>(null);
  /** An upload (or pick) not imported is let go when another file is chosen and on leaving the page. */
  const upload = useHeldUpload();
  /** Bytes of the file sent so far (browser), while it is streamed to the host. */
  const [sending, setSending] = useState<{ done: number; total: number } | null>(null);

  useEffect(() => {
    if (!token) return;
    return subscribeEvents(token, (e) => {
      if (e.type === 'import.progress' && e.job.format === 'servicenow-events') setJob(e.job);
    });
  }, [token]);

  const source = async (f: File | null) => {
    if (desktop) {
      if (!picked) throw new Error('Choose the export file first.');
      return { uploadId: picked.uploadId };
    }
    if (!f) throw new Error('Choose the export file first.');
    if (sent.current?.file === f) return sent.current.input;
    setBusy('uploading');
    // The file sent before is let go first: it is replaced, and it would count against this one.
    await upload.letGo();
    setSending({ done: 0, total: f.size });
    let receipt;
    try {
      receipt = await uploadFile(f, (done, total) => setSending({ done, total }));
    } finally {
      setSending(null);
    }
    upload.hold(receipt?.uploadId ?? null);
    const input = receipt ? { uploadId: receipt.uploadId } : { contentBase64: bytesToBase64(new Uint8Array(await f.arrayBuffer())) };
    sent.current = { file: f, input };
    return input;
  };

  const chosen = desktop ? picked !== null : file !== null;

  const choose = async () => {
    try {
      const p = await pickFile('servicenow-events');
      if (!p) return;
      upload.hold(p.uploadId);
      setPicked(p);
      setResult(null);
      setProblem(null);
    } catch (e) {
      setProblem(errorMessage(e));
    }
  };

  const run = async (dryRun: boolean) => {
    if (!chosen) return;
    setProblem(null);
    setJob(null);
    try {
      const input = await source(file);
      setBusy(dryRun ? 'preview' : 'import');
      const r = await api.call('tickets.import', { format: 'servicenow-events', ...input, dryRun, ...(siteId ? { siteId } : {}) });
      setResult(r);
      if (!dryRun && !r.errors.length) {
        // The upload is gone once imported: a second import reads the file again.
        upload.imported();
        sent.current = null;
        setPicked(null);
        changed('tickets');
        notifications.show({ color: 'green', message: `Imported ${formatNumber(r.incidents)} incidents: ${formatNumber(r.created)} new, ${formatNumber(r.updated)} updated.` });
      }
    } catch (e) {
      sent.current = null;
      setPicked(null);
      setProblem(errorMessage(e));
    } finally {
      setBusy(null);
    }
  };

  const running = busy && job?.state === 'running' ? job : null;
  const [from, to] = running ? PHASE_SPAN[running.phase] : [0, 0];
  const value = running ? from + (running.total > 0 ? ((to - from) * running.done) / running.total : 0) : 0;

  return (
    <Stack gap="md">
      {/* Like every settings page: the tab names the page, a dimmed description opens it. */}
      <Text size="sm" c="dimmed">
        Import tickets from ServiceNow: an incident export in ServiceNow’s event-log layout (one row per update). Each incident number becomes one ticket with its status history,
        reassignments, SLA outcome and resolution. Check it first; nothing is written until you import, and importing the same file again updates the tickets instead of doubling them.
      </Text>
      <Group align="flex-end" gap="sm">
        {desktop ? (
          <Stack gap={4}>
            <Button variant="default" leftSection={<IconFileImport size={16} />} onClick={() => void choose()} disabled={!!busy} data-testid="ticket-import-pick">
              Choose export file (CSV)…
            </Button>
            <Text size="xs" c="dimmed" data-testid="ticket-import-picked">
              {picked ? `${picked.name}, ${formatNumber(Math.ceil(picked.size / 1024))} KB` : 'No file chosen'}
            </Text>
          </Stack>
        ) : (
          <FileInput
            label="Export file (CSV)"
            accept=".csv,text/csv"
            value={file}
            onChange={(f) => {
              setFile(f);
              setResult(null);
              setProblem(null);
              sent.current = null;
            }}
            leftSection={<IconFileImport size={16} />}
            w={340}
            clearable
            clearButtonProps={{ 'aria-label': 'Clear the chosen file' }}
            data-testid="ticket-import-file"
          />
        )}
        <Select
          label="Site for the tickets"
          placeholder="First site"
          data={sites.map((s) => ({ value: s.id, label: s.name }))}
          value={siteId}
          onChange={setSiteId}
          clearable
          w={220}
        />
        <Button variant="default" onClick={() => void run(true)} disabled={!chosen || !!busy} loading={busy === 'preview' || (busy === 'uploading' && !result)} data-testid="ticket-import-check">
          Check file
        </Button>
        <Button onClick={() => void run(false)} disabled={!chosen || !!busy || !result || result.errors.length > 0} loading={busy === 'import'} data-testid="ticket-import-run">
          Import
        </Button>
      </Group>
      {busy === 'uploading' && sending ? (
        <SendProgress done={sending.done} total={sending.total} testId="ticket-import-upload-progress" />
      ) : (
        busy && (
          <Stack gap={4}>
            <Progress value={value} size="lg" aria-label="Import progress" data-testid="ticket-import-progress" transitionDuration={200} />
            <Text size="xs" c="dimmed" role="status">
              {running ? (running.total > 0 ? `${PHASE_LABEL[running.phase]}: ${amount(running.phase, running.done)} of ${amount(running.phase, running.total)}` : `${PHASE_LABEL[running.phase]}…`) : 'Starting…'}
            </Text>
          </Stack>
        )
      )}
      {problem && (
        <Alert color="red" title="The import did not run">
          {problem}
        </Alert>
      )}
      {result && <ImportFigures result={result} />}
    </Stack>
  );
}

function ImportFigures({ result }: { result: TicketImportResult }) {
  if (result.errors.length) {
    return (
      <Alert color="red" title={`${formatNumber(result.errors.length)} problem${result.errors.length > 1 ? 's' : ''} in the file: nothing was written`} data-testid="ticket-import-errors">
        <Table fz="sm" withRowBorders={false}>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Row</Table.Th>
              <Table.Th>Column</Table.Th>
              <Table.Th>Problem</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {result.errors.slice(0, 100).map((e, i) => (
              <Table.Tr key={i}>
                <Table.Td>{e.row || '—'}</Table.Td>
                <Table.Td>{e.column || '—'}</Table.Td>
                <Table.Td>{e.message}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Alert>
    );
  }
  const o = result.outpost;
  return (
    <Stack gap="xs" data-testid="ticket-import-figures">
      <Text fw={600}>
        {result.dryRun ? 'The file would import:' : 'Imported:'} {formatNumber(result.events)} events of {formatNumber(result.incidents)} incidents — {formatNumber(result.created)} new tickets,{' '}
        {formatNumber(result.updated)} already here{result.dryRun ? '' : ` (${formatNumber(result.unchanged)} unchanged)`}; {formatNumber(result.people.created)} people and{' '}
        {formatNumber(result.groups.created)} groups {result.dryRun ? 'to create' : 'created'}.
      </Text>
      <Table withTableBorder striped maw={640} aria-label="The file’s figures beside Outpost’s">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Figure</Table.Th>
            <Table.Th ta="right">In the file</Table.Th>
            <Table.Th ta="right">Outpost’s reading</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          <Table.Tr>
            <Table.Td>Incidents</Table.Td>
            <Table.Td ta="right">{formatNumber(result.incidents)}</Table.Td>
            <Table.Td ta="right">{formatNumber(result.incidents)}</Table.Td>
          </Table.Tr>
          <Table.Tr>
            <Table.Td>Resolved (with a resolve time)</Table.Td>
            <Table.Td ta="right">{formatNumber(result.resolved)}</Table.Td>
            <Table.Td ta="right">{formatNumber(o.resolved)}</Table.Td>
          </Table.Tr>
          <Table.Tr>
            <Table.Td>Reopened</Table.Td>
            <Table.Td ta="right">
              {formatNumber(result.reopened)} ({pct(result.reopenedPercent)})
            </Table.Td>
            <Table.Td ta="right">
              {formatNumber(o.reopened)} ({pct(o.reopenedPercent)})
            </Table.Td>
          </Table.Tr>
          <Table.Tr>
            <Table.Td>Resolution SLA met</Table.Td>
            <Table.Td ta="right">{pct(result.madeSlaPercent)}</Table.Td>
            <Table.Td ta="right" data-testid="import-own-sla">
              {o.madeSlaPercent === null
                ? 'no SLA policy applies'
                : `${pct(o.madeSlaPercent)} of ${formatNumber(o.sla.measured)} resolved, under ${o.sla.policies.join(', ')}`}
            </Table.Td>
          </Table.Tr>
          <Table.Tr>
            <Table.Td>Time to resolve, median / mean</Table.Td>
            <Table.Td ta="right">—</Table.Td>
            <Table.Td ta="right">
              {o.mttrHours.median ?? '—'} h / {o.mttrHours.mean ?? '—'} h
            </Table.Td>
          </Table.Tr>
        </Table.Tbody>
      </Table>
      <Text size="sm" c="dimmed" maw={640}>
        The file’s SLA figure is ServiceNow’s own <code>made_sla</code> on each incident’s last update. Outpost’s is computed from each incident’s folded status
        history with the team’s SLA policy (Settings → SLA policies): its business hours and holidays, the clock paused while waiting on the caller or a
        vendor{o.sla.notStopped || o.sla.noPolicy ? `; ${formatNumber(o.sla.notStopped)} still open and ${formatNumber(o.sla.noPolicy)} without a policy are not counted` : ''}.
      </Text>
    </Stack>
  );
}
