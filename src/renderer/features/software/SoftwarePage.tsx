/**
 * Software maintenance: load the endoflife.date product files and the CISA KEV catalogue from files the
 * user picks (no network), then see which assets run end-of-life software or are exposed to known
 * exploited vulnerabilities, grouped with the assets behind each.
 */
import { useMemo, useState } from 'react';
import { Accordion, Anchor, Badge, Button, Card, Group, SimpleGrid, Stack, Table, Tabs, Text, Title } from '@mantine/core';
import { IconFileUpload } from '@tabler/icons-react';
import { notifications } from '@mantine/notifications';
import type { EolExposure, KevExposure } from '../../../shared/api/software';
import { api, errorMessage } from '../../lib/client';
import { useCall } from '../../lib/query';
import { formatDateTime, formatNumber } from '../../lib/format';
import { Empty, ErrorState, Loading } from '../common/states';
import { assetHref, formatDay, invalidateAssetData, useCanEditAssets } from '../assets/common';
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
  return (
    <Button component="label" size="xs" variant="light" leftSection={<IconFileUpload size={14} />} loading={busy}>
      {label}
      <input
        type="file"
        accept={accept}
        multiple={multiple}
        style={{ display: 'none' }}
        data-testid={testid}
        onChange={(e) => {
          const files = [...(e.currentTarget.files ?? [])];
          e.currentTarget.value = '';
          if (files.length) onFiles(files);
        }}
      />
    </Button>
  );
}

function Catalogues() {
  const q = useCall('software.catalogues', {});
  const canEdit = useCanEditAssets();
  const [busy, setBusy] = useState<'eol' | 'kev' | null>(null);

  const importEol = async (files: File[]) => {
    setBusy('eol');
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
      setBusy(null);
    }
  };
  const importKev = async (files: File[]) => {
    setBusy('kev');
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
      setBusy(null);
    }
  };

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
          {canEdit && (
            <PickFiles
              label="Load product files (.md)"
              accept=".md,text/markdown"
              multiple
              busy={busy === 'eol'}
              onFiles={(f) => void importEol(f)}
              testid="eol-files"
            />
          )}
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
          {canEdit && (
            <PickFiles
              label="Load KEV JSON"
              accept=".json,application/json"
              busy={busy === 'kev'}
              onFiles={(f) => void importKev(f)}
              testid="kev-file"
            />
          )}
        </Group>
      </Card>
    </SimpleGrid>
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
  const q = useCall('software.eolExposure', {});
  const groups = useMemo(() => group<EolExposure>(q.data?.items ?? [], (e) => `${e.productTitle} ${e.cycle}`), [q.data]);
  if (q.error && !q.data) return <ErrorState error={q.error} onRetry={() => void q.refetch()} />;
  if (!q.data) return <Loading label="Matching installed software against end-of-life dates…" />;
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
        {groups.map(([k, rows]) => (
          <Accordion.Item key={k} value={k}>
            <Accordion.Control>
              <Group justify="space-between" wrap="nowrap">
                <Text fw={600}>{k}</Text>
                <Group gap="xs">
                  <Badge color="red" variant="light">
                    ended {formatDay(rows[0]!.eolDate)}
                  </Badge>
                  <Badge variant="light">
                    {rows.length} asset{rows.length === 1 ? '' : 's'}
                  </Badge>
                </Group>
              </Group>
            </Accordion.Control>
            <Accordion.Panel>
              <AssetsBehind rows={rows} />
            </Accordion.Panel>
          </Accordion.Item>
        ))}
      </Accordion>
    </Stack>
  );
}

function KevList() {
  const q = useCall('software.kevExposure', {});
  const groups = useMemo(() => group<KevExposure>(q.data?.items ?? [], (e) => e.cveId), [q.data]);
  if (q.error && !q.data) return <ErrorState error={q.error} onRetry={() => void q.refetch()} />;
  if (!q.data) return <Loading label="Matching installed software against the KEV catalogue…" />;
  if (groups.length === 0)
    return (
      <Empty title="No asset is exposed to a known exploited vulnerability">
        …as far as the loaded KEV catalogue and the installed-software lists tell.
      </Empty>
    );
  return (
    <Stack gap="xs" data-testid="kev-list">
      <Text size="sm">
        {formatNumber(q.data.assets)} asset{q.data.assets === 1 ? '' : 's'} exposed to {groups.length} known exploited vulnerabilit
        {groups.length === 1 ? 'y' : 'ies'}.
      </Text>
      <Accordion variant="separated" multiple>
        {groups.map(([cve, rows]) => {
          const k = rows[0]!;
          return (
            <Accordion.Item key={cve} value={cve}>
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
                    {k.dueDate && (
                      <Badge color="orange" variant="light">
                        due {formatDay(k.dueDate)}
                      </Badge>
                    )}
                    <Badge variant="light">
                      {rows.length} asset{rows.length === 1 ? '' : 's'}
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
                <AssetsBehind rows={rows} />
              </Accordion.Panel>
            </Accordion.Item>
          );
        })}
      </Accordion>
    </Stack>
  );
}
