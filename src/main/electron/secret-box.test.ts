/** The desktop shell's secret box over Electron's safeStorage, driven through a stand-in (Electron cannot run in tests). */
import { describe, expect, it } from 'vitest';
import { openCredentials, sealCredentials } from '../sync/secret-box';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sealedKey, SEALED_KEY_FILE } from '../db/store-key';
import { safeStorageBox, safeStorageKeySealer, type SafeStorageLike } from './secret-box';

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

  it("keeps the store's random key sealed by the keychain, the same key at every start", () => {
    expect(safeStorageKeySealer(fake(true, 'basic_text'), 'linux')).toBeNull();
    const sealer = safeStorageKeySealer(fake(true, 'kwallet5'), 'linux')!;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'outpost-sealed-'));
    try {
      const key = sealedKey(dir, sealer);
      expect(key.length).toBe(32);
      const onDisk = fs.readFileSync(path.join(dir, SEALED_KEY_FILE));
      expect(onDisk.includes(key)).toBe(false);
      expect(onDisk.toString('latin1')).not.toContain(key.toString('base64'));
      expect(sealedKey(dir, sealer).equals(key)).toBe(true);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
