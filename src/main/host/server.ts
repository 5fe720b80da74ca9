/**
 * The browser host: the same handler table as the Electron shell, served over HTTP on loopback
 * (POST /api/<call>, events on SSE GET /api/events) together with the built renderer.
 */
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { dispatchAsync } from '../api/dispatch';
import type { StartedRuntime } from '../runtime';
import { httpStatusFor, type Result } from '../../shared/result';
import type { AppEvent } from '../../shared/api';
import { authenticate } from '../services/auth/sessions';
import { AGENT_PATH, serveAgent } from './agent';
import { receiveUpload, UploadRefused } from '../services/uploads/uploads';
import { AppError } from '../../shared/result';
import { STAFF } from '../../shared/api/contract';
import type { StoreState } from '../../shared/api/store';
import { contract } from '../../shared/api';
import { LockedStore } from './unlock';
import { DOWNLOAD_PATH, findDownload, withdrawDownload } from '../services/transfer/downloads';
import { isLocked } from '../services/auth/lock';

/** Large import files are streamed here (raw bytes), then named by the import call's uploadId. */
export const UPLOAD_PATH = '/api/upload';

export const MAX_BODY = 32 * 1024 * 1024;

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.wav': 'audio/wav',
  '.mp3': 'audio/mpeg',
};

export const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; media-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

export interface HostOptions {
  port: number;
  host?: string;
  staticDir?: string | null;
}

export interface Host {
  url: string;
  port: number;
  server: http.Server;
  close(): Promise<void>;
}

