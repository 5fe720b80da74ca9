import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeWorld, writeFootprint, type World } from '../../testing';
import type { Actor } from './context';
import { write } from './write';
import { verifyChain } from './audit';
import { currentClock, deviceId } from './ops';
import { commentTicket, createTicket, transitionTicket, updateTicket, worklogTicket } from '../tickets/tickets';
import { createGroup, updateGroup } from '../directory/groups';
import { createSite, updateSite } from '../directory/sites';
import { updateUser } from '../directory/users';
import { saveView, deleteView } from '../tickets/views';
import { updateSettings } from '../settings/settings';
import { parseHlc } from '../../../shared/hlc';

let w: World;
let tech: Actor;

beforeEach(() => {
  w = makeWorld();
  tech = w.user('technician', 'tina');
});
afterEach(() => w.dispose());

const auditCount = () => w.store.sqlite.prepare('SELECT count(*) FROM audit_events').pluck().get() as number;
const ops = () =>
  w.store.sqlite.prepare('SELECT device_id AS deviceId, device_seq AS seq, hlc, kind, entity, record_id AS recordId FROM pending_ops ORDER BY device_seq').all() as {
    deviceId: string;
    seq: number;
    hlc: string;
    kind: string;
    entity: string;
    recordId: string;
  }[];

describe('audit trail', () => {
  it('every mutation appends at least one event, and the chain verifies', () => {
    const c = w.ctx(tech, 'test.mutation');
    const a = w.ctx(w.admin, 'test.mutation');
    const mutations: [string, () => unknown][] = [];
    let ticketId = '';
    let groupId = '';
    let siteId = '';
    let viewId = '';
    mutations.push(['tickets.create', () => (ticketId = createTicket(c, { type: 'incident', title: 'x' }).id)]);
    mutations.push(['tickets.update', () => updateTicket(c, ticketId, { title: 'y' })]);
    mutations.push(['tickets.transition', () => transitionTicket(c, ticketId, { to: 'in_progress' })]);
    mutations.push(['tickets.comment', () => commentTicket(c, ticketId, 'hello', false)]);
    mutations.push(['tickets.worklog', () => worklogTicket(c, ticketId, 10, 'x')]);
    mutations.push(['groups.create', () => (groupId = createGroup(a, { name: 'G' }).id)]);
    mutations.push(['groups.update', () => updateGroup(a, groupId, { memberIds: [tech.id] })]);
    mutations.push(['sites.create', () => (siteId = createSite(a, { name: 'S' }).id)]);
    mutations.push(['sites.update', () => updateSite(a, siteId, { code: 'S1' })]);
    mutations.push(['users.update', () => updateUser(a, tech.id, { displayName: 'Tina T' })]);
    mutations.push(['views.save', () => (viewId = saveView(c, { name: 'v', base: 'all', filter: {}, sort: 'newest' }).id)]);
    mutations.push(['views.delete', () => deleteView(c, viewId)]);
    mutations.push(['settings.update', () => updateSettings(a, { organisation: 'Acme IT' })]);
    for (const [name, fn] of mutations) {
      const before = auditCount();
      fn();
      expect(auditCount(), name).toBeGreaterThan(before);
    }
    const v = verifyChain(w.store.sqlite);
    expect(v).toMatchObject({ valid: true, firstBroken: null, count: auditCount() });
    const last = w.store.sqlite.prepare('SELECT hash FROM audit_events ORDER BY seq DESC LIMIT 1').pluck().get();
    expect(v.head).toBe(last);
    const ev = w.store.sqlite.prepare("SELECT actor_id AS actorId, call, record_type AS recordType, before, after FROM audit_events WHERE record_id = ? ORDER BY seq").all(ticketId) as { actorId: string; call: string; recordType: string; before: string | null; after: string }[];
    expect(ev[1]).toEqual({ actorId: tech.id, call: 'test.mutation', recordType: 'ticket', before: JSON.stringify({ title: 'x' }), after: JSON.stringify({ title: 'y' }) });
  });

  it('detects tampering at the seq of the edited row', () => {
    for (let i = 0; i < 5; i++) createTicket(w.ctx(tech), { type: 'incident', title: `t${i}` });
    const seqs = w.store.sqlite.prepare('SELECT seq FROM audit_events ORDER BY seq').pluck().all() as number[];
    const target = seqs[Math.floor(seqs.length / 2)]!;
    w.store.sqlite.prepare(`UPDATE audit_events SET after = '{"title":"forged"}' WHERE seq = ?`).run(target);
    expect(verifyChain(w.store.sqlite)).toMatchObject({ valid: false, firstBroken: target, head: null });
  });

  it('detects a deleted event at the next seq', () => {
    for (let i = 0; i < 3; i++) createTicket(w.ctx(tech), { type: 'incident', title: `t${i}` });
    const seqs = w.store.sqlite.prepare('SELECT seq FROM audit_events ORDER BY seq').pluck().all() as number[];
    w.store.sqlite.prepare('DELETE FROM audit_events WHERE seq = ?').run(seqs[2]);
    expect(verifyChain(w.store.sqlite).firstBroken).toBe(seqs[3]);
  });
});

