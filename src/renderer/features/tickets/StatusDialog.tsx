/**
 * Changing status: lists only the transitions the state machine allows from the current status;
 * Pending asks why, Resolved asks for a resolution code and notes. Works for one ticket or a bulk selection.
 */
import { useEffect, useState } from 'react';
import { create } from 'zustand';
import { Button, Group, Kbd, Modal, Select, SimpleGrid, Stack, Text, Textarea } from '@mantine/core';
import {
  PENDING_REASONS,
  PENDING_REASON_LABELS,
  RESOLUTION_CODES,
  RESOLUTION_LABELS,
  STATUS_LABELS,
  TICKET_STATUSES,
  TRANSITIONS,
  type PendingReason,
  type ResolutionCode,
  type TicketStatus,
} from '../../../shared/tickets/rules';
import { notifications } from '@mantine/notifications';
import { act } from './actions';
import { useQueue } from '../../stores/queue';
import { useCall } from '../../lib/query';
import { TicketKnowledge } from '../knowledge/Suggestions';

interface Target {
  ids: string[];
  /** Label for the dialog title: a ticket number or "12 tickets". */
  label: string;
  /** Current status of a single ticket; null for a bulk selection. */
  from: TicketStatus | null;
  /** A bulk selection's current statuses: only moves every one of them allows are offered. */
  fromAll?: TicketStatus[];
  /** Jump straight to one target status (e.g. a Resolve button). */
  to?: TicketStatus;
}

/** The digit of each status in the dialog: the same on every ticket. */
export const STATUS_KEYS = Object.fromEntries(TICKET_STATUSES.map((s, i) => [s, String(i + 1)])) as Record<TicketStatus, string>;
const STATUS_BY_KEY: Record<string, TicketStatus> = Object.fromEntries(TICKET_STATUSES.map((s) => [STATUS_KEYS[s], s]));

export const useStatusDialog = create<{ target: Target | null; open(t: Target): void; close(): void }>((set) => ({
  target: null,
  open: (target) => set({ target }),
  close: () => set({ target: null }),
}));

/** Statuses every ticket in `statuses` may move to (the intersection of their transitions), in the usual order. */
export function commonTargets(statuses: readonly TicketStatus[]): TicketStatus[] {
  const from = [...new Set(statuses)];
  if (!from.length) return [];
  return TICKET_STATUSES.filter((to) => from.every((f) => TRANSITIONS[f].includes(to)));
}

export function allowedTargets(from: TicketStatus | null, fromAll?: readonly TicketStatus[]): TicketStatus[] {
  if (from) return [...TRANSITIONS[from]];
  if (fromAll) return commonTargets(fromAll);
  // A selection whose statuses are unknown: anything; the server refuses what cannot move and says why.
  return TICKET_STATUSES.filter((s) => s !== 'new');
}

/** "2 assigned, 1 resolved" */
function describeMix(statuses: readonly TicketStatus[]): string {
  const n = new Map<TicketStatus, number>();
  for (const s of statuses) n.set(s, (n.get(s) ?? 0) + 1);
  return [...n].map(([s, c]) => `${c} ${STATUS_LABELS[s].toLowerCase()}`).join(', ');
}

