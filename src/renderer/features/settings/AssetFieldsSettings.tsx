/**
 * Settings › Asset fields: the custom fields each asset category carries (Laptop: RAM, CPU…).
 * Shared with the whole team through sync; fields two administrators add offline are both kept.
 */
import { useEffect, useState } from 'react';
import {
  ActionIcon,
  Alert,
  Autocomplete,
  Button,
  Checkbox,
  Group,
  Paper,
  Select,
  Stack,
  Table,
  Text,
  TextInput,
} from '@mantine/core';
import { IconPlus, IconTrash } from '@tabler/icons-react';
import { CUSTOM_FIELD_TYPES, type CategoryFields, type CustomFieldType } from '../../../shared/api/assets';
import { useCall } from '../../lib/query';
import { Empty, ErrorState, Loading } from '../common/states';
import { act } from '../tickets/actions';

type Field = CategoryFields['fields'][number];

const TYPE_LABELS: Record<CustomFieldType, string> = { text: 'Text', number: 'Number', date: 'Date', boolean: 'Yes / no' };

export function AssetFieldsSettings() {
  const q = useCall('assets.fieldDefs', {});
  const [category, setCategory] = useState('');
  const [fields, setFields] = useState<Field[]>([]);
  const [problem, setProblem] = useState<string | null>(null);
  const stored = q.data?.items.find((c) => c.category.toLowerCase() === category.trim().toLowerCase()) ?? null;
  // Picking a category loads what the team has stored for it (nothing for a new one).
  useEffect(() => {
    setFields(stored ? stored.fields.map((f) => ({ ...f })) : []);
    setProblem(null);
  }, [stored]);
  if (!q.data) return q.error ? <ErrorState error={q.error} onRetry={() => void q.refetch()} /> : <Loading />;
  const dirty = JSON.stringify(fields) !== JSON.stringify(stored?.fields ?? []);
  const patch = (i: number, f: Partial<Field>) => setFields(fields.map((x, xi) => (xi === i ? { ...x, ...f } : x)));
  const save = () => {
    const keys = fields.map((f) => f.key.trim().toLowerCase());
    if (!category.trim()) return setProblem('Name the asset category first.');
    if (keys.some((k) => !k) || fields.some((f) => !f.label.trim())) return setProblem('Every field needs a key and a label.');
    if (new Set(keys).size !== keys.length) return setProblem('Two fields have the same key.');
    setProblem(null);
    void act(
      'assets.saveFieldDefs',
      { category: category.trim(), fields: fields.map((f) => ({ ...f, key: f.key.trim(), label: f.label.trim() })) },
      `Fields for ${category.trim()} saved.`,
    );
  };
  return (
    <Stack gap="sm" maw={900}>
      <Text size="sm" c="dimmed">
        Extra fields per asset category, checked when assets are created or edited. Shared with your whole team when devices sync; values
        already stored on assets are kept when a field is removed.
      </Text>
      {q.data.items.length === 0 && (
        <Empty title="No custom fields yet">Type a category below (for example Laptop) and add its fields.</Empty>
      )}
      {q.data.items.length > 0 && (
        <Table withTableBorder data-testid="asset-field-categories">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Category</Table.Th>
              <Table.Th>Fields</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {q.data.items.map((c) => (
              <Table.Tr key={c.category} onClick={() => setCategory(c.category)} style={{ cursor: 'pointer' }}>
                <Table.Td>{c.category}</Table.Td>
                <Table.Td>{c.fields.map((f) => `${f.label}${f.required ? ' *' : ''}`).join(', ')}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      <Paper withBorder p="sm">
        <Stack gap="xs">
          <Autocomplete
            label="Asset category"
            placeholder="Laptop"
            data={q.data.items.map((c) => c.category)}
            value={category}
            onChange={setCategory}
            maw={320}
            data-testid="asset-field-category"
          />
          {fields.map((f, i) => (
            <Group key={i} align="flex-end" wrap="nowrap">
              <TextInput label="Key" value={f.key} onChange={(e) => patch(i, { key: e.currentTarget.value })} w={160} />
              <TextInput label="Label" value={f.label} onChange={(e) => patch(i, { label: e.currentTarget.value })} style={{ flex: 1 }} />
              <Select
                label="Type"
                data={CUSTOM_FIELD_TYPES.map((t) => ({ value: t, label: TYPE_LABELS[t] }))}
                value={f.type}
                onChange={(v) => v && patch(i, { type: v as CustomFieldType })}
                allowDeselect={false}
                w={130}
              />
              <Checkbox label="Required" checked={f.required} onChange={(e) => patch(i, { required: e.currentTarget.checked })} mb={8} />
              <ActionIcon
                variant="subtle"
                color="red"
                aria-label={`Remove ${f.label || f.key || 'field'}`}
                onClick={() => setFields(fields.filter((_, xi) => xi !== i))}
                mb={4}
              >
                <IconTrash size={16} />
              </ActionIcon>
            </Group>
          ))}
          {problem && <Alert color="red">{problem}</Alert>}
          <Group>
            <Button
              variant="default"
              leftSection={<IconPlus size={14} />}
              onClick={() => setFields([...fields, { key: '', label: '', type: 'text', required: false }])}
              disabled={!category.trim()}
            >
              Add field
            </Button>
            <Button disabled={!dirty || !category.trim()} onClick={save}>
              Save fields
            </Button>
          </Group>
        </Stack>
      </Paper>
    </Stack>
  );
}
