/**
 * The real browser host on a temporary data directory, set up (one site and its administrator) with
 * the people a test names, each signed in: what an HTTP integration test of a screen's calls needs.
 */
import type { Role } from '../../shared/api/contract';
import { startHost, type Host } from '../host/server';
import { startRuntime, type StartedRuntime } from '../runtime';
import type { StoreCipher, StoreKey } from '../db/store-key';
import type { Clock } from '../services/core/context';
import { tempDir, TEST_PASSWORD } from './index';

export interface HostReply<T> {
  status: number;
  body: { ok: boolean; value: T; error?: { code: string; message: string; issues?: unknown } };
}

export interface TestHost {
  url: string;
  rt: StartedRuntime;
  host: Host;
  /** The data directory (the store, its uploads, blobs and logs). */
  dir: string;
  /** The site made at set-up; every person named in `people` works there. */
  siteId: string;
  /** Bearer tokens by name: `admin`, then each name of `people`. */
  tokens: Record<string, string>;
  /** User ids by the same names. */
  ids: Record<string, string>;
  /** POST /api/<name> as `token` (none: signed out). */
  post<T = Record<string, unknown>>(name: string, input: unknown, token?: string): Promise<HostReply<T>>;
  /** The same, for a call that must succeed: its value, or an error naming the call and its answer. */
  ok<T = Record<string, unknown>>(name: string, input: unknown, token?: string): Promise<T>;
  close(): Promise<void>;
}

export type Person = Role | { role: Role; displayName?: string };

/** `clock`: the time the host's services read (a test of dates pins it); absent, the system clock. */
export async function startTestHost(
  opts: { prefix?: string; site?: string; people?: Record<string, Person>; key?: StoreKey | null; cipher?: StoreCipher | null; clock?: Clock } = {},
): Promise<TestHost> {
  const tmp = tempDir(opts.prefix ?? 'outpost-host-');
  const rt = startRuntime({ dataDir: tmp.dir, key: opts.key ?? null, cipher: opts.cipher ?? null, ...(opts.clock ? { clock: opts.clock } : {}) });
  let host: Host;
  try {
    host = await startHost(rt, { port: 0, staticDir: null });
  } catch (e) {
    rt.close();
    tmp.cleanup();
    throw e;
  }
  const post = async <T>(name: string, input: unknown, token = ''): Promise<HostReply<T>> => {
    const res = await fetch(`${host.url}/api/${name}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(input),
    });
    return { status: res.status, body: (await res.json()) as HostReply<T>['body'] };
  };
  const ok = async <T>(name: string, input: unknown, token = ''): Promise<T> => {
    const r = await post<T>(name, input, token);
    if (!r.body.ok) throw new Error(`${name} answered ${r.status}: ${JSON.stringify(r.body.error)}`);
    return r.body.value;
  };
  const t: TestHost = {
    url: host.url,
    rt,
    host,
    dir: tmp.dir,
    siteId: '',
    tokens: {},
    ids: {},
    post,
    ok,
    close: async () => {
      await host.close();
      rt.close();
      tmp.cleanup();
    },
  };
  try {
    const init = await ok<{ token: string; user: { id: string } }>('setup.init', {
      admin: { username: 'admin', displayName: 'Ada Admin', password: TEST_PASSWORD },
      site: { name: opts.site ?? 'HQ' },
    });
    t.tokens.admin = init.token;
    t.ids.admin = init.user.id;
    t.siteId = (await ok<{ items: { id: string }[] }>('sites.list', {}, init.token)).items[0]!.id;
    for (const [name, p] of Object.entries(opts.people ?? {})) {
      const { role, displayName } = typeof p === 'string' ? { role: p, displayName: undefined } : p;
      const user = await ok<{ id: string }>(
        'users.create',
        { username: name, displayName: displayName ?? name, role, password: TEST_PASSWORD, siteIds: [t.siteId] },
        init.token,
      );
      t.ids[name] = user.id;
      t.tokens[name] = (await ok<{ token: string }>('session.login', { username: name, password: TEST_PASSWORD })).token;
    }
  } catch (e) {
    await t.close();
    throw e;
  }
  return t;
}
