import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { appErrorOf, makeWorld, type World } from '../../testing';
import type { Actor } from '../core/context';
import { createGroup } from '../directory/groups';
import { createSite } from '../directory/sites';
import { createAsset } from '../assets/assets';
import { createProblem, getProblem } from '../problems/problems';
import { listAlerts } from '../alerts/alerts';
import { changeCalendar, changesAwaitingApprovalBy, createChange, getChange, linkChangeAsset, listChanges, moveChange, setApprovalPolicy, updateChange, voteChange } from './changes';

let w: World;
let tech: Actor;
let cab: Actor;
let cab2: Actor;

beforeEach(() => {
  w = makeWorld();
  tech = w.user('technician', 'tina');
  cab = w.user('technician', 'carl');
  cab2 = w.user('technician', 'cleo');
  const g = createGroup(w.ctx(w.admin), { name: 'Change board', memberIds: [cab.id, cab2.id] });
  setApprovalPolicy(w.ctx(w.admin), { groupId: g.id, quorum: { normal: 2, emergency: 1 } });
});
afterEach(() => w.dispose());

const err = appErrorOf;

const plan = { windowStart: '2026-03-07T22:00:00.000Z', windowEnd: '2026-03-08T02:00:00.000Z', backoutPlan: 'Restore the snapshot taken before.' };

