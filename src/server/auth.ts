/** Server accounts: scrypt passwords, short-lived signed access tokens, rotating refresh tokens, revocation. */
import { createHash, createHmac, randomBytes, scryptSync, timingSafeEqual } from 'node:crypto';
import { uuidv7 } from '../shared/ids';
import type { LoginRequest, TokenPair } from '../shared/sync/wire';
import { HttpError, type PushAuth } from './engine';
import type { ServerStore, ServerUser } from './store/types';

export const ACCESS_TTL_S = 15 * 60;
const REFRESH_TTL_MS = 30 * 24 * 3600_000;

export function hashPassword(password: string): string {
  const salt = randomBytes(16);
  const hash = scryptSync(password.normalize('NFKC'), salt, 32, { N: 16384, r: 8, p: 1 });
  return `scrypt$16384$8$1$${salt.toString('base64')}$${hash.toString('base64')}`;
}

export function verifyPassword(password: string, stored: string): boolean {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const expected = Buffer.from(parts[5]!, 'base64');
  const actual = scryptSync(password.normalize('NFKC'), Buffer.from(parts[4]!, 'base64'), expected.length, { N: Number(parts[1]), r: Number(parts[2]), p: Number(parts[3]) });
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

const DUMMY = hashPassword('outpost-server-timing');

const sha = (t: string) => createHash('sha256').update(t).digest('hex');

const secrets = new WeakMap<ServerStore, Promise<string>>();
/** The signing secret never changes once written, so one read per process is enough. */
function secretOf(store: ServerStore): Promise<string> {
  let p = secrets.get(store);
  if (!p) {
    p = store.secret();
    secrets.set(store, p);
  }
  return p;
}

function sign(secret: string, body: string): string {
  return createHmac('sha256', secret).update(body).digest('base64url');
}

async function issue(store: ServerStore, user: ServerUser, deviceId: string, nowMs: number): Promise<TokenPair> {
  const secret = await secretOf(store);
  const body = Buffer.from(JSON.stringify({ u: user.id, d: deviceId, r: user.role, exp: Math.floor(nowMs / 1000) + ACCESS_TTL_S })).toString('base64url');
  const refreshToken = randomBytes(32).toString('base64url');
  await store.saveRefresh(sha(refreshToken), deviceId, user.id, new Date(nowMs + REFRESH_TTL_MS).toISOString());
  return {
    accessToken: `${body}.${sign(secret, body)}`,
    refreshToken,
    expiresIn: ACCESS_TTL_S,
    user: { id: user.id, username: user.username, role: user.role, sites: user.sites },
    deviceId,
  };
}

export async function login(store: ServerStore, req: LoginRequest, nowMs: number): Promise<TokenPair> {
  const user = await store.findUser(req.username);
  if (!user || !user.active) {
    verifyPassword(req.password, DUMMY);
    throw new HttpError(401, 'unauthenticated', 'The username or password is wrong.');
  }
  if (!verifyPassword(req.password, user.passwordHash)) throw new HttpError(401, 'unauthenticated', 'The username or password is wrong.');
  const existing = await store.getDevice(req.deviceId);
  if (existing?.revoked) throw new HttpError(403, 'device_revoked', 'This device was removed from the server. Leave and join again from a new device.');
  if (existing && existing.userId !== user.id && user.role !== 'admin') throw new HttpError(403, 'forbidden', 'This device is registered to another user.');
  await store.upsertDevice({ id: req.deviceId, userId: user.id, name: req.deviceName, now: new Date(nowMs).toISOString() });
  return issue(store, user, req.deviceId, nowMs);
}

export async function refresh(store: ServerStore, token: string, nowMs: number): Promise<TokenPair> {
  const owner = await store.takeRefresh(sha(token), new Date(nowMs).toISOString());
  if (!owner) throw new HttpError(401, 'unauthenticated', 'The sign-in has expired. Join the server again.');
  const device = await store.getDevice(owner.deviceId);
  const user = await store.getUser(owner.userId);
  if (!device || device.revoked || !user || !user.active) throw new HttpError(401, 'unauthenticated', 'This device or account was removed from the server.');
  return issue(store, user, owner.deviceId, nowMs);
}

/** Checks an access token and that its device and user are still allowed. */
export async function authenticate(store: ServerStore, header: string | undefined | null, nowMs: number): Promise<PushAuth> {
  const m = header ? /^Bearer\s+([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)$/i.exec(header) : null;
  if (!m) throw new HttpError(401, 'unauthenticated', 'Sign in to the server first.');
  const secret = await secretOf(store);
  const expected = Buffer.from(sign(secret, m[1]!));
  const given = Buffer.from(m[2]!);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) throw new HttpError(401, 'unauthenticated', 'The access token is not valid.');
  const p = JSON.parse(Buffer.from(m[1]!, 'base64url').toString('utf8')) as { u: string; d: string; r: PushAuth['role']; exp: number };
  if (p.exp * 1000 < nowMs) throw new HttpError(401, 'token_expired', 'The access token has expired; refresh it.');
  const [device, user] = await Promise.all([store.getDevice(p.d), store.getUser(p.u)]);
  if (!device || device.revoked) throw new HttpError(401, 'device_revoked', 'This device was removed from the server.');
  if (!user || !user.active) throw new HttpError(401, 'unauthenticated', 'This account is no longer active.');
  return { userId: user.id, role: user.role, sites: user.sites, deviceId: device.id };
}

export async function ensureAdmin(store: ServerStore, username: string | undefined, password: string | undefined): Promise<'created' | 'exists' | 'missing'> {
  if ((await store.countUsers()) > 0) return 'exists';
  if (!username || !password) return 'missing';
  if (password.length < 8) throw new Error('OUTPOST_ADMIN_PASSWORD must be at least 8 characters.');
  await store.createUser({ id: uuidv7(), username: username.trim().toLowerCase(), passwordHash: hashPassword(password), role: 'admin', sites: null, active: true });
  return 'created';
}
