/** Ticket categories and their subcategories, shared by the whole team through sync. */
import { useEffect, useState } from 'react';
import { ActionIcon, Alert, Button, Group, Paper, Stack, TagsInput, Text, TextInput } from '@mantine/core';
import { IconPlus, IconTrash } from '@tabler/icons-react';
import type { Category } from '../../../shared/api/settings';
import { useCall } from '../../lib/query';
import { ErrorState, Loading } from '../common/states';
import { act } from '../tickets/actions';

export function CategoriesSettings() {
  const q = useCall('settings.get', {});
  const [cats, setCats] = useState<Category[] | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  useEffect(() => {
    if (q.data) setCats(q.data.categories.map((c) => ({ ...c, subcategories: [...c.subcategories] })));
  }, [q.data]);
  if (!q.data || !cats) return q.error ? <ErrorState error={q.error} onRetry={() => void q.refetch()} /> : <Loading />;
  const dirty = JSON.stringify(cats) !== JSON.stringify(q.data.categories);
  const patch = (i: number, c: Partial<Category>) => setCats(cats.map((x, xi) => (xi === i ? { ...x, ...c } : x)));
  const save = () => {
    const names = cats.map((c) => c.name.trim().toLowerCase());
    if (names.some((n) => !n)) return setProblem('Every category needs a name.');
    if (new Set(names).size !== names.length) return setProblem('Two categories have the same name.');
    setProblem(null);
    void act(
      'settings.update',
      { categories: cats.map((c) => ({ name: c.name.trim(), subcategories: c.subcategories })) },
      'Categories saved.',
    );
  };
  return (
    <Stack gap="sm" maw={760}>
      <Text size="sm" c="dimmed">
        Used on tickets and in reports. Renaming one does not change tickets already filed under the old name. Shared with your whole team when
        devices sync: categories added on two devices are both kept.
      </Text>
      {cats.map((c, i) => (
        <Paper key={i} withBorder p="sm">
          <Group align="flex-end" wrap="nowrap">
            <TextInput label="Category" value={c.name} onChange={(e) => patch(i, { name: e.currentTarget.value })} w={200} />
            <TagsInput
              label="Subcategories"
              value={c.subcategories}
              onChange={(v) => patch(i, { subcategories: v })}
              style={{ flex: 1 }}
              placeholder="Type and press Enter"
            />
            <ActionIcon
              variant="subtle"
              color="red"
              aria-label={`Remove ${c.name}`}
              onClick={() => setCats(cats.filter((_, xi) => xi !== i))}
              mb={4}
            >
              <IconTrash size={16} />
            </ActionIcon>
          </Group>
        </Paper>
      ))}
      {problem && <Alert color="red">{problem}</Alert>}
      <Group>
        <Button variant="default" leftSection={<IconPlus size={14} />} onClick={() => setCats([...cats, { name: '', subcategories: [] }])}>
          Add category
        </Button>
        <Button disabled={!dirty} onClick={save}>
          Save categories
        </Button>
      </Group>
    </Stack>
  );
}
