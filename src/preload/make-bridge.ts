/**
 * Builds `window.outpost` from two transport functions, without importing electron, so the
 * name filter is unit-tested. Only calls of the contract leave the page; anything else is
 * answered here with unknown_call, as the main process would.
 *
 * The allowed names are passed in rather than imported: the preload bundle gets them as a
 * build-time constant (scripts/build-electron.mjs reads CALL_NAMES), so it does not carry zod and
 * every schema of the contract into each page load.
 */
import type { AppEvent } from '../shared/api/events';
import { isPickKind, type OutpostBridge, type PickedFile } from '../shared/api/bridge';
import type { Result } from '../shared/result';

export interface BridgeTransport {
  invoke(name: string, input: unknown, token: string | null): Promise<Result<unknown>>;
  /** Registers a raw listener and returns its removal. */
  subscribe(listener: (payload: unknown) => void): () => void;
  /** Asks the main process to show its open dialog for a kind of import file. */
  pick(kind: string, token: string | null): Promise<Result<unknown>>;
}

const MAX_NAME = 100;

function refuse(message: string): Promise<Result<unknown>> {
  return Promise.resolve({ ok: false, error: { code: 'unknown_call', message } });
}

/** Events come from our own main process, but a malformed one must not crash the page. */
export function isAppEvent(x: unknown): x is AppEvent {
  return !!x && typeof x === 'object' && typeof (x as { type?: unknown }).type === 'string';
}

export function makeBridge(t: BridgeTransport, callNames: readonly string[]): OutpostBridge {
  const allowed = new Set(callNames);
  return Object.freeze({
    transport: 'ipc' as const,
    call(name: string, input: unknown, token: string | null): Promise<Result<unknown>> {
      if (typeof name !== 'string' || name.length > MAX_NAME || !allowed.has(name)) {
        return refuse(`There is no call named "${String(name).slice(0, MAX_NAME)}".`);
      }
      if (token !== null && typeof token !== 'string') {
        return Promise.resolve({ ok: false, error: { code: 'unauthenticated', message: 'Your session has ended. Sign in again.' } });
      }
      return t.invoke(name, input, token ?? null);
    },
    pickFile(kind: string, token: string | null): Promise<Result<PickedFile | null>> {
      // Only a kind of file leaves the page, never a path: the main process shows the dialog.
      if (!isPickKind(kind)) return refuse(`There is no file pick for "${String(kind).slice(0, MAX_NAME)}".`) as Promise<Result<PickedFile | null>>;
      return t.pick(kind, typeof token === 'string' ? token : null) as Promise<Result<PickedFile | null>>;
    },
    onEvent(listener: (event: AppEvent) => void): () => void {
      if (typeof listener !== 'function') throw new TypeError('onEvent needs a function');
      return t.subscribe((payload) => {
        if (isAppEvent(payload)) listener(payload);
      });
    },
  });
}
