/** A request item's own form (or "Report a problem"), checked here with the item's schema before it is sent. */
import { useState } from 'react';
import { Alert, Button, Checkbox, Group, NumberInput, Select, Stack, Text, TextInput, Textarea, Title } from '@mantine/core';
import { api, errorMessage } from '../../lib/client';
import { changed } from '../../lib/query';
import { checkAnswers, type AnswerValue, type FormField } from '../../../shared/catalogue/form';
import type { CatalogueItem } from '../../../shared/catalogue/items';

export function RequestForm({ item, onDone, onCancel }: { item: CatalogueItem | null; onDone(id: string): void; onCancel(): void }) {
  const [title, setTitle] = useState(item ? item.name : '');
  const [description, setDescription] = useState('');
  const [urgency, setUrgency] = useState<string>('3');
  const [answers, setAnswers] = useState<Record<string, AnswerValue>>({});
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [failure, setFailure] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(e: React.FormEvent) {
    e.preventDefault();
    setFailure(null);
    const errs: Record<string, string> = {};
    if (!title.trim()) errs.title = 'Give your request a short title.';
    if (!item && !description.trim()) errs.description = 'Describe the problem: what happened, and what you expected.';
    if (item) {
      // Every problem at once, field by field, with the same rules the server applies.
      for (const f of item.fields) {
        const r = checkAnswers([f], { [f.key]: answers[f.key] ?? (f.kind === 'checkbox' ? false : null) });
        if (!r.ok) errs[`a.${f.key}`] = r.message;
      }
    }
    setErrors(errs);
    if (Object.keys(errs).length) return;
    setBusy(true);
    try {
      const out = await api.call('portal.submit', {
        itemId: item?.id ?? null,
        title: title.trim(),
        description,
        answers: item ? Object.fromEntries(item.fields.map((f) => [f.key, answers[f.key] ?? (f.kind === 'checkbox' ? false : null)])) : {},
        ...(item ? {} : { urgency: Number(urgency) as 1 | 2 | 3, impact: 3 as const }),
      });
      changed('portal');
      changed('tickets');
      onDone(out.id);
    } catch (err) {
      setFailure(errorMessage(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <form onSubmit={(e) => void submit(e)} noValidate aria-labelledby="request-form-title">
      <Stack gap="md" maw={640}>
        <div>
          <Title order={2} id="request-form-title">
            {item ? item.name : 'Report a problem'}
          </Title>
          {item?.description && (
            <Text size="sm" c="dimmed">
              {item.description}
            </Text>
          )}
        </div>
        {failure && (
          <Alert color="red" role="alert" title="Not sent" data-testid="portal-form-error">
            {failure}
          </Alert>
        )}
        <TextInput label="Title" required value={title} onChange={(e) => setTitle(e.currentTarget.value)} error={errors.title} maxLength={300} data-autofocus autoFocus />
        {item?.fields.map((f) => (
          <AnswerInput key={f.key} field={f} value={answers[f.key] ?? null} error={errors[`a.${f.key}`]} onChange={(v) => setAnswers((a) => ({ ...a, [f.key]: v }))} />
        ))}
        <Textarea
          label={item ? 'Anything else we should know' : 'What is happening?'}
          required={!item}
          autosize
          minRows={item ? 2 : 5}
          value={description}
          onChange={(e) => setDescription(e.currentTarget.value)}
          error={errors.description}
        />
        {!item && (
          <Select
            label="How much does it stop you working?"
            data={[
              { value: '1', label: 'I cannot work at all' },
              { value: '2', label: 'I can work, but slowly' },
              { value: '3', label: 'It is a nuisance' },
            ]}
            value={urgency}
            onChange={(v) => setUrgency(v ?? '3')}
            allowDeselect={false}
          />
        )}
        <Group>
          <Button type="submit" loading={busy} data-testid="portal-submit">
            Send
          </Button>
          <Button variant="subtle" onClick={onCancel}>
            Cancel
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

function AnswerInput({ field: f, value, error, onChange }: { field: FormField; value: AnswerValue; error?: string; onChange(v: AnswerValue): void }) {
  const common = { label: f.label, description: f.help, required: f.required, error, 'data-testid': `answer-${f.key}` };
  switch (f.kind) {
    case 'text':
      return <TextInput {...common} value={typeof value === 'string' ? value : ''} onChange={(e) => onChange(e.currentTarget.value)} />;
    case 'textarea':
      return <Textarea {...common} autosize minRows={3} value={typeof value === 'string' ? value : ''} onChange={(e) => onChange(e.currentTarget.value)} />;
    case 'select':
      return <Select {...common} data={f.options ?? []} value={typeof value === 'string' ? value : null} onChange={(v) => onChange(v)} clearable={!f.required} />;
    case 'date':
      return <TextInput {...common} type="date" value={typeof value === 'string' ? value : ''} onChange={(e) => onChange(e.currentTarget.value || null)} />;
    case 'number':
      return <NumberInput {...common} value={typeof value === 'number' ? value : ''} onChange={(v) => onChange(typeof v === 'number' ? v : null)} />;
    case 'checkbox':
      return <Checkbox label={f.label} description={f.help} error={error} checked={value === true} onChange={(e) => onChange(e.currentTarget.checked)} data-testid={`answer-${f.key}`} />;
  }
}
