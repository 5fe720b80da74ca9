/** How the device talks to the central server: an interface, and its HTTP implementation (fetch + SSE). */
import {
  parsePullResponse,
  type AuditAnchorHistory,
  type LeaseResponse,
  type PullResponse,
  type PushRequest,
  type PushResponse,
  type TokenPair,
} from '../../shared/sync/wire';
import type { BlobStatus } from '../../shared/sync/blobs';

export class SyncHttpError extends Error {
  constructor(
    public readonly status: number,
    public readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** The network is unreachable (as opposed to the server answering with an error). */
export class OfflineError extends Error {}

/**
 * The server began to answer, then the connection dropped (it stopped, the network went, or
 * something between cuts long answers). Offline for the person, but the server was there a moment
 * ago: the device retries on its backoff rather than probing for a return that already happened.
 */
export class DroppedError extends OfflineError {}

/** The server was reached, but its TLS certificate is not trusted (or it does not speak HTTPS). */
export class TlsError extends Error {}

const STALE_RETRIES = 4;
/** POST routes safe to send again when the connection dropped before an answer. */
const REPEATABLE = new Set(['/sync/push', '/auth/login', '/auth/verify']);

function staleConnection(e: unknown): boolean {
  const cause = e instanceof Error && e.cause instanceof Error ? e.cause : null;
  const code = (cause as { code?: string } | null)?.code ?? '';
  // EPIPE: the request was being written to a connection the server had already closed (an idle
  // kept-alive one it timed out just as the device reused it): it was never read.
  return code === 'UND_ERR_SOCKET' || code === 'ECONNRESET' || code === 'EPIPE' || /other side closed/i.test(cause?.message ?? '');
}

const CERT_CODES = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER|ALTNAME|HOSTNAME_MISMATCH/;

/**
 * Why a request never got an answer, in words for IT staff: a refused connection, an unknown name,
 * a timeout, or a certificate problem (which no waiting will fix, so it is not "offline").
 */
export function describeFetchFailure(baseUrl: string, e: unknown): OfflineError | TlsError {
  const cause = e instanceof Error && e.cause instanceof Error ? e.cause : e instanceof Error ? e : null;
  const code = (cause as { code?: string } | null)?.code ?? '';
  const detail = cause?.message ?? String(e);
  if (CERT_CODES.test(code) || /certificate/i.test(detail)) {
    return new TlsError(
      `The server at ${baseUrl} presented a certificate this computer does not trust (${detail}). Use the server's name exactly as its certificate states it, or have the team's certificate authority installed on this computer.`,
    );
  }
  if (/ERR_SSL|EPROTO/.test(code) || /wrong version number|ssl3?_get_record|packet length too long/i.test(detail)) {
    return new TlsError(`The server at ${baseUrl} does not answer HTTPS (${detail}). Check whether the address should start with http:// instead.`);
  }
  if (code === 'ECONNREFUSED') return new OfflineError(`Cannot reach the server at ${baseUrl}: nothing answers there (connection refused). Is the server running, and is the port right?`);
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return new OfflineError(`Cannot reach the server at ${baseUrl}: its name cannot be found. Check the address and the network.`);
  if (cause?.name === 'TimeoutError' || code === 'UND_ERR_CONNECT_TIMEOUT') return new OfflineError(`Cannot reach the server at ${baseUrl}: it did not answer in time.`);
  return new OfflineError(`Cannot reach the server at ${baseUrl} (${detail}).`);
}

export interface Credentials {
  accessToken: string;
  refreshToken: string;
  accessExpiresAt: number;
}

export interface SyncTransport {
  login(username: string, password: string, deviceId: string, deviceName: string): Promise<TokenPair>;
  push(req: PushRequest): Promise<PushResponse>;
  /** `scopes`: only these sites (a back-fill of sites just gained); the server narrows them to the user's. */
  pull(cursor: number, limit: number, scopes?: string[]): Promise<PullResponse>;
  /**
   * How long the last pulled page held the event loop before its first slice: decoding, parsing and
   * checking its body (ms). The client sizes pages so that this stays short too.
   */
  pullCostMs?(): number;
  lease(deviceId: string, prefix: string, count: number): Promise<LeaseResponse>;
  revoke(deviceId: string): Promise<void>;
  /**
   * Calls `onPoke` whenever the server's change log moves; returns a stop function. `onState` hears
   * the stream connect and drop; `refused` when the server answered but would not keep a stream
   * (it is there, so there is nothing to probe for).
   */
  live(onPoke: () => void, onState: (connected: boolean, refused?: boolean) => void): () => void;
  /** Asks the server whether this is a team member's password (their first sign-in on this device). */
  verifyPerson?(username: string, password: string): Promise<void>;
  /** Registers a new id for this device (its store was copied or restored) and signs it in. */
  forkDevice?(deviceId: string, deviceName: string): Promise<TokenPair>;
  /** Changes the signed-in user's own password on the server (the server checks the current one). */
  changePassword?(current: string, next: string): Promise<void>;
  /** The audit chain anchors the server acknowledged for this device, newest first. */
  auditAnchors?(): Promise<AuditAnchorHistory>;
  /** A cheap check that the server answers at all (GET /health, no sign-in): true when it does. */
  health?(): Promise<boolean>;
  /**
   * Blobs (see shared/sync/blobs.ts): whether the server holds one, or how much of this device's
   * upload. With `articleId`, as that knowledge article's picture (held only once uploaded for it).
   */
  blobStatus?(sha256: string, articleId?: string): Promise<BlobStatus>;
  /** Sends `chunk` at `offset` of the blob's `size` bytes (with `articleId`: as that article's picture). */
  uploadBlob?(sha256: string, size: number, offset: number, chunk: Uint8Array, articleId?: string): Promise<BlobStatus>;
  /**
   * The blob's bytes: an evidence file, or with `articleId` that article's picture. A SyncHttpError
   * 403 (evidence) or 404 (a picture) when this user may not read it, 404 when not uploaded yet.
   */
  downloadBlob?(sha256: string, articleId?: string): Promise<Buffer>;
}

/** Answers after which the device stops trying: only joining again (as a new device, or with the new password) helps. */
export const SIGNED_OUT_CODES = new Set(['device_revoked', 'account_deactivated', 'session_revoked', 'device_lost']);

const TIMEOUT_MS = 60_000;
/** A probe that takes longer than this counts as "not back yet"; the next one follows soon. */
const HEALTH_TIMEOUT_MS = 1500;

const utf8 = new TextDecoder();

export class HttpTransport implements SyncTransport {
  /** How long the last answer's body took to decode and parse (ms). */
  private parseMs = 0;
  private pullCost = 0;

  constructor(
    private readonly baseUrl: string,
    private creds: Credentials | null,
    /** Persists rotated tokens so a restart keeps the sign-in. */
    private readonly saveCreds: (c: Credentials) => void,
  ) {}

  private async raw(method: string, path: string, body?: unknown, auth = true): Promise<unknown> {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (auth) {
      if (!this.creds) throw new SyncHttpError(401, 'unauthenticated', 'Join a server first.');
      headers.authorization = `Bearer ${this.creds.accessToken}`;
    }
    let res: Response;
    const send = () => fetch(this.baseUrl + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal: AbortSignal.timeout(TIMEOUT_MS) });
    try {
      // Kept-alive connections the server dropped (it restarted meanwhile) fail before the request is
      // read: try again, on the pool's next connection or a fresh one, where repeating is harmless
      // (a push is idempotent; a refresh token spent twice would end the sign-in, so never that).
      for (let attempt = 1; ; attempt++) {
        try {
          res = await send();
          break;
        } catch (e) {
          if (attempt >= STALE_RETRIES || !staleConnection(e) || !(method === 'GET' || REPEATABLE.has(path))) throw e;
        }
      }
    } catch (e) {
      throw describeFetchFailure(this.baseUrl, e);
    }
    let bytes: ArrayBuffer;
    try {
      bytes = await res.arrayBuffer();
    } catch (e) {
      // Not a server answering wrongly: the answer never arrived whole.
      const cause = e instanceof Error && e.cause instanceof Error ? e.cause.message : e instanceof Error ? e.message : String(e);
      throw new DroppedError(`The connection to the server at ${this.baseUrl} dropped while its answer arrived (${cause}). Outpost tries again shortly.`);
    }
    let parsed: { ok: boolean; value?: unknown; error?: { code: string; message: string } };
    try {
      // Decoding and parsing hold the event loop in one piece, as long as the body is big: timed,
      // so the sync client can ask for smaller pages when they cost too much (see pullCostMs).
      const started = performance.now();
      parsed = JSON.parse(utf8.decode(bytes)) as typeof parsed;
      this.parseMs = performance.now() - started;
    } catch {
      throw new SyncHttpError(res.status, 'bad_reply', `The server answered ${res.status} with something that is not Outpost JSON. Is ${this.baseUrl} an Outpost server?`);
    }
    if (!parsed.ok) throw new SyncHttpError(res.status, parsed.error?.code ?? 'error', parsed.error?.message ?? `The server answered ${res.status}.`);
    return parsed.value;
  }

  private refreshing: Promise<void> | null = null;

  /**
   * One refresh at a time: the server ends the whole sign-in when a refresh token is spent twice,
   * so the sync pass and the live stream must never both spend the same one.
   */
  private refresh(): Promise<void> {
    this.refreshing ??= (async () => {
      if (!this.creds) throw new SyncHttpError(401, 'unauthenticated', 'Join a server first.');
      const t = (await this.raw('POST', '/auth/refresh', { refreshToken: this.creds.refreshToken }, false)) as TokenPair;
      this.setTokens(t);
    })().finally(() => {
      this.refreshing = null;
    });
    return this.refreshing;
  }

  private setTokens(t: TokenPair) {
    this.creds = { accessToken: t.accessToken, refreshToken: t.refreshToken, accessExpiresAt: Date.now() + t.expiresIn * 1000 };
    this.saveCreds(this.creds);
  }

  /** Refreshes the access token shortly before it expires, and once more on a 401. */
  private async authed(method: string, path: string, body?: unknown): Promise<unknown> {
    if (this.creds && this.creds.accessExpiresAt - Date.now() < 30_000) await this.refresh();
    try {
      return await this.raw(method, path, body);
    } catch (e) {
      if (e instanceof SyncHttpError && e.code === 'token_expired') {
        await this.refresh();
        return this.raw(method, path, body);
      }
      throw e;
    }
  }

  async login(username: string, password: string, deviceId: string, deviceName: string): Promise<TokenPair> {
    const t = (await this.raw('POST', '/auth/login', { username, password, deviceId, deviceName }, false)) as TokenPair;
    this.setTokens(t);
    return t;
  }

  push(req: PushRequest): Promise<PushResponse> {
    return this.authed('POST', '/sync/push', req) as Promise<PushResponse>;
  }

  async pull(cursor: number, limit: number, scopes?: string[]): Promise<PullResponse> {
    const only = scopes ? `&scopes=${scopes.map(encodeURIComponent).join(',')}` : '';
    // Compact clocks: a record written in one go carries one "*" stamp instead of one per field,
    // which halves the page; applyPage expands them where it compares clocks.
    const v = await this.authed('GET', `/sync/pull?cursor=${cursor}&limit=${limit}&clocks=compact${only}`);
    const started = performance.now();
    const r = parsePullResponse(v);
    this.pullCost = this.parseMs + (performance.now() - started);
    if (!r.ok) throw new SyncHttpError(502, 'bad_reply', `The server sent a page this Outpost cannot read: ${r.message}.`);
    return r.value;
  }

  pullCostMs(): number {
    return this.pullCost;
  }

  lease(deviceId: string, prefix: string, count: number): Promise<LeaseResponse> {
    return this.authed('POST', '/sync/lease', { deviceId, prefix, count }) as Promise<LeaseResponse>;
  }

  async verifyPerson(username: string, password: string): Promise<void> {
    await this.authed('POST', '/auth/verify', { username, password });
  }

  async forkDevice(deviceId: string, deviceName: string): Promise<TokenPair> {
    const t = (await this.authed('POST', '/auth/device/fork', { deviceId, deviceName })) as TokenPair;
    this.setTokens(t);
    return t;
  }

  async revoke(deviceId: string): Promise<void> {
    await this.authed('POST', '/auth/revoke', { deviceId });
  }

  async changePassword(current: string, next: string): Promise<void> {
    await this.authed('POST', '/auth/password', { current, next });
  }

  async health(): Promise<boolean> {
    try {
      const res = await fetch(`${this.baseUrl}/health`, { signal: AbortSignal.timeout(HEALTH_TIMEOUT_MS) });
      await res.body?.cancel();
      return res.ok;
    } catch {
      return false;
    }
  }

  blobStatus(sha256: string, articleId?: string): Promise<BlobStatus> {
    return this.authed('GET', `/blobs/${sha256}/status${articleParam(articleId, '?')}`) as Promise<BlobStatus>;
  }

  uploadBlob(sha256: string, size: number, offset: number, chunk: Uint8Array, articleId?: string): Promise<BlobStatus> {
    return this.binary('PUT', `/blobs/${sha256}?size=${size}&offset=${offset}${articleParam(articleId, '&')}`, chunk).then((r) => JSON.parse(r.toString('utf8')).value as BlobStatus);
  }

  downloadBlob(sha256: string, articleId?: string): Promise<Buffer> {
    return this.binary('GET', `/blobs/${sha256}${articleParam(articleId, '?')}`);
  }

  /** A request with raw bytes in or out (blobs), refreshing the token as `authed` does. */
  private async binary(method: string, path: string, body?: Uint8Array, retried = false): Promise<Buffer> {
    if (this.creds && this.creds.accessExpiresAt - Date.now() < 30_000) await this.refresh();
    if (!this.creds) throw new SyncHttpError(401, 'unauthenticated', 'Join a server first.');
    let res: Response;
    try {
      res = await fetch(this.baseUrl + path, {
        method,
        headers: { authorization: `Bearer ${this.creds.accessToken}`, ...(body ? { 'content-type': 'application/octet-stream' } : {}) },
        body: body as BodyInit | undefined,
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
    } catch (e) {
      throw new OfflineError(`Cannot reach the server at ${this.baseUrl} (${e instanceof Error ? (e.cause instanceof Error ? e.cause.message : e.message) : String(e)}).`);
    }
    const bytes = Buffer.from(await res.arrayBuffer());
    if (res.ok) return bytes;
    let err: { code?: string; message?: string } = {};
    try {
      err = (JSON.parse(bytes.toString('utf8')) as { error?: typeof err }).error ?? {};
    } catch {
      // not Outpost JSON: the status says enough
    }
    if (err.code === 'token_expired' && !retried) {
      await this.refresh();
      return this.binary(method, path, body, true);
    }
    throw new SyncHttpError(res.status, err.code ?? 'error', err.message ?? `The server answered ${res.status}.`);
  }

  auditAnchors(): Promise<AuditAnchorHistory> {
    return this.authed('GET', '/sync/audit-anchors') as Promise<AuditAnchorHistory>;
  }

  live(onPoke: () => void, onState: (connected: boolean, refused?: boolean) => void): () => void {
    let stopped = false;
    // Stopped by the caller: the stream ends without a word (it is no news that the server is away).
    let cancelled = false;
    let ctrl: AbortController | null = null;
    let attempt = 0;
    const loop = async () => {
      while (!stopped) {
        ctrl = new AbortController();
        let refused = false;
        try {
          if (this.creds && this.creds.accessExpiresAt - Date.now() < 30_000) await this.refresh();
          // The token goes in the header, never in the URL.
          const res = await fetch(`${this.baseUrl}/sync/live`, { headers: { authorization: `Bearer ${this.creds?.accessToken ?? ''}` }, signal: ctrl.signal });
          if (!res.ok || !res.body) {
            refused = true;
            const code = await res
              .json()
              .then((b: { error?: { code?: string } }) => b.error?.code ?? '')
              .catch(() => '');
            if (SIGNED_OUT_CODES.has(code)) stopped = true;
            else if (code === 'token_expired') await this.refresh();
            throw new Error(`live ${res.status}`);
          }
          attempt = 0;
          onState(true);
          const reader = res.body.getReader();
          const dec = new TextDecoder();
          let buf = '';
          for (;;) {
            const { value, done } = await reader.read();
            if (done) break;
            buf += dec.decode(value, { stream: true });
            let i: number;
            while ((i = buf.indexOf('\n\n')) >= 0) {
              const msg = buf.slice(0, i);
              buf = buf.slice(i + 2);
              if (/^event: (poke|hello)$/m.test(msg)) onPoke();
              // The server closes the stream of a revoked device or deactivated account: no reconnecting.
              else if (/^event: closed$/m.test(msg)) {
                const code = /^data: (.*)$/m.exec(msg)?.[1];
                try {
                  if (SIGNED_OUT_CODES.has((JSON.parse(code ?? '{}') as { code?: string }).code ?? '')) {
                    stopped = true;
                    // One more sync pass meets the refusal and shows its reason in the status.
                    onPoke();
                  }
                } catch {
                  // Not ours to read: reconnect as for any dropped stream.
                }
              }
            }
          }
        } catch {
          // Reconnect below.
        }
        if (cancelled) return;
        onState(false, refused);
        if (stopped) return;
        attempt++;
        const delay = Math.min(60_000, 500 * 2 ** Math.min(attempt, 7)) * (0.5 + Math.random());
        await new Promise((r) => setTimeout(r, delay).unref());
      }
    };
    void loop();
    return () => {
      stopped = true;
      cancelled = true;
      ctrl?.abort();
    };
  }
}

/** The query part naming the knowledge article a picture travels for (none for evidence). */
const articleParam = (articleId: string | undefined, sep: '?' | '&') => (articleId ? `${sep}article=${encodeURIComponent(articleId)}` : '');
