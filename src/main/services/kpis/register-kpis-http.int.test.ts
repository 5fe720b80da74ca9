/**
 * The register figures over the browser host's HTTP API: each asset and risk figure equals the total
 * of the list it opens (the same filter, read through assets.list and risks.list), and the compliance
 * score per NIST CSF 2.0 function is checked against counts taken here from the library file itself.
 */
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHost, type TestHost } from '../../testing/host';
import { fixture } from '../assets/test-fixtures';
import type { AssetKpis, FrameworkScore, RiskKpis } from '../../../shared/api/register-kpis';

const csf = fixture('grc/nist-csf-2.0.yaml');
let h: TestHost;
// The figures count by UTC day, so the host runs on a clock of its own: midday on a fixed day, moving on
// with real time (rows keep their order), and every date below is derived from the same instant. A run
// started just before midnight counts the same days as one at noon.
const T0 = Date.UTC(2026, 2, 16, 12);
const started = Date.now();
const clock = { now: () => new Date(T0 + (Date.now() - started)) };
const day = (offset: number) => new Date(T0 + offset * 86_400_000).toISOString().slice(0, 10);

beforeAll(async () => {
  h = await startTestHost({ prefix: 'outpost-regkpi-', people: { tina: 'technician', aud: 'auditor', rita: 'requester' }, clock });
}, 60_000);
afterAll(async () => h?.close());

describe('asset figures', () => {
  it('count by status, category and site, warranties ending, licence shortfalls; each equals the list it opens', async () => {
    const t = h.tokens.tina;
    const mk = (tag: string, extra: Record<string, unknown>) => h.ok<{ id: string }>('assets.create', { tag, name: tag, ...extra }, t);
    await mk('K-1', { category: 'Laptops', warrantyEnd: day(-10) });
    await mk('K-2', { category: 'Laptops', warrantyEnd: day(30) });
    await mk('K-3', { category: 'Laptops', warrantyEnd: day(200) });
    const printer = await mk('K-4', { category: 'Printers' });
    await h.ok('assets.transition', { id: printer.id, to: 'in_repair', reason: 'Paper feed broken' }, t);
    const p = await h.ok<{ id: string }>('licences.createProduct', { name: 'Visio', vendor: 'Microsoft', matchNames: ['visio'] }, t);
    await h.ok('licences.create', { productId: p.id, type: 'per_device', seats: 1, endDate: '2099-01-01' }, t);
    for (const tag of ['K-1', 'K-2']) {
      const a = await h.ok<{ items: { id: string }[] }>('assets.list', { filter: { text: tag } }, t);
      await h.ok('software.add', { assetId: a.items[0]!.id, name: 'Visio', vendor: 'Microsoft', version: '16' }, t);
    }

    const k = await h.ok<AssetKpis>('kpis.assets', {}, h.tokens.aud);
    expect(k.total).toBe(4);
    expect(k.byStatus.find((s) => s.key === 'in_repair')!.count).toBe(1);
    expect(k.byCategory).toEqual([
      { key: 'Laptops', label: 'Laptops', count: 3 },
      { key: 'Printers', label: 'Printers', count: 1 },
    ]);
    expect(k.bySite).toEqual([{ key: h.siteId, label: 'HQ', count: 4 }]);
    expect(k.warrantyHorizon).toBe(day(90));
    expect(k.warrantyEnding).toBe(2); // ended 10 days ago and ending in 30; not the one in 200
    expect(k.licenceShortfalls).toBe(1);
    expect(k.missingSeats).toBe(1);
    const total = async (filter: Record<string, unknown>) => (await h.ok<{ total: number }>('assets.list', { filter, withTotal: true }, h.tokens.aud)).total;
    for (const s of k.byStatus) expect(await total({ status: [s.key] }), s.key).toBe(s.count);
    expect(await total({ warrantyBefore: k.warrantyHorizon })).toBe(k.warrantyEnding);
    expect(await total({ category: ['Laptops'] })).toBe(3);
    // One site asked for: the same figures for it; the site of nobody's assets: none.
    expect((await h.ok<AssetKpis>('kpis.assets', { siteId: h.siteId }, t)).total).toBe(4);
  });
});

