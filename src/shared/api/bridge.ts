/** What the preload exposes as `window.outpost` in the Electron shell (the browser uses HTTP instead). */
import type { Result } from '../result';
import type { AppEvent } from './events';
import type { UploadReceipt } from './common';

/**
 * Files a person may pick on the desktop for the main process to read (large imports): each kind
 * names the dialog's title and the file types it offers. The renderer names only the kind, never a
 * path; the main process registers the file the dialog returned as an upload of the signed-in person.
 */
export const PICK_KINDS = {
  'servicenow-events': { title: 'Choose a ServiceNow incident export', filters: [{ name: 'CSV files', extensions: ['csv'] }] },
  assets: { title: 'Choose an asset file', filters: [{ name: 'CSV, text or JSON files', extensions: ['csv', 'txt', 'json'] }] },
} as const;
export type PickKind = keyof typeof PICK_KINDS;
export const isPickKind = (k: unknown): k is PickKind => typeof k === 'string' && Object.prototype.hasOwnProperty.call(PICK_KINDS, k);

/** A file picked on the desktop: the upload that names it for the import, and its name to show. */
export interface PickedFile extends UploadReceipt {
  name: string;
}

export interface OutpostBridge {
  readonly transport: 'ipc';
  /** Runs one call of the contract; names outside the contract are refused before leaving the page. */
  call(name: string, input: unknown, token: string | null): Promise<Result<unknown>>;
  /** Subscribes to change events; returns the unsubscribe function. */
  onEvent(listener: (event: AppEvent) => void): () => void;
  /**
   * Shows the system's open dialog for a large import; the main process keeps the file it returns as
   * the signed-in person's upload (null: the person closed the dialog without choosing).
   */
  pickFile(kind: PickKind, token: string | null): Promise<Result<PickedFile | null>>;
}

export const IPC_CALL_CHANNEL = 'outpost:call';
export const IPC_EVENT_CHANNEL = 'outpost:event';
export const IPC_PICK_CHANNEL = 'outpost:pick-file';