function send(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

function baseHeaders(res: http.ServerResponse) {
  res.setHeader('x-content-type-options', 'nosniff');
  res.setHeader('x-frame-options', 'DENY');
  res.setHeader('referrer-policy', 'no-referrer');
  res.setHeader('cross-origin-opener-policy', 'same-origin');
  res.setHeader('cross-origin-resource-policy', 'same-origin');
}

function bearer(req: http.IncomingMessage): string | null {
  const h = req.headers.authorization;
  if (!h) return null;
  const m = /^Bearer\s+(\S+)$/i.exec(h);
  return m ? m[1]! : null;
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        // Destroying the request here would kill the socket before the 413 is read (the client
        // sees "socket hang up"). Keep reading and discarding instead, so the answer arrives;
        // a sender that goes on far past the limit is cut off.
        if (!tooLarge) {
          tooLarge = true;
          chunks.length = 0;
          reject(Object.assign(new Error('too large'), { status: 413 }));
        }
        if (size > MAX_BODY * 4) req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/**
 * Serves an open runtime, or a locked store (see unlock.ts): until it is unlocked only store.state,
 * store.unlock and the console's static files answer.
 */
export function startHost(source: StartedRuntime | LockedStore, opts: HostOptions): Promise<Host> {
  let rt: StartedRuntime | null = source instanceof LockedStore ? null : source;
  const locked = source instanceof LockedStore ? source : null;
  const bindHost = opts.host ?? '127.0.0.1';
  let port = opts.port;
  const allowedHosts = () =>
    new Set([`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`, `${bindHost}:${port}`].map((h) => h.toLowerCase()));
  const sse = new Set<{ res: http.ServerResponse; token: string }>();
  const onEvent = (e: AppEvent) => {
    const data = `data: ${JSON.stringify(e)}\n\n`;
    for (const c of sse) {
      if (!rt || !authenticate(rt, c.token)) {
        c.res.write(`data: ${JSON.stringify({ type: 'session.expired' })}\n\n`);
        c.res.end();
        sse.delete(c);
        continue;
      }
      c.res.write(data);
    }
  };
  rt?.events.on('event', onEvent);
  const ping = setInterval(() => {
    for (const c of sse) c.res.write(': keep-alive\n\n');
  }, 25_000);
  ping.unref();

  const server = http.createServer(async (req, res) => {
    baseHeaders(res);
    try {
      if (!rt) return await serveLocked(locked!, req, res, opts.staticDir ?? null, allowedHosts(), (opened) => {
        if (rt) return;
        rt = opened;
        rt.events.on('event', onEvent);
      });
      // Inventory agents on other machines use the host's address and no browser: they carry a
      // per-site agent token instead of a session, so the Host/Origin checks below do not apply.
      if ((req.url ?? '').split('?')[0] === AGENT_PATH && req.headers.origin === undefined) {
        return await serveAgent(rt, req, res, new URL(req.url ?? '/', 'http://agent'));
      }
      // DNS rebinding and cross-site requests: only our own Host and Origin are served.
      const host = (req.headers.host ?? '').toLowerCase();
      if (!allowedHosts().has(host)) return send(res, 421, { ok: false, error: { code: 'forbidden', message: 'Unknown host.' } });
      const origin = req.headers.origin;
      if (origin !== undefined && !(origin.startsWith('http://') && allowedHosts().has(origin.slice(7).toLowerCase()))) {
        return send(res, 403, { ok: false, error: { code: 'forbidden', message: 'Cross-origin requests are refused.' } });
      }
      const url = new URL(req.url ?? '/', `http://${host}`);
      if (url.pathname === UPLOAD_PATH) return await serveUpload(rt, req, res);
      if (url.pathname.startsWith(DOWNLOAD_PATH)) return serveDownload(rt, req, res, url.pathname.slice(DOWNLOAD_PATH.length));
      if (url.pathname.startsWith('/api/')) {
        if (url.pathname === '/api/events') {
          if (req.method !== 'GET') return send(res, 405, { ok: false, error: { code: 'invalid_input', message: 'Use GET.' } });
          const token = url.searchParams.get('token') ?? bearer(req);
          if (!token || !authenticate(rt, token)) return send(res, 401, { ok: false, error: { code: 'unauthenticated', message: 'Sign in first.' } });
          res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
          res.write(`data: ${JSON.stringify({ type: 'hello', at: rt.clock.now().toISOString() })}\n\n`);
          const c = { res, token };
          sse.add(c);
          req.on('close', () => sse.delete(c));
          return;
        }
        if (req.method !== 'POST') return send(res, 405, { ok: false, error: { code: 'invalid_input', message: 'Calls use POST.' } }, { allow: 'POST' });
        const ct = req.headers['content-type'] ?? '';
        // A JSON content type also forces a CORS preflight from any other origin.
        if (!/^application\/json\b/i.test(ct)) {
          return send(res, 415, { ok: false, error: { code: 'invalid_input', message: 'Send the call input as application/json.' } });
        }
        const name = decodeURIComponent(url.pathname.slice(5));
        let input: unknown = {};
        try {
          const text = await readBody(req);
          input = text.trim() ? JSON.parse(text) : {};
        } catch (e) {
          if ((e as { status?: number }).status === 413) return send(res, 413, { ok: false, error: { code: 'invalid_input', message: `The request is larger than ${MAX_BODY / 1024 / 1024} MB.` } });
          return send(res, 400, { ok: false, error: { code: 'invalid_input', message: 'The request body is not valid JSON.' } });
        }
        const result: Result<unknown> = await dispatchAsync(rt, name, input, bearer(req));
        return send(res, result.ok ? 200 : httpStatusFor[result.error.code], result);
      }
      if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, { ok: false, error: { code: 'invalid_input', message: 'Method not allowed.' } });
      return serveStatic(opts.staticDir ?? null, url.pathname, res);
    } catch (e) {
      rt?.log.error({ err: e instanceof Error ? e.message : String(e) }, 'host request failed');
      if (!res.headersSent) send(res, 500, { ok: false, error: { code: 'internal', message: 'Something went wrong inside Outpost.' } });
      else res.end();
    }
  });
  server.requestTimeout = 5 * 60_000;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, bindHost, () => {
      port = (server.address() as AddressInfo).port;
      const url = `http://${bindHost.includes(':') ? `[${bindHost}]` : bindHost}:${port}`;
      resolve({
        url,
        port,
        server,
        close: () =>
          new Promise<void>((r) => {
            rt?.events.off('event', onEvent);
            clearInterval(ping);
            for (const c of sse) c.res.end();
            sse.clear();
            server.closeAllConnections();
            server.close(() => r());
          }),
      });
    });
  });
}

