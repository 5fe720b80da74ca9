/**
 * Import wizard: pick a file, let the importer recognise it (or map its columns), preview a dry run
 * with every row error, then commit all-or-nothing. The page never holds the file: in the browser it
 * is streamed to the host (POST /api/upload), on the desktop it is picked in the system's dialog and
 * read in place by the main process; every step then names it by its upload. The importer detects
 * the encoding (UTF-8, UTF-16, Windows-1252, Latin-1, Mac Roman) from the raw bytes and shows it,
 * with an override and a repair for UTF-8 that was misread before. The column step reads the file's
 * head only; the preview reads it all.
 */
import { useEffect, useRef, useState } from 'react';
import { Alert, Anchor, Badge, Button, Card, Group, Progress, ScrollArea, Select, Stack, Stepper, Table, Text, Title } from '@mantine/core';
import { IconAlertTriangle, IconArrowLeft, IconCheck, IconFileUpload } from '@tabler/icons-react';
import {
  IMPORT_ENCODINGS,
  IMPORT_ENCODING_LABELS,
  IMPORT_FORMATS,
  MAPPABLE_FIELDS,
  MAPPABLE_FIELD_LABELS,
  IMPORT_FIELD_LABELS,
  type CsvInspection,
  type ImportEncoding,
  type ImportFormat,
  type ImportJobStatus,
  type ImportResult,
  type ImportTextInfo,
  type MappableField,
} from '../../../shared/api/assets';
import { STATUS_LABEL_TYPES, STATUS_LABEL_TYPE_NAMES, type StatusLabelType } from '../../../shared/assets/status-labels';
import { ASSET_STATUS_LABELS, ASSET_TYPE_LABELS, type AssetStatus, type AssetType } from '../../../shared/assets/rules';
import { api, canPickFile, errorMessage, pickFile, subscribeEvents, uploadFile } from '../../lib/client';
import { useCall } from '../../lib/query';
import { navigate } from '../../lib/router';
import { formatNumber } from '../../lib/format';
import { decodeBytes } from './files';
import { useHeldUpload } from '../../lib/useHeldUpload';
import { SendProgress, sizeText } from '../common/SendProgress';
import { useSession } from '../../stores/session';
import { invalidateAssetData } from './common';

export const FORMAT_LABELS: Record<ImportFormat, string> = {
  'snipe-it-assets': 'Snipe-IT assets',
  'snipe-it-licenses': 'Snipe-IT licences',
  'snipe-it-users': 'Snipe-IT users',
  'snipe-it-locations': 'Snipe-IT locations',
  'snipe-it-models': 'Snipe-IT models',
  'glpi-inventory': 'GLPI inventory (JSON)',
  'csv-mapped': 'Other CSV (map the columns)',
};


const IGNORE = '__ignore__';

/** The preview table's column names (its rows are keyed by field); a key not listed shows as it is. */
const PREVIEW_COLUMNS: Record<string, string> = {
  ...IMPORT_FIELD_LABELS,
  row: 'Row',
  action: 'Action',
  assignedTo: 'Assigned to',
  displayName: 'Display name',
  address: 'Address',
  parent: 'Inside',
  product: 'Product',
  seats: 'Seats',
  endDate: 'Ends',
  eolMonths: 'End of life (months)',
  matchedOn: 'Matched on',
  software: 'Software',
};

/** A preview cell as a person reads it: Outpost's own statuses and types by their names. */
function previewCell(column: string, value: string | number | null | undefined): string {
  if (value === null || value === undefined) return '—';
  const v = String(value);
  if (column === 'status' && v in ASSET_STATUS_LABELS) return ASSET_STATUS_LABELS[v as AssetStatus];
  if (column === 'type' && v in ASSET_TYPE_LABELS) return ASSET_TYPE_LABELS[v as AssetType];
  return v;
}

interface Picked {
  name: string;
  bytes: number;
  /** The file as every step names it: streamed to the host (browser) or picked in the system's dialog (desktop). */
  uploadId: string;
  isJson: boolean;
}


const looksLikeJson = (name: string) => /\.json$/i.test(name);


