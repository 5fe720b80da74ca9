/** One asset: identity with QR, status and lifecycle, assignment, location, dates, software, licences, tickets, audits, custom fields. */
import { useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { Anchor, Badge, Button, Card, Group, Image, Menu, SimpleGrid, Stack, Table, Text, TextInput, Timeline, Title } from '@mantine/core';
import { useVirtualizer } from '@tanstack/react-virtual';
import { IconArrowLeft, IconChevronDown, IconLogin, IconLogout, IconMapPin, IconPencil, IconPrinter, IconSearch } from '@tabler/icons-react';
import QRCode from 'qrcode';
import type { AssetDetail, AssetTimelineEntry } from '../../../shared/api/assets';
import { ASSET_STATUS_LABELS, ASSET_TRANSITIONS, ASSET_TYPE_LABELS, type AssetStatus } from '../../../shared/assets/rules';
import { ApiCallError } from '../../lib/client';
import { useCall } from '../../lib/query';
import { navigate } from '../../lib/router';
import { formatAge, formatDateTime } from '../../lib/format';
import { Empty, ErrorState, Loading } from '../common/states';
import { ConflictBadge } from '../sync/ConflictsPage';
import { StatusBadge, UUID_RE, assetHref, formatDay, formatMoney, today, useCanEditAssets } from './common';
import { AssetActionModal, type AssetAction } from './ActionModals';
import { LabelsModal } from './LabelsModal';
import { AddSoftware, MaintenanceSection } from './MaintenanceSection';
import { AssetFormModal } from './AssetForm';
import { AssetRisks } from '../risks/AssetRisks';

export function AssetPage({ refText }: { refText: string }) {
  const input = UUID_RE.test(refText) ? { id: refText } : { tag: refText };
  const q = useCall('assets.get', input);
  if (q.error && !q.data) {
    if (q.error instanceof ApiCallError && q.error.code === 'not_found') {
      return (
        <Empty
          title={`No asset has the tag ${refText}`}
          action={
            <Button variant="light" onClick={() => navigate('/assets')}>
              Back to the asset list
            </Button>
          }
        >
          Check the label, or import the asset first. Scanned tags are matched without regard to case.
        </Empty>
      );
    }
    return <ErrorState error={q.error} onRetry={() => void q.refetch()} />;
  }
  if (!q.data) return <Loading label="Loading the asset…" />;
  return <AssetView a={q.data} />;
}

function useQr(text: string): string | null {
  const [url, setUrl] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    QRCode.toDataURL(text, { margin: 1, width: 160, errorCorrectionLevel: 'M' }).then(
      (u) => live && setUrl(u),
      () => live && setUrl(null),
    );
    return () => {
      live = false;
    };
  }, [text]);
  return url;
}

function Field({ label, children }: { label: string; children: ReactNode }) {
  return (
    <Group gap="xs" wrap="nowrap" align="flex-start">
      <Text size="sm" c="dimmed" w={130} style={{ flexShrink: 0 }}>
        {label}
      </Text>
      <Text size="sm" component="div" style={{ minWidth: 0, overflowWrap: 'anywhere' }}>
        {children ?? '—'}
      </Text>
    </Group>
  );
}

function Section({ title, children, right }: { title: string; children: ReactNode; right?: ReactNode }) {
  return (
    <Card withBorder padding="md">
      <Group justify="space-between" mb="xs">
        <Text fw={600}>{title}</Text>
        {right}
      </Group>
      {children}
    </Card>
  );
}

