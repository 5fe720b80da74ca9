/**
 * What the runtime that opened a store lets the api do to the store as a whole (protect it with a
 * passphrase, back it up, restore a backup): registered per open store, as sync clients are.
 */
import type { Store } from './open';
import type { BackupInfo } from './backup';
import type { StoreCipher } from './store-key';

export interface StoreControl {
  /** A passphrase can encrypt this store here (the browser host; the desktop's key lives in the OS keychain). */
  canProtect: boolean;
  /** Encrypts the open plain store with a key derived from the passphrase, then carries on on it. */
  protect(passphrase: string): void;
  /** The cipher chosen for this store (the one it is encrypted with once it is encrypted). */
  cipher(): StoreCipher;
  /**
   * Re-encrypts the open encrypted store with `cipher` through a checked copy and records the choice,
   * then carries on on it (the switch in its audit trail, by `actorId`). Answers the cipher it was in.
   */
  setCipher(cipher: StoreCipher, actorId: string): StoreCipher;
  backups(): BackupInfo[];
  backup(): BackupInfo;
  /** Puts the named backup in place of the store and carries on on it. */
  restore(name: string): void;
  /**
   * Desktop only: asks the person where to save an export (a save dialog in the main process); null
   * when they cancel. Absent in the browser host, which offers the export as a download instead.
   */
  saveExportAs?: (suggestedName: string) => Promise<string | null>;
  /**
   * Writes an export of everything (see services/transfer/move.ts) to `out`, or, when it is null, to a
   * file in the data folder's exports that is offered as a download.
   */
  exportTo(passphrase: string, out: string | null): { file: string; bytes: number; blobs: number; counts: Record<string, number> };
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
