/**
 * A browser host started on an encrypted store without its passphrase starts locked: nothing is
 * open until someone gives the passphrase on the unlock screen (store.unlock). A wrong passphrase is
 * refused in words, and from the third wrong one in a row each next try waits twice as long (2 s,
 * 4 s, … up to 5 minutes), on top of scrypt's own cost per try. The passphrase is never logged.
 */
import fs from 'node:fs';
import path from 'node:path';
import { KEY_INFO_FILE, isPlainStore, openConnection, passphraseKey, storeExists, StoreKeyError, type StoreKey } from '../db/store-key';
import { AppError } from '../../shared/result';
import type { StartedRuntime } from '../runtime';

/** True when the host must start locked: an encrypted store whose key comes from a passphrase. */
export function startsLocked(dataDir: string): boolean {
  const file = path.join(dataDir, 'outpost.db');
  return storeExists(file) && !isPlainStore(file) && fs.existsSync(path.join(dataDir, KEY_INFO_FILE));
}

/** Seconds to wait before the next try after `failures` wrong passphrases in a row. */
export function unlockDelaySeconds(failures: number): number {
  return failures < 3 ? 0 : Math.min(2 ** (failures - 2), 300);
}

export class LockedStore {
  private failures = 0;
  private notBefore = 0;
  private opening: Promise<StartedRuntime> | null = null;

  constructor(
    readonly dataDir: string,
    private readonly start: (key: StoreKey) => StartedRuntime,
    private readonly now: () => number = Date.now,
    private readonly log: (msg: string) => void = () => {},
  ) {}

  /** Opens the store with the passphrase, or throws an AppError saying why not. */
  unlock(passphrase: string): Promise<StartedRuntime> {
    const wait = Math.ceil((this.notBefore - this.now()) / 1000);
    if (wait > 0) return Promise.reject(new AppError('rate_limited', `Too many wrong passphrases. Try again in ${wait} second${wait === 1 ? '' : 's'}.`));
    // Two tabs unlocking at once open the store once.
    if (this.opening) return this.opening;
    this.opening = new Promise<StartedRuntime>((resolve, reject) => {
      try {
        resolve(this.open(passphrase));
      } catch (e) {
        reject(e);
      }
    }).finally(() => {
      this.opening = null;
    });
    return this.opening;
  }

  private open(passphrase: string): StartedRuntime {
    let key: StoreKey;
    try {
      key = passphraseKey(this.dataDir, passphrase);
      // The key is tried on a connection of its own first, so a wrong one leaves nothing half-started.
      openConnection(path.join(this.dataDir, 'outpost.db'), key).close();
    } catch (e) {
      if (!(e instanceof StoreKeyError)) throw e;
      this.failures++;
      this.notBefore = this.now() + unlockDelaySeconds(this.failures) * 1000;
      this.log(`wrong passphrase at the unlock screen (${this.failures} in a row)`);
      const wait = unlockDelaySeconds(this.failures);
      throw new AppError(
        'unauthenticated',
        `That passphrase does not open this store.${wait ? ` Wait ${wait} second${wait === 1 ? '' : 's'} before the next try.` : ''}`,
      );
    }
    this.failures = 0;
    return this.start(key);
  }
}
