/**
 * The knowledge base (/knowledge): a searchable, filtered, virtualised list of articles (j/k to move,
 * Enter to open, / to search, n for a new article); /knowledge/<id> reads one, /knowledge/new and
 * /knowledge/<id>/edit write one with a live preview. Requesters see published public articles only.
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import { Badge, Button, Group, Select, Stack, Text, TextInput, Title } from '@mantine/core';
import { useVirtualizer } from '@tanstack/react-virtual';
import { IconPlus, IconSearch } from '@tabler/icons-react';
import { KB_STATUSES, KB_STATUS_LABELS, type KbStatus, type KbVisibility } from '../../../shared/kb/rules';
import type { KbArticleSummary, KbHit } from '../../../shared/api/kb';
import { useCall } from '../../lib/query';
import { navigate, useRoute } from '../../lib/router';
import { useKeys } from '../../lib/keys';
import { isStaff, useRole } from '../../stores/session';
import { Empty, ErrorState, Loading } from '../common/states';
import { Snippet } from '../common/Snippet';
import { KbStatusBadge, VisibilityBadge } from './common';
import { ArticlePage } from './ArticlePage';
import { ArticleEditor } from './ArticleEditor';

const ROW = 52;

export function KnowledgePage() {
  const { segments } = useRoute();
  if (segments[1] === 'new') return <ArticleEditor key="new" id={null} />;
  if (segments[1] && segments[2] === 'edit') return <ArticleEditor key={`edit-${segments[1]}`} id={segments[1]} />;
  return segments[1] ? <ArticlePage key={segments[1]} id={segments[1]} /> : <KnowledgeList />;
}

/** A row of the list: from a search hit (with its snippet) or from the plain list. */
interface Row {
  id: string;
  number: string;
  title: string;
  category: string | null;
  status: KbStatus;
  visibility: KbVisibility;
  solvedCount: number;
  snippet: string | null;
}

const fromHit = (h: KbHit): Row => ({ ...h, snippet: h.snippet });
const fromSummary = (a: KbArticleSummary): Row => ({ ...a, snippet: null });

function KnowledgeList() {
  const role = useRole();
  const staff = isStaff(role);
  const [q, setQ] = useState('');
  const [typed, setTyped] = useState('');
  const [status, setStatus] = useState<KbStatus | null>(null);
  const [visibility, setVisibility] = useState<KbVisibility | null>(null);
  const [category, setCategory] = useState<string | null>(null);
  // Search as one types, a moment after the last key.
  useEffect(() => {
    const t = setTimeout(() => setQ(typed.trim()), 150);
    return () => clearTimeout(t);
  }, [typed]);
  const filter = useMemo(
    () => ({ ...(status ? { status } : {}), ...(visibility ? { visibility } : {}), ...(category ? { category } : {}) }),
    [status, visibility, category],
  );
  const list = useCall('kb.list', { ...filter, limit: 500, offset: 0 });
  const search = useCall('kb.search', q ? { ...filter, q, limit: 100 } : null);
  const active = q ? search : list;
  const rows: Row[] | undefined = q ? search.data?.items.map(fromHit) : list.data?.items.map(fromSummary);
  // '/' belongs to the page, not the list: it must work while the list loads, is empty or refreshes.
  useKeys({ n: () => staff && navigate('/knowledge/new'), '/': () => document.getElementById('kb-search')?.focus() });

  return (
    <Stack p="md" gap="md" h="100%" style={{ overflow: 'hidden' }}>
      <Group justify="space-between">
        <Title order={2}>Knowledge</Title>
        {staff && (
          <Button size="xs" leftSection={<IconPlus size={14} />} onClick={() => navigate('/knowledge/new')} data-testid="kb-new">
            New article
          </Button>
        )}
      </Group>
      <Group gap="sm" align="flex-end">
        <TextInput
          id="kb-search"
          label="Search"
          placeholder="Words, or a KB number"
          leftSection={<IconSearch size={14} />}
          value={typed}
          onChange={(e) => setTyped(e.currentTarget.value)}
          w={300}
          data-testid="kb-search"
        />
        <Select label="Category" data={list.data?.categories ?? []} value={category} onChange={setCategory} clearable w={200} placeholder="Any" />
        {role !== 'requester' && (
          <>
            <Select
              label="Status"
              data={KB_STATUSES.map((s) => ({ value: s, label: KB_STATUS_LABELS[s] }))}
              value={status}
              onChange={(v) => setStatus(v as KbStatus | null)}
              clearable
              w={160}
              placeholder="Any"
              data-testid="kb-filter-status"
            />
            <Select
              label="Visibility"
              data={[
                { value: 'internal', label: 'Internal' },
                { value: 'public', label: 'Public' },
              ]}
              value={visibility}
              onChange={(v) => setVisibility(v as KbVisibility | null)}
              clearable
              w={160}
              placeholder="Any"
            />
          </>
        )}
        <Text size="sm" c="dimmed" mb={8} data-testid="kb-total">
          {q ? (search.data ? `${search.data.items.length} found` : '') : list.data ? `${list.data.total} article${list.data.total === 1 ? '' : 's'}` : ''}
        </Text>
      </Group>
      {active.error && !active.data ? (
        <ErrorState error={active.error} onRetry={() => void active.refetch()} />
      ) : !rows ? (
        <Loading label={q ? 'Searching…' : 'Loading articles…'} />
      ) : rows.length === 0 ? (
        <Empty title={q || status || visibility || category ? 'No article matches' : 'No article yet'}>
          {staff ? 'Write one with New article (n).' : role === 'requester' ? 'Articles the team publishes for you show here.' : 'Articles the team writes show here.'}
        </Empty>
      ) : (
        <ArticleList rows={rows} />
      )}
    </Stack>
  );
}

