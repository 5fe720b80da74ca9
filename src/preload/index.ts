/**
 * The sandboxed preload: exposes `window.outpost` (OutpostBridge) through contextBridge. Bundled
 * into one file (dist/electron/preload.cjs) because a sandboxed preload may require only 'electron'.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { IPC_CALL_CHANNEL, IPC_EVENT_CHANNEL, IPC_PICK_CHANNEL } from '../shared/api/bridge';
import type { Result } from '../shared/result';
import { makeBridge } from './make-bridge';

/** Injected by scripts/build-electron.mjs: the contract's CALL_NAMES, checked against the contract at build time. */
declare const __OUTPOST_CALL_NAMES__: readonly string[];

const bridge = makeBridge({
  invoke: (name, input, token) => ipcRenderer.invoke(IPC_CALL_CHANNEL, name, input, token) as Promise<Result<unknown>>,
  pick: (kind, token) => ipcRenderer.invoke(IPC_PICK_CHANNEL, kind, token) as Promise<Result<unknown>>,
  subscribe: (listener) => {
    // The IPC event object (with its sender) never reaches the page, only the payload.
    const wrapped = (_e: IpcRendererEvent, payload: unknown) => listener(payload);
    ipcRenderer.on(IPC_EVENT_CHANNEL, wrapped);
    return () => {
      ipcRenderer.removeListener(IPC_EVENT_CHANNEL, wrapped);
    };
  },
}, __OUTPOST_CALL_NAMES__);

contextBridge.exposeInMainWorld('outpost', bridge);
