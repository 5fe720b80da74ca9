/**
 * Faults with real processes and a real network path: the server killed mid-push, the reply lost
 * after the server committed, a device SIGKILLed mid-apply and restarted, clocks skewed ±1 day,
 * and 70,000 ops stamped within one millisecond. After each: converge, nothing lost, nothing doubled.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ADMIN, startDevice, startTestServer, type Device } from '../../testing/sync-harness';
import { syncClientFor } from './registry';
import { write } from '../services/core/write';
import { authenticate } from '../services/auth/sessions';
import { verifyChain } from '../services/core/audit';
import { storeOnDisk } from '../testing/crash';

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../..');
const cleanups: (() => Promise<void> | void)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

function tmp(prefix: string): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  cleanups.push(() => fs.rmSync(d, { recursive: true, force: true }));
  return d;
}

/** Starts `npm run server` equivalent as a child process; resolves with its URL once it listens. */
function spawnServer(dataDir: string, port = 0): Promise<{ proc: ChildProcess; url: string; port: number }> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src/server/cli.ts'), '--port', String(port), '--data-dir', dataDir], {
      cwd: ROOT,
      env: { ...process.env, OUTPOST_ADMIN_USER: ADMIN.username, OUTPOST_ADMIN_PASSWORD: ADMIN.password, DATABASE_URL: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    const timer = setTimeout(() => reject(new Error(`server did not start: ${out}`)), 30_000);
    proc.stdout!.on('data', (b: Buffer) => {
      out += b.toString();
      const m = /http:\/\/127\.0\.0\.1:(\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ proc, url: `http://127.0.0.1:${m[1]}`, port: Number(m[1]) });
      }
    });
    proc.stderr!.on('data', (b: Buffer) => (out += b.toString()));
    proc.on('exit', (code) => {
      clearTimeout(timer);
      if (!/listening/.test(out)) reject(new Error(`server exited ${code}: ${out}`));
    });
    cleanups.push(() => {
      if (proc.exitCode === null) proc.kill('SIGKILL');
    });
  });
}

function killed(proc: ChildProcess): Promise<void> {
  return new Promise((r) => {
    if (proc.exitCode !== null || proc.signalCode !== null) return r();
    proc.once('exit', () => r());
    proc.kill('SIGKILL');
  });
}

/** Joins without the background scheduler, so the test decides when each sync happens. */
async function joinManual(d: Device, url: string) {
  await d.call('sync.join', { serverUrl: url, ...ADMIN });
  syncClientFor(d.rt).stop();
}

function ticketIds(d: Device): string[] {
  return d.rt.store.sqlite.prepare('SELECT id FROM tickets ORDER BY id').pluck().all() as string[];
}
function count(d: Device, table: string): number {
  return d.rt.store.sqlite.prepare(`SELECT count(*) FROM ${table}`).pluck().get() as number;
}
function uniqueNumbers(d: Device): boolean {
  const r = d.rt.store.sqlite.prepare('SELECT count(*) AS n, count(DISTINCT number) AS u FROM tickets').get() as { n: number; u: number };
  return r.n === r.u;
}

