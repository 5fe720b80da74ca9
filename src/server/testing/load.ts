/**
 * The server load tool behind `npm run bench:server` (and its integration test): starts the sync
 * server twice on one PostgreSQL database (two processes, as behind a load balancer), signs in an
 * administrator and technicians across a few sites, and runs many light devices against them over
 * real HTTP. Each device speaks the sync protocol itself (no local store): it signs in, keeps its
 * live stream open, pushes ticket creates, comments and field edits at a steady rate, and pulls when
 * poked. The tool measures push latency, poke-to-visible latency (a push acknowledged by one
 * instance until the change is in the pull of another device of that site, on either instance),
 * whether every pushed op reached every device of its site and no device of another, and each
 * instance's memory over time.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { formatHlc, stampHlc } from '../../shared/hlc';
import { uuidv7 } from '../../shared/ids';
import { mulberry32 } from '../../shared/random';
import { formatHumanNumber } from '../../shared/numbers';
import { DEFAULT_PRIORITY_MATRIX, priorityFor } from '../../shared/tickets/rules';
import type { Change, OpResult, WireOp } from '../../shared/sync/wire';

export interface LoadOptions {
  /** PostgreSQL database the instances share (the caller makes and drops it). */
  databaseUrl: string;
  devices: number;
  sites: number;
  /** Devices per technician account (a laptop and a tablet each). */
  devicesPerPerson: number;
  durationMs: number;
  /** RSS growth is measured from the end of this warm-up. */
  warmupMs: number;
  /** Mean time between one device's pushes (each push is one piece of work: 1–2 ops). */
  pushIntervalMs: number;
  sampleMs: number;
  instances: number;
  /** Writes a CPU profile of each instance here when it stops (node --cpu-prof). */
  profileDir?: string;
  /** How long the final check waits for every device to pull everything. */
  drainMs: number;
  seed: number;
  log?: (msg: string) => void;
}

export const LOAD_TARGETS = { pushP95Ms: 200, pokeToVisibleP95Ms: 500, lost: 0, rssGrowthPct: 10 } as const;

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../..');
export const LOAD_ADMIN = { username: 'loadadmin', password: 'load-password-1' };
const TECH_PASSWORD = 'tech-password-1';

// ------------------------------------------------------------------ small helpers

/** A histogram at 1 ms resolution up to a minute: percentiles in constant memory however long the soak. */
class Histogram {
  private buckets = new Uint32Array(60_001);
  count = 0;
  max = 0;
  add(ms: number) {
    const v = Math.max(0, Math.round(ms));
    this.buckets[Math.min(60_000, v)]!++;
    this.count++;
    if (v > this.max) this.max = v;
  }
  pct(p: number): number | null {
    if (!this.count) return null;
    const want = Math.ceil((p / 100) * this.count);
    let seen = 0;
    for (let i = 0; i < this.buckets.length; i++) {
      seen += this.buckets[i]!;
      if (seen >= want) return i;
    }
    return this.max;
  }
  summary() {
    return { count: this.count, p50: this.pct(50), p95: this.pct(95), p99: this.pct(99), max: this.count ? this.max : null };
  }
}


interface Reply {
  status: number;
  body: { ok: boolean; value?: unknown; error?: { code: string; message: string } };
}

/** Kept-alive connections for pushes and pulls (one agent per run). */
let agent = new http.Agent({ keepAlive: true, maxSockets: 256 });

/** Requests sent again on a fresh connection because a kept-alive one was closed under them (per run). */
let staleRetries = 0;

/**
 * One request, sent again (up to 4 times, as the app's sync client does) when it went out on a
 * kept-alive connection the server closed just then (ECONNRESET or EPIPE before any answer): the
 * server never read it, so the device would simply send it again. Counted in the report.
 */
async function request(base: string, method: string, pathname: string, body?: unknown, token?: string): Promise<Reply> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await requestOnce(base, method, pathname, body, token);
    } catch (e) {
      if (!(e instanceof StaleConnection) || attempt >= 4) throw e instanceof StaleConnection ? e.cause : e;
      staleRetries++;
    }
  }
}

class StaleConnection extends Error {}

