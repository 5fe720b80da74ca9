/** What the change screens share: status colours, the collision badge and the new-change dialog (also opened from a problem). */
import { useState } from 'react';
import { Badge, Button, Group, Modal, SegmentedControl, Stack, TextInput, Tooltip } from '@mantine/core';
import { IconAlertTriangle } from '@tabler/icons-react';
import { notifications } from '@mantine/notifications';
import { CHANGE_TYPES, CHANGE_TYPE_LABELS, type ChangeStatus, type ChangeType } from '../../../shared/itsm/rules';
import type { ChangeSummary } from '../../../shared/api/changes';
import { api, errorMessage } from '../../lib/client';
import { invalidate } from '../../lib/query';
import { navigate } from '../../lib/router';

export const CHANGE_STATUS_COLORS: Record<ChangeStatus, string> = {
  draft: 'gray',
  assessment: 'blue',
  awaiting_approval: 'yellow',
  scheduled: 'teal',
  implementing: 'violet',
  review: 'indigo',
  closed: 'gray',
  rejected: 'red',
  cancelled: 'gray',
};

export function CollisionBadge({ c }: { c: ChangeSummary }) {
  if (!c.collisions.length) return null;
  const text = c.collisions.map((x) => `${x.number} (${[x.sameSite ? 'same site' : null, x.assetTags.length ? `asset ${x.assetTags.join(', ')}` : null].filter(Boolean).join(', ')})`).join('; ');
  return (
    <Tooltip label={`Overlaps ${text}`}>
      <Badge size="sm" color="red" variant="light" leftSection={<IconAlertTriangle size={12} />} data-testid="change-collision">
        Collides with {c.collisions.map((x) => x.number).join(', ')}
      </Badge>
    </Tooltip>
  );
}

/** A new change (optionally the fix of a problem). */
export function NewChange({ onClose, problemId, defaultTitle }: { onClose: () => void; problemId?: string; defaultTitle?: string }) {
  const [title, setTitle] = useState(defaultTitle ?? '');
  const [type, setType] = useState<ChangeType>('normal');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const save = async () => {
    setBusy(true);
    try {
      const c = await api.call('changes.create', { title, type, ...(problemId ? { problemId } : {}) });
      invalidate((n) => n.startsWith('changes.') || n.startsWith('problems.'));
      notifications.show({ color: 'green', message: `${c.number} drafted.` });
      onClose();
      navigate(`/changes/${c.id}`);
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Modal opened onClose={onClose} title={problemId ? 'Create the fixing change' : 'New change'}>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (title.trim()) void save();
        }}
      >
        <Stack>
          <TextInput label="Title" value={title} onChange={(e) => setTitle(e.currentTarget.value)} data-autofocus required error={error} data-testid="change-title" />
          <SegmentedControl aria-label="Type" value={type} onChange={(v) => setType(v as ChangeType)} data={CHANGE_TYPES.map((t) => ({ value: t, label: CHANGE_TYPE_LABELS[t] }))} />
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={busy} disabled={!title.trim()} data-testid="change-save">
              Draft change
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