function AssetView({ a }: { a: AssetDetail }) {
  const canEdit = useCanEditAssets();
  const qr = useQr(a.tag);
  const [action, setAction] = useState<AssetAction | null>(null);
  const [statusTo, setStatusTo] = useState<AssetStatus | undefined>(undefined);
  const [labelsOpen, setLabelsOpen] = useState(false);
  const [editOpen, setEditOpen] = useState(false);
  const allowed = ASSET_TRANSITIONS[a.status];
  const audits = a.timeline.filter((t): t is Extract<AssetTimelineEntry, { kind: 'audit' }> => t.kind === 'audit');
  const customEntries = Object.entries(a.customFields);
  const warrantyColor = a.warrantyEnd ? (a.warrantyEnd < today() ? 'red' : a.warrantyEnd < today(30) ? 'orange' : undefined) : undefined;

  return (
    <div style={{ overflow: 'auto', height: '100%' }} data-testid="asset-page">
      <Stack p="md" gap="md" maw={1280}>
        <Group justify="space-between" align="flex-start">
          <Stack gap={4}>
            <Anchor size="sm" href="#/assets">
              <Group gap={4}>
                <IconArrowLeft size={14} /> Assets
              </Group>
            </Anchor>
            <Group gap="sm">
              <Title order={2} ff="monospace" data-testid="asset-tag">
                {a.tag}
              </Title>
              <StatusBadge status={a.status} label={a.statusLabel} />
              {canEdit && <ConflictBadge recordId={a.id} />}
            </Group>
            <Text size="lg">{a.name}</Text>
          </Stack>
          <Group gap="xs">
            {canEdit && (
              <>
                {a.assignedToId || a.status === 'deployed' ? (
                  <Button
                    leftSection={<IconLogin size={16} />}
                    variant="light"
                    onClick={() => setAction('checkin')}
                    data-testid="asset-checkin"
                  >
                    Check in
                  </Button>
                ) : null}
                {allowed.includes('deployed') || a.status === 'deployed' ? (
                  <Button leftSection={<IconLogout size={16} />} onClick={() => setAction('checkout')} data-testid="asset-checkout">
                    Check out
                  </Button>
                ) : null}
                <Button leftSection={<IconPencil size={16} />} variant="default" onClick={() => setEditOpen(true)} data-testid="asset-edit">
                  Edit
                </Button>
                <Button leftSection={<IconMapPin size={16} />} variant="default" onClick={() => setAction('move')}>
                  Move
                </Button>
                <Menu withinPortal position="bottom-end">
                  <Menu.Target>
                    <Button
                      variant="default"
                      rightSection={<IconChevronDown size={14} />}
                      disabled={allowed.length === 0}
                      data-testid="asset-status-menu"
                    >
                      Status
                    </Button>
                  </Menu.Target>
                  <Menu.Dropdown>
                    {allowed.map((s) => (
                      <Menu.Item
                        key={s}
                        onClick={() => {
                          setStatusTo(s);
                          setAction('status');
                        }}
                      >
                        {ASSET_STATUS_LABELS[s]}…
                      </Menu.Item>
                    ))}
                  </Menu.Dropdown>
                </Menu>
              </>
            )}
            <Button variant="default" leftSection={<IconPrinter size={16} />} onClick={() => setLabelsOpen(true)}>
              Label
            </Button>
          </Group>
        </Group>

        <SimpleGrid cols={{ base: 1, md: 2, xl: 3 }} spacing="md">
          <Section title="Identity">
            <Stack gap="sm">
              <Stack gap={6}>
                <Field label="Type">{ASSET_TYPE_LABELS[a.type]}</Field>
                <Field label="Category">{a.category}</Field>
                <Field label="Manufacturer">{a.manufacturer}</Field>
                <Field label="Model">{a.model ? `${a.model}${a.modelNumber ? ` (${a.modelNumber})` : ''}` : null}</Field>
                <Field label="Serial">
                  {a.serial ? (
                    <Text span ff="monospace" size="sm">
                      {a.serial}
                    </Text>
                  ) : null}
                </Field>
                {a.uuid && <Field label="Hardware UUID">{a.uuid}</Field>}
              </Stack>
              {/* Below the fields, not beside them: a long serial keeps the card's full width. */}
              {qr && (
                <Group gap="sm" wrap="nowrap">
                  <Image src={qr} w={96} h={96} alt={`QR code for ${a.tag}`} data-testid="asset-qr" />
                  <Text size="xs" c="dimmed">
                    Scanning this code opens {a.tag}. Print it on a label with Label.
                  </Text>
                </Group>
              )}
            </Stack>
          </Section>

          <Section title="Assignment">
            <Stack gap={6}>
              <Field label="Assigned to">
                {a.assignedToName ? (
                  <span data-testid="asset-assignee">{a.assignedToName}</span>
                ) : (
                  <Text span c="dimmed" size="sm">
                    Nobody
                  </Text>
                )}
              </Field>
              <Field label="Checked out">{a.checkedOutAt ? formatDateTime(a.checkedOutAt) : null}</Field>
              <Field label="Expected return">
                {a.expectedReturn ? (
                  <Text span size="sm" c={a.expectedReturn < today() ? 'red' : undefined}>
                    {formatDay(a.expectedReturn)}
                    {a.expectedReturn < today() ? ' (overdue)' : ''}
                  </Text>
                ) : null}
              </Field>
              <Field label="Location">{a.locationPath ?? a.locationName ?? a.siteName}</Field>
              <Field label="Home location">{a.homeLocationPath}</Field>
              <Field label="Site">{a.siteName}</Field>
            </Stack>
          </Section>

          <Section title="Purchase and lifecycle">
            <Stack gap={6}>
              <Field label="Purchased">{a.purchaseDate ? formatDay(a.purchaseDate) : null}</Field>
              <Field label="Cost">{a.cost !== null ? formatMoney(a.cost) : null}</Field>
              <Field label="Supplier">{a.supplier}</Field>
              <Field label="Order number">{a.orderNumber}</Field>
              <Field label="Warranty ends">
                {a.warrantyEnd ? (
                  <Text span size="sm" c={warrantyColor}>
                    {formatDay(a.warrantyEnd)}
                  </Text>
                ) : null}
              </Field>
              <Field label="End of life">{a.eolDate ? formatDay(a.eolDate) : null}</Field>
              <Field label="Last audit">{a.lastAuditAt ? lastAudit(a.lastAuditAt, audits) : null}</Field>
              <Field label="Next audit">{a.nextAuditAt ? formatDay(a.nextAuditAt) : null}</Field>
            </Stack>
          </Section>

          {a.hardware && (
            <Section title="Hardware (from inventory)">
              <Stack gap={6}>
                <Field label="Operating system">{[a.hardware.os, a.hardware.osVersion].filter(Boolean).join(' ') || null}</Field>
                <Field label="CPU">
                  {a.hardware.cpu ? `${a.hardware.cpu}${a.hardware.cores ? ` · ${a.hardware.cores} cores` : ''}` : null}
                </Field>
                <Field label="Memory">{a.hardware.memoryMb !== null ? `${Math.round(a.hardware.memoryMb / 1024)} GB` : null}</Field>
                <Field label="Disk">{a.hardware.diskGb !== null ? `${a.hardware.diskGb} GB` : null}</Field>
                <Field label="IP addresses">{a.hardware.ipAddresses.join(', ') || null}</Field>
                <Field label="Last user">{a.hardware.lastUser}</Field>
                <Field label="Last inventory">{a.lastInventoryAt ? formatDateTime(a.lastInventoryAt) : null}</Field>
              </Stack>
            </Section>
          )}

          <Section title="Custom fields">
            {customEntries.length === 0 ? (
              <Text size="sm" c="dimmed">
                None for this asset.
              </Text>
            ) : (
              <Stack gap={6}>
                {customEntries.map(([k, v]) => (
                  <Field key={k} label={k}>
                    {v === null ? null : String(v)}
                  </Field>
                ))}
              </Stack>
            )}
          </Section>

          <Section title="Relations">
            {a.relations.length === 0 ? (
              <Text size="sm" c="dimmed">
                Not part of or connected to other assets.
              </Text>
            ) : (
              <Stack gap={4}>
                {a.relations.map((r) => (
                  <Text size="sm" key={r.id}>
                    {r.kind === 'part_of' ? (r.direction === 'outgoing' ? 'Part of ' : 'Contains ') : 'Connected to '}
                    <Anchor href={assetHref(r.otherTag)}>{r.otherTag}</Anchor> {r.otherName}
                  </Text>
                ))}
              </Stack>
            )}
          </Section>
        </SimpleGrid>

        <SimpleGrid cols={{ base: 1, lg: 2 }} spacing="md">
          <Section title={`Installed software (${a.software.length})`}>
            {a.software.length === 0 ? (
              <Text size="sm" c="dimmed">
                Nothing recorded. Inventory imports fill this in.
              </Text>
            ) : (
              <SoftwareTable software={a.software} />
            )}
            {canEdit && <AddSoftware assetId={a.id} />}
          </Section>
          <Stack gap="md">
            <Section title="Licences">
              {a.licences.length === 0 ? (
                <Text size="sm" c="dimmed">
                  No licence seat is assigned to this asset.
                </Text>
              ) : (
                <Stack gap={4}>
                  {a.licences.map((l) => (
                    <Text size="sm" key={l.assignmentId}>
                      <Anchor href={`#/licences?product=${encodeURIComponent(l.productName)}`}>{l.productName}</Anchor> ·{' '}
                      {l.type.replace('_', ' ')}
                    </Text>
                  ))}
                </Stack>
              )}
            </Section>
            <Section title="Linked tickets">
              {a.tickets.length === 0 ? (
                <Text size="sm" c="dimmed">
                  No ticket mentions this asset.
                </Text>
              ) : (
                <Stack gap={4}>
                  {a.tickets.map((t) => (
                    <Group key={t.id} gap="xs">
                      <Anchor size="sm" href={`#/queue/${encodeURIComponent(t.number)}`} ff="monospace">
                        {t.number}
                      </Anchor>
                      <Text size="sm" style={{ flex: 1 }} truncate>
                        {t.title}
                      </Text>
                      <Badge size="xs" variant="light">
                        {t.status.replace('_', ' ')}
                      </Badge>
                    </Group>
                  ))}
                </Stack>
              )}
            </Section>
            <Section title="Audits">
              {audits.length === 0 ? (
                <Text size="sm" c="dimmed">
                  Never scanned in an audit.
                </Text>
              ) : (
                <Stack gap={4}>
                  {audits.map((t) => (
                    <Text size="sm" key={t.id}>
                      <Anchor href={`#/audits/${t.auditId}`}>{t.result}</Anchor> at {t.locationName ?? 'an audit'} · {formatDateTime(t.at)}{' '}
                      by {t.actorName}
                    </Text>
                  ))}
                </Stack>
              )}
            </Section>
          </Stack>
        </SimpleGrid>

        <AssetRisks assetId={a.id} assetLabel={`${a.tag} ${a.name}`} />

        <MaintenanceSection assetId={a.id} />

        {a.notes && (
          <Section title="Notes">
            <Text size="sm" style={{ whiteSpace: 'pre-wrap' }}>
              {a.notes}
            </Text>
          </Section>
        )}

        <Section title="History">
          {a.timeline.length === 0 ? (
            <Text size="sm" c="dimmed">
              No changes recorded yet.
            </Text>
          ) : (
            <Timeline bulletSize={14} lineWidth={2} data-testid="asset-timeline">
              {[...a.timeline].reverse().map((t) => (
                <Timeline.Item key={t.id} title={<Text size="sm">{describe(t)}</Text>}>
                  <Text size="xs" c="dimmed" title={formatDateTime(t.at)}>
                    {formatAge(t.at)} · {t.actorName}
                  </Text>
                </Timeline.Item>
              ))}
            </Timeline>
          )}
        </Section>
      </Stack>
      {action && (
        <AssetActionModal
          action={action}
          target={{ kind: 'one', id: a.id, status: a.status, label: a.tag }}
          initialStatus={statusTo}
          onClose={() => setAction(null)}
        />
      )}
      <AssetFormModal open={editOpen} asset={a} onClose={() => setEditOpen(false)} />
      <LabelsModal target={labelsOpen ? { ids: [a.id], label: a.tag } : null} onClose={() => setLabelsOpen(false)} />
    </div>
  );
}

