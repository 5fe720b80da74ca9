/** The queue's UI state: which view, filters and sort, the keyboard cursor and the bulk selection. */
import { create } from 'zustand';
import type { QueueSort, QueueView, TicketFilter } from '../../shared/api/tickets';

const KEY = 'outpost.queue';

interface Persisted {
  view: QueueView;
  savedViewId: string | null;
  filter: TicketFilter;
  sort: QueueSort | null;
}

interface QueueState extends Persisted {
  /** Id of the row the keyboard cursor is on. */
  cursorId: string | null;
  checked: Set<string>;
  createOpen: boolean;
  setView(view: QueueView, savedViewId?: string | null, filter?: TicketFilter, sort?: QueueSort | null): void;
  setFilter(patch: Partial<TicketFilter>): void;
  clearFilter(): void;
  setSort(sort: QueueSort | null): void;
  setCursor(id: string | null): void;
  toggleChecked(id: string): void;
  clearChecked(): void;
  setCreateOpen(open: boolean): void;
}

function load(): Persisted {
  const d: Persisted = { view: 'all_open', savedViewId: null, filter: {}, sort: null };
  try {
    const raw = localStorage.getItem(KEY);
    if (raw) return { ...d, ...(JSON.parse(raw) as Partial<Persisted>) };
  } catch {
    // fall back to the defaults
  }
  return d;
}

function save(s: Persisted) {
  localStorage.setItem(KEY, JSON.stringify({ view: s.view, savedViewId: s.savedViewId, filter: s.filter, sort: s.sort }));
}

/** Drops empty arrays and blank text so the filter sent to SQL is minimal. */
export function cleanFilter(f: TicketFilter): TicketFilter {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(f)) {
    if (Array.isArray(v) ? v.length > 0 : typeof v === 'string' ? v.trim() !== '' : v !== undefined) out[k] = v;
  }
  return out as TicketFilter;
}

export const useQueue = create<QueueState>((set, get) => ({
  ...load(),
  cursorId: null,
  checked: new Set(),
  createOpen: false,
  setView: (view, savedViewId = null, filter = {}, sort = null) => {
    set({ view, savedViewId, filter, sort, checked: new Set() });
    save(get());
  },
  setFilter: (patch) => {
    set((s) => ({ filter: cleanFilter({ ...s.filter, ...patch }), checked: new Set() }));
    save(get());
  },
  clearFilter: () => {
    set({ filter: {}, checked: new Set() });
    save(get());
  },
  setSort: (sort) => {
    set({ sort });
    save(get());
  },
  setCursor: (id) => set({ cursorId: id }),
  toggleChecked: (id) =>
    set((s) => {
      const next = new Set(s.checked);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return { checked: next };
    }),
  clearChecked: () => set({ checked: new Set() }),
  setCreateOpen: (open) => set({ createOpen: open }),
}));
