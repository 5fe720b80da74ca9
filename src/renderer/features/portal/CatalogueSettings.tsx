/**
 * Settings › Service catalogue: the request items requesters pick from in the portal, each with the
 * ticket it creates (type, category, group) and its own form. Shared with the team through sync.
 */
import { useState } from 'react';
import { ActionIcon, Alert, Button, Checkbox, Group, NumberInput, Paper, Select, Stack, Table, Text, TextInput, Textarea } from '@mantine/core';
import { IconPlus, IconTrash } from '@tabler/icons-react';
import { useCall } from '../../lib/query';
import { Empty, ErrorState, Loading } from '../common/states';
import { act } from '../tickets/actions';
import { FORM_FIELD_KINDS, FORM_FIELD_KIND_LABELS, formFields, type FormField, type FormFieldKind } from '../../../shared/catalogue/form';
import { CATALOGUE_ICONS, type CatalogueIcon, type CatalogueItem } from '../../../shared/catalogue/items';

/** A form field as edited: options typed as one line, comma-separated. */
interface Draft {
  key: string;
  label: string;
  kind: FormFieldKind;
  required: boolean;
  options: string;
}

const blank = (): Omit<CatalogueItem, 'id'> & { id?: string } => ({
  name: '',
  description: '',
  section: '',
  icon: 'help',
  ticketType: 'request',
  ticketCategory: null,
  groupId: null,
  fields: [],
  position: 0,
  active: true,
});

const toDraft = (f: FormField): Draft => ({ key: f.key, label: f.label, kind: f.kind, required: f.required, options: (f.options ?? []).join(', ') });
const fromDraft = (d: Draft): FormField => ({
  key: d.key.trim(),
  label: d.label.trim(),
  kind: d.kind,
  required: d.required,
  ...(d.kind === 'select' ? { options: d.options.split(',').map((o) => o.trim()).filter(Boolean) } : {}),
});
/** A key made from the label, as an administrator would type it. */
const keyOf = (label: string) =>
  label
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .replace(/^(\d)/, 'f_$1')
    .slice(0, 40) || 'field';

