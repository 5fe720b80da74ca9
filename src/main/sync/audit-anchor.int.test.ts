/**
 * The audit chain anchored with the server, over real HTTP: a device's trail rewritten by someone
 * who knows the hash algorithm (the chain recomputed, so its links hold) or cut at its newest
 * events is reported by audit.verify after a sync; an honest device verifies clean; the server
 * refuses a shorter anchor or another head at the same length from a modified client, and still
 * answers the push.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Sqlite from 'better-sqlite3';
import type Database from 'better-sqlite3';
import pg from 'pg';
import { openSqliteStore } from '../../server/store/sqlite';
import { ADMIN, serverLogin, serverPost, startDevice, startTestServer, type Device, type TestServer } from '../../testing/sync-harness';
import { uuidv7 } from '../../shared/ids';
import { eventHash, GENESIS } from '../services/core/audit';
import { ANCHOR_KEYS } from '../services/audit/anchor';
import { openCredentials } from './secret-box';
import type { AuditAnchorHistory, PushResponse } from '../../shared/sync/wire';

const PG = process.env.OUTPOST_TEST_PG_URL;

interface EventRow {
  seq: number;
  id: string;
  at: string;
  actorId: string | null;
  call: string;
  recordType: string;
  recordId: string | null;
  before: string | null;
  after: string | null;
}

/** What a forger who knows the algorithm does: change one event, then recompute every hash after it. */
function rewriteEvent(sqlite: Database.Database, seq: number, after: string): void {
  sqlite.prepare('UPDATE audit_events SET after = ? WHERE seq = ?').run(after, seq);
  const rows = sqlite
    .prepare('SELECT seq, id, at, actor_id AS actorId, call, record_type AS recordType, record_id AS recordId, before, after FROM audit_events ORDER BY seq')
    .all() as EventRow[];
  const set = sqlite.prepare('UPDATE audit_events SET prev_hash = ?, hash = ? WHERE seq = ?');
  let prev = GENESIS;
  sqlite.transaction(() => {
    for (const r of rows) {
      const hash = eventHash(prev, r);
      set.run(prev, hash, r.seq);
      prev = hash;
    }
  })();
}

const count = (d: Device) => d.rt.store.sqlite.prepare('SELECT count(*) FROM audit_events').pluck().get() as number;
const anchorOf = (d: Device) => JSON.parse(d.rt.store.sqlite.prepare('SELECT value FROM meta WHERE key = ?').pluck().get(ANCHOR_KEYS.anchor) as string) as { length: number; head: string; at: string };

/** The device's own server session, as a modified client holding the store would use it. */
function deviceSession(d: Device): { deviceId: string; token: string } {
  const sqlite = d.rt.store.sqlite;
  const stored = sqlite.prepare("SELECT value FROM meta WHERE key = 'sync.creds'").pluck().get() as string;
  const opened = openCredentials(null, stored);
  if (!opened.ok) throw new Error(opened.reason);
  return { deviceId: sqlite.prepare("SELECT value FROM meta WHERE key = 'device_id'").pluck().get() as string, token: opened.creds.accessToken };
}

