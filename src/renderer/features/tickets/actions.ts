/** Ticket mutations used by the queue, the detail pane and the palette, each with a toast. */
import { notifications } from '@mantine/notifications';
import type { CallInput, CallName, CallOutput } from '../../../shared/api';
import { PRIORITY_LABELS, type Priority } from '../../../shared/tickets/rules';
import { api, errorMessage } from '../../lib/client';
import { changed } from '../../lib/query';

/** Runs a call, toasts the outcome in plain words, and refreshes what shows tickets. */
export async function act<N extends CallName>(name: N, input: CallInput<N>, success: string): Promise<CallOutput<N> | null> {
  try {
    const v = await api.call(name, input);
    notifications.show({ color: 'green', message: success, autoClose: 2500 });
    changed(name.split('.')[0]!);
    return v;
  } catch (e) {
    notifications.show({ color: 'red', title: 'Not saved', message: errorMessage(e), autoClose: 6000 });
    return null;
  }
}

export function assignTo(id: string, number: string, userId: string | null, name: string) {
  return act('tickets.update', { id, fields: { assigneeId: userId } }, userId ? `${number} assigned to ${name}.` : `${number} unassigned.`);
}

export function setPriority(id: string, number: string, priority: Priority) {
  return act('tickets.update', { id, fields: { priority } }, `${number} is now ${PRIORITY_LABELS[priority]}.`);
}