const SOFTWARE_ROW = 30;
const cell = { overflow: 'hidden', textOverflow: 'ellipsis', whiteSpace: 'nowrap' } as const;

/** Installed software, virtualised: an inventoried server lists thousands of packages. */
function SoftwareTable({ software }: { software: AssetDetail['software'] }) {
  const [text, setText] = useState('');
  const rows = useMemo(() => {
    const t = text.trim().toLowerCase();
    return t ? software.filter((s) => `${s.name} ${s.version ?? ''} ${s.vendor ?? ''}`.toLowerCase().includes(t)) : software;
  }, [software, text]);
  const scrollRef = useRef<HTMLDivElement>(null);
  const virt = useVirtualizer({ count: rows.length, getScrollElement: () => scrollRef.current, estimateSize: () => SOFTWARE_ROW, overscan: 10 });
  const items = virt.getVirtualItems();
  const padTop = items[0]?.start ?? 0;
  const padBottom = virt.getTotalSize() - (items.at(-1)?.end ?? 0);
  return (
    <Stack gap="xs">
      {software.length > 10 && (
        <TextInput
          size="xs"
          placeholder={`Filter ${software.length} packages by name, version or vendor`}
          aria-label="Filter installed software"
          leftSection={<IconSearch size={14} />}
          value={text}
          onChange={(e) => setText(e.currentTarget.value)}
          data-testid="software-filter"
        />
      )}
      <div ref={scrollRef} style={{ maxHeight: 320, overflow: 'auto' }} data-testid="software-scroll" tabIndex={0} aria-label="Installed software">
        <Table fz="sm" stickyHeader layout="fixed" data-testid="software-table">
          <Table.Thead>
            <Table.Tr>
              <Table.Th w="50%">Name</Table.Th>
              <Table.Th w="20%">Version</Table.Th>
              <Table.Th w="30%">Vendor</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {padTop > 0 && <tr aria-hidden style={{ height: padTop }} />}
            {items.map((v) => {
              const s = rows[v.index]!;
              return (
                <Table.Tr key={s.id} style={{ height: SOFTWARE_ROW }} data-testid="software-row">
                  <Table.Td style={cell} title={s.name}>
                    {s.name}
                  </Table.Td>
                  <Table.Td style={cell} title={s.version ?? undefined}>
                    {s.version ?? '—'}
                  </Table.Td>
                  <Table.Td style={cell} title={s.vendor ?? undefined}>
                    {s.vendor ?? '—'}
                  </Table.Td>
                </Table.Tr>
              );
            })}
            {padBottom > 0 && <tr aria-hidden style={{ height: padBottom }} />}
          </Table.Tbody>
        </Table>
        {rows.length === 0 && (
          <Text size="sm" c="dimmed" p="xs">
            No package matches “{text}”.
          </Text>
        )}
      </div>
    </Stack>
  );
}

