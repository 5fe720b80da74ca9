/**
 * Reports over the browser host's HTTP API, as a team lead, an auditor and a requester would call
 * them: the service review over the imported ServiceNow sample (its figures are kpis.get's, its lists
 * are the queue's drill-downs), licence compliance and the asset register; each carries its filters,
 * when it was made and the audit-chain head.
 */
import fs from 'node:fs';
import Papa from 'papaparse';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHost, type TestHost } from '../../testing/host';
import { pdfText } from '../../testing/pdf';
import { fixture } from '../assets/test-fixtures';
import { drillFilter } from '../../../shared/kpis/drill';
import type { Kpis } from '../../../shared/api/kpis';
import type { ReportFile } from '../../../shared/api/reports';
import type { ChainStatus } from '../../../shared/api/audit';

const file = fixture('incidents/servicenow-incident-event-log-sample.csv');
const csf = fixture('grc/nist-csf-2.0.yaml');
const PERIOD = { from: '2016-03-01T00:00:00Z', to: '2016-04-01T00:00:00Z' };

let h: TestHost;

/** A CSV report's sections: the header block, then each titled table. */
function sections(csv: string): { meta: string[][]; tables: Map<string, string[][]> } {
  const blocks = csv.replace(/^\uFEFF/, '').split(/\r\n\r\n/);
  const meta = Papa.parse<string[]>(blocks[0]!.trim()).data;
  const tables = new Map<string, string[][]>();
  for (let i = 1; i + 1 < blocks.length; i += 2) tables.set(blocks[i]!.trim().replace(/^"|"$/g, ''), Papa.parse<string[]>(blocks[i + 1]!.trim()).data);
  return { meta, tables };
}

beforeAll(async () => {
  h = await startTestHost({ prefix: 'outpost-reports-', people: { tina: 'technician', aud: 'auditor', rita: 'requester' } });
  if (file) {
    const imported = await h.ok<{ created: number }>('tickets.import', { format: 'servicenow-events', contentBase64: fs.readFileSync(file).toString('base64') }, h.tokens.admin);
    expect(imported.created).toBeGreaterThan(800);
  }
}, 120_000);
afterAll(async () => h?.close());

