/**
 * The portal behind two server instances (two processes on one PostgreSQL database, as behind a
 * load balancer): one browser's requests answered by either instance never share a sequence number
 * or a provisional ticket number, and neither do they after an instance restarts. Before the
 * counters lived in the database, each process counted from one: the first request through each
 * instance carried the same provisional number, so two tickets kept the same alias.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { post, signIn } from './testing/actors';
import { LOAD_ADMIN, startInstance, stopInstance, type Instance } from './testing/load';
import { createScratchDatabase, type ScratchDatabase } from './testing/pg-database';

const PG = process.env.OUTPOST_TEST_PG_URL;
if (!PG) console.log('portal-instances.int.test: OUTPOST_TEST_PG_URL is not set, so the two-instance portal test is skipped (CI sets it).');

async function portal<T>(url: string, name: string, input: unknown, token?: string): Promise<{ status: number; value?: T; message?: string }> {
  const res = await fetch(`${url}/portal/api/${name}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(input),
  });
  const body = (await res.json()) as { ok: boolean; value?: T; error?: { message: string } };
  return { status: res.status, value: body.value, message: body.error?.message };
}

describe.skipIf(!PG)('the portal behind two server instances on PostgreSQL', () => {
  let db: ScratchDatabase;
  let dir: string;
  const instances: Instance[] = [];
  beforeAll(async () => {
    db = await createScratchDatabase(PG!, 'portal2');
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'outpost-portal2-'));
    instances.push(await startInstance(0, db.url, path.join(dir, 'a')));
    instances.push(await startInstance(1, db.url, path.join(dir, 'b')));
  });
  afterAll(async () => {
    await Promise.all(instances.map(stopInstance));
    await db?.drop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('numbers one browser session’s requests apart whichever instance answers, and after a restart', async () => {
    const [a, b] = instances as [Instance, Instance];
    const admin = await signIn(a.url, LOAD_ADMIN.username, LOAD_ADMIN.password, 'admin');
    const site = 'site-portal2';
    expect((await admin.one({ kind: 'create', entity: 'sites', recordId: site, scopeId: 'global', payload: { name: 'HQ', code: null, timezone: null, scope_id: 'global' } })).status).toBe('applied');
    expect((await post(a.url, '/auth/users', { username: 'rita', password: 'password123', role: 'requester', sites: [site] }, admin.token)).status).toBe(200);

    // One browser session, its calls spread over both instances, some at the same moment.
    const token = (await portal<{ accessToken: string }>(a.url, 'portal.signIn', { username: 'rita', password: 'password123' })).value!.accessToken;
    const submit = (url: string, title: string) => portal<{ id: string; number: string }>(url, 'portal.submit', { itemId: null, title, description: 'Paper jams on every page.' }, token);
    const first = await Promise.all([submit(a.url, 'Through A'), submit(b.url, 'Through B'), submit(a.url, 'Through A again'), submit(b.url, 'Through B again')]);
    expect(first.map((r) => [r.status, r.message])).toEqual(first.map(() => [200, undefined]));

    // An instance restarted (its process forgets everything it counted) still continues the session's numbers.
    await stopInstance(b);
    instances[1] = await startInstance(1, db.url, path.join(dir, 'b'));
    const later = await submit(instances[1]!.url, 'After the restart');
    expect(later.status).toBe(200);

    const tickets = (await admin.pullAll()).filter((c) => c.entity === 'tickets');
    expect(tickets).toHaveLength(5);
    // Every request was numbered for real at push; the provisional number it carried stays as its alias.
    const aliases = tickets.map((t) => t.data.former_number);
    expect(aliases.every((x) => typeof x === 'string' && /^INC-P-/.test(x))).toBe(true);
    expect(new Set(aliases).size).toBe(5);
    expect(new Set(tickets.map((t) => t.data.number)).size).toBe(5);
    expect(new Set([...first, later].map((r) => r.value!.id))).toEqual(new Set(tickets.map((t) => t.id)));
  });
});