/**
 * A locked host (see unlock.ts): the console's files, store.state and store.unlock; every other call
 * and the inventory agents' route are refused until the store is open.
 */
async function serveLocked(
  locked: LockedStore,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  staticDir: string | null,
  hosts: Set<string>,
  onOpen: (rt: StartedRuntime) => void,
) {
  const host = (req.headers.host ?? '').toLowerCase();
  const origin = req.headers.origin;
  if (!hosts.has(host)) return send(res, 421, { ok: false, error: { code: 'forbidden', message: 'Unknown host.' } });
  if (origin !== undefined && !(origin.startsWith('http://') && hosts.has(origin.slice(7).toLowerCase()))) {
    return send(res, 403, { ok: false, error: { code: 'forbidden', message: 'Cross-origin requests are refused.' } });
  }
  const url = new URL(req.url ?? '/', `http://${host}`);
  const isApi = url.pathname.startsWith('/api/') || url.pathname === AGENT_PATH;
  if (!isApi) {
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, { ok: false, error: { code: 'invalid_input', message: 'Method not allowed.' } });
    return serveStatic(staticDir, url.pathname, res);
  }
  const name = url.pathname.slice(5);
  if (req.method === 'POST' && name === 'store.state') {
    return send(res, 200, { ok: true, value: { state: 'locked', encrypted: true, cipher: null, canProtect: false } satisfies StoreState });
  }
  if (req.method === 'POST' && name === 'store.unlock') {
    if (!/^application\/json\b/i.test(req.headers['content-type'] ?? '')) {
      return send(res, 415, { ok: false, error: { code: 'invalid_input', message: 'Send the call input as application/json.' } });
    }
    let input: unknown;
    try {
      const text = await readBody(req);
      input = text.trim() ? JSON.parse(text) : {};
    } catch {
      return send(res, 400, { ok: false, error: { code: 'invalid_input', message: 'The request body is not valid JSON.' } });
    }
    const parsed = contract['store.unlock'].input.safeParse(input);
    if (!parsed.success) return send(res, 400, { ok: false, error: { code: 'invalid_input', message: parsed.error.issues[0]?.message ?? 'Enter the passphrase.' } });
    try {
      onOpen(await locked.unlock(parsed.data.passphrase));
    } catch (e) {
      if (e instanceof AppError) return send(res, httpStatusFor[e.code], { ok: false, error: { code: e.code, message: e.message } });
      throw e;
    }
    return send(res, 200, { ok: true, value: { unlocked: true } });
  }
  return send(res, 423, { ok: false, error: { code: 'locked', message: 'Outpost’s store is locked: open the console and enter its passphrase first.' } });
}

/**
 * POST /api/upload: the file's bytes as application/octet-stream (a type that also forces a CORS
 * preflight, and the Host/Origin checks above have run), streamed to the data directory's uploads
 * (within each person's limits and the disk's reserve: see UPLOAD_LIMITS), for staff signed in with a
 * bearer token. Answers the uploadId that tickets.import and assets.import take.
 */
async function serveUpload(rt: StartedRuntime, req: http.IncomingMessage, res: http.ServerResponse) {
  if (req.method !== 'POST') return send(res, 405, { ok: false, error: { code: 'invalid_input', message: 'Use POST.' } }, { allow: 'POST' });
  if (!/^application\/octet-stream\b/i.test(req.headers['content-type'] ?? '')) {
    return send(res, 415, { ok: false, error: { code: 'invalid_input', message: 'Send the file as application/octet-stream.' } });
  }
  const actor = authenticate(rt, bearer(req));
  if (!actor) return send(res, 401, { ok: false, error: { code: 'unauthenticated', message: 'Sign in first.' } });
  if (!STAFF.includes(actor.role)) return send(res, 403, { ok: false, error: { code: 'forbidden', message: `Your role (${actor.role}) cannot upload import files.` } });
  const length = Number(req.headers['content-length'] ?? NaN);
  const declared = Number.isFinite(length) ? length : null;
  try {
    const receipt = await receiveUpload(req, actor.id, rt.store, declared);
    return send(res, 200, { ok: true, value: receipt });
  } catch (e) {
    // Refused before or while the bytes arrive: the rest of the body is not read, so the connection closes.
    if (e instanceof UploadRefused) return send(res, e.status, { ok: false, error: { code: e.code, message: e.message } }, { connection: 'close' });
    if (e instanceof AppError) return send(res, 400, { ok: false, error: { code: e.code, message: e.message } }, { connection: 'close' });
    throw e;
  }
}

