/**
 * An auditor's home dashboard over the registers in Chromium: risk reviews and acceptances, the
 * compliance score per NIST CSF 2.0 function, and an asset widget added by arranging; each count opens
 * the list of exactly the records it counts.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test, type Page } from '@playwright/test';
import { apiCall, startHost, type RunningHost } from './support/host';
import { SignInPage } from './pages/setup';

test.describe.configure({ mode: 'serial' });

const fixtureRoot = process.env.OUTPOST_FIXTURES ?? path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../shared/fixtures');
const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
let host: RunningHost;
let page: Page;

test.beforeAll(async ({ browser }) => {
  test.setTimeout(120_000);
  host = await startHost();
  const { token, user } = await apiCall<{ token: string; user: { id: string } }>(host, 'setup.init', {
    admin: { username: 'admin', displayName: 'Ada Admin', password: 'password123' },
    site: { name: 'HQ' },
  });
  const siteId = (await apiCall<{ items: { id: string }[] }>(host, 'sites.list', {}, token)).items[0]!.id;
  await apiCall(host, 'users.create', { username: 'aud', displayName: 'Ann Auditor', role: 'auditor', password: 'password123', siteIds: [siteId] }, token);
  const accept = (title: string, expiresOn: string) => apiCall(host, 'risks.create', { title, status: 'accepted', treatment: 'accept', acceptance: { approverId: user.id, justification: 'Low value.', expiresOn } }, token);
  await accept('Old kiosk left unpatched', day(-3));
  await accept('Guest Wi-Fi shares the printer VLAN', day(12));
  await accept('Badge readers on legacy firmware', day(300));
  for (const [tag, warrantyEnd] of [['E2E-1', day(-5)], ['E2E-2', day(400)]] as const) await apiCall(host, 'assets.create', { tag, name: `Laptop ${tag}`, warrantyEnd }, token);
  const fw = await apiCall<{ id: string }>(host, 'grc.importLibrary', { content: readFileSync(path.join(fixtureRoot, 'grc', 'nist-csf-2.0.yaml'), 'utf8') }, token);
  const audToken = (await apiCall<{ token: string }>(host, 'session.login', { username: 'aud', password: 'password123' })).token;
  const a = await apiCall<{ id: string }>(host, 'assessments.start', { frameworkId: fw.id }, audToken);
  await apiCall(host, 'assessments.assess', { assessmentId: a.id, ref: 'GV.OC-01', result: 'compliant' }, audToken);
  await apiCall(host, 'assessments.assess', { assessmentId: a.id, ref: 'GV.OC-02', result: 'non_compliant' }, audToken);
  page = await browser.newPage();
  await page.goto(host.url);
  await new SignInPage(page).signIn('aud', 'password123');
  // Signed in, and the console has opened the auditor's first screen, before the tests go to the
  // dashboard (otherwise that first opening can come after, and land on it instead).
  await expect(page.getByTestId('sign-in')).toHaveCount(0);
  await expect(page).toHaveURL(/#\/[a-z]/);
});

test.afterAll(async () => {
  await page?.close();
  await host?.stop();
});

test('the auditor’s dashboard counts acceptances and opens exactly those risks', async () => {
  await page.goto(`${host.url}/#/dashboard`);
  await expect(page.getByTestId('kpi-risks-open-value')).toHaveText('3');
  // The heat map has nothing to show for risks not scored yet, and says so rather than "empty".
  await expect(page.getByTestId('risks-widget-empty')).toHaveText('3 open risks, none scored on the matrix yet: score them on their pages to see the heat map.');
  await expect(page.getByTestId('kpi-acceptances-expiring-value')).toHaveText('1');
  await expect(page.getByTestId('kpi-acceptances-expired-value')).toHaveText('1');
  await page.getByTestId('kpi-acceptances-expired').click();
  await expect(page).toHaveURL(/#\/risks\?accBefore=\d{4}-\d{2}-\d{2}/);
  await expect(page.getByTestId('risk-acceptance-filter')).toBeVisible();
  await expect(page.getByTestId('risk-total')).toHaveText('1 risk');
  await expect(page.getByText('Old kiosk left unpatched')).toBeVisible();
  await page.getByRole('button', { name: 'Clear the acceptance filter' }).click();
  await expect(page.getByTestId('risk-total')).toHaveText('3 risks');
});

test('the compliance score per function reads the latest assessment, and opens it', async () => {
  await page.goto(`${host.url}/#/dashboard`);
  const fw = page.getByTestId('kpi-compliance-framework');
  await expect(fw.getByTestId('kpi-compliance-score')).toHaveText('50 %');
  await expect(fw.getByTestId('kpi-compliance-functions').getByRole('row').first()).toContainText('GV GOVERN');
  await expect(fw.getByTestId('kpi-compliance-functions').getByRole('row').first()).toContainText('50 %');
  await fw.getByRole('button', { name: /NIST/ }).click();
  await expect(page).toHaveURL(/#\/assessments\/[0-9a-f-]{36}/);
});

test('an asset widget added by arranging opens the assets whose warranty ends', async () => {
  await page.goto(`${host.url}/#/dashboard`);
  await page.getByTestId('dashboard-arrange').click();
  await page.getByTestId('dashboard-add').click();
  await page.getByRole('option', { name: /^Assets:/ }).click();
  await expect(page.getByTestId('kpi-assets-total-value')).toHaveText('2');
  await expect(page.getByTestId('kpi-assets-warranty-value')).toHaveText('1');
  await page.getByTestId('kpi-assets-warranty').click();
  await expect(page).toHaveURL(/#\/assets$/);
  await expect(page.getByTestId('asset-row')).toHaveCount(1);
  await expect(page.getByTestId('asset-row')).toContainText('E2E-1');
});
