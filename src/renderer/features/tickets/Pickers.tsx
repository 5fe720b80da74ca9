/**
 * The queue's keyboard pickers: `A` "assign to…" (technicians, searchable, Enter assigns) and `l`
 * "link an asset" (searches the asset register as you type, or takes a scanned / typed tag on Enter).
 */
import { useEffect, useMemo, useState, type ReactNode } from 'react';
import { create } from 'zustand';
import { Group, Kbd, Loader, Modal, Stack, Text, TextInput, UnstyledButton } from '@mantine/core';
import { IconSearch } from '@tabler/icons-react';
import type { AssetRow } from '../../../shared/api/assets';
import { api, ApiCallError, errorMessage } from '../../lib/client';
import { useSession } from '../../stores/session';
import { useLookups } from '../common/lookups';
import { useScanHandler } from '../scan/useScanHandler';
import { act } from './actions';

export interface PickTarget {
  ids: string[];
  /** A ticket number, or "3 tickets". */
  label: string;
}

interface PickerState {
  assign: PickTarget | null;
  asset: (PickTarget & { ids: [string] }) | null;
  openAssign(t: PickTarget): void;
  openAsset(id: string, number: string): void;
  close(): void;
}

export const usePickers = create<PickerState>((set) => ({
  assign: null,
  asset: null,
  openAssign: (assign) => set({ assign, asset: null }),
  openAsset: (id, number) => set({ asset: { ids: [id], label: number }, assign: null }),
  close: () => set({ assign: null, asset: null }),
}));

interface Item {
  key: string;
  label: string;
  hint?: string;
}

/** A search field over a list; ↑/↓ move, Enter picks the highlighted item (or hands the text to onEnterText). */
function PickerModal({
  opened,
  title,
  placeholder,
  items,
  query,
  onQuery,
  onPick,
  onEnterText,
  loading,
  empty,
  footer,
  testId,
}: {
  opened: boolean;
  title: string;
  placeholder: string;
  items: Item[];
  query: string;
  onQuery(q: string): void;
  onPick(item: Item): void;
  /** Enter with the field's text and the highlighted item (when any). */
  onEnterText?(text: string, highlighted: Item | undefined): void;
  loading?: boolean;
  empty: ReactNode;
  footer?: ReactNode;
  testId: string;
}) {
  const close = usePickers((s) => s.close);
  const [active, setActive] = useState(0);
  useEffect(() => setActive(0), [items]);
  const onKeyDown = (e: React.KeyboardEvent) => {
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      if (items.length) setActive((i) => (i + (e.key === 'ArrowDown' ? 1 : items.length - 1)) % items.length);
    } else if (e.key === 'Enter') {
      e.preventDefault();
      if (onEnterText) onEnterText(query.trim(), items[active]);
      else if (items[active]) onPick(items[active]);
    }
  };
  return (
    <Modal opened={opened} onClose={close} title={title} size="md" data-testid={testId} returnFocus={false}>
      <Stack gap="xs">
        <TextInput
          data-autofocus
          placeholder={placeholder}
          leftSection={<IconSearch size={14} />}
          rightSection={loading ? <Loader size="xs" /> : null}
          value={query}
          onChange={(e) => onQuery(e.currentTarget.value)}
          onKeyDown={onKeyDown}
          aria-label={placeholder}
        />
        <Stack gap={2} mah={320} style={{ overflowY: 'auto' }} role="listbox" aria-label={title}>
          {items.length === 0 && !loading ? (
            <Text size="sm" c="dimmed" px="xs" py={4}>
              {empty}
            </Text>
          ) : (
            items.map((it, i) => (
              <UnstyledButton
                key={it.key}
                role="option"
                aria-selected={i === active}
                data-testid="picker-option"
                onMouseEnter={() => setActive(i)}
                onClick={() => onPick(it)}
                px="xs"
                py={6}
                style={{ borderRadius: 6, background: i === active ? 'var(--mantine-primary-color-light)' : undefined }}
              >
                <Group justify="space-between" wrap="nowrap">
                  <Text size="sm">{it.label}</Text>
                  {it.hint && (
                    <Text size="xs" c="dimmed">
                      {it.hint}
                    </Text>
                  )}
                </Group>
              </UnstyledButton>
            ))
          )}
        </Stack>
        {footer ?? (
          <Text size="xs" c="dimmed">
            <Kbd size="xs">↑</Kbd> <Kbd size="xs">↓</Kbd> to move, <Kbd size="xs">Enter</Kbd> to choose, <Kbd size="xs">Esc</Kbd> to cancel.
          </Text>
        )}
      </Stack>
    </Modal>
  );
}

const NOBODY = '\u0000nobody';
const NO_ITEMS: Item[] = [];

