/**
 * Every screen of the console with something on it: a host with sample data, an SLA policy, a
 * routing rule, a ticket with a known error, an asset with software and known exploited
 * vulnerabilities, an audit, a licence, a framework, a risk, a finding and an assessment; and the
 * screens by address, each with what shows it has finished loading. Shared by the accessibility
 * check and the Tab walk.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, type Page } from '@playwright/test';
import { apiCall, startHost, type RunningHost } from './host';

export interface Screen {
  name: string;
  path: string;
  ready: (p: Page) => Promise<void>;
}

export interface FurnishedHost {
  host: RunningHost;
  screens: Screen[];
}

const fixtureRoot = process.env.OUTPOST_FIXTURES ?? path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../shared/fixtures');
const grcFixture = (f: string) => readFileSync(path.join(fixtureRoot, 'grc', f), 'utf8');

/** A host signed up as admin/password123 with something on every screen. */
export async function furnishedHost(): Promise<FurnishedHost> {
  const host = await startHost();
  const { token } = await apiCall<{ token: string }>(host, 'setup.init', {
    admin: { username: 'admin', displayName: 'Ada Admin', password: 'password123' },
    site: { name: 'HQ' },
    sampleData: true,
  });
  // An SLA policy on office hours and a routing rule, so the queue shows SLA chips and both settings pages have content.
  const cal = await apiCall<{ id: string }>(host, 'sla.saveCalendar', { name: 'Office', timezone: 'Europe/London', hours: [[1, 540, 1020], [2, 540, 1020], [3, 540, 1020], [4, 540, 1020], [5, 540, 1020]], holidays: [{ date: '2026-12-25', name: 'Christmas Day' }] }, token);
  const tg = { response: 60, resolution: 480 };
  await apiCall(host, 'sla.savePolicy', { name: 'Standard', calendarId: cal.id, targets: { '1': tg, '2': tg, '3': tg, '4': tg }, escalations: [] }, token);
  await apiCall(host, 'routing.save', { name: 'Printers', position: 0, conditions: { words: ['printer'] }, actions: { priority: 2, tags: ['printing'] } }, token);
  const t = await apiCall<{ id: string; number: string }>(host, 'tickets.create', { type: 'incident', title: 'Printer on floor 2 jams', impact: 2, urgency: 2 }, token);
  const ticketNumber = t.number;
  // A known error linked to the ticket: its workaround shows on the ticket, the review on the problem's page.
  const problemId = (await apiCall<{ id: string }>(host, 'problems.create', { title: 'Floor 2 printer firmware jams on duplex', ticketIds: [t.id], workaround: 'Print single-sided until the firmware update.', knownError: true, status: 'known_error' }, token)).id;
  await apiCall(host, 'problems.addAction', { id: problemId, description: 'Update the printer firmware', dueOn: '2026-12-31' }, token);
  // Two changes in overlapping windows on the site: the fixing change awaits approval, both show a collision.
  const soon = (h: number) => new Date(Date.now() + h * 3_600_000).toISOString();
  const changeId = (await apiCall<{ id: string }>(host, 'changes.create', { type: 'normal', title: 'Printer firmware update', problemId, windowStart: soon(1), windowEnd: soon(3), backoutPlan: 'Flash the previous firmware.' }, token)).id;
  await apiCall(host, 'changes.move', { id: changeId, to: 'assessment' }, token);
  await apiCall(host, 'changes.move', { id: changeId, to: 'awaiting_approval' }, token);
  await apiCall(host, 'changes.vote', { id: changeId, decision: 'approve', comment: 'Fine by me.' }, token);
  await apiCall(host, 'changes.create', { type: 'standard', title: 'Replace toner on floor 2', windowStart: soon(2), windowEnd: soon(4) }, token);
  const loc = await apiCall<{ id: string }>(host, 'locations.create', { name: 'Store room' }, token);
  const a = await apiCall<{ id: string; tag: string }>(host, 'assets.create', { tag: 'A11Y-0001', name: 'Reception laptop', type: 'laptop', locationId: loc.id }, token);
  const assetTag = a.tag;
  await apiCall(host, 'software.add', { assetId: a.id, name: 'Mozilla Firefox', vendor: 'Mozilla', version: '115.0' }, token);
  // Known exploited vulnerabilities, so the asset page lists exposures with "Raise a risk".
  await apiCall(host, 'software.importKev', { content: readFileSync(path.join(fixtureRoot, 'vulnerabilities', 'cisa-kev.json'), 'utf8') }, token);
  const auditId = (await apiCall<{ id: string }>(host, 'audits.start', { locationId: loc.id }, token)).id;
  const p = await apiCall<{ id: string }>(host, 'licences.createProduct', { name: 'Office 2021', vendor: 'Microsoft' }, token);
  await apiCall(host, 'licences.create', { productId: p.id, type: 'per_device', seats: 5, startDate: '2025-01-01' }, token);
  const fw = await apiCall<{ id: string }>(host, 'grc.importLibrary', { content: grcFixture('nist-csf-2.0.yaml') }, token);
  await apiCall(host, 'grc.importLibrary', { content: grcFixture('critical_risk_matrix_5x5.yaml') }, token);
  const c = await apiCall<{ id: string }>(host, 'controls.create', { name: 'Offline backups' }, token);
  const riskId = (await apiCall<{ id: string }>(host, 'risks.create', { title: 'Ransomware on the plant network', inherent: { likelihood: 4, impact: 5 }, current: { likelihood: 3, impact: 4 }, controlIds: [c.id] }, token)).id;
  const assessmentId = (await apiCall<{ id: string }>(host, 'assessments.start', { frameworkId: fw.id }, token)).id;
  await apiCall(host, 'risks.link', { id: riskId, kind: 'asset', targetId: a.id }, token);
  // A known exploited vulnerability of the laptop linked to the risk: its page lists it, the asset's KEV row names the risk.
  const exposure = (await apiCall<{ items: { cveId: string }[] }>(host, 'software.kevExposure', { assetId: a.id, limit: 1 }, token)).items[0]!;
  await apiCall(host, 'risks.linkKev', { id: riskId, assetId: a.id, cveId: exposure.cveId }, token);
  await apiCall(host, 'risks.link', { id: riskId, kind: 'ticket', targetId: (await apiCall<{ id: string }>(host, 'tickets.getByNumber', { number: ticketNumber }, token)).id }, token);
  const findingId = (await apiCall<{ id: string }>(host, 'findings.create', { kind: 'non_conformity', title: 'No offline backup of the HMI', severity: 'high', assessmentId, links: [{ kind: 'asset', targetId: a.id }, { kind: 'risk', targetId: riskId }] }, token)).id;
  await apiCall(host, 'assessments.assess', { assessmentId, ref: 'GV.OC-01', result: 'compliant', score: 3 }, token);
  const kb = await apiCall<{ id: string }>(
    host,
    'kb.create',
    { title: 'Printer on floor 2 jams', body: '## Clear the jam\n\n| Step | What |\n| --- | --- |\n| 1 | Open tray 2 |\n\n```\nlpstat -p\n```\n\nSee [the manual](https://printers.example.com).', visibility: 'public', tags: ['printing'], category: 'Printing' },
    token,
  );
  await apiCall(host, 'kb.move', { id: kb.id, to: 'published' }, token);
  const articleId = kb.id;
  return { host, screens: screens({ ticketNumber, assetTag, auditId, riskId, assessmentId, problemId, findingId, changeId, articleId }) };
}