describe('risk figures', () => {
  it('count accepted risks by when their acceptance expires, each equal to the risk list it opens', async () => {
    const t = h.tokens.tina;
    const approver = h.ids.admin;
    const accept = (expiresOn: string) => ({ status: 'accepted', treatment: 'accept', acceptance: { approverId: approver, justification: 'Low value target.', expiresOn } });
    await h.ok('risks.create', { title: 'Expired acceptance', ...accept(day(-1)) }, t);
    await h.ok('risks.create', { title: 'Expiring in ten days', ...accept(day(10)) }, t);
    await h.ok('risks.create', { title: 'Expiring next year', ...accept(day(400)) }, t);
    await h.ok('risks.create', { title: 'Identified, no acceptance', reviewEveryDays: 30 }, t);
    const r = await h.ok<RiskKpis>('kpis.risks', {}, h.tokens.aud);
    expect(r).toMatchObject({ open: 4, reviewsOverdue: 0, acceptancesExpiring: 1, acceptancesExpired: 1, today: day(0), acceptanceHorizon: day(30) });
    const total = async (f: Record<string, unknown>) => (await h.ok<{ total: number }>('risks.list', { ...f, limit: 50 }, h.tokens.aud)).total;
    expect(await total({ acceptanceExpiresFrom: r.today, acceptanceExpiresBefore: r.acceptanceHorizon })).toBe(r.acceptancesExpiring);
    expect(await total({ acceptanceExpiresBefore: r.today })).toBe(r.acceptancesExpired);
    expect(await total({ reviewOverdue: true })).toBe(r.reviewsOverdue);
    const bad = await h.post('risks.list', { acceptanceExpiresBefore: 'soon' }, h.tokens.aud);
    expect(JSON.stringify(bad.body.error)).toContain('Dates look like 2026-03-31.');
  });
});

describe('compliance score per framework function', () => {
  it.runIf(csf)('reads the latest assessment of NIST CSF 2.0, per function, against counts taken from the library file', async () => {
    const content = fs.readFileSync(csf!, 'utf8');
    const fw = await h.ok<{ id: string }>('grc.importLibrary', { content }, h.tokens.admin);
    const a = await h.ok<{ id: string }>('assessments.start', { frameworkId: fw.id }, h.tokens.aud);
    const results: [string, string][] = [
      ['GV.OC-01', 'compliant'],
      ['GV.OC-02', 'partially_compliant'],
      ['GV.OC-03', 'not_applicable'],
      ['ID.AM-01', 'non_compliant'],
      ['PR.AA-01', 'compliant'],
    ];
    for (const [ref, result] of results) await h.ok('assessments.assess', { assessmentId: a.id, ref, result }, h.tokens.aud);
    const { items } = await h.ok<{ items: FrameworkScore[] }>('kpis.compliance', {}, h.tokens.tina);
    expect(items).toHaveLength(1);
    const s = items[0]!;
    expect(s.assessmentId).toBe(a.id);
    // Independent count: assessable requirements whose ref starts with the function's code, read from the YAML text.
    const assessable = new Map<string, number>();
    for (const m of content.matchAll(/assessable: true\n\s+depth: \d+\n\s+parent_urn: \S+\n\s+ref_id: ([A-Z]{2})\./g)) assessable.set(m[1]!, (assessable.get(m[1]!) ?? 0) + 1);
    expect(s.functions.map((f) => f.ref)).toEqual(['GV', 'ID', 'PR', 'DE', 'RS', 'RC']);
    for (const f of s.functions) expect(f.assessable, f.ref!).toBe(assessable.get(f.ref!));
    const by = new Map(s.functions.map((f) => [f.ref, f]));
    expect(by.get('GV')).toMatchObject({ name: 'GOVERN', compliant: 1, partial: 1, notApplicable: 1, nonCompliant: 0, scorePercent: 75 });
    expect(by.get('GV')!.notAssessed).toBe(assessable.get('GV')! - 3);
    expect(by.get('ID')).toMatchObject({ nonCompliant: 1, scorePercent: 0 });
    expect(by.get('PR')).toMatchObject({ compliant: 1, scorePercent: 100 });
    expect(by.get('DE')!.scorePercent).toBeNull(); // nothing assessed yet
    expect(s.scorePercent).toBe(62.5); // (2 + ½) ÷ 4
  });
});

it('staff and auditors read the figures; requesters and the signed-out do not', async () => {
  for (const name of ['kpis.assets', 'kpis.risks', 'kpis.compliance']) {
    expect((await h.post(name, {}, h.tokens.rita)).status).toBe(403);
    expect((await h.post(name, {})).status).toBe(401);
    expect((await h.post(name, { siteId: 'nowhere' }, h.tokens.tina)).status).toBe(400);
  }
});