function ArticleList({ rows }: { rows: Row[] }) {
  const parentRef = useRef<HTMLDivElement>(null);
  const [cursor, setCursor] = useState(0);
  const virt = useVirtualizer({ count: rows.length, getScrollElement: () => parentRef.current, estimateSize: () => ROW, overscan: 10 });
  useEffect(() => setCursor((c) => Math.min(c, Math.max(rows.length - 1, 0))), [rows.length]);
  useKeys({
    j: () => setCursor((i) => Math.min(i + 1, rows.length - 1)),
    k: () => setCursor((i) => Math.max(i - 1, 0)),
    Enter: () => rows[cursor] && navigate(`/knowledge/${rows[cursor].id}`),
  });
  useEffect(() => virt.scrollToIndex(cursor), [cursor, virt]);
  return (
    <div
      ref={parentRef}
      style={{ flex: 1, overflow: 'auto', minHeight: 200, border: '1px solid var(--mantine-color-default-border)', borderRadius: 4 }}
      data-testid="kb-list"
      role="list"
      aria-label="Articles"
    >
      <div style={{ height: virt.getTotalSize(), position: 'relative' }}>
        {virt.getVirtualItems().map((v) => {
          const r = rows[v.index]!;
          return (
            <div
              key={r.id}
              role="listitem"
              data-testid="kb-row"
              data-number={r.number}
              aria-current={v.index === cursor ? 'true' : undefined}
              style={{
                position: 'absolute',
                top: 0,
                left: 0,
                right: 0,
                height: ROW,
                transform: `translateY(${v.start}px)`,
                display: 'flex',
                alignItems: 'center',
                gap: 12,
                padding: '0 12px',
                borderBottom: '1px solid var(--mantine-color-default-border)',
                background: v.index === cursor ? 'var(--mantine-color-default-hover)' : undefined,
              }}
            >
              <a href={`#/knowledge/${r.id}`} onClick={(e) => (e.preventDefault(), navigate(`/knowledge/${r.id}`))} style={{ width: 90, fontFamily: 'monospace', color: 'inherit' }}>
                {r.number}
              </a>
              <div style={{ flex: 1, minWidth: 0 }}>
                <Text size="sm" truncate fw={500}>
                  {r.title}
                </Text>
                <Text size="xs" c="dimmed" truncate>
                  {r.snippet ? <Snippet text={r.snippet} /> : (r.category ?? '')}
                </Text>
              </div>
              {r.solvedCount > 0 && (
                <Badge size="sm" variant="light" color="teal" title="Tickets solved with this article">
                  Solved {r.solvedCount}
                </Badge>
              )}
              <KbStatusBadge status={r.status} />
              <VisibilityBadge visibility={r.visibility} />
            </div>
          );
        })}
      </div>
    </div>
  );
}
