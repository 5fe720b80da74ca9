/**
 * The device's server tokens at rest. Where the desktop shell runs, it passes a secret box backed by
 * Electron's safeStorage (the OS keychain: Keychain, DPAPI, libsecret/kwallet) and the tokens are
 * stored encrypted; under plain Node (the browser host, tests) there is no keychain to hold a key,
 * so they stay in the store as they are (see the README's server section).
 */
import type { Credentials } from './transport';

export interface SecretBox {
  /** Written next to the sealed value, so a store opened without this box knows what it cannot read. */
  readonly kind: string;
  /** Plain text in, base64 out. */
  encrypt(plain: string): string;
  decrypt(sealed: string): string;
}

interface Sealed {
  sealed: string;
  data: string;
}

const isSealed = (v: unknown): v is Sealed =>
  typeof v === 'object' && v !== null && typeof (v as Sealed).sealed === 'string' && typeof (v as Sealed).data === 'string';

const isCredentials = (v: unknown): v is Credentials =>
  typeof v === 'object' &&
  v !== null &&
  typeof (v as Credentials).accessToken === 'string' &&
  typeof (v as Credentials).refreshToken === 'string';

/** What the store keeps: the credentials sealed by the box, or as plain JSON without one. */
export function sealCredentials(box: SecretBox | null, c: Credentials): string {
  const plain = JSON.stringify(c);
  return box ? JSON.stringify({ sealed: box.kind, data: box.encrypt(plain) } satisfies Sealed) : plain;
}

export type OpenedCredentials =
  | { ok: true; creds: Credentials; /** Stored in plain text although a box is at hand: seal them now. */ reseal: boolean }
  | { ok: false; reason: string };

/** Reads what sealCredentials wrote (or what older versions stored in plain JSON). */
export function openCredentials(box: SecretBox | null, text: string): OpenedCredentials {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return { ok: false, reason: 'The saved sign-in is damaged. Leave the server and join it again.' };
  }
  if (isSealed(v)) {
    if (!box || box.kind !== v.sealed)
      return {
        ok: false,
        reason:
          'The saved sign-in was encrypted by the desktop app and cannot be read here. Join the server again from this program, or use the desktop app.',
      };
    try {
      const inner: unknown = JSON.parse(box.decrypt(v.data));
      if (isCredentials(inner)) return { ok: true, creds: inner, reseal: false };
    } catch {
      // Falls through: the keychain changed (another OS user, a reinstalled system).
    }
    return { ok: false, reason: 'The saved sign-in cannot be decrypted on this system any more. Leave the server and join it again.' };
  }
  if (isCredentials(v)) return { ok: true, creds: v, reseal: !!box };
  return { ok: false, reason: 'The saved sign-in is damaged. Leave the server and join it again.' };
}
