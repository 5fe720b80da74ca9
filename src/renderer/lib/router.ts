/** A tiny hash router: `#/queue/INC0000012?view=my_work`. Hash routing also works from file:// in Electron. */
import { useSyncExternalStore } from 'react';

export interface Route {
  path: string;
  /** Path segments, e.g. ['queue', 'INC0000012']. */
  segments: string[];
  params: URLSearchParams;
}

function parse(hash: string): Route {
  const raw = hash.replace(/^#/, '') || '/';
  const [p = '/', q = ''] = raw.split('?');
  const path = p.startsWith('/') ? p : `/${p}`;
  return { path, segments: path.split('/').filter(Boolean).map(decodeURIComponent), params: new URLSearchParams(q) };
}

let current = parse(typeof location !== 'undefined' ? location.hash : '');
const listeners = new Set<() => void>();
if (typeof window !== 'undefined') {
  window.addEventListener('hashchange', () => {
    current = parse(location.hash);
    for (const l of listeners) l();
  });
}

export function useRoute(): Route {
  return useSyncExternalStore(
    (cb) => {
      listeners.add(cb);
      return () => listeners.delete(cb);
    },
    () => current,
  );
}

/** Goes to `to` ('/queue', '/tickets/INC0000001'); `replace` keeps history clean for filter changes. */
export function navigate(to: string, opts: { replace?: boolean } = {}) {
  const hash = `#${to.startsWith('/') ? to : `/${to}`}`;
  if (location.hash === hash) return;
  if (opts.replace) {
    history.replaceState(null, '', hash);
    current = parse(hash);
    for (const l of listeners) l();
  } else location.hash = hash;
}

/** True when `path` is `base` or below it ('/settings/users' is under '/settings'). */
export function isUnder(path: string, base: string) {
  return path === base || path.startsWith(base.endsWith('/') ? base : `${base}/`);
}
