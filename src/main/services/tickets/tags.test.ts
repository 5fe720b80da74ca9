import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeWorld, writeFootprint, countRows, type World } from '../../testing';
import type { Actor } from '../core/context';
import { createTicket, getTicketDetail } from './tickets';
import { normaliseTag, tagTicket, untagTicket } from './tags';
import { unwatchTicket, watchTicket } from './watchers';
import { linkTickets, unlinkTickets } from './links';
import { listTickets } from './queue';
import { setRowId } from '../core/set-ids';
import { AppError } from '../../../shared/result';

let w: World;
let tech: Actor;
let req: Actor;
let auditor: Actor;

beforeEach(() => {
  w = makeWorld();
  tech = w.user('technician', 'tina');
  req = w.user('requester', 'rita');
  auditor = w.user('auditor', 'otto');
});
afterEach(() => w.dispose());

function err(fn: () => unknown): AppError {
  try {
    fn();
  } catch (e) {
    if (e instanceof AppError) return e;
    throw e;
  }
  throw new Error('expected an AppError');
}

const footprint = () => ({
  ...writeFootprint(w.store),
  ticket_tags: countRows(w.store, 'ticket_tags'),
  ticket_watchers: countRows(w.store, 'ticket_watchers'),
  ticket_links: countRows(w.store, 'ticket_links'),
});
const tagRows = (ticketId: string) =>
  w.store.sqlite.prepare('SELECT id, tag, tag_key AS key, deleted_hlc AS deleted FROM ticket_tags WHERE ticket_id = ?').all(ticketId) as { id: string; tag: string; key: string; deleted: string | null }[];
const lastOps = (n: number) =>
  w.store.sqlite.prepare("SELECT kind, entity, record_id AS recordId, scope_id AS scopeId FROM pending_ops WHERE entity = 'ticket_tags' ORDER BY device_seq DESC LIMIT ?").all(n) as {
    kind: string;
    entity: string;
    recordId: string;
    scopeId: string;
  }[];

describe('ticket tags', () => {
  it('normalises: trims, one space inside, compares lower-cased; refuses empty, long and comma tags', () => {
    expect(normaliseTag('  Printer   Jam ')).toEqual({ tag: 'Printer Jam', key: 'printer jam' });
    expect(err(() => normaliseTag('   ')).message).toMatch(/Type a tag/);
    expect(err(() => normaliseTag('x'.repeat(41))).message).toMatch(/at most 40/);
    expect(normaliseTag('x'.repeat(40)).key).toHaveLength(40);
    expect(err(() => normaliseTag('a,b')).message).toMatch(/commas/);
  });

  it('add, remove, re-add: one row with a deterministic id, a history entry, an audit event and an op each time', () => {
    const t = createTicket(w.ctx(tech), { type: 'incident', title: 'VPN drops' });
    const audits = () => countRows(w.store, 'audit_events');
    const a0 = audits();
    expect(tagTicket(w.ctx(tech), t.id, ' VPN ')).toEqual({ tags: ['VPN'] });
    const id = setRowId('ticket_tags', t.id, 'vpn');
    expect(tagRows(t.id)).toEqual([{ id, tag: 'VPN', key: 'vpn', deleted: null }]);
    expect(lastOps(1)).toEqual([{ kind: 'setAdd', entity: 'ticket_tags', recordId: id, scopeId: t.siteId }]);
    expect(audits()).toBe(a0 + 1);
    // The same tag again, in any case: nothing written.
    const before = footprint();
    expect(tagTicket(w.ctx(tech), t.id, 'vpn')).toEqual({ tags: ['VPN'] });
    expect(footprint()).toEqual(before);

    expect(untagTicket(w.ctx(w.admin), t.id, 'vPn')).toEqual({ tags: [] });
    expect(tagRows(t.id)[0]!.deleted).toBeTruthy();
    expect(lastOps(1)[0]).toMatchObject({ kind: 'setRemove', recordId: id });
    expect(tagTicket(w.ctx(tech), t.id, 'vpn')).toEqual({ tags: ['VPN'] });
    expect(tagRows(t.id)).toEqual([{ id, tag: 'VPN', key: 'vpn', deleted: null }]);
    expect(lastOps(1)[0]).toMatchObject({ kind: 'setAdd', recordId: id });
    expect(audits()).toBe(a0 + 3);

    const hist = w.store.sqlite.prepare("SELECT from_value AS f, to_value AS t FROM ticket_history WHERE ticket_id = ? AND field = 'tags' ORDER BY rowid").all(t.id);
    expect(hist).toEqual([
      { f: null, t: 'VPN' },
      { f: 'VPN', t: null },
      { f: null, t: 'VPN' },
    ]);
    expect(getTicketDetail(w.ctx(tech), t.id).tags).toEqual(['VPN']);
  });

  it('requesters and auditors cannot tag; bad input and unknown tickets are clear errors that write nothing', () => {
    const t = createTicket(w.ctx(req), { type: 'request', title: 'Monitor' });
    const before = footprint();
    expect(err(() => tagTicket(w.ctx(req), t.id, 'hardware')).code).toBe('forbidden');
    expect(err(() => tagTicket(w.ctx(auditor), t.id, 'hardware')).code).toBe('forbidden');
    expect(err(() => untagTicket(w.ctx(req), t.id, 'hardware')).code).toBe('forbidden');
    expect(err(() => tagTicket(w.ctx(tech), t.id, 'a,b')).code).toBe('invalid_input');
    expect(err(() => tagTicket(w.ctx(tech), t.id, '')).code).toBe('invalid_input');
    expect(err(() => tagTicket(w.ctx(tech), 'nope', 'x')).code).toBe('not_found');
    expect(footprint()).toEqual(before);
    // Removing a tag the ticket does not carry changes nothing.
    expect(untagTicket(w.ctx(tech), t.id, 'absent')).toEqual({ tags: [] });
    expect(footprint()).toEqual(before);
  });

  it('the queue filters by tag through the (tag_key, ticket_id) index', () => {
    const a = createTicket(w.ctx(tech), { type: 'incident', title: 'a' });
    const b = createTicket(w.ctx(tech), { type: 'incident', title: 'b' });
    createTicket(w.ctx(tech), { type: 'incident', title: 'c' });
    tagTicket(w.ctx(tech), a.id, 'Printer');
    tagTicket(w.ctx(tech), b.id, 'network');
    tagTicket(w.ctx(tech), b.id, 'printer');
    untagTicket(w.ctx(tech), b.id, 'network');
    const ids = (tag: string[]) => listTickets(w.ctx(tech), { view: 'all', filter: { tag }, limit: 50 }).items.map((r) => r.id).sort();
    expect(ids(['PRINTER'])).toEqual([a.id, b.id].sort());
    expect(ids(['network'])).toEqual([]);
    expect(ids(['network', 'printer'])).toEqual([a.id, b.id].sort());
    const plan = w.store.sqlite
      .prepare("EXPLAIN QUERY PLAN SELECT ticket_id FROM ticket_tags WHERE tag_key IN ('printer') AND deleted_hlc IS NULL")
      .all() as { detail: string }[];
    expect(plan.map((p) => p.detail).join(' ')).toMatch(/ticket_tags_key_idx/);
  });
});

