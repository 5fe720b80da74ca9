/**
 * A list read in keyset pages (audit trail, conflicts inbox): the first page when `key` (the
 * filters) changes or a change in a matching domain arrives, the next page when the list asks.
 * A reply to an older key or reload is dropped, so a slow page never lands on a newer list.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import { onDomainChange } from './query';

export interface KeysetPage<T> {
  items: T[];
  nextCursor: string | null;
  /** Every item under the same filters, when the call counts them. */
  total?: number;
}

export function useKeysetPages<T>(key: string, fetchPage: (key: string, cursor: string | null) => Promise<KeysetPage<T>>, reloadOn: (domain: string) => boolean = () => true) {
  const [items, setItems] = useState<T[]>([]);
  const [total, setTotal] = useState<number | null>(null);
  const [cursor, setCursor] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<unknown>(null);
  const generation = useRef(0);
  // The latest functions, without making every render a new key.
  const fetchRef = useRef(fetchPage);
  fetchRef.current = fetchPage;
  const reloadRef = useRef(reloadOn);
  reloadRef.current = reloadOn;

  const load = useCallback(
    async (from: string | null) => {
      const gen = generation.current;
      setLoading(true);
      try {
        const r = await fetchRef.current(key, from);
        if (gen !== generation.current) return;
        setItems((prev) => (from ? [...prev, ...r.items] : r.items));
        setTotal(r.total ?? null);
        setCursor(r.nextCursor);
        setError(null);
      } catch (e) {
        if (gen === generation.current) setError(e);
      } finally {
        if (gen === generation.current) setLoading(false);
      }
    },
    [key],
  );
  const reload = useCallback(() => {
    generation.current++;
    setCursor(null);
    void load(null);
  }, [load]);
  useEffect(reload, [reload]);
  useEffect(() => onDomainChange((d) => (reloadRef.current(d) ? reload() : undefined)), [reload]);
  const more = useCallback(() => {
    if (cursor && !loading) void load(cursor);
  }, [cursor, loading, load]);
  return { items, total, loading, error, hasMore: cursor !== null, more, reload };
}
