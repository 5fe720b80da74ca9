/** The `?` sheet: every key the console answers to. */
import { Group, Kbd, Modal, SimpleGrid, Stack, Text, Title } from '@mantine/core';
import { useUi } from '../stores/ui';

export const SHORTCUTS: { section: string; keys: [string[], string][] }[] = [
  {
    section: 'Anywhere',
    keys: [
      [['Ctrl', 'K'], 'Command palette: go to, open a ticket, search'],
      [['?'], 'This sheet'],
      [['Esc'], 'Close a dialog, the detail or the palette'],
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
      [['1', '–', '4'], 'Set priority P1 to P4'],
      [['s'], 'Change status'],
      [['c'], 'Create a ticket'],
      [['/'], 'Search the queue'],
    ],
  },
  {
    section: 'Composer',
    keys: [[['Ctrl', 'Enter'], 'Send the comment or worklog']],
  },
];

export function ShortcutSheet() {
  const open = useUi((s) => s.shortcutsOpen);
  const setOpen = useUi((s) => s.setShortcutsOpen);
  return (
    <Modal
      opened={open}
      onClose={() => setOpen(false)}
      title={<Title order={4}>Keyboard shortcuts</Title>}
      size="lg"
      data-testid="shortcut-sheet"
    >
      <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="lg">
        {SHORTCUTS.map((s) => (
          <Stack key={s.section} gap={6}>
            <Text fw={600} size="sm" c="dimmed">
              {s.section}
            </Text>
            {s.keys.map(([keys, label]) => (
              <Group key={label} justify="space-between" wrap="nowrap" gap="md">
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
        Single-letter keys are ignored while you type in a field.
      </Text>
    </Modal>
  );
}
