/** The desktop shell's secret box: Electron's safeStorage, which keeps its key in the OS keychain. */
import type { SecretBox } from '../sync/secret-box';
import type { KeySealer } from '../db/store-key';

/** The part of Electron's safeStorage used here (typed structurally, so tests need no Electron). */
export interface SafeStorageLike {
  isEncryptionAvailable(): boolean;
  encryptString(plain: string): Buffer;
  decryptString(encrypted: Buffer): string;
  /** Linux only: 'basic_text' means no keyring was found and a fixed key would be used. */
  getSelectedStorageBackend?(): string;
}

/**
 * Null when the platform offers no real protection (no keyring on Linux: safeStorage would fall
 * back to a key built into Electron, which protects nothing), so the store keeps plain tokens and
 * says so, rather than pretending. Call after the app is ready.
 */
export function safeStorageBox(safe: SafeStorageLike, platform: NodeJS.Platform = process.platform): SecretBox | null {
  if (!safe.isEncryptionAvailable()) return null;
  if (platform === 'linux' && safe.getSelectedStorageBackend?.() === 'basic_text') return null;
  return {
    kind: 'electron-safe-storage',
    encrypt: (plain) => safe.encryptString(plain).toString('base64'),
    decrypt: (sealed) => safe.decryptString(Buffer.from(sealed, 'base64')),
  };
}

/**
 * Seals the store's random key with the same keychain (docs/encryption.md). Null where safeStorage
 * offers no real protection: the store then stays plain and the console says so in its top bar.
 */
export function safeStorageKeySealer(safe: SafeStorageLike, platform: NodeJS.Platform = process.platform): KeySealer | null {
  const box = safeStorageBox(safe, platform);
  if (!box) return null;
  return {
    seal: (key) => safe.encryptString(key.toString('base64')),
    unseal: (sealed) => Buffer.from(safe.decryptString(sealed), 'base64'),
  };
}