/**
 * The register keeps the day of the last audit; the scan that day has the time. A day alone is shown
 * as a date, never as midnight.
 */
function lastAudit(day: string, audits: Extract<AssetTimelineEntry, { kind: 'audit' }>[]): string {
  const scan = audits.filter((t) => t.at.slice(0, 10) === day).at(-1);
  return scan ? formatDateTime(scan.at) : formatDay(day);
}

function describe(t: AssetTimelineEntry): string {
  switch (t.kind) {
    case 'status':
      return `Status ${t.from ? `${ASSET_STATUS_LABELS[t.from]} → ` : ''}${ASSET_STATUS_LABELS[t.to]}${t.reason ? `: ${t.reason}` : ''}`;
    case 'assignment': {
      const who = t.assignedToName ?? null;
      const where = t.locationName ?? null;
      const verb = t.action === 'checkout' ? 'Checked out' : t.action === 'checkin' ? 'Checked in' : 'Moved';
      const parts = [
        who && `to ${who}`,
        where && (t.action === 'checkout' ? `at ${where}` : `to ${where}`),
        t.expectedReturn && `return by ${formatDay(t.expectedReturn)}`,
      ].filter(Boolean);
      return `${verb}${parts.length ? ` ${parts.join(', ')}` : ''}${t.note ? ` · ${t.note}` : ''}`;
    }
    case 'audit':
      return `Audit: ${t.result}${t.locationName ? ` at ${t.locationName}` : ''}`;
    case 'field':
      return `${t.field}: ${t.from ?? '—'} → ${t.to ?? '—'}`;
    case 'inventory':
      return `Inventory from ${t.source}${t.note ? `: ${t.note}` : ''}`;
    case 'import':
      return t.action === 'created' ? 'Imported from a file' : `Updated by an import: ${t.fields.join(', ') || 'no fields'}`;
  }
}