describe('ticket watchers', () => {
  it('anyone who can see the ticket may watch and unwatch themselves; staff may add others', () => {
    const t = createTicket(w.ctx(req), { type: 'request', title: 'Monitor' });
    expect(watchTicket(w.ctx(req), t.id).watchers.map((x) => x.userId)).toEqual([req.id]);
    expect(watchTicket(w.ctx(tech), t.id, auditor.id).watchers.map((x) => x.userId).sort()).toEqual([req.id, auditor.id].sort());
    expect(unwatchTicket(w.ctx(auditor), t.id).watchers.map((x) => x.userId)).toEqual([req.id]);
    expect(watchTicket(w.ctx(auditor), t.id).watchers).toHaveLength(2);
    const rows = w.store.sqlite.prepare('SELECT id FROM ticket_watchers WHERE ticket_id = ?').pluck().all(t.id);
    expect(rows.sort()).toEqual([setRowId('ticket_watchers', t.id, req.id), setRowId('ticket_watchers', t.id, auditor.id)].sort());
    expect(getTicketDetail(w.ctx(req), t.id).watchers.map((x) => x.displayName).sort()).toEqual(['Auditor otto', 'Requester rita']);
  });

  it('refuses adding others (non-staff), unknown users and unseen tickets, writing nothing', () => {
    const other = w.user('requester', 'ruth');
    const t = createTicket(w.ctx(req), { type: 'request', title: 'Monitor' });
    const before = footprint();
    expect(err(() => watchTicket(w.ctx(req), t.id, tech.id)).code).toBe('forbidden');
    expect(err(() => watchTicket(w.ctx(tech), t.id, 'no-such-user')).code).toBe('invalid_input');
    expect(err(() => watchTicket(w.ctx(other), t.id)).code).toBe('not_found');
    expect(footprint()).toEqual(before);
  });
});

describe('ticket links', () => {
  it('one row per link (relates either way is the same), shown on both tickets; remove and re-add reuse it', () => {
    const a = createTicket(w.ctx(tech), { type: 'incident', title: 'a' });
    const b = createTicket(w.ctx(tech), { type: 'incident', title: 'b' });
    expect(linkTickets(w.ctx(tech), a.id, b.id, 'duplicates').links).toMatchObject([{ kind: 'duplicates', outgoing: true, otherId: b.id, otherNumber: b.number }]);
    expect(getTicketDetail(w.ctx(tech), b.id).links).toMatchObject([{ kind: 'duplicates', outgoing: false, otherId: a.id }]);
    linkTickets(w.ctx(tech), b.id, a.id, 'relates');
    linkTickets(w.ctx(tech), a.id, b.id, 'relates');
    expect(countRows(w.store, 'ticket_links')).toBe(2);
    const [lo, hi] = a.id < b.id ? [a.id, b.id] : [b.id, a.id];
    expect(w.store.sqlite.prepare("SELECT id FROM ticket_links WHERE kind = 'relates'").pluck().get()).toBe(setRowId('ticket_links', lo, hi, 'relates'));
    expect(unlinkTickets(w.ctx(tech), a.id, b.id, 'relates').links).toHaveLength(1);
    expect(linkTickets(w.ctx(tech), b.id, a.id, 'relates').links).toHaveLength(2);
    expect(countRows(w.store, 'ticket_links')).toBe(2);
  });

  it('refuses self-links, unknown tickets and requesters, writing nothing', () => {
    const a = createTicket(w.ctx(tech), { type: 'incident', title: 'a' });
    const b = createTicket(w.ctx(tech), { type: 'incident', title: 'b' });
    const before = footprint();
    expect(err(() => linkTickets(w.ctx(tech), a.id, a.id, 'relates')).message).toMatch(/itself/);
    expect(err(() => linkTickets(w.ctx(tech), a.id, 'nope', 'relates')).code).toBe('invalid_input');
    expect(err(() => linkTickets(w.ctx(req), a.id, b.id, 'relates')).code).toBe('forbidden');
    expect(footprint()).toEqual(before);
  });
});
