/**
 * The browser host over real HTTP: a real runtime on a temp data dir, the real handler table, and
 * requests made with fetch / node:http exactly as a browser tab (or an attacker's page) would.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startRuntime, type StartedRuntime } from '../runtime';
import { startHost, MAX_BODY, type Host } from './server';
import { CALL_NAMES, contract, type CallName } from '../../shared/api';
import type { Clock } from '../services/core/context';
import { tempDir } from '../testing';
import { IDLE_MS } from '../services/auth/sessions';
import { followEvents } from '../testing/event-stream';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/** Real time plus an offset the test can push forward (session expiry). */
let offsetMs = 0;
const clock: Clock = { now: () => new Date(Date.now() + offsetMs) };

let tmp: ReturnType<typeof tempDir>;
let rt: StartedRuntime;
let host: Host;
const covered = new Set<string>();

interface Reply {
  status: number;
  body: { ok: boolean; value?: unknown; error?: { code: string; message: string; issues?: { path: (string | number)[]; message: string }[] } };
}

async function post(name: string, input: unknown, token?: string | null, headers: Record<string, string> = {}): Promise<Reply> {
  const res = await fetch(`${host.url}/api/${name}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
    body: JSON.stringify(input),
  });
  return { status: res.status, body: (await res.json()) as Reply['body'] };
}

/** A happy-path call: must answer 200 ok; marks the call as covered. */
async function ok<T = Record<string, unknown>>(name: CallName, input: unknown, token: string): Promise<T> {
  const r = await post(name, input, token);
  expect(r.body.error, `${name}: ${JSON.stringify(r.body.error)}`).toBeUndefined();
  expect(r.status).toBe(200);
  expect(r.body.ok).toBe(true);
  covered.add(name);
  return r.body.value as T;
}

/** Raw HTTP, for headers fetch will not let us forge (Host) and bodies it would buffer. */
function raw(opts: { method?: string; path: string; headers?: Record<string, string>; body?: string | Buffer }): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: host.port, method: opts.method ?? 'POST', path: opts.path, headers: opts.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    if (opts.body !== undefined) req.write(opts.body);
    req.end();
  });
}

/** Everything a bad request must not change: row counts of every table, the audit head, the op sequence. */
function footprint() {
  const s = rt.store.sqlite;
  const tables = s
    .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'tickets_fts%' AND name NOT LIKE '__drizzle%' AND name NOT IN ('sessions', 'login_attempts')")
    .pluck()
    .all() as string[];
  const counts: Record<string, number> = {};
  for (const t of tables) counts[t] = s.prepare(`SELECT count(*) FROM "${t}"`).pluck().get() as number;
  return {
    counts,
    auditHead: s.prepare('SELECT hash FROM audit_events ORDER BY seq DESC LIMIT 1').pluck().get(),
    deviceSeq: s.prepare("SELECT value FROM meta WHERE key = 'device_seq'").pluck().get(),
    ticketsChanged: s.prepare('SELECT max(updated_at) FROM tickets').pluck().get(),
  };
}

const tokens = { admin: '', tech: '', auditor: '', requester: '' };
const ids = { tech: '', auditor: '', requester: '', site: '', group: '', ticket: '', number: '', view: '' };

beforeAll(async () => {
  tmp = tempDir('outpost-host-');
  rt = startRuntime({ dataDir: tmp.dir, clock });
  host = await startHost(rt, { port: 0, staticDir: null });
});

afterAll(async () => {
  await host?.close();
  rt?.close();
  tmp?.cleanup();
});

describe('first run and sign-in', () => {
  it('setup.status says not set up, then setup.init returns a token', async () => {
    expect(host.url).toBe(`http://127.0.0.1:${host.port}`);
    const s = await ok<{ initialized: boolean }>('setup.status', {}, '');
    expect(s.initialized).toBe(false);
    const r = await post('setup.init', { admin: { username: 'admin', displayName: 'Ada Admin', password: 'password123' }, site: { name: 'HQ' } });
    expect(r.status).toBe(200);
    const v = r.body.value as { token: string; user: { role: string } };
    expect(v.token).toMatch(/^\S{20,}$/);
    expect(v.user.role).toBe('admin');
    tokens.admin = v.token;
    covered.add('setup.init');
    expect((await ok<{ initialized: boolean }>('setup.status', {}, '')).initialized).toBe(true);
  });

  it('setup.init is refused once set up, and writes nothing', async () => {
    const before = footprint();
    const r = await post('setup.init', { admin: { username: 'mallory', displayName: 'M', password: 'password123' }, site: { name: 'Evil' } });
    expect(r.status).toBe(409);
    expect(r.body.error?.code).toBe('already_setup');
    expect(footprint()).toEqual(before);
  });

  it('session.login: wrong password is 401, right one gives a token', async () => {
    const bad = await post('session.login', { username: 'admin', password: 'wrong-password' });
    expect(bad.status).toBe(401);
    expect(bad.body.error).toEqual({ code: 'unauthenticated', message: 'Wrong username or password.' });
    const good = await ok<{ token: string }>('session.login', { username: 'ADMIN', password: 'password123' }, '');
    expect(good.token).toBeTruthy();
    expect(good.token).not.toBe(tokens.admin);
  });
});

