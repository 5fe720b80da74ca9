/**
 * Where the keyboard goes back to: a screen marks its main list with `data-focus-home` (the ticket
 * list). When the last menu or dialog closes, focus returns there instead of staying on the button
 * that opened it (the user menu, "Status…"), so j/k and the other keys carry on at once.
 */
import { useEffect } from 'react';
import { isTypingTarget } from '../lib/keys';

const OVERLAY = '[role="dialog"], [role="menu"]';

/** The element that last received focus (removing it moves focus to the page without a focusin). */
let lastFocused: EventTarget | null = null;
document.addEventListener('focusin', (e) => (lastFocused = e.target), true);

/** Until when a list that mounts (again) should take focus: it was asked for while the list was reloading. */
let pendingUntil = 0;
const PENDING_MS = 3000;

/** Focuses the screen's list; false when this screen has none right now (a list mounting soon takes it). */
export function focusHome(): boolean {
  const home = document.querySelector<HTMLElement>('[data-focus-home]');
  if (!home) {
    pendingUntil = performance.now() + PENDING_MS;
    return false;
  }
  pendingUntil = 0;
  home.focus({ preventScroll: true });
  return document.activeElement === home;
}

/**
 * For a list's mount effect and cleanup: a list replaced by a loading state while it had focus (a new
 * search, a refresh) gets it back when it returns, as does one that was asked for while loading.
 */
export function useFocusHomeClaim(ref: React.RefObject<HTMLElement | null>) {
  useEffect(() => {
    const el = ref.current;
    if (el && performance.now() < pendingUntil && !isTypingTarget(document.activeElement)) {
      pendingUntil = 0;
      el.focus({ preventScroll: true });
    }
    if (!el) return;
    return () => {
      // It went while it had focus (Chromium blurs a focused element as it removes it, and focus then
      // sits on the page itself, not on anything the user chose).
      if (lastFocused === el && (document.activeElement === document.body || document.activeElement === null))
        pendingUntil = performance.now() + PENDING_MS;
    };
  }, [ref]);
}

/** Watches for the last overlay to close and sends focus home, unless the user was typing in a field. */
export function useFocusHomeAfterOverlays() {
  useEffect(() => {
    let open = document.querySelector(OVERLAY) !== null;
    let frame = 0;
    const check = () => {
      frame = 0;
      const now = document.querySelector(OVERLAY) !== null;
      if (open && !now) {
        const a = document.activeElement;
        // A field the dialog handed focus back to (a search box) keeps it; so does a dialog's own next step.
        if (!(a instanceof HTMLElement && a !== document.body && isTypingTarget(a))) focusHome();
      }
      open = now;
    };
    const observer = new MutationObserver(() => {
      if (!frame) frame = requestAnimationFrame(check);
    });
    observer.observe(document.body, { childList: true, subtree: true });
    return () => {
      observer.disconnect();
      if (frame) cancelAnimationFrame(frame);
    };
  }, []);
}

/** A screen's search box: an input named or labelled "Search…", outside dialogs and the palette. */
export function isSearchBox(el: EventTarget | null): el is HTMLInputElement {
  if (!(el instanceof HTMLInputElement) || el.closest('[role="dialog"]')) return false;
  if (el.type === 'search' || el.getAttribute('role') === 'searchbox') return true;
  return /^search\b/i.test(el.getAttribute('aria-label') || el.placeholder || '');
}

/**
 * Enter and Esc leave a search box on every screen (after the screen's own handler has applied the
 * search), so the next `j` moves in the list instead of being typed into the box.
 */
export function useLeaveSearchBoxes() {
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if ((e.key !== 'Enter' && e.key !== 'Escape') || e.ctrlKey || e.metaKey || e.altKey || e.isComposing) return;
      if (!isSearchBox(e.target)) return;
      // An open suggestion list (a combobox) uses Enter and Esc itself.
      if (e.target.getAttribute('aria-expanded') === 'true') return;
      e.target.blur();
      focusHome();
    };
    // Bubble phase on the window: after React's handlers on the box itself.
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
}
