/**
 * Issue 11's links, end to end in Chromium against the real browser host: a technician opens a
 * build server exposed to a known exploited vulnerability (the CISA KEV catalogue from the fixtures),
 * raises a risk from it with the vulnerability filled in and the exposure linked (its due date on the
 * risk's page, the asset tag opening the asset, the asset's KEV row naming the risk), sees the risk on the asset's page and the
 * asset's recent incident counted on the risk's page, links that incident to the risk and finds the
 * risk on the ticket; the Findings screen filters by severity and opens a finding from the keyboard.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from '@playwright/test';
import { apiCall, startHost, type RunningHost } from './support/host';
import { SignInPage } from './pages/setup';

const fixtures = process.env.OUTPOST_FIXTURES ?? path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../shared/fixtures');

let host: RunningHost;
let incident: string;

test.beforeAll(async () => {
  host = await startHost();
  const { token } = await apiCall<{ token: string }>(host, 'setup.init', {
    admin: { username: 'ada', displayName: 'Ada Admin', password: 'correct-horse-1' },
    site: { name: 'Plant' },
  });
  const site = (await apiCall<{ items: { id: string }[] }>(host, 'sites.list', {}, token)).items[0]!.id;
  await apiCall(host, 'users.create', { username: 'tess', displayName: 'Tess Technician', role: 'technician', password: 'correct-horse-2', siteIds: [site] }, token);
  await apiCall(host, 'users.create', { username: 'otto', displayName: 'Otto Auditor', role: 'auditor', password: 'correct-horse-3' }, token);
  await apiCall(host, 'software.importKev', { content: readFileSync(path.join(fixtures, 'vulnerabilities/cisa-kev.json'), 'utf8') }, token);
  const a = await apiCall<{ id: string }>(host, 'assets.create', { tag: 'BUILD-1', name: 'Build server', type: 'server' }, token);
  await apiCall(host, 'software.add', { assetId: a.id, name: 'git', vendor: 'Git', version: '2.45.1' }, token);
  incident = (await apiCall<{ number: string }>(host, 'tickets.create', { type: 'incident', title: 'Strange commits on the build server', linkedAssetId: a.id }, token)).number;
  const auditor = (await apiCall<{ token: string }>(host, 'session.login', { username: 'otto', password: 'correct-horse-3' })).token;
  for (const [title, severity] of [
    ['Build server unpatched', 'critical'],
    ['Backups not tested', 'low'],
  ] as const)
    await apiCall(host, 'findings.create', { kind: 'non_conformity', title, severity, links: [{ kind: 'asset', targetId: a.id }] }, auditor);
});
test.afterAll(async () => {
  await host?.stop();
});

test('a technician raises a risk from a KEV-exposed asset and sees it on the asset, with its incident, linked both ways', async ({ page }) => {
  await page.goto(host.url);
  await new SignInPage(page).signIn('tess', 'correct-horse-2');
  await page.goto(`${host.url}/#/assets/BUILD-1`);
  const grc = page.getByTestId('asset-grc');
  await expect(grc.getByTestId('asset-risks')).toContainText('No risk names this asset.');
  await expect(grc.getByTestId('asset-findings')).toContainText('Build server unpatched');
  await grc.getByTestId('raise-risk-CVE-2025-48384').click();

  const dialog = page.getByRole('dialog', { name: 'Raise a risk from this exposure' });
  await expect(dialog.getByTestId('risk-title')).toHaveValue('CVE-2025-48384 on BUILD-1 (git)');
  await expect(dialog.getByTestId('risk-vulnerabilities')).toHaveValue(/CVE-2025-48384 in Git Git, installed on BUILD-1 Build server as git 2\.45\.1\./);
  await expect(dialog.getByTestId('risk-threats')).toHaveValue(/Git Link Following Vulnerability/);
  await expect(dialog).toContainText('Affected asset: BUILD-1 Build server');
  await dialog.getByTestId('risk-save').click();

  // The risk's page: the asset, and the asset's incident of the last 90 days as evidence.
  await expect(page.getByTestId('risk-number')).toHaveText(/RSK-0001/);
  await expect(page.getByTestId('risk-assets')).toContainText('BUILD-1 Build server');
  await expect(page.getByTestId('risk-incident-count')).toHaveText('1');
  await expect(page.getByTestId('risk-incidents')).toContainText(incident);
  // The exposure it was raised for is linked, with the KEV catalogue's due date.
  const kevRow = page.getByTestId('risk-kev-row');
  await expect(kevRow).toHaveCount(1);
  await expect(kevRow).toContainText('CVE-2025-48384');
  await expect(kevRow).toContainText('Git Link Following Vulnerability');
  await expect(kevRow.getByTestId('risk-kev-due')).toHaveText('2025-09-15');

  // Link the incident to the risk by its number; the ticket shows the risk.
  await page.getByTestId('risk-ticket-number').fill(incident);
  await page.getByTestId('risk-ticket-number').press('Enter');
  await expect(page.getByTestId('risk-tickets')).toContainText('Strange commits on the build server');
  await page.getByTestId('risk-incidents').getByRole('link', { name: incident }).click();
  await expect(page.getByTestId('ticket-risks')).toContainText('RSK-0001');

  // Back to the risk; its KEV row's asset tag opens the asset, whose KEV row names the risk that covers it.
  await page.goBack();
  await page.getByTestId('risk-kev-asset').filter({ hasText: 'BUILD-1' }).click();
  await expect(page).toHaveURL(/#\/assets\//);
  await expect(page.getByTestId('asset-risks')).toContainText('RSK-0001');
  await expect(page.getByTestId('asset-risks')).toContainText('CVE-2025-48384 on BUILD-1 (git)');
  const exposure = page.getByTestId('asset-kev-row').filter({ hasText: 'CVE-2025-48384' });
  await expect(exposure.getByTestId('asset-kev-risks')).toContainText('Covered by RSK-0001');
});

test('the Findings screen filters by severity and opens a finding from the keyboard', async ({ page }) => {
  await page.goto(host.url);
  await new SignInPage(page).signIn('otto', 'correct-horse-3');
  await page.getByTestId('nav-findings').click();
  const list = page.getByTestId('findings-list');
  await expect(list.getByRole('listitem')).toHaveCount(2);
  await page.getByRole('combobox', { name: 'Severity' }).click();
  await page.getByRole('option', { name: 'Critical' }).click();
  await page.keyboard.press('Escape');
  await expect(list.getByRole('listitem')).toHaveCount(1);
  await page.locator('body').click({ position: { x: 5, y: 5 } });
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('finding-panel')).toContainText('Build server unpatched');
  await expect(page.getByTestId('finding-panel')).toContainText('BUILD-1 Build server');
});

test('a technician imports risks from a CSV: a bad row stops it, the fixed file imports with levels from the matrix', async ({ page }) => {
  await page.goto(host.url);
  await new SignInPage(page).signIn('tess', 'correct-horse-2');
  await page.getByTestId('nav-risks').click();
  await page.getByTestId('risk-import').click();
  const dialog = page.getByRole('dialog', { name: 'Import risks' });
  const csv = (rows: string[]) => ({ name: 'register.csv', mimeType: 'text/csv', buffer: Buffer.from(['Risk,Likelihood,Impact,Level', ...rows].join('\n')) });
  await dialog.locator('input[type=file]').setInputFiles(csv(['Imported flood risk,2,3,Critical', 'Imported fire risk,7,1,Low']));
  await expect(dialog.getByTestId('risk-import-errors')).toContainText('Row 2, Likelihood: Likelihood 7 is off the scale: it has 5 levels (1 to 5).');
  await expect(dialog).toContainText('"Level" is not imported');
  await expect(dialog.getByTestId('risk-import-go')).toBeDisabled();
  await dialog.locator('input[type=file]').setInputFiles(csv(['Imported flood risk,2,3,Critical', 'Imported fire risk,5,1,Low']));
  await expect(dialog.getByTestId('risk-import-preview').getByRole('row')).toHaveCount(3);
  await dialog.getByTestId('risk-import-go').click();
  await expect(dialog).toBeHidden();
  await page.locator('#risk-search').fill('Imported');
  await expect(page.getByTestId('risk-total')).toHaveText('2 risks');
});
