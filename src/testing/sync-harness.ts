/**
 * Test and benchmark harness: a real central server (embedded SQLite or PostgreSQL) and devices
 * that are real runtimes, driven through the same dispatch as the browser host. Test support, so it
 * may import both the device (src/main) and the server (src/server/testing).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startRuntime, type StartedRuntime } from '../main/runtime';
import { dispatchAsync } from '../main/api/dispatch';
import { createLogger } from '../main/log';
import type { Clock } from '../main/services/core/context';
import type { StoreKey } from '../main/db/store-key';
import type { CallName, CallOutput } from '../shared/api';
import { AppError } from '../shared/result';
import { uuidv7 } from '../shared/ids';
import { resetPg } from '../server/store/reset';
import { startTestServer, TEST_ADMIN, type TestServer } from '../server/testing/server';

export { resetPg, startTestServer, type TestServer };

export const ADMIN = TEST_ADMIN;

/** What the server answered an admin-API call: its HTTP status and JSON body. */
export interface ServerReply {
  status: number;
  body: { ok: boolean; value?: unknown; error?: { code: string; message: string } };
}

/** POSTs JSON to the test server (the user-admin routes, login), as a console would. */
export async function serverPost(server: TestServer, path: string, body: unknown, token?: string): Promise<ServerReply> {
  const res = await fetch(`${server.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as ServerReply['body'] };
}

/** Signs in to the test server as a console (not a device) and returns the access token. */
export async function serverLogin(server: TestServer, username = ADMIN.username, password = ADMIN.password): Promise<string> {
  const r = await serverPost(server, '/auth/login', { username, password, deviceId: uuidv7(), deviceName: 'console' });
  if (r.status !== 200) throw new Error(`Sign-in of ${username} failed (${r.status}): ${r.body.error?.message ?? ''}`);
  return (r.body.value as { accessToken: string }).accessToken;
}

export interface Device {
  rt: StartedRuntime;
  token: string;
  dir: string;
  call<N extends CallName>(name: N, input?: unknown): Promise<CallOutput<N>>;
  close(): void;
}

/**
 * A device: a real runtime on a temp data dir, set up with its own admin and site; with
 * `setUp: false` it is left at first run (no token), e.g. to join an existing team.
 */
export async function startDevice(opts: { clock?: Clock; dir?: string; sampleData?: boolean; site?: string; setUp?: boolean; key?: StoreKey | null } = {}): Promise<Device> {
  const ownDir = !opts.dir;
  const dir = opts.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'outpost-dev-'));
  const rt = startRuntime({ dataDir: dir, clock: opts.clock, log: createLogger({ level: 'silent' }), key: opts.key ?? null });
  const call = async <N extends CallName>(name: N, input: unknown = {}, token: string | null = dev.token): Promise<CallOutput<N>> => {
    const r = await dispatchAsync(rt, name, input, token);
    if (!r.ok) throw new AppError(r.error.code, `${name}: ${r.error.message}`, r.error.issues);
    return r.value as CallOutput<N>;
  };
  let closed = false;
  const dev: Device = {
    rt,
    token: '',
    dir,
    call: (n, i) => call(n, i),
    close: () => {
      if (closed) return;
      closed = true;
      rt.close();
      // A directory the caller passed in is theirs to keep (restart tests reopen it).
      if (ownDir) fs.rmSync(dir, { recursive: true, force: true });
    },
  };
  const status = await call('setup.status', {}, null);
  if (opts.setUp === false) return dev;
  if (status.initialized) {
    dev.token = (await call('session.login', { username: 'tech', password: 'password123' }, null)).token;
  } else {
    const s = await call(
      'setup.init',
      {
        admin: { username: 'tech', displayName: 'Tech', password: 'password123' },
        site: { name: opts.site ?? 'HQ' },
        sampleData: !!opts.sampleData,
      },
      null,
    );
    dev.token = s.token;
  }
  return dev;
}
