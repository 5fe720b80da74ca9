/**
 * A set member's add/remove clock is part of its state: an add over an add (membership unchanged)
 * must still be stored, or a concurrent remove ordered between the two wins on the server once the
 * later add has been acknowledged and dropped.
 */
import { describe, expect, it } from 'vitest';
import { applyOp, PRESENT, type OpLike } from './merge';
import { formatHlc } from '../hlc';

const st = (ms: number, dev: string) => `${formatHlc({ wall: ms, counter: 0 })}@${dev}`;
const never = () => false;
const member = (kind: 'setAdd' | 'setRemove'): OpLike => ({ kind, entity: 'group_members', recordId: 'gm1', scopeId: 'global', payload: { group_id: 'g', user_id: 'u' }, createdAt: 'x' });

describe('set member clocks', () => {
  it('stores the newer clock of an add over an add, so an older remove still loses', () => {
    const first = applyOp(null, member('setAdd'), { stamp: st(1000, 'A'), authorId: null, unseen: never });
    const again = applyOp(first.state, member('setAdd'), { stamp: st(3000, 'A'), authorId: null, unseen: never });
    expect(again.status).toBe('applied');
    expect(again.changed).toBe(true);
    expect(again.state!.fieldHlc[PRESENT]).toBe(st(3000, 'A'));
    // A remove made at 2000 on another device arrives after both adds: the add at 3000 wins.
    const remove = applyOp(again.state, member('setRemove'), { stamp: st(2000, 'B'), authorId: null, unseen: never });
    expect(remove.status).toBe('merged');
    expect(remove.state!.deletedHlc).toBeNull();
  });
});
