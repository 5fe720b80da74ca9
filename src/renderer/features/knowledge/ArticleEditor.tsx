/** Writes a knowledge article: title, category, tags, visibility and Markdown text beside its live preview. */
import { useEffect, useState } from 'react';
import { Button, FileButton, Grid, Group, SegmentedControl, Stack, TagsInput, Text, TextInput, Textarea, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import type { KbVisibility } from '../../../shared/kb/rules';
import { api, errorMessage } from '../../lib/client';
import { invalidateDomain, useCall } from '../../lib/query';
import { navigate } from '../../lib/router';
import { ErrorState, Loading } from '../common/states';
import { Markdown } from '../common/Markdown';
import { blobImage } from './BlobImage';

export function ArticleEditor({ id }: { id: string | null }) {
  const existing = useCall('kb.get', id ? { id } : null);
  if (id && existing.error && !existing.data) return <ErrorState error={existing.error} onRetry={() => void existing.refetch()} />;
  if (id && !existing.data) return <Loading label="Loading the article…" />;
  return <Editor id={id} initial={existing.data ?? null} />;
}

interface Draft {
  title: string;
  body: string;
  category: string;
  tags: string[];
  visibility: KbVisibility;
}

function Editor({ id, initial }: { id: string | null; initial: { title: string; body: string; category: string | null; tags: string[]; visibility: KbVisibility; status: string } | null }) {
  const [d, setD] = useState<Draft>({
    title: initial?.title ?? '',
    body: initial?.body ?? '',
    category: initial?.category ?? '',
    tags: initial?.tags ?? [],
    visibility: initial?.visibility ?? 'internal',
  });
  const [error, setError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const cats = useCall('kb.list', { limit: 1, offset: 0 });
  useEffect(() => document.getElementById('kb-edit-title')?.focus(), []);
  const set = <K extends keyof Draft>(k: K, v: Draft[K]) => setD((x) => ({ ...x, [k]: v }));
  const save = async () => {
    if (!d.title.trim()) {
      setError('Give the article a title.');
      return;
    }
    setSaving(true);
    setError(null);
    try {
      const fields = { title: d.title, body: d.body, category: d.category.trim() || null, tags: d.tags, visibility: d.visibility };
      const a = id ? await api.call('kb.update', { id, ...fields }) : await api.call('kb.create', fields);
      invalidateDomain('kb');
      notifications.show({ message: `${a.number} saved.` });
      navigate(`/knowledge/${a.id}`, { replace: true });
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setSaving(false);
    }
  };
  const addPicture = async (file: File | null) => {
    if (!file) return;
    setError(null);
    try {
      const bytes = new Uint8Array(await file.arrayBuffer());
      let bin = '';
      for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
      const r = await api.call('kb.addImage', { fileName: file.name, contentBase64: btoa(bin) });
      setD((x) => ({ ...x, body: `${x.body}${x.body && !x.body.endsWith('\n') ? '\n\n' : ''}${r.markdown}\n` }));
    } catch (e) {
      setError(errorMessage(e));
    }
  };
  return (
    <Stack
      p="md"
      gap="sm"
      h="100%"
      style={{ overflow: 'auto' }}
      component="form"
      onSubmit={(e) => {
        e.preventDefault();
        void save();
      }}
      onKeyDown={(e) => {
        // Ctrl/Cmd+Enter saves from anywhere in the form; Escape leaves without saving.
        if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
          e.preventDefault();
          void save();
        } else if (e.key === 'Escape') navigate(id ? `/knowledge/${id}` : '/knowledge');
      }}
      data-testid="kb-editor"
    >
      <Title order={2}>{id ? 'Edit article' : 'New article'}</Title>
      {initial?.status === 'published' && (
        <Text size="sm" c="dimmed">
          This article is published: saving a change publishes a new version, and the one readers saw is kept in its history.
        </Text>
      )}
      <TextInput id="kb-edit-title" label="Title" required value={d.title} onChange={(e) => set('title', e.currentTarget.value)} maxLength={300} data-testid="kb-edit-title" />
      <Group align="flex-end" gap="sm">
        <TextInput label="Category" value={d.category} onChange={(e) => set('category', e.currentTarget.value)} w={220} list="kb-categories" maxLength={120} />
        <datalist id="kb-categories">
          {(cats.data?.categories ?? []).map((c) => (
            <option key={c} value={c} />
          ))}
        </datalist>
        <TagsInput label="Tags" value={d.tags} onChange={(v) => set('tags', v)} w={320} maxTags={30} clearable />
        <div>
          <Text size="sm" fw={500} mb={2} id="kb-visibility-label">
            Visibility
          </Text>
          <SegmentedControl
            aria-labelledby="kb-visibility-label"
            value={d.visibility}
            onChange={(v) => set('visibility', v as KbVisibility)}
            data={[
              { value: 'internal', label: 'Internal' },
              { value: 'public', label: 'Public (requesters too)' },
            ]}
            data-testid="kb-edit-visibility"
          />
        </div>
      </Group>
      <Grid gap="md" style={{ flex: 1 }}>
        <Grid.Col span={{ base: 12, md: 6 }}>
          <Textarea
            label="Text (Markdown: # headings, **bold**, | tables |, ``` code, [links](https://…))"
            value={d.body}
            onChange={(e) => set('body', e.currentTarget.value)}
            autosize
            minRows={16}
            maxRows={40}
            styles={{ input: { fontFamily: 'monospace' } }}
            data-testid="kb-edit-body"
          />
        </Grid.Col>
        <Grid.Col span={{ base: 12, md: 6 }}>
          <Text size="sm" fw={500} mb={2}>
            Preview
          </Text>
          <div style={{ border: '1px solid var(--mantine-color-default-border)', borderRadius: 4, padding: '4px 12px', minHeight: 200 }} data-testid="kb-preview">
            {d.body.trim() ? <Markdown text={d.body} image={blobImage} /> : <Text size="sm" c="dimmed">The article as readers will see it.</Text>}
          </div>
        </Grid.Col>
      </Grid>
      {error && (
        <Text c="red" size="sm" role="alert">
          {error}
        </Text>
      )}
      <Group>
        <Button type="submit" loading={saving} data-testid="kb-save">
          Save
        </Button>
        <Button variant="default" onClick={() => navigate(id ? `/knowledge/${id}` : '/knowledge')}>
          Cancel
        </Button>
        <FileButton onChange={(f) => void addPicture(f)} accept="image/png,image/jpeg,image/gif,image/webp">
          {(props) => (
            <Button variant="default" {...props} data-testid="kb-add-picture">
              Add a picture
            </Button>
          )}
        </FileButton>
        <Text size="xs" c="dimmed">
          Ctrl+Enter saves, Escape cancels.
        </Text>
      </Group>
    </Stack>
  );
}
