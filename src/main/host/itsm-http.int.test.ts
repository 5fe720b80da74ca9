/**
 * Problems and changes over the real browser host, as a team uses them: two incidents with one
 * cause gathered under a problem, found by the list's search, its review timeline built from the
 * incidents' histories and exported as a PDF; the fixing change planned with an asset, edited and
 * listed by type and window. An auditor reads both and writes neither; a requester sees none.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHost, type TestHost } from '../testing/host';
import type { Problem, ProblemSummary, ReviewEntry } from '../../shared/api/problems';
import type { Change, ChangeSummary } from '../../shared/api/changes';

let h: TestHost;
const tech = () => h.tokens.tech!;

beforeAll(async () => {
  h = await startTestHost({ prefix: 'outpost-itsm-http-', people: { tech: 'technician', audrey: 'auditor', rita: 'requester' } });
});
afterAll(async () => {
  await h?.close();
});

describe('problems and changes over HTTP', () => {
  it('gathers incidents under a problem, reviews it, and plans the fixing change', async () => {
    const incident = async (title: string, comment: string) => {
      const t = await h.ok<{ id: string; number: string }>('tickets.create', { type: 'incident', title, description: '', impact: 2, urgency: 2 }, tech());
      await h.ok('tickets.comment', { id: t.id, body: comment, internal: false }, tech());
      return t;
    };
    const a = await incident('Mail delivery delayed for Sales', 'Queue on the relay is at 4,000 messages.');
    const b = await incident('Mail delivery delayed for Finance', 'Same relay queue growing.');
    const p = await h.ok<Problem>('problems.create', { title: 'Mail relay queue stalls', ticketIds: [a.id, b.id] }, tech());
    expect(p.incidents.map((i) => i.number).sort()).toEqual([a.number, b.number].sort());

    // The list finds it by its words; an auditor reads it.
    const list = await h.ok<{ items: ProblemSummary[]; total: number }>('problems.list', { q: 'relay', limit: 50, offset: 0 }, tech());
    expect(list.items.map((x) => x.id)).toEqual([p.id]);
    expect(list.items[0]!.incidentCount).toBe(2);
    expect((await h.ok<{ items: ProblemSummary[] }>('problems.list', {}, h.tokens.audrey)).items.map((x) => x.number)).toEqual([p.number]);

    // The review's timeline is made from both incidents' histories, in time order, and exports.
    const timeline = (await h.ok<{ items: ReviewEntry[] }>('problems.timeline', { id: p.id }, tech())).items;
    const comments = timeline.filter((e) => e.kind === 'comment');
    expect(comments.map((e) => e.ticketNumber).sort()).toEqual([a.number, b.number].sort());
    expect(timeline.map((e) => e.at)).toEqual([...timeline.map((e) => e.at)].sort());
    const pdf = await h.ok<{ filename: string; mime: string; content: string; encoding: string }>('problems.reviewPdf', { id: p.id }, h.tokens.audrey);
    expect(pdf).toMatchObject({ mime: 'application/pdf', encoding: 'base64' });
    expect(pdf.filename).toBe(`${p.number.toLowerCase()}-review.pdf`);
    expect(Buffer.from(pdf.content, 'base64').subarray(0, 5).toString('latin1')).toBe('%PDF-');

    // The fixing change, with an asset, edited, then found by type and by its window.
    const asset = await h.ok<{ id: string }>('assets.create', { tag: 'SRV-MAIL', name: 'Mail relay', type: 'server' }, tech());
    const c = await h.ok<Change>(
      'changes.create',
      { type: 'normal', title: 'Raise the relay queue limit', problemId: p.id, windowStart: '2030-03-02T22:00:00Z', windowEnd: '2030-03-02T23:00:00Z' },
      tech(),
    );
    expect(c.problems.map((x) => x.id)).toEqual([p.id]);
    const linked = await h.ok<Change>('changes.linkAsset', { id: c.id, assetId: asset.id }, tech());
    expect(linked.assets.map((x) => x.tag)).toEqual(['SRV-MAIL']);
    const planned = await h.ok<Change>('changes.update', { id: c.id, risk: 'medium', backoutPlan: 'Restore the previous limit.' }, tech());
    expect(planned).toMatchObject({ risk: 'medium', backoutPlan: 'Restore the previous limit.' });
    const normal = await h.ok<{ items: ChangeSummary[]; total: number }>('changes.list', { type: 'normal', from: '2030-03-01T00:00:00Z', to: '2030-03-31T00:00:00Z' }, tech());
    expect(normal.items.map((x) => x.number)).toEqual([c.number]);
    expect((await h.ok<{ items: ChangeSummary[] }>('changes.list', { type: 'emergency' }, tech())).items).toEqual([]);
    expect((await h.ok<Change>('changes.linkAsset', { id: c.id, assetId: asset.id, present: false }, tech())).assets).toEqual([]);

    // An auditor writes neither; a requester reads neither.
    expect((await h.post('changes.update', { id: c.id, risk: 'low' }, h.tokens.audrey)).status).toBe(403);
    expect((await h.post('problems.list', {}, h.tokens.rita)).status).toBe(403);
    expect((await h.post('changes.list', {}, h.tokens.rita)).status).toBe(403);

    // The palette opens each by its number ("open PRB…", a bare "chg1"); a requester finds neither.
    type Hits = { items: { kind: string; id: string; number: string; title: string }[] };
    expect((await h.ok<Hits>('search.number', { text: `open ${p.number}` }, tech())).items).toEqual([{ kind: 'problem', id: p.id, number: p.number, title: p.title }]);
    expect((await h.ok<Hits>('search.number', { text: c.number.replace(/^CHG0+/, 'chg') }, h.tokens.audrey)).items.map((x) => x.id)).toEqual([c.id]);
    expect((await h.ok<Hits>('search.number', { text: p.number }, h.tokens.rita)).items).toEqual([]);
    expect((await h.ok<Hits>('search.number', { text: 'PRB0999999' }, tech())).items).toEqual([]);
  });

  it('pages the problem and change lists past 500 by cursor', async () => {
    for (let i = 0; i < 510; i++) await h.ok('problems.create', { title: `Paged problem ${i}` }, tech());
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { items: ProblemSummary[]; total: number; nextCursor: string | null } = await h.ok('problems.list', { q: 'Paged problem', limit: 500, cursor }, h.tokens.audrey);
      expect(page.total).toBe(510);
      seen.push(...page.items.map((x) => x.number));
      cursor = page.nextCursor;
    } while (cursor);
    expect(new Set(seen).size).toBe(510);
    const tooBig = await h.post('changes.list', { limit: 501 }, tech());
    expect(tooBig.status).toBe(400);
    expect(tooBig.body.error?.message).toContain('A page holds at most 500 changes.');
  });

  it('refuses bad input with a specific error', async () => {
    const badWindow = await h.post('changes.list', { from: 'next week' }, tech());
    expect(badWindow.status).toBe(400);
    expect(badWindow.body.error?.message).toContain('Times look like');
    const badStatus = await h.post('problems.list', { status: ['sleeping'] }, tech());
    expect(badStatus.status).toBe(400);
  });
});