describe('every call, happy path', () => {
  it('directory: sites, groups, users', async () => {
    const site = await ok<{ id: string; name: string }>('sites.create', { name: 'Depot', code: 'DEP' }, tokens.admin);
    ids.site = site.id;
    expect((await ok<{ name: string }>('sites.update', { id: site.id, fields: { timezone: 'Europe/Oslo' } }, tokens.admin)).name).toBe('Depot');
    expect((await ok<{ items: { name: string }[] }>('sites.list', {}, tokens.admin)).items.map((s) => s.name)).toEqual(['Depot', 'HQ']);
    for (const [role, key] of [['technician', 'tech'], ['auditor', 'auditor'], ['requester', 'requester']] as const) {
      const u = await ok<{ id: string }>('users.create', { username: key, displayName: `The ${role}`, role, password: 'password123', siteIds: [site.id] }, tokens.admin);
      ids[key] = u.id;
      tokens[key] = (await ok<{ token: string }>('session.login', { username: key, password: 'password123' }, '')).token;
    }
    const g = await ok<{ id: string; memberIds: string[] }>('groups.create', { name: 'Desk', memberIds: [ids.tech] }, tokens.admin);
    ids.group = g.id;
    expect(g.memberIds).toEqual([ids.tech]);
    expect((await ok<{ description: string }>('groups.update', { id: g.id, fields: { description: 'First line' } }, tokens.admin)).description).toBe('First line');
    expect((await ok<{ items: unknown[] }>('groups.list', {}, tokens.tech)).items).toHaveLength(1);
    expect((await ok<{ email: string }>('users.update', { id: ids.tech, fields: { email: 'tech@example.org' } }, tokens.admin)).email).toBe('tech@example.org');
    expect((await ok<{ items: { username: string }[] }>('users.list', { role: 'technician' }, tokens.admin)).items.map((u) => u.username)).toEqual(['tech']);
  });

  it('session.me and settings', async () => {
    expect(await ok('session.me', {}, tokens.tech)).toMatchObject({ username: 'tech', role: 'technician' });
    expect((await ok<{ priorityMatrix: number[][] }>('settings.get', {}, tokens.requester)).priorityMatrix).toEqual([
      [1, 2, 3],
      [2, 3, 4],
      [3, 4, 4],
    ]);
    expect((await ok<{ organisation: string }>('settings.update', { organisation: 'Acme IT' }, tokens.admin)).organisation).toBe('Acme IT');
  });

  it('tickets: create, get, update, transition, comment, worklog, bulk, list, counts', async () => {
    const t = await ok<{ id: string; number: string; priority: number; status: string }>(
      'tickets.create',
      { type: 'incident', title: 'Printer on floor 2 jams', description: 'Paper stuck', impact: 1, urgency: 2 },
      tokens.tech,
    );
    expect(t).toMatchObject({ number: 'INC0000001', priority: 2, status: 'new' });
    ids.ticket = t.id;
    ids.number = t.number;
    expect((await ok<{ id: string; timeline: unknown[] }>('tickets.get', { id: t.id }, tokens.tech)).timeline).toHaveLength(1);
    expect((await ok<{ id: string }>('tickets.getByNumber', { number: 'inc0000001' }, tokens.tech)).id).toBe(t.id);
    const u = await ok<{ status: string; assigneeId: string }>('tickets.update', { id: t.id, fields: { assigneeId: ids.tech, groupId: ids.group } }, tokens.tech);
    expect(u).toMatchObject({ status: 'assigned', assigneeId: ids.tech });
    expect((await ok<{ status: string }>('tickets.transition', { id: t.id, to: 'pending', reason: 'vendor' }, tokens.tech)).status).toBe('pending');
    expect(await ok('tickets.comment', { id: t.id, body: 'Toner ordered', internal: true }, tokens.tech)).toMatchObject({ kind: 'comment', internal: true });
    expect(await ok('tickets.worklog', { id: t.id, minutes: 25, note: 'On site' }, tokens.tech)).toMatchObject({ kind: 'worklog', minutes: 25 });
    const t2 = await ok<{ id: string }>('tickets.create', { type: 'request', title: 'New monitor' }, tokens.requester);
    const bulk = await ok<{ updated: number; failed: unknown[] }>('tickets.bulk', { ids: [t.id, t2.id], action: { kind: 'priority', priority: 1 } }, tokens.admin);
    expect(bulk).toEqual({ updated: 2, failed: [] });
    const list = await ok<{ items: { id: string }[]; nextCursor: string | null }>('tickets.list', { view: 'all', limit: 1 }, tokens.tech);
    expect(list.items).toHaveLength(1);
    expect(list.nextCursor).toBeTruthy();
    const page2 = await ok<{ items: { id: string }[]; nextCursor: string | null }>('tickets.list', { view: 'all', limit: 1, cursor: list.nextCursor }, tokens.tech);
    expect(new Set([...list.items, ...page2.items].map((x) => x.id))).toEqual(new Set([t.id, t2.id]));
    expect(page2.nextCursor).toBeNull();
    expect((await ok<{ items: { id: string }[] }>('tickets.list', {}, tokens.requester)).items.map((x) => x.id)).toEqual([t2.id]);
    const counts = await ok<{ items: { view: string; count: number }[] }>('tickets.counts', {}, tokens.tech);
    expect(Object.fromEntries(counts.items.map((c) => [c.view, c.count]))).toEqual({ my_work: 1, unassigned: 1, all_open: 2, recently_resolved: 0, breaching_soon: 0 });
    expect((await ok<{ status: string }>('tickets.transition', { id: t.id, to: 'resolved', resolutionCode: 'solved_permanently', resolutionNotes: 'Cleared' }, tokens.tech)).status).toBe('resolved');
  });

  it('views and search', async () => {
    const v = await ok<{ id: string }>('views.save', { name: 'P1 open', base: 'all_open', filter: { priority: [1] }, sort: 'updated' }, tokens.tech);
    ids.view = v.id;
    expect((await ok<{ items: { name: string }[] }>('views.list', {}, tokens.tech)).items.map((x) => x.name)).toEqual(['P1 open']);
    expect(await ok('views.delete', { id: v.id }, tokens.tech)).toEqual({ done: true });
    const hits = await ok<{ items: { id: string; snippet: string }[] }>('search.query', { text: 'printer jams' }, tokens.tech);
    expect(hits.items.map((h) => h.id)).toEqual([ids.ticket]);
    expect(hits.items[0]!.snippet).toContain('\u0002');
  });

  it('audit trail: list and verify', async () => {
    const list = await ok<{ items: { call: string; recordId: string | null }[] }>('audit.list', { recordId: ids.ticket }, tokens.auditor);
    expect(list.items.map((e) => e.call)).toEqual(expect.arrayContaining(['tickets.create', 'tickets.update', 'tickets.transition', 'tickets.bulk']));
    const v = await ok<{ valid: boolean; count: number; firstBroken: number | null }>('audit.verify', {}, tokens.auditor);
    expect(v.valid).toBe(true);
    expect(v.count).toBeGreaterThan(10);
  });

  it('session.changePassword and session.logout', async () => {
    const s = (await ok<{ token: string }>('session.login', { username: 'requester', password: 'password123' }, '')).token;
    expect(await ok('session.changePassword', { current: 'password123', next: 'another-password' }, s)).toEqual({ done: true });
    expect(await ok('session.logout', {}, s)).toEqual({ done: true });
    expect((await post('session.me', {}, s)).status).toBe(401);
    tokens.requester = (await ok<{ token: string }>('session.login', { username: 'requester', password: 'another-password' }, '')).token;
  });
});

