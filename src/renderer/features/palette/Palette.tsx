/**
 * The command palette (Ctrl/Cmd+K): go to any screen, create a ticket or a knowledge article, open a
 * ticket, problem, change or article by its number ("INC0000012", "open PRB0000001", "chg12"), and full-text search of tickets and knowledge articles with highlighted snippets. Snippet marks arrive as \u0002…\u0003 and are rendered
 * as <mark> elements, never as HTML.
 */
import { useEffect, useState } from 'react';
import { Badge, Group, Kbd, Text } from '@mantine/core';
import { Spotlight, spotlight } from '@mantine/spotlight';
import { IconArrowRight, IconBook, IconBug, IconListDetails, IconPlus, IconSearch, IconSettings, IconTicket, IconTransform } from '@tabler/icons-react';
import { QUEUE_VIEWS, QUEUE_VIEW_LABELS, type NumberHit, type SearchHit } from '../../../shared/api/tickets';
import type { KbHit } from '../../../shared/api/kb';
import { isTicketNumber, PRIORITY_LABELS, STATUS_LABELS } from '../../../shared/tickets/rules';
import { isProvisional } from '../../../shared/numbers';
import { api, errorMessage } from '../../lib/client';
import { navigate } from '../../lib/router';
import { entriesFor } from '../../app/nav';
import { VIEW_KEYS, goToView, hasQueue, settingsPagesFor } from '../../app/goKeys';
import { useSession } from '../../stores/session';
import { useQueue } from '../../stores/queue';
import { STATUS_COLORS } from '../common/lookups';
import { Snippet } from '../common/Snippet';

