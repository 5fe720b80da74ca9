/**
 * Server accounts: scrypt passwords (asynchronous, so a sign-in never blocks the event loop),
 * sign-in throttling per username and per client address, short-lived signed access tokens,
 * rotating refresh tokens grouped in sessions (a reused one revokes its session), revocation,
 * deactivation and password changes.
 */
import { createHash, createHmac, randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { uuidv7 } from '../shared/ids';
import type { LoginRequest, TokenPair } from '../shared/sync/wire';
import { HttpError, type PushAuth } from './engine';
import type { ServerStore, ServerUser } from './store/types';

export const ACCESS_TTL_S = 15 * 60;
const REFRESH_TTL_MS = 30 * 24 * 3600_000;
export const LIVE_TICKET_TTL_S = 60;
export const MIN_PASSWORD = 8;

function scryptAsync(password: string, salt: Buffer, keylen: number, opts: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => scrypt(password, salt, keylen, opts, (err, key) => (err ? reject(err) : resolve(key))));
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const hash = await scryptAsync(password.normalize('NFKC'), salt, 32, { N: 16384, r: 8, p: 1 });
  return `scrypt$16384$8$1$${salt.toString('base64')}$${hash.toString('base64')}`;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [N, r, p] = [Number(parts[1]), Number(parts[2]), Number(parts[3])];
  // Parameters come from the store; bound them so a doctored hash cannot make one check take minutes.
  if (![N, r, p].every(Number.isInteger) || N > 1 << 20 || r > 32 || p > 16) return false;
  const expected = Buffer.from(parts[5]!, 'base64');
  if (!expected.length) return false;
  const actual = await scryptAsync(password.normalize('NFKC'), Buffer.from(parts[4]!, 'base64'), expected.length, {
    N,
    r,
    p,
    maxmem: 256 * N * r + 1024 * 1024,
  });
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

let dummy: Promise<string> | null = null;
/** Checked against when the username is unknown, so an answer's timing does not tell whether it exists. */
const dummyHash = () => (dummy ??= hashPassword('outpost-server-timing'));

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

// ---------------------------------------------------------------- throttling

/** Failures allowed before each further one doubles the wait (1 s, 2 s, 4 s … up to 15 min). */
export const THROTTLE = {
  userFree: 5,
  addressFree: 20,
  maxLockMs: 15 * 60_000,
  /** A username's count is forgotten after a quiet day; an address's after a quiet hour. */
  userForgetMs: 24 * 3600_000,
  addressForgetMs: 3600_000,
};

export class ThrottledError extends HttpError {
  constructor(public readonly retryAfterS: number) {
    super(429, 'too_many_attempts', `Too many failed sign-ins. Try again in ${retryAfterS} second${retryAfterS === 1 ? '' : 's'}.`);
  }
}

function lockFor(failures: number, free: number, nowMs: number): number {
  if (failures <= free) return 0;
  return nowMs + Math.min(THROTTLE.maxLockMs, 1000 * 2 ** Math.min(30, failures - free - 1));
}

/**
 * Attempts for one username, and from one address, are checked one at a time in this process:
 * thirty guesses sent at once still meet the lock the earlier ones set. (Several instances each
 * keep their own queue; the counters they read and write are shared in the store.)
 */
const queues = new Map<string, Promise<void>>();
async function oneAtATime<T>(key: string, fn: () => Promise<T>): Promise<T> {
  const prev = queues.get(key) ?? Promise.resolve();
  let release!: () => void;
  const mine = new Promise<void>((r) => (release = r));
  const tail = prev.then(() => mine);
  queues.set(key, tail);
  await prev;
  try {
    return await fn();
  } finally {
    release();
    if (queues.get(key) === tail) queues.delete(key);
  }
}

interface ThrottleKeys {
  user: string;
  address: string | null;
}

const keysFor = (username: string, address: string | null | undefined): ThrottleKeys => ({
  user: `u:${username}`,
  address: address ? `a:${address}` : null,
});

async function assertNotLocked(store: ServerStore, k: ThrottleKeys, nowMs: number): Promise<void> {
  const states = await store.throttleState(k.address ? [k.user, k.address] : [k.user]);
  const until = Math.max(0, ...states.map((s) => s.lockedUntilMs));
  if (until > nowMs) throw new ThrottledError(Math.max(1, Math.ceil((until - nowMs) / 1000)));
}

async function recordFailure(store: ServerStore, k: ThrottleKeys, nowMs: number): Promise<void> {
  await store.recordLoginFailure(k.user, nowMs, nowMs - THROTTLE.userForgetMs, (n) => lockFor(n, THROTTLE.userFree, nowMs));
  if (k.address)
    await store.recordLoginFailure(k.address, nowMs, nowMs - THROTTLE.addressForgetMs, (n) => lockFor(n, THROTTLE.addressFree, nowMs));
}

/** Runs a password check under the throttle: refused while locked, counted when wrong, cleared when right. */
async function throttled(
  store: ServerStore,
  username: string,
  address: string | null | undefined,
  nowMs: number,
  check: () => Promise<boolean>,
): Promise<void> {
  const k = keysFor(username, address);
  const run = async () => {
    await assertNotLocked(store, k, nowMs);
    if (await check()) {
      // A success clears the username's count only: one valid account must not reset an
      // address that is guessing at others.
      await store.clearLoginFailures(k.user);
      return;
    }
    await recordFailure(store, k, nowMs);
    throw new HttpError(401, 'unauthenticated', 'The username or password is wrong.');
  };
  return oneAtATime(k.user, () => (k.address ? oneAtATime(k.address, run) : run()));
}

// ---------------------------------------------------------------- tokens

interface AccessClaims {
  u: string;
  d: string;
  r: PushAuth['role'];
  exp: number;
  /** The session (refresh-token family); absent in tokens issued before sessions existed. */
  s?: string;
}

async function issue(store: ServerStore, user: ServerUser, deviceId: string, sessionId: string, nowMs: number): Promise<TokenPair> {
  const secret = await secretOf(store);
  const claims: AccessClaims = { u: user.id, d: deviceId, r: user.role, exp: Math.floor(nowMs / 1000) + ACCESS_TTL_S, s: sessionId };
  const body = Buffer.from(JSON.stringify(claims)).toString('base64url');
  const refreshToken = randomBytes(32).toString('base64url');
  await store.saveSessionRefresh(sha(refreshToken), sessionId, new Date(nowMs + REFRESH_TTL_MS).toISOString());
  return {
    accessToken: `${body}.${sign(secret, body)}`,
    refreshToken,
    expiresIn: ACCESS_TTL_S,
    user: { id: user.id, username: user.username, role: user.role, sites: user.sites },
    deviceId,
  };
}

async function newSession(store: ServerStore, user: ServerUser, deviceId: string, nowMs: number): Promise<TokenPair> {
  const id = uuidv7();
  await store.createSession({ id, deviceId, userId: user.id, now: new Date(nowMs).toISOString() });
  return issue(store, user, deviceId, id, nowMs);
}

const DEACTIVATED = 'This account was deactivated by an administrator. Ask an administrator to reactivate it or to give you a new account.';
const REVOKED_DEVICE =
  'This device was removed from the server, and its id cannot be used again. Join from a new device (or a fresh Outpost store); an administrator cannot undo the removal.';

/**
 * A device an administrator reported lost: every contact is refused with `device_lost`, which tells
 * the device to wipe its store (the device does so and shows this message on its next screen).
 */
export function lostDevice(device: { lostAt: string | null } | null | undefined): HttpError | null {
  if (!device?.lostAt) return null;
  const when = device.lostAt.slice(0, 16).replace('T', ' ');
  return new HttpError(
    410,
    'device_lost',
    `An administrator reported this device lost on ${when} UTC. Outpost removed the team's data from it; nothing it held was sent to the server after that.`,
  );
}

export interface ClientInfo {
  /** The client's address, for per-address throttling. */
  address?: string | null;
}

export async function login(store: ServerStore, req: LoginRequest, nowMs: number, client: ClientInfo = {}): Promise<TokenPair> {
  let user: ServerUser | null = null;
  await throttled(store, req.username, client.address, nowMs, async () => {
    user = await store.findUser(req.username);
    if (!user) {
      await verifyPassword(req.password, await dummyHash());
      return false;
    }
    return verifyPassword(req.password, user.passwordHash);
  });
  const u = user as ServerUser | null;
  if (!u) throw new HttpError(401, 'unauthenticated', 'The username or password is wrong.');
  // Said only to someone who knows the password: it tells the person why, and no one else anything.
  if (!u.active) throw new HttpError(403, 'account_deactivated', DEACTIVATED);
  const existing = await store.getDevice(req.deviceId);
  const lost = lostDevice(existing);
  if (lost) throw lost;
  if (existing?.revoked) throw new HttpError(403, 'device_revoked', REVOKED_DEVICE);
  if (existing && existing.userId !== u.id && u.role !== 'admin')
    throw new HttpError(403, 'forbidden', 'This device is registered to another user.');
  await store.upsertDevice({ id: req.deviceId, userId: u.id, name: req.deviceName, now: new Date(nowMs).toISOString() });
  return newSession(store, u, req.deviceId, nowMs);
}

export async function refresh(store: ServerStore, token: string, nowMs: number): Promise<TokenPair> {
  const now = new Date(nowMs).toISOString();
  const spent = await store.useSessionRefresh(sha(token), now);
  let owner: { deviceId: string; userId: string; sessionId: string | null } | null = null;
  if (spent) {
    const session = await store.getSession(spent.sessionId);
    if (spent.reused) {
      // Two holders of one token: the device and whoever copied it. Neither can tell which is
      // which, so the whole session ends and the device signs in again.
      await store.revokeSessions({ sessionId: spent.sessionId });
      // Its live stream closes now, on whichever instance holds it.
      await store.announce(await store.headSeq());
      throw new HttpError(
        401,
        'session_revoked',
        'This sign-in was ended because its refresh token was used twice (a copy of it may exist elsewhere). Join the server again.',
      );
    }
    if (!session || session.revoked)
      throw new HttpError(401, 'session_revoked', 'This sign-in was ended on the server. Join the server again.');
    owner = { deviceId: session.deviceId, userId: session.userId, sessionId: session.id };
  } else {
    // A token issued before sessions existed: honoured once, then the device gets a session.
    const legacy = await store.takeRefresh(sha(token), now);
    if (legacy) owner = { ...legacy, sessionId: null };
  }
  if (!owner) throw new HttpError(401, 'unauthenticated', 'The sign-in has expired. Join the server again.');
  const [device, user] = await Promise.all([store.getDevice(owner.deviceId), store.getUser(owner.userId)]);
  const lost = lostDevice(device);
  if (lost) throw lost;
  if (!device || device.revoked) throw new HttpError(401, 'device_revoked', REVOKED_DEVICE);
  if (!user || !user.active) throw new HttpError(401, 'account_deactivated', DEACTIVATED);
  return owner.sessionId ? issue(store, user, owner.deviceId, owner.sessionId, nowMs) : newSession(store, user, owner.deviceId, nowMs);
}

export interface Authenticated extends PushAuth {
  /** The sign-in session of the token (null for tokens issued before sessions existed). */
  sessionId: string | null;
}

/** Checks that a device, its user and its session may still talk to the server. */
export async function checkStanding(
  store: ServerStore,
  ids: { userId: string; deviceId: string; sessionId: string | null },
): Promise<Authenticated> {
  const { device, user, session, profileId } = await store.standing(ids);
  const lost = lostDevice(device);
  if (lost) throw lost;
  if (!device || device.revoked) throw new HttpError(401, 'device_revoked', 'This device was removed from the server.');
  if (!user || !user.active) throw new HttpError(401, 'account_deactivated', DEACTIVATED);
  if (ids.sessionId && (!session || session.revoked || session.deviceId !== device.id))
    throw new HttpError(401, 'session_revoked', 'This sign-in was ended on the server. Join the server again.');
  return { userId: user.id, role: user.role, sites: user.sites, deviceId: device.id, sessionId: ids.sessionId, personId: profileId ?? user.id };
}

/** Checks an access token and that its device, user and session are still allowed. */
export async function authenticate(store: ServerStore, header: string | undefined | null, nowMs: number): Promise<Authenticated> {
  const m = header ? /^Bearer\s+([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)$/i.exec(header) : null;
  if (!m) throw new HttpError(401, 'unauthenticated', 'Sign in to the server first.');
  const secret = await secretOf(store);
  const expected = Buffer.from(sign(secret, m[1]!));
  const given = Buffer.from(m[2]!);
  if (expected.length !== given.length || !timingSafeEqual(expected, given))
    throw new HttpError(401, 'unauthenticated', 'The access token is not valid.');
  const p = JSON.parse(Buffer.from(m[1]!, 'base64url').toString('utf8')) as AccessClaims;
  if (p.exp * 1000 < nowMs) throw new HttpError(401, 'token_expired', 'The access token has expired; refresh it.');
  return checkStanding(store, { userId: p.u, deviceId: p.d, sessionId: typeof p.s === 'string' ? p.s : null });
}

// ---------------------------------------------------------------- live-stream tickets

/** A one-minute, single-use ticket for opening /sync/live where no Authorization header can be sent. */
export async function issueLiveTicket(
  store: ServerStore,
  auth: Authenticated,
  nowMs: number,
): Promise<{ ticket: string; expiresIn: number }> {
  if (!auth.sessionId) throw new HttpError(401, 'token_expired', 'Refresh the access token first.');
  const ticket = randomBytes(32).toString('base64url');
  await store.saveLiveTicket(sha(ticket), auth.sessionId, new Date(nowMs + LIVE_TICKET_TTL_S * 1000).toISOString());
  return { ticket, expiresIn: LIVE_TICKET_TTL_S };
}

export async function redeemLiveTicket(store: ServerStore, ticket: string, nowMs: number): Promise<Authenticated> {
  const sessionId = /^[A-Za-z0-9_-]{20,100}$/.test(ticket) ? await store.takeLiveTicket(sha(ticket), new Date(nowMs).toISOString()) : null;
  if (!sessionId) throw new HttpError(401, 'unauthenticated', 'The live-stream ticket is unknown, used or expired; ask for a new one.');
  const session = await store.getSession(sessionId);
  if (!session) throw new HttpError(401, 'session_revoked', 'This sign-in was ended on the server. Join the server again.');
  return checkStanding(store, { userId: session.userId, deviceId: session.deviceId, sessionId });
}

// ---------------------------------------------------------------- accounts

async function countOtherActiveAdmins(store: ServerStore, exceptId: string): Promise<number> {
  return (await store.listUsers()).filter((u) => u.role === 'admin' && u.active && u.id !== exceptId).length;
}

/**
 * Deactivates an account: it can no longer sign in, and every device and session it has is
 * revoked at once (its access tokens stop working on their next request, its live streams close).
 * `by`: the administrator doing it, who cannot deactivate themselves.
 */
export async function deactivateUser(
  store: ServerStore,
  userId: string,
  by: { userId: string } | null,
): Promise<{ id: string; username: string; devicesRevoked: number }> {
  const user = await store.getUser(userId);
  if (!user) throw new HttpError(404, 'not_found', 'No such server user.');
  if (by && by.userId === user.id) throw new HttpError(409, 'conflict', 'You cannot deactivate your own account.');
  if (user.role === 'admin' && user.active && (await countOtherActiveAdmins(store, user.id)) === 0) {
    throw new HttpError(409, 'conflict', 'The server needs at least one active administrator.');
  }
  await store.setUserActive(user.id, false);
  const devicesRevoked = await store.revokeUserDevices(user.id);
  return { id: user.id, username: user.username, devicesRevoked };
}

function checkNewPassword(password: string): void {
  if (password.length < MIN_PASSWORD) throw new HttpError(400, 'invalid_input', `Passwords need at least ${MIN_PASSWORD} characters.`);
}

/** An administrator sets a new password: the user's sessions end (devices stay; they sign in again) and the sign-in lock lifts. */
export async function resetPassword(store: ServerStore, userId: string, password: string): Promise<{ id: string; username: string }> {
  checkNewPassword(password);
  const user = await store.getUser(userId);
  if (!user) throw new HttpError(404, 'not_found', 'No such server user.');
  await store.setUserPassword(user.id, await hashPassword(password));
  await store.revokeSessions({ userId: user.id });
  await store.clearLoginFailures(keysFor(user.username, null).user);
  return { id: user.id, username: user.username };
}

/**
 * A signed-in user changes their own password, proving the current one (throttled like a
 * sign-in). Their other sessions end; the one asking keeps working.
 */
export async function changeOwnPassword(
  store: ServerStore,
  auth: Authenticated,
  current: string,
  next: string,
  nowMs: number,
  client: ClientInfo = {},
): Promise<void> {
  checkNewPassword(next);
  const user = await store.getUser(auth.userId);
  if (!user) throw new HttpError(401, 'unauthenticated', 'Sign in to the server first.');
  try {
    await throttled(store, user.username, client.address, nowMs, () => verifyPassword(current, user.passwordHash));
  } catch (e) {
    if (e instanceof HttpError && e.status === 401) throw new HttpError(400, 'invalid_input', 'The current password is wrong.');
    throw e;
  }
  await store.setUserPassword(user.id, await hashPassword(next));
  if (auth.sessionId) await store.revokeSessions({ userId: user.id, exceptSessionId: auth.sessionId });
  else await store.revokeSessions({ userId: user.id });
}

export async function ensureAdmin(
  store: ServerStore,
  username: string | undefined,
  password: string | undefined,
): Promise<'created' | 'exists' | 'missing'> {
  if ((await store.countUsers()) > 0) return 'exists';
  if (!username || !password) return 'missing';
  if (password.length < MIN_PASSWORD) throw new Error(`OUTPOST_ADMIN_PASSWORD must be at least ${MIN_PASSWORD} characters.`);
  await store.createUser({
    id: uuidv7(),
    username: username.trim().toLowerCase(),
    passwordHash: await hashPassword(password),
    role: 'admin',
    sites: null,
    active: true,
  });
  return 'created';
}

// ---------------------------------------------------------------- copied stores

/**
 * A store copied or restored from a backup reuses its device's sequence numbers for other changes;
 * the server answers those as a clash, and the device continues under a new device id, signed in
 * by the session it already has (no password needed: it proves the same standing). The old id stays
 * with whichever copy keeps it.
 */
export async function forkDevice(
  store: ServerStore,
  auth: Authenticated,
  newDeviceId: string,
  deviceName: string,
  nowMs: number,
): Promise<TokenPair> {
  if (newDeviceId === auth.deviceId) throw new HttpError(400, 'invalid_input', 'The new device id must differ from the current one.');
  if (await store.getDevice(newDeviceId)) throw new HttpError(409, 'conflict', 'That device id is already registered; choose another.');
  const user = await store.getUser(auth.userId);
  if (!user || !user.active) throw new HttpError(401, 'account_deactivated', DEACTIVATED);
  await store.upsertDevice({ id: newDeviceId, userId: user.id, name: deviceName, now: new Date(nowMs).toISOString(), forkedFrom: auth.deviceId });
  return newSession(store, user, newDeviceId, nowMs);
}

/**
 * A joined device asks whether this is a team member's password, for that person's first sign-in
 * on the device (password hashes never travel to devices). Throttled like a sign-in; says nothing
 * but yes or no.
 */
export async function verifyPersonPassword(store: ServerStore, username: string, password: string, nowMs: number, client: ClientInfo = {}): Promise<{ username: string; role: ServerUser['role'] }> {
  let user: ServerUser | null = null;
  await throttled(store, username, client.address, nowMs, async () => {
    user = await store.findUser(username);
    if (!user) {
      await verifyPassword(password, await dummyHash());
      return false;
    }
    return verifyPassword(password, user.passwordHash);
  });
  const u = user as ServerUser | null;
  if (!u || !u.active) throw new HttpError(401, 'unauthenticated', 'The username or password is wrong.');
  return { username: u.username, role: u.role };
}