async function rawPush(server: TestServer, s: { deviceId: string; token: string }, audit: { head: string; length: number }): Promise<{ status: number; value: PushResponse }> {
  const res = await fetch(`${server.url}/sync/push`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${s.token}` },
    body: JSON.stringify({ deviceId: s.deviceId, clientVersion: '0.1.0', schemaVersion: 1, cursor: 0, ops: [], audit }),
  });
  const body = (await res.json()) as { value: PushResponse };
  return { status: res.status, value: body.value };
}

for (const variant of ['sqlite', 'postgres'] as const) {
  describe.skipIf(variant === 'postgres' && !PG)(`the audit chain anchored with the server (${variant} store)`, () => {
    let server: TestServer;
    const devices: Device[] = [];
    let site: string;

    /** A device joined to the server with a few changes, synced: its trail is anchored. */
    async function syncedDevice(): Promise<Device> {
      const d = await startDevice();
      devices.push(d);
      await d.call('sync.join', { serverUrl: server.url, ...ADMIN });
      site = (await d.call('sites.list')).items[0]!.id;
      for (let i = 0; i < 4; i++) await d.call('tickets.create', { type: 'incident', title: `Printer ${i} jams`, siteId: site });
      await d.call('sync.now');
      return d;
    }

    beforeAll(async () => {
      server = await startTestServer({ pgUrl: variant === 'postgres' ? PG : undefined });
    });
    afterAll(async () => {
      for (const d of devices) d.close();
      await server?.close();
    });

    it('an honest device verifies clean, anchor included, and the server keeps what it acknowledged', async () => {
      const d = await syncedDevice();
      // A second sync anchors what the first one's pull added to the trail.
      await d.call('sync.now');
      const v = await d.call('audit.verify');
      expect(v.anchor.state).toBe('ok');
      expect(v.valid).toBe(true);
      expect(v.anchor.length).toBeGreaterThan(4);
      expect(v.anchor.length).toBeLessThanOrEqual(count(d));
      expect(v.anchor.message).toMatch(/^Matches what the server acknowledged on \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC/);

      const history = (await (await fetch(`${server.url}/sync/audit-anchors`, { headers: { authorization: `Bearer ${deviceSession(d).token}` } })).json()) as { value: AuditAnchorHistory };
      expect(history.value.anchors[0]).toMatchObject({ length: v.anchor.length, head: v.anchor.head });
      expect(history.value.anchors.length).toBeGreaterThanOrEqual(1);
    });

    it('a trail rewritten with its chain recomputed is reported against the anchor, and stays reported after the next sync', async () => {
      const d = await syncedDevice();
      const anchored = anchorOf(d);
      const sqlite = d.rt.store.sqlite;
      const target = sqlite.prepare("SELECT seq FROM audit_events WHERE call = 'tickets.create' ORDER BY seq LIMIT 1").pluck().get() as number;
      rewriteEvent(sqlite, target, JSON.stringify({ title: 'Nothing happened here' }));

      const v = await d.call('audit.verify');
      // The links hold (the forger recomputed them); only the anchor shows the rewrite.
      expect(v.firstBroken).toBeNull();
      expect(v.anchor.state).toBe('differs');
      expect(v.valid).toBe(false);
      expect(v.anchor.message).toContain(`Event ${anchored.length.toLocaleString('en-US')} differs from what the server acknowledged`);
      // An export made now says so too, instead of vouching for the rewritten trail.
      const csv = await d.call('audit.export', { format: 'csv' });
      expect(csv.chainValid).toBe(false);
      expect(csv.chainHead).toBeNull();
      expect(csv.content).toContain('Anchored with the server');
      expect(csv.content).toContain('differs from what the server acknowledged');

      // The next sync carries the rewritten chain: whatever the server answers, the evidence stays.
      await d.call('tickets.create', { type: 'incident', title: 'After the rewrite', siteId: site });
      await d.call('sync.now');
      expect((await d.call('sync.status')).pending).toBe(0);
      const again = await d.call('audit.verify');
      expect(again.anchor.state).toBe('differs');
      expect(again.anchor.length).toBe(anchored.length);
    });

    it('a cut tail is reported, the server refuses the shorter anchor, and sync carries on', async () => {
      const d = await syncedDevice();
      const anchored = anchorOf(d);
      const sqlite = d.rt.store.sqlite;
      // The newest events go, well below what the server acknowledged.
      const keep = anchored.length - 6;
      const cutFrom = sqlite.prepare('SELECT seq FROM audit_events ORDER BY seq LIMIT 1 OFFSET ?').pluck().get(keep) as number;
      sqlite.prepare('DELETE FROM audit_events WHERE seq >= ?').run(cutFrom);
      expect(count(d)).toBe(keep);

      const v = await d.call('audit.verify');
      expect(v.firstBroken).toBeNull();
      expect(v.anchor.state).toBe('cut');
      expect(v.valid).toBe(false);
      expect(v.anchor.message).toMatch(
        new RegExp(`^The trail was cut: the server acknowledged ${anchored.length.toLocaleString('en-US')} events on \\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2} UTC, this store holds ${keep.toLocaleString('en-US')}\\.$`),
      );

      // A new change still syncs; the server refuses the shorter chain and says so.
      const t = await d.call('tickets.create', { type: 'incident', title: 'After the cut', siteId: site });
      expect(count(d)).toBeLessThan(anchored.length);
      await d.call('sync.now');
      expect((await d.call('sync.status')).pending).toBe(0);
      expect((await server.store.readRecords([{ entity: 'tickets', id: t.id }])).size).toBe(1);
      const refused = JSON.parse(sqlite.prepare('SELECT value FROM meta WHERE key = ?').pluck().get(ANCHOR_KEYS.refused) as string) as { reason: string };
      expect(refused.reason).toMatch(/shorter than the server acknowledged/);
      const after = await d.call('audit.verify');
      expect(after.anchor.state).toBe('cut');
    });

    it('the server refuses a shorter anchor or another head at the same length from a modified client, over HTTP', async () => {
      // A modified client signed in as a device of its own, pushing hand-made anchors.
      const deviceId = uuidv7();
      const login = await serverPost(server, '/auth/login', { ...ADMIN, deviceId, deviceName: 'modified client' });
      const s = { deviceId, token: (login.body.value as { accessToken: string }).accessToken };
      const h = (c: string) => c.repeat(64);

      const first = await rawPush(server, s, { head: h('a'), length: 40 });
      expect(first.status).toBe(200);
      expect(first.value.auditAnchor).toMatchObject({ status: 'acknowledged', head: h('a'), length: 40 });
      const at = (first.value.auditAnchor as { at: string }).at;

      const shorter = await rawPush(server, s, { head: h('b'), length: 39 });
      expect(shorter.status).toBe(200);
      expect(shorter.value.results).toEqual([]);
      expect(shorter.value.auditAnchor).toMatchObject({ status: 'refused', last: { length: 40, head: h('a'), at } });
      expect(shorter.value.auditAnchor?.status === 'refused' && shorter.value.auditAnchor.reason).toMatch(/shorter than the server acknowledged: 40 events on .*, 39 now/);

      const other = await rawPush(server, s, { head: h('c'), length: 40 });
      expect(other.value.auditAnchor).toMatchObject({ status: 'refused', last: { length: 40, head: h('a') } });
      expect(other.value.auditAnchor?.status === 'refused' && other.value.auditAnchor.reason).toMatch(/^Event 40 of the audit trail differs from what the server acknowledged/);

      // The same anchor again is acknowledged as it was, at its first time.
      const same = await rawPush(server, s, { head: h('a'), length: 40 });
      expect(same.value.auditAnchor).toEqual({ status: 'acknowledged', head: h('a'), length: 40, at });

      const longer = await rawPush(server, s, { head: h('d'), length: 45 });
      expect(longer.value.auditAnchor).toMatchObject({ status: 'acknowledged', head: h('d'), length: 45 });

      // Refused anchors are not kept; acknowledged ones are, newest first, and the device can ask.
      const res = await fetch(`${server.url}/sync/audit-anchors`, { headers: { authorization: `Bearer ${s.token}` } });
      const history = ((await res.json()) as { value: AuditAnchorHistory }).value;
      expect(history).toEqual({ deviceId, anchors: [expect.objectContaining({ head: h('d'), length: 45 }), { head: h('a'), length: 40, at }] });

      // A malformed anchor is refused like any malformed push.
      const bad = await fetch(`${server.url}/sync/push`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${s.token}` },
        body: JSON.stringify({ deviceId, clientVersion: '0.1.0', schemaVersion: 1, cursor: 0, ops: [], audit: { head: 'not a hash', length: 3 } }),
      });
      expect(bad.status).toBe(400);
    });

    it('a store from before anchors gets their table when it opens', async () => {
      const anchor = { head: 'e'.repeat(64), length: 3 };
      const at = new Date().toISOString();
      if (variant === 'sqlite') {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'outpost-old-srv-'));
        try {
          const first = openSqliteStore(dir);
          await first.migrate();
          await first.close();
          const raw = new Sqlite(path.join(dir, 'outpost-server.db'));
          raw.exec('DROP TABLE audit_anchors');
          raw.close();
          const reopened = openSqliteStore(dir);
          await reopened.migrate();
          expect(await reopened.acknowledgeAuditAnchor('old-device', anchor, at)).toMatchObject({ ok: true });
          expect(await reopened.auditAnchors('old-device', 10)).toEqual([{ ...anchor, at }]);
          await reopened.close();
        } finally {
          fs.rmSync(dir, { recursive: true, force: true });
        }
      } else {
        const pool = new pg.Pool({ connectionString: PG });
        await pool.query('DROP TABLE audit_anchors');
        await pool.end();
        await server.store.migrate();
        expect(await server.store.acknowledgeAuditAnchor('old-device', anchor, at)).toMatchObject({ ok: true });
        expect(await server.store.auditAnchors('old-device', 10)).toEqual([{ ...anchor, at }]);
      }
    });

    it("another device's anchors are for administrators only", async () => {
      const d = await syncedDevice();
      const other = deviceSession(d).deviceId;
      const token = await serverLogin(server);
      const asAdmin = await fetch(`${server.url}/sync/audit-anchors?deviceId=${encodeURIComponent(other)}`, { headers: { authorization: `Bearer ${token}` } });
      expect(asAdmin.status).toBe(200);
      expect(((await asAdmin.json()) as { value: AuditAnchorHistory }).value.anchors.length).toBeGreaterThan(0);

      const created = await serverPost(server, '/auth/users', { username: `tech-${variant}`, password: 'password123', role: 'technician', sites: null }, token);
      expect(created.status).toBe(200);
      const techToken = await serverLogin(server, `tech-${variant}`, 'password123');
      const asTech = await fetch(`${server.url}/sync/audit-anchors?deviceId=${encodeURIComponent(other)}`, { headers: { authorization: `Bearer ${techToken}` } });
      expect(asTech.status).toBe(403);
    });
  });
}