describe('refusals', () => {
  it('bad input: 400 with the zod issues, and nothing written', async () => {
    const cases: [CallName, unknown, string][] = [
      ['tickets.create', { type: 'bug', title: 'x' }, 'type'],
      ['tickets.create', { type: 'incident', title: '   ' }, 'title'],
      ['tickets.create', { type: 'incident', title: 'x', impact: 7 }, 'impact'],
      ['tickets.update', { id: 'not-a-uuid', fields: {} }, 'id'],
      ['tickets.update', { id: ids.ticket, fields: { status: 'closed' } }, ''],
      ['tickets.transition', { id: ids.ticket, to: 'flying' }, 'to'],
      ['tickets.comment', { id: ids.ticket, body: '' }, 'body'],
      ['tickets.worklog', { id: ids.ticket, minutes: 0 }, 'minutes'],
      ['tickets.bulk', { ids: [], action: { kind: 'priority', priority: 1 } }, 'ids'],
      ['tickets.list', { limit: 100000 }, 'limit'],
      ['users.create', { username: 'Bad Name!', displayName: 'x', role: 'admin', password: 'password123' }, 'username'],
      ['users.create', { username: 'short', displayName: 'x', role: 'admin', password: 'short' }, 'password'],
      ['groups.create', { name: '' }, 'name'],
      ['sites.create', {}, 'name'],
      ['settings.update', { priorityMatrix: [[1, 2, 3]] }, 'priorityMatrix'],
      ['views.save', { name: 'v', base: 'all', filter: { colour: ['red'] }, sort: 'newest' }, 'filter'],
      ['search.query', { text: '' }, 'text'],
    ];
    for (const [name, input, field] of cases) {
      const before = footprint();
      const r = await post(name, input, tokens.admin);
      expect(r.status, `${name} ${JSON.stringify(input)}`).toBe(400);
      expect(r.body.ok).toBe(false);
      expect(r.body.error?.code).toBe('invalid_input');
      expect(r.body.error?.issues?.length, name).toBeGreaterThan(0);
      if (field) expect(r.body.error?.issues?.[0]?.path[0], name).toBe(field);
      expect(r.body.error?.message.length).toBeGreaterThan(3);
      expect(footprint(), name).toEqual(before);
    }
  });

  it('every call refuses unknown input keys with 400 and writes nothing', async () => {
    for (const name of CALL_NAMES) {
      const access = contract[name].access;
      const role = access === 'public' || access === 'any' ? 'admin' : (['admin', 'technician', 'auditor', 'requester'] as const).find((x) => access.includes(x))!;
      const token = { admin: tokens.admin, technician: tokens.tech, auditor: tokens.auditor, requester: tokens.requester }[role];
      const before = footprint();
      const r = await post(name, { definitelyNotAField: 1 }, access === 'public' ? null : token);
      // setup.init is refused as already set up only after its input parses, so it too must be 400 here.
      expect(r.status, name).toBe(400);
      expect(r.body.error?.issues?.length, name).toBeGreaterThan(0);
      expect(footprint(), name).toEqual(before);
    }
  });

  it('a service refusal is a clear error and writes nothing', async () => {
    const before = footprint();
    const r = await post('tickets.transition', { id: ids.ticket, to: 'new' }, tokens.tech);
    expect(r.status).toBe(409);
    expect(r.body.error).toEqual({ code: 'invalid_transition', message: expect.stringMatching(/^A resolved ticket cannot move to new/) });
    expect(footprint()).toEqual(before);
  });

  it('no token or a bad token: 401', async () => {
    for (const t of [null, 'garbage-token']) {
      const r = await post('tickets.list', {}, t);
      expect(r.status).toBe(401);
      expect(r.body.error?.code).toBe('unauthenticated');
    }
  });

  it('wrong role: 403', async () => {
    const cases: [CallName, string, unknown][] = [
      ['users.create', tokens.tech, { username: 'x1', displayName: 'X', role: 'admin', password: 'password123' }],
      ['tickets.update', tokens.requester, { id: ids.ticket, fields: { title: 'mine now' } }],
      ['tickets.create', tokens.auditor, { type: 'incident', title: 'x' }],
      ['audit.verify', tokens.tech, {}],
      ['settings.update', tokens.tech, { organisation: 'x' }],
    ];
    for (const [name, token, input] of cases) {
      const before = footprint();
      const r = await post(name, input, token);
      expect(r.status, name).toBe(403);
      expect(r.body.error?.code).toBe('forbidden');
      expect(r.body.error?.message).toMatch(/^Your role \(\w+\) cannot use /);
      expect(footprint()).toEqual(before);
    }
  });

  it('unknown call: 404', async () => {
    const r = await post('tickets.explode', {}, tokens.admin);
    expect(r.status).toBe(404);
    expect(r.body.error).toEqual({ code: 'unknown_call', message: 'There is no call named "tickets.explode".' });
  });

  it('a Host header that is not ours is rejected (DNS rebinding)', async () => {
    const r = await raw({ path: '/api/setup.status', headers: { host: 'evil.example:80', 'content-type': 'application/json' }, body: '{}' });
    expect(r.status).toBe(421);
    expect(JSON.parse(r.text)).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    const ok2 = await raw({ path: '/api/setup.status', headers: { host: `localhost:${host.port}`, 'content-type': 'application/json' }, body: '{}' });
    expect(ok2.status).toBe(200);
  });

  it('an Origin that is not ours is refused with 403 (CSRF); our own is fine', async () => {
    const bad = await post('tickets.list', {}, tokens.admin, { origin: 'http://evil.example' });
    expect(bad.status).toBe(403);
    const sneaky = await post('tickets.list', {}, tokens.admin, { origin: `http://127.0.0.1:${host.port}.evil.example` });
    expect(sneaky.status).toBe(403);
    const own = await post('tickets.list', {}, tokens.admin, { origin: `http://127.0.0.1:${host.port}` });
    expect(own.status).toBe(200);
  });

  it('a non-JSON content type is 415', async () => {
    const r = await raw({ path: '/api/tickets.list', headers: { host: `127.0.0.1:${host.port}`, 'content-type': 'text/plain', authorization: `Bearer ${tokens.admin}` }, body: '{}' });
    expect(r.status).toBe(415);
    const form = await raw({ path: '/api/session.login', headers: { host: `127.0.0.1:${host.port}`, 'content-type': 'application/x-www-form-urlencoded' }, body: 'username=admin&password=password123' });
    expect(form.status).toBe(415);
  });

  it('malformed JSON is 400', async () => {
    const r = await raw({ path: '/api/tickets.list', headers: { host: `127.0.0.1:${host.port}`, 'content-type': 'application/json', authorization: `Bearer ${tokens.admin}` }, body: '{"view":' });
    expect(r.status).toBe(400);
    expect(JSON.parse(r.text).error.message).toBe('The request body is not valid JSON.');
  });

  it('an oversized body is 413 and writes nothing', async () => {
    const before = footprint();
    const big = Buffer.alloc(MAX_BODY + 1024, 0x61);
    const r = await raw({
      path: '/api/tickets.create',
      headers: { host: `127.0.0.1:${host.port}`, 'content-type': 'application/json', authorization: `Bearer ${tokens.admin}`, 'content-length': String(big.length) },
      body: big,
    });
    expect(r.status).toBe(413);
    expect(footprint()).toEqual(before);
  });

  it('SSE /api/events needs a token, and delivers a changed event after a mutation', async () => {
    const noToken = await raw({ method: 'GET', path: '/api/events', headers: { host: `127.0.0.1:${host.port}` } });
    expect(noToken.status).toBe(401);
    const badToken = await raw({ method: 'GET', path: '/api/events?token=nope', headers: { host: `127.0.0.1:${host.port}` } });
    expect(badToken.status).toBe(401);

    const stream = await followEvents(`http://127.0.0.1:${host.port}`, tokens.tech);
    try {
      expect(stream.status).toBe(200);
      expect(stream.contentType).toBe('text/event-stream');
      await stream.waitFor((e) => e.type === 'hello', 'hello');
      const t = await ok<{ id: string }>('tickets.create', { type: 'incident', title: 'Event me' }, tokens.tech);
      expect(await stream.waitFor((e) => e.type === 'changed', 'a changed event')).toEqual({ type: 'changed', domain: 'tickets', ids: [t.id] });
    } finally {
      stream.close();
    }
  });

  it('an expired session is 401', async () => {
    const before = (await post('session.me', {}, tokens.tech)).status;
    expect(before).toBe(200);
    offsetMs += IDLE_MS + 60_000;
    try {
      const r = await post('session.me', {}, tokens.tech);
      expect(r.status).toBe(401);
      expect(r.body.error).toEqual({ code: 'unauthenticated', message: 'Your session has ended. Sign in again.' });
      // Signing in again works at the new time.
      const again = await ok<{ token: string }>('session.login', { username: 'tech', password: 'password123' }, '');
      expect((await post('session.me', {}, again.token)).status).toBe(200);
    } finally {
      offsetMs = 0;
    }
  });
});

