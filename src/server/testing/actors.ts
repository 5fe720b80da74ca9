/**
 * Test support: people with real accounts on a real server, pushing hand-made ops over HTTP as a
 * modified client would, and reading their pulls. Used by the attack, matrix and fuzz tests.
 */
import { formatHlc } from '../../shared/hlc';
import { uuidv7 } from '../../shared/ids';
import { parsePullResponse, type Change, type OpResult, type PushResponse, type WireOp } from '../../shared/sync/wire';

export type Role = 'admin' | 'technician' | 'auditor' | 'requester';

export interface Reply<T = unknown> {
  status: number;
  body: { ok: boolean; value?: T; error?: { code: string; message: string } };
}

export async function post<T = unknown>(url: string, path: string, body: unknown, token?: string): Promise<Reply<T>> {
  const res = await fetch(`${url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: Reply<T>['body'];
  try {
    parsed = JSON.parse(text) as Reply<T>['body'];
  } catch {
    parsed = { ok: false, error: { code: 'not_json', message: text.slice(0, 200) } };
  }
  return { status: res.status, body: parsed };
}

export interface Actor {
  username: string;
  role: Role;
  /** The id the server knows this person by (their account, or their team record). */
  personId: string;
  accountId: string;
  deviceId: string;
  token: string;
  /** Next device sequence number this actor's device will use. */
  seq: number;
  /** Pushes ops (deviceSeq filled in when 0) and returns the HTTP reply. */
  push(ops: Partial<WireOp>[], opts?: { cursor?: number; raw?: boolean }): Promise<Reply<PushResponse>>;
  /** Pushes one op and returns its answer (throws on a non-200 reply). */
  one(op: Partial<WireOp>): Promise<OpResult>;
  /** Every change this person's device receives from the start. */
  pullAll(): Promise<Change[]>;
}

let wallBase = Date.now();
/** A clock value after every earlier one made here (two ops in the same millisecond still differ). */
export function nextHlc(): string {
  wallBase = Math.max(wallBase + 1, Date.now());
  return formatHlc({ wall: wallBase, counter: 0 });
}

export async function signIn(url: string, username: string, password: string, role: Role): Promise<Actor> {
  const deviceId = uuidv7();
  const r = await post<{ accessToken: string; user: { id: string; personId?: string } }>(url, '/auth/login', { username, password, deviceId, deviceName: `${username}-laptop` });
  if (r.status !== 200) throw new Error(`Sign-in of ${username} failed (${r.status}): ${r.body.error?.message ?? ''}`);
  const token = r.body.value!.accessToken;
  const actor: Actor = {
    username,
    role,
    accountId: r.body.value!.user.id,
    personId: r.body.value!.user.personId ?? r.body.value!.user.id,
    deviceId,
    token,
    seq: 1,
    push: async (ops, opts = {}) => {
      const full = ops.map((o) => ({
        opId: uuidv7(),
        deviceSeq: o.deviceSeq ?? actor.seq++,
        hlc: nextHlc(),
        schemaVersion: 1,
        createdAt: new Date().toISOString(),
        payload: {},
        ...o,
      }));
      return post<PushResponse>(url, '/sync/push', { deviceId, clientVersion: '0.1.0', schemaVersion: 1, cursor: opts.cursor ?? 0, ops: full }, token);
    },
    one: async (op) => {
      const r2 = await actor.push([op]);
      if (r2.status !== 200) throw new Error(`push failed (${r2.status}): ${r2.body.error?.message ?? ''}`);
      return r2.body.value!.results[0]!;
    },
    pullAll: async () => {
      const out: Change[] = [];
      let cursor = 0;
      for (;;) {
        const res = await fetch(`${url}/sync/pull?cursor=${cursor}&limit=1000`, { headers: { authorization: `Bearer ${token}` } });
        if (res.status !== 200) throw new Error(`pull failed (${res.status})`);
        const body = (await res.json()) as { value: unknown };
        // Every page a device receives must parse, or that device's sync stops.
        const page = parsePullResponse(body.value);
        if (!page.ok) throw new Error(`A pull page does not parse: ${page.message}`);
        out.push(...page.value.changes);
        cursor = page.value.cursor;
        if (!page.value.hasMore) return out;
      }
    },
  };
  return actor;
}

/** The newest version of each record in a pull (later changes replace earlier ones). */
export function latest(changes: Change[]): Map<string, Change> {
  const m = new Map<string, Change>();
  for (const c of changes) m.set(`${c.entity}/${c.id}`, c);
  return m;
}

export function ticketPayload(site: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const now = new Date().toISOString();
  return { type: 'incident', title: 'Printer on fire', description: '', impact: 3, urgency: 3, priority: 4, priority_overridden: 0, status: 'new', is_open: 1, opened_at: now, scope_id: site, ...extra };
}

let numberSeq = 100;
export function ticketNumber(): string {
  return `INC${String(numberSeq++).padStart(7, '0')}`;
}

export interface LiveStream {
  status: number;
  /** Everything the stream has said so far. */
  text(): string;
  /** How many pokes it has carried so far. */
  pokes(): number;
  /** Settles when the server ends the stream (or the test aborts it). */
  ended: Promise<void>;
  abort(): void;
}

/** Opens a live stream (access token in the header, or a one-minute ticket) and collects what it says until it ends. */
export async function openLiveStream(url: string, init: { token?: string; ticket?: string }): Promise<LiveStream> {
  const ctrl = new AbortController();
  const res = await fetch(`${url}/sync/live${init.ticket ? `?ticket=${init.ticket}` : ''}`, {
    headers: init.token ? { authorization: `Bearer ${init.token}` } : {},
    signal: ctrl.signal,
  });
  let text = '';
  const ended = (async () => {
    if (!res.ok || !res.body) return;
    const reader = res.body.getReader();
    const dec = new TextDecoder();
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        text += dec.decode(value, { stream: true });
      }
    } catch {
      // aborted by the test
    }
  })();
  return { status: res.status, text: () => text, pokes: () => (text.match(/^event: poke$/gm) ?? []).length, ended, abort: () => ctrl.abort() };
}

/** A server account made by an administrator (password `password123`), signed in on a device of its own. */
export async function addAccount(url: string, admin: Actor, username: string, role: Role, sites: string[] | null): Promise<Actor> {
  const r = await post(url, '/auth/users', { username, password: 'password123', role, sites }, admin.token);
  if (r.status !== 200) throw new Error(`Creating ${username} failed (${r.status}): ${r.body.error?.message ?? ''}`);
  return signIn(url, username, 'password123', role);
}
