/**
 * The ServiceNow import over the real browser host: a 120k-event export (made here from the
 * sample's rows, renumbered) streamed to POST /api/upload past the 32 MB call limit, imported by
 * its uploadId with progress on the SSE channel and bounded memory; the upload route's checks;
 * kpis.get for staff and auditors, refused to requesters.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRuntime, type StartedRuntime } from '../../../runtime';
import { MAX_BODY, startHost, type Host } from '../../../host/server';
import { tempDir } from '../../../testing';
import { fixture } from '../../assets/test-fixtures';
import { followEvents, type EventStream } from '../../../testing/event-stream';
import type { TicketImportResult } from '../../../../shared/api/tickets';
import type { Kpis } from '../../../../shared/api/kpis';

const sample = fixture('incidents/servicenow-incident-event-log-sample.csv');

let tmp: ReturnType<typeof tempDir>;
let rt: StartedRuntime;
let host: Host;
const tokens: Record<string, string> = {};
let sse: EventStream;

type Answer<T> = { status: number; body: { ok: boolean; value: T; error?: { code: string; message: string } } };

async function post<T>(name: string, input: unknown, token = tokens.admin): Promise<Answer<T>> {
  const res = await fetch(`${host.url}/api/${name}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify(input) });
  return { status: res.status, body: (await res.json()) as Answer<T>['body'] };
}

async function upload(file: string, headers: Record<string, string> = {}): Promise<Answer<{ uploadId: string; size: number }>> {
  const res = await fetch(`${host.url}/api/upload`, {
    method: 'POST',
    headers: { 'content-type': 'application/octet-stream', authorization: `Bearer ${tokens.admin}`, ...headers },
    body: Readable.toWeb(fs.createReadStream(file)) as ReadableStream,
    duplex: 'half',
  } as RequestInit);
  return { status: res.status, body: (await res.json()) as Answer<{ uploadId: string; size: number }>['body'] };
}

/**
 * The full export's size from the sample's shape: its rows copied `copies` times, each copy's
 * incident numbers moved by 100,000 (INC0000045 → INC0100045), written line by line.
 */
function bigExport(file: string, copies: number): { path: string; events: number; incidents: number } {
  const lines = fs.readFileSync(sample!, 'utf8').split(/\r?\n/).filter(Boolean);
  const out = path.join(tmp.dir, 'servicenow-full.csv');
  const fd = fs.openSync(out, 'w');
  fs.writeSync(fd, lines[0] + '\n');
  const numbers = new Set<string>();
  for (let c = 0; c < copies; c++) {
    const chunk: string[] = [];
    for (const l of lines.slice(1)) {
      const n = Number(l.slice(3, 10)) + c * 100_000;
      const num = `INC${String(n).padStart(7, '0')}`;
      numbers.add(num);
      chunk.push(num + l.slice(10));
    }
    fs.writeSync(fd, chunk.join('\n') + '\n');
  }
  fs.closeSync(fd);
  void file;
  return { path: out, events: (lines.length - 1) * copies, incidents: numbers.size };
}

beforeAll(async () => {
  tmp = tempDir('outpost-servicenow-http-');
  rt = startRuntime({ dataDir: tmp.dir });
  host = await startHost(rt, { port: 0, staticDir: null });
  const init = await post<{ token: string; user: { siteIds: string[] } }>('setup.init', { admin: { username: 'admin', displayName: 'Ada Admin', password: 'password123' }, site: { name: 'HQ' } }, '');
  tokens.admin = init.body.value.token;
  const site = (await post<{ items: { id: string }[] }>('sites.list', {})).body.value.items[0]!;
  for (const role of ['technician', 'auditor', 'requester']) {
    await post('users.create', { username: role, displayName: `The ${role}`, role, password: 'password123', siteIds: [site.id] });
    tokens[role] = (await post<{ token: string }>('session.login', { username: role, password: 'password123' }, '')).body.value.token;
  }
  sse = await followEvents(host.url, tokens.admin!);
});

afterAll(async () => {
  sse?.close();
  await host?.close();
  rt?.close();
  tmp?.cleanup();
});

