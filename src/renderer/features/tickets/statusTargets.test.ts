import { describe, expect, it } from 'vitest';
import { TICKET_STATUSES, TRANSITIONS } from '../../../shared/tickets/rules';
import { allowedTargets, commonTargets } from './StatusDialog';

describe('bulk status targets', () => {
  it('offers only moves every selected ticket allows', () => {
    expect(commonTargets(['new', 'assigned'])).toEqual(['in_progress', 'pending', 'resolved', 'cancelled']);
    expect(commonTargets(['assigned', 'resolved'])).toEqual(['in_progress']);
    expect(commonTargets(['in_progress', 'closed'])).toEqual([]);
    expect(commonTargets([])).toEqual([]);
  });

  it('for one status is exactly the state machine', () => {
    for (const s of TICKET_STATUSES) {
      expect(new Set(commonTargets([s, s]))).toEqual(new Set(TRANSITIONS[s]));
      expect(allowedTargets(null, [s])).toEqual(commonTargets([s]));
    }
  });
});
