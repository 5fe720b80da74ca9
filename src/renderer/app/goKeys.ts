/**
 * "Go to" keys as in Gmail and Linear: `g` then a letter opens a queue view or a screen. Shared with
 * the palette (views and settings pages) and the `?` sheet so the three always agree.
 */
import { useEffect } from 'react';
import type { Role } from '../../shared/api';
import { QUEUE_VIEWS, QUEUE_VIEW_LABELS, type QueueView } from '../../shared/api/tickets';
import { navigate } from '../lib/router';
import { isTypingTarget, overlayOpen } from '../lib/keys';
import { queueQuery } from '../stores/queue';
import { entriesFor } from './nav';
import { settingsSections } from './settings-sections';
import { VIEW_KEYS } from './viewKeys';

export { VIEW_KEYS };

/** Screens with a `g` sequence besides the views. */
const SCREEN_KEYS: { key: string; path: string }[] = [
  { key: 'a', path: '/assets' },
  { key: 'p', path: '/problems' },
  { key: 'c', path: '/changes' },
  { key: 's', path: '/settings' },
];

/** Opens a queue view as its sidebar entry does: the view's own filters and sort, no ticket open. */
export function goToView(view: QueueView) {
  navigate(`/queue?${queueQuery({ view, savedViewId: null, filter: {}, sort: null })}`);
}

/** Whether this role has the queue (and so its views). */
export function hasQueue(role: Role | null): boolean {
  return entriesFor(role).some((e) => e.path === '/queue');
}

/** The `g` sequences this role can use, in the order the `?` sheet lists them. */
export function goSequences(role: Role | null): { key: string; label: string; go(): void }[] {
  const out: { key: string; label: string; go(): void }[] = [];
  if (hasQueue(role)) for (const v of QUEUE_VIEWS) out.push({ key: VIEW_KEYS[v], label: QUEUE_VIEW_LABELS[v], go: () => goToView(v) });
  const screens = entriesFor(role);
  for (const s of SCREEN_KEYS) {
    const e = screens.find((x) => x.path === s.path);
    if (e) out.push({ key: s.key, label: e.label, go: () => navigate(e.path) });
  }
  return out;
}

/** Settings pages this role may open, in tab order, for the palette. */
export function settingsPagesFor(role: Role | null) {
  if (!role) return [];
  return settingsSections.filter((s) => s.roles.includes(role)).sort((a, b) => (a.order ?? 100) - (b.order ?? 100));
}

/** How long after `g` the second key still counts. */
const SEQUENCE_MS = 1500;

/**
 * Listens in the capture phase so the second key of a sequence never reaches the screen's own keys
 * (`g` then `a` goes to Assets; it does not also assign the ticket).
 */
export function useGoKeys(role: Role | null) {
  useEffect(() => {
    let armedAt = Number.NEGATIVE_INFINITY;
    const onKey = (e: KeyboardEvent) => {
      if (e.ctrlKey || e.metaKey || e.altKey || e.defaultPrevented) return;
      if (isTypingTarget(e.target) || overlayOpen()) {
        armedAt = Number.NEGATIVE_INFINITY;
        return;
      }
      if (e.key === 'Shift') return;
      const armed = e.timeStamp - armedAt <= SEQUENCE_MS;
      armedAt = Number.NEGATIVE_INFINITY;
      if (armed) {
        if (e.key === 'Escape') return;
        // Any other key ends the sequence and is used up: a mistyped `g 3` must not change a priority.
        e.preventDefault();
        e.stopImmediatePropagation();
        goSequences(role)
          .find((s) => s.key === e.key)
          ?.go();
        return;
      }
      if (e.key === 'g') {
        e.preventDefault();
        e.stopImmediatePropagation();
        armedAt = e.timeStamp;
      }
    };
    window.addEventListener('keydown', onKey, { capture: true });
    return () => window.removeEventListener('keydown', onKey, { capture: true });
  }, [role]);
}
