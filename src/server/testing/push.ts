/**
 * Test support: a server store in memory, and what the push engine answers ops pushed by a person
 * of a given role and sites, so a device-side test can set what a device queues beside the
 * server's own verdict on it.
 */
import { uuidv7 } from '../../shared/ids';
import type { OpResult, WireOp } from '../../shared/sync/wire';
import { push } from '../engine';
import { openSqliteStore } from '../store/sqlite';
import type { ServerStore } from '../store/types';
import type { Role } from './actors';

export type { ServerStore };

export async function memoryServerStore(): Promise<ServerStore> {
  const store = openSqliteStore('', { memory: true });
  await store.migrate();
  return store;
}

/**
 * Pushes `ops` (renumbered from `firstSeq`) as one device of a person holding `role` and `sites`
 * (null: every site) and returns the server's answer to each.
 */
export async function pushAs(
  store: ServerStore,
  who: { role: Role; sites: string[] | null; deviceId?: string },
  ops: WireOp[],
  opts: { firstSeq?: number; nowMs?: number } = {},
): Promise<OpResult[]> {
  const deviceId = who.deviceId ?? uuidv7();
  const first = opts.firstSeq ?? 1;
  const req = { deviceId, clientVersion: 'test', schemaVersion: 1, cursor: 0, ops: ops.map((o, i) => ({ ...o, deviceSeq: first + i })) };
  return (await push(store, { userId: uuidv7(), role: who.role, sites: who.sites, deviceId }, req, opts.nowMs ?? Date.now())).results;
}
