/**
 * Two server instances on one PostgreSQL, a device on each: an edit on one device is visible on the
 * other within a second (push → NOTIFY → the other instance pokes its device over SSE → pull).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ADMIN, resetPg, startDevice, type Device } from '../../testing/sync-harness';

const PG = process.env.OUTPOST_TEST_PG_URL;
if (!PG) console.log('pg-instances.int.test: OUTPOST_TEST_PG_URL is not set, so the two-instance PostgreSQL test is skipped (CI sets it).');
const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../..');

const procs: ChildProcess[] = [];
const devices: Device[] = [];
afterAll(() => {
  for (const d of devices) d.close();
  for (const p of procs) if (p.exitCode === null) p.kill('SIGKILL');
});

function spawnInstance(dataDir: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src/server/cli.ts'), '--port', '0', '--data-dir', dataDir], {
      cwd: ROOT,
      env: { ...process.env, DATABASE_URL: PG, OUTPOST_ADMIN_USER: ADMIN.username, OUTPOST_ADMIN_PASSWORD: ADMIN.password },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    procs.push(proc);
    let out = '';
    const timer = setTimeout(() => reject(new Error(`instance did not start: ${out}`)), 30_000);
    proc.stdout!.on('data', (b: Buffer) => {
      out += b.toString();
      const m = /http:\/\/127\.0\.0\.1:(\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(`http://127.0.0.1:${m[1]}`);
      }
    });
    proc.stderr!.on('data', (b: Buffer) => (out += b.toString()));
  });
}

async function until(check: () => boolean, timeoutMs: number): Promise<number> {
  const start = Date.now();
  while (Date.now() - start < timeoutMs) {
    if (check()) return Date.now() - start;
    await new Promise((r) => setTimeout(r, 10));
  }
  return -1;
}

describe.skipIf(!PG)('two server instances on one PostgreSQL', () => {
  it('shows an edit made through one instance on a device of the other within a second', async () => {
    await resetPg(PG!);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'outpost-pg2-'));
    const url1 = await spawnInstance(dir);
    const url2 = await spawnInstance(dir);
    expect(url1).not.toBe(url2);
    const a = await startDevice();
    const b = await startDevice();
    devices.push(a, b);
    await a.call('sync.join', { serverUrl: url1, ...ADMIN });
    await b.call('sync.join', { serverUrl: url2, ...ADMIN });
    const t = await a.call('tickets.create', { type: 'incident', title: 'Shared across instances' });
    await a.call('sync.now');
    await b.call('sync.now');
    expect((await b.call('tickets.get', { id: t.id })).title).toBe('Shared across instances');
    const title = () => b.rt.store.sqlite.prepare('SELECT title FROM tickets WHERE id = ?').pluck().get(t.id);
    // Timing starts once the live channels are up: an edit has crossed within a second (on a busy
    // machine they can take longer than any fixed wait to connect).
    let up = false;
    for (let i = 0; i < 15 && !up; i++) {
      await a.call('tickets.update', { id: t.id, fields: { title: `Warm-up ${i}` } });
      up = (await until(() => title() === `Warm-up ${i}`, 1000)) >= 0;
    }
    expect(up, 'no edit crossed between the instances within a second in 15 tries').toBe(true);
    await a.call('tickets.update', { id: t.id, fields: { title: 'Edited on A' } });
    const ms = await until(() => title() === 'Edited on A', 3000);
    console.log(JSON.stringify({ pokeToVisibleMs: ms }));
    expect(ms).toBeGreaterThanOrEqual(0);
    expect(ms).toBeLessThan(1000);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