export function CatalogueSettings() {
  const q = useCall('catalogue.list', {});
  const groups = useCall('groups.list', {});
  const [item, setItem] = useState<(Omit<CatalogueItem, 'id'> & { id?: string }) | null>(null);
  const [drafts, setDrafts] = useState<Draft[]>([]);
  const [problem, setProblem] = useState<string | null>(null);
  if (!q.data) return q.error ? <ErrorState error={q.error} onRetry={() => void q.refetch()} /> : <Loading />;
  const edit = (i: Omit<CatalogueItem, 'id'> & { id?: string }) => {
    setItem({ ...i });
    setDrafts(i.fields.map(toDraft));
    setProblem(null);
  };
  const patch = (i: number, d: Partial<Draft>) => setDrafts(drafts.map((x, xi) => (xi === i ? { ...x, ...d } : x)));
  const save = async () => {
    if (!item) return;
    const fields = drafts.map((d) => (d.key.trim() ? d : { ...d, key: keyOf(d.label) })).map(fromDraft);
    const checked = formFields.safeParse(fields);
    if (!checked.success) return setProblem(checked.error.issues[0]?.message ?? 'A field is not valid.');
    if (!item.name.trim() || !item.section.trim()) return setProblem('Give the item a name and a section.');
    setProblem(null);
    const saved = await act(
      'catalogue.save',
      {
        ...(item.id ? { id: item.id } : {}),
        name: item.name,
        description: item.description,
        section: item.section,
        icon: item.icon,
        ticketType: item.ticketType,
        ticketCategory: item.ticketCategory?.trim() || null,
        groupId: item.groupId,
        fields: checked.data,
        position: item.position,
        active: item.active,
      },
      `${item.name.trim()} saved.`,
    );
    if (saved) edit(saved);
  };
  return (
    <Stack gap="sm" data-testid="catalogue-settings">
      {/* The description and its action on one row, as on every settings page. */}
      <Group justify="space-between" wrap="nowrap" align="flex-start">
        <Text size="sm" c="dimmed">
          What requesters can ask for in the portal. Each item creates a ticket of its type and category, filed under its group, with the answers to its
          form written into the description. Shared with your whole team when devices sync.
        </Text>
        <Button size="xs" leftSection={<IconPlus size={14} />} onClick={() => edit(blank())} style={{ flexShrink: 0 }} data-testid="catalogue-new">
          New item
        </Button>
      </Group>
      {q.data.items.length === 0 ? (
        <Empty title="The catalogue is empty">Add the first item people can ask for (a laptop, access to an application).</Empty>
      ) : (
        <Table withTableBorder highlightOnHover>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Item</Table.Th>
              <Table.Th>Section</Table.Th>
              <Table.Th>Form</Table.Th>
              <Table.Th>Offered</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {q.data.items.map((i) => (
              <Table.Tr key={i.id}>
                <Table.Td>
                  <Button variant="subtle" size="compact-sm" onClick={() => edit(i)}>
                    {i.name}
                  </Button>
                </Table.Td>
                <Table.Td>{i.section}</Table.Td>
                <Table.Td>{i.fields.map((f) => `${f.label}${f.required ? ' *' : ''}`).join(', ') || '—'}</Table.Td>
                <Table.Td>{i.active ? 'Yes' : 'No'}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      {item && (
        <Paper withBorder p="sm">
          <Stack gap="xs">
            <Group grow align="flex-start">
              <TextInput label="Name" required value={item.name} onChange={(e) => setItem({ ...item, name: e.currentTarget.value })} maxLength={120} />
              <TextInput label="Section" required placeholder="Hardware" value={item.section} onChange={(e) => setItem({ ...item, section: e.currentTarget.value })} maxLength={80} />
              <Select
                label="Icon"
                data={CATALOGUE_ICONS.map((i) => ({ value: i, label: i }))}
                value={item.icon}
                onChange={(v) => v && setItem({ ...item, icon: v as CatalogueIcon })}
                allowDeselect={false}
              />
            </Group>
            <Textarea label="Description" autosize minRows={2} value={item.description} onChange={(e) => setItem({ ...item, description: e.currentTarget.value })} maxLength={4000} />
            <Group grow align="flex-start">
              <Select
                label="Creates a"
                data={[
                  { value: 'request', label: 'Request' },
                  { value: 'incident', label: 'Incident' },
                ]}
                value={item.ticketType}
                onChange={(v) => v && setItem({ ...item, ticketType: v as 'request' | 'incident' })}
                allowDeselect={false}
              />
              <TextInput label="Category" value={item.ticketCategory ?? ''} onChange={(e) => setItem({ ...item, ticketCategory: e.currentTarget.value })} maxLength={120} />
              <Select
                label="Group"
                placeholder="No group"
                clearable
                data={(groups.data?.items ?? []).map((g) => ({ value: g.id, label: g.name }))}
                value={item.groupId}
                onChange={(v) => setItem({ ...item, groupId: v })}
              />
              <NumberInput label="Position" min={0} max={100000} value={item.position} onChange={(v) => setItem({ ...item, position: typeof v === 'number' ? v : 0 })} />
            </Group>
            <Checkbox label="Offered in the portal" checked={item.active} onChange={(e) => setItem({ ...item, active: e.currentTarget.checked })} />
            <Text fw={600} size="sm">
              Form fields
            </Text>
            {drafts.map((d, i) => (
              <Group key={i} align="flex-end" wrap="nowrap">
                <TextInput label="Label" value={d.label} onChange={(e) => patch(i, { label: e.currentTarget.value })} style={{ flex: 1 }} />
                <TextInput label="Key" placeholder={keyOf(d.label)} value={d.key} onChange={(e) => patch(i, { key: e.currentTarget.value })} w={140} />
                <Select
                  label="Kind"
                  data={FORM_FIELD_KINDS.map((k) => ({ value: k, label: FORM_FIELD_KIND_LABELS[k] }))}
                  value={d.kind}
                  onChange={(v) => v && patch(i, { kind: v as FormFieldKind })}
                  allowDeselect={false}
                  w={170}
                />
                {d.kind === 'select' && <TextInput label="Options (comma-separated)" value={d.options} onChange={(e) => patch(i, { options: e.currentTarget.value })} w={220} />}
                <Checkbox label="Required" checked={d.required} onChange={(e) => patch(i, { required: e.currentTarget.checked })} mb={8} />
                <ActionIcon variant="subtle" color="red" aria-label={`Remove ${d.label || 'field'}`} onClick={() => setDrafts(drafts.filter((_, xi) => xi !== i))} mb={4}>
                  <IconTrash size={16} />
                </ActionIcon>
              </Group>
            ))}
            {problem && (
              <Alert color="red" role="alert">
                {problem}
              </Alert>
            )}
            <Group>
              <Button variant="default" leftSection={<IconPlus size={14} />} onClick={() => setDrafts([...drafts, { key: '', label: '', kind: 'text', required: false, options: '' }])}>
                Add field
              </Button>
              <Button onClick={() => void save()} data-testid="catalogue-save">
                Save item
              </Button>
              {item.id && (
                <Button
                  variant="subtle"
                  color="red"
                  onClick={() => void act('catalogue.delete', { id: item.id! }, `${item.name} removed from the catalogue.`).then((ok) => ok && setItem(null))}
                >
                  Remove item
                </Button>
              )}
            </Group>
          </Stack>
        </Paper>
      )}
    </Stack>
  );
}
