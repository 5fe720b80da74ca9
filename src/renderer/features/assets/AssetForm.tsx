/** Create or edit an asset: identity, place, purchase and lifecycle dates, notes and custom fields. Server issues show under their fields. */
import { useState } from 'react';
import { ActionIcon, Button, Group, Modal, NumberInput, Select, SimpleGrid, Stack, Text, TextInput, Textarea } from '@mantine/core';
import { IconPlus, IconTrash } from '@tabler/icons-react';
import type { Asset, CustomFieldValue } from '../../../shared/api/assets';
import { ASSET_TYPES, ASSET_TYPE_LABELS, type AssetType } from '../../../shared/assets/rules';
import { api } from '../../lib/client';
import { useCall } from '../../lib/query';
import { navigate } from '../../lib/router';
import { fieldErrors } from '../common/issues';
import { LocationSelect, runAction } from './common';

export function AssetFormModal({ open, asset, onClose }: { open: boolean; asset: Asset | null; onClose: () => void }) {
  return (
    <Modal opened={open} onClose={onClose} title={asset ? `Edit ${asset.tag}` : 'New asset'} size="xl">
      {open && <AssetForm asset={asset} onDone={onClose} />}
    </Modal>
  );
}

type Custom = { key: string; value: string }[];

function toCustom(c: Record<string, CustomFieldValue> | undefined): Custom {
  return Object.entries(c ?? {}).map(([key, v]) => ({ key, value: v === null ? '' : String(v) }));
}

