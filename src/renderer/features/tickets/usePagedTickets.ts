/**
 * Keyset-paged ticket list: loads pages of `tickets.list` as the list scrolls, and on a change event
 * reloads the rows already loaded (so scroll position and selection survive a refresh).
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import type { QueueSort, QueueView, TicketFilter, TicketRow } from '../../../shared/api/tickets';
import type { CallOutput } from '../../../shared/api';
import { api } from '../../lib/client';
import { onDomainChange } from '../../lib/query';

const PAGE = 100;
const MAX_CALL = 500;

export interface PagedTickets {
  rows: TicketRow[];
  total: number | null;
  hasMore: boolean;
  loading: boolean;
  error: unknown;
  loadMore(): void;
  reload(): void;
}

export function usePagedTickets(view: QueueView, filter: TicketFilter, sort: QueueSort | null): PagedTickets {
  const [rows, setRows] = useState<TicketRow[]>([]);
  const [total, setTotal] = useState<number | null>(null);
  const [cursor, setCursor] = useState<string | null>(null);
  const [hasMore, setHasMore] = useState(false);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<unknown>(null);
  // Each (re)load gets a generation; answers from an older generation are dropped.
  const gen = useRef(0);
  const busy = useRef(false);
  const state = useRef({ rows, cursor, hasMore });
  state.current = { rows, cursor, hasMore };
  const key = JSON.stringify([view, filter, sort]);

  const base = useCallback(() => ({ view, filter, ...(sort ? { sort } : {}) }), [key]);

  /** Loads the first `want` rows again (at least one page), in calls of up to 500. */
  const load = useCallback(
    async (want: number, keepRows: boolean) => {
      const g = ++gen.current;
      busy.current = true;
      setLoading(true);
      if (!keepRows) {
        setRows([]);
        setTotal(null);
      }
      try {
        const acc: TicketRow[] = [];
        let next: string | null = null;
        let first = true;
        let tot: number | null = null;
        do {
          const limit = Math.min(MAX_CALL, Math.max(PAGE, want - acc.length));
          const page: CallOutput<'tickets.list'> = await api.call('tickets.list', { ...base(), limit, cursor: next, withTotal: first });
          if (g !== gen.current) return;
          if (first) tot = page.total;
          first = false;
          acc.push(...page.items);
          next = page.nextCursor;
        } while (next && acc.length < want);
        setRows(acc);
        setTotal(tot);
        setCursor(next);
        setHasMore(next !== null);
        setError(null);
      } catch (e) {
        if (g === gen.current) setError(e);
      } finally {
        if (g === gen.current) {
          busy.current = false;
          setLoading(false);
        }
      }
    },
    [base],
  );

  useEffect(() => {
    void load(PAGE, false);
  }, [load]);

  const loadMore = useCallback(() => {
    const s = state.current;
    if (busy.current || !s.hasMore || !s.cursor) return;
    const g = gen.current;
    busy.current = true;
    setLoading(true);
    api
      .call('tickets.list', { ...base(), limit: PAGE, cursor: s.cursor })
      .then(
        (page) => {
          if (g !== gen.current) return;
          setRows((r) => [...r, ...page.items]);
          setCursor(page.nextCursor);
          setHasMore(page.nextCursor !== null);
        },
        (e: unknown) => {
          if (g === gen.current) setError(e);
        },
      )
      .finally(() => {
        if (g === gen.current) {
          busy.current = false;
          setLoading(false);
        }
      });
  }, [base]);

  const reload = useCallback(() => {
    void load(Math.max(PAGE, state.current.rows.length), true);
  }, [load]);

  // A change anywhere refreshes the rows already on screen, debounced so a burst of events is one reload.
  useEffect(() => {
    let t: ReturnType<typeof setTimeout> | null = null;
    const off = onDomainChange((d) => {
      if (!['tickets', 'users', 'groups', 'sites', 'setup'].includes(d)) return;
      if (t) clearTimeout(t);
      t = setTimeout(reload, 60);
    });
    return () => {
      off();
      if (t) clearTimeout(t);
    };
  }, [reload]);

  return { rows, total, hasMore, loading, error, loadMore, reload };
}
