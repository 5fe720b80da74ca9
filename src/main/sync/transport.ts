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
  lease(deviceId: string, prefix: string, count: number): Promise<LeaseResponse>;
  revoke(deviceId: string): Promise<void>;
  /** Calls `onPoke` whenever the server's change log moves; returns a stop function. */
  live(onPoke: () => void, onState: (connected: boolean) => void): () => void;
  /** Asks the server whether this is a team member's password (their first sign-in on this device). */
  verifyPerson?(username: string, password: string): Promise<void>;
  /** Registers a new id for this device (its store was copied or restored) and signs it in. */
  forkDevice?(deviceId: string, deviceName: string): Promise<TokenPair>;
  /** Changes the signed-in user's own password on the server (the server checks the current one). */
  changePassword?(current: string, next: string): Promise<void>;
  /** The audit chain anchors the server acknowledged for this device, newest first. */
  auditAnchors?(): Promise<AuditAnchorHistory>;
}

/** Answers after which the device stops trying: only joining again (as a new device, or with the new password) helps. */
export const SIGNED_OUT_CODES = new Set(['device_revoked', 'account_deactivated', 'session_revoked']);

const TIMEOUT_MS = 60_000;

export class HttpTransport implements SyncTransport {
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
    try {
      res = await fetch(this.baseUrl + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal: AbortSignal.timeout(TIMEOUT_MS) });
    } catch (e) {
      throw new OfflineError(`Cannot reach the server at ${this.baseUrl} (${e instanceof Error ? (e.cause instanceof Error ? e.cause.message : e.message) : String(e)}).`);
    }
    let parsed: { ok: boolean; value?: unknown; error?: { code: string; message: string } };
    try {
      parsed = (await res.json()) as typeof parsed;
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
    const r = parsePullResponse(v);
    if (!r.ok) throw new SyncHttpError(502, 'bad_reply', `The server sent a page this Outpost cannot read: ${r.message}.`);
    return r.value;
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

  auditAnchors(): Promise<AuditAnchorHistory> {
    return this.authed('GET', '/sync/audit-anchors') as Promise<AuditAnchorHistory>;
  }

  live(onPoke: () => void, onState: (connected: boolean) => void): () => void {
    let stopped = false;
    let ctrl: AbortController | null = null;
    let attempt = 0;
    const loop = async () => {
      while (!stopped) {
        ctrl = new AbortController();
        try {
          if (this.creds && this.creds.accessExpiresAt - Date.now() < 30_000) await this.refresh();
          // The token goes in the header, never in the URL.
          const res = await fetch(`${this.baseUrl}/sync/live`, { headers: { authorization: `Bearer ${this.creds?.accessToken ?? ''}` }, signal: ctrl.signal });
          if (!res.ok || !res.body) {
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
        onState(false);
        if (stopped) return;
        attempt++;
        const delay = Math.min(60_000, 500 * 2 ** Math.min(attempt, 7)) * (0.5 + Math.random());
        await new Promise((r) => setTimeout(r, delay).unref());
      }
    };
    void loop();
    return () => {
      stopped = true;
      ctrl?.abort();
    };
  }
}