function AssetForm({ asset, onDone }: { asset: Asset | null; onDone: () => void }) {
  const sites = useCall('sites.list', {});
  const [f, setF] = useState({
    tag: asset?.tag ?? '',
    name: asset?.name ?? '',
    type: (asset?.type ?? 'laptop') as AssetType,
    category: asset?.category ?? '',
    manufacturer: asset?.manufacturer ?? '',
    model: asset?.model ?? '',
    modelNumber: asset?.modelNumber ?? '',
    serial: asset?.serial ?? '',
    siteId: asset?.siteId ?? null,
    locationId: asset?.locationId ?? null,
    homeLocationId: asset?.homeLocationId ?? null,
    purchaseDate: asset?.purchaseDate ?? '',
    cost: asset?.cost ?? null,
    supplier: asset?.supplier ?? '',
    orderNumber: asset?.orderNumber ?? '',
    warrantyEnd: asset?.warrantyEnd ?? '',
    eolDate: asset?.eolDate ?? '',
    nextAuditAt: asset?.nextAuditAt ?? '',
    notes: asset?.notes ?? '',
  });
  const [custom, setCustom] = useState<Custom>(toCustom(asset?.customFields));
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);
  const set = <K extends keyof typeof f>(k: K, v: (typeof f)[K]) => setF((x) => ({ ...x, [k]: v }));
  const text = (v: string) => v.trim() || null;
  const err = (k: string) => errors[k] ?? errors[`fields.${k}`];

  const save = async () => {
    const keys = custom.map((c) => c.key.trim()).filter(Boolean);
    if (new Set(keys.map((k) => k.toLowerCase())).size !== keys.length)
      return setErrors({ customFields: 'Two custom fields have the same name.' });
    const customFields: Record<string, CustomFieldValue> = {};
    for (const c of custom) if (c.key.trim()) customFields[c.key.trim()] = c.value.trim() === '' ? null : c.value.trim();
    const fields = {
      tag: f.tag,
      name: f.name,
      type: f.type,
      category: text(f.category),
      manufacturer: text(f.manufacturer),
      model: text(f.model),
      modelNumber: text(f.modelNumber),
      serial: text(f.serial),
      locationId: f.locationId,
      homeLocationId: f.homeLocationId,
      purchaseDate: text(f.purchaseDate),
      cost: f.cost,
      supplier: text(f.supplier),
      orderNumber: text(f.orderNumber),
      warrantyEnd: text(f.warrantyEnd),
      eolDate: text(f.eolDate),
      nextAuditAt: text(f.nextAuditAt),
      notes: text(f.notes),
      customFields,
      ...(f.siteId ? { siteId: f.siteId } : {}),
    };
    setBusy(true);
    setErrors({});
    let failure: unknown = null;
    const r = await runAction(
      async () => {
        try {
          return asset ? await api.call('assets.update', { id: asset.id, fields }) : await api.call('assets.create', fields);
        } catch (e) {
          failure = e;
          throw e;
        }
      },
      (a) => (asset ? `Saved ${a.tag}.` : `Created ${a.tag}.`),
    );
    setBusy(false);
    if (r) {
      onDone();
      if (!asset || r.tag !== asset.tag) navigate(`/assets/${encodeURIComponent(r.tag)}`);
    } else if (failure) setErrors(fieldErrors(failure));
  };

  return (
    <Stack gap="sm">
      <SimpleGrid cols={3}>
        <TextInput
          label="Asset tag"
          required
          value={f.tag}
          onChange={(e) => set('tag', e.currentTarget.value)}
          error={err('tag')}
          data-autofocus
          data-testid="asset-form-tag"
        />
        <TextInput
          label="Name"
          required
          value={f.name}
          onChange={(e) => set('name', e.currentTarget.value)}
          error={err('name')}
          data-testid="asset-form-name"
        />
        <Select
          label="Type"
          data={ASSET_TYPES.map((t) => ({ value: t, label: ASSET_TYPE_LABELS[t] }))}
          value={f.type}
          onChange={(v) => v && set('type', v as AssetType)}
          allowDeselect={false}
        />
        <TextInput label="Category" value={f.category} onChange={(e) => set('category', e.currentTarget.value)} error={err('category')} />
        <TextInput label="Manufacturer" value={f.manufacturer} onChange={(e) => set('manufacturer', e.currentTarget.value)} />
        <TextInput label="Model" value={f.model} onChange={(e) => set('model', e.currentTarget.value)} />
        <TextInput label="Model number" value={f.modelNumber} onChange={(e) => set('modelNumber', e.currentTarget.value)} />
        <TextInput label="Serial" value={f.serial} onChange={(e) => set('serial', e.currentTarget.value)} error={err('serial')} />
        <Select
          label="Site"
          placeholder="The first site"
          data={(sites.data?.items ?? []).map((s) => ({ value: s.id, label: s.name }))}
          value={f.siteId}
          onChange={(v) => set('siteId', v)}
        />
        <LocationSelect
          label="Location"
          siteId={f.siteId ?? undefined}
          value={f.locationId}
          onChange={(v) => set('locationId', v)}
          error={err('locationId')}
        />
        <LocationSelect
          label="Home location"
          description="Where it goes back to at check-in"
          siteId={f.siteId ?? undefined}
          value={f.homeLocationId}
          onChange={(v) => set('homeLocationId', v)}
          error={err('homeLocationId')}
          data-testid="asset-home-location"
        />
        <TextInput
          type="date"
          label="Purchased"
          value={f.purchaseDate}
          onChange={(e) => set('purchaseDate', e.currentTarget.value)}
          error={err('purchaseDate')}
        />
        <NumberInput
          label="Cost"
          min={0}
          decimalScale={2}
          value={f.cost ?? ''}
          onChange={(v) => set('cost', typeof v === 'number' ? v : null)}
          error={err('cost')}
        />
        <TextInput label="Supplier" value={f.supplier} onChange={(e) => set('supplier', e.currentTarget.value)} />
        <TextInput label="Order number" value={f.orderNumber} onChange={(e) => set('orderNumber', e.currentTarget.value)} />
        <TextInput
          type="date"
          label="Warranty ends"
          value={f.warrantyEnd}
          onChange={(e) => set('warrantyEnd', e.currentTarget.value)}
          error={err('warrantyEnd')}
        />
        <TextInput
          type="date"
          label="End of life"
          value={f.eolDate}
          onChange={(e) => set('eolDate', e.currentTarget.value)}
          error={err('eolDate')}
        />
        <TextInput
          type="date"
          label="Next audit"
          value={f.nextAuditAt}
          onChange={(e) => set('nextAuditAt', e.currentTarget.value)}
          error={err('nextAuditAt')}
        />
      </SimpleGrid>
      <Textarea label="Notes" autosize minRows={2} value={f.notes} onChange={(e) => set('notes', e.currentTarget.value)} />
      <Stack gap={4}>
        <Group justify="space-between">
          <Text size="sm" fw={500}>
            Custom fields
          </Text>
          <Button
            size="compact-xs"
            variant="subtle"
            leftSection={<IconPlus size={12} />}
            onClick={() => setCustom((c) => [...c, { key: '', value: '' }])}
          >
            Add field
          </Button>
        </Group>
        {custom.map((c, i) => (
          <Group key={i} gap="xs" wrap="nowrap">
            <TextInput
              size="xs"
              placeholder="Field"
              value={c.key}
              onChange={(e) => {
                const v = e.currentTarget.value;
                setCustom((x) => x.map((y, j) => (j === i ? { ...y, key: v } : y)));
              }}
              style={{ flex: 1 }}
              aria-label="Custom field name"
            />
            <TextInput
              size="xs"
              placeholder="Value"
              value={c.value}
              onChange={(e) => {
                const v = e.currentTarget.value;
                setCustom((x) => x.map((y, j) => (j === i ? { ...y, value: v } : y)));
              }}
              style={{ flex: 2 }}
              aria-label="Custom field value"
            />
            <ActionIcon
              variant="subtle"
              color="red"
              onClick={() => setCustom((x) => x.filter((_, j) => j !== i))}
              aria-label="Remove field"
            >
              <IconTrash size={14} />
            </ActionIcon>
          </Group>
        ))}
        {err('customFields') && (
          <Text size="xs" c="red">
            {err('customFields')}
          </Text>
        )}
      </Stack>
      <Group justify="flex-end">
        <Button variant="default" onClick={onDone}>
          Cancel
        </Button>
        <Button onClick={() => void save()} loading={busy} data-testid="asset-form-save">
          {asset ? 'Save' : 'Create asset'}
        </Button>
      </Group>
    </Stack>
  );
}
