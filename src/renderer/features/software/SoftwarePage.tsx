/**
 * Software maintenance: load the endoflife.date product files and the CISA KEV catalogue from files the
 * user picks (no network), then see which assets run end-of-life software or are exposed to known
 * exploited vulnerabilities, grouped with the assets behind each.
 */
import { useMemo, useState } from 'react';
import { Accordion, Anchor, Badge, Button, Card, FileButton, Group, Modal, SimpleGrid, Stack, Table, Tabs, Text, Textarea, Title } from '@mantine/core';
import { IconFileUpload } from '@tabler/icons-react';
import { notifications } from '@mantine/notifications';
import type { EolExposure, KevExposure } from '../../../shared/api/software';
import { api, errorMessage } from '../../lib/client';
import { useCall } from '../../lib/query';
import { formatDateTime, formatNumber } from '../../lib/format';
import { Empty, ErrorState, Loading } from '../common/states';
import { assetHref, formatDay, invalidateAssetData, runAction, useCanEditAssets } from '../assets/common';
import { readFileText } from '../assets/files';

export function SoftwarePage() {
  const [tab, setTab] = useState<string | null>('eol');
  return (
    <div style={{ overflow: 'auto', height: '100%' }}>
      <Stack p="md" gap="md" maw={1280}>
        <Title order={2}>Software</Title>
        <Catalogues />
        <Tabs value={tab} onChange={setTab}>
          <Tabs.List>
            <Tabs.Tab value="eol">End-of-life software</Tabs.Tab>
            <Tabs.Tab value="kev">Known exploited vulnerabilities</Tabs.Tab>
          </Tabs.List>
          <Tabs.Panel value="eol" pt="md">
            <EolList />
          </Tabs.Panel>
          <Tabs.Panel value="kev" pt="md">
            <KevList />
          </Tabs.Panel>
        </Tabs>
      </Stack>
    </div>
  );
}

function PickFiles({
  label,
  accept,
  multiple,
  busy,
  onFiles,
  testid,
}: {
  label: string;
  accept: string;
  multiple?: boolean;
  busy: boolean;
  onFiles: (f: File[]) => void;
  testid: string;
}) {
  // A real button (reachable by Tab, named for screen readers) that opens the file picker.
  return (
    <FileButton
      multiple={multiple}
      accept={accept}
      inputProps={{ 'data-testid': testid } as Record<string, string>}
      onChange={(f: File[] | File | null) => {
        const files = Array.isArray(f) ? f : f ? [f] : [];
        if (files.length) onFiles(files);
      }}
    >
      {(props) => (
        <Button {...props} size="xs" variant="light" leftSection={<IconFileUpload size={14} />} loading={busy}>
          {label}
        </Button>
      )}
    </FileButton>
  );
}

function LoadEolButton({ label = 'Load product files (.md)' }: { label?: string }) {
  const [busy, setBusy] = useState(false);
  const importEol = async (files: File[]) => {
    setBusy(true);
    try {
      const payload = await Promise.all(files.map(async (f) => ({ name: f.name, content: (await readFileText(f)).text })));
      const r = await api.call('software.importEol', { files: payload });
      invalidateAssetData();
      const errs = r.errors.length
        ? ` ${r.errors.length} file${r.errors.length === 1 ? '' : 's'} skipped: ${r.errors
            .slice(0, 3)
            .map((e) => `${e.file} (${e.message})`)
            .join('; ')}`
        : '';
      notifications.show({
        color: r.errors.length ? 'yellow' : 'green',
        message: `Loaded ${formatNumber(r.products)} products and ${formatNumber(r.releases)} release cycles.${errs}`,
        autoClose: r.errors.length ? 12000 : 4000,
      });
    } catch (e) {
      notifications.show({ color: 'red', title: 'The end-of-life files could not be loaded', message: errorMessage(e) });
    } finally {
      setBusy(false);
    }
  };
  return <PickFiles label={label} accept=".md,text/markdown" multiple busy={busy} onFiles={(f) => void importEol(f)} testid="eol-files" />;
}

