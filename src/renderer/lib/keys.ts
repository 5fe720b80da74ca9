/** Single-key shortcuts that stay quiet while the user types or a dialog/menu has focus. */
import { useEffect, useRef } from 'react';

export function isTypingTarget(t: EventTarget | null): boolean {
  if (!(t instanceof HTMLElement)) return false;
  if (t.isContentEditable) return true;
  const tag = t.tagName;
  if (tag === 'TEXTAREA' || tag === 'SELECT') return true;
  if (tag === 'INPUT') {
    const type = (t as HTMLInputElement).type;
    return !['checkbox', 'radio', 'button', 'submit', 'reset'].includes(type);
  }
  return false;
}

/** A dialog (modal, palette) or an open menu owns the keyboard while it is shown. */
export function overlayOpen(): boolean {
  return document.querySelector('[aria-modal="true"], [role="menu"], [role="dialog"]') !== null;
}

export type KeyMap = Record<string, (e: KeyboardEvent) => void>;

/**
 * Binds keys by `KeyboardEvent.key` ('j', 'Enter', '?', '1'). Modifier chords are ignored so browser and
 * palette shortcuts keep working. `global` keys (like '?') still fire when an overlay is open.
 */
export function useKeys(map: KeyMap, opts: { enabled?: boolean; global?: boolean } = {}) {
  const ref = useRef(map);
  ref.current = map;
  const enabled = opts.enabled ?? true;
  const global = opts.global ?? false;
  useEffect(() => {
    if (!enabled) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.ctrlKey || e.metaKey || e.altKey || e.defaultPrevented) return;
      if (isTypingTarget(e.target)) return;
      if (!global && overlayOpen()) return;
      // Enter on a focused button or link belongs to that control.
      if (e.key === 'Enter' && e.target instanceof HTMLElement && e.target.closest('button, a, [role="button"], [role="tab"]')) return;
      const fn = ref.current[e.key];
      if (fn) {
        e.preventDefault();
        fn(e);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [enabled, global]);
}

/** A stable function that always calls the latest `fn` (so memoised children are not re-rendered by new closures). */
export function useStableCallback<A extends unknown[], R>(fn: (...args: A) => R): (...args: A) => R {
  const ref = useRef(fn);
  ref.current = fn;
  const stable = useRef((...args: A) => ref.current(...args));
  return stable.current;
}
