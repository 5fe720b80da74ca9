/**
 * The queue's UI state: which view, filters and sort, the keyboard cursor and the bulk selection.
 * View, filters and sort also live in the URL (`#/queue?view=all_open&status=new,assigned&sort=priority`,
 * see QueuePage's useQueueUrl) so reload, back/forward and shared links restore them; localStorage is only
 * the fallback for a URL that carries none.
 */
import { create } from 'zustand';
import { QUEUE_SORTS, QUEUE_VIEWS, ticketFilter, type QueueSort, type QueueView, type TicketFilter } from '../../shared/api/tickets';

const KEY = 'outpost.queue';

export interface Persisted {
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
  /** Takes view, filters and sort from the URL (back/forward, a shared link). */
  applyUrl(p: Persisted): void;
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
  applyUrl: (p) => {
    set({ view: p.view, savedViewId: p.savedViewId, filter: p.filter, sort: p.sort, checked: new Set() });
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

/** URL keys for each filter field; lists are comma-joined, `none` stands for "assigned to nobody". */
const URL_KEYS = {
  status: 'status',
  priority: 'priority',
  type: 'type',
  groupId: 'group',
  assigneeId: 'assignee',
  siteId: 'site',
  tag: 'tag',
} as const satisfies Record<Exclude<keyof TicketFilter, 'text' | PeriodKey | 'openAt' | 'breached' | 'reopened'>, string>;
/** The dashboard's click-through filters: periods as `from~to` (either end may be empty), flags as 1. */
const PERIOD_KEYS = ['opened', 'resolved', 'finished', 'closed'] as const;
type PeriodKey = (typeof PERIOD_KEYS)[number];
const FLAG_KEYS = ['breached', 'reopened'] as const;
const NOBODY = 'none';
const ALL_URL_KEYS = ['view', 'saved', 'sort', 'q', 'openAt', ...PERIOD_KEYS, ...FLAG_KEYS, ...Object.values(URL_KEYS)];

/**
 * The query string for a queue state, in a fixed order so the same state always gives the same text
 * (the URL sync compares strings). Commas stay literal so links read `status=new,assigned`.
 */
export function queueQuery(s: Persisted): string {
  const parts: string[] = [`view=${s.view}`];
  if (s.savedViewId) parts.push(`saved=${encodeURIComponent(s.savedViewId)}`);
  const f = cleanFilter(s.filter);
  for (const [field, key] of Object.entries(URL_KEYS) as [keyof typeof URL_KEYS, string][]) {
    const v = f[field] as (string | number | null)[] | undefined;
    if (v?.length) parts.push(`${key}=${v.map((x) => (x === null ? NOBODY : encodeURIComponent(String(x)))).join(',')}`);
  }
  for (const k of PERIOD_KEYS) {
    const p = f[k];
    if (p) parts.push(`${k}=${encodeURIComponent(p.from ?? '')}~${encodeURIComponent(p.to ?? '')}`);
  }
  if (f.openAt) parts.push(`openAt=${encodeURIComponent(f.openAt)}`);
  for (const k of FLAG_KEYS) if (f[k]) parts.push(`${k}=1`);
  if (f.text) parts.push(`q=${encodeURIComponent(f.text)}`);
  if (s.sort) parts.push(`sort=${s.sort}`);
  return parts.join('&');
}

/**
 * Reads a queue state from URL parameters, or null when the URL carries none (use the stored one then).
 * A hand-edited or stale link never breaks the queue: each bad part is dropped on its own.
 */
export function parseQueueQuery(params: URLSearchParams): Persisted | null {
  if (!ALL_URL_KEYS.some((k) => params.has(k))) return null;
  const view = params.get('view');
  const sort = params.get('sort');
  const filter: Record<string, unknown> = {};
  for (const [field, key] of Object.entries(URL_KEYS)) {
    const raw = params.get(key);
    if (!raw) continue;
    const items = raw
      .split(',')
      .filter(Boolean)
      .map((x) => (field === 'priority' ? Number(x) : field === 'assigneeId' && x === NOBODY ? null : x));
    const one = ticketFilter.safeParse({ [field]: items });
    if (one.success) Object.assign(filter, one.data);
  }
  for (const k of PERIOD_KEYS) {
    const raw = params.get(k);
    if (!raw) continue;
    const [from, to] = raw.split('~');
    const one = ticketFilter.safeParse({ [k]: { ...(from ? { from } : {}), ...(to ? { to } : {}) } });
    if (one.success) Object.assign(filter, one.data);
  }
  const openAt = params.get('openAt');
  if (openAt) {
    const one = ticketFilter.safeParse({ openAt });
    if (one.success) Object.assign(filter, one.data);
  }
  for (const k of FLAG_KEYS) if (params.get(k) === '1') filter[k] = true;
  const text = params.get('q');
  if (text) {
    const t = ticketFilter.safeParse({ text });
    if (t.success) Object.assign(filter, t.data);
  }
  return {
    view: (QUEUE_VIEWS as readonly string[]).includes(view ?? '') ? (view as QueueView) : 'all_open',
    savedViewId: params.get('saved') || null,
    filter: cleanFilter(filter as TicketFilter),
    sort: (QUEUE_SORTS as readonly string[]).includes(sort ?? '') ? (sort as QueueSort) : null,
  };
}

/** The queue's address with the current view/filters/sort (and an open ticket), for links and navigation. */
export function queuePath(number?: string | null): string {
  return `/queue${number ? `/${number}` : ''}?${queueQuery(useQueue.getState())}`;
}