function requestOnce(base: string, method: string, pathname: string, body: unknown, token: string | undefined): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const req = http.request(
      `${base}${pathname}`,
      {
        method,
        agent,
        headers: {
          ...(data ? { 'content-type': 'application/json', 'content-length': data.length } : {}),
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          try {
            resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as Reply['body'] });
          } catch {
            resolve({ status: res.statusCode ?? 0, body: { ok: false, error: { code: 'not_json', message: text.slice(0, 200) } } });
          }
        });
        res.on('error', reject);
      },
    );
    let answered = false;
    req.on('response', () => (answered = true));
    req.on('error', (e: NodeJS.ErrnoException) => {
      if (!answered && req.reusedSocket && (e.code === 'ECONNRESET' || e.code === 'EPIPE')) reject(new StaleConnection(e.message, { cause: e }));
      else reject(e);
    });
    // A server that stops answering must not stop the run: the request fails and is counted.
    req.setTimeout(30_000, () => req.destroy(new Error(`${method} ${pathname}: no answer within 30 s`)));
    if (data) req.write(data);
    req.end();
  });
}

async function must<T>(p: Promise<Reply>, what: string): Promise<T> {
  const r = await p;
  if (r.status !== 200 || !r.body.ok) throw new Error(`${what} failed (${r.status}): ${r.body.error?.message ?? ''}`);
  return r.body.value as T;
}

/** Runs `fn` over `items`, at most `n` at a time. */
async function pool<T>(items: T[], n: number, fn: (x: T, i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(n, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        await fn(items[i]!, i);
      }
    }),
  );
}

// ------------------------------------------------------------------ server instances

export interface Instance {
  index: number;
  url: string;
  proc: ChildProcess;
  /** Lines the server logged as failures (request failed, …), the first few kept. */
  failures: string[];
  failureCount: number;
}

/**
 * `npm run server` in a process of its own on the given PostgreSQL database (the first one started
 * creates the administrator `loadadmin`); resolves once it listens.
 */
