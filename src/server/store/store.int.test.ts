/**
 * One contract suite for both server stores (embedded SQLite, PostgreSQL): accounts and tokens,
 * idempotent pushes, validation, number uniqueness and leases, clamped clocks, commit-ordered pulls.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSqliteStore } from './sqlite';
import { openPgStore } from './pg';
import type { ServerStore } from './types';
import { authenticate, ensureAdmin, login, refresh } from '../auth';
import { HttpError, push, type PushAuth } from '../engine';
import type { WireOp } from '../../shared/sync/wire';
import { formatHlc } from '../../shared/hlc';
import { resetPg } from './reset';

const PG = process.env.OUTPOST_TEST_PG_URL;
if (!PG) console.log('store.int.test: OUTPOST_TEST_PG_URL is not set, so the PostgreSQL variant is skipped (CI sets it).');

const NOW = Date.parse('2026-03-01T10:00:00Z');
const hlc = (ms: number, c = 0) => formatHlc({ wall: ms, counter: c });

function ticketOp(seq: number, id: string, number: string, extra: Partial<WireOp> = {}): WireOp {
  return {
    opId: `op-${id}-${seq}`,
    deviceSeq: seq,
    hlc: hlc(NOW - 1000 + seq),
    schemaVersion: 1,
    kind: 'create',
    entity: 'tickets',
    recordId: id,
    scopeId: 'site-1',
    createdAt: new Date(NOW).toISOString(),
    payload: { number, type: 'incident', title: `Ticket ${id}`, description: '', impact: 3, urgency: 3, priority: 4, priority_overridden: 0, status: 'new', is_open: 1, opened_at: new Date(NOW).toISOString(), scope_id: 'site-1' },
    ...extra,
  };
}

for (const variant of ['sqlite', 'postgres'] as const) {
  describe.skipIf(variant === 'postgres' && !PG)(`server store contract (${variant})`, () => {
    let store: ServerStore;
    let dir: string;
    let auth: PushAuth;

    beforeAll(async () => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'outpost-store-'));
      if (variant === 'postgres') await resetPg(PG!);
      store = variant === 'postgres' ? await openPgStore(PG!) : openSqliteStore(dir);
      await store.migrate();
      await store.migrate(); // idempotent
      expect(await ensureAdmin(store, 'Admin', 'password123')).toBe('created');
      expect(await ensureAdmin(store, 'admin', 'password123')).toBe('exists');
      const t = await login(store, { username: 'admin', password: 'password123', deviceId: 'dev-a', deviceName: 'laptop A' }, NOW);
      auth = await authenticate(store, `Bearer ${t.accessToken}`, NOW);
    });
    afterAll(async () => {
      await store?.close();
      fs.rmSync(dir, { recursive: true, force: true });
    });

    it('signs in with scrypt passwords, rotates refresh tokens, and revokes devices', async () => {
      await expect(login(store, { username: 'admin', password: 'nope-nope', deviceId: 'dev-x', deviceName: 'x' }, NOW)).rejects.toThrow(/wrong/);
      const t = await login(store, { username: 'admin', password: 'password123', deviceId: 'dev-r', deviceName: 'r' }, NOW);
      await expect(authenticate(store, `Bearer ${t.accessToken}`, NOW + 16 * 60_000)).rejects.toMatchObject({ code: 'token_expired' });
      await expect(authenticate(store, `Bearer ${t.accessToken.slice(0, -2)}xx`, NOW)).rejects.toMatchObject({ status: 401 });
      const t1 = await refresh(store, t.refreshToken, NOW);
      expect((await authenticate(store, `Bearer ${t1.accessToken}`, NOW)).deviceId).toBe('dev-r');
      // Used once only: a second use ends the whole session (auth-attacks.int.test.ts covers it over HTTP).
      await expect(refresh(store, t.refreshToken, NOW)).rejects.toMatchObject({ code: 'session_revoked' });
      await expect(authenticate(store, `Bearer ${t1.accessToken}`, NOW)).rejects.toMatchObject({ code: 'session_revoked' });
      const t2 = await login(store, { username: 'admin', password: 'password123', deviceId: 'dev-r', deviceName: 'r' }, NOW);
      expect((await authenticate(store, `Bearer ${t2.accessToken}`, NOW)).deviceId).toBe('dev-r');
      await store.revokeDevice('dev-r');
      await expect(authenticate(store, `Bearer ${t2.accessToken}`, NOW)).rejects.toMatchObject({ code: 'device_revoked' });
      await expect(refresh(store, t2.refreshToken, NOW)).rejects.toMatchObject({ status: 401 });
    });

    it('applies a push once: a replayed batch gets the same answers and writes nothing new', async () => {
      const ops = [ticketOp(1, 't-1', 'INC0000001'), ticketOp(2, 't-2', 'INC0000002')];
      const req = { deviceId: 'dev-a', clientVersion: '0.1.0', schemaVersion: 1, cursor: 0, ops };
      const r1 = await push(store, auth, req, NOW);
      expect(r1.results.map((r) => r.status)).toEqual(['applied', 'applied']);
      const head = await store.headSeq();
      const r2 = await push(store, auth, req, NOW);
      expect(r2.results).toEqual(r1.results);
      expect(await store.headSeq()).toBe(head);
    });

    it('rejects bad ops with a reason and still acknowledges them; good ops in the batch apply', async () => {
      const bad: WireOp[] = [
        ticketOp(3, 't-3', 'INC0000003', { payload: { ...ticketOp(3, 't-3', 'INC0000003').payload, status: 'exploded' } }),
        { ...ticketOp(4, 'c-1', ''), kind: 'append', entity: 'ticket_comments', payload: { ticket_id: 'no-such-ticket', author_id: 'u', body: 'hi', internal: 0 } },
        { ...ticketOp(5, 't-1', ''), kind: 'transition', payload: { from: 'new', to: 'closed' } },
        { ...ticketOp(6, 'c-2', ''), kind: 'append', entity: 'ticket_comments', payload: { ticket_id: 't-1', author_id: 'u', body: 'kept', internal: 0 } },
      ];
      const r = await push(store, auth, { deviceId: 'dev-a', clientVersion: '0.1.0', schemaVersion: 1, cursor: 0, ops: bad }, NOW);
      expect(r.results.map((x) => x.status)).toEqual(['rejected', 'rejected', 'rejected', 'applied']);
      expect(r.results[0]!.reason).toMatch(/tickets.status/);
      expect(r.results[1]!.reason).toMatch(/not on the server/);
      expect(r.results[2]!.reason).toMatch(/cannot move to closed/);
    });

    it('refuses clients outside the version window with 426', async () => {
      await expect(push(store, auth, { deviceId: 'dev-a', clientVersion: '9', schemaVersion: 99, cursor: 0, ops: [] }, NOW)).rejects.toBeInstanceOf(HttpError);
      await expect(push(store, auth, { deviceId: 'dev-a', clientVersion: '9', schemaVersion: 99, cursor: 0, ops: [] }, NOW)).rejects.toMatchObject({ status: 426 });
    });

    it('keeps ticket numbers unique: a clashing number is replaced, leases never overlap', async () => {
      const tb = await login(store, { username: 'admin', password: 'password123', deviceId: 'dev-b', deviceName: 'laptop B' }, NOW);
      const authB = await authenticate(store, `Bearer ${tb.accessToken}`, NOW);
      const r = await push(store, authB, { deviceId: 'dev-b', clientVersion: '0.1.0', schemaVersion: 1, cursor: 0, ops: [ticketOp(1, 't-b1', 'INC0000001')] }, NOW);
      expect(r.results[0]!.status).toBe('merged');
      expect(r.results[0]!.reason).toMatch(/INC0000001 was already taken/);
      const page = await store.pull(null, 0, 1000);
      const nums = page.changes.filter((c) => c.entity === 'tickets').map((c) => c.data.number);
      expect(new Set(nums).size).toBe(nums.length);
      const l1 = (await store.lease('dev-a', 'INC', 100, 9_999_999))!;
      const l2 = (await store.lease('dev-b', 'INC', 100, 9_999_999))!;
      expect(l2.first).toBe(l1.last + 1);
      expect(l1.first).toBeGreaterThan(3);
      // A number inside another device's lease is replaced too.
      const r2 = await push(store, authB, { deviceId: 'dev-b', clientVersion: '0.1.0', schemaVersion: 1, cursor: 0, ops: [ticketOp(2, 't-b2', `INC${String(l1.first).padStart(7, '0')}`)] }, NOW);
      expect(r2.results[0]!.status).toBe('merged');
    });

    it('clamps a clock far ahead, flags it, and keeps syncing', async () => {
      const ahead = ticketOp(7, 't-future', 'INC0000900', { hlc: hlc(NOW + 24 * 3600_000) });
      const r = await push(store, auth, { deviceId: 'dev-a', clientVersion: '0.1.0', schemaVersion: 1, cursor: 0, ops: [ahead] }, NOW);
      expect(r.results[0]).toMatchObject({ status: 'applied', clamped: true });
      expect(r.serverHlc < hlc(NOW + 10 * 60_000)).toBe(true);
    });

    it('checks role and site scope at apply time', async () => {
      await store.createUser({ id: 'u-tech', username: 'tech1', passwordHash: await (await import('../auth')).hashPassword('password123'), role: 'technician', sites: ['site-1'], active: true });
      await store.createUser({ id: 'u-aud', username: 'aud1', passwordHash: await (await import('../auth')).hashPassword('password123'), role: 'auditor', sites: null, active: true });
      const tt = await login(store, { username: 'tech1', password: 'password123', deviceId: 'dev-t', deviceName: 't' }, NOW);
      const tech = await authenticate(store, `Bearer ${tt.accessToken}`, NOW);
      const ta = await login(store, { username: 'aud1', password: 'password123', deviceId: 'dev-au', deviceName: 'a' }, NOW);
      const aud = await authenticate(store, `Bearer ${ta.accessToken}`, NOW);
      const other = ticketOp(1, 't-s2', 'INC0000700', { scopeId: 'site-2', payload: { ...ticketOp(1, 't-s2', 'INC0000700').payload, scope_id: 'site-2' } });
      const r = await push(store, tech, { deviceId: 'dev-t', clientVersion: '0.1.0', schemaVersion: 1, cursor: 0, ops: [other, ticketOp(2, 't-s1', 'INC0000701')] }, NOW);
      expect(r.results.map((x) => x.status)).toEqual(['rejected', 'applied']);
      expect(r.results[0]!.reason).toMatch(/access to site site-2/);
      // An auditor may raise an unassigned ticket (a finding's follow-up) but never change one.
      const raised = ticketOp(1, 't-au', 'INC0000702');
      const assigned = ticketOp(2, 't-au2', 'INC0000703', { payload: { ...raised.payload, assignee_id: 'u-tech' } });
      const edit: WireOp = { ...ticketOp(3, 't-s1', 'INC0000701'), kind: 'setFields', payload: { title: 'Renamed by an auditor' } };
      const ra = await push(store, aud, { deviceId: 'dev-au', clientVersion: '0.1.0', schemaVersion: 1, cursor: 0, ops: [raised, assigned, edit] }, NOW);
      expect(ra.results.map((x) => x.status)).toEqual(['applied', 'rejected', 'rejected']);
      expect(ra.results[1]!.reason).toMatch(/Auditors cannot assign tickets/);
      expect(ra.results[2]!.reason).toMatch(/Auditors open follow-up tickets for findings; they do not change tickets/);
    });

    it('pulls in pages in change-log order with a cursor that never skips', async () => {
      const ops = Array.from({ length: 25 }, (_, i) => ticketOp(100 + i, `t-p${i}`, `INC${String(2000 + i).padStart(7, '0')}`));
      await push(store, auth, { deviceId: 'dev-a', clientVersion: '0.1.0', schemaVersion: 1, cursor: 0, ops }, NOW);
      const all: number[] = [];
      let cursor = 0;
      for (;;) {
        const p = await store.pull(null, cursor, 7);
        all.push(...p.changes.map((c) => c.seq));
        if (!p.hasMore) break;
        cursor = p.cursor;
      }
      expect(all).toEqual([...all].sort((x, y) => x - y));
      expect(new Set(all).size).toBe(all.length);
      expect(all[all.length - 1]).toBe(await store.headSeq());
      const scoped = await store.pull(['site-2'], 0, 100);
      expect(scoped.changes).toHaveLength(0);
    });
  });
}
