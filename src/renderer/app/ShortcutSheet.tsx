/** The `?` sheet: every key the console answers to. */
import { Group, Kbd, Modal, SimpleGrid, Stack, Text, Title } from '@mantine/core';
import type { Role } from '../../shared/api';
import { STATUS_LABELS, TICKET_STATUSES } from '../../shared/tickets/rules';
import { STATUS_KEYS } from '../features/tickets/StatusDialog';
import { useSession } from '../stores/session';
import { useUi } from '../stores/ui';
import { goSequences } from './goKeys';

export const SHORTCUTS: { section: string; keys: [string[], string][] }[] = [
  {
    section: 'Anywhere',
    keys: [
      [['Ctrl', 'K'], 'Command palette: go to, open a ticket, search'],
      [['?'], 'This sheet'],
      [['Esc'], 'Close a dialog, the detail or the palette'],
      [['Enter'], 'In a search box: search, then back to the list'],
    ],
  },
  {
    section: 'Queue',
    keys: [
      [['j'], 'Next ticket'],
      [['k'], 'Previous ticket'],
      [['Enter'], 'Open the ticket'],
      [['x'], 'Select for bulk actions'],
      [['a'], 'Assign to me'],
      [['Shift', 'A'], 'Assign to… (pick a technician)'],
      [['l'], 'Link an asset (search or scan its tag)'],
      [['p'], 'Problem: link the open incident to one, or create one from it'],
      [['1', '–', '4'], 'Set priority P1 to P4'],
      [['s'], 'Change status'],
      [['r'], 'Write a comment on the open ticket'],
      [['c'], 'Create a ticket'],
      [['/'], 'Search the queue'],
    ],
  },
  {
    section: 'Problems and changes',
    keys: [
      [['j'], 'Next in the list'],
      [['k'], 'Previous in the list'],
      [['Enter'], 'Open it'],
      [['/'], 'Search the list'],
      [['n'], 'New problem or change'],
      [['←', '→'], 'Change calendar: previous or next week or month'],
      [['t'], 'Change calendar: back to today'],
    ],
  },
  {
    section: 'Status dialog (the same digit on every ticket)',
    keys: TICKET_STATUSES.map((st) => [[STATUS_KEYS[st]], STATUS_LABELS[st]] as [string[], string]),
  },
  {
    section: 'Suggestions (new ticket and ticket page)',
    keys: [
      [['Alt', 'C'], 'Accept the suggested category'],
      [['Alt', 'G'], 'Accept the suggested group'],
    ],
  },
  {
    section: 'Composer',
    keys: [
      [['Ctrl', 'Enter'], 'Send the comment or worklog'],
      [['Esc'], 'Leave the comment box'],
    ],
  },
];

/** The `g` sequences this role has, as a section of the sheet. */
function goSection(role: Role | null): (typeof SHORTCUTS)[number] {
  return { section: 'Go to', keys: goSequences(role).map((g) => [['g', g.key], g.label] as [string[], string]) };
}

export function ShortcutSheet() {
  const open = useUi((s) => s.shortcutsOpen);
  const setOpen = useUi((s) => s.setShortcutsOpen);
  const role = useSession((s) => s.user?.role ?? null);
  const go = goSection(role);
  const sections = go.keys.length ? [SHORTCUTS[0]!, go, ...SHORTCUTS.slice(1)] : SHORTCUTS;
  return (
    <Modal
      opened={open}
      onClose={() => setOpen(false)}
      title={<Title order={4}>Keyboard shortcuts</Title>}
      size="lg"
      data-testid="shortcut-sheet"
    >
      <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="lg">
        {sections.map((s) => (
          <Stack key={s.section} gap={6}>
            <Text fw={600} size="sm" c="dimmed">
              {s.section}
            </Text>
            {s.keys.map(([keys, label]) => (
              <Group key={label} justify="space-between" wrap="nowrap" gap="md" data-testid={`shortcut-${keys.join('-')}`}>
                <Text size="sm">{label}</Text>
                <Group gap={4} wrap="nowrap">
                  {keys.map((k, i) => (k === '–' ? <Text key={i}>–</Text> : <Kbd key={i}>{k}</Kbd>))}
                </Group>
              </Group>
            ))}
          </Stack>
        ))}
      </SimpleGrid>
      <Text size="xs" c="dimmed" mt="md">
        Single-letter keys are ignored while you type in a field. Keys act on the ticket on screen: the open one, else the highlighted row
        (or every selected ticket).
      </Text>
    </Modal>
  );
}