/**
 * GET /api/download/<id>: a file the host offered this session (an export of everything, see
 * services/transfer/downloads.ts), streamed as an attachment. The id is the only thing the browser
 * names; the session that asked must still be signed in (and not locked) as the person who asked.
 * Sent whole, the file is removed; a download cut off can be fetched again until the offer lapses.
 */
function serveDownload(rt: StartedRuntime, req: http.IncomingMessage, res: http.ServerResponse, id: string) {
  if (req.method !== 'GET') return send(res, 405, { ok: false, error: { code: 'invalid_input', message: 'Use GET.' } }, { allow: 'GET' });
  const offer = /^[A-Za-z0-9_-]{32}$/.test(id) ? findDownload(rt.store, id, rt.clock.now().getTime()) : null;
  if (!offer) return send(res, 404, { ok: false, error: { code: 'not_found', message: 'This download is no longer offered. Export again from Settings.' } });
  const actor = authenticate(rt, offer.token);
  if (!actor || actor.id !== offer.actorId) {
    withdrawDownload(rt.store, offer.id);
    return send(res, 401, { ok: false, error: { code: 'unauthenticated', message: 'The session that asked for this download has ended. Sign in and export again.' } });
  }
  if (isLocked(rt, offer.token)) {
    return send(res, 423, { ok: false, error: { code: 'locked', message: 'Outpost is locked. Enter your password to unlock it, then download again.' } });
  }
  let size: number;
  try {
    size = fs.statSync(offer.file).size;
  } catch {
    withdrawDownload(rt.store, offer.id);
    return send(res, 404, { ok: false, error: { code: 'not_found', message: 'This download is no longer offered. Export again from Settings.' } });
  }
  res.writeHead(200, {
    'content-type': 'application/octet-stream',
    'content-length': size,
    'content-disposition': `attachment; filename="${offer.name.replace(/[^A-Za-z0-9._-]/g, '_')}"`,
    'cache-control': 'no-store',
  });
  const stream = fs.createReadStream(offer.file);
  stream.on('error', () => res.destroy());
  res.on('finish', () => withdrawDownload(rt.store, offer.id));
  stream.pipe(res);
}

function serveStatic(dir: string | null, pathname: string, res: http.ServerResponse) {
  if (!dir || !fs.existsSync(path.join(dir, 'index.html'))) {
    res.writeHead(503, { 'content-type': 'text/plain; charset=utf-8' });
    res.end('The Outpost console has not been built yet. Run `npm run build:renderer`, then reload.');
    return;
  }
  const root = path.resolve(dir);
  let file = path.resolve(root, '.' + decodeURIComponent(pathname));
  if (!file.startsWith(root + path.sep) && file !== root) {
    res.writeHead(404).end();
    return;
  }
  if (!fs.existsSync(file) || fs.statSync(file).isDirectory()) file = path.join(root, 'index.html');
  const ext = path.extname(file);
  const isHtml = ext === '.html';
  res.writeHead(200, {
    'content-type': MIME[ext] ?? 'application/octet-stream',
    'cache-control': isHtml ? 'no-store' : 'public, max-age=31536000, immutable',
    ...(isHtml ? { 'content-security-policy': CSP } : {}),
  });
  fs.createReadStream(file).pipe(res);
}