export function Palette() {
  const role = useSession((s) => s.user?.role ?? null);
  const setCreateOpen = useQueue((s) => s.setCreateOpen);
  const [query, setQuery] = useState('');
  const [hits, setHits] = useState<SearchHit[]>([]);
  const [articles, setArticles] = useState<KbHit[]>([]);
  const [numbered, setNumbered] = useState<NumberHit[]>([]);
  const [searching, setSearching] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const ticketBase = role === 'requester' ? '/requests' : '/queue';
  const q = query.trim();
  // "open INC0000012" and "open PRB0000001" read as the number alone.
  const bareQ = q.replace(/^open\s+/i, '');
  const recordLike = /^(PRB|CHG|KB)[-\dP]/i.test(bareQ);

  useEffect(() => {
    if (!recordLike) {
      setNumbered([]);
      return;
    }
    let live = true;
    api.call('search.number', { text: bareQ }).then(
      (r) => live && setNumbered(r.items),
      () => live && setNumbered([]),
    );
    return () => {
      live = false;
    };
  }, [bareQ, recordLike]);

  useEffect(() => {
    if (q.length < 2) {
      setHits([]);
      setArticles([]);
      setError(null);
      return;
    }
    let live = true;
    setSearching(true);
    const t = setTimeout(() => {
      // Knowledge articles beside tickets; a failure there leaves the ticket results standing.
      api.call('kb.search', { q, limit: 6 }).then(
        (r) => live && setArticles(r.items),
        () => live && setArticles([]),
      );
      api
        .call('search.query', { text: q, limit: 12 })
        .then(
          (r) => live && (setHits(r.items), setError(null)),
          (e: unknown) => live && (setHits([]), setError(errorMessage(e))),
        )
        .finally(() => live && setSearching(false));
    }, 150);
    return () => {
      live = false;
      clearTimeout(t);
    };
  }, [q]);

  const lower = q.toLowerCase();
  const screens = entriesFor(role).filter(
    (e) => !lower || e.label.toLowerCase().includes(lower) || e.keywords?.some((k) => k.includes(lower)),
  );
  const matches = (...words: string[]) => !lower || words.some((w) => w.toLowerCase().includes(lower));
  const views = hasQueue(role) ? QUEUE_VIEWS.filter((v) => matches(QUEUE_VIEW_LABELS[v], 'view', 'queue', 'tickets')) : [];
  const settingsPages = settingsPagesFor(role).filter((p) => matches(p.label, 'settings'));
  const number = isTicketNumber(bareQ) ? bareQ.toUpperCase() : null;
  // Bare digits ("1234") could be either kind of ticket: offer both.
  const bare = /^\d{1,7}$/.test(q) ? [`INC${q.padStart(7, '0')}`, `REQ${q.padStart(7, '0')}`] : [];
  const canCreate = role !== null && role !== 'auditor' && (!lower || 'create new ticket request incident'.includes(lower));
  const canWrite = (role === 'admin' || role === 'technician') && (!lower || 'new knowledge article kb write'.includes(lower));
  const go = (path: string) => {
    spotlight.close();
    navigate(path);
  };
  const nothing =
    !screens.length && !views.length && !settingsPages.length && !number && !bare.length && !numbered.length && !canCreate && !canWrite && !hits.length && !articles.length && !searching;

  return (
    <Spotlight.Root query={query} onQueryChange={setQuery} shortcut={['mod + K']} tagsToIgnore={[]} scrollable maxHeight={520} size="xl">
      <Spotlight.Search
        placeholder="Go to a screen, type a ticket number, or search…"
        leftSection={<IconSearch size={18} />}
        data-testid="palette-input"
      />
      <Spotlight.ActionsList data-testid="palette-results">
        {number && (
          <Spotlight.Action onClick={() => go(`${ticketBase}/${number}`)} data-testid="palette-open-number">
            <Group gap="sm" wrap="nowrap">
              <IconTicket size={18} />
              <Text size="sm">Open {number}</Text>
            </Group>
          </Spotlight.Action>
        )}
        {numbered.map((h) => {
          const Icon = h.kind === 'problem' ? IconBug : h.kind === 'change' ? IconTransform : IconBook;
          const path = h.kind === 'problem' ? `/problems/${h.id}` : h.kind === 'change' ? `/changes/${h.id}` : `/knowledge/${h.id}`;
          return (
            <Spotlight.Action key={h.id} onClick={() => go(path)} data-testid="palette-open-record" data-number={h.number}>
              <Group gap="sm" wrap="nowrap">
                <Icon size={18} style={{ flex: 'none' }} />
                <Text size="sm" truncate>
                  Open {h.number} {h.title}
                </Text>
              </Group>
            </Spotlight.Action>
          );
        })}
        {bare.map((n) => (
          <Spotlight.Action key={n} onClick={() => go(`${ticketBase}/${n}`)}>
            <Group gap="sm" wrap="nowrap">
              <IconTicket size={18} />
              <Text size="sm">Open {n}</Text>
            </Group>
          </Spotlight.Action>
        ))}
        {/* Screens, views and settings pages first: they show only when their name matches, and Enter takes the first. */}
        {(screens.length > 0 || canCreate || canWrite) && (
          <Spotlight.ActionsGroup label="Go to">
            {canWrite && <Spotlight.Action leftSection={<IconBook size={18} />} label="New knowledge article" onClick={() => go('/knowledge/new')} data-testid="palette-kb-new" />}
            {canCreate && (
              <Spotlight.Action
                leftSection={<IconPlus size={18} />}
                label={role === 'requester' ? 'New request' : 'Create a ticket'}
                onClick={() => {
                  spotlight.close();
                  setCreateOpen(true);
                }}
              />
            )}
            {screens.map((e) => {
              const Icon = e.icon;
              return (
                <Spotlight.Action
                  key={e.path}
                  leftSection={<Icon size={18} />}
                  label={e.label}
                  rightSection={<IconArrowRight size={14} />}
                  onClick={() => go(e.path)}
                />
              );
            })}
          </Spotlight.ActionsGroup>
        )}
        {views.length > 0 && (
          <Spotlight.ActionsGroup label="Views">
            {views.map((v) => (
              <Spotlight.Action
                key={v}
                leftSection={<IconListDetails size={18} />}
                label={QUEUE_VIEW_LABELS[v]}
                rightSection={<Kbd size="xs">g {VIEW_KEYS[v]}</Kbd>}
                onClick={() => {
                  spotlight.close();
                  goToView(v);
                }}
                data-testid={`palette-view-${v}`}
              />
            ))}
          </Spotlight.ActionsGroup>
        )}
        {settingsPages.length > 0 && (
          <Spotlight.ActionsGroup label="Settings">
            {settingsPages.map((p) => (
              <Spotlight.Action
                key={p.key}
                leftSection={<IconSettings size={18} />}
                label={`Settings › ${p.label}`}
                rightSection={<IconArrowRight size={14} />}
                onClick={() => go(`/settings/${p.key}`)}
                data-testid={`palette-settings-${p.key}`}
              />
            ))}
          </Spotlight.ActionsGroup>
        )}
        {hits.length > 0 && (
          <Spotlight.ActionsGroup label="Tickets">
            {hits.map((h) => (
              <Spotlight.Action key={h.id} onClick={() => go(`${ticketBase}/${h.number}`)} data-testid="palette-hit" data-number={h.number}>
                <Group gap="sm" wrap="nowrap" align="flex-start" w="100%">
                  <Text size="sm" ff="monospace" c="dimmed" style={{ flex: 'none' }}>
                    {h.number}
                  </Text>
                  {isProvisional(h.number) && (
                    <Badge size="xs" variant="outline" color="orange" style={{ flex: 'none' }} data-testid="palette-provisional" title="Provisional number, given offline: the ticket gets its real number at the next sync">
                      provisional
                    </Badge>
                  )}
                  <div style={{ flex: 1, minWidth: 0 }}>
                    <Text size="sm" fw={500} truncate>
                      {h.title}
                    </Text>
                    <Text size="xs" c="dimmed" lineClamp={2}>
                      <Snippet text={h.snippet} />
                    </Text>
                  </div>
                  <Badge
                    size="xs"
                    variant="light"
                    color={STATUS_COLORS[h.status]}
                    style={{ flex: 'none' }}
                    title={PRIORITY_LABELS[h.priority]}
                  >
                    {STATUS_LABELS[h.status]}
                  </Badge>
                </Group>
              </Spotlight.Action>
            ))}
          </Spotlight.ActionsGroup>
        )}
        {articles.length > 0 && (
          <Spotlight.ActionsGroup label="Knowledge">
            {articles.map((h) => (
              <Spotlight.Action key={h.id} onClick={() => go(`/knowledge/${h.id}`)} data-testid="palette-kb-hit" data-number={h.number}>
                <Group gap="sm" wrap="nowrap" align="flex-start" w="100%">
                  <IconBook size={18} style={{ flex: 'none' }} />
                  <div style={{ flex: 1, minWidth: 0 }}>
                    <Text size="sm" fw={500} truncate>
                      {h.number} {h.title}
                    </Text>
                    <Text size="xs" c="dimmed" lineClamp={2}>
                      <Snippet text={h.snippet} />
                    </Text>
                  </div>
                </Group>
              </Spotlight.Action>
            ))}
          </Spotlight.ActionsGroup>
        )}
        {searching && !hits.length && <Spotlight.Empty>Searching…</Spotlight.Empty>}
        {error && <Spotlight.Empty>{error}</Spotlight.Empty>}
        {nothing && !error && <Spotlight.Empty>Nothing found for “{q}”.</Spotlight.Empty>}
      </Spotlight.ActionsList>
    </Spotlight.Root>
  );
}
