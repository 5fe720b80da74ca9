/**
 * What the runtime that opened a store lets the api do to the store as a whole (protect it with a
 * passphrase, back it up, restore a backup): registered per open store, as sync clients are.
 */
import type { Store } from './open';
import type { BackupInfo } from './backup';

export interface StoreControl {
  /** A passphrase can encrypt this store here (the browser host; the desktop's key lives in the OS keychain). */
  canProtect: boolean;
  /** Encrypts the open plain store with a key derived from the passphrase, then carries on on it. */
  protect(passphrase: string): void;
  backups(): BackupInfo[];
  backup(): BackupInfo;
  /** Puts the named backup in place of the store and carries on on it. */
  restore(name: string): void;
  /** Writes an export of everything (see services/transfer/move.ts) into the data folder's exports. */
  exportTo(passphrase: string): { file: string; bytes: number; blobs: number; counts: Record<string, number> };
  /** Replaces this (new, empty) store with an export's, checked, and carries on on it. */
  importFrom(file: string, passphrase: string): { exportedAt: string; counts: Record<string, number>; blobs: number };
}

const controls = new WeakMap<Store, StoreControl>();

export function setStoreControl(store: Store, control: StoreControl): void {
  controls.set(store, control);
}

export function storeControlFor(store: Store): StoreControl | null {
  return controls.get(store) ?? null;
}
