import { describe, expect, it } from 'vitest';
import { parseQueueQuery, queueQuery, type Persisted } from './queue';

const G = '0192f1c2-7a3b-7c4d-8e5f-0123456789ab';

describe('queue state in the URL', () => {
  it('writes a readable, stable query and reads it back', () => {
    const s: Persisted = {
      view: 'unassigned',
      savedViewId: null,
      filter: { status: ['new', 'assigned'], priority: [1, 2], assigneeId: [null, G], text: 'printer, 3rd floor' },
      sort: 'oldest',
    };
    const q = queueQuery(s);
    expect(q).toBe(`view=unassigned&status=new,assigned&priority=1,2&assignee=none,${G}&q=printer%2C%203rd%20floor&sort=oldest`);
    expect(parseQueueQuery(new URLSearchParams(q))).toEqual(s);
  });

  it('says "none in the URL" so the stored state is used', () => {
    expect(parseQueueQuery(new URLSearchParams(''))).toBeNull();
    expect(parseQueueQuery(new URLSearchParams('unrelated=1'))).toBeNull();
  });

  it('drops each bad part of a hand-edited link on its own', () => {
    const p = parseQueueQuery(new URLSearchParams('view=nope&status=new,bogus&priority=9&group=not-an-id&type=incident&sort=sideways'));
    expect(p).toEqual({ view: 'all_open', savedViewId: null, filter: { type: ['incident'] }, sort: null });
  });
});
