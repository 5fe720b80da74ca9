/** What the preload exposes as `window.outpost` in the Electron shell (the browser uses HTTP instead). */
import type { Result } from '../result';
import type { AppEvent } from './events';

export interface OutpostBridge {
  readonly transport: 'ipc';
  /** Runs one call of the contract; names outside the contract are refused before leaving the page. */
  call(name: string, input: unknown, token: string | null): Promise<Result<unknown>>;
  /** Subscribes to change events; returns the unsubscribe function. */
  onEvent(listener: (event: AppEvent) => void): () => void;
}

export const IPC_CALL_CHANNEL = 'outpost:call';
export const IPC_EVENT_CHANNEL = 'outpost:event';
