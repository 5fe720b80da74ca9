import { describe, expect, it } from 'vitest';
import {
  canTransition,
  DEFAULT_PRIORITY_MATRIX,
  formatNumber,
  isValidMatrix,
  LEVELS,
  NUMBER_RE,
  numberPrefix,
  priorityFor,
  TICKET_STATUSES,
  TRANSITIONS,
  transitionError,
  type PriorityMatrix,
  type TicketStatus,
} from './rules';

describe('priority matrix', () => {
  // ITIL's usual 3×3: impact (rows) × urgency (columns), 1 is highest.
  const expected: Record<string, number> = {
    '1,1': 1, '1,2': 2, '1,3': 3,
    '2,1': 2, '2,2': 3, '2,3': 4,
    '3,1': 3, '3,2': 4, '3,3': 4,
  };
  for (const impact of LEVELS)
    for (const urgency of LEVELS)
      it(`impact ${impact} × urgency ${urgency} → P${expected[`${impact},${urgency}`]}`, () => {
        expect(priorityFor(DEFAULT_PRIORITY_MATRIX, impact, urgency)).toBe(expected[`${impact},${urgency}`]);
      });

  it('uses a custom matrix cell by cell', () => {
    const custom: PriorityMatrix = [
      [4, 3, 2],
      [3, 2, 1],
      [1, 1, 1],
    ];
    for (const i of LEVELS) for (const u of LEVELS) expect(priorityFor(custom, i, u)).toBe(custom[i - 1]![u - 1]);
  });

  it('refuses impact or urgency outside the matrix', () => {
    expect(() => priorityFor(DEFAULT_PRIORITY_MATRIX, 0, 1)).toThrow(/No priority for impact 0/);
    expect(() => priorityFor(DEFAULT_PRIORITY_MATRIX, 1, 4)).toThrow(RangeError);
    expect(() => priorityFor(DEFAULT_PRIORITY_MATRIX, 4, 4)).toThrow(RangeError);
  });

  it('validates matrix shape and values', () => {
    expect(isValidMatrix(DEFAULT_PRIORITY_MATRIX)).toBe(true);
    expect(isValidMatrix([[1, 2, 3], [2, 3, 4]])).toBe(false);
    expect(isValidMatrix([[1, 2, 3], [2, 3, 4], [3, 4]])).toBe(false);
    expect(isValidMatrix([[1, 2, 3], [2, 3, 5], [3, 4, 4]])).toBe(false);
    expect(isValidMatrix([[1, 2, '3'], [2, 3, 4], [3, 4, 4]])).toBe(false);
    expect(isValidMatrix(null)).toBe(false);
    expect(isValidMatrix('[[1]]')).toBe(false);
  });
});

describe('status machine', () => {
  const base = { assigneeId: 'u1', groupId: null, reason: 'customer', resolutionCode: 'solved_permanently', resolutionNotes: 'Fixed it.' };
  const allowed: [TicketStatus, TicketStatus][] = [];
  const refused: [TicketStatus, TicketStatus][] = [];
  for (const from of TICKET_STATUSES)
    for (const to of TICKET_STATUSES) (from !== to && TRANSITIONS[from].includes(to) ? allowed : refused).push([from, to]);

  it('has the expected table', () => {
    expect(allowed.length).toBe(Object.values(TRANSITIONS).reduce((n, t) => n + t.length, 0));
    expect(TRANSITIONS.closed).toEqual([]);
    expect(TRANSITIONS.cancelled).toEqual([]);
    expect(canTransition('resolved', 'in_progress')).toBe(true); // reopen
    expect(canTransition('resolved', 'closed')).toBe(true);
    expect(canTransition('closed', 'in_progress')).toBe(false);
  });

  it.each(allowed)('allows %s → %s with the facts it needs', (from, to) => {
    expect(transitionError({ from, to, ...base })).toBeNull();
  });

  it.each(refused)('refuses %s → %s with a message', (from, to) => {
    const msg = transitionError({ from, to, ...base });
    expect(msg).toBeTruthy();
    if (from === to) expect(msg).toMatch(/^The ticket is already /);
    else if (TRANSITIONS[from].length === 0) expect(msg).toMatch(/\(it is final\)\.$/);
    else expect(msg).toMatch(/cannot move to .*\(allowed: /);
  });

  it('names the states in the refusal', () => {
    expect(transitionError({ from: 'new', to: 'closed', ...base })).toBe(
      'A new ticket cannot move to closed (allowed: Assigned, In progress, Pending, Resolved, Cancelled).',
    );
    expect(transitionError({ from: 'closed', to: 'in_progress', ...base })).toBe('A closed ticket cannot move to in progress (it is final).');
    expect(transitionError({ from: 'pending', to: 'pending', ...base })).toBe('The ticket is already pending.');
  });

  it('assigned needs an assignee or a group', () => {
    expect(transitionError({ from: 'new', to: 'assigned', assigneeId: null, groupId: null })).toBe('Set an assignee or a group before marking the ticket assigned.');
    expect(transitionError({ from: 'new', to: 'assigned', assigneeId: null, groupId: 'g1' })).toBeNull();
  });

  it('pending needs a known reason', () => {
    for (const reason of [undefined, null, '', 'holiday'])
      expect(transitionError({ from: 'in_progress', to: 'pending', assigneeId: 'u', groupId: null, reason })).toBe('Say why the ticket is pending: customer, vendor, change.');
    for (const reason of ['customer', 'vendor', 'change']) expect(transitionError({ from: 'in_progress', to: 'pending', assigneeId: 'u', groupId: null, reason })).toBeNull();
  });

  it('resolved needs a resolution code and notes', () => {
    const f = { from: 'in_progress' as const, to: 'resolved' as const, assigneeId: 'u', groupId: null };
    expect(transitionError({ ...f })).toBe('Choose a resolution code to resolve the ticket.');
    expect(transitionError({ ...f, resolutionCode: 'magic', resolutionNotes: 'x' })).toBe('Choose a resolution code to resolve the ticket.');
    expect(transitionError({ ...f, resolutionCode: 'duplicate' })).toBe('Write resolution notes to resolve the ticket.');
    expect(transitionError({ ...f, resolutionCode: 'duplicate', resolutionNotes: '   ' })).toBe('Write resolution notes to resolve the ticket.');
    expect(transitionError({ ...f, resolutionCode: 'duplicate', resolutionNotes: 'Same as INC0000001.' })).toBeNull();
  });

  it('reopen is resolved → in progress and needs nothing else', () => {
    expect(transitionError({ from: 'resolved', to: 'in_progress', assigneeId: null, groupId: null })).toBeNull();
  });
});

describe('numbers', () => {
  it('formats INC and REQ numbers with seven digits', () => {
    expect(numberPrefix('incident')).toBe('INC');
    expect(numberPrefix('request')).toBe('REQ');
    expect(formatNumber('INC', 1)).toBe('INC0000001');
    expect(formatNumber('REQ', 1234567)).toBe('REQ1234567');
    expect(NUMBER_RE.test('inc0000042')).toBe(true);
    expect(NUMBER_RE.test('INC42')).toBe(false);
  });
});
