/** The desktop shell's secret box over Electron's safeStorage, driven through a stand-in (Electron cannot run in tests). */
import { describe, expect, it } from 'vitest';
import { openCredentials, sealCredentials } from '../sync/secret-box';
import { safeStorageBox, type SafeStorageLike } from './secret-box';

const creds = { accessToken: 'access.token-AAAA', refreshToken: 'refresh-token-BBBB', accessExpiresAt: 1_700_000_000_000 };

describe("the desktop shell's safeStorage box", () => {
  const fake = (available: boolean, backend?: string): SafeStorageLike => ({
    isEncryptionAvailable: () => available,
    encryptString: (p) => Buffer.from([...Buffer.from(p, 'utf8')].map((x) => x ^ 0x5a)),
    decryptString: (b) => Buffer.from([...b].map((x) => x ^ 0x5a)).toString('utf8'),
    ...(backend ? { getSelectedStorageBackend: () => backend } : {}),
  });

  it('is absent where the OS offers no protection, so tokens stay plain rather than pretend', () => {
    expect(safeStorageBox(fake(false))).toBeNull();
    expect(safeStorageBox(fake(true, 'basic_text'), 'linux')).toBeNull();
  });

  it('seals through safeStorage where it is available', () => {
    const box = safeStorageBox(fake(true, 'gnome_libsecret'), 'linux');
    expect(box?.kind).toBe('electron-safe-storage');
    const text = sealCredentials(box, creds);
    expect(text).not.toContain(creds.refreshToken);
    expect(openCredentials(box, text)).toEqual({ ok: true, creds, reseal: false });
    expect(safeStorageBox(fake(true), 'darwin')).not.toBeNull();
  });
});
