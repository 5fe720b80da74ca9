/** The central server's HTTP surface: auth, push, pull, live pokes (SSE), number leases, health. */
import http from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import {
  DEFAULT_PULL_LIMIT,
  leaseRequest,
  loginRequest,
  MAX_PULL_LIMIT,
  MAX_PUSH_BYTES,
  createServerUserRequest,
  setUserSitesRequest,
  setUserRoleRequest,
  changePasswordRequest,
  deactivateUserRequest,
  resetPasswordRequest,
  pushRequest,
  refreshRequest,
  revokeRequest,
  forkDeviceRequest,
  type AuditAnchorHistory,
} from '../shared/sync/wire';
import {
  authenticate,
  changeOwnPassword,
  checkStanding,
  deactivateUser,
  forkDevice,
  verifyPersonPassword,
  hashPassword,
  issueLiveTicket,
  login,
  redeemLiveTicket,
  refresh,
  resetPassword,
  ThrottledError,
  type Authenticated,
} from './auth';
import { uuidv7 } from '../shared/ids';
import { HttpError, push, resolvePrincipal, type PushAfter } from './engine';
import { ANCHOR_HISTORY_MAX, answerAnchor } from './anchor';
import { filterPage } from './pull-filter';
import { handleBlob, isBlobPath } from './blobs';
import type { ServerStore } from './store/types';
import { NUMBER_PREFIXES, schemeOf } from '../shared/numbers';
import { hearsOf, pokeScopes, pullScopes } from './scopes';
import { entitiesReadByOwnership } from '../shared/sync/access';
import { DEFAULT_PORTAL_DIR, handlePortalCall, servePortalPage } from './portal';

export interface ServerOptions {
  port: number;
  host?: string;
  /** PEM certificate and key: the server speaks HTTPS. */
  tls?: { cert: string | Buffer; key: string | Buffer };
  /** Allows plain HTTP on an address other than loopback (tokens and passwords then cross the network readable). */
  insecureHttp?: boolean;
  /** Where the built portal page is (default: dist/renderer of this checkout). */
  portalDir?: string;
  /** How often open live streams get a keep-alive, which also re-checks their device (default 20 s). */
  liveCheckMs?: number;
  now?: () => number;
  log?: (msg: string, extra?: Record<string, unknown>) => void;
}

export interface RunningServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

function send(res: http.ServerResponse, status: number, body: unknown) {
  // Encoded once: pull pages run to megabytes, and measuring the string then writing it encodes twice.
  const bytes = Buffer.from(JSON.stringify(body), 'utf8');
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff', 'content-length': bytes.length });
  res.end(bytes);
}

function readBody(req: http.IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        reject(new HttpError(413, 'too_large', `A sync batch may be at most ${Math.round(limit / 1024)} KB; send smaller batches.`));
        req.resume();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** A JSON body of at most 64 KB, parsed but not yet checked (the portal checks it against its call's schema). */
async function readJsonBody(req: http.IncomingMessage): Promise<unknown> {
  const text = await readBody(req, 64 * 1024);
  try {
    return text.trim() ? JSON.parse(text) : {};
  } catch {
    throw new HttpError(400, 'invalid_input', 'The request body is not valid JSON.');
  }
}

async function json<T extends z.ZodType>(req: http.IncomingMessage, schema: T, limit = 64 * 1024): Promise<z.output<T>> {
  const text = await readBody(req, limit);
  let raw: unknown;
  try {
    raw = text.trim() ? JSON.parse(text) : {};
  } catch {
    throw new HttpError(400, 'invalid_input', 'The request body is not valid JSON.');
  }
  const r = schema.safeParse(raw);
  if (!r.success) {
    const i = r.error.issues[0];
    throw new HttpError(400, 'invalid_input', i ? `${i.path.join('.')}: ${i.message}` : 'The request is not valid.');
  }
  return r.data;
}

export { pullScopes } from './scopes';

/** 127.0.0.0/8, ::1 and localhost: the only addresses plain HTTP may listen on without --insecure-http. */
export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h === '::1') return true;
  const v4 = h.startsWith('::ffff:') ? h.slice(7) : h;
  return isIP(v4) === 4 && v4.startsWith('127.');
}

/** A device holds at most this many leased numbers it has not used yet (four of its usual blocks). */
export const MAX_OUTSTANDING_LEASED = 2000;