describe('service review', () => {
  it.runIf(file)('as CSV: the period\'s figures are kpis.get\'s, beside the previous period, with filters and the chain head', async () => {
    const kpis = await h.ok<Kpis>('kpis.get', PERIOD, h.tokens.tina);
    const chain = await h.ok<ChainStatus>('audit.verify', {}, h.tokens.admin);
    const r = await h.ok<ReportFile>('reports.serviceReview', { ...PERIOD, format: 'csv' }, h.tokens.tina);
    expect(r.mime).toBe('text/csv');
    expect(r.filename).toBe('service-review-2016-03-01-to-2016-04-01.csv');
    expect(r.chainHead).toBe(chain.head);
    expect(r.filters[0]).toBe('Period: 2016-03-01 00:00 UTC to 2016-04-01 00:00 UTC (the previous period, for comparison: 2016-01-30 00:00 UTC to 2016-03-01 00:00 UTC)');
    const { meta, tables } = sections(r.content);
    expect(meta).toContainEqual(['Outpost report', 'Service review']);
    expect(meta).toContainEqual(['Filter', 'Sites: every site on this device']);
    expect(meta).toContainEqual(['Audit trail chain head', chain.head]);
    const figures = new Map(tables.get('Figures')!.slice(1).map((row) => [row[0], row.slice(1)]));
    expect(figures.get('Opened')).toEqual([String(kpis.opened), String(kpis.previous!.opened), expect.any(String)]);
    expect(figures.get('Resolved')![0]).toBe(String(kpis.resolved));
    expect(figures.get('Backlog at the end of the period')![0]).toBe(String(kpis.backlog));
    expect(figures.get('SLA missed (tickets)')![0]).toBe(String(kpis.slaMissed));
    expect(Number(figures.get('MTTR, median (wall clock)')![0])).toBeCloseTo(kpis.mttrHours.median!, 6);
    const d = kpis.opened - kpis.previous!.opened;
    expect(Number(figures.get('Opened')![2])).toBe(d);
    // The per-week rows add up to the period's figures (weeks may start before the period; none outside it counts).
    const weeks = tables.get('Per week')!.slice(1);
    expect(weeks.reduce((s, w) => s + Number(w[1]), 0)).toBe(kpis.opened);
    // The breaches listed are exactly the queue's "SLA missed" drill-down.
    const missedTitle = `SLA missed (${kpis.slaMissed})`;
    const listed = tables.get(missedTitle)!.slice(1).map((row) => row[0]);
    const queue = await h.ok<{ items: { number: string }[]; total: number }>('tickets.list', { view: 'all', filter: drillFilter('slaMissed', PERIOD), sort: 'priority', limit: 200, withTotal: true }, h.tokens.tina);
    expect(queue.total).toBe(kpis.slaMissed);
    expect(listed.filter((n) => !n!.startsWith('…'))).toEqual(queue.items.map((t) => t.number));
    if (kpis.slaMissed > 200) expect(listed.at(-1)).toBe(`… and ${kpis.slaMissed - 200} more (open the queue's drill-down for all)`);
    // Major incidents: P1 incidents opened in the period, every one of them.
    const p1 = kpis.byPriority.find((s) => s.key === 1)!;
    const majorTitle = [...tables.keys()].find((k) => k.startsWith('Major incidents'))!;
    expect(majorTitle).toBe(`Major incidents: P1 incidents opened (${p1.opened})`);
  });

  it.runIf(file)('as PDF: the same figures in words, wrapped within A4 pages, each page footed with the chain head', async () => {
    const kpis = await h.ok<Kpis>('kpis.get', PERIOD, h.tokens.aud);
    const r = await h.ok<ReportFile>('reports.serviceReview', { ...PERIOD, format: 'pdf' }, h.tokens.aud);
    expect(r.mime).toBe('application/pdf');
    expect(Buffer.from(r.content, 'base64').subarray(0, 5).toString()).toBe('%PDF-');
    const text = pdfText(r.content);
    expect(text).toContain('Service review');
    expect(text).toContain('Period: 2016-03-01 00:00 UTC to 2016-04-01 00:00 UTC');
    expect(text).toContain(r.chainHead!);
    expect(text).toContain(`SLA missed: ${kpis.slaMissed} ticket${kpis.slaMissed === 1 ? '' : 's'} finished in the period`);
    const pages = [...text.matchAll(/page (\d+) of (\d+) · chain head (\S+)/g)];
    expect(pages.length).toBeGreaterThan(1);
    expect(pages.every((p) => p[2] === String(pages.length) && p[3] === r.chainHead)).toBe(true);
  });

  it('a site and group narrow it, named in words', async () => {
    const r = await h.ok<ReportFile>('reports.serviceReview', { ...PERIOD, siteId: h.siteId, format: 'csv' }, h.tokens.admin);
    expect(r.filters).toContain('Site: HQ');
  });

  it('refuses what it cannot make, in words, and requesters', async () => {
    const noPeriod = await h.post('reports.serviceReview', { format: 'pdf' }, h.tokens.tina);
    expect(noPeriod.status).toBe(400);
    const backwards = await h.post('reports.serviceReview', { from: PERIOD.to, to: PERIOD.from, format: 'pdf' }, h.tokens.tina);
    expect(backwards.status).toBe(400);
    expect(JSON.stringify(backwards.body.error)).toContain('The period must end after it starts.');
    const badFormat = await h.post('reports.serviceReview', { ...PERIOD, format: 'docx' }, h.tokens.tina);
    expect(JSON.stringify(badFormat.body.error)).toContain('Choose pdf or csv.');
    for (const name of ['reports.serviceReview', 'reports.licenceCompliance', 'reports.assetRegister']) {
      expect((await h.post(name, { ...PERIOD, format: 'csv' }, h.tokens.rita)).status).toBe(403);
      expect((await h.post(name, { ...PERIOD, format: 'csv' })).status).toBe(401);
    }
  });
});

