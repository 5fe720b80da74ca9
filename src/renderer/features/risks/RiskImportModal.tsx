/**
 * Importing risks from a CSV or an Excel workbook: pick the file, check how its columns map (change
 * any), see every row error and a preview with the levels the matrix gives, then import all rows at
 * once. Nothing is written while any row has an error.
 */
import { useState } from 'react';
import { Alert, Button, FileInput, Group, Modal, ScrollArea, Select, Stack, Table, Text } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { RISK_FIELD_HEADERS, RISK_IMPORT_FIELDS, type RiskImportField, type RiskImportResult } from '../../../shared/api/risks';
import { api, errorMessage } from '../../lib/client';
import { bytesToBase64 } from '../assets/files';
import { LevelBadge, RISK_STATUS_LABELS } from './common';

const FIELD_LABELS = RISK_FIELD_HEADERS;

export function RiskImportModal({ onClose, matrixId }: { onClose: () => void; matrixId: string | null }) {
  const [file, setFile] = useState<{ name: string; base64: string } | null>(null);
  const [mapping, setMapping] = useState<Record<string, RiskImportField> | null>(null);
  const [result, setResult] = useState<RiskImportResult | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const run = async (f: { base64: string }, m: Record<string, RiskImportField> | null, dryRun: boolean) => {
    setBusy(true);
    setError(null);
    try {
      const r = await api.call('risks.import', { contentBase64: f.base64, ...(m ? { mapping: m } : {}), ...(matrixId ? { matrixId } : {}), dryRun });
      setResult(r);
      if (!m) setMapping(r.mapping);
      if (!dryRun && r.created) {
        notifications.show({ color: 'green', message: `${r.created} risk${r.created === 1 ? '' : 's'} imported (${r.numbers!.first} to ${r.numbers!.last}).` });
        onClose();
      }
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setBusy(false);
    }
  };
  const pick = async (f: File | null) => {
    setResult(null);
    setMapping(null);
    if (!f) return setFile(null);
    const picked = { name: f.name, base64: bytesToBase64(new Uint8Array(await f.arrayBuffer())) };
    setFile(picked);
    await run(picked, null, true);
  };
  const remap = (header: string, field: string | null) => {
    const next = { ...(mapping ?? {}) };
    if (field) {
      for (const [h, f] of Object.entries(next)) if (f === field) delete next[h];
      next[header] = field as RiskImportField;
    } else delete next[header];
    setMapping(next);
    if (file) void run(file, next, true);
  };
  const ok = result && !result.errors.length && result.rows > 0;
  return (
    <Modal opened onClose={onClose} title="Import risks" size="xl">
      <Stack>
        <FileInput label="CSV or Excel workbook (.xlsx)" placeholder="Pick a file" accept=".csv,.txt,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" onChange={(f) => void pick(f)} clearable data-testid="risk-import-file" />
        {error && <Alert color="red">{error}</Alert>}
        {result && (
          <>
            <Text size="sm" data-testid="risk-import-summary">
              {result.format === 'xlsx' ? 'Excel workbook (first sheet)' : `CSV (${result.encoding})`} · {result.rows} row{result.rows === 1 ? '' : 's'}
            </Text>
            <Table fz="sm" withTableBorder>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Column in the file</Table.Th>
                  <Table.Th>Imported as</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {result.headers.filter(Boolean).map((h) => (
                  <Table.Tr key={h}>
                    <Table.Td>{h}</Table.Td>
                    <Table.Td>
                      <Select size="xs" aria-label={`Import ${h} as`} placeholder="Not imported" data={RISK_IMPORT_FIELDS.map((f) => ({ value: f, label: FIELD_LABELS[f] }))} value={mapping?.[h] ?? null} onChange={(v) => remap(h, v)} clearable />
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
            {result.notes.map((n) => (
              <Alert key={n} color="blue">
                {n}
              </Alert>
            ))}
            {result.errors.length > 0 && (
              <Alert color="red" title={`${result.errors.length} error${result.errors.length === 1 ? '' : 's'}: nothing will be imported until they are fixed`} data-testid="risk-import-errors">
                <ScrollArea.Autosize mah={200}>
                  {result.errors.map((e, i) => (
                    <Text key={i} size="sm">
                      {e.row ? `Row ${e.row}` : 'File'}
                      {e.column ? `, ${e.column}` : ''}: {e.message}
                    </Text>
                  ))}
                </ScrollArea.Autosize>
              </Alert>
            )}
            {result.preview.length > 0 && (
              <ScrollArea.Autosize mah={260}>
                <Table fz="sm" data-testid="risk-import-preview">
                  <Table.Thead>
                    <Table.Tr>
                      <Table.Th>Row</Table.Th>
                      <Table.Th>Title</Table.Th>
                      <Table.Th>Status</Table.Th>
                      <Table.Th>Inherent</Table.Th>
                      <Table.Th>Current</Table.Th>
                      <Table.Th>Residual</Table.Th>
                    </Table.Tr>
                  </Table.Thead>
                  <Table.Tbody>
                    {result.preview.slice(0, 50).map((p) => (
                      <Table.Tr key={p.row}>
                        <Table.Td>{p.row}</Table.Td>
                        <Table.Td>{p.title}</Table.Td>
                        <Table.Td>{RISK_STATUS_LABELS[p.status]}</Table.Td>
                        {(['inherent', 'current', 'residual'] as const).map((s) => (
                          <Table.Td key={s}>{p[s].level ? <LevelBadge level={p[s].level} /> : '—'}</Table.Td>
                        ))}
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
              </ScrollArea.Autosize>
            )}
          </>
        )}
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            Cancel
          </Button>
          <Button disabled={!ok} loading={busy} onClick={() => file && void run(file, mapping, false)} data-testid="risk-import-go">
            {ok ? `Import ${result.rows} risk${result.rows === 1 ? '' : 's'}` : 'Import'}
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