export function startServer(store: ServerStore, opts: ServerOptions): Promise<RunningServer> {
  const listenHost = opts.host ?? '127.0.0.1';
  if (!opts.tls && !opts.insecureHttp && !isLoopback(listenHost)) {
    return Promise.reject(
      new Error(
        `Refusing to listen on ${listenHost} without TLS: passwords and tokens would cross the network readable. ` +
          'Give --tls-cert FILE --tls-key FILE to serve HTTPS, bind 127.0.0.1 behind a TLS proxy, or pass --insecure-http to accept the risk.',
      ),
    );
  }
  const now = opts.now ?? Date.now;
  const log = opts.log ?? (() => {});
  // Open live streams and who holds each. A push pokes only the streams that read a site it wrote
  // to, without asking the database anything (a poke carries no data; the pull it prompts is
  // checked like any request). An announcement about accounts (a device revoked or lost, a user
  // deactivated, sessions ended, sites or role changed) and every keep-alive re-check each stream's
  // device, user and session: one whose device was revoked (or user deactivated) is closed, and the
  // others learn their current sites.
  const live = new Map<http.ServerResponse, Authenticated>();
  const checkAndSend = (res: http.ServerResponse, who: Authenticated, msg: string) =>
    checkStanding(store, who).then(
      (standing) => {
        if (!live.has(res)) return;
        live.set(res, standing);
        res.write(msg);
      },
      (e: unknown) => {
        if (!live.has(res)) return;
        live.delete(res);
        const why = e instanceof HttpError ? { code: e.code, message: e.message } : { code: 'internal', message: 'The server could not check this device.' };
        res.end(`event: closed\ndata: ${JSON.stringify(why)}\n\n`);
      },
    );
  store.onAnnounce((seq, scopes) => {
    const msg = `event: poke\ndata: ${JSON.stringify({ seq })}\n\n`;
    for (const [res, who] of live) {
      if (scopes === null) void checkAndSend(res, who, msg);
      else if (hearsOf(who.sites, scopes)) res.write(msg);
    }
  });
  const ping = setInterval(() => {
    for (const [res, who] of live) void checkAndSend(res, who, ': keep-alive\n\n');
  }, opts.liveCheckMs ?? 20_000);
  ping.unref();

  const handler: http.RequestListener = async (req, res) => {
    try {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const route = `${req.method} ${url.pathname}`;
      if (isBlobPath(url.pathname)) {
        const auth = await authenticate(store, req.headers.authorization, now());
        return await handleBlob(store, auth, req, res, url, new Date(now()).toISOString(), send);
      }
      if (url.pathname === '/portal' && req.method === 'GET') {
        res.writeHead(301, { location: '/portal/' });
        return res.end();
      }
      const portalCall = /^\/portal\/api\/([A-Za-z.]{1,60})$/.exec(url.pathname);
      if (portalCall && req.method === 'POST') {
        const value = await handlePortalCall(store, portalCall[1]!, req, () => readJsonBody(req), now());
        return send(res, 200, { ok: true, value });
      }
      if (url.pathname.startsWith('/portal/') && req.method === 'GET' && !portalCall) return servePortalPage(opts.portalDir ?? DEFAULT_PORTAL_DIR, url.pathname, res);
      switch (route) {
        case 'GET /health':
          return send(res, 200, { ok: true, value: { status: 'ok', store: store.kind, head: await store.headSeq() } });
        case 'POST /auth/login': {
          const pair = await login(store, await json(req, loginRequest), now(), { address: req.socket.remoteAddress ?? null });
          // The device re-keys its signed-in person to the id synced records name them by.
          const personId = (await store.findProfileId(pair.user.username)) ?? pair.user.id;
          return send(res, 200, { ok: true, value: { ...pair, user: { ...pair.user, personId } } });
        }
        case 'POST /auth/refresh':
          return send(res, 200, { ok: true, value: await refresh(store, (await json(req, refreshRequest)).refreshToken, now()) });
        case 'POST /auth/verify': {
          // A joined device checks a team member's password for their first sign-in on it.
          await authenticate(store, req.headers.authorization, now());
          const body = await json(req, loginRequest.pick({ username: true, password: true }));
          return send(res, 200, { ok: true, value: await verifyPersonPassword(store, body.username, body.password, now(), { address: req.socket.remoteAddress ?? null }) });
        }
        case 'POST /auth/device/fork': {
          // A copied or restored store continues under a new device id (see forkDevice).
          const auth = await authenticate(store, req.headers.authorization, now());
          const body = await json(req, forkDeviceRequest);
          const pair = await forkDevice(store, auth, body.deviceId, body.deviceName, now());
          const personId = (await store.findProfileId(pair.user.username)) ?? pair.user.id;
          return send(res, 200, { ok: true, value: { ...pair, user: { ...pair.user, personId } } });
        }
        case 'POST /auth/revoke': {
          const auth = await authenticate(store, req.headers.authorization, now());
          const body = await json(req, revokeRequest);
          const dev = await store.getDevice(body.deviceId);
          if (!dev) throw new HttpError(404, 'not_found', 'No such device.');
          if (auth.role !== 'admin' && dev.userId !== auth.userId) throw new HttpError(403, 'forbidden', 'Only an administrator can remove another user’s device.');
          // Revoked from elsewhere (an administrator, or the person's other device: it was lost), its
          // copies go too; a device leaving by itself takes only itself.
          await store.revokeDevice(body.deviceId, body.deviceId !== auth.deviceId);
          await store.revokeSessions({ deviceId: body.deviceId });
          // Live streams re-check their device on every event: this one closes the revoked device's now.
          await store.announce(await store.headSeq());
          return send(res, 200, { ok: true, value: { revoked: true } });
        }
        case 'POST /auth/devices/lost': {
          // A stolen or lost laptop: revoked at once, and told to wipe itself at its next contact.
          const auth = await authenticate(store, req.headers.authorization, now());
          if (auth.role !== 'admin') throw new HttpError(403, 'forbidden', 'Only an administrator can report a device lost.');
          const body = await json(req, revokeRequest);
          if (!(await store.markDeviceLost(body.deviceId, new Date(now()).toISOString()))) throw new HttpError(404, 'not_found', 'No such device.');
          await store.revokeSessions({ deviceId: body.deviceId });
          await store.announce(await store.headSeq());
          log('device reported lost', { device: body.deviceId, by: auth.userId });
          const dev = await store.getDevice(body.deviceId);
          return send(res, 200, { ok: true, value: { deviceId: body.deviceId, lostAt: dev?.lostAt ?? null } });
        }
        case 'POST /auth/users/deactivate': {
          const auth = await authenticate(store, req.headers.authorization, now());
          if (auth.role !== 'admin') throw new HttpError(403, 'forbidden', 'Only an administrator can deactivate users.');
          const body = await json(req, deactivateUserRequest);
          const out = await deactivateUser(store, body.userId, auth);
          await store.announce(await store.headSeq());
          log('user deactivated', { user: out.id, by: auth.userId, devices: out.devicesRevoked });
          return send(res, 200, { ok: true, value: { ...out, active: false } });
        }
        case 'POST /auth/users/reset-password': {
          const auth = await authenticate(store, req.headers.authorization, now());
          if (auth.role !== 'admin') throw new HttpError(403, 'forbidden', "Only an administrator can reset another user's password.");
          const body = await json(req, resetPasswordRequest);
          const out = await resetPassword(store, body.userId, body.password);
          // The user's sessions ended: their live streams close now, on every instance.
          await store.announce(await store.headSeq());
          log('password reset', { user: out.id, by: auth.userId });
          return send(res, 200, { ok: true, value: out });
        }
        case 'POST /auth/password': {
          const auth = await authenticate(store, req.headers.authorization, now());
          const body = await json(req, changePasswordRequest);
          await changeOwnPassword(store, auth, body.current, body.next, now(), { address: req.socket.remoteAddress ?? null });
          // The person's other sessions ended: their live streams close now, on every instance.
          await store.announce(await store.headSeq());
          return send(res, 200, { ok: true, value: { changed: true } });
        }
        case 'POST /auth/users': {
          const auth = await authenticate(store, req.headers.authorization, now());
          if (auth.role !== 'admin') throw new HttpError(403, 'forbidden', 'Only an administrator can add server users.');
          const body = await json(req, createServerUserRequest);
          if (await store.findUser(body.username)) throw new HttpError(409, 'conflict', `A user named ${body.username} already exists.`);
          const user = { id: uuidv7(), username: body.username, passwordHash: await hashPassword(body.password), role: body.role, sites: body.sites, active: true };
          await store.createUser(user);
          return send(res, 200, { ok: true, value: { id: user.id, username: user.username, role: user.role, sites: user.sites } });
        }
        case 'POST /auth/users/role': {
          const auth = await authenticate(store, req.headers.authorization, now());
          if (auth.role !== 'admin') throw new HttpError(403, 'forbidden', "Only an administrator can change a user's role.");
          const body = await json(req, setUserRoleRequest);
          const user = await store.findUser(body.username);
          if (!user) throw new HttpError(404, 'not_found', `No server user named ${body.username}.`);
          if (user.id === auth.userId && body.role !== 'admin') throw new HttpError(409, 'conflict', 'You cannot take away your own administrator role; ask another administrator.');
          await store.setUserRole(user.id, body.role);
          // The user's devices see the new role on their next pull and read again what it may see.
          await store.announce(await store.headSeq());
          return send(res, 200, { ok: true, value: { id: user.id, username: user.username, role: body.role, sites: user.sites } });
        }
        case 'POST /auth/users/sites': {
          const auth = await authenticate(store, req.headers.authorization, now());
          if (auth.role !== 'admin') throw new HttpError(403, 'forbidden', "Only an administrator can change a user's sites.");
          const body = await json(req, setUserSitesRequest);
          const user = await store.findUser(body.username);
          if (!user) throw new HttpError(404, 'not_found', `No server user named ${body.username}.`);
          const sites = body.sites === null ? null : [...new Set(body.sites)];
          await store.setUserSites(user.id, sites);
          // Devices learn the new list on their next pull; poke them so that happens now.
          await store.announce(await store.headSeq());
          return send(res, 200, { ok: true, value: { id: user.id, username: user.username, role: user.role, sites } });
        }
        case 'POST /sync/push': {
          const auth = await authenticate(store, req.headers.authorization, now());
          const body = await json(req, pushRequest, MAX_PUSH_BYTES);
          const started = Date.now();
          const written = new Set<string>();
          // Announced with the push's commit where the store can (one round trip fewer per push).
          const after: PushAfter = { announceWith: pokeScopes };
          const out = await push(store, auth, body, now(), written, after);
          // The audit chain anchor is judged after the ops (never blocking them); a copied store
          // (a clash) continues under a new device id and anchors there.
          if (body.audit && !out.seqClash) out.auditAnchor = await answerAnchor(store, auth.deviceId, body.audit, new Date(now()).toISOString());
          // Only the streams of the sites the push wrote to are poked (nothing written, nobody).
          if (written.size && !after.announced) await store.announce(after.head ?? (await store.headSeq()), pokeScopes(written));
          log('push', { device: auth.deviceId, ops: body.ops.length, ms: Date.now() - started });
          return send(res, 200, { ok: true, value: out });
        }
        case 'GET /sync/audit-anchors': {
          // What the server acknowledged of a device's audit chain: one's own device, or any device
          // for an administrator.
          const auth = await authenticate(store, req.headers.authorization, now());
          const deviceId = url.searchParams.get('deviceId') ?? auth.deviceId;
          if (deviceId !== auth.deviceId && auth.role !== 'admin') throw new HttpError(403, 'forbidden', "Only an administrator can read another device's audit anchors.");
          const anchors = await store.auditAnchors(deviceId, ANCHOR_HISTORY_MAX);
          return send(res, 200, { ok: true, value: { deviceId, anchors } satisfies AuditAnchorHistory });
        }
        case 'GET /sync/pull': {
          const auth = await authenticate(store, req.headers.authorization, now());
          const cursor = Number(url.searchParams.get('cursor') ?? '0');
          const limit = Math.min(MAX_PULL_LIMIT, Math.max(1, Number(url.searchParams.get('limit') ?? DEFAULT_PULL_LIMIT)));
          if (!Number.isInteger(cursor) || cursor < 0) throw new HttpError(400, 'invalid_input', 'cursor must be a whole number ≥ 0.');
          const scopes = pullScopes(auth.sites, url.searchParams.get('scopes'));
          if (scopes !== null && !scopes.length) {
            // Asked only for sites the user no longer has: nothing to send, and nothing to skip over.
            return send(res, 200, { ok: true, value: { from: cursor, changes: [], cursor, hasMore: false, scopes: auth.sites } });
          }
          // Devices that understand compact clocks ("*" for the shared stamp) ask for them; older
          // ones get one stamp per field as before.
          const compactClocks = url.searchParams.get('clocks') === 'compact';
          const principal = await resolvePrincipal(store, auth);
          const page = await store.pull(scopes, cursor, Number.isFinite(limit) ? limit : DEFAULT_PULL_LIMIT, {
            compactClocks,
            reader: { id: principal.id, entities: entitiesReadByOwnership(principal.role) },
          });
          // Cut to what this person may receive; the cursor still moves past what they may not.
          const changes = await filterPage(store, principal, page.changes);
          return send(res, 200, { ok: true, value: { from: cursor, ...page, changes, scopes: auth.sites, role: auth.role } });
        }
        case 'POST /sync/lease': {
          const auth = await authenticate(store, req.headers.authorization, now());
          const body = await json(req, leaseRequest);
          if (body.deviceId !== auth.deviceId) throw new HttpError(403, 'forbidden', 'Leases are for your own device.');
          if (auth.role !== 'admin' && auth.role !== 'technician') throw new HttpError(403, 'forbidden', 'Only staff devices number tickets and risks ahead; requesters’ tickets are numbered by the server.');
          const scheme = schemeOf(body.prefix);
          if (!scheme) throw new HttpError(400, 'invalid_input', `Numbers are leased for ${NUMBER_PREFIXES.join(', ')} only.`);
          const open = await store.outstandingLeased(body.deviceId, body.prefix);
          if (open + body.count > MAX_OUTSTANDING_LEASED) throw new HttpError(429, 'lease_limit', `This device already holds ${open} unused ${body.prefix} numbers; use them before leasing more.`);
          const lease = await store.lease(body.deviceId, body.prefix, body.count, scheme.max);
          if (!lease) throw new HttpError(409, 'numbers_exhausted', `There are not ${body.count} ${body.prefix} numbers left to lease.`);
          return send(res, 200, { ok: true, value: lease });
        }
        case 'POST /sync/live-ticket': {
          const auth = await authenticate(store, req.headers.authorization, now());
          return send(res, 200, { ok: true, value: await issueLiveTicket(store, auth, now()) });
        }
        case 'GET /sync/live': {
          // Long-lived tokens never travel in a URL (proxies and logs keep URLs): the access token
          // comes in the Authorization header, or a one-minute single-use ticket in the query.
          if (url.searchParams.has('token')) {
            throw new HttpError(400, 'invalid_input', 'Send the access token in the Authorization header, or get a one-minute ticket from POST /sync/live-ticket and pass it as ?ticket=….');
          }
          const ticket = url.searchParams.get('ticket');
          const who = ticket !== null ? await redeemLiveTicket(store, ticket, now()) : await authenticate(store, req.headers.authorization, now());
          res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
          res.write(`event: hello\ndata: ${JSON.stringify({ seq: await store.headSeq() })}\n\n`);
          live.set(res, who);
          req.on('close', () => live.delete(res));
          return;
        }
        default:
          throw new HttpError(404, 'not_found', `Nothing at ${req.method} ${url.pathname}.`);
      }
    } catch (e) {
      if (e instanceof ThrottledError && !res.headersSent) res.setHeader('retry-after', String(e.retryAfterS));
      if (e instanceof HttpError) return send(res, e.status, { ok: false, error: { code: e.code, message: e.message } });
      log('request failed', { err: e instanceof Error ? e.stack : String(e) });
      if (!res.headersSent) send(res, 500, { ok: false, error: { code: 'internal', message: 'The server hit an error; nothing from this request was saved.' } });
      else res.end();
    }
  };
  const server = opts.tls ? https.createServer({ cert: opts.tls.cert, key: opts.tls.key }, handler) : http.createServer(handler);
  server.keepAliveTimeout = 30_000;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    const host = listenHost;
    server.listen(opts.port, host, () => {
      const port = (server.address() as AddressInfo).port;
      resolve({
        url: `${opts.tls ? 'https' : 'http'}://${isIP(host) === 6 ? `[${host}]` : host}:${port}`,
        port,
        close: () =>
          new Promise<void>((r) => {
            clearInterval(ping);
            for (const res of live.keys()) res.end();
            live.clear();
            server.closeAllConnections();
            server.close(() => r());
          }),
      });
    });
  });
}
