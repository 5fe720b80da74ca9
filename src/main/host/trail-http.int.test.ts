/**
 * The Audit trail's calls and the team's asset status labels over the browser host's real HTTP:
 * an administrator searches the trail, opens an event, reads the filter lists and exports it with
 * the chain head; a technician is refused the trail (403); everyone on staff reads the labels.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRuntime, type StartedRuntime } from '../runtime';
import { startHost, type Host } from './server';
import { tempDir } from '../testing';

let tmp: ReturnType<typeof tempDir>;
let rt: StartedRuntime;
let host: Host;

async function call(name: string, input: unknown, token?: string): Promise<{ status: number; value: Record<string, unknown> & { items?: Record<string, unknown>[] } }> {
  const res = await fetch(`${host.url}/api/${name}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(input),
  });
  const body = (await res.json()) as { value: Record<string, unknown> & { items?: Record<string, unknown>[] } };
  return { status: res.status, value: body.value };
}

beforeAll(async () => {
  tmp = tempDir();
  rt = startRuntime({ dataDir: tmp.dir });
  host = await startHost(rt, { port: 0 });
});
afterAll(async () => {
  await host?.close();
  rt?.close();
  tmp?.cleanup();
});

describe('audit trail and status labels over HTTP', () => {
  it('answers administrators, refuses technicians', async () => {
    const admin = (await call('setup.init', { admin: { username: 'admin', displayName: 'Ada', password: 'password123' }, site: { name: 'HQ' } })).value.token as string;
    await call('users.create', { username: 'tess', displayName: 'Tess', role: 'technician', password: 'password123' }, admin);
    const tech = (await call('session.login', { username: 'tess', password: 'password123' })).value.token as string;

    const found = await call('audit.search', { limit: 50 }, admin);
    expect(found.status).toBe(200);
    const items = found.value.items!;
    expect(items.some((e) => e.recordType === 'user')).toBe(true);
    const first = items[0]!;
    const one = await call('audit.get', { seq: first.seq }, admin);
    expect(one.status).toBe(200);
    expect(one.value.seq).toBe(first.seq);
    const facets = await call('audit.facets', {}, admin);
    expect(facets.status).toBe(200);
    const csv = await call('audit.export', { format: 'csv' }, admin);
    expect(csv.status).toBe(200);
    expect(JSON.stringify(csv.value)).toMatch(/[0-9a-f]{64}/);

    expect((await call('audit.search', { limit: 5 }, tech)).status).toBe(403);
    const labels = await call('assets.statusLabels', {}, tech);
    expect(labels.status).toBe(200);
    expect(Array.isArray(labels.value.items)).toBe(true);

    // A technician marks an asset not affected by a known exploited vulnerability, with a note.
    const asset = await call('assets.create', { tag: 'SRV-1', name: 'File server', type: 'server' }, tech);
    expect(asset.status).toBe(200);
    const assessed = await call('software.assessKev', { assetId: asset.value.id, cveId: 'CVE-2016-5195', affected: false, note: 'Kernel patched by the vendor backport' }, tech);
    expect(assessed.status).toBe(200);
    expect(assessed.value.done).toBe(true);
  });
});
