/**
 * A long import over the real browser host: progress on the SSE channel and through
 * assets.importStatus while the worker commits, other calls answered (reads at once, writes after
 * the import), and assets.importCancel rolling everything back.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRuntime, type StartedRuntime } from '../../../runtime';
import { startHost, type Host } from '../../../host/server';
import { tempDir } from '../../../testing';
import { followEvents, type EventStream } from '../../../testing/event-stream';
import type { ImportJobStatus } from '../../../../shared/api/assets';

let tmp: ReturnType<typeof tempDir>;
let rt: StartedRuntime;
let host: Host;
let token = '';
let sse: EventStream;

async function post<T>(name: string, input: unknown): Promise<{ status: number; body: { ok: boolean; value: T; error?: { code: string; message: string } } }> {
  const res = await fetch(`${host.url}/api/${name}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify(input),
  });
  return { status: res.status, body: (await res.json()) as { ok: boolean; value: T; error?: { code: string; message: string } } };
}

function csv(n: number, prefix: string): string {
  const head = 'Asset Tag,Name,Category,Manufacturer,Model,Serial,Status,Location';
  return [head, ...Array.from({ length: n }, (_, i) => `${prefix}-${String(i).padStart(6, '0')},Desktop ${i},Desktops,HP,EliteDesk ${i % 9},S${prefix}${i},Ready to Deploy,Floor ${i % 4}`)].join('\n') + '\n';
}

async function until<T>(fn: () => Promise<T | null>, what: string, ms = 60_000): Promise<T> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const v = await fn();
    if (v !== null) return v;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`timed out waiting for ${what}`);
}

const running = (phase: ImportJobStatus['phase']) => async () => {
  const r = await post<{ job: ImportJobStatus | null }>('assets.importStatus', {});
  const j = r.body.value.job;
  return j && j.state === 'running' && j.phase === phase ? j : null;
};

const total = async () => (await post<{ total: number }>('assets.list', { withTotal: true, limit: 1 })).body.value.total;

beforeAll(async () => {
  tmp = tempDir('outpost-import-http-');
  rt = startRuntime({ dataDir: tmp.dir });
  host = await startHost(rt, { port: 0, staticDir: null });
  const init = await post<{ token: string }>('setup.init', { admin: { username: 'admin', displayName: 'Ada Admin', password: 'password123' }, site: { name: 'HQ' } });
  token = init.body.value.token;
  sse = await followEvents(host.url, token);
});

afterAll(async () => {
  sse?.close();
  await host?.close();
  rt?.close();
  tmp?.cleanup();
});

describe('a long import over HTTP', () => {
  it('reports progress while it runs, lets reads through, queues writes, and answers with the usual shape', async () => {
    const n = 6000;
    const imp = post<{ created: number; updated: number; errors: unknown[] }>('assets.import', { format: 'snipe-it-assets', content: csv(n, 'HTTP') });
    const job = await until(running('writing'), 'the writing phase');
    expect(job.total).toBe(n);
    // Reads answer from committed data while the worker writes.
    expect(await total()).toBe(0);
    const made = post<{ id: string; tag: string }>('assets.create', { tag: 'MANUAL-1', name: 'Typed in during the import' });
    const [r, m] = await Promise.all([imp, made]);
    expect(r.status).toBe(200);
    expect(r.body.value).toMatchObject({ created: n, updated: 0, errors: [] });
    expect(m.body).toMatchObject({ ok: true, value: { tag: 'MANUAL-1' } });
    expect(await total()).toBe(n + 1);
    const status = await post<{ job: ImportJobStatus }>('assets.importStatus', {});
    expect(status.body.value.job).toMatchObject({ id: job.id, state: 'done', done: n, total: n });
    await sse.waitFor((e) => e.type === 'import.progress' && e.job.id === job.id && e.job.state === 'done', 'the final SSE event', 5000);
    const mine = sse.events.flatMap((e) => (e.type === 'import.progress' && e.job.id === job.id ? [e.job] : []));
    expect(mine.some((j) => j.phase === 'writing' && j.done > 0 && j.done < n)).toBe(true);
    expect(mine.at(-1)).toMatchObject({ state: 'done', phase: 'finishing', done: n, total: n });
  });

  it('assets.importCancel stops the import and nothing of it is written', async () => {
    const before = await total();
    const imp = post('assets.import', { format: 'snipe-it-assets', content: csv(8000, 'CNCL') });
    const job = await until(running('writing'), 'the writing phase');
    const c = await post<{ job: ImportJobStatus | null }>('assets.importCancel', { id: job.id });
    expect(c.body.value.job).toMatchObject({ id: job.id, cancelRequested: true });
    const r = await imp;
    expect(r.status).toBe(409);
    expect(r.body.error?.message).toMatch(/cancelled/);
    expect(await total()).toBe(before);
    expect((await post<{ job: ImportJobStatus }>('assets.importStatus', {})).body.value.job).toMatchObject({ id: job.id, state: 'cancelled' });
  });
});
