/**
 * Triage suggestions on a real store: a team's resolved tickets teach the model, a new VPN ticket is
 * suggested the network category and team with a confidence, similar tickets come from the search
 * index (an open near-copy flagged as a possible duplicate), nothing is written, and the model
 * retrains once enough tickets were resolved since.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeWorld, writeFootprint, type World } from '../../testing';
import type { Actor, Ctx } from '../core/context';
import { createGroup } from '../directory/groups';
import { createTicket, transitionTicket } from '../tickets/tickets';
import { RETRAIN_AFTER, SMALL_MODEL, suggestTriage, trainTriageModel } from './triage';

let w: World;
let tech: Actor;
let c: Ctx;
const groups: Record<string, string> = {};

const TEAM: [string, string, string[]][] = [
  ['Network', 'Network team', ['VPN drops every hour at home', 'Cannot connect to VPN from hotel', 'Wi-Fi in meeting room keeps dropping', 'VPN client says gateway unreachable', 'Slow network on floor 2', 'VPN tunnel fails after update', 'No network on the warehouse switch', 'Firewall blocks the VPN port']],
  ['Hardware', 'Desk support', ['Printer on floor 3 jams paper', 'Laptop battery drains fast', 'Monitor flickers after docking', 'Printer out of toner again', 'Keyboard keys stuck on laptop', 'Docking station does not charge laptop']],
  ['Access', 'Identity team', ['Reset my password please', 'Account locked after password change', 'Need access to finance share', 'MFA prompt never arrives on phone', 'Password expired cannot log in']],
];

function resolved(title: string, category: string, groupId: string, description = '') {
  const t = createTicket(c, { type: 'incident', title, description, category, groupId, assigneeId: tech.id });
  transitionTicket(c, t.id, { to: 'in_progress' });
  return transitionTicket(c, t.id, { to: 'resolved', resolutionCode: 'solved_permanently', resolutionNotes: 'Fixed' });
}

beforeAll(async () => {
  w = makeWorld();
  tech = w.user('technician', 'tina');
  c = w.ctx(tech);
  for (const [category, group, titles] of TEAM) {
    groups[category] = createGroup(w.ctx(w.admin), { name: group }).id;
    for (const title of titles) resolved(title, category, groups[category]!);
  }
  await trainTriageModel(c);
});
afterAll(() => w.dispose());

describe('triage suggestions', () => {
  it('suggests the category and group of the resolved tickets a new VPN ticket resembles, with confidences', () => {
    const s = suggestTriage(c, { title: 'VPN disconnects every few minutes', description: 'Working from home, the VPN client drops.' });
    expect(s.model).toMatchObject({ state: 'ready', trainedOn: 19 });
    expect(s.category.map((x) => x.value)).toEqual(expect.arrayContaining(['Network', 'Hardware', 'Access']));
    expect(s.category[0]).toMatchObject({ value: 'Network', label: 'Network' });
    expect(s.category[0]!.confidence).toBeGreaterThan(0.5);
    expect(s.category[0]!.confidence).toBeGreaterThan(s.category[1]!.confidence);
    expect(s.group[0]).toMatchObject({ value: groups.Network, label: 'Network team' });
    const printer = suggestTriage(c, { title: 'Printer jams', description: '' });
    expect(printer.category[0]!.value).toBe('Hardware');
    expect(printer.group[0]!.label).toBe('Desk support');
  });

  it('lists similar tickets from the search index, flags an open near-copy as a possible duplicate, and leaves the ticket itself out', () => {
    const open = createTicket(c, { type: 'incident', title: 'VPN drops every hour at home', description: 'Since Monday' });
    const s = suggestTriage(c, { title: 'VPN drops every hour', description: 'at home' });
    expect(s.similar.length).toBeGreaterThan(1);
    const dup = s.similar.find((x) => x.ticketId === open.id)!;
    expect(dup).toMatchObject({ number: open.number, status: 'new', duplicate: true });
    expect(dup.score).toBeGreaterThanOrEqual(0.5);
    // The resolved look-alike is similar but not a duplicate: it is closed work to learn from.
    const old = s.similar.find((x) => x.title === 'VPN drops every hour at home' && x.ticketId !== open.id)!;
    expect(old).toMatchObject({ status: 'resolved', duplicate: false });
    for (let i = 1; i < s.similar.length; i++) expect(s.similar[i]!.score).toBeLessThanOrEqual(s.similar[i - 1]!.score);
    const self = suggestTriage(c, { title: open.title, description: open.description, ticketId: open.id });
    expect(self.similar.map((x) => x.ticketId)).not.toContain(open.id);
  });

  it('writes nothing: suggestions are never applied by themselves', () => {
    const before = writeFootprint(w.store);
    suggestTriage(c, { title: 'VPN broken', description: '' });
    expect(writeFootprint(w.store)).toEqual(before);
  });

  it('offers nothing for text it cannot read, rather than a guess', () => {
    const s = suggestTriage(c, { title: 'zzqx', description: '' });
    expect(s.category).toEqual([]);
    expect(s.group).toEqual([]);
    expect(s.similar).toEqual([]);
  });

  it(`retrains once tickets were resolved since (any one while it knows fewer than ${SMALL_MODEL}, else ${RETRAIN_AFTER}), and then knows their new category`, async () => {
    const tel = createGroup(w.ctx(w.admin), { name: 'Telephony team' }).id;
    for (let i = 0; i < RETRAIN_AFTER; i++) {
      w.clock.advance(60_000);
      resolved(`Desk phone ${i} has no dial tone`, 'Telephony', tel, 'The handset shows no line.');
    }
    expect(suggestTriage(c, { title: 'Desk phone has no dial tone', description: '' }).category.map((x) => x.value)).not.toContain('Telephony');
    w.clock.advance(10_000);
    const during = suggestTriage(c, { title: 'Desk phone has no dial tone', description: '' });
    expect(during.model.retraining).toBe(true);
    await trainTriageModel(c);
    const after = suggestTriage(c, { title: 'Desk phone has no dial tone', description: '' });
    expect(after.model.trainedOn).toBe(19 + RETRAIN_AFTER);
    expect(after.category[0]!.value).toBe('Telephony');
    expect(after.group[0]!.label).toBe('Telephony team');
  });

  it('a training asked for while one runs reads the store as it stands at the ask: the one under way had read it before', async () => {
    const known = (await trainTriageModel(c))!.trainedOn;
    const first = trainTriageModel(c);
    // The training under way has read its tickets and waits for its next turn.
    await new Promise((r) => setImmediate(r));
    const fax = createGroup(w.ctx(w.admin), { name: 'Fax team' }).id;
    for (let i = 0; i < 3; i++) resolved(`Fax machine ${i} prints blank pages`, 'Fax', fax);
    const second = trainTriageModel(c);
    expect(trainTriageModel(c)).toBe(second);
    expect((await first)!.trainedOn).toBe(known);
    expect((await second)!.trainedOn).toBe(known + 3);
    expect(suggestTriage(c, { title: 'Fax machine prints blank pages', description: '' }).category[0]!.value).toBe('Fax');
  });
});
