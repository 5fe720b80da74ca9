/**
 * The global scan catcher: one window-level keydown listener (capture phase) that recognises a
 * scanner burst when focus is not in a text field and hands the code to the current handler.
 * Once a burst is clearly a scanner's (three fast keys already in), its further keys are swallowed
 * so the rest of a tag does not fire single-key shortcuts. The first three still pass: people and
 * test automation press two or three shortcut keys in quick succession ("x j x"), and those must
 * keep working.
 */
import { useEffect, useRef } from 'react';
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
/** Fast keys already buffered before further ones are swallowed. */
const SWALLOW_AFTER = 3;

export function useScanCatcher(defaultHandler: ScanHandler): void {
  const fallback = useRef(defaultHandler);
  fallback.current = defaultHandler;

  const maxGapMs = useScannerSettings((s) => s.maxGapMs);
  const minLength = useScannerSettings((s) => s.minLength);

  useEffect(() => {
    const detector = new ScanDetector({ maxGapMs, minLength });
    let dim: ReturnType<typeof setTimeout> | null = null;
    const { setLit, caught } = useScanStore.getState();

    const onKey = (e: KeyboardEvent) => {
      if (isTextEntry(e.target) || e.isComposing) {
        detector.reset();
        return;
      }
      // Auto-repeat (a held key) is a person, never a scanner.
      if (e.repeat) {
        detector.reset();
        return;
      }
      const wasBursting = detector.bursting;
      const midBurst = detector.continues(e.timeStamp, SWALLOW_AFTER, e.key);
      const fed = detector.feed(e.key, e.timeStamp, e.ctrlKey || e.altKey || e.metaKey);
      if (fed.kind === 'scan') {
        e.preventDefault();
        e.stopImmediatePropagation();
        caught(fed.code);
        if (dim) clearTimeout(dim);
        dim = setTimeout(() => setLit(false), LIT_AFTER_SCAN_MS);
        (currentScanHandler() ?? fallback.current)(fed.code);
        return;
      }
      if (midBurst && e.key.length === 1) {
        e.preventDefault();
        e.stopImmediatePropagation();
      }
      if (detector.bursting !== wasBursting) setLit(detector.bursting);
    };
    window.addEventListener('keydown', onKey, { capture: true });
    return () => {
      window.removeEventListener('keydown', onKey, { capture: true });
      if (dim) clearTimeout(dim);
    };
  }, [maxGapMs, minLength]);
}