describe('sync faults', () => {
  it('survives the server being killed mid-push: restart, sync again, nothing lost or doubled', async () => {
    const dir = tmp('outpost-fault-srv-');
    let srv = await spawnServer(dir);
    const a = await startDevice({ sampleData: true });
    cleanups.push(() => a.close());
    await joinManual(a, srv.url);
    const pendingBefore = (await a.call('sync.status')).pending;
    expect(pendingBefore).toBeGreaterThan(3000);
    const first = a.call('sync.now').then(
      () => 'finished',
      (e: Error) => e.message,
    );
    await new Promise((r) => setTimeout(r, 150));
    await killed(srv.proc);
    const outcome = await first;
    expect(typeof outcome).toBe('string');
    expect((await a.call('sync.status')).state === 'synced' || (await a.call('sync.status')).pending > 0).toBe(true);
    srv = await spawnServer(dir, srv.port);
    await a.call('sync.now');
    expect((await a.call('sync.status')).pending).toBe(0);

    const b = await startDevice();
    cleanups.push(() => b.close());
    await joinManual(b, srv.url);
    await b.call('sync.now');
    const onA = ticketIds(a);
    expect(ticketIds(b).filter((id) => onA.includes(id))).toEqual(onA);
    expect(count(b, 'ticket_comments')).toBeGreaterThanOrEqual(count(a, 'ticket_comments'));
    expect(uniqueNumbers(b)).toBe(true);
    await killed(srv.proc);
  });

  it('re-sends a batch whose reply was lost after the commit and applies it only once', async () => {
    const server = await startTestServer();
    cleanups.push(() => server.close());
    // A proxy that lets the first push reach the server, waits for the commit, then drops the reply.
    let dropped = 0;
    const proxy = http.createServer((req, res) => {
      const up = http.request(server.url + req.url, { method: req.method, headers: req.headers }, (ur) => {
        if (req.url === '/sync/push' && dropped === 0) {
          dropped++;
          ur.resume();
          ur.on('end', () => res.socket?.destroy());
          return;
        }
        res.writeHead(ur.statusCode ?? 502, ur.headers);
        ur.pipe(res);
      });
      req.pipe(up);
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', () => r()));
    cleanups.push(() => new Promise<void>((r) => { proxy.closeAllConnections(); proxy.close(() => r()); }));
    const url = `http://127.0.0.1:${(proxy.address() as { port: number }).port}`;
    const a = await startDevice();
    cleanups.push(() => a.close());
    await joinManual(a, url);
    const t = await a.call('tickets.create', { type: 'incident', title: 'Once only' });
    for (let i = 0; i < 5; i++) await a.call('tickets.comment', { id: t.id, body: `note ${i}` });
    // The dropped reply is noticed as a dropped connection: the push goes again at once on a fresh
    // one (or, had that failed too, with the next sync). Either way the server sees it twice.
    await a.call('sync.now').catch(() => null);
    expect(dropped).toBe(1);
    await a.call('sync.now');
    const b = await startDevice();
    cleanups.push(() => b.close());
    await joinManual(b, server.url);
    await b.call('sync.now');
    const comments = (await b.call('tickets.get', { id: t.id })).timeline.filter((e) => e.kind === 'comment');
    expect(comments.map((c) => (c.kind === 'comment' ? c.body : '')).sort()).toEqual(['note 0', 'note 1', 'note 2', 'note 3', 'note 4']);
  });

  it('resumes after the device is SIGKILLed mid-apply: no page lost or applied twice', async () => {
    const server = await startTestServer();
    cleanups.push(() => server.close());
    const a = await startDevice({ sampleData: true });
    cleanups.push(() => a.close());
    await joinManual(a, server.url);
    await a.call('sync.now');
    const cDir = tmp('outpost-fault-dev-');
    const c0 = await startDevice({ dir: cDir });
    await joinManual(c0, server.url);
    c0.close();
    const runChild = (killAfterPages: number | null) =>
      new Promise<{ pages: number; done: boolean }>((resolve) => {
        const p = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src/testing/fault-device.ts'), cDir, server.url, 'pull-slow'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
        let pages = 0;
        let done = false;
        let buf = '';
        p.stdout!.on('data', (b: Buffer) => {
          buf += b.toString();
          pages = (buf.match(/^page /gm) ?? []).length;
          done = /^done$/m.test(buf);
          if (killAfterPages !== null && pages >= killAfterPages && p.exitCode === null) p.kill('SIGKILL');
        });
        p.on('exit', () => resolve({ pages, done }));
      });
    const firstRun = await runChild(5);
    expect(firstRun.done).toBe(false);
    // What the kill left opens whole: SQLite's integrity check and the audit trail's chain.
    const killed = storeOnDisk(cDir, null);
    expect(killed.integrity).toBe('ok');
    expect(killed.chain.valid).toBe(true);
    const second = await runChild(null);
    expect(second.done).toBe(true);
    const c = await startDevice({ dir: cDir });
    cleanups.push(() => c.close());
    const onA = ticketIds(a);
    expect(ticketIds(c).filter((id) => onA.includes(id))).toEqual(onA);
    expect(count(c, 'ticket_comments')).toBeGreaterThanOrEqual(count(a, 'ticket_comments'));
    const cursor = Number(c.rt.store.sqlite.prepare("SELECT value FROM meta WHERE key = 'sync.cursor'").pluck().get());
    expect(cursor).toBe(await server.store.headSeq());
    expect(c.rt.store.sqlite.pragma('integrity_check', { simple: true })).toBe('ok');
    expect(verifyChain(c.rt.store.sqlite).valid).toBe(true);
  });

  it('keeps syncing with clocks skewed a day either way, and converges', async () => {
    const server = await startTestServer();
    cleanups.push(() => server.close());
    const day = 24 * 3600_000;
    const ahead = await startDevice({ clock: { now: () => new Date(Date.now() + day) } });
    const behind = await startDevice({ clock: { now: () => new Date(Date.now() - day) } });
    cleanups.push(() => ahead.close(), () => behind.close());
    await joinManual(ahead, server.url);
    await joinManual(behind, server.url);
    const t = await behind.call('tickets.create', { type: 'incident', title: 'Clock test' });
    await behind.call('sync.now');
    await ahead.call('sync.now');
    await ahead.call('tickets.update', { id: t.id, fields: { title: 'from the future' } });
    await ahead.call('sync.now');
    await behind.call('sync.now');
    // The device a day behind edits after seeing the future edit: its clock has caught up, so it wins.
    await behind.call('tickets.update', { id: t.id, fields: { title: 'from the past, later' } });
    await behind.call('sync.now');
    await ahead.call('sync.now');
    expect((await ahead.call('tickets.get', { id: t.id })).title).toBe('from the past, later');
    expect((await behind.call('tickets.get', { id: t.id })).title).toBe('from the past, later');
    expect((await ahead.call('sync.status')).state).toBe('synced');
    expect((await behind.call('sync.status')).state).toBe('synced');
  });

  it('syncs 70,000 ops stamped within one millisecond', async () => {
    const server = await startTestServer();
    cleanups.push(() => server.close());
    const frozen = new Date('2026-03-02T09:00:00.000Z');
    const a = await startDevice({ clock: { now: () => frozen } });
    cleanups.push(() => a.close());
    await joinManual(a, server.url);
    const t = await a.call('tickets.create', { type: 'incident', title: 'Busy ticket' });
    const actor = authenticate(a.rt, a.token)!;
    const ctx = { store: a.rt.store, clock: a.rt.clock, actor, call: 'test' };
    const sqlite = a.rt.store.sqlite;
    const ins = sqlite.prepare(`INSERT INTO ticket_worklogs (id, scope_id, created_at, updated_at, field_hlc, ticket_id, author_id, minutes, note) VALUES (?, ?, ?, ?, '{}', ?, ?, 1, NULL)`);
    const N = 70_000;
    // One transaction per op, each with its own stamp: the clock's counter, not its wall time, moves.
    for (let i = 0; i < N; i++) {
      write(ctx, (w) => {
        const id = `wl-${i.toString().padStart(6, '0')}`;
        ins.run(id, t.siteId, w.now, w.now, t.id, actor.id);
        w.op({ kind: 'append', entity: 'ticket_worklogs', recordId: id, scopeId: t.siteId, payload: { ticket_id: t.id, author_id: actor.id, minutes: 1, note: null } });
      });
    }
    const hlcs = sqlite.prepare("SELECT count(DISTINCT hlc) AS d, count(DISTINCT substr(hlc, 1, 15)) AS walls FROM pending_ops WHERE entity = 'ticket_worklogs'").get() as { d: number; walls: number };
    expect(hlcs.d).toBe(N);
    expect(hlcs.walls).toBe(1);
    await a.call('sync.now');
    expect((await a.call('sync.status')).pending).toBe(0);
    const b = await startDevice();
    cleanups.push(() => b.close());
    await joinManual(b, server.url);
    await b.call('sync.now');
    expect(b.rt.store.sqlite.prepare('SELECT count(*), sum(minutes) FROM ticket_worklogs WHERE ticket_id = ?').raw().get(t.id)).toEqual([N, N]);
  }, 300_000);
});
