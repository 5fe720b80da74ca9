/** Check-out, check-in, move and status forms, used for one asset and for bulk selections or scanned batches. */
import { useState } from 'react';
import { Button, Group, Modal, Select, Stack, Text, TextInput, Textarea } from '@mantine/core';
import { ASSET_STATUSES, ASSET_STATUS_LABELS, ASSET_TRANSITIONS, type AssetStatus } from '../../../shared/assets/rules';
import { api } from '../../lib/client';
import { LocationSelect, PersonSelect, runAction, today } from './common';

export type AssetAction = 'checkout' | 'checkin' | 'move' | 'status';

/** What the action applies to: one asset, a selection of ids, or a batch of scanned tags. */
export type ActionTarget =
  { kind: 'one'; id: string; status: AssetStatus; label: string } | { kind: 'many'; ids?: string[]; tags?: string[]; label: string };

const TITLES: Record<AssetAction, string> = {
  checkout: 'Check out',
  checkin: 'Check in',
  move: 'Move to a location',
  status: 'Change status',
};

export function AssetActionModal({
  action,
  target,
  onClose,
  initialStatus,
}: {
  action: AssetAction | null;
  target: ActionTarget;
  onClose: () => void;
  initialStatus?: AssetStatus;
}) {
  return (
    <Modal opened={action !== null} onClose={onClose} title={action ? `${TITLES[action]} · ${target.label}` : ''} size="md">
      {action && <ActionForm action={action} target={target} onDone={onClose} initialStatus={initialStatus} />}
    </Modal>
  );
}

function ActionForm({
  action,
  target,
  onDone,
  initialStatus,
}: {
  action: AssetAction;
  target: ActionTarget;
  onDone: () => void;
  initialStatus?: AssetStatus;
}) {
  const [person, setPerson] = useState<string | null>(null);
  const [location, setLocation] = useState<string | null>(null);
  const [expectedReturn, setExpectedReturn] = useState('');
  const [note, setNote] = useState('');
  const [to, setTo] = useState<AssetStatus | null>(initialStatus ?? null);
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);

  const statusOptions = (target.kind === 'one' ? ASSET_TRANSITIONS[target.status] : ASSET_STATUSES).map((s) => ({
    value: s,
    label: ASSET_STATUS_LABELS[s],
  }));

  const submit = async () => {
    setProblem(null);
    if (action === 'checkout' && !person && !location) return setProblem('Choose a person, a location, or both.');
    if (action === 'move' && !location) return setProblem('Choose where the assets go.');
    if (action === 'status' && !to) return setProblem('Choose the new status.');
    if (expectedReturn && expectedReturn < today()) return setProblem('The expected return date is in the past.');
    setBusy(true);
    const trimmedNote = note.trim() || undefined;
    const co = { assignedToId: person, locationId: location, expectedReturn: expectedReturn || null, note: trimmedNote };
    try {
      if (target.kind === 'one') {
        const id = target.id;
        const ok = await runAction(async () => {
          if (action === 'checkout') return api.call('assets.checkout', { id, ...co });
          if (action === 'checkin') return api.call('assets.checkin', { id, locationId: location, note: trimmedNote });
          if (action === 'move') return api.call('assets.update', { id, fields: { locationId: location } });
          return api.call('assets.transition', { id, to: to!, reason: trimmedNote });
        }, `${TITLES[action]}: done.`);
        if (ok) onDone();
      } else {
        const targets = { ids: target.ids?.length ? target.ids : undefined, tags: target.tags?.length ? target.tags : undefined };
        const act =
          action === 'checkout'
            ? ({ kind: 'checkout', ...co } as const)
            : action === 'checkin'
              ? ({ kind: 'checkin', locationId: location, note: trimmedNote } as const)
              : action === 'move'
                ? ({ kind: 'move', locationId: location! } as const)
                : ({ kind: 'status', to: to!, reason: trimmedNote } as const);
        const r = await runAction(
          () => api.call('assets.bulk', { targets, action: act }),
          (v) => `${TITLES[action]}: ${v.updated} updated${v.failed.length ? `, ${v.failed.length} not changed` : ''}.`,
        );
        if (r && r.failed.length) {
          setProblem(
            r.failed
              .slice(0, 8)
              .map((f) => `${f.ref}: ${f.message}`)
              .join('\n') + (r.failed.length > 8 ? `\n…and ${r.failed.length - 8} more` : ''),
          );
        } else if (r) onDone();
      }
    } finally {
      setBusy(false);
    }
  };

  return (
    <Stack gap="sm">
      {action === 'checkout' && (
        <>
          <PersonSelect
            label="To person"
            value={person}
            onChange={setPerson}
            data-autofocus
            data-testid="checkout-person"
            comboboxProps={{ withinPortal: true }}
          />
          <LocationSelect label="At location" value={location} onChange={setLocation} data-testid="checkout-location" />
          <TextInput
            type="date"
            label="Expected return"
            value={expectedReturn}
            onChange={(e) => setExpectedReturn(e.currentTarget.value)}
            min={today()}
          />
        </>
      )}
      {(action === 'checkin' || action === 'move') && (
        <LocationSelect
          label={action === 'move' ? 'Location' : 'Back to location'}
          placeholder={action === 'checkin' ? 'Its home location, if it has one' : undefined}
          value={location}
          onChange={setLocation}
          data-testid="action-location"
        />
      )}
      {action === 'status' && (
        <Select
          label="New status"
          data={statusOptions}
          value={to}
          onChange={(v) => setTo(v as AssetStatus | null)}
          data-testid="status-to"
          allowDeselect={false}
        />
      )}
      {action !== 'move' && (
        <Textarea
          label={action === 'status' ? 'Reason' : 'Note'}
          autosize
          minRows={2}
          value={note}
          onChange={(e) => setNote(e.currentTarget.value)}
        />
      )}
      {problem && (
        <Text c="red" size="sm" style={{ whiteSpace: 'pre-line' }} data-testid="action-problem">
          {problem}
        </Text>
      )}
      <Group justify="flex-end">
        <Button variant="default" onClick={onDone}>
          Cancel
        </Button>
        <Button onClick={() => void submit()} loading={busy} data-testid="action-submit">
          {TITLES[action]}
        </Button>
      </Group>
    </Stack>
  );
}
