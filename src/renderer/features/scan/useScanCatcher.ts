/**
 * The global scan catcher: one window-level keydown listener (capture phase) that recognises a
 * scanner burst when focus is not in a text field and hands the code to the current handler.
 * It claims keys only when a burst of at least `minLength` characters ends in Enter. Until then each
 * printable key is held back for at most the scanner gap (35 ms by default): a scan's characters are
 * then dropped with its Enter, so a tag never fires single-key shortcuts, and anything else (`j x j x`
 * typed quickly, a slow Enter, an arrow key) is delivered in order, every key to the screen.
 */
import { useEffect, useRef } from 'react';
import { flushSync } from 'react-dom';
import { ScanDetector } from './detector';
import { currentScanHandler, useScanStore, useScannerSettings, type ScanHandler } from './store';

/** Fields where the user is typing: their own keys belong to them, not to the catcher. */
export function isTextEntry(el: EventTarget | null): boolean {
  if (!(el instanceof HTMLElement)) return false;
  if (el.isContentEditable) return true;
  if (el instanceof HTMLTextAreaElement || el instanceof HTMLSelectElement) return true;
  if (el instanceof HTMLInputElement) {
    const nonText = ['checkbox', 'radio', 'button', 'submit', 'reset', 'range', 'color', 'file', 'image'];
    return !nonText.includes(el.type);
  }
  return el.getAttribute('role') === 'textbox' || el.getAttribute('role') === 'combobox';
}

const LIT_AFTER_SCAN_MS = 900;

interface HeldKey {
  key: string;
  code: string;
  shiftKey: boolean;
  target: EventTarget | null;
}

/** Controls where Space has its own meaning (press a button, tick a box): never held back. */
function spaceActivates(el: EventTarget | null): boolean {
  return (
    el instanceof Element &&
    el.closest(
      'button, a[href], input, select, summary, [role="button"], [role="checkbox"], [role="switch"], [role="tab"], [role="menuitem"], [role="option"], [role="radio"]',
    ) !== null
  );
}

export function useScanCatcher(defaultHandler: ScanHandler): void {
  const fallback = useRef(defaultHandler);
  fallback.current = defaultHandler;

  const maxGapMs = useScannerSettings((s) => s.maxGapMs);
  const minLength = useScannerSettings((s) => s.minLength);

  useEffect(() => {
    const detector = new ScanDetector({ maxGapMs, minLength });
    let dim: ReturnType<typeof setTimeout> | null = null;
    let held: HeldKey[] = [];
    let release: ReturnType<typeof setTimeout> | null = null;
    let replaying = false;
    let heldAt = 0;
    const { setLit, caught } = useScanStore.getState();

    /** Delivers the held keys, in order, as the keydowns the screen would have had. */
    const flush = () => {
      if (release) clearTimeout(release);
      release = null;
      const keys = held;
      held = [];
      const focusedBefore = document.activeElement;
      for (const k of keys) {
        // A shortcut just delivered put focus in a field (`/` the search box, `r` the comment box): the
        // characters typed after it are text for that field, as they would have been without holding.
        if (document.activeElement !== focusedBefore && isTextEntry(document.activeElement)) {
          document.execCommand('insertText', false, k.key);
          continue;
        }
        const target = k.target instanceof Node && k.target.isConnected ? k.target : (document.activeElement ?? document.body);
        replaying = true;
        try {
          // One render per key, as with keys typed one by one: `x` after `j` must see the moved cursor.
          flushSync(() => {
            target.dispatchEvent(
              new KeyboardEvent('keydown', {
                key: k.key,
                code: k.code,
                shiftKey: k.shiftKey,
                bubbles: true,
                cancelable: true,
                composed: true,
              }),
            );
          });
        } finally {
          replaying = false;
        }
      }
    };
    const light = () => {
      if (detector.bursting !== useScanStore.getState().lit) setLit(detector.bursting);
    };

    const onKey = (e: KeyboardEvent) => {
      if (replaying) return;
      if (isTextEntry(e.target) || e.isComposing || e.repeat || e.ctrlKey || e.altKey || e.metaKey) {
        // Typing in a field, a held key (auto-repeat) or a chord: a person. Earlier keys go first.
        flush();
        detector.reset();
        light();
        return;
      }
      if (e.key === 'Shift') return;
      if (e.key === ' ' && spaceActivates(e.target)) {
        flush();
        detector.reset();
        light();
        return;
      }
      const fed = detector.feed(e.key, e.timeStamp);
      if (fed.kind === 'scan') {
        // The burst was a scan: its characters and its Enter are the scanner's, never shortcuts.
        if (release) clearTimeout(release);
        release = null;
        held = [];
        e.preventDefault();
        e.stopImmediatePropagation();
        caught(fed.code);
        if (dim) clearTimeout(dim);
        dim = setTimeout(() => setLit(false), LIT_AFTER_SCAN_MS);
        (currentScanHandler() ?? fallback.current)(fed.code);
        return;
      }
      if (e.key.length !== 1) {
        // Enter after too short or too slow a burst, an arrow, Tab, Esc: deliver what was held, then this key.
        flush();
        light();
        return;
      }
      // A printable key may start or continue a burst: hold it until the next key shows which.
      // A key after a pause starts afresh, so what was held before it is delivered first.
      if (held.length && e.timeStamp - heldAt > maxGapMs) flush();
      // That flush delivered a shortcut that put focus in a field (`/` then a key after the gap, before
      // the release timer ran): this key, aimed at where focus was, is text for the field now.
      if (isTextEntry(document.activeElement) && document.activeElement !== e.target) {
        e.preventDefault();
        e.stopImmediatePropagation();
        document.execCommand('insertText', false, e.key);
        detector.reset();
        light();
        return;
      }
      e.preventDefault();
      e.stopImmediatePropagation();
      held.push({ key: e.key, code: e.code, shiftKey: e.shiftKey, target: e.target });
      heldAt = e.timeStamp;
      if (release) clearTimeout(release);
      release = setTimeout(() => {
        // No Enter came within the gap: a person's keys after all.
        flush();
        detector.reset();
        light();
      }, maxGapMs + 10);
      light();
    };
    // A click comes after the keys typed before it: deliver them first, to where they were typed.
    const onPointer = () => {
      if (held.length) flush();
    };
    window.addEventListener('keydown', onKey, { capture: true });
    window.addEventListener('pointerdown', onPointer, { capture: true });
    return () => {
      window.removeEventListener('keydown', onKey, { capture: true });
      window.removeEventListener('pointerdown', onPointer, { capture: true });
      flush();
      if (dim) clearTimeout(dim);
    };
  }, [maxGapMs, minLength]);
}