/** Screens by address, each with something that shows it has finished loading. */
function screens(ids: { ticketNumber: string; assetTag: string; auditId: string; riskId: string; assessmentId: string; problemId: string; findingId: string; changeId: string; articleId: string }): Screen[] {
  const { ticketNumber, assetTag, auditId, riskId, assessmentId, problemId, findingId, changeId, articleId } = ids;
  const visible = (testid: string) => async (p: Page) => {
    await expect(p.getByTestId(testid).first()).toBeVisible();
  };
  const text = (t: string) => async (p: Page) => {
    await expect(p.getByText(t).first()).toBeVisible();
  };
  const noLoading = async (p: Page) => {
    await expect(p.getByTestId('loading').filter({ visible: true })).toHaveCount(0);
  };
  const both = (...fns: ((p: Page) => Promise<void>)[]) => async (p: Page) => {
    for (const f of fns) await f(p);
  };
  return [
    { name: 'queue', path: '/queue', ready: both(visible('ticket-row'), noLoading) },
    { name: 'breaching soon', path: '/queue?view=breaching_soon', ready: noLoading },
    { name: 'ticket', path: `/queue/${ticketNumber}`, ready: both(visible('ticket-detail'), visible('known-error-workaround'), visible('triage-suggestions'), noLoading) },
    { name: 'changes', path: '/changes', ready: both(visible('change-list'), visible('change-collision'), noLoading) },
    { name: 'change page', path: `/changes/${changeId}`, ready: both(visible('change-votes'), visible('change-collisions'), noLoading) },
    { name: 'change calendar', path: '/changes/calendar', ready: both(visible('calendar-range'), noLoading) },
    { name: 'problems', path: '/problems', ready: both(visible('problem-list'), noLoading) },
    { name: 'problem page', path: `/problems/${problemId}`, ready: both(visible('problem-timeline'), visible('problem-actions'), noLoading) },
    { name: 'assets', path: '/assets', ready: both(visible('asset-row'), noLoading) },
    { name: 'asset page', path: `/assets/${assetTag}`, ready: both(visible('asset-page'), visible('asset-kev-row'), visible('asset-findings'), noLoading) },
    { name: 'asset import', path: '/assets/import', ready: visible('import-wizard') },
    { name: 'audits', path: '/audits', ready: noLoading },
    { name: 'audit session', path: `/audits/${auditId}`, ready: noLoading },
    { name: 'licences', path: '/licences', ready: both(visible('compliance-table'), noLoading) },
    { name: 'software', path: '/software', ready: both(text('No end-of-life catalogue loaded yet'), noLoading) },
    { name: 'risks', path: '/risks', ready: both(visible('risk-list'), visible('heatmap-residual'), noLoading) },
    { name: 'risk page', path: `/risks/${riskId}`, ready: both(visible('risk-history'), visible('risk-incidents'), visible('risk-tickets'), noLoading) },
    { name: 'findings', path: '/findings', ready: both(visible('findings-list'), noLoading) },
    { name: 'finding', path: `/findings?id=${findingId}`, ready: both(visible('finding-panel'), noLoading) },
    { name: 'controls', path: '/controls', ready: both(visible('control-list'), noLoading) },
    { name: 'assessments', path: '/assessments', ready: both(visible('assessment-list'), noLoading) },
    { name: 'assessment', path: `/assessments/${assessmentId}`, ready: both(visible('assessment-tree'), visible('requirement-panel'), noLoading) },
    { name: 'knowledge', path: '/knowledge', ready: both(visible('kb-row'), noLoading) },
    { name: 'knowledge article', path: `/knowledge/${articleId}`, ready: both(visible('kb-revisions'), noLoading) },
    { name: 'knowledge editor', path: `/knowledge/${articleId}/edit`, ready: both(visible('kb-preview'), noLoading) },
    { name: 'alerts', path: '/alerts', ready: noLoading },
    { name: 'conflicts', path: '/conflicts', ready: noLoading },
    { name: 'audit trail', path: '/audit-trail', ready: noLoading },
    { name: 'about', path: '/about', ready: noLoading },
    { name: 'dashboard', path: '/dashboard', ready: both(visible('kpi-backlog'), noLoading) },
    { name: 'reports', path: '/reports', ready: visible('report-service-review') },
    ...['users', 'groups', 'sites', 'locations', 'priority', 'categories', 'sla', 'routing', 'catalogue', 'asset-fields', 'ticket-import', 'sync', 'scanner', 'security'].map((k) => ({
      name: `settings/${k}`,
      path: `/settings/${k}`,
      ready: both(visible('settings-body'), noLoading),
    })),
  ];
}