describe.skipIf(!sample)('ServiceNow import over HTTP', () => {
  it('imports the sample from contentBase64, then kpis.get answers staff and auditors, not requesters', async () => {
    const contentBase64 = fs.readFileSync(sample!).toString('base64');
    const dry = await post<TicketImportResult>('tickets.import', { format: 'servicenow-events', contentBase64, dryRun: true });
    expect(dry.body.value).toMatchObject({ dryRun: true, events: 5998, incidents: 890, created: 890, resolved: 861, reopened: 10, errors: [] });
    const r = await post<TicketImportResult>('tickets.import', { format: 'servicenow-events', contentBase64 });
    expect(r.status).toBe(200);
    expect(r.body.value).toMatchObject({ events: 5998, incidents: 890, created: 890, updated: 0, resolved: 861, reopened: 10, reopenedPercent: 1.12, madeSlaPercent: 55.62 });
    const t = await post<{ number: string; slaMet: boolean | null }>('tickets.getByNumber', { number: 'INC0000045' });
    expect(t.body.value).toMatchObject({ number: 'INC0000045', slaMet: true });

    const k = await post<Kpis>('kpis.get', {}, tokens.technician);
    expect(k.body.value).toMatchObject({ backlog: 0, resolved: 861, slaMetPercent: 55.62, reopenRatePercent: 1.12, mttrHours: { median: 54.47, mean: 315.87 } });
    expect(k.body.value.byPriority.map((s) => s.key)).toEqual([1, 2, 3, 4]);
    expect((await post<Kpis>('kpis.get', { from: '2016-03-01T00:00:00Z', to: '2016-03-08T00:00:00Z' }, tokens.auditor)).status).toBe(200);
    const refused = await post('kpis.get', {}, tokens.requester);
    expect(refused.status).toBe(403);
    expect((await post('tickets.import', { format: 'servicenow-events', contentBase64, dryRun: true }, tokens.technician)).status).toBe(403);
    const bad = await post('kpis.get', { from: '2016-03-08T00:00:00Z', to: '2016-03-01T00:00:00Z' });
    expect(bad.body.error?.message).toMatch(/end after it starts/);
  }, 120_000);

  it('the upload route refuses what the calls refuse: no session, a requester, another origin, another type', async () => {
    const small = path.join(tmp.dir, 'small.csv');
    fs.writeFileSync(small, 'number\n');
    expect((await upload(small, { authorization: '' })).status).toBe(401);
    expect((await upload(small, { authorization: `Bearer ${tokens.requester}` })).status).toBe(403);
    expect((await upload(small, { 'content-type': 'text/plain' })).status).toBe(415);
    expect((await upload(small, { origin: 'http://evil.example' })).status).toBe(403);
    // Another person's upload is not theirs to import.
    const mine = await upload(small);
    const other = await post('tickets.import', { format: 'servicenow-events', uploadId: mine.body.value.uploadId, dryRun: true }, tokens.technician);
    expect(other.status).toBe(403);
    const asTech = await fetch(`${host.url}/api/upload`, { method: 'POST', headers: { 'content-type': 'application/octet-stream', authorization: `Bearer ${tokens.technician}` }, body: 'number\n' });
    const techUpload = ((await asTech.json()) as { value: { uploadId: string } }).value.uploadId;
    const notMine = await post('tickets.import', { format: 'servicenow-events', uploadId: techUpload, dryRun: true });
    expect(notMine.status).toBe(404);
  });

  it('the asset import takes an upload the same way', async () => {
    const file = path.join(tmp.dir, 'assets.csv');
    fs.writeFileSync(file, 'Asset Tag,Name,Category,Status\nUP-1,Uploaded laptop,Laptops,Ready to Deploy\nUP-2,Uploaded desktop,Desktops,Ready to Deploy\n');
    const up = await upload(file);
    const dry = await post<{ created: number; dryRun: boolean }>('assets.import', { format: 'snipe-it-assets', uploadId: up.body.value.uploadId, dryRun: true });
    expect(dry.body.value).toMatchObject({ created: 2, dryRun: true });
    const r = await post<{ created: number; errors: unknown[] }>('assets.import', { format: 'snipe-it-assets', uploadId: up.body.value.uploadId });
    expect(r.body.value).toMatchObject({ created: 2, errors: [] });
    expect((await post('assets.import', { format: 'snipe-it-assets', uploadId: up.body.value.uploadId })).status).toBe(404);
  });

  it('a 120k-event export larger than the call limit streams in and imports with progress and bounded memory', async () => {
    const big = bigExport(sample!, 21);
    const size = fs.statSync(big.path).size;
    expect(big.events).toBeGreaterThanOrEqual(120_000);
    expect(size).toBeGreaterThan(MAX_BODY);
    const up = await upload(big.path);
    expect(up.status).toBe(200);
    expect(up.body.value.size).toBe(size);

    let peak = 0;
    const base = process.memoryUsage().heapUsed;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().heapUsed - base)), 25);
    const seen = sse.events.length;
    const r = await post<TicketImportResult>('tickets.import', { format: 'servicenow-events', uploadId: up.body.value.uploadId });
    clearInterval(sampler);
    expect(r.status).toBe(200);
    expect(r.body.value).toMatchObject({ events: big.events, incidents: big.incidents, created: big.incidents - 890, errors: [] });
    // The sample's numbers were imported by the first test: its copy updates them, never doubles.
    expect(r.body.value.updated).toBe(890);
    // Memory holds the events' kept fields (heap growth here counts garbage not yet collected too),
    // not a request body, a base64 copy and a decoded string of the whole file at once.
    expect(peak).toBeLessThan(512 * 1024 * 1024);
    const mine = sse.events.slice(seen).flatMap((e) => (e.type === 'import.progress' ? [e.job] : []));
    expect(mine.some((j) => j.phase === 'reading' && j.done > 0 && j.done < j.total)).toBe(true);
    expect(mine.some((j) => j.phase === 'writing' && j.done > 0 && j.done < j.total)).toBe(true);
    expect(mine.at(-1)).toMatchObject({ state: 'done' });
    // The upload is removed once imported.
    const again = await post('tickets.import', { format: 'servicenow-events', uploadId: up.body.value.uploadId, dryRun: true });
    expect(again.status).toBe(404);
    const k = await post<Kpis>('kpis.get', {});
    expect(k.body.value.opened).toBe(big.incidents);
    console.log(JSON.stringify({ events: big.events, bytes: size, peakHeapGrowthMB: Math.round(peak / 1e6) }));
  }, 600_000);
});