describe('pending ops', () => {
  it('have a gapless device sequence, one device, and rising clocks', () => {
    const c = w.ctx(tech);
    const t = createTicket(c, { type: 'incident', title: 'x' });
    updateTicket(c, t.id, { title: 'y', impact: 1 });
    transitionTicket(c, t.id, { to: 'in_progress' });
    commentTicket(c, t.id, 'note', false);
    const all = ops();
    expect(all.map((o) => o.seq)).toEqual(all.map((_, i) => i + 1));
    expect(new Set(all.map((o) => o.deviceId))).toEqual(new Set([deviceId(w.store.sqlite)]));
    for (let i = 1; i < all.length; i++) expect(all[i]!.hlc >= all[i - 1]!.hlc).toBe(true);
    expect(all[all.length - 1]!.hlc).toBe(w.store.sqlite.prepare("SELECT value FROM meta WHERE key = 'hlc'").pluck().get());
    expect(parseHlc(all[all.length - 1]!.hlc)).toEqual(currentClock(w.store.sqlite));
  });

  it('each change writes its ops in the same transaction, with one stamp per write', () => {
    const c = w.ctx(tech);
    const t = createTicket(c, { type: 'incident', title: 'x' });
    const create = ops().filter((o) => o.recordId === t.id || o.entity === 'ticket_history');
    expect(create.map((o) => `${o.kind}:${o.entity}`)).toEqual(['create:tickets', 'append:ticket_history']);
    expect(create[0]!.hlc).toBe(create[1]!.hlc);
    const n = ops().length;
    updateTicket(c, t.id, { title: 'y' });
    const after = ops().slice(n);
    expect(after.map((o) => `${o.kind}:${o.entity}`)).toEqual(['setFields:tickets', 'append:ticket_history']);
    const fieldHlc = JSON.parse(w.store.sqlite.prepare('SELECT field_hlc FROM tickets WHERE id = ?').pluck().get(t.id) as string) as Record<string, string>;
    expect(fieldHlc.title!.startsWith(after[0]!.hlc + '@')).toBe(true);
  });

  it('a failing write leaves neither row, op, audit event nor sequence gap', () => {
    const c = w.ctx(tech);
    createTicket(c, { type: 'incident', title: 'x' });
    const before = writeFootprint(w.store);
    const seqBefore = w.store.sqlite.prepare("SELECT value FROM meta WHERE key = 'device_seq'").pluck().get();
    expect(() =>
      write(c, (wr) => {
        w.store.sqlite.prepare("INSERT INTO sites (id, scope_id, created_at, updated_at, name) VALUES ('s-x', 'global', ?, ?, 'Doomed')").run(wr.now, wr.now);
        wr.op({ kind: 'create', entity: 'sites', recordId: 's-x', scopeId: 'global', payload: {} });
        wr.audit('site', 's-x', null, {});
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(writeFootprint(w.store)).toEqual(before);
    expect(w.store.sqlite.prepare("SELECT value FROM meta WHERE key = 'device_seq'").pluck().get()).toBe(seqBefore);
    // The in-memory sequence must not have moved either: the next op follows on without a gap.
    createTicket(c, { type: 'incident', title: 'after' });
    const all = ops();
    expect(all.map((o) => o.seq)).toEqual(all.map((_, i) => i + 1));
  });

  it('writes in parts of the caller’s open transaction: each its own stamp, and a failing part rolls back with the whole', () => {
    const c = w.ctx(tech);
    createTicket(c, { type: 'incident', title: 'x' });
    const before = writeFootprint(w.store);
    const sqlite = w.store.sqlite;
    const site = (id: string) => (wr: { now: string; op: (o: { kind: 'create'; entity: string; recordId: string; scopeId: string; payload: unknown }) => void }) => {
      sqlite.prepare("INSERT INTO sites (id, scope_id, created_at, updated_at, name) VALUES (?, 'global', ?, ?, ?)").run(id, wr.now, wr.now, id);
      wr.op({ kind: 'create', entity: 'sites', recordId: id, scopeId: 'global', payload: {} });
    };
    expect(() => write(c, site('s-alone'), { inOpenTransaction: true })).toThrow(/opens the transaction/);
    sqlite.exec('BEGIN IMMEDIATE');
    write(c, site('s-1'), { auditOps: true, inOpenTransaction: true });
    write(c, site('s-2'), { auditOps: true, inOpenTransaction: true });
    expect(sqlite.inTransaction).toBe(true);
    const parts = ops().filter((o) => o.recordId.startsWith('s-'));
    expect(parts.map((o) => o.recordId)).toEqual(['s-1', 's-2']);
    expect(parts[0]!.hlc < parts[1]!.hlc).toBe(true);
    expect(() =>
      write(
        c,
        (wr) => {
          site('s-3')(wr);
          throw new Error('boom');
        },
        { auditOps: true, inOpenTransaction: true },
      ),
    ).toThrow('boom');
    sqlite.exec('ROLLBACK');
    expect(writeFootprint(w.store)).toEqual(before);
    createTicket(c, { type: 'incident', title: 'after' });
    const all = ops();
    expect(all.map((o) => o.seq)).toEqual(all.map((_, i) => i + 1));
    expect(verifyChain(sqlite).valid).toBe(true);
  });

  it('a refused ticket change leaves neither row nor op', () => {
    const c = w.ctx(tech);
    const t = createTicket(c, { type: 'incident', title: 'x' });
    const before = writeFootprint(w.store);
    expect(() => transitionTicket(c, t.id, { to: 'closed' })).toThrow();
    expect(() => updateTicket(c, t.id, { assigneeId: '0190a0a0-0000-7000-8000-000000000000' })).toThrow(/No such assignee/);
    expect(writeFootprint(w.store)).toEqual(before);
  });
});