/** Loads the CISA KEV JSON; used on the catalogue card and in the empty state. */
function LoadKevButton({ label = 'Load KEV JSON' }: { label?: string }) {
  const [busy, setBusy] = useState(false);
  const importKev = async (files: File[]) => {
    setBusy(true);
    try {
      const r = await api.call('software.importKev', { content: (await readFileText(files[0]!)).text });
      invalidateAssetData();
      notifications.show({
        color: 'green',
        message: `Loaded ${formatNumber(r.entries)} known exploited vulnerabilities${r.catalogVersion ? ` (catalogue ${r.catalogVersion})` : ''}.`,
      });
    } catch (e) {
      notifications.show({ color: 'red', title: 'The KEV catalogue could not be loaded', message: errorMessage(e) });
    } finally {
      setBusy(false);
    }
  };
  return <PickFiles label={label} accept=".json,application/json" busy={busy} onFiles={(f) => void importKev(f)} testid="kev-file" />;
}

function Catalogues() {
  const q = useCall('software.catalogues', {});
  const canEdit = useCanEditAssets();
  if (q.error && !q.data) return <ErrorState error={q.error} onRetry={() => void q.refetch()} />;
  const c = q.data;
  return (
    <SimpleGrid cols={{ base: 1, md: 2 }}>
      <Card withBorder>
        <Group justify="space-between" align="flex-start">
          <Stack gap={2}>
            <Text fw={600}>endoflife.date</Text>
            <Text size="sm" c="dimmed">
              {c
                ? c.eolProducts
                  ? `${formatNumber(c.eolProducts)} products, ${formatNumber(c.eolReleases)} cycles · loaded ${formatDateTime(c.eolImportedAt)}`
                  : 'Not loaded yet.'
                : 'Loading…'}
            </Text>
          </Stack>
          {canEdit && <LoadEolButton />}
        </Group>
      </Card>
      <Card withBorder>
        <Group justify="space-between" align="flex-start">
          <Stack gap={2}>
            <Text fw={600}>CISA KEV catalogue</Text>
            <Text size="sm" c="dimmed">
              {c
                ? c.kevEntries
                  ? `${formatNumber(c.kevEntries)} entries${c.kevVersion ? `, version ${c.kevVersion}` : ''} · loaded ${formatDateTime(c.kevImportedAt)}`
                  : 'Not loaded yet.'
                : 'Loading…'}
            </Text>
          </Stack>
          {canEdit && <LoadKevButton />}
        </Group>
      </Card>
    </SimpleGrid>
  );
}

/** Before any catalogue is loaded there is nothing to match against: say so, and offer to load one. */
function NoCatalogue({ kind }: { kind: 'eol' | 'kev' }) {
  const canEdit = useCanEditAssets();
  return (
    <Empty
      title={kind === 'eol' ? 'No end-of-life catalogue loaded yet' : 'No KEV catalogue loaded yet'}
      action={canEdit ? kind === 'eol' ? <LoadEolButton label="Load endoflife.date files" /> : <LoadKevButton label="Load the KEV catalogue" /> : undefined}
    >
      {kind === 'eol'
        ? 'Outpost checks installed software against the endoflife.date product files you load (from github.com/endoflife-date/endoflife.date, products/*.md).'
        : 'Outpost checks installed software against the CISA catalogue of known exploited vulnerabilities you load (known_exploited_vulnerabilities.json).'}
      {canEdit ? '' : ' Ask a technician or an administrator to load it.'}
    </Empty>
  );
}

function group<T>(items: T[], key: (t: T) => string): [string, T[]][] {
  const m = new Map<string, T[]>();
  for (const i of items) {
    const k = key(i);
    const arr = m.get(k);
    if (arr) arr.push(i);
    else m.set(k, [i]);
  }
  return [...m.entries()];
}

function distinctAssets(rows: { assetId: string }[]): number {
  return new Set(rows.map((r) => r.assetId)).size;
}