export function ImportWizard() {
  const [step, setStep] = useState(0);
  const [file, setFile] = useState<Picked | null>(null);
  const [inspection, setInspection] = useState<CsvInspection | null>(null);
  const [format, setFormat] = useState<ImportFormat | null>(null);
  /** The field each column of the file gives, by position (null: ignored). */
  const [columnFields, setColumnFields] = useState<(MappableField | null)[]>([]);
  const [siteId, setSiteId] = useState<string | null>(null);
  const [busy, setBusy] = useState<null | 'uploading' | 'reading' | 'preview' | 'commit'>(null);
  /** Bytes of the file sent so far (browser), while it is streamed to the host. */
  const [sent, setSent] = useState<{ done: number; total: number } | null>(null);
  const desktop = canPickFile();
  const [problem, setProblem] = useState<string | null>(null);
  const [preview, setPreview] = useState<ImportResult | null>(null);
  const [done, setDone] = useState<ImportResult | null>(null);
  /** The encoding the person chose (null: as detected), and whether misread UTF-8 is repaired. */
  const [encoding, setEncoding] = useState<ImportEncoding | null>(null);
  const [repair, setRepair] = useState(false);
  /** Types the person gave new status labels in the preview. */
  const [labelTypes, setLabelTypes] = useState<Record<string, StatusLabelType>>({});
  const inputRef = useRef<HTMLInputElement>(null);
  const sites = useCall('sites.list', {});
  /** The upload this wizard holds and has not imported: let go when another file is chosen, on Start again and on leaving. */
  const upload = useHeldUpload();

  const reset = () => {
    void upload.letGo();
    setFile(null);
    setInspection(null);
    setFormat(null);
    setColumnFields([]);
    setPreview(null);
    setDone(null);
    setProblem(null);
    setEncoding(null);
    setRepair(false);
    setLabelTypes({});
    setStep(0);
    if (inputRef.current) inputRef.current.value = '';
  };

  const startOver = () => {
    setProblem(null);
    setPreview(null);
    setDone(null);
    setEncoding(null);
    setRepair(false);
    setLabelTypes({});
  };

  /** Reads what a file holds (its head: the importer's inspection), once it is where the importer reads it. */
  const open = async (picked: Picked) => {
    upload.hold(picked.uploadId);
    setFile(picked);
    if (picked.bytes === 0) {
      setProblem('This file is empty.');
      return;
    }
    if (picked.isJson) {
      setInspection(null);
      setFormat('glpi-inventory');
    } else {
      const ins = await api.call('assets.inspectCsv', { uploadId: picked.uploadId });
      setInspection(ins);
      setFormat(ins.detectedFormat ?? 'csv-mapped');
      setColumnFields(ins.suggestedColumns);
    }
    setStep(1);
  };

  /** Browser: the file chosen in the page is streamed to the host; only its first bytes are read here. */
  const onPick = async (f: File | undefined) => {
    if (!f) return;
    startOver();
    setBusy('uploading');
    setSent({ done: 0, total: f.size });
    try {
      // The file sent before is let go first: it is replaced, and it would count against this one.
      await upload.letGo();
      const head = await f.slice(0, 4096).arrayBuffer();
      const isJson = looksLikeJson(f.name) || decodeBytes(head).text.trimStart().startsWith('{');
      const receipt = await uploadFile(f, (done, total) => setSent({ done, total }));
      if (!receipt) throw new Error('The file could not be sent to Outpost.');
      setBusy('reading');
      await open({ name: f.name, bytes: receipt.size, uploadId: receipt.uploadId, isJson });
    } catch (e) {
      setProblem(errorMessage(e));
    } finally {
      setSent(null);
      setBusy(null);
    }
  };

  /** Desktop: the system's open dialog; the main process keeps the file and reads it in place. */
  const choose = async () => {
    setBusy('reading');
    try {
      const p = await pickFile('assets');
      if (!p) return;
      startOver();
      await open({ name: p.name, bytes: p.size, uploadId: p.uploadId, isJson: looksLikeJson(p.name) });
    } catch (e) {
      setProblem(errorMessage(e));
    } finally {
      setBusy(null);
    }
  };

  /** Reads the file again as the person now asks (another encoding, repaired or not). */
  const reread = async (enc: ImportEncoding | null, rep: boolean) => {
    if (!file || file.isJson) return;
    setEncoding(enc);
    setRepair(rep);
    setBusy('reading');
    setProblem(null);
    try {
      setInspection(await api.call('assets.inspectCsv', { uploadId: file.uploadId, encoding: enc ?? undefined, repairMojibake: rep || undefined }));
    } catch (e) {
      setProblem(errorMessage(e));
    } finally {
      setBusy(null);
    }
  };

  const runImport = async (dryRun: boolean, types: Record<string, StatusLabelType> = labelTypes) => {
    if (!file || !format) return;
    setProblem(null);
    setBusy(dryRun ? 'preview' : 'commit');
    try {
      const r = await api.call('assets.import', {
        format,
        uploadId: file.uploadId,
        dryRun,
        columnFields: format === 'csv-mapped' ? columnFields : undefined,
        siteId: siteId ?? undefined,
        encoding: encoding ?? undefined,
        repairMojibake: repair || undefined,
        statusLabelTypes: Object.keys(types).length ? types : undefined,
      });
      if (dryRun) {
        setPreview(r);
        setStep(2);
      } else {
        setDone(r);
        if (r.errors.length === 0) {
          // Imported: Outpost has already let the upload go.
          upload.imported();
          invalidateAssetData();
          setStep(3);
        } else setPreview(r);
      }
    } catch (e) {
      setProblem(errorMessage(e));
    } finally {
      setBusy(null);
    }
  };

  // A changed format or mapping invalidates the preview: the user must look again before committing.
  useEffect(() => {
    setPreview(null);
    if (step > 1) setStep(1);
  }, [format, columnFields, siteId, encoding, repair]);

  /** A new label's type changed: preview again with it (the commit uses what was previewed). */
  const setLabelType = (name: string, type: StatusLabelType) => {
    const next = { ...labelTypes, [name]: type };
    setLabelTypes(next);
    void runImport(true, next);
  };

  const mappedTag = columnFields.includes('tag');

  return (
    <div style={{ overflow: 'auto', height: '100%' }} data-testid="import-wizard">
      <Stack p="md" gap="md" maw={1100}>
        <Group justify="space-between">
          <Stack gap={2}>
            <Anchor size="sm" href="#/assets">
              <Group gap={4}>
                <IconArrowLeft size={14} /> Assets
              </Group>
            </Anchor>
            <Title order={2}>Import</Title>
          </Stack>
          {file && (
            <Button variant="subtle" onClick={reset}>
              Start again
            </Button>
          )}
        </Group>
        <Stepper active={step} onStepClick={(s) => s < step && !done && setStep(s)} size="sm">
          <Stepper.Step label="File" description={file ? file.name : 'Pick a file'} />
          <Stepper.Step label="Format" description={format ? FORMAT_LABELS[format] : 'Recognise or map'} />
          <Stepper.Step label="Preview" description="Dry run, nothing written" />
          <Stepper.Step label="Import" description="All or nothing" />
        </Stepper>

        {problem && (
          <Alert color="red" icon={<IconAlertTriangle size={18} />} title="The file could not be read" data-testid="import-problem">
            {problem}
          </Alert>
        )}

        <Card withBorder>
          <Stack gap="xs">
            <Text fw={600}>1. Choose a file</Text>
            <Text size="sm" c="dimmed">
              Snipe-IT exports (assets, licences, users, locations, models) are read as they are; any other CSV can be mapped column by
              column. GLPI inventory JSON files are accepted too. UTF-8 (with or without BOM), UTF-16, Windows-1252, Latin-1 and Mac
              Roman, and any line ends, are recognised. Large exports are fine (up to 512 MB): the file is read by Outpost itself, never
              loaded into this page.
            </Text>
            <Group>
              {desktop ? (
                <Button leftSection={<IconFileUpload size={16} />} variant="light" loading={busy === 'reading'} disabled={!!busy} onClick={() => void choose()} data-testid="import-pick">
                  Choose file…
                </Button>
              ) : (
                <Button component="label" leftSection={<IconFileUpload size={16} />} variant="light" loading={busy === 'reading' || busy === 'uploading'}>
                  Choose file…
                  <input
                    ref={inputRef}
                    type="file"
                    accept=".csv,.txt,.json,text/csv,application/json"
                    data-testid="import-file"
                    style={{ display: 'none' }}
                    onChange={(e) => void onPick(e.currentTarget.files?.[0])}
                  />
                </Button>
              )}
              {file && (
                <Text size="sm" data-testid="import-file-name">
                  {file.name} · {sizeText(file.bytes)}
                </Text>
              )}
            </Group>
            {sent && <SendProgress done={sent.done} total={sent.total} testId="import-upload-progress" />}
          </Stack>
        </Card>

        {file && step >= 1 && format && (
          <Card withBorder>
            <Stack gap="sm">
              <Text fw={600}>2. What is in it</Text>
              {inspection && (
                <Group gap="xs">
                  {inspection.partial ? (
                    <Badge variant="light" data-testid="import-rows">
                      {formatNumber(inspection.rows)} rows in the first {sizeText(inspection.partial.bytesRead)} of {sizeText(inspection.partial.size)}
                    </Badge>
                  ) : (
                    <Badge variant="light" data-testid="import-rows">
                      {formatNumber(inspection.rows)} rows
                    </Badge>
                  )}
                  <Badge variant="light" data-testid="import-encoding">
                    {IMPORT_ENCODING_LABELS[inspection.text.encoding]}
                    {inspection.text.encodingChosen ? ' (chosen)' : ''}
                  </Badge>
                  <Badge variant="light">{inspection.lineEnding.toUpperCase()} line ends</Badge>
                  <Badge variant="light">delimiter “{inspection.delimiter === '\t' ? 'tab' : inspection.delimiter}”</Badge>
                  {inspection.detectedFormat && (
                    <Badge color="teal" variant="light">
                      Looks like {FORMAT_LABELS[inspection.detectedFormat]}
                    </Badge>
                  )}
                </Group>
              )}
              {inspection && (
                <TextCheck
                  text={inspection.text}
                  encoding={encoding}
                  repair={repair}
                  busy={busy === 'reading'}
                  onEncoding={(e) => void reread(e, repair)}
                  onRepair={(r) => void reread(encoding, r)}
                />
              )}
              <Group grow align="flex-end">
                <Select
                  label="Format"
                  data={IMPORT_FORMATS.filter((f) => (file.isJson ? f === 'glpi-inventory' : f !== 'glpi-inventory')).map((f) => ({
                    value: f,
                    label: FORMAT_LABELS[f],
                  }))}
                  value={format}
                  onChange={(v) => v && setFormat(v as ImportFormat)}
                  allowDeselect={false}
                  data-testid="import-format"
                />
                <Select
                  label="Site for new records"
                  description="When the file does not say"
                  placeholder="The first site"
                  clearable
                  data={(sites.data?.items ?? []).map((s) => ({ value: s.id, label: s.name }))}
                  value={siteId}
                  onChange={setSiteId}
                />
              </Group>
              {format === 'csv-mapped' && inspection && (
                <Stack gap={4}>
                  <Text size="sm">
                    Match each column of the file to an asset field. The asset tag is required: it is the key that updates existing assets.
                  </Text>
                  <Table fz="sm" withTableBorder>
                    <Table.Thead>
                      <Table.Tr>
                        <Table.Th>Column in the file</Table.Th>
                        <Table.Th>Example</Table.Th>
                        <Table.Th>Asset field</Table.Th>
                      </Table.Tr>
                    </Table.Thead>
                    <Table.Tbody>
                      {inspection.headers.map((h, i) => (
                        <Table.Tr key={`${h}-${i}`}>
                          <Table.Td>
                            {h || (
                              <Text span c="dimmed">
                                (blank header)
                              </Text>
                            )}
                          </Table.Td>
                          <Table.Td>
                            <Text size="xs" c="dimmed" truncate maw={260}>
                              {inspection.sample[0]?.[i] ?? ''}
                            </Text>
                          </Table.Td>
                          <Table.Td>
                            <Select
                              size="xs"
                              aria-label={`Field for ${h || '(blank header)'}, column ${i + 1}`}
                              data={[
                                { value: IGNORE, label: 'Ignore this column' },
                                ...MAPPABLE_FIELDS.map((f) => ({ value: f, label: MAPPABLE_FIELD_LABELS[f] })),
                              ]}
                              value={columnFields[i] ?? IGNORE}
                              onChange={(v) =>
                                setColumnFields((cols) => {
                                  const next = inspection.headers.map((_, k) => cols[k] ?? null);
                                  next[i] = !v || v === IGNORE ? null : (v as MappableField);
                                  return next;
                                })
                              }
                              allowDeselect={false}
                            />
                          </Table.Td>
                        </Table.Tr>
                      ))}
                    </Table.Tbody>
                  </Table>
                  {!mappedTag && (
                    <Text size="sm" c="orange">
                      Map one column to Asset tag to continue.
                    </Text>
                  )}
                </Stack>
              )}
              {busy === 'preview' && file && file.bytes >= PREVIEW_PROGRESS_BYTES && <PreviewProgress format={format} />}
              <Group>
                <Button
                  onClick={() => void runImport(true)}
                  loading={busy === 'preview'}
                  disabled={format === 'csv-mapped' && !mappedTag}
                  data-testid="import-preview"
                >
                  Preview (dry run)
                </Button>
              </Group>
            </Stack>
          </Card>
        )}

        {preview && step >= 2 && !done?.errors.length && step < 3 && (
          <PreviewCard r={preview} onLabelType={setLabelType} busy={busy === 'preview'} />
        )}
        {done && done.errors.length > 0 && (
          <>
            <Alert color="red" title="Nothing was imported" icon={<IconAlertTriangle size={18} />}>
              The file has rows the importer cannot take; fix them and try again. No record was changed.
            </Alert>
            <PreviewCard r={done} />
          </>
        )}

        {preview && step === 2 && (
          <Card withBorder>
            <Stack gap="xs">
              <Text fw={600}>4. Import</Text>
              {preview.errors.length > 0 ? (
                <Text size="sm" c="red" data-testid="import-fix-first">
                  Fix {problemsText(preview)} above first: an import with errors writes nothing.
                </Text>
              ) : (
                <Text size="sm">
                  {formatNumber(preview.created)} new, {formatNumber(preview.updated)} updated, {formatNumber(preview.unchanged)} unchanged.
                  Everything is written in one step, or nothing is.
                </Text>
              )}
              {busy === 'commit' && <CommitProgress rows={preview.rows} />}
              <Group>
                <Button
                  color="green"
                  leftSection={<IconCheck size={16} />}
                  disabled={preview.errors.length > 0}
                  loading={busy === 'commit'}
                  onClick={() => void runImport(false)}
                  data-testid="import-commit"
                >
                  Import {formatNumber(preview.rows)} rows
                </Button>
              </Group>
            </Stack>
          </Card>
        )}

        {done && step === 3 && (
          <Alert color="green" icon={<IconCheck size={18} />} title="Imported" data-testid="import-done">
            <Stack gap="xs" align="flex-start">
              <Text size="sm">
                {formatNumber(done.created)} created, {formatNumber(done.updated)} updated, {formatNumber(done.unchanged)} unchanged.
              </Text>
              <Group>
                <Button size="xs" onClick={() => navigate('/assets')}>
                  Open the asset list
                </Button>
                <Button size="xs" variant="default" onClick={reset}>
                  Import another file
                </Button>
              </Group>
            </Stack>
          </Alert>
        )}
      </Stack>
    </div>
  );
}