describe('register reports', () => {
  it('licence compliance lists each product as licences.compliance counts it, with its exposure', async () => {
    const p = await h.ok<{ id: string }>('licences.createProduct', { name: 'Visio', vendor: 'Microsoft' }, h.tokens.tina);
    const e = await h.ok<{ id: string }>('licences.create', { productId: p.id, type: 'per_device', seats: 1, cost: 400, endDate: '2099-01-01' }, h.tokens.tina);
    for (const tag of ['LIC-1', 'LIC-2']) {
      const a = await h.ok<{ id: string }>('assets.create', { tag, name: `Laptop ${tag}`, category: 'Laptops' }, h.tokens.tina);
      const assigned = await h.post('licences.assign', { entitlementId: e.id, assetId: a.id }, h.tokens.tina);
      if (tag === 'LIC-2') expect(assigned.status).toBe(409); // no seat left: the second install is what makes it under-licensed below
    }
    const c = await h.ok<{ items: { productName: string; status: string; gap: number | null }[] }>('licences.compliance', {}, h.tokens.aud);
    const visio = c.items.find((i) => i.productName === 'Visio')!;
    const csv = await h.ok<ReportFile>('reports.licenceCompliance', { format: 'csv' }, h.tokens.aud);
    const { tables } = sections(csv.content);
    const row = tables.get('Products')!.find((r) => r[0] === 'Visio')!;
    expect(row[1]).toBe('Microsoft');
    expect(row[6]).toBe(String(visio.gap));
    expect(csv.rows).toBe(4 + c.items.length);
    const pdf = await h.ok<ReportFile>('reports.licenceCompliance', { format: 'pdf' }, h.tokens.aud);
    const text = pdfText(pdf.content);
    expect(text).toContain('Licence compliance');
    expect(text).toContain('Visio');
  });

  it('the asset register counts by status and lists every asset; its CSV rows are the asset export\'s columns', async () => {
    await h.ok('assets.create', { tag: 'REG-1', name: '=HYPERLINK("x")', category: 'Printers' }, h.tokens.tina);
    const csv = await h.ok<ReportFile>('reports.assetRegister', { format: 'csv', siteId: h.siteId }, h.tokens.aud);
    expect(csv.filters).toContain('Site: HQ');
    const { tables } = sections(csv.content.split('\r\nAssets\r\n')[0]! + '\r\n\r\n');
    expect(tables.get('By category')).toContainEqual(['Printers', '1']);
    const assets = Papa.parse<string[]>(csv.content.split('\r\nAssets\r\n')[1]!.trim()).data;
    expect(assets[0]!.slice(0, 2)).toEqual(['Asset Tag', 'Name']);
    const reg = assets.find((r) => r[0] === 'REG-1')!;
    expect(reg[1]).toBe('\'=HYPERLINK("x")'); // a formula in a name stays text in a spreadsheet
    const pdf = await h.ok<ReportFile>('reports.assetRegister', { format: 'pdf' }, h.tokens.tina);
    const text = pdfText(pdf.content);
    expect(text).toContain('Asset register');
    expect(text).toContain('REG-1');
    expect(text).toContain('Printers');
  });
});

describe('risk register and assessment reports', () => {
  it('the risk register: the pack\'s report as PDF, every risk in the import\'s columns as CSV', async () => {
    const r = await h.ok<{ number: string }>('risks.create', { title: 'Backups never tested', reviewEveryDays: 90 }, h.tokens.tina);
    const csv = await h.ok<ReportFile>('reports.riskRegister', { format: 'csv' }, h.tokens.aud);
    expect(csv.filters).toEqual(['Risks: the whole register on this device (every site and matrix)']);
    const [head, body] = csv.content.split('\r\nRisks\r\n');
    expect(head).toContain('Outpost report,Risk register');
    const rows = Papa.parse<string[]>(body!.trim()).data;
    expect(rows[0]![0]).toBe('Number');
    expect(rows.find((row) => row[0] === r.number)).toContain('Backups never tested');
    const pdf = await h.ok<ReportFile>('reports.riskRegister', { format: 'pdf' }, h.tokens.aud);
    expect(pdf.chainHead).toMatch(/^[0-9a-f]{64}$/);
    const text = pdfText(pdf.content);
    expect(text).toContain(r.number);
    expect(text).toContain('Backups never tested');
  });

  it.runIf(csf)('an assessment: every assessable requirement\'s result as CSV, the pack\'s report as PDF', async () => {
    const fw = await h.ok<{ id: string; assessable: number }>('grc.importLibrary', { content: fs.readFileSync(csf!, 'utf8') }, h.tokens.admin);
    const a = await h.ok<{ id: string }>('assessments.start', { frameworkId: fw.id }, h.tokens.aud);
    await h.ok('assessments.assess', { assessmentId: a.id, ref: 'GV.OC-01', result: 'compliant', observation: 'Mission statement on the intranet.' }, h.tokens.aud);
    await h.ok('assessments.assess', { assessmentId: a.id, ref: 'ID.AM-01', result: 'non_compliant' }, h.tokens.aud);
    const csv = await h.ok<ReportFile>('reports.assessment', { assessmentId: a.id, format: 'csv' }, h.tokens.tina);
    const { tables } = sections(csv.content);
    const results = tables.get('Results')!.slice(1);
    expect(results).toHaveLength(fw.assessable);
    expect(results.find((row) => row[0] === 'GV.OC-01')).toEqual(['GV.OC-01', 'Compliant', expect.any(String), 'Mission statement on the intranet.']);
    expect(results.find((row) => row[0] === 'ID.AM-01')![1]).toBe('Non-compliant');
    expect(results.filter((row) => row[1] === 'Not assessed')).toHaveLength(fw.assessable - 2);
    const pdf = await h.ok<ReportFile>('reports.assessment', { assessmentId: a.id, format: 'pdf' }, h.tokens.aud);
    expect(Buffer.from(pdf.content, 'base64').subarray(0, 5).toString()).toBe('%PDF-');
    expect(pdfText(pdf.content)).toContain('GV.OC-01');
    expect((await h.post('reports.assessment', { assessmentId: a.id, format: 'csv' }, h.tokens.rita)).status).toBe(403);
    expect((await h.post('reports.assessment', { assessmentId: '00000000-0000-7000-8000-000000000000', format: 'csv' }, h.tokens.aud)).status).toBe(404);
  });
});
