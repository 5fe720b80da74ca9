/** The stored server tokens: sealed by a secret box where the shell gives one, plain JSON without (the plain-Node fallback). */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { openCredentials, sealCredentials, type SecretBox } from './secret-box';

const creds = { accessToken: 'access.token-AAAA', refreshToken: 'refresh-token-BBBB', accessExpiresAt: 1_700_000_000_000 };

/** Stands in for the OS keychain: AES-256-GCM under a key held in memory. */
function testBox(kind = 'test-box', key = randomBytes(32)): SecretBox {
  return {
    kind,
    encrypt: (plain) => {
      const iv = randomBytes(12);
      const c = createCipheriv('aes-256-gcm', key, iv);
      const body = Buffer.concat([c.update(plain, 'utf8'), c.final()]);
      return Buffer.concat([iv, c.getAuthTag(), body]).toString('base64');
    },
    decrypt: (sealed) => {
      const b = Buffer.from(sealed, 'base64');
      const d = createDecipheriv('aes-256-gcm', key, b.subarray(0, 12));
      d.setAuthTag(b.subarray(12, 28));
      return Buffer.concat([d.update(b.subarray(28)), d.final()]).toString('utf8');
    },
  };
}

describe('stored sync credentials', () => {
  it('without a secret box (browser host, plain Node) they stay plain JSON, as earlier versions stored them', () => {
    const text = sealCredentials(null, creds);
    expect(JSON.parse(text)).toEqual(creds);
    expect(openCredentials(null, text)).toEqual({ ok: true, creds, reseal: false });
    expect(openCredentials(null, '{not json')).toMatchObject({ ok: false, reason: expect.stringMatching(/damaged/) });
    expect(openCredentials(null, '{"accessToken":1}')).toMatchObject({ ok: false });
  });

  it('with a secret box they are sealed: no token is readable in the store, and they open again', () => {
    const box = testBox();
    const text = sealCredentials(box, creds);
    expect(text).not.toContain(creds.refreshToken);
    expect(text).not.toContain(creds.accessToken);
    expect(JSON.parse(text)).toMatchObject({ sealed: 'test-box' });
    expect(openCredentials(box, text)).toEqual({ ok: true, creds, reseal: false });
  });

  it('plain credentials met with a box are opened and marked for sealing', () => {
    expect(openCredentials(testBox(), JSON.stringify(creds))).toEqual({ ok: true, creds, reseal: true });
  });

  it('sealed credentials cannot be opened without the box, by another box, or once tampered with', () => {
    const text = sealCredentials(testBox(), creds);
    expect(openCredentials(null, text)).toMatchObject({ ok: false, reason: expect.stringMatching(/encrypted by the desktop app/) });
    expect(openCredentials(testBox('other-box'), text)).toMatchObject({ ok: false });
    expect(openCredentials(testBox(), text)).toMatchObject({ ok: false, reason: expect.stringMatching(/cannot be decrypted/) }); // another key
    const box = testBox();
    const sealed = JSON.parse(sealCredentials(box, creds)) as { sealed: string; data: string };
    const raw = Buffer.from(sealed.data, 'base64');
    raw.writeUInt8(raw.readUInt8(raw.length - 1) ^ 1, raw.length - 1);
    expect(openCredentials(box, JSON.stringify({ ...sealed, data: raw.toString('base64') }))).toMatchObject({ ok: false });
  });
});
