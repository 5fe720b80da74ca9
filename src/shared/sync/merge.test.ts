/** The shared merge rules on their own: LWW per field, transitions, append-only, sets, deletes, long text. */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { applyOp, rebase, stampAfter, type OpLike, type RecordState } from './merge';
import { formatHlc } from '../hlc';
import { validateFields } from './entities';

const st = (ms: number, dev: string, c = 0) => `${formatHlc({ wall: ms, counter: c })}@${dev}`;
const never = () => false;
const always = () => true;

function ticket(status = 'new', stamp = st(1000, 'A')): RecordState {
  const data = { number: 'INC0000001', type: 'incident', title: 'Printer', description: 'jam', status, is_open: 1, priority: 3 };
  const fieldHlc: Record<string, string> = { scope_id: stamp };
  for (const k of Object.keys(data)) fieldHlc[k] = stamp;
  return { entity: 'tickets', id: 't1', scopeId: 's1', data, fieldHlc, deletedHlc: null, createdAt: 'x', updatedAt: 'x' };
}

const op = (kind: OpLike['kind'], payload: Record<string, unknown>, entity = 'tickets', recordId = 't1'): OpLike => ({ kind, entity, recordId, scopeId: 's1', payload, createdAt: 'y' });

describe('merge rules', () => {
  it('scalar fields are last-writer-wins per field, in any order', () => {
    const base = ticket();
    const a = op('setFields', { priority: 1 });
    const b = op('setFields', { priority: 2, title: 'Printer on fire' });
    const sa = st(2000, 'A');
    const sb = st(2000, 'B');
    const ab = applyOp(applyOp(base, a, { stamp: sa, authorId: null, unseen: never }).state, b, { stamp: sb, authorId: null, unseen: never }).state!;
    const ba = applyOp(applyOp(base, b, { stamp: sb, authorId: null, unseen: never }).state, a, { stamp: sa, authorId: null, unseen: never }).state!;
    expect(ab.data).toEqual(ba.data);
    expect(ab.data.priority).toBe(2); // same wall time: device B sorts after A
    expect(ab.fieldHlc.title).toBe(sb);
  });

  it('a status change applies only if allowed from the current state, else it is a conflict', () => {
    const ok = applyOp(ticket('new'), op('transition', { from: 'new', to: 'in_progress', fields: { status: 'in_progress', is_open: 1 } }), { stamp: st(900, 'B'), authorId: 'u', unseen: never });
    expect(ok.status).toBe('applied');
    expect(ok.state!.data.status).toBe('in_progress');
    // Applied even though its clock is older: ordered after what is already there.
    expect(ok.state!.fieldHlc.status! > st(1000, 'A')).toBe(true);
    const bad = applyOp(ticket('closed'), op('transition', { from: 'new', to: 'in_progress' }), { stamp: st(2000, 'B'), authorId: 'u', unseen: never });
    expect(bad.status).toBe('conflict');
    expect(bad.state!.data.status).toBe('closed');
    expect(bad.conflicts[0]).toMatchObject({ kind: 'transition', keptValue: 'closed', lostValue: 'in_progress' });
  });

  it('derives is_open from the status (a server-owned field)', () => {
    const r = applyOp(ticket('new'), op('transition', { from: 'new', to: 'cancelled', fields: { status: 'cancelled', is_open: 1 } }), { stamp: st(2000, 'B'), authorId: null, unseen: never });
    expect(r.state!.data.is_open).toBe(0);
  });

  it('append-only children never conflict: a replay is simply already there', () => {
    const c = op('append', { ticket_id: 't1', author_id: 'u', body: 'hi', internal: 0 }, 'ticket_comments', 'c1');
    const first = applyOp(null, c, { stamp: st(1, 'A'), authorId: null, unseen: never });
    expect(first.status).toBe('applied');
    const again = applyOp(first.state, c, { stamp: st(5, 'A'), authorId: null, unseen: never });
    expect(again).toMatchObject({ status: 'merged', changed: false, conflicts: [] });
  });

  it('set members carry their own add/remove clock', () => {
    const add = op('setAdd', { user_id: 'u', site_id: 's' }, 'user_sites', 'm1');
    const rem = op('setRemove', { user_id: 'u', site_id: 's' }, 'user_sites', 'm1');
    const x = applyOp(applyOp(null, rem, { stamp: st(5, 'B'), authorId: null, unseen: never }).state, add, { stamp: st(3, 'A'), authorId: null, unseen: never }).state!;
    const y = applyOp(applyOp(null, add, { stamp: st(3, 'A'), authorId: null, unseen: never }).state, rem, { stamp: st(5, 'B'), authorId: null, unseen: never }).state!;
    expect(x.deletedHlc).toBe(st(5, 'B'));
    expect(y.deletedHlc).toBe(st(5, 'B'));
  });

  it('a delete wins over a later edit, which becomes a conflict', () => {
    const del = applyOp(ticket(), op('delete', {}), { stamp: st(2000, 'A'), authorId: null, unseen: never }).state!;
    const edit = applyOp(del, op('setFields', { title: 'late' }), { stamp: st(3000, 'B'), authorId: 'u', unseen: never });
    expect(edit.status).toBe('conflict');
    expect(edit.state!.data.title).toBe('Printer');
    expect(edit.conflicts[0]).toMatchObject({ kind: 'deleted', keptValue: 'deleted' });
  });

  it('concurrent edits of long text keep the winner and record the loser', () => {
    const base = ticket();
    const won = applyOp(base, op('setFields', { description: 'from B' }), { stamp: st(3000, 'B'), authorId: null, unseen: never }).state!;
    const lost = applyOp(won, op('setFields', { description: 'from A' }), { stamp: st(2000, 'A'), authorId: 'ua', unseen: never });
    expect(lost.state!.data.description).toBe('from B');
    expect(lost.conflicts[0]).toMatchObject({ field: 'description', keptValue: 'from B', lostValue: 'from A', lostDevice: 'A' });
    // The later writer had not seen the other edit either: still a conflict, the earlier value is the loser.
    const later = applyOp(won, op('setFields', { description: 'from C' }), { stamp: st(4000, 'C'), authorId: null, unseen: always });
    expect(later.state!.data.description).toBe('from C');
    expect(later.conflicts[0]).toMatchObject({ keptValue: 'from C', lostValue: 'from B' });
    // Having seen it, no conflict.
    expect(applyOp(won, op('setFields', { description: 'from C' }), { stamp: st(4000, 'C'), authorId: null, unseen: never }).conflicts).toEqual([]);
  });

  it('rebase keeps the device’s newer unsent fields over the pulled state', () => {
    const server = ticket();
    const local = { ...ticket(), data: { ...ticket().data, title: 'mine' }, fieldHlc: { ...ticket().fieldHlc, title: st(5000, 'D') } };
    expect(rebase(server, local).data.title).toBe('mine');
    expect(rebase(server, null)).toBe(server);
  });

  it('stampAfter orders a write after the current stamp', () => {
    fc.assert(
      fc.property(fc.nat(2 ** 40), fc.nat(1000), fc.nat(2 ** 40), (w1, c1, w2) => {
        const cur = st(w1, 'X', c1);
        const next = stampAfter(cur, st(w2, 'Y'));
        return next > cur;
      }),
    );
  });

  it('validates values against the record type', () => {
    expect(validateFields('tickets', { status: 'nope' })).toMatch(/tickets.status/);
    expect(validateFields('tickets', { priority: 9 })).toMatch(/priority/);
    expect(validateFields('tickets', { bogus: 1 })).toMatch(/no field "bogus"/);
    expect(validateFields('tickets', { title: 'ok', status: 'new' })).toBeNull();
    // Every synced table has a rule (entity-rules.test.ts): anything else is refused.
    expect(validateFields('future_things', { label: 'x', count: 2 })).toMatch(/does not sync "future_things"/);
  });
});
