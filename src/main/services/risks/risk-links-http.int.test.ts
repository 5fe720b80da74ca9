/**
 * The risk register beside assets, tickets and vulnerabilities, over the real browser host: a
 * technician loads the CISA KEV catalogue from the fixtures, raises a risk from a server exposed to
 * a known exploited vulnerability, sees it (and an auditor's open finding) from the asset, counts
 * the incidents on it, links a ticket from the ticket's side; the register pages past 500 by cursor
 * and findings filter by severity and status. Requesters receive none of it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRuntime, type StartedRuntime } from '../../runtime';
import { startHost, type Host } from '../../host/server';
import { tempDir } from '../../testing';
import { FIXTURES } from '../assets/test-fixtures';
import type { Risk, RiskDraft, RiskImportResult, RiskSummary } from '../../../shared/api/risks';
import { workbook } from '../../testing/xlsx';
import type { Finding } from '../../../shared/api/findings';

let tmp: ReturnType<typeof tempDir>;
let rt: StartedRuntime;
let host: Host;
const tokens = { admin: '', tech: '', auditor: '', requester: '' };

async function post<T = Record<string, unknown>>(name: string, input: unknown, token: string) {
  const res = await fetch(`${host.url}/api/${name}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify(input),
  });
  return { status: res.status, body: (await res.json()) as { ok: boolean; value: T; error?: { code: string; message: string } } };
}
async function ok<T = Record<string, unknown>>(name: string, input: unknown, token: string): Promise<T> {
  const r = await post<T>(name, input, token);
  expect(r.body.error, `${name}: ${JSON.stringify(r.body.error)}`).toBeUndefined();
  return r.body.value;
}

beforeAll(async () => {
  tmp = tempDir('outpost-risk-links-http-');
  rt = startRuntime({ dataDir: tmp.dir });
  host = await startHost(rt, { port: 0, staticDir: null });
  const init = await post<{ token: string }>(
    'setup.init',
    { admin: { username: 'admin', displayName: 'Ada Admin', password: 'password123' }, site: { name: 'Plant' } },
    '',
  );
  tokens.admin = init.body.value.token;
  const site = (await ok<{ items: { id: string }[] }>('sites.list', {}, tokens.admin)).items[0]!.id;
  for (const role of ['technician', 'auditor', 'requester'] as const) {
    const name = role === 'technician' ? 'tech' : role;
    await ok('users.create', { username: name, displayName: name, role, password: 'password123', siteIds: [site] }, tokens.admin);
    tokens[name] = (await ok<{ token: string }>('session.login', { username: name, password: 'password123' }, '')).token;
  }
});
afterAll(async () => {
  await host?.close();
  rt?.close();
  tmp?.cleanup();
});

describe('risks beside assets, tickets and vulnerabilities over HTTP', () => {
  it('raises a risk from a KEV-exposed asset and shows it, with an open finding and the incidents, from both sides', async () => {
    const kev = fs.readFileSync(path.join(FIXTURES, 'vulnerabilities/cisa-kev.json'), 'utf8');
    const loaded = await ok<{ entries: number }>('software.importKev', { content: kev }, tokens.tech);
    expect(loaded.entries).toBe((JSON.parse(kev) as { vulnerabilities: unknown[] }).vulnerabilities.length);
    const srv = await ok<{ id: string }>('assets.create', { tag: 'BUILD-1', name: 'Build server', type: 'server' }, tokens.tech);
    await ok('software.add', { assetId: srv.id, name: 'git', vendor: 'Git', version: '2.45.1' }, tokens.tech);
    const exposures = await ok<{ items: { cveId: string }[] }>('software.kevExposure', { assetId: srv.id }, tokens.tech);
    expect(exposures.items.map((e) => e.cveId)).toContain('CVE-2025-48384');

    const draft = await ok<RiskDraft>('risks.kevDraft', { assetId: srv.id, cveId: 'CVE-2025-48384' }, tokens.tech);
    expect(draft).toMatchObject({ title: 'CVE-2025-48384 on BUILD-1 (git)', assetIds: [srv.id] });
    expect(draft.vulnerabilities).toContain('CVE-2025-48384 in Git Git, installed on BUILD-1 Build server as git 2.45.1.');
    expect(draft.threats).toContain('Git Link Following Vulnerability');
    // The auditor reads risks but raises none, not even a draft.
    expect((await post('risks.kevDraft', { assetId: srv.id, cveId: 'CVE-2025-48384' }, tokens.auditor)).status).toBe(403);
    expect((await post('risks.kevDraft', { assetId: srv.id, cveId: 'CVE-1999-0001' }, tokens.tech)).body.error!.message).toBe(
      'BUILD-1 is not exposed to CVE-1999-0001 in the KEV catalogue on this device.',
    );

    const risk = await ok<Risk>(
      'risks.create',
      { title: draft.title, threats: draft.threats, vulnerabilities: draft.vulnerabilities, assetIds: draft.assetIds, kev: draft.kev, inherent: { likelihood: 4, impact: 4 } },
      tokens.tech,
    );
    expect(risk.assets.map((a) => a.tag)).toEqual(['BUILD-1']);
    // The exposure is linked with the risk, read with the KEV catalogue's data; the asset's KEV row names the risk.
    expect(risk.kev).toEqual([
      expect.objectContaining({ assetId: srv.id, assetTag: 'BUILD-1', cveId: 'CVE-2025-48384', vulnerabilityName: 'Git Link Following Vulnerability', dueDate: '2025-09-15' }),
    ]);
    expect((await ok<{ items: { cveId: string; riskId: string }[] }>('risks.kevCoverage', { assetId: srv.id }, tokens.auditor)).items).toEqual([
      expect.objectContaining({ cveId: 'CVE-2025-48384', riskId: risk.id }),
    ]);
    expect((await post('risks.kevCoverage', { assetId: srv.id }, tokens.requester)).status).toBe(403);
    expect((await post('risks.linkKev', { id: risk.id, assetId: srv.id, cveId: 'CVE-2025-48384', present: false }, tokens.auditor)).status).toBe(403);
    expect((await post('risks.linkKev', { id: risk.id, assetId: srv.id, cveId: 'CVE-25-1' }, tokens.tech)).body.error!.message).toContain('A CVE id looks like CVE-2024-3400.');
    expect((await post('risks.linkKev', { id: risk.id, assetId: srv.id, cveId: 'CVE-1999-0001' }, tokens.tech)).body.error!.message).toBe(
      'BUILD-1 is not exposed to CVE-1999-0001 in the KEV catalogue on this device.',
    );
    expect((await ok<Risk>('risks.linkKev', { id: risk.id, assetId: srv.id, cveId: 'CVE-2025-48384', present: false }, tokens.tech)).kev).toEqual([]);
    expect((await ok<Risk>('risks.linkKev', { id: risk.id, assetId: srv.id, cveId: 'CVE-2025-48384' }, tokens.tech)).kev.map((k) => k.cveId)).toEqual(['CVE-2025-48384']);

    // The asset's page: its risks and its open findings.
    const finding = await ok<Finding>(
      'findings.create',
      { kind: 'non_conformity', title: 'Build server unpatched for 90 days', severity: 'high', links: [{ kind: 'asset', targetId: srv.id }] },
      tokens.auditor,
    );
    const onAsset = await ok<{ items: RiskSummary[] }>('risks.list', { assetId: srv.id }, tokens.auditor);
    expect(onAsset.items.map((r) => r.number)).toEqual([risk.number]);
    const open = await ok<{ items: Finding[] }>('findings.list', { status: 'open', link: { kind: 'asset', targetId: srv.id } }, tokens.auditor);
    expect(open.items.map((f) => f.id)).toEqual([finding.id]);
    await ok('findings.update', { id: finding.id, fields: { status: 'closed' } }, tokens.auditor);
    expect((await ok<{ items: Finding[] }>('findings.list', { status: 'open', link: { kind: 'asset', targetId: srv.id } }, tokens.auditor)).items).toEqual([]);

    // Incidents on the asset argue the likelihood; a request does not count.
    const inc = await ok<{ id: string; number: string }>('tickets.create', { type: 'incident', title: 'Build server compromised?', linkedAssetId: srv.id }, tokens.tech);
    await ok('tickets.create', { type: 'request', title: 'More disk for the build server', linkedAssetId: srv.id }, tokens.tech);
    const seen = await ok<Risk>('risks.get', { id: risk.id }, tokens.auditor);
    expect(seen.incidents.count).toBe(1);
    expect(seen.incidents.items.map((t) => [t.number, t.assetTag])).toEqual([[inc.number, 'BUILD-1']]);

    // The ticket links to the risk (the ticket's side); the risk's page lists it.
    await ok('risks.link', { id: risk.id, kind: 'ticket', targetId: inc.id }, tokens.tech);
    expect((await ok<{ items: RiskSummary[] }>('risks.forTicket', { ticketId: inc.id }, tokens.auditor)).items.map((r) => r.number)).toEqual([risk.number]);
    expect((await ok<Risk>('risks.get', { id: risk.id }, tokens.tech)).tickets.map((t) => t.number)).toEqual([inc.number]);
    expect((await post('risks.link', { id: risk.id, kind: 'ticket', targetId: inc.id, present: false }, tokens.auditor)).status).toBe(403);

    // Requesters see none of it.
    for (const [call, input] of [
      ['risks.forTicket', { ticketId: inc.id }],
      ['risks.list', { assetId: srv.id }],
      ['findings.list', {}],
    ] as const)
      expect((await post(call, input, tokens.requester)).status, call).toBe(403);
  });

  it('pages the register past 500 by cursor, and filters findings by severity and status', async () => {
    const made = new Set<string>();
    for (let i = 0; i < 520; i++) made.add((await ok<Risk>('risks.create', { title: `Paged risk ${i}` }, tokens.tech)).number);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { items: RiskSummary[]; total: number; nextCursor: string | null } = await ok('risks.list', { limit: 500, cursor, q: 'Paged risk' }, tokens.auditor);
      expect(page.total).toBe(520);
      seen.push(...page.items.map((r) => r.number));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toHaveLength(520);
    expect(new Set(seen)).toEqual(made);
    expect((await post('risks.list', { limit: 501 }, tokens.auditor)).body.error!.message).toMatch(/at most 500 risks/);

    for (const [severity, status] of [
      ['critical', 'open'],
      ['low', 'open'],
      ['critical', 'resolved'],
    ] as const)
      await ok('findings.create', { kind: 'observation', title: `${severity} ${status}`, severity, status }, tokens.auditor);
    const critical = await ok<{ items: Finding[] }>('findings.list', { severities: ['critical'], statuses: ['open', 'in_progress'] }, tokens.tech);
    expect(critical.items.map((f) => f.title)).toEqual(['critical open']);
    const bad = await post('findings.list', { severities: ['urgent'] }, tokens.tech);
    expect(bad.status).toBe(400);
  });
});

describe('risk import over HTTP', () => {
  it('previews an Excel workbook with levels from the matrix, then raises every row at once', async () => {
    const file = workbook([
      ['Title', 'Likelihood', 'Impact', 'Level'],
      ['Imported: UPS batteries past their life', 2, 4, 'Critical'],
      ['Imported: single fibre link', 'Very high', 'Low', null],
    ]).toString('base64');
    const dry = await ok<RiskImportResult>('risks.import', { contentBase64: file, dryRun: true }, tokens.tech);
    expect(dry).toMatchObject({ format: 'xlsx', rows: 2, errors: [], created: 0 });
    expect(dry.preview.map((p) => [p.inherent.likelihood, p.inherent.impact])).toEqual([
      [2, 4],
      [5, 2],
    ]);
    expect(dry.notes.join(' ')).toMatch(/"Level" is not imported/);
    const done = await ok<RiskImportResult>('risks.import', { contentBase64: file }, tokens.tech);
    expect(done.created).toBe(2);
    const listed = await ok<{ items: RiskSummary[] }>('risks.list', { q: 'Imported:' }, tokens.auditor);
    expect(listed.items.map((r) => r.inherent.level?.name)).toEqual(dry.preview.map((p) => p.inherent.level?.name).reverse());
    expect((await post('risks.import', { contentBase64: file }, tokens.auditor)).status).toBe(403);
    const bad = await ok<RiskImportResult>('risks.import', { content: 'Title,Impact\nNo likelihood,3\n' }, tokens.tech);
    expect(bad).toMatchObject({ created: 0, errors: [{ row: 1, column: 'Impact', message: 'An inherent score needs both a likelihood and an impact.' }] });
  });
});
