/**
 * Evidence between two devices through a real server: a finding and its evidence file added on one
 * laptop reach the other, whose copy shows "not yet downloaded" until the first has uploaded the
 * bytes, then downloads them and checks them against their hash. The ops the finding and its
 * follow-up ticket write are applied by the server, including an auditor's ticket.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, startDevice, type Device, startTestServer, type TestServer } from '../../testing/sync-harness';
import { post, signIn, type Actor } from '../../server/testing/actors';
import { uuidv7 } from '../../shared/ids';
import { blobStoreOf } from '../services/evidence/blobs';

let server: TestServer;
let a: Device;
let b: Device;

beforeAll(async () => {
  server = await startTestServer();
  a = await startDevice({ site: 'HQ' });
  b = await startDevice({ site: 'Depot' });
  await a.call('sync.join', { serverUrl: server.url, ...ADMIN });
  await b.call('sync.join', { serverUrl: server.url, ...ADMIN });
}, 60_000);
afterAll(async () => {
  a?.close();
  b?.close();
  await server?.close();
});

function rejected(d: Device): unknown[] {
  const kept = d.rt.store.sqlite.prepare("SELECT value FROM meta WHERE key = 'sync.rejected_ops'").pluck().get() as string | undefined;
  return kept ? (JSON.parse(kept) as unknown[]) : [];
}

describe('evidence syncs between devices as records and blobs', () => {
  it('reaches the other device as "not yet downloaded", then as the same bytes once uploaded', async () => {
    const finding = await a.call('findings.create', { kind: 'non_conformity', title: 'Fire door propped open', severity: 'high' });
    const photo = Buffer.alloc(2_500_000);
    for (let i = 0; i < photo.length; i++) photo[i] = (i * 7919) % 251;
    const e = await a.call('evidence.attach', {
      recordType: 'finding',
      recordId: finding.id,
      fileName: 'door.jpg',
      mediaType: 'image/jpeg',
      content: photo.toString('base64'),
    });
    // The file is not on device A for a moment (as if the upload had not happened yet).
    const blobs = blobStoreOf(a.rt.store);
    const file = path.join(blobs.dir, e.sha256.slice(0, 2), e.sha256);
    const held = path.join(path.dirname(file), 'held-aside');
    fs.renameSync(file, held);
    await a.call('sync.now');
    expect(rejected(a)).toEqual([]);
    await b.call('sync.now');
    const there = (await b.call('evidence.list', { recordType: 'finding', recordId: finding.id })).items;
    expect(there).toHaveLength(1);
    expect(there[0]).toMatchObject({ fileName: 'door.jpg', size: photo.length, sha256: e.sha256, available: false });
    await expect(b.call('evidence.file', { id: e.id })).rejects.toThrow(/not yet downloaded/);

    fs.renameSync(held, file);
    await a.call('sync.now');
    expect(await server.store.blobSize(e.sha256)).toBe(photo.length);
    await b.call('sync.now');
    const now = (await b.call('evidence.list', { recordType: 'finding', recordId: finding.id })).items[0]!;
    expect(now.available).toBe(true);
    expect(Buffer.from((await b.call('evidence.file', { id: e.id })).content, 'base64').equals(photo)).toBe(true);
  });

  it('the finding, its links and its follow-up ticket are applied by the server and shown on both devices', async () => {
    const f = await a.call('findings.create', {
      kind: 'observation',
      title: 'Spare keys unlabelled',
      severity: 'low',
      links: [{ kind: 'asset', targetId: uuidv7() }],
    });
    const withTicket = await a.call('findings.openTicket', { id: f.id });
    await a.call('sync.now');
    expect(rejected(a)).toEqual([]);
    await b.call('sync.now');
    const onB = await b.call('findings.get', { id: f.id });
    expect(onB.ticketId).toBe(withTicket.ticketId);
    expect(onB.links).toHaveLength(1);
    expect((await b.call('findings.forTicket', { ticketId: withTicket.ticketId! })).items.map((x) => x.id)).toEqual([f.id]);
  });
});

describe('an auditor opens follow-up tickets and changes no ticket', () => {
  let admin: Actor;
  let auditor: Actor;
  beforeAll(async () => {
    admin = await signIn(server.url, ADMIN.username, ADMIN.password, 'admin');
    expect(
      (
        await admin.one({
          kind: 'create',
          entity: 'sites',
          recordId: 'site-aud',
          scopeId: 'global',
          payload: { name: 'Audit site', scope_id: 'global' },
        })
      ).status,
    ).toBe('applied');
    expect(
      (
        await post(
          server.url,
          '/auth/users',
          { username: 'aud', password: 'password123', role: 'auditor', sites: ['site-aud'] },
          admin.token,
        )
      ).status,
    ).toBe(200);
    auditor = await signIn(server.url, 'aud', 'password123', 'auditor');
  });

  const ticket = (extra: Record<string, unknown> = {}) => ({
    number: `INC${String(Math.floor(Math.random() * 8_000_000) + 1_000_000)}`,
    type: 'incident',
    title: 'Finding: door',
    description: '',
    impact: 2,
    urgency: 2,
    priority: 3,
    priority_overridden: 0,
    status: 'new',
    is_open: 1,
    requester_id: null,
    assignee_id: null,
    group_id: null,
    opened_at: new Date().toISOString(),
    scope_id: 'site-aud',
    ...extra,
  });

  it('accepts an auditor’s new unassigned ticket, refuses an edit of it and an assigned one', async () => {
    const id = uuidv7();
    expect((await auditor.one({ kind: 'create', entity: 'tickets', recordId: id, scopeId: 'site-aud', payload: ticket() })).status).toBe(
      'applied',
    );
    // The opening's status history, as the tickets service writes it.
    const opened = {
      ticket_id: id,
      actor_id: auditor.personId,
      kind: 'status',
      field: null,
      from_value: null,
      to_value: 'new',
      reason: null,
      scope_id: 'site-aud',
    };
    expect(
      (await auditor.one({ kind: 'append', entity: 'ticket_history', recordId: uuidv7(), scopeId: 'site-aud', payload: opened })).status,
    ).toBe('applied');
    const moved = await auditor.one({
      kind: 'append',
      entity: 'ticket_history',
      recordId: uuidv7(),
      scopeId: 'site-aud',
      payload: { ...opened, from_value: 'new', to_value: 'closed' },
    });
    expect(moved.status).toBe('rejected');
    const edit = await auditor.one({
      kind: 'setFields',
      entity: 'tickets',
      recordId: id,
      scopeId: 'site-aud',
      payload: { title: 'Changed' },
    });
    expect(edit.status).toBe('rejected');
    expect(edit.reason).toMatch(/Auditors open follow-up tickets/);
    const assigned = await auditor.one({
      kind: 'create',
      entity: 'tickets',
      recordId: uuidv7(),
      scopeId: 'site-aud',
      payload: ticket({ assignee_id: auditor.personId, status: 'assigned' }),
    });
    expect(assigned.status).toBe('rejected');
  });
});