/**
 * Calls of later domains may be exercised over HTTP by their own integration tests; a call counts
 * as covered there when such a file names it as a string literal ('assets.create').
 */
function namedInOtherIntegrationTests(): Set<string> {
  const self = fileURLToPath(import.meta.url);
  const found = new Set<string>();
  for (const dir of ['src', 'test']) {
    const base = path.join(ROOT, dir);
    if (!fs.existsSync(base)) continue;
    for (const rel of fs.readdirSync(base, { recursive: true }) as string[]) {
      const file = path.join(base, rel);
      if (!file.endsWith('.int.test.ts') || file === self) continue;
      const text = fs.readFileSync(file, 'utf8');
      for (const n of CALL_NAMES) if (text.includes(`'${n}'`) || text.includes(`"${n}"`)) found.add(n);
    }
  }
  return found;
}

describe('coverage', () => {
  it('every call in the contract has a happy-path HTTP test', () => {
    const elsewhere = namedInOtherIntegrationTests();
    const missing = CALL_NAMES.filter((n) => !covered.has(n) && !elsewhere.has(n));
    expect(missing, `calls without a happy-path HTTP test: ${missing.join(', ')}`).toEqual([]);
  });
});

describe('the real CLI', () => {
  it('prints its URL and answers setup.status', async () => {
    const port = await new Promise<number>((resolve, reject) => {
      const s = net.createServer();
      s.once('error', reject);
      s.listen(0, '127.0.0.1', () => {
        const p = (s.address() as net.AddressInfo).port;
        s.close(() => resolve(p));
      });
    });
    const dir = tempDir('outpost-cli-');
    const child = spawn('npx', ['tsx', 'src/main/host/cli.ts', '--port', String(port), '--data-dir', dir.dir], {
      cwd: ROOT,
      detached: true, // its own process group, so npx and tsx both stop with it
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    try {
      const line = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`CLI printed no URL in time. stdout: ${out} stderr: ${err}`)), 60_000);
        child.stdout!.on('data', (c: Buffer) => {
          out += c.toString();
          const l = out.split('\n').find((x) => x.includes(`http://127.0.0.1:${port}`));
          if (l) {
            clearTimeout(timer);
            resolve(l);
          }
        });
        child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
        child.once('exit', (code) => {
          clearTimeout(timer);
          reject(new Error(`CLI exited with ${code}: ${err}`));
        });
      });
      expect(line).toContain(`http://127.0.0.1:${port}`);
      const res = await fetch(`http://127.0.0.1:${port}/api/setup.status`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ ok: true, value: { initialized: false } });
    } finally {
      if (child.pid) {
        const exited = new Promise((r) => child.once('exit', r));
        try {
          process.kill(-child.pid, 'SIGTERM');
        } catch {
          /* already gone */
        }
        await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      }
      dir.cleanup();
    }
  });
});
