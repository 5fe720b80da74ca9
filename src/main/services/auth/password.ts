/** scrypt password hashing (node:crypto), stored as scrypt$N$r$p$salt$hash. */
import { randomBytes, scryptSync, timingSafeEqual } from 'node:crypto';

const N = 16384;
const R = 8;
const P = 1;
const KEYLEN = 32;

export function hashPassword(password: string): string {
  const salt = randomBytes(16);
  const hash = scryptSync(password.normalize('NFKC'), salt, KEYLEN, { N, r: R, p: P });
  return `scrypt$${N}$${R}$${P}$${salt.toString('base64')}$${hash.toString('base64')}`;
}

export function verifyPassword(password: string, stored: string): boolean {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [, n, r, p, saltB64, hashB64] = parts as [string, string, string, string, string, string];
  const expected = Buffer.from(hashB64, 'base64');
  const actual = scryptSync(password.normalize('NFKC'), Buffer.from(saltB64, 'base64'), expected.length, {
    N: Number(n),
    r: Number(r),
    p: Number(p),
  });
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/**
 * The password hash of a person first seen through sync: hashes never travel, so until they sign
 * in on this device once through the server, no password matches it.
 */
export const NO_LOCAL_PASSWORD = '!';

/** Burns the same time as a real check, so unknown usernames cannot be told apart by timing. */
const DUMMY = hashPassword('outpost-timing-equaliser');
export function verifyDummy(password: string): void {
  verifyPassword(password, DUMMY);
}
