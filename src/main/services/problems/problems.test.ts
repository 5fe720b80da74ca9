import { pdfText } from '../../testing/pdf';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { appErrorOf, makeWorld, type World } from '../../testing';
import type { Actor } from '../core/context';
import { commentTicket, createTicket, transitionTicket, updateTicket } from '../tickets/tickets';
import { addProblemAction, createProblem, getProblem, linkProblemIncident, listProblems, problemsForTicket, updateProblem } from './problems';
import { reviewPdf, reviewTimeline } from './review';

let w: World;
let tech: Actor;
let tom: Actor;
let auditor: Actor;

beforeEach(() => {
  w = makeWorld();
  tech = w.user('technician', 'tina');
  tom = w.user('technician', 'tom');
  auditor = w.user('auditor', 'aud');
});
afterEach(() => w.dispose());

const err = appErrorOf;


describe('problems', () => {
  it('is raised from an incident with its priority, numbered PRB0000001, and links more incidents once each', () => {
    const c = w.ctx(tech, 'problems.create');
    const a = createTicket(c, { type: 'incident', title: 'VPN drops every hour', impact: 1, urgency: 2 });
    const b = createTicket(c, { type: 'incident', title: 'VPN slow in branch office', impact: 3, urgency: 3 });
    const p = createProblem(c, { title: 'VPN concentrator instability', ticketIds: [a.id] });
    expect(p.number).toBe('PRB0000001');
    expect(p.priority).toBe(a.priority);
    expect(p.status).toBe('new');
    expect(p.incidents.map((i) => i.number)).toEqual([a.number]);
    linkProblemIncident(c, { id: p.id, ticketId: b.id, present: true });
    const again = linkProblemIncident(c, { id: p.id, ticketId: b.id, present: true });
    expect(again.incidents.map((i) => i.number)).toEqual([a.number, b.number]);
    expect(again.incidentCount).toBe(2);
    // One op per real change: the create, the first link and the second link.
    const ops = w.store.sqlite.prepare("SELECT entity, kind FROM pending_ops WHERE entity LIKE 'problem%' ORDER BY device_seq").all();
    expect(ops).toEqual([
      { entity: 'problems', kind: 'create' },
      { entity: 'problem_incidents', kind: 'setAdd' },
      { entity: 'problem_incidents', kind: 'setAdd' },
    ]);
    const unlinked = linkProblemIncident(c, { id: p.id, ticketId: a.id, present: false });
    expect(unlinked.incidents.map((i) => i.number)).toEqual([b.number]);
    expect(listProblems(c, { limit: 50, offset: 0, q: 'concentrator' }).items.map((x) => x.number)).toEqual(['PRB0000001']);
  });

  it('refuses requests as linked incidents and a known error without a workaround', () => {
    const c = w.ctx(tech);
    const r = createTicket(c, { type: 'request', title: 'New laptop' });
    expect(err(() => createProblem(c, { title: 'X', ticketIds: [r.id] })).message).toMatch(/is a request; only incidents/);
    const p = createProblem(c, { title: 'Printer spooler crashes' });
    expect(err(() => updateProblem(c, { id: p.id, knownError: true })).message).toMatch(/known error needs a workaround/);
  });

  it('shows a known error’s workaround on every linked incident, and nothing before it is a known error', () => {
    const c = w.ctx(tech);
    const a = createTicket(c, { type: 'incident', title: 'Outlook hangs', impact: 2, urgency: 2 });
    const b = createTicket(c, { type: 'incident', title: 'Outlook hangs at start', impact: 2, urgency: 2 });
    const p = createProblem(c, { title: 'Outlook add-in deadlock', ticketIds: [a.id, b.id], workaround: 'Start Outlook with /safe.' });
    expect(problemsForTicket(c, a.id).items[0]).toMatchObject({ number: p.number, knownError: false, workaround: null });
    updateProblem(c, { id: p.id, knownError: true, status: 'known_error', rootCause: 'The CRM add-in waits on a lock it holds.' });
    for (const t of [a, b]) expect(problemsForTicket(w.ctx(auditor), t.id).items).toEqual([{ id: p.id, number: p.number, title: p.title, status: 'known_error', knownError: true, workaround: 'Start Outlook with /safe.' }]);
  });

  it('refuses auditors and requesters as writers', () => {
    const p = createProblem(w.ctx(tech), { title: 'Disk full on file server' });
    expect(err(() => updateProblem(w.ctx(auditor), { id: p.id, title: 'x' })).code).toBe('forbidden');
    expect(getProblem(w.ctx(auditor), p.id).title).toBe('Disk full on file server');
  });

  it('builds the review timeline from the incidents’ status moves, comments and reassignments in time order, and exports it as PDF', async () => {
    const c = w.ctx(tech);
    w.clock.set('2026-03-02T09:00:00Z');
    const a = createTicket(c, { type: 'incident', title: 'Payroll export fails', impact: 1, urgency: 1 });
    w.clock.set('2026-03-02T09:05:00Z');
    const b = createTicket(c, { type: 'incident', title: 'Payroll export times out', impact: 2, urgency: 2 });
    w.clock.set('2026-03-02T09:10:00Z');
    updateTicket(c, a.id, { assigneeId: tom.id });
    w.clock.set('2026-03-02T09:20:00Z');
    commentTicket(w.ctx(tom), a.id, 'The export job hits the database lock timeout after the nightly backup, which runs long since the archive table grew past forty million rows; this sentence is long so that the PDF must wrap it within the page.', false);
    w.clock.set('2026-03-02T09:30:00Z');
    transitionTicket(w.ctx(tom), a.id, { to: 'in_progress' });
    w.clock.set('2026-03-02T10:00:00Z');
    transitionTicket(w.ctx(tom), a.id, { to: 'resolved', resolutionCode: 'solved_workaround', resolutionNotes: 'Re-ran the export after the backup.' });
    w.clock.set('2026-03-02T10:05:00Z');
    const p = createProblem(c, { title: 'Payroll export collides with the backup', ticketIds: [a.id, b.id] });
    addProblemAction(c, { id: p.id, description: 'Move the nightly backup to 01:00', ownerId: tom.id, dueOn: '2026-03-09' });
    updateProblem(c, { id: p.id, reviewImpact: 'Payroll was two hours late for 300 people.', reviewCauses: 'Backup window overlaps the export.' });

    const t = reviewTimeline(w.ctx(auditor), p.id);
    expect(t.map((e) => [e.at.slice(11, 16), e.ticketNumber, e.kind])).toEqual([
      ['09:00', a.number, 'status'],
      ['09:05', b.number, 'status'],
      ['09:10', a.number, 'status'],
      ['09:10', a.number, 'reassignment'],
      ['09:20', a.number, 'comment'],
      ['09:30', a.number, 'status'],
      ['10:00', a.number, 'status'],
    ]);
    expect(t[3]!.text).toBe('Assignee: none → Technician tom');
    expect(t[6]!.text).toMatch(/In progress → Resolved/);

    const pdf = await reviewPdf(w.ctx(auditor), p.id);
    expect(Buffer.from(pdf.content, 'base64').subarray(0, 5).toString()).toBe('%PDF-');
    const text = pdfText(pdf.content);
    expect(text).toContain(`2026-03-02 09:10 UTC  ${a.number}`);
    expect(text).toContain('Technician tom, comment: The export job hits the database lock timeout');
    expect(text).toContain(`2026-03-02 09:05 UTC  ${b.number}`);
    expect(text).toContain('Assignee: none');
    expect(text).toContain('Payroll was two hours late for 300 people.');
    expect(text).toContain('- Move the nightly backup to 01:00 (owner: Technician tom; due: 2026-03-09)');
    // The long comment wraps: its end is on a line of its own, not cut off.
    expect(text).toMatch(/\nwithin the page\.|\n[^\n]*within the page\./);
  });

  it('pages by keyset past 500 in the list’s order: open before done, most urgent first, newest number first', () => {
    const c = w.ctx(tech);
    for (let i = 0; i < 520; i++) {
      const p = createProblem(c, { title: `Printer queue stalls ${i}`, priority: ((i % 4) + 1) as 1 | 2 | 3 | 4 });
      if (i % 5 === 0) updateProblem(c, { id: p.id, status: 'investigating' });
      if (i % 7 === 0) updateProblem(c, { id: p.id, status: 'closed' });
    }
    const all = listProblems(c, { limit: 500, offset: 0 });
    const rest = listProblems(c, { limit: 500, offset: 0, cursor: all.nextCursor });
    expect(all.total).toBe(520);
    expect(rest.nextCursor).toBeNull();
    const walked = [...all.items, ...rest.items];
    expect(walked).toHaveLength(520);
    expect(new Set(walked.map((p) => p.id)).size).toBe(520);
    const key = (p: (typeof walked)[number]) => `${p.status === 'closed' || p.status === 'resolved' ? 1 : 0}${p.priority}${String(9_999_999 - Number(p.number.slice(3))).padStart(7, '0')}`;
    expect(walked.map(key)).toEqual(walked.map(key).sort());
    // Small pages walk the same rows in the same order, under a filter too.
    const small: string[] = [];
    let cursor: string | null = null;
    do {
      const page: ReturnType<typeof listProblems> = listProblems(c, { status: ['new', 'closed'], limit: 37, offset: 0, cursor });
      small.push(...page.items.map((p) => p.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(small).toEqual(walked.filter((p) => p.status === 'new' || p.status === 'closed').map((p) => p.id));
    expect(err(() => listProblems(c, { limit: 10, offset: 0, cursor: 'not a cursor' })).message).toBe('The page cursor is not one this list gave.');
  });
});
