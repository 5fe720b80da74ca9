/**
 * The upload an import screen holds and has not imported yet (a file streamed to the host, or one
 * picked on the desktop). Holding another lets the previous one go, as do `letGo` (another file about
 * to be sent, start again) and leaving the screen, so abandoned choices do not fill the few uploads one person
 * may keep waiting. Once imported, Outpost has already let the upload go: `imported` only forgets it.
 */
import { useCallback, useEffect, useMemo, useRef } from 'react';
import { api } from './client';

export interface HeldUpload {
  /** Holds this upload, letting go of the one held before (if it is another). */
  hold(uploadId: string | null): void;
  /**
   * Lets the held upload go (uploads.discard), if there is one; resolves once Outpost has, so a
   * file sent next is not refused for the one it replaces (each person may keep only a few).
   */
  letGo(): Promise<void>;
  /** The held upload was imported (Outpost removed it): forget it without discarding. */
  imported(): void;
}

export function useHeldUpload(): HeldUpload {
  const held = useRef<string | null>(null);
  const letGo = useCallback(async () => {
    const uploadId = held.current;
    held.current = null;
    if (uploadId) await api.call('uploads.discard', { uploadId }).catch(() => undefined);
  }, []);
  useEffect(
    () => () => {
      void letGo();
    },
    [letGo],
  );
  return useMemo(
    () => ({
      hold(uploadId: string | null) {
        if (held.current !== uploadId) void letGo();
        held.current = uploadId;
      },
      letGo,
      imported() {
        held.current = null;
      },
    }),
    [letGo],
  );
}
