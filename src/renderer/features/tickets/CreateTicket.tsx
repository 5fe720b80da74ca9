/** The create form (a modal, `c` anywhere in the queue): inline validation from the server's issues. */
import { useEffect, useState } from 'react';
import { Alert, Button, Group, Modal, SegmentedControl, Select, SimpleGrid, Stack, Text, TextInput, Textarea } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import {
  DEFAULT_PRIORITY_MATRIX,
  IMPACT_LABELS,
  LEVELS,
  PRIORITY_LABELS,
  URGENCY_LABELS,
  priorityFor,
  type Level,
  type TicketType,
} from '../../../shared/tickets/rules';
import { api, errorMessage } from '../../lib/client';
import { changed } from '../../lib/query';
import { navigate } from '../../lib/router';
import { useQueue } from '../../stores/queue';
import { isStaff, useSession } from '../../stores/session';
import { fieldErrors } from '../common/issues';
import { useLookups } from '../common/lookups';
import { TriageSuggestions, type TriageKind } from '../triage/TriageSuggestions';
import type { TriageChoice } from '../../../shared/api/triage';
import { KbSuggestions } from '../knowledge/Suggestions';

export function CreateTicket() {
  const open = useQueue((s) => s.createOpen);
  const setOpen = useQueue((s) => s.setCreateOpen);
  const role = useSession((s) => s.user?.role ?? null);
  const staff = isStaff(role);
  const { users, groups, sites, settings } = useLookups();
  const [type, setType] = useState<TicketType>('incident');
  const [title, setTitle] = useState('');
  const [description, setDescription] = useState('');
  const [impact, setImpact] = useState<Level>(3);
  const [urgency, setUrgency] = useState<Level>(3);
  const [category, setCategory] = useState<string | null>(null);
  const [subcategory, setSubcategory] = useState<string | null>(null);
  const [groupId, setGroupId] = useState<string | null>(null);
  const [assigneeId, setAssigneeId] = useState<string | null>(null);
  const [requesterId, setRequesterId] = useState<string | null>(null);
  const [siteId, setSiteId] = useState<string | null>(null);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    if (!open) return;
    setTitle('');
    setDescription('');
    setImpact(3);
    setUrgency(3);
    setCategory(null);
    setSubcategory(null);
    setGroupId(null);
    setAssigneeId(null);
    setRequesterId(null);
    setSiteId(null);
    setErrors({});
    setError(null);
  }, [open]);

  const matrix = settings?.priorityMatrix ?? DEFAULT_PRIORITY_MATRIX;
  const prio = priorityFor(matrix, impact, urgency);
  const categories = settings?.categories ?? [];
  const levels = (labels: Record<Level, string>) => LEVELS.map((l) => ({ value: String(l), label: `${l} · ${labels[l]}` }));

  // A suggestion is only ever applied here, by the user's click or key; the toast says what it set.
  const acceptSuggestion = (kind: TriageKind, c: TriageChoice) => {
    if (kind === 'category') {
      setCategory(c.value);
      setSubcategory(null);
    } else setGroupId(c.value);
    notifications.show({ color: 'blue', message: `New ticket: ${kind} set to ${c.label} (suggested, ${Math.round(c.confidence * 100)} %).`, autoClose: 2500 });
  };
  const categoryOptions = categories.map((c) => c.name);
  if (category && !categoryOptions.includes(category)) categoryOptions.push(category);

  const submit = async () => {
    setBusy(true);
    setError(null);
    setErrors({});
    try {
      const t = await api.call('tickets.create', {
        type,
        title,
        description,
        impact,
        urgency,
        ...(staff ? { category, subcategory, groupId, assigneeId, requesterId, ...(siteId ? { siteId } : {}) } : {}),
      });
      notifications.show({ color: 'green', message: `${t.number} created: ${t.title}` });
      changed('tickets');
      setOpen(false);
      navigate(role === 'requester' ? `/requests/${t.number}` : `/queue/${t.number}`);
    } catch (e) {
      const fe = fieldErrors(e);
      setErrors(fe);
      if (!Object.keys(fe).length) setError(errorMessage(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Modal opened={open} onClose={() => setOpen(false)} title="New ticket" size="lg" data-testid="create-ticket" closeButtonProps={{ 'aria-label': 'Close' }}>
      <Stack
        gap="sm"
        onKeyDown={(e) => {
          if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
            e.preventDefault();
            void submit();
          }
        }}
      >
        <SegmentedControl
          value={type}
          onChange={(v) => setType(v as TicketType)}
          data={[
            { value: 'incident', label: 'Incident (something is broken)' },
            { value: 'request', label: 'Request (something is needed)' },
          ]}
        />
        <TextInput
          label="Title"
          required
          data-autofocus
          value={title}
          onChange={(e) => setTitle(e.currentTarget.value)}
          error={errors.title}
          placeholder="Printer on floor 2 jams every page"
        />
        <Textarea
          label="Description"
          autosize
          minRows={3}
          maxRows={10}
          value={description}
          onChange={(e) => setDescription(e.currentTarget.value)}
          error={errors.description}
        />
        <KbSuggestions text={`${title}\n${description}`} />
        <SimpleGrid cols={3} spacing="sm">
          <Select
            label="Impact"
            data={levels(IMPACT_LABELS)}
            value={String(impact)}
            onChange={(v) => v && setImpact(Number(v) as Level)}
            allowDeselect={false}
            error={errors.impact}
          />
          <Select
            label="Urgency"
            data={levels(URGENCY_LABELS)}
            value={String(urgency)}
            onChange={(v) => v && setUrgency(Number(v) as Level)}
            allowDeselect={false}
            error={errors.urgency}
          />
          <Stack gap={2}>
            <Text size="sm" fw={500}>
              Priority
            </Text>
            <Text size="sm" pt={6} data-testid="create-priority">
              {PRIORITY_LABELS[prio]}
            </Text>
          </Stack>
        </SimpleGrid>
        {staff && open && (
          <TriageSuggestions title={title} description={description} category={category} groupId={groupId} onAccept={acceptSuggestion} />
        )}
        {staff && (
          <SimpleGrid cols={2} spacing="sm">
            <Select
              label="Category"
              clearable
              searchable
              data={categoryOptions}
              value={category}
              onChange={(v) => (setCategory(v), setSubcategory(null))}
              error={errors.category}
            />
            <Select
              label="Subcategory"
              clearable
              searchable
              disabled={!category}
              data={categories.find((c) => c.name === category)?.subcategories ?? []}
              value={subcategory}
              onChange={setSubcategory}
              error={errors.subcategory}
            />
            <Select
              label="Group"
              clearable
              searchable
              data={groups.map((g) => ({ value: g.id, label: g.name }))}
              value={groupId}
              onChange={setGroupId}
              error={errors.groupId}
            />
            <Select
              label="Assignee"
              clearable
              searchable
              data={users.filter((u) => u.role === 'admin' || u.role === 'technician').map((u) => ({ value: u.id, label: u.displayName }))}
              value={assigneeId}
              onChange={setAssigneeId}
              error={errors.assigneeId}
            />
            <Select
              label="Requester"
              clearable
              searchable
              data={users.map((u) => ({ value: u.id, label: u.displayName }))}
              value={requesterId}
              onChange={setRequesterId}
              error={errors.requesterId}
            />
            {sites.length > 1 && (
              <Select
                label="Site"
                clearable
                data={sites.map((s) => ({ value: s.id, label: s.name }))}
                value={siteId}
                onChange={setSiteId}
                error={errors.siteId}
                placeholder="Your first site"
              />
            )}
          </SimpleGrid>
        )}
        {error && (
          <Alert color="red" variant="light">
            {error}
          </Alert>
        )}
        <Group justify="space-between">
          <Text size="xs" c="dimmed">
            Ctrl+Enter to create
          </Text>
          <Group gap="xs">
            <Button variant="default" onClick={() => setOpen(false)}>
              Cancel
            </Button>
            <Button onClick={() => void submit()} loading={busy} data-testid="create-submit">
              Create ticket
            </Button>
          </Group>
        </Group>
      </Stack>
    </Modal>
  );
}