export function startInstance(index: number, databaseUrl: string, dataDir: string, profileDir?: string): Promise<Instance> {
  return new Promise((resolve, reject) => {
    const args = ['--import', 'tsx', ...(profileDir ? ['--cpu-prof', '--cpu-prof-dir', profileDir] : []), path.join(ROOT, 'src/server/cli.ts'), '--port', '0', '--data-dir', dataDir];
    const proc = spawn(process.execPath, args, {
      cwd: ROOT,
      env: { ...process.env, DATABASE_URL: databaseUrl, OUTPOST_ADMIN_USER: LOAD_ADMIN.username, OUTPOST_ADMIN_PASSWORD: LOAD_ADMIN.password, OUTPOST_SERVER_VERBOSE: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const inst: Instance = { index, url: '', proc, failures: [], failureCount: 0 };
    let out = '';
    const timer = setTimeout(() => reject(new Error(`Server instance ${index} did not start within 60 s: ${out.slice(0, 2000)}`)), 60_000);
    proc.once('exit', (code) => {
      if (!inst.url) {
        clearTimeout(timer);
        reject(new Error(`Server instance ${index} exited (${code}) before listening: ${out.slice(0, 2000)}`));
      }
    });
    proc.stdout!.on('data', (b: Buffer) => {
      if (inst.url) return;
      out += b.toString();
      const m = /listening on (http:\/\/[^\s]+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        inst.url = m[1]!;
        resolve(inst);
      }
    });
    let errBuf = '';
    proc.stderr!.on('data', (b: Buffer) => {
      if (!inst.url) out += b.toString();
      errBuf += b.toString();
      let i: number;
      while ((i = errBuf.indexOf('\n')) >= 0) {
        const line = errBuf.slice(0, i);
        errBuf = errBuf.slice(i + 1);
        if (!line.trim()) continue;
        inst.failureCount++;
        if (inst.failures.length < 5) inst.failures.push(line.slice(0, 500));
      }
    });
  });
}

export function stopInstance(inst: Instance): Promise<void> {
  return new Promise((resolve) => {
    if (inst.proc.exitCode !== null) return resolve();
    const kill = setTimeout(() => inst.proc.kill('SIGKILL'), 10_000);
    inst.proc.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    // SIGINT: the server closes its store and exits, which also writes its CPU profile.
    inst.proc.kill('SIGINT');
  });
}

/** Resident memory (bytes) and CPU time (seconds) of a process, from /proc (Linux). */
function procStats(pid: number): { rss: number; cpuS: number } | null {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime are fields 14 and 15 (1-based), i.e. 11 and 12 after the command name.
    const ticks = Number(fields[11]) + Number(fields[12]);
    return { rss: rssKb * 1024, cpuS: ticks / 100 };
  } catch {
    return null;
  }
}

// ------------------------------------------------------------------ what every device must receive

interface Expected {
  /** The op's clock: a pulled version carrying a stamp at or after it includes the op. */
  hlc: string;
  site: string;
  pusher: number;
  pusherInstance: number;
  sentAt: number;
  ackAt: number;
  /** Devices (indexes) that have not received it yet. */
  waiting: Set<number>;
  /** Devices that received it before the push was acknowledged (counted as visible at once). */
  early: Set<number>;
}

// ------------------------------------------------------------------ devices

interface Device {
  index: number;
  deviceId: string;
  personId: string;
  username: string;
  site: string;
  instance: Instance;
  token: string;
  refreshToken: string;
  tokenExpiresAt: number;
  seq: number;
  hlcWall: number;
  hlcCounter: number;
  cursor: number;
  numbers: { next: number; last: number };
  pulling: boolean;
  pullAgain: boolean;
  pullTimer: NodeJS.Timeout | null;
  lastPullAt: number;
  /** Recent tickets of the device's site (comments and edits pick from these). */
  tickets: string[];
  live: http.ClientRequest | null;
  pokes: number;
  stopped: boolean;
}

export interface LoadReport {
  bench: 'server-load';
  store: 'postgres';
  instances: number;
  devices: number;
  sites: number;
  people: number;
  seconds: number;
  /** No push was answered for a minute: the run stopped early (the figures cover what ran). */
  stalled: boolean;
  warmupSeconds: number;
  pushIntervalSeconds: number;
  machine: { cores: number; loadAverageAtStart: number[]; loadAverageAtEnd: number[] };
  pushes: number;
  ops: number;
  opsPerSecond: number;
  rejectedOps: number;
  errors: { push: number; pull: number; live: number; refresh: number };
  /** Requests sent again because a kept-alive connection closed under them before any answer (not errors: the app does the same). */
  staleRetries: number;
  pushMs: ReturnType<Histogram['summary']>;
  pullMs: ReturnType<Histogram['summary']>;
  pokeToVisibleMs: ReturnType<Histogram['summary']> & { sameInstanceP95: number | null; crossInstanceP95: number | null };
  lost: { ops: number; deliveries: number; examples: string[] };
  foreignDeliveries: number;
  pokes: { perInstance: number[]; liveReconnects: number };
  servers: { index: number; rssMb: { start: number; afterWarmup: number; end: number; max: number }; rssGrowthPct: number | null; cpuSeconds: number; loggedFailures: number; failureExamples: string[] }[];
  rssGrowthPct: number | null;
  tool: { cpuPctOfOneCore: number; eventLoopDelayP99Ms: number; eventLoopDelayMaxMs: number; bottleneck: boolean; note: string };
  targets: typeof LOAD_TARGETS;
  met: { pushP95: boolean; pokeToVisibleP95: boolean; lost: boolean; rssGrowth: boolean | null };
}

export async function runServerLoad(opts: LoadOptions): Promise<LoadReport> {
  const log = opts.log ?? (() => {});
  agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  staleRetries = 0;
  // Deterministic choices, so two runs make the same kind of work.
  const random = mulberry32(opts.seed);
  const loadStart = os.loadavg().map((x) => Math.round(x * 100) / 100);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'outpost-load-'));
  if (opts.profileDir) fs.mkdirSync(opts.profileDir, { recursive: true });
  const instances: Instance[] = [];
  const devices: Device[] = [];
  const expected = new Map<string, Expected[]>();
  const pushMs = new Histogram();
  const pullMs = new Histogram();
  const visible = new Histogram();
  const visibleSame = new Histogram();
  const visibleCross = new Histogram();
  const errors = { push: 0, pull: 0, live: 0, refresh: 0 };
  let pushes = 0;
  let ops = 0;
  let rejected = 0;
  let foreign = 0;
  let reconnects = 0;
  let stopping = false;
  let stalled = false;
  let lastAckAt = Date.now();
  // Stopped from outside (Ctrl-C): the instances go too, never left running.
  const onSignal = () => {
    for (const x of instances) x.proc.kill('SIGKILL');
    process.exit(130);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const samples: { t: number; rss: number[]; cpu: number[] }[] = [];
  const timers: NodeJS.Timeout[] = [];

  try {
    // The first instance creates the schema and the administrator; the second joins it.
    for (let i = 0; i < opts.instances; i++) instances.push(await startInstance(i, opts.databaseUrl, path.join(dataDir, `i${i}`), opts.profileDir));
    log(`instances: ${instances.map((x) => x.url).join(' ')}`);
    const base0 = instances[0]!.url;

    // ---------------------------------------------------------------- accounts and sites
    const adminDevice = uuidv7();
    const adminLogin = await must<{ accessToken: string }>(request(base0, 'POST', '/auth/login', { ...LOAD_ADMIN, deviceId: adminDevice, deviceName: 'load admin console' }), 'administrator sign-in');
    let adminSeq = 1;
    let adminWall = Date.now();
    const adminPush = async (list: Omit<WireOp, 'opId' | 'deviceSeq' | 'hlc' | 'schemaVersion' | 'createdAt'>[]) => {
      const nowIso = new Date().toISOString();
      const wire = list.map((o) => ({ ...o, opId: uuidv7(), deviceSeq: adminSeq++, hlc: formatHlc({ wall: (adminWall = Math.max(adminWall + 1, Date.now())), counter: 0 }), schemaVersion: 1, createdAt: nowIso }));
      const out = await must<{ results: OpResult[] }>(request(base0, 'POST', '/sync/push', { deviceId: adminDevice, clientVersion: 'load', schemaVersion: 1, cursor: 0, ops: wire }, adminLogin.accessToken), 'administrator push');
      const bad = out.results.find((r) => r.status === 'rejected');
      if (bad) throw new Error(`The server refused the setup: ${bad.reason ?? ''}`);
    };
    const sites = Array.from({ length: opts.sites }, (_, i) => ({ id: uuidv7(), name: `Site ${i + 1}` }));
    await adminPush(sites.map((s) => ({ kind: 'create', entity: 'sites', recordId: s.id, scopeId: 'global', payload: { name: s.name, code: null, timezone: null, scope_id: 'global' } })));
    const people = Math.ceil(opts.devices / opts.devicesPerPerson);
    const persons = Array.from({ length: people }, (_, i) => ({ username: `tech${String(i + 1).padStart(3, '0')}`, site: sites[i % sites.length]!.id, profileId: uuidv7() }));
    await pool(persons, 4, async (p) => {
      await must(request(base0, 'POST', '/auth/users', { username: p.username, password: TECH_PASSWORD, role: 'technician', sites: [p.site] }, adminLogin.accessToken), `account ${p.username}`);
    });
    // Each person's team record, as an administrator's console makes it (records name people by it).
    for (let i = 0; i < persons.length; i += 100) {
      await adminPush(
        persons.slice(i, i + 100).map((p) => ({
          kind: 'create' as const,
          entity: 'users',
          recordId: p.profileId,
          scopeId: 'global',
          payload: { username: p.username, display_name: `Technician ${p.username.slice(4)}`, email: null, role: 'technician', active: 1, password_hash: 'set-on-the-server', scope_id: 'global' },
        })),
      );
    }
    log(`${sites.length} sites, ${persons.length} technicians`);

    // ---------------------------------------------------------------- devices sign in
    const slots = Array.from({ length: opts.devices }, (_, i) => i);
    await pool(slots, 8, async (i) => {
      const person = persons[Math.floor(i / opts.devicesPerPerson)]!;
      const instance = instances[i % instances.length]!;
      const deviceId = uuidv7();
      const pair = await must<{ accessToken: string; refreshToken: string; expiresIn: number; user: { id: string; personId?: string } }>(
        request(instance.url, 'POST', '/auth/login', { username: person.username, password: TECH_PASSWORD, deviceId, deviceName: `${person.username} device ${(i % opts.devicesPerPerson) + 1}` }),
        `sign-in of device ${i}`,
      );
      const lease = await must<{ first: number; last: number }>(request(instance.url, 'POST', '/sync/lease', { deviceId, prefix: 'INC', count: 200 }, pair.accessToken), `number lease of device ${i}`);
      devices[i] = {
        index: i,
        deviceId,
        personId: pair.user.personId ?? pair.user.id,
        username: person.username,
        site: person.site,
        instance,
        token: pair.accessToken,
        refreshToken: pair.refreshToken,
        tokenExpiresAt: Date.now() + pair.expiresIn * 1000,
        seq: 1,
        hlcWall: 0,
        hlcCounter: 0,
        cursor: 0,
        numbers: { next: lease.first, last: lease.last },
        pulling: false,
        pullAgain: false,
        pullTimer: null,
        lastPullAt: 0,
        tickets: [],
        live: null,
        pokes: 0,
        stopped: false,
      };
    });
    const bySite = new Map<string, number[]>();
    for (const d of devices) bySite.set(d.site, [...(bySite.get(d.site) ?? []), d.index]);
    log(`${devices.length} devices signed in`);

    // ---------------------------------------------------------------- the protocol, per device
    const nextHlc = (d: Device): string => {
      const now = Date.now();
      if (now > d.hlcWall) {
        d.hlcWall = now;
        d.hlcCounter = 0;
      } else d.hlcCounter++;
      return formatHlc({ wall: d.hlcWall, counter: d.hlcCounter });
    };

    const refreshIfDue = async (d: Device) => {
      if (d.tokenExpiresAt - Date.now() > 60_000) return;
      const r = await request(d.instance.url, 'POST', '/auth/refresh', { refreshToken: d.refreshToken });
      if (r.status !== 200) {
        errors.refresh++;
        return;
      }
      const v = r.body.value as { accessToken: string; refreshToken: string; expiresIn: number };
      d.token = v.accessToken;
      d.refreshToken = v.refreshToken;
      d.tokenExpiresAt = Date.now() + v.expiresIn * 1000;
    };

    const receive = (d: Device, c: Change, now: number) => {
      if (c.scopeId !== d.site && c.scopeId !== 'global') {
        foreign++;
        return;
      }
      if (c.entity === 'tickets' && !c.deletedHlc) {
        if (!d.tickets.includes(c.id)) {
          d.tickets.push(c.id);
          if (d.tickets.length > 40) d.tickets.shift();
        }
      }
      const list = expected.get(`${c.entity}/${c.id}`);
      if (!list) return;
      let newest = c.deletedHlc ? stampHlc(c.deletedHlc) : '';
      for (const s of Object.values(c.fieldHlc)) {
        const h = stampHlc(s);
        if (h > newest) newest = h;
      }
      for (let i = list.length - 1; i >= 0; i--) {
        const e = list[i]!;
        if (e.hlc > newest || !e.waiting.has(d.index)) continue;
        e.waiting.delete(d.index);
        if (d.index !== e.pusher) {
          if (!e.ackAt) e.early.add(d.index);
          else {
            const ms = now - e.ackAt;
            visible.add(ms);
            (d.instance.index === e.pusherInstance ? visibleSame : visibleCross).add(ms);
          }
        }
        if (!e.waiting.size) list.splice(i, 1);
      }
      if (!list.length) expected.delete(`${c.entity}/${c.id}`);
    };

    const pull = async (d: Device): Promise<void> => {
      if (d.pulling) {
        d.pullAgain = true;
        return;
      }
      d.pulling = true;
      try {
        do {
          d.pullAgain = false;
          d.lastPullAt = Date.now();
          for (;;) {
            const started = Date.now();
            const r = await request(d.instance.url, 'GET', `/sync/pull?cursor=${d.cursor}&limit=2000&clocks=compact`, undefined, d.token);
            const now = Date.now();
            pullMs.add(now - started);
            if (r.status !== 200) {
              errors.pull++;
              if (r.status === 401) await refreshIfDue(d);
              break;
            }
            const page = r.body.value as { changes: Change[]; cursor: number; hasMore: boolean };
            for (const c of page.changes) receive(d, c, now);
            d.cursor = page.cursor;
            if (!page.hasMore) break;
          }
        } while (d.pullAgain && !d.stopped);
      } catch {
        errors.pull++;
      } finally {
        d.pulling = false;
      }
    };

    /** A poke: pull shortly (as the app does, 50 ms later, so a burst of pokes makes one pull). */
    const poked = (d: Device) => {
      d.pokes++;
      if (d.pullTimer || d.stopped) return;
      d.pullTimer = setTimeout(() => {
        d.pullTimer = null;
        void pull(d);
      }, 50);
    };

    const openLive = (d: Device) => {
      if (d.stopped) return;
      const req = http.get(`${d.instance.url}/sync/live`, { headers: { authorization: `Bearer ${d.token}` }, agent: false }, (res) => {
        if (res.statusCode !== 200) {
          errors.live++;
          res.resume();
          res.on('end', () => reconnect(d));
          return;
        }
        res.setEncoding('utf8');
        let buf = '';
        res.on('data', (chunk: string) => {
          buf += chunk;
          let i: number;
          while ((i = buf.indexOf('\n\n')) >= 0) {
            const msg = buf.slice(0, i);
            buf = buf.slice(i + 2);
            if (msg.startsWith('event: poke') || msg.startsWith('event: hello')) poked(d);
            else if (msg.startsWith('event: closed')) errors.live++;
          }
        });
        res.on('end', () => reconnect(d));
        res.on('error', () => reconnect(d));
      });
      req.on('error', () => {
        if (!d.stopped) errors.live++;
        reconnect(d);
      });
      d.live = req;
    };
    const reconnect = (d: Device) => {
      if (d.stopped || stopping) return;
      reconnects++;
      d.live = null;
      const t = setTimeout(() => {
        void refreshIfDue(d).then(() => openLive(d));
      }, 1000);
      t.unref();
    };

    /** One piece of a technician's work: a new ticket, a comment, or an edit of a ticket of the site. */
    const work = (d: Device): Omit<WireOp, 'opId' | 'deviceSeq' | 'schemaVersion' | 'createdAt'>[] => {
      const r = random();
      const nowIso = new Date().toISOString();
      const ticket = d.tickets.length ? d.tickets[Math.floor(random() * d.tickets.length)]! : null;
      if (!ticket || r < 0.3) {
        if (d.numbers.next > d.numbers.last) throw new Error(`Device ${d.index} used its leased numbers.`);
        const id = uuidv7();
        const urgency = 1 + Math.floor(random() * 3);
        return [
          {
            kind: 'create',
            entity: 'tickets',
            recordId: id,
            scopeId: d.site,
            hlc: nextHlc(d),
            payload: {
              number: formatHumanNumber('INC', d.numbers.next++),
              type: 'incident',
              title: `Printer on floor ${1 + Math.floor(random() * 9)} jams (${d.username})`,
              description: 'Paper jams on every second page since this morning. Tried another tray.',
              category: 'Hardware',
              impact: 3,
              urgency,
              priority: priorityFor(DEFAULT_PRIORITY_MATRIX, 3, urgency),
              priority_overridden: 0,
              status: 'new',
              is_open: 1,
              contact_channel: 'phone',
              opened_at: nowIso,
              scope_id: d.site,
            },
          },
          { kind: 'append', entity: 'ticket_history', recordId: uuidv7(), scopeId: d.site, hlc: nextHlc(d), payload: { ticket_id: id, actor_id: d.personId, kind: 'status', field: null, from_value: null, to_value: 'new', reason: null, scope_id: d.site } },
        ];
      }
      if (r < 0.7) {
        return [{ kind: 'append', entity: 'ticket_comments', recordId: uuidv7(), scopeId: d.site, hlc: nextHlc(d), payload: { ticket_id: ticket, author_id: d.personId, body: `On site now; ${Math.floor(random() * 100)} pages printed without a jam.`, internal: random() < 0.3 ? 1 : 0, scope_id: d.site } }];
      }
      return [{ kind: 'setFields', entity: 'tickets', recordId: ticket, scopeId: d.site, hlc: nextHlc(d), payload: { urgency: 1 + Math.floor(random() * 3), category: random() < 0.5 ? 'Hardware' : 'Printing' } }];
    };

    const pushOnce = async (d: Device) => {
      await refreshIfDue(d);
      const now = Date.now();
      const nowIso = new Date(now).toISOString();
      const list = work(d).map((o) => ({ ...o, opId: uuidv7(), deviceSeq: d.seq++, schemaVersion: 1, createdAt: nowIso }) satisfies WireOp);
      const site = bySite.get(d.site)!;
      const mine: [string, Expected][] = list.map((o) => [`${o.entity}/${o.recordId}`, { hlc: o.hlc, site: d.site, pusher: d.index, pusherInstance: d.instance.index, sentAt: now, ackAt: 0, waiting: new Set(site), early: new Set() }]);
      for (const [k, e] of mine) expected.set(k, [...(expected.get(k) ?? []), e]);
      const forget = (k: string, e: Expected) => {
        const l = expected.get(k);
        if (!l) return;
        const i = l.indexOf(e);
        if (i >= 0) l.splice(i, 1);
        if (!l.length) expected.delete(k);
      };
      try {
        const r = await request(d.instance.url, 'POST', '/sync/push', { deviceId: d.deviceId, clientVersion: 'load', schemaVersion: 1, cursor: d.cursor, ops: list }, d.token);
        const ackAt = Date.now();
        if (r.status !== 200) {
          errors.push++;
          for (const [k, e] of mine) forget(k, e);
          return;
        }
        pushMs.add(ackAt - now);
        lastAckAt = ackAt;
        pushes++;
        ops += list.length;
        const results = (r.body.value as { results: OpResult[] }).results;
        for (let i = 0; i < mine.length; i++) {
          const [k, e] = mine[i]!;
          if (results[i]?.status === 'rejected') {
            rejected++;
            if (rejected <= 3) log(`rejected: ${results[i]!.reason ?? ''}`);
            forget(k, e);
            continue;
          }
          e.ackAt = ackAt;
          // Devices that had it before the acknowledgement came back saw it at once.
          for (const di of e.early) {
            visible.add(0);
            (devices[di]!.instance.index === e.pusherInstance ? visibleSame : visibleCross).add(0);
          }
          e.early.clear();
        }
      } catch {
        errors.push++;
        for (const [k, e] of mine) forget(k, e);
      }
    };

    // ---------------------------------------------------------------- run
    for (const d of devices) openLive(d);
    await pool(devices, 16, (d) => pull(d));
    log('devices pulled the setup; pushing');

    const startedAt = Date.now();
    lastAckAt = startedAt;
    const cpu0 = process.cpuUsage();
    const eld = monitorEventLoopDelay({ resolution: 10 });
    eld.enable();
    const sample = () => {
      const stats = instances.map((x) => procStats(x.proc.pid!));
      samples.push({ t: Date.now() - startedAt, rss: stats.map((s) => s?.rss ?? 0), cpu: stats.map((s) => s?.cpuS ?? 0) });
    };
    sample();
    timers.push(setInterval(sample, opts.sampleMs));
    timers.push(
      setInterval(() => {
        const t = Math.round((Date.now() - startedAt) / 1000);
        const last = samples[samples.length - 1]!;
        log(`${t}s: ${pushes} pushes, push p95 ${pushMs.pct(95)} ms, visible p95 ${visible.pct(95)} ms, waiting ${expected.size}, rss ${last.rss.map((x) => Math.round(x / 1e6)).join('/')} MB`);
      }, 15_000),
    );
    // Each device pushes on its own steady rhythm (a random phase, ±50 % jitter), and pulls at
    // least once a minute as the app does.
    const loops = devices.map(async (d) => {
      await new Promise((r) => setTimeout(r, random() * opts.pushIntervalMs));
      while (!stopping) {
        await pushOnce(d);
        if (Date.now() - d.lastPullAt > 60_000) void pull(d);
        const wait = opts.pushIntervalMs * (0.5 + random());
        await new Promise((r) => setTimeout(r, wait));
      }
    });
    await new Promise<void>((resolve) => {
      const end = setTimeout(resolve, opts.durationMs);
      const watch = setInterval(() => {
        if (Date.now() - lastAckAt < 60_000) return;
        stalled = true;
        log('no push was answered for a minute: stopping the run');
        clearTimeout(end);
        resolve();
      }, 5000);
      timers.push(watch);
    });
    stopping = true;
    await Promise.all(loops);
    const seconds = (Date.now() - startedAt) / 1000;
    const cpu = process.cpuUsage(cpu0);
    eld.disable();
    sample();

    // ---------------------------------------------------------------- nothing lost?
    // Every device pulls until it has everything the server holds (pokes normally did this
    // already; the explicit pulls catch only what a lost poke left behind, which the latency shows).
    const head = async (inst: Instance) => (await must<{ head: number }>(request(inst.url, 'GET', '/health'), 'health')).head;
    const drainUntil = Date.now() + opts.drainMs;
    for (;;) {
      const h = Math.max(...(await Promise.all(instances.map(head))));
      await pool(devices, 16, (d) => pull(d));
      if (devices.every((d) => d.cursor >= h && !d.pulling) || Date.now() > drainUntil) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    let lostOps = 0;
    let lostDeliveries = 0;
    const examples: string[] = [];
    for (const [k, list] of expected) {
      for (const e of list) {
        if (!e.waiting.size) continue;
        lostOps++;
        lostDeliveries += e.waiting.size;
        if (examples.length < 5) examples.push(`${k} (pushed by device ${e.pusher}) missing on ${e.waiting.size} device(s)`);
      }
    }

    // ---------------------------------------------------------------- memory
    const warmup = opts.warmupMs;
    const med = (xs: number[]) => {
      const s = [...xs].sort((a, b) => a - b);
      return s.length ? s[Math.floor(s.length / 2)]! : 0;
    };
    const window = Math.max(opts.sampleMs * 3, 60_000);
    const servers = instances.map((inst, i) => {
      const rss = samples.map((s) => s.rss[i]!);
      const after = samples.filter((s) => s.t >= warmup && s.t < warmup + window).map((s) => s.rss[i]!);
      const tail = samples.filter((s) => s.t >= samples[samples.length - 1]!.t - window && s.t >= warmup + window).map((s) => s.rss[i]!);
      const base = med(after);
      const end = med(tail);
      const growth = after.length && tail.length && base ? Math.round(((end - base) / base) * 1000) / 10 : null;
      const mb = (x: number) => Math.round(x / 1e5) / 10;
      return {
        index: i,
        rssMb: { start: mb(rss[0] ?? 0), afterWarmup: mb(base), end: mb(rss[rss.length - 1] ?? 0), max: mb(Math.max(...rss)) },
        rssGrowthPct: growth,
        cpuSeconds: Math.round(((samples[samples.length - 1]?.cpu[i] ?? 0) - (samples[0]?.cpu[i] ?? 0)) * 10) / 10,
        loggedFailures: inst.failureCount,
        failureExamples: inst.failures,
      };
    });
    const growths = servers.map((s) => s.rssGrowthPct).filter((x): x is number => x !== null);
    const rssGrowthPct = growths.length === servers.length ? Math.max(...growths) : null;

    const toolCpuPct = Math.round(((cpu.user + cpu.system) / 1000 / (seconds * 1000)) * 1000) / 10;
    const eldP99 = Math.round(eld.percentile(99) / 1e5) / 10;
    const eldMax = Math.round(eld.max / 1e5) / 10;
    // The tool is the bottleneck when it needs a core of its own; a long event-loop delay while it
    // uses little CPU means the machine was busy (the tool waited for a core like the servers did).
    const bottleneck = toolCpuPct > 50;
    const pokeSummary = visible.summary();
    const report: LoadReport = {
      bench: 'server-load',
      store: 'postgres',
      instances: instances.length,
      devices: devices.length,
      sites: sites.length,
      people: persons.length,
      seconds: Math.round(seconds),
      stalled,
      warmupSeconds: Math.round(warmup / 1000),
      pushIntervalSeconds: opts.pushIntervalMs / 1000,
      machine: { cores: os.cpus().length, loadAverageAtStart: loadStart, loadAverageAtEnd: os.loadavg().map((x) => Math.round(x * 100) / 100) },
      pushes,
      ops,
      opsPerSecond: Math.round((ops / seconds) * 10) / 10,
      rejectedOps: rejected,
      errors,
      staleRetries,
      pushMs: pushMs.summary(),
      pullMs: pullMs.summary(),
      pokeToVisibleMs: { ...pokeSummary, sameInstanceP95: visibleSame.pct(95), crossInstanceP95: visibleCross.pct(95) },
      lost: { ops: lostOps, deliveries: lostDeliveries, examples },
      foreignDeliveries: foreign,
      pokes: { perInstance: instances.map((inst) => devices.filter((d) => d.instance === inst).reduce((n, d) => n + d.pokes, 0)), liveReconnects: reconnects },
      servers,
      rssGrowthPct,
      tool: {
        cpuPctOfOneCore: toolCpuPct,
        eventLoopDelayP99Ms: eldP99,
        eventLoopDelayMaxMs: eldMax,
        bottleneck,
        note: bottleneck
          ? 'The load tool used over half a core: its own work delays what it measures.'
          : eldP99 > 50
            ? 'The load tool used little CPU but waited for a core (event-loop delay p99 over 50 ms): the machine was busy, and every latency includes that wait.'
            : 'The load tool kept up (little CPU, event-loop delay p99 at most 50 ms): the latencies are the servers\u2019 and the database\u2019s.',
      },
      targets: LOAD_TARGETS,
      met: {
        pushP95: (pushMs.pct(95) ?? Infinity) <= LOAD_TARGETS.pushP95Ms,
        pokeToVisibleP95: (pokeSummary.p95 ?? Infinity) <= LOAD_TARGETS.pokeToVisibleP95Ms,
        lost: lostOps === 0 && foreign === 0 && !stalled,
        rssGrowth: rssGrowthPct === null ? null : rssGrowthPct <= LOAD_TARGETS.rssGrowthPct,
      },
    };
    return report;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    stopping = true;
    for (const t of timers) clearInterval(t);
    for (const d of devices) {
      if (!d) continue;
      d.stopped = true;
      if (d.pullTimer) clearTimeout(d.pullTimer);
      d.live?.destroy();
    }
    await Promise.all(instances.map(stopInstance));
    agent.destroy();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}