function AssetsBehind({
  rows,
}: {
  rows: { assetId: string; assetTag: string; assetName: string; software: string; version: string | null }[];
}) {
  return (
    <Table fz="sm" striped>
      <Table.Tbody>
        {rows.map((r, i) => (
          <Table.Tr key={`${r.assetId}-${i}`}>
            <Table.Td w={160}>
              <Anchor href={assetHref(r.assetTag)} ff="monospace">
                {r.assetTag}
              </Anchor>
            </Table.Td>
            <Table.Td>{r.assetName}</Table.Td>
            <Table.Td>
              {r.software} {r.version ?? ''}
            </Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}

function EolList() {
  const cat = useCall('software.catalogues', {});
  const q = useCall('software.eolExposure', {});
  const groups = useMemo(() => group<EolExposure>(q.data?.items ?? [], (e) => `${e.productTitle} ${e.cycle}`), [q.data]);
  if (cat.data && cat.data.eolProducts === 0) return <NoCatalogue kind="eol" />;
  if (q.error && !q.data) return <ErrorState error={q.error} onRetry={() => void q.refetch()} />;
  if (!q.data || !cat.data) return <Loading label="Matching installed software against end-of-life dates…" />;
  if (groups.length === 0)
    return (
      <Empty title="No asset runs end-of-life software">
        …as far as the loaded endoflife.date files and the installed-software lists tell.
      </Empty>
    );
  return (
    <Stack gap="xs" data-testid="eol-list">
      <Text size="sm">
        {formatNumber(q.data.assets)} asset{q.data.assets === 1 ? '' : 's'} run software past its end of life.
      </Text>
      <Accordion variant="separated" multiple>
        {groups.map(([k, rows]) => {
          const n = distinctAssets(rows);
          return (
            <Accordion.Item key={k} value={k}>
              <Accordion.Control>
                <Group justify="space-between" wrap="nowrap">
                  <Text fw={600}>{k}</Text>
                  <Group gap="xs">
                    <Badge color="red" variant="light">
                      ended {formatDay(rows[0]!.eolDate)}
                    </Badge>
                    <Badge variant="light">
                      {n} asset{n === 1 ? '' : 's'}
                    </Badge>
                  </Group>
                </Group>
              </Accordion.Control>
              <Accordion.Panel>
                <AssetsBehind rows={rows} />
              </Accordion.Panel>
            </Accordion.Item>
          );
        })}
      </Accordion>
    </Stack>
  );
}

/** One asset under a CVE: the packages that matched, why, and whether a person ruled it out. */
interface KevAsset {
  assetId: string;
  assetTag: string;
  assetName: string;
  packages: KevExposure[];
  possible: boolean;
  notAffected: KevExposure['notAffected'];
}

function byAsset(rows: KevExposure[]): KevAsset[] {
  return group(rows, (r) => r.assetId).map(([, pk]) => ({
    assetId: pk[0]!.assetId,
    assetTag: pk[0]!.assetTag,
    assetName: pk[0]!.assetName,
    packages: pk,
    possible: pk.every((p) => p.basis === 'name'),
    notAffected: pk[0]!.notAffected,
  }));
}

function KevList() {
  const cat = useCall('software.catalogues', {});
  const q = useCall('software.kevExposure', {});
  const canEdit = useCanEditAssets();
  const [marking, setMarking] = useState<{ cveId: string; asset: KevAsset } | null>(null);
  const groups = useMemo(
    () =>
      group<KevExposure>(q.data?.items ?? [], (e) => e.cveId).map(([cve, rows]) => {
        const assets = byAsset(rows);
        const exposed = assets.filter((a) => !a.notAffected);
        return { cve, first: rows[0]!, assets, exposed: exposed.length, possible: exposed.every((a) => a.possible) };
      }),
    [q.data],
  );
  if (cat.data && cat.data.kevEntries === 0) return <NoCatalogue kind="kev" />;
  if (q.error && !q.data) return <ErrorState error={q.error} onRetry={() => void q.refetch()} />;
  if (!q.data || !cat.data) return <Loading label="Matching installed software against the KEV catalogue…" />;
  if (groups.length === 0)
    return (
      <Empty title="No asset is exposed to a known exploited vulnerability">
        …as far as the loaded KEV catalogue and the installed-software lists tell.
      </Empty>
    );
  const open = groups.filter((g) => g.exposed > 0).length;
  return (
    <Stack gap="xs" data-testid="kev-list">
      <Text size="sm">
        {formatNumber(q.data.assets)} asset{q.data.assets === 1 ? '' : 's'} exposed to {formatNumber(open)} known exploited vulnerabilit
        {open === 1 ? 'y' : 'ies'}. KEV names products, not versions: a match by product name alone is marked possible.
      </Text>
      <Accordion variant="separated" multiple>
        {groups.map(({ cve, first: k, assets, exposed, possible }) => (
          <Accordion.Item key={cve} value={cve} data-testid={`kev-${cve}`}>
            <Accordion.Control>
              <Group justify="space-between" wrap="nowrap">
                <Stack gap={0}>
                  <Text fw={600}>
                    {cve} · {k.vendorProject} {k.product}
                  </Text>
                  {k.vulnerabilityName && (
                    <Text size="xs" c="dimmed">
                      {k.vulnerabilityName}
                    </Text>
                  )}
                </Stack>
                <Group gap="xs" wrap="nowrap">
                  {k.knownRansomware && <Badge color="red">ransomware</Badge>}
                  {exposed > 0 && possible && (
                    <Badge color="gray" variant="outline">
                      possible
                    </Badge>
                  )}
                  {k.dueDate && (
                    <Badge color="orange" variant="light">
                      due {formatDay(k.dueDate)}
                    </Badge>
                  )}
                  <Badge variant="light" color={exposed ? undefined : 'green'} data-testid="kev-asset-count">
                    {exposed
                      ? `${exposed} asset${exposed === 1 ? '' : 's'}`
                      : `${assets.length} not affected`}
                  </Badge>
                </Group>
              </Group>
            </Accordion.Control>
            <Accordion.Panel>
              {k.requiredAction && (
                <Text size="sm" mb="xs">
                  <b>Required action:</b> {k.requiredAction}
                </Text>
              )}
              <Table fz="sm" striped>
                <Table.Tbody>
                  {assets.map((a) => (
                    <Table.Tr key={a.assetId} data-testid="kev-asset">
                      <Table.Td w={160} style={{ verticalAlign: 'top' }}>
                        <Anchor href={assetHref(a.assetTag)} ff="monospace">
                          {a.assetTag}
                        </Anchor>
                      </Table.Td>
                      <Table.Td style={{ verticalAlign: 'top' }}>
                        <Text size="sm">{a.assetName}</Text>
                        <Text size="xs" c="dimmed">
                          {a.packages.map((p) => `${p.software}${p.version ? ` ${p.version}` : ''}`).join(', ')}
                        </Text>
                      </Table.Td>
                      <Table.Td style={{ verticalAlign: 'top' }}>
                        {a.notAffected ? (
                          <Text size="xs" data-testid="kev-not-affected">
                            <Badge size="xs" color="green" variant="light" mr={6}>
                              not affected
                            </Badge>
                            {a.notAffected.byName}, {formatDateTime(a.notAffected.at)}
                            {a.notAffected.note ? `: ${a.notAffected.note}` : ''}
                          </Text>
                        ) : (
                          <Text size="xs" data-testid="kev-reason">
                            {a.possible && (
                              <Badge size="xs" color="gray" variant="outline" mr={6}>
                                possible
                              </Badge>
                            )}
                            {a.packages[0]!.reason}
                          </Text>
                        )}
                      </Table.Td>
                      {canEdit && (
                        <Table.Td w={150} ta="right" style={{ verticalAlign: 'top' }}>
                          {a.notAffected ? (
                            <Button
                              size="compact-xs"
                              variant="subtle"
                              onClick={() =>
                                void runAction(
                                  () => api.call('software.assessKev', { assetId: a.assetId, cveId: cve, affected: true }),
                                  `${a.assetTag} counts as exposed to ${cve} again.`,
                                )
                              }
                            >
                              Mark affected
                            </Button>
                          ) : (
                            <Button size="compact-xs" variant="light" onClick={() => setMarking({ cveId: cve, asset: a })}>
                              Not affected…
                            </Button>
                          )}
                        </Table.Td>
                      )}
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </Accordion.Panel>
          </Accordion.Item>
        ))}
      </Accordion>
      <NotAffectedModal target={marking} onClose={() => setMarking(null)} />
    </Stack>
  );
}

function NotAffectedModal({ target, onClose }: { target: { cveId: string; asset: KevAsset } | null; onClose: () => void }) {
  const [note, setNote] = useState('');
  const [busy, setBusy] = useState(false);
  const save = async () => {
    if (!target) return;
    setBusy(true);
    const done = await runAction(
      () => api.call('software.assessKev', { assetId: target.asset.assetId, cveId: target.cveId, affected: false, note }),
      `${target.asset.assetTag} is marked not affected by ${target.cveId}.`,
    );
    setBusy(false);
    if (done) {
      setNote('');
      onClose();
    }
  };
  return (
    <Modal opened={target !== null} onClose={onClose} title={target ? `${target.asset.assetTag}: not affected by ${target.cveId}` : ''}>
      <Stack gap="sm">
        <Text size="sm">Say why, so the next person can check it: a patched version, the feature not in use, a mitigation in place.</Text>
        <Textarea
          label="Note"
          required
          autosize
          minRows={3}
          value={note}
          onChange={(e) => setNote(e.currentTarget.value)}
          data-autofocus
          data-testid="kev-note"
        />
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            Cancel
          </Button>
          <Button loading={busy} disabled={!note.trim()} onClick={() => void save()} data-testid="kev-mark-not-affected">
            Mark not affected
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
