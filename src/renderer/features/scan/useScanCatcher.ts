/**
 * The global scan catcher: one window-level keydown listener (capture phase) that recognises a
 * scanner burst when focus is not in a text field and hands the code to the current handler.
 * While a burst is under way its keys are swallowed, so a tag like "A1-4" never fires the
 * queue's single-key shortcuts (only the burst's first key can reach them).
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
      const midBurst = detector.bursting || pendingFast(detector, e.timeStamp);
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

/** Whether this key arrives fast enough after the previous one to continue a burst. */
function pendingFast(detector: ScanDetector, at: number): boolean {
  return detector.continues(at);
}