/** "the 2 header problems and 3 row errors": header problems are fixed in the header row, not row by row. */
function problemsText(r: ImportResult): string {
  const header = r.errors.filter((e) => e.kind === 'header').length;
  const file = r.errors.filter((e) => e.kind !== 'header' && e.row === 0).length;
  const rows = r.errors.length - header - file;
  const parts = [];
  if (header) parts.push(`${formatNumber(header)} header problem${header === 1 ? '' : 's'}`);
  if (file) parts.push(`${formatNumber(file)} problem${file === 1 ? '' : 's'} with the whole file`);
  if (rows) parts.push(`${formatNumber(rows)} ${rows === 1 ? 'error' : 'errors'} in rows`);
  return `the ${parts.join(' and ')}`;
}

/**
 * How the text was read: the encoding (with an override), a sample of non-ASCII values to check
 * by eye, and a one-click repair when values are UTF-8 misread as Windows-1252 before.
 */
function TextCheck(props: {
  text: ImportTextInfo;
  encoding: ImportEncoding | null;
  repair: boolean;
  busy: boolean;
  onEncoding(e: ImportEncoding | null): void;
  onRepair(r: boolean): void;
}) {
  const { text } = props;
  return (
    <Stack gap={6} data-testid="import-text">
      <Group align="flex-end" gap="md">
        <Select
          label="Read the file as"
          w={280}
          size="xs"
          data={[{ value: '', label: text.encodingChosen ? 'As detected' : `Detected: ${IMPORT_ENCODING_LABELS[text.encoding]}` }].concat(
            IMPORT_ENCODINGS.filter((e) => e !== 'utf-8-bom').map((e) => ({ value: e, label: IMPORT_ENCODING_LABELS[e] })),
          )}
          value={props.encoding ?? ''}
          onChange={(v) => props.onEncoding(v ? (v as ImportEncoding) : null)}
          allowDeselect={false}
          disabled={props.busy}
          data-testid="import-encoding-select"
        />
        {text.nonAscii.length > 0 && (
          <Text size="sm" data-testid="import-non-ascii">
            Check these read right:{' '}
            {text.nonAscii.map((v, i) => (
              <Text span key={i} ff="monospace" size="sm" mr={8}>
                “{v}”
              </Text>
            ))}
          </Text>
        )}
      </Group>
      {text.mojibake && (
        <Alert color={props.repair ? 'green' : 'yellow'} variant="light" p="xs" data-testid="import-mojibake">
          <Group justify="space-between" wrap="nowrap" align="flex-start">
            <Text size="sm">
              {props.repair ? 'Repaired ' : ''}
              {formatNumber(text.mojibake.count)} value{text.mojibake.count === 1 ? '' : 's'}{' '}
              {props.repair ? 'that were' : text.mojibake.count === 1 ? 'looks' : 'look'} like UTF-8 text once read as Windows-1252
              before it reached this file:{' '}
              {text.mojibake.examples.slice(0, 4).map((x, i) => (
                <Text span key={i} size="sm" mr={8}>
                  “{x.before}” → “{x.after}”
                </Text>
              ))}
            </Text>
            <Button
              size="xs"
              variant={props.repair ? 'default' : 'filled'}
              onClick={() => props.onRepair(!props.repair)}
              loading={props.busy}
              style={{ flexShrink: 0 }}
              data-testid="import-repair"
            >
              {props.repair ? 'Undo the repair' : `Repair ${formatNumber(text.mojibake.count)}`}
            </Button>
          </Group>
        </Alert>
      )}
    </Stack>
  );
}

