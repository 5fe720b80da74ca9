/** Label printing: choose a sheet layout, optionally skip used positions, download the PDF. */
import { useState } from 'react';
import { Button, Group, Modal, NumberInput, SegmentedControl, Stack, Text, TextInput } from '@mantine/core';
import { IconPrinter } from '@tabler/icons-react';
import { notifications } from '@mantine/notifications';
import type { AssetFilter } from '../../../shared/api/assets';
import type { LabelLayout } from '../../../shared/api/labels';
import { api, errorMessage } from '../../lib/client';
import { useCall } from '../../lib/query';
import { downloadBase64 } from './files';
import { ErrorState, Loading } from '../common/states';

export type LabelTarget = { ids?: string[]; tags?: string[]; filter?: AssetFilter; label: string };

export function LabelsModal({ target, onClose }: { target: LabelTarget | null; onClose: () => void }) {
  return (
    <Modal opened={target !== null} onClose={onClose} title={target ? `Print labels · ${target.label}` : ''} size="lg">
      {target && <LabelsForm target={target} onDone={onClose} />}
    </Modal>
  );
}

function LabelsForm({ target, onDone }: { target: LabelTarget; onDone: () => void }) {
  const layouts = useCall('labels.layouts', {});
  const [layout, setLayout] = useState<LabelLayout>('a4-3x8');
  const [skip, setSkip] = useState<number>(0);
  const [caption, setCaption] = useState('');
  const [busy, setBusy] = useState(false);
  if (layouts.error) return <ErrorState error={layouts.error} onRetry={() => void layouts.refetch()} />;
  if (!layouts.data) return <Loading label="Loading layouts…" />;
  const info = layouts.data.items.find((l) => l.id === layout);

  const render = async () => {
    setBusy(true);
    try {
      const r = await api.call('labels.render', {
        layout,
        ids: target.ids,
        tags: target.tags,
        filter: target.filter,
        skip,
        caption: caption.trim() || undefined,
      });
      downloadBase64(r.content, r.filename, r.mime);
      notifications.show({
        color: 'green',
        message: `${r.labels} label${r.labels === 1 ? '' : 's'} on ${r.pages} page${r.pages === 1 ? '' : 's'}: ${r.filename}`,
      });
      onDone();
    } catch (e) {
      notifications.show({ color: 'red', title: 'The labels could not be made', message: errorMessage(e) });
    } finally {
      setBusy(false);
    }
  };

  return (
    <Stack gap="sm">
      <SegmentedControl
        fullWidth
        orientation="vertical"
        value={layout}
        onChange={(v) => setLayout(v as LabelLayout)}
        data={layouts.data.items.map((l) => ({ value: l.id, label: l.name }))}
        data-testid="label-layout"
      />
      {info && (
        <Text size="sm" c="dimmed">
          {info.labelWidthMm} × {info.labelHeightMm} mm labels, {info.columns} × {info.rows} per page ({info.perPage}) on {info.pageWidthMm}{' '}
          × {info.pageHeightMm} mm.
        </Text>
      )}
      <Group grow>
        <NumberInput
          label="Skip used positions"
          description="On a part-used sheet"
          min={0}
          max={info ? info.perPage - 1 : 200}
          value={skip}
          onChange={(v) => setSkip(typeof v === 'number' ? v : 0)}
        />
        <TextInput
          label="Caption"
          description="Printed under the name"
          maxLength={60}
          value={caption}
          onChange={(e) => setCaption(e.currentTarget.value)}
        />
      </Group>
      <Group justify="flex-end">
        <Button variant="default" onClick={onDone}>
          Cancel
        </Button>
        <Button leftSection={<IconPrinter size={16} />} loading={busy} onClick={() => void render()} data-testid="labels-download">
          Download PDF
        </Button>
      </Group>
    </Stack>
  );
}