export function StatusDialog() {
  const target = useStatusDialog((s) => s.target);
  const close = useStatusDialog((s) => s.close);
  const [to, setTo] = useState<TicketStatus | null>(null);
  const [reason, setReason] = useState<PendingReason | null>(null);
  const [code, setCode] = useState<ResolutionCode | null>(null);
  const [notes, setNotes] = useState('');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    setTo(target?.to ?? null);
    setReason(null);
    setCode(null);
    setNotes('');
    setErrors({});
  }, [target]);

  const options = target ? allowedTargets(target.from, target.fromAll) : [];

  const submit = async (status: TicketStatus) => {
    if (!target) return;
    const e: Record<string, string> = {};
    if (status === 'pending' && !reason) e.reason = 'Say why the ticket is waiting.';
    if (status === 'resolved') {
      if (!code) e.code = 'Choose a resolution code.';
      if (!notes.trim()) e.notes = 'Write what was done, for the requester and the next person.';
    }
    setErrors(e);
    if (Object.keys(e).length) return;
    const extra = {
      ...(status === 'pending' && reason ? { reason } : {}),
      ...(status === 'resolved' && code ? { resolutionCode: code, resolutionNotes: notes } : {}),
    };
    setBusy(true);
    const word = STATUS_LABELS[status].toLowerCase();
    let ok: boolean;
    if (target.ids.length === 1) {
      ok = (await act('tickets.transition', { id: target.ids[0]!, to: status, ...extra }, `${target.label} is now ${word}.`)) !== null;
    } else {
      const r = await act(
        'tickets.bulk',
        { ids: target.ids, action: { kind: 'transition', to: status, ...extra } },
        `Moved ${target.label} to ${word}.`,
      );
      ok = r !== null;
      // As after the other bulk actions, the selection is done with once it has been acted on.
      if (r) useQueue.getState().clearChecked();
      if (r && r.failed.length) {
        notifications.show({ color: 'yellow', title: `${r.failed.length} not changed`, message: r.failed[0]!.message });
      }
    }
    setBusy(false);
    if (ok) close();
  };

  const pick = (s: TicketStatus) => {
    if (s === 'pending' || s === 'resolved') setTo(s);
    else void submit(s);
  };

  return (
    <Modal
      opened={target !== null}
      onClose={close}
      title={target ? `Change status of ${target.label}` : ''}
      size="md"
      data-testid="status-dialog"
    >
      {target && to === null && (
        <Stack gap="xs">
          {target.from ? (
            <Text size="sm" c="dimmed">
              Now {STATUS_LABELS[target.from].toLowerCase()}.
            </Text>
          ) : target.fromAll && new Set(target.fromAll).size > 1 ? (
            <Text size="sm" c="dimmed">
              Now {describeMix(target.fromAll)}; only moves open to all of them are shown.
            </Text>
          ) : null}
          {options.length === 0 ? (
            <Text size="sm" data-testid="status-none">
              {target.from
                ? `This ticket is ${STATUS_LABELS[target.from].toLowerCase()}; its status can no longer change.`
                : `No status change applies to all of them: ${describeMix(target.fromAll ?? [])}. Narrow the selection.`}
            </Text>
          ) : (
            // Every status keeps its own digit on every ticket (1 is always New, 5 always Resolved), so the
            // keys can be learnt; the moves this ticket cannot make are shown, disabled.
            <SimpleGrid
              cols={2}
              spacing="xs"
              onKeyDown={(e) => {
                const s = STATUS_BY_KEY[e.key];
                if (s && !e.ctrlKey && !e.metaKey && !e.altKey) {
                  e.preventDefault();
                  if (options.includes(s)) pick(s);
                }
              }}
            >
              {TICKET_STATUSES.map((s) => {
                const allowed = options.includes(s);
                return (
                  <Button
                    key={s}
                    variant="default"
                    justify="space-between"
                    onClick={() => pick(s)}
                    disabled={!allowed}
                    data-autofocus={s === options[0] ? true : undefined}
                    rightSection={<Kbd size="xs">{STATUS_KEYS[s]}</Kbd>}
                    title={allowed ? undefined : s === target.from ? 'Its status now' : 'Not a move this ticket can make'}
                    data-testid={`status-option-${s}`}
                  >
                    {STATUS_LABELS[s]}
                  </Button>
                );
              })}
            </SimpleGrid>
          )}
        </Stack>
      )}
      {target && to === 'pending' && (
        <Stack>
          <Select
            label="Why is it pending?"
            data={PENDING_REASONS.map((r) => ({ value: r, label: PENDING_REASON_LABELS[r] }))}
            value={reason}
            onChange={(v) => setReason(v as PendingReason | null)}
            error={errors.reason}
            data-autofocus
            comboboxProps={{ withinPortal: false }}
          />
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setTo(null)}>
              Back
            </Button>
            <Button onClick={() => void submit('pending')} loading={busy}>
              Set pending
            </Button>
          </Group>
        </Stack>
      )}
      {target && to === 'resolved' && (
        <Stack
          onKeyDown={(e) => {
            if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
              e.preventDefault();
              void submit('resolved');
            }
          }}
        >
          <Select
            label="Resolution code"
            data={RESOLUTION_CODES.map((r) => ({ value: r, label: RESOLUTION_LABELS[r] }))}
            value={code}
            onChange={(v) => setCode(v as ResolutionCode | null)}
            error={errors.code}
            data-autofocus
            comboboxProps={{ withinPortal: false }}
          />
          <Textarea
            label="Resolution notes"
            autosize
            minRows={3}
            value={notes}
            onChange={(e) => setNotes(e.currentTarget.value)}
            error={errors.notes}
          />
          {target.ids.length === 1 && <ResolveSuggestions ticketId={target.ids[0]!} />}
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setTo(null)}>
              Back
            </Button>
            <Button color="green" onClick={() => void submit('resolved')} loading={busy}>
              Resolve
            </Button>
          </Group>
        </Stack>
      )}
    </Modal>
  );
}

/** When one ticket is resolved: the articles that may have solved it, to mark "Solved with this article". */
function ResolveSuggestions({ ticketId }: { ticketId: string }) {
  const t = useCall('tickets.get', { id: ticketId });
  if (!t.data) return null;
  return <TicketKnowledge ticketId={ticketId} text={`${t.data.title}\n${t.data.description ?? ''}`} staff />;
}