function PreviewCard({ r, onLabelType, busy = false }: { r: ImportResult; onLabelType?(name: string, type: StatusLabelType): void; busy?: boolean }) {
  const cols = r.preview[0] ? Object.keys(r.preview[0]) : [];
  const recognised = Object.entries(r.columns.recognised);
  const headerProblems = r.errors.filter((e) => e.kind === 'header');
  const rowErrors = r.errors.filter((e) => e.kind !== 'header');
  const warnings = r.warnings ?? [];
  const labels = r.statusLabels ?? [];
  return (
    <Card withBorder data-testid="import-preview-result">
      <Stack gap="sm">
        <Text fw={600}>3. Preview</Text>
        <Group gap="xs">
          <Badge variant="light">{formatNumber(r.rows)} rows read</Badge>
          <Badge color="teal" variant="light" data-testid="preview-created">
            {formatNumber(r.created)} new
          </Badge>
          <Badge color="blue" variant="light">
            {formatNumber(r.updated)} updated
          </Badge>
          <Badge color="gray" variant="light">
            {formatNumber(r.unchanged)} unchanged
          </Badge>
          {headerProblems.length > 0 && (
            <Badge color="red" variant="light" data-testid="preview-header-problems">
              {formatNumber(headerProblems.length)} header problem{headerProblems.length === 1 ? '' : 's'}
            </Badge>
          )}
          <Badge color={rowErrors.length ? 'red' : 'green'} variant="light" data-testid="preview-errors">
            {formatNumber(rowErrors.length)} error{rowErrors.length === 1 ? '' : 's'}
          </Badge>
          {warnings.length > 0 && (
            <Badge color="yellow" variant="light" data-testid="preview-warnings">
              {formatNumber(warnings.length)} warning{warnings.length === 1 ? '' : 's'}
            </Badge>
          )}
          <Badge variant="outline">{r.text ? IMPORT_ENCODING_LABELS[r.text.encoding] : r.encoding}</Badge>
          {r.text?.repaired && <Badge variant="outline">repaired</Badge>}
          <Badge variant="outline">{r.lineEnding.toUpperCase()}</Badge>
        </Group>
        {(recognised.length > 0 || r.columns.ignored.length > 0) && (
          <Text size="sm">
            {recognised.length > 0 && <>Columns read: {recognised.map(([h, f]) => `${h} → ${IMPORT_FIELD_LABELS[f] ?? f}`).join(', ')}. </>}
            {r.columns.ignored.length > 0 && (
              <Text span c="dimmed">
                Ignored: {r.columns.ignored.join(', ')}.
              </Text>
            )}
          </Text>
        )}
        {(headerProblems.length > 0 || (r.headerNotes ?? []).length > 0) && (
          <Alert color={headerProblems.length ? 'red' : 'blue'} variant="light" title="Header row" data-testid="import-header-notes">
            <Stack gap={2}>
              {headerProblems.map((e, i) => (
                <Text size="sm" key={`p${i}`} c="red">
                  {e.column ? `${e.column}: ` : ''}
                  {e.message}
                </Text>
              ))}
              {(r.headerNotes ?? []).map((n, i) => (
                <Text size="sm" key={`n${i}`}>
                  {n}
                </Text>
              ))}
            </Stack>
          </Alert>
        )}
        {(r.rowNotes ?? []).length > 0 && (
          <Alert color="blue" variant="light" title="Rows" data-testid="import-row-notes">
            <Stack gap={2}>
              {(r.rowNotes ?? []).map((n, i) => (
                <Text size="sm" key={i}>
                  {n}
                </Text>
              ))}
            </Stack>
          </Alert>
        )}
        {labels.length > 0 && (
          <Stack gap={4} data-testid="import-status-labels">
            <Text size="sm" fw={600}>
              Status labels
            </Text>
            <Text size="xs" c="dimmed">
              Each status in the file is kept as a label on the asset; its type decides the asset&apos;s status. New labels join the
              team&apos;s list when you import: check the type each will get.
            </Text>
            <Table fz="sm" withTableBorder maw={760}>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Label</Table.Th>
                  <Table.Th w={90}>Rows</Table.Th>
                  <Table.Th>Type</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {labels.map((l) => (
                  <Table.Tr key={l.name} data-testid="import-status-label">
                    <Table.Td>
                      <Text span size="sm" data-testid="import-status-label-name">
                        {l.name}
                      </Text>{' '}
                      <Badge size="xs" variant="light" color={l.source === 'new' ? 'yellow' : 'gray'}>
                        {l.source === 'new' ? 'new' : l.source === 'team' ? "team's" : 'Snipe-IT default'}
                      </Badge>
                    </Table.Td>
                    <Table.Td>{formatNumber(l.rows)}</Table.Td>
                    <Table.Td>
                      {l.source === 'new' && onLabelType ? (
                        <Select
                          size="xs"
                          aria-label={`Type for ${l.name}`}
                          data={STATUS_LABEL_TYPES.map((t) => ({ value: t, label: STATUS_LABEL_TYPE_NAMES[t] }))}
                          value={l.type}
                          onChange={(v) => v && onLabelType(l.name, v as StatusLabelType)}
                          allowDeselect={false}
                          disabled={busy}
                        />
                      ) : (
                        STATUS_LABEL_TYPE_NAMES[l.type]
                      )}
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Stack>
        )}
        {rowErrors.length > 0 && (
          <ScrollArea.Autosize mah={320}>
            <Table fz="sm" striped withTableBorder stickyHeader data-testid="import-errors">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th w={70}>Row</Table.Th>
                  <Table.Th w={200}>Column</Table.Th>
                  <Table.Th>Problem</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {rowErrors.slice(0, 1000).map((e, i) => (
                  <Table.Tr key={i}>
                    <Table.Td>{e.row === 0 ? 'file' : e.row}</Table.Td>
                    <Table.Td>{e.column || '—'}</Table.Td>
                    <Table.Td>{e.message}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
            {rowErrors.length > 1000 && (
              <Text size="xs" c="dimmed">
                Showing the first 1,000 of {formatNumber(rowErrors.length)} errors.
              </Text>
            )}
          </ScrollArea.Autosize>
        )}
        {warnings.length > 0 && (
          <ScrollArea.Autosize mah={200}>
            <Table fz="sm" striped withTableBorder stickyHeader data-testid="import-warnings">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th w={70}>Row</Table.Th>
                  <Table.Th w={200}>Column</Table.Th>
                  <Table.Th>Warning (imported anyway)</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {warnings.map((e, i) => (
                  <Table.Tr key={i}>
                    <Table.Td>{e.row === 0 ? '—' : e.row}</Table.Td>
                    <Table.Td>{e.column || '—'}</Table.Td>
                    <Table.Td>{e.message}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </ScrollArea.Autosize>
        )}
        {r.preview.length > 0 && (
          <ScrollArea>
            <Table fz="xs" striped withTableBorder data-testid="import-preview-rows">
              <Table.Thead>
                <Table.Tr>
                  {cols.map((c) => (
                    <Table.Th key={c}>{PREVIEW_COLUMNS[c] ?? c}</Table.Th>
                  ))}
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {r.preview.map((row, i) => (
                  <Table.Tr key={i}>
                    {cols.map((c) => (
                      <Table.Td key={c} style={{ whiteSpace: 'nowrap' }}>
                        {previewCell(c, row[c])}
                      </Table.Td>
                    ))}
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </ScrollArea>
        )}
      </Stack>
    </Card>
  );
}

const PHASE_LABEL: Record<ImportJobStatus['phase'], string> = {
  reading: 'Reading the file',
  checking: 'Reading and checking the file',
  writing: 'Writing rows',
  finishing: 'Saving',
};
/** The file is read and checked as a stream, counted in its bytes; rows are written and counted. */
const phaseAmount = (phase: ImportJobStatus['phase'], n: number) => (phase === 'checking' ? sizeText(n) : formatNumber(n));
/** Share of the bar per phase (writing is most of the time). */
const PHASE_SPAN: Record<ImportJobStatus['phase'], [number, number]> = {
  reading: [0, 3],
  checking: [3, 30],
  writing: [30, 97],
  finishing: [97, 100],
};

/** Files from this size are read and checked in the background, with their progress shown. */
const PREVIEW_PROGRESS_BYTES = 2 * 1024 * 1024;

/**
 * Progress of a large file's preview (read and checked off the main thread, as a stream): the bytes
 * of the file read and checked so far, as reported on the event channel.
 */
function PreviewProgress({ format }: { format: ImportFormat }) {
  const token = useSession((s) => s.token);
  const [job, setJob] = useState<ImportJobStatus | null>(null);
  useEffect(() => {
    if (!token) return;
    return subscribeEvents(token, (e) => {
      if (e.type === 'import.progress' && e.job.format === format) setJob(e.job.state === 'running' ? e.job : null);
    });
  }, [token, format]);
  const checking = job?.phase === 'checking' && job.total > 0;
  const value = checking ? 10 + (90 * job.done) / job.total : 10;
  return (
    <Stack gap={4}>
      <Progress value={value} size="lg" aria-label="Reading and checking the file" striped={!checking} animated={!checking} data-testid="import-preview-progress" transitionDuration={200} />
      <Text size="xs" c="dimmed" role="status" data-testid="import-preview-progress-text">
        {checking ? `Reading and checking the file: ${sizeText(job.done)} of ${sizeText(job.total)}` : 'Reading the file…'}
      </Text>
    </Stack>
  );
}

/**
 * Real progress of the commit (it runs in a worker; the status call answers while it works):
 * phase and rows done of total, polled a few times a second, and a Cancel that rolls it all back.
 */
function CommitProgress({ rows }: { rows: number }) {
  const [job, setJob] = useState<ImportJobStatus | null>(null);
  const [cancelling, setCancelling] = useState(false);
  useEffect(() => {
    let live = true;
    const poll = async () => {
      try {
        const r = await api.call('assets.importStatus', {});
        // Only a running job: the previous import's final status is not this one's.
        if (live) setJob(r.job?.state === 'running' ? r.job : null);
      } catch {
        // a missed poll is retried on the next tick
      }
    };
    void poll();
    const t = setInterval(() => void poll(), 250);
    return () => {
      live = false;
      clearInterval(t);
    };
  }, []);
  const running = job?.state === 'running' ? job : null;
  const [from, to] = running ? PHASE_SPAN[running.phase] : [0, 0];
  const value = running ? from + (running.total > 0 ? ((to - from) * running.done) / running.total : 0) : 0;
  const cancel = async () => {
    if (!running) return;
    setCancelling(true);
    try {
      await api.call('assets.importCancel', { id: running.id });
    } catch {
      setCancelling(false);
    }
  };
  return (
    <Stack gap={4}>
      <Progress value={value} size="lg" aria-label="Importing" aria-valuenow={Math.round(value)} data-testid="import-progress" transitionDuration={200} />
      <Group justify="space-between" gap="xs">
        <Text size="xs" c="dimmed" data-testid="import-progress-text">
          {!running
            ? `Waiting to start importing ${formatNumber(rows)} rows…`
            : running.cancelRequested || cancelling
              ? 'Cancelling: undoing everything this import wrote…'
              : running.total > 0
                ? `${PHASE_LABEL[running.phase]}: ${phaseAmount(running.phase, running.done)} of ${phaseAmount(running.phase, running.total)}`
                : `${PHASE_LABEL[running.phase]}…`}
        </Text>
        <Button size="xs" variant="default" color="red" onClick={() => void cancel()} disabled={!running || cancelling || running.cancelRequested} data-testid="import-cancel">
          Cancel
        </Button>
      </Group>
    </Stack>
  );
}
