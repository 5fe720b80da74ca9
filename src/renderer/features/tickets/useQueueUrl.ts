/**
 * Keeps the queue's view, filters and sort in step with the URL, both ways:
 * URL → store on load, back/forward or a pasted link; store → URL (a new history entry) when the user
 * changes them. A URL with no queue parameters takes the stored state (localStorage), replacing the entry.
 */
import { useEffect } from 'react';
import { navigate, useRoute } from '../../lib/router';
import { parseQueueQuery, queueQuery, useQueue, type Persisted } from '../../stores/queue';

function same(a: Persisted, b: Persisted) {
  return queueQuery(a) === queueQuery(b);
}

export function useQueueUrl() {
  const route = useRoute();
  const path = route.path;
  const query = route.params.toString();

  // URL → store.
  useEffect(() => {
    const fromUrl = parseQueueQuery(new URLSearchParams(query));
    const store = useQueue.getState();
    if (!fromUrl) {
      navigate(`${path}?${queueQuery(store)}`, { replace: true });
      return;
    }
    // A hand-written or reordered link is rewritten in the canonical form without a new history entry
    // (before the store changes, so the store → URL side finds nothing left to push).
    const canonical = queueQuery(fromUrl);
    if (canonical !== currentQuery()) navigate(`${path}?${canonical}`, { replace: true });
    if (!same(fromUrl, store)) store.applyUrl(fromUrl);
  }, [path, query]);

  // Store → URL: each change of view, filter or sort is a step back/forward can return to.
  useEffect(
    () =>
      useQueue.subscribe((s, prev) => {
        if (s.view === prev.view && s.savedViewId === prev.savedViewId && s.filter === prev.filter && s.sort === prev.sort) return;
        const next = queueQuery(s);
        if (next === currentQuery()) return;
        navigate(`${currentPath()}?${next}`);
      }),
    [],
  );
}

function currentHash() {
  return location.hash.replace(/^#/, '');
}

function currentPath() {
  return currentHash().split('?')[0] || '/queue';
}

/** The raw query text of the address bar (not re-encoded, so it compares with queueQuery's output). */
function currentQuery() {
  return currentHash().split('?')[1] ?? '';
}
