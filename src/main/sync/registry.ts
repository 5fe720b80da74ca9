/** One sync client per open store, started with the runtime and reachable from the api handlers. */
import type { EventEmitter } from 'node:events';
import type { Store } from '../db/open';
import type { Clock } from '../services/core/context';
import type { AppEvent } from '../../shared/api/events';
import { SyncClient, type SyncClientOptions } from './client';
import type { SecretBox } from './secret-box';

const clients = new WeakMap<Store, SyncClient>();
const boxes = new WeakMap<Store, SecretBox>();

/** The shell's secret box for this store's server tokens (set before sync starts). */
export function setSecretBox(store: Store, box: SecretBox | null): void {
  if (box) boxes.set(store, box);
  else boxes.delete(store);
}

export interface SyncHost {
  store: Store;
  clock: Clock;
  events?: EventEmitter;
  emit?(e: AppEvent): void;
  log?: { info(o: object, msg?: string): void; warn(o: object, msg?: string): void };
  /** Wipes the store when the server says the device was reported lost. */
  onLost?(message: string): void;
}

/** The client for this store, made on first use. */
export function syncClientFor(host: SyncHost, extra: Partial<SyncClientOptions> = {}): SyncClient {
  let c = clients.get(host.store);
  if (!c) {
    let applying = false;
    c = new SyncClient({
      store: host.store,
      clock: host.clock,
      onApplied: (domains) => {
        // Our own refresh events must not look like local edits and trigger another sync.
        applying = true;
        try {
          for (const d of domains) host.emit?.({ type: 'changed', domain: d, ids: [] });
          host.emit?.({ type: 'changed', domain: 'sync', ids: [] });
        } finally {
          applying = false;
        }
      },
      onStatus: () => {
        if (applying) return;
        applying = true;
        try {
          host.emit?.({ type: 'changed', domain: 'sync', ids: [] });
        } finally {
          applying = false;
        }
      },
      log: (msg, o) => host.log?.warn(o ?? {}, msg),
      secretBox: boxes.get(host.store) ?? null,
      onLost: host.onLost ? (m) => host.onLost!(m) : undefined,
      ...extra,
    });
    clients.set(host.store, c);
    if (host.events) {
      const client = c;
      host.events.on('event', (e: AppEvent) => {
        if (!applying && e.type === 'changed' && e.domain !== 'sync') client.localChange();
      });
    }
  }
  return c;
}

/** Called by the runtime at start: sync begins at once when the device is joined. */
export function attachSync(host: SyncHost): SyncClient {
  const c = syncClientFor(host);
  c.start();
  return c;
}

export function detachSync(store: Store): void {
  clients.get(store)?.stop();
  clients.delete(store);
}