describe('changes', () => {
  it('are numbered CHG0000001, start as drafts and name the problem they fix', () => {
    const c = w.ctx(tech);
    const p = createProblem(c, { title: 'Core switch reboots' });
    const ch = createChange(c, { type: 'normal', title: 'Upgrade the core switch firmware', problemId: p.id, ...plan });
    expect(ch.number).toBe('CHG0000001');
    expect(ch.status).toBe('draft');
    expect(ch.problems.map((x) => x.number)).toEqual([p.number]);
    expect(getProblem(c, p.id).fixChange).toMatchObject({ id: ch.id, number: 'CHG0000001' });
  });

  it('follow the status machine: approval needs a window and a back-out plan, scheduling comes from votes only', () => {
    const c = w.ctx(tech);
    const ch = createChange(c, { type: 'normal', title: 'Replace the firewall' });
    expect(err(() => moveChange(c, { id: ch.id, to: 'implementing' })).message).toBe('A draft change cannot move to implementing.');
    moveChange(c, { id: ch.id, to: 'assessment' });
    expect(err(() => moveChange(c, { id: ch.id, to: 'awaiting_approval' })).message).toMatch(/schedule window/);
    updateChange(c, { id: ch.id, ...plan });
    const waiting = moveChange(c, { id: ch.id, to: 'awaiting_approval' });
    expect(waiting.status).toBe('awaiting_approval');
    expect(waiting.tally).toEqual({ approvals: 0, rejections: 0, quorum: 2 });
    expect(err(() => moveChange(c, { id: ch.id, to: 'scheduled' })).message).toBe('The change is scheduled by its approvals: 0 of 2 given.');
    expect(err(() => updateChange(c, { id: ch.id, type: 'standard' })).message).toBe('The type of a change is fixed once it goes for approval.');
    // Only approvers vote: administrators and the change board.
    expect(err(() => voteChange(c, { id: ch.id, decision: 'approve' })).code).toBe('forbidden');
    const one = voteChange(w.ctx(cab), { id: ch.id, decision: 'approve', comment: 'Plan is sound.' });
    expect(one.status).toBe('awaiting_approval');
    const two = voteChange(w.ctx(w.admin), { id: ch.id, decision: 'approve' });
    expect(two.status).toBe('scheduled');
    expect(two.moves).toEqual(['implementing', 'cancelled']);
    expect(moveChange(c, { id: ch.id, to: 'implementing' }).status).toBe('implementing');
    expect(moveChange(c, { id: ch.id, to: 'review' }).status).toBe('review');
    expect(moveChange(c, { id: ch.id, to: 'closed' }).status).toBe('closed');
  });

  it('a rejection rejects; a second vote by the same approver supersedes the first', () => {
    const c = w.ctx(tech);
    const ch = createChange(c, { type: 'normal', title: 'Move the file server', ...plan });
    moveChange(c, { id: ch.id, to: 'assessment' });
    moveChange(c, { id: ch.id, to: 'awaiting_approval' });
    expect(err(() => voteChange(w.ctx(cab), { id: ch.id, decision: 'reject' })).message).toBe('Say why the change is rejected.');
    expect(voteChange(w.ctx(cab), { id: ch.id, decision: 'reject', comment: 'No back-out test.' }).status).toBe('rejected');
    w.clock.advance(60_000);
    voteChange(w.ctx(cab), { id: ch.id, decision: 'approve', comment: 'Back-out tested now.' });
    const after = voteChange(w.ctx(cab2), { id: ch.id, decision: 'approve' });
    expect(after.status).toBe('scheduled');
    expect(after.tally).toEqual({ approvals: 2, rejections: 0, quorum: 2 });
    expect(after.votes.map((v) => [v.approverName, v.decision, v.superseded])).toEqual([
      ['Technician carl', 'reject', true],
      ['Technician carl', 'approve', false],
      ['Technician cleo', 'approve', false],
    ]);
  });

  it('standard changes need no approval; emergency changes need their own quorum', () => {
    const c = w.ctx(tech);
    const std = createChange(c, { type: 'standard', title: 'Add a printer queue', ...plan });
    expect(moveChange(c, { id: std.id, to: 'scheduled' }).status).toBe('scheduled');
    expect(err(() => voteChange(w.ctx(cab), { id: std.id, decision: 'approve' })).message).toMatch(/pre-approved/);
    const em = createChange(c, { type: 'emergency', title: 'Patch the VPN gateway', ...plan });
    moveChange(c, { id: em.id, to: 'assessment' });
    moveChange(c, { id: em.id, to: 'awaiting_approval' });
    expect(voteChange(w.ctx(cab2), { id: em.id, decision: 'approve' }).status).toBe('scheduled');
  });

  it('warns of collisions: the same site or a shared asset in overlapping windows, not adjacent ones nor finished changes', () => {
    const c = w.ctx(tech);
    const other = createSite(w.ctx(w.admin), { name: 'Depot' }).id;
    const sw = createAsset(w.ctx(w.admin), { tag: 'SW-01', name: 'Core switch', type: 'network' });
    const a = createChange(c, { type: 'standard', title: 'Firmware on the core switch', windowStart: '2026-03-07T22:00:00.000Z', windowEnd: '2026-03-08T02:00:00.000Z', assetIds: [sw.id] });
    const b = createChange(c, { type: 'normal', title: 'Re-cable the server room', windowStart: '2026-03-08T01:00:00.000Z', windowEnd: '2026-03-08T03:00:00.000Z' });
    const adjacent = createChange(c, { type: 'normal', title: 'Swap the UPS batteries', windowStart: '2026-03-08T02:00:00.000Z', windowEnd: '2026-03-08T04:00:00.000Z' });
    const elsewhere = createChange(w.ctx(w.admin), { type: 'normal', title: 'Depot switch uses the spare', siteId: other, windowStart: '2026-03-07T23:00:00.000Z', windowEnd: '2026-03-08T00:00:00.000Z' });
    const elsewhereApart = createChange(w.ctx(w.admin), { type: 'normal', title: 'Depot Wi-Fi survey', siteId: other, windowStart: '2026-03-07T23:00:00.000Z', windowEnd: '2026-03-08T00:00:00.000Z' });

    const got = getChange(c, a.id);
    expect(got.collisions.map((x) => [x.number, x.sameSite, x.assetTags])).toEqual([[b.number, true, []]]);
    // The depot change borrows the core switch: now it collides by asset though in another site.
    linkChangeAsset(w.ctx(w.admin), { id: elsewhere.id, assetId: sw.id, present: true });
    expect(getChange(c, a.id).collisions.map((x) => [x.number, x.sameSite, x.assetTags]).sort()).toEqual([
      [b.number, true, []],
      [elsewhere.number, false, ['SW-01']],
    ]);
    expect(getChange(c, adjacent.id).collisions.map((x) => x.number)).toEqual([b.number]);
    expect(getChange(c, elsewhereApart.id).collisions.map((x) => x.number)).toEqual([elsewhere.number]);
    // A cancelled change holds no window.
    moveChange(c, { id: b.id, to: 'cancelled' });
    expect(getChange(c, a.id).collisions.map((x) => x.number)).toEqual([elsewhere.number]);

    const cal = changeCalendar(c, { from: '2026-03-02T00:00:00.000Z', to: '2026-03-09T00:00:00.000Z' });
    expect(cal.items.map((i) => i.number)).toEqual([a.number, elsewhere.number, elsewhereApart.number, adjacent.number]);
    expect(listChanges(c, { status: ['cancelled'], limit: 50, offset: 0 }).items.map((i) => i.number)).toEqual([b.number]);
  });

  it('refuses a window that ends before it starts, and auditors as writers', () => {
    expect(err(() => createChange(w.ctx(tech), { type: 'normal', title: 'X', windowStart: '2026-03-08T02:00:00.000Z', windowEnd: '2026-03-08T01:00:00.000Z' })).message).toBe('The window ends after it starts.');
    const auditor = w.user('auditor', 'aud');
    expect(err(() => createChange(w.ctx(auditor), { type: 'normal', title: 'X' })).code).toBe('forbidden');
  });

  it('page by keyset past 500, newest first, with the status filter judged on the votes', () => {
    const c = w.ctx(tech);
    const ids: string[] = [];
    for (let i = 0; i < 530; i++) ids.push(createChange(c, { type: i % 3 === 0 ? 'normal' : 'standard', title: `Patch ${i}` }).id);
    // Two normal changes go for approval; one gets its quorum (scheduled by its votes), the other stays waiting.
    for (const id of [ids[0]!, ids[3]!]) {
      updateChange(c, { id, ...plan });
      moveChange(c, { id, to: 'assessment' });
      moveChange(c, { id, to: 'awaiting_approval' });
    }
    voteChange(w.ctx(cab), { id: ids[0]!, decision: 'approve' });
    voteChange(w.ctx(cab2), { id: ids[0]!, decision: 'approve' });

    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: ReturnType<typeof listChanges> = listChanges(c, { limit: 200, offset: 0, cursor });
      expect(page.total).toBe(530);
      seen.push(...page.items.map((x) => x.number));
      cursor = page.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toHaveLength(530);
    expect(new Set(seen).size).toBe(530);
    expect(seen).toEqual([...seen].sort().reverse());

    const scheduled = listChanges(c, { status: ['scheduled'], limit: 50, offset: 0 });
    expect(scheduled.items.map((x) => x.id)).toEqual([ids[0]]);
    expect(scheduled.total).toBe(1);
    const waiting = listChanges(c, { status: ['awaiting_approval'], limit: 50, offset: 0 });
    expect(waiting.items.map((x) => x.id)).toEqual([ids[3]]);
    expect(waiting.total).toBe(1);
    // A page of one under a filter the votes decide still walks to the last match.
    const drafts = listChanges(c, { status: ['draft'], type: 'normal', limit: 100, offset: 0 });
    expect(drafts.total).toBe(175);
    const next = listChanges(c, { status: ['draft'], type: 'normal', limit: 100, offset: 0, cursor: drafts.nextCursor });
    expect(drafts.items.length + next.items.length).toBe(175);
    expect(next.nextCursor).toBeNull();
  });

  it('editing the plan, window, risk, impact, assets or type after approval voids the votes and asks the approvers again', () => {
    const c = w.ctx(tech);
    const asset = createAsset(c, { tag: 'SW-CORE-1', name: 'Core switch', type: 'network' });
    const ch = createChange(c, { type: 'normal', title: 'Upgrade the core switch', ...plan });
    moveChange(c, { id: ch.id, to: 'assessment' });
    moveChange(c, { id: ch.id, to: 'awaiting_approval' });
    expect(changesAwaitingApprovalBy(w.ctx(cab)).map((x) => [x.number, x.votedEarlier])).toEqual([[ch.number, false]]);
    voteChange(w.ctx(cab), { id: ch.id, decision: 'approve' });
    expect(changesAwaitingApprovalBy(w.ctx(cab))).toEqual([]);
    expect(voteChange(w.ctx(cab2), { id: ch.id, decision: 'approve' }).status).toBe('scheduled');

    // A title or owner edit is not a new plan: still scheduled.
    expect(updateChange(c, { id: ch.id, title: 'Upgrade the core switch (site A)' }).status).toBe('scheduled');
    // A new window is: both votes stop counting, stay listed as given on an earlier plan, and each approver is asked again.
    const moved = updateChange(c, { id: ch.id, windowStart: '2026-03-14T22:00:00.000Z', windowEnd: '2026-03-15T02:00:00.000Z' });
    expect(moved.status).toBe('awaiting_approval');
    expect(moved.tally).toEqual({ approvals: 0, rejections: 0, quorum: 2 });
    expect(moved.votes.map((v) => [v.approverName, v.earlierPlan, v.superseded])).toEqual([
      ['Technician carl', true, false],
      ['Technician cleo', true, false],
    ]);
    expect(changesAwaitingApprovalBy(w.ctx(cab)).map((x) => [x.number, x.votedEarlier])).toEqual([[ch.number, true]]);
    const alerts = listAlerts(w.ctx(cab2), { kinds: ['change_approval'], horizonDays: 30, limit: 10 });
    expect(alerts.counts.change_approval).toBe(1);
    expect(alerts.items[0]).toMatchObject({ kind: 'change_approval', severity: 'warning', title: `${ch.number} changed after your vote: approve it again`, recordType: 'change', recordId: ch.id });

    // Approved again, then an affected asset is added: asked again; the same for risk, impact, plans.
    voteChange(w.ctx(cab), { id: ch.id, decision: 'approve' });
    expect(voteChange(w.ctx(cab2), { id: ch.id, decision: 'approve' }).status).toBe('scheduled');
    expect(linkChangeAsset(c, { id: ch.id, assetId: asset.id, present: true }).status).toBe('awaiting_approval');
    // Linking the same asset again changes nothing, so it asks nothing.
    voteChange(w.ctx(cab), { id: ch.id, decision: 'approve' });
    voteChange(w.ctx(cab2), { id: ch.id, decision: 'approve' });
    expect(linkChangeAsset(c, { id: ch.id, assetId: asset.id, present: true }).status).toBe('scheduled');
    for (const edit of [{ risk: 'high' as const }, { impact: 'Floor 2 offline for 10 minutes.' }, { testPlan: 'Ping every VLAN gateway.' }]) {
      expect(updateChange(c, { id: ch.id, ...edit }).status).toBe('awaiting_approval');
      voteChange(w.ctx(cab), { id: ch.id, decision: 'approve' });
      expect(voteChange(w.ctx(cab2), { id: ch.id, decision: 'approve' }).status).toBe('scheduled');
    }
    // A rejection on an earlier plan no longer rejects either.
    updateChange(c, { id: ch.id, backoutPlan: 'Boot the previous image.' });
    expect(voteChange(w.ctx(cab), { id: ch.id, decision: 'reject', comment: 'No maintenance notice sent.' }).status).toBe('rejected');
    expect(updateChange(c, { id: ch.id, implementationPlan: 'Send the notice, then upgrade.' }).status).toBe('awaiting_approval');
  });
});