export function AssignPicker() {
  const target = usePickers((s) => s.assign);
  const close = usePickers((s) => s.close);
  const me = useSession((s) => s.user);
  const { users } = useLookups();
  const [query, setQuery] = useState('');
  useEffect(() => setQuery(''), [target]);

  const items = useMemo(() => {
    const q = query.trim().toLowerCase();
    const staff = users
      .filter((u) => u.role === 'admin' || u.role === 'technician')
      .map((u) => ({ key: u.id, label: u.id === me?.id ? `${u.displayName} (me)` : u.displayName, hint: u.username }))
      .sort((a, b) => (a.key === me?.id ? -1 : b.key === me?.id ? 1 : a.label.localeCompare(b.label)));
    const all: Item[] = [...staff, { key: NOBODY, label: 'Nobody (unassign)' }];
    return q ? all.filter((i) => i.label.toLowerCase().includes(q) || (i.hint ?? '').toLowerCase().includes(q)) : all;
  }, [users, me, query]);

  const pick = async (it: Item) => {
    if (!target) return;
    const assigneeId = it.key === NOBODY ? null : it.key;
    const name = it.key === me?.id ? 'you' : it.label;
    close();
    const msg = assigneeId ? `Assigned ${target.label} to ${name}.` : `Unassigned ${target.label}.`;
    if (target.ids.length === 1) await act('tickets.update', { id: target.ids[0]!, fields: { assigneeId } }, msg);
    else await act('tickets.bulk', { ids: target.ids, action: { kind: 'assign', assigneeId } }, msg);
  };

  return (
    <PickerModal
      opened={target !== null}
      title={target ? `Assign ${target.label} to…` : ''}
      placeholder="Type a name"
      items={items}
      query={query}
      onQuery={setQuery}
      onPick={(it) => void pick(it)}
      empty="No technician matches."
      testId="assign-picker"
    />
  );
}

function assetItem(a: Pick<AssetRow, 'id' | 'tag' | 'name' | 'locationName' | 'assignedToName'>): Item {
  return { key: a.id, label: `${a.tag} · ${a.name}`, hint: a.assignedToName ?? a.locationName ?? undefined };
}

export function LinkAssetPicker() {
  const target = usePickers((s) => s.asset);
  const close = usePickers((s) => s.close);
  const [query, setQuery] = useState('');
  const [results, setResults] = useState<{ for: string; items: Item[] } | null>(null);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    setQuery('');
    setResults(null);
    setError(null);
  }, [target]);

  // Searches after a short pause; an answer for older text is dropped.
  useEffect(() => {
    if (!target) return;
    const text = query.trim();
    let live = true;
    const t = setTimeout(() => {
      setLoading(true);
      api
        .call('assets.list', { filter: text ? { text } : {}, sort: 'tag', limit: 20 })
        .then(
          (page) => live && setResults({ for: text, items: page.items.map(assetItem) }),
          (e: unknown) => live && setError(errorMessage(e)),
        )
        .finally(() => live && setLoading(false));
    }, 180);
    return () => {
      live = false;
      clearTimeout(t);
    };
  }, [query, target]);

  const link = async (assetId: string, what: string) => {
    if (!target) return;
    close();
    await act('tickets.update', { id: target.ids[0], fields: { linkedAssetId: assetId } }, `${target.label}: linked ${what}.`);
  };

  /** A scanned or typed tag: an exact tag wins, else the highlighted search result, else ask the register. */
  const byTag = async (text: string, highlighted?: Item) => {
    if (!text && highlighted) return link(highlighted.key, highlighted.label);
    if (!text) return;
    const exact = results?.items.find((i) => i.label.toLowerCase().startsWith(`${text.toLowerCase()} · `));
    if (exact) return link(exact.key, exact.label);
    if (highlighted && results?.for === text) return link(highlighted.key, highlighted.label);
    // The list on screen is for older text (a scanner types faster than the search answers): never guess from it.
    try {
      const a = await api.call('assets.get', { tag: text });
      await link(a.id, `${a.tag} · ${a.name}`);
      return;
    } catch (e) {
      if (!(e instanceof ApiCallError && e.code === 'not_found')) return setError(errorMessage(e));
    }
    try {
      const page = await api.call('assets.list', { filter: { text }, sort: 'tag', limit: 20 });
      if (page.items.length === 1) return link(page.items[0]!.id, assetItem(page.items[0]!).label);
      setResults({ for: text, items: page.items.map(assetItem) });
      setError(page.items.length ? `${page.items.length} assets match “${text}”: choose one.` : `No asset has the tag ${text}.`);
    } catch (e) {
      setError(errorMessage(e));
    }
  };

  // A scanner burst while the picker is open (focus outside the field) links that tag.
  useScanHandler(target ? (code) => void byTag(code) : null, 'Link asset');

  const items = results?.items ?? NO_ITEMS;

  return (
    <PickerModal
      opened={target !== null}
      title={target ? `Link an asset to ${target.label}` : ''}
      placeholder="Scan or type an asset tag, name or serial"
      items={items}
      query={query}
      onQuery={(q) => {
        setQuery(q);
        setError(null);
      }}
      onPick={(it) => void link(it.key, it.label)}
      onEnterText={(text, highlighted) => void byTag(text, highlighted)}
      loading={loading}
      empty={error ?? (query.trim() ? 'No asset matches. Press Enter to look the tag up exactly.' : 'The register is empty.')}
      footer={
        error ? (
          <Text size="xs" c="red" data-testid="picker-error">
            {error}
          </Text>
        ) : undefined
      }
      testId="asset-picker"
    />
  );
}
