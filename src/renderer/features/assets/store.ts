/**
 * UI state of the asset list: filters and sort (sent to SQL through assets.list), the saved
 * selection and the batch of scanned tags. Persisted in localStorage so a selection survives a
 * reload or a trip to an asset page.
 */
import { create } from 'zustand';
import type { AssetFilter, AssetSort } from '../../../shared/api/assets';

const KEY = 'outpost.assets.list';

interface Saved {
  filter: AssetFilter;
  sort: AssetSort;
  selected: string[];
  batch: string[];
  batchMode: boolean;
}

interface AssetListState extends Saved {
  setFilter(patch: Partial<AssetFilter>): void;
  clearFilter(): void;
  setSort(sort: AssetSort): void;
  toggle(id: string): void;
  selectMany(ids: string[]): void;
  clearSelection(): void;
  setBatchMode(on: boolean): void;
  /** Adds a scanned tag; returns false when it was already in the batch. */
  addToBatch(tag: string): boolean;
  removeFromBatch(tag: string): void;
  clearBatch(): void;
}

function load(): Saved {
  const base: Saved = { filter: {}, sort: 'tag', selected: [], batch: [], batchMode: false };
  try {
    const raw = localStorage.getItem(KEY);
    if (!raw) return base;
    const v = JSON.parse(raw) as Partial<Saved>;
    return {
      filter: v.filter && typeof v.filter === 'object' ? v.filter : {},
      sort: typeof v.sort === 'string' ? v.sort : 'tag',
      selected: Array.isArray(v.selected) ? v.selected.filter((x): x is string => typeof x === 'string') : [],
      batch: Array.isArray(v.batch) ? v.batch.filter((x): x is string => typeof x === 'string') : [],
      batchMode: v.batchMode === true,
    };
  } catch {
    return base;
  }
}

function drop<K extends keyof AssetFilter>(f: AssetFilter, k: K) {
  const v = f[k];
  return v === undefined || v === '' || (Array.isArray(v) && v.length === 0);
}

export const useAssetList = create<AssetListState>((set, get) => {
  const save = () => {
    const { filter, sort, selected, batch, batchMode } = get();
    try {
      localStorage.setItem(KEY, JSON.stringify({ filter, sort, selected, batch, batchMode }));
    } catch {
      // storage full or disabled: the list still works, it just forgets on reload
    }
  };
  const put = (patch: Partial<Saved>) => {
    set(patch);
    save();
  };
  return {
    ...load(),
    setFilter: (patch) => {
      const next: AssetFilter = { ...get().filter, ...patch };
      for (const k of Object.keys(next) as (keyof AssetFilter)[]) if (drop(next, k)) delete next[k];
      put({ filter: next });
    },
    clearFilter: () => put({ filter: {} }),
    setSort: (sort) => put({ sort }),
    toggle: (id) => {
      const s = new Set(get().selected);
      if (s.has(id)) s.delete(id);
      else s.add(id);
      put({ selected: [...s] });
    },
    selectMany: (ids) => put({ selected: [...new Set([...get().selected, ...ids])] }),
    clearSelection: () => put({ selected: [] }),
    setBatchMode: (batchMode) => put({ batchMode }),
    addToBatch: (tag) => {
      const t = tag.trim();
      if (!t || get().batch.some((b) => b.toUpperCase() === t.toUpperCase())) return false;
      put({ batch: [...get().batch, t] });
      return true;
    },
    removeFromBatch: (tag) => put({ batch: get().batch.filter((b) => b !== tag) }),
    clearBatch: () => put({ batch: [] }),
  };
});
