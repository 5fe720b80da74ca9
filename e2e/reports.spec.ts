/**
 * Reports in Chromium as a team lead would make them: a service review of this month as PDF and CSV,
 * licence compliance and the asset register, each saved as a file that names its filters and carries
 * the audit-chain head; a wrong period is refused on the page before anything is asked; and the
 * dashboard printed shows its figures and filters without the console around them.
 */
import fs from 'node:fs';
import { expect, test, type Page } from '@playwright/test';
import { apiCall, startHost, type RunningHost } from './support/host';
import { SignInPage } from './pages/setup';

test.describe.configure({ mode: 'serial' });

let host: RunningHost;
let page: Page;
let chainHead = '';

test.beforeAll(async ({ browser }) => {
  host = await startHost();
  const { token } = await apiCall<{ token: string }>(host, 'setup.init', {
    admin: { username: 'lead', displayName: 'Lee Lead', password: 'password123' },
    site: { name: 'HQ' },
    sampleData: true,
  });
  chainHead = (await apiCall<{ head: string }>(host, 'audit.verify', {}, token)).head;
  page = await browser.newPage({ acceptDownloads: true });
  await page.goto(host.url);
  await new SignInPage(page).signIn('lead', 'password123');
});

test.afterAll(async () => {
  await page?.close();
  await host?.stop();
});

async function save(testId: string): Promise<{ name: string; body: Buffer }> {
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId(testId).click()]);
  const file = await download.path();
  return { name: download.suggestedFilename(), body: fs.readFileSync(file) };
}

test('a service review of this month, as PDF and as CSV, names its period and chain head', async () => {
  await page.goto(`${host.url}/#/reports`);
  const today = new Date().toISOString().slice(0, 10);
  const first = `${today.slice(0, 8)}01`;
  await page.getByTestId('report-from').fill(first);
  await page.getByTestId('report-to').fill(today);
  const pdf = await save('report-service-review-pdf');
  expect(pdf.name).toMatch(/^service-review-\d{4}-\d{2}-01-to-\d{4}-\d{2}-\d{2}\.pdf$/);
  expect(pdf.body.subarray(0, 5).toString()).toBe('%PDF-');
  const csv = await save('report-service-review-csv');
  const text = csv.body.toString('utf8');
  expect(text).toContain('Outpost report,Service review');
  expect(text).toContain(`Period: ${first} 00:00 UTC to `);
  // The trail only grows: the head the report carries is this session's or a later one, never empty.
  expect(text).toMatch(/Audit trail chain head,[0-9a-f]{64}/);
  expect(chainHead).toMatch(/^[0-9a-f]{64}$/);
  expect(text).toContain('Figure,This period,Previous period,Change');
  await expect(page.getByText(/^Saved service-review-.*\.csv \(audit-trail chain head [0-9a-f]{12}…\)\.$/)).toBeVisible();
});

test('a period that ends before it starts is refused on the page, with both buttons off', async () => {
  await page.getByTestId('report-from').fill('2026-12-31');
  await page.getByTestId('report-to').fill('2026-12-01');
  await expect(page.getByRole('alert').filter({ hasText: 'The period must end on or after the day it starts.' })).toBeVisible();
  await expect(page.getByTestId('report-service-review-pdf')).toBeDisabled();
  await expect(page.getByTestId('report-service-review-csv')).toBeDisabled();
});

test('licence compliance and the asset register save as files', async () => {
  const lic = await save('report-licence-compliance-csv');
  expect(lic.name).toMatch(/^licence-compliance-\d{4}-\d{2}-\d{2}\.csv$/);
  expect(lic.body.toString('utf8')).toContain('Product,Vendor,Status,Seats in force');
  const risks = await save('report-risk-register-csv');
  expect(risks.name).toMatch(/^risk-register-\d{4}-\d{2}-\d{2}\.csv$/);
  expect(risks.body.toString('utf8')).toContain('Outpost report,Risk register');
  // No assessment yet: the card says so and offers no file.
  await expect(page.getByTestId('report-assessment').getByRole('alert')).toHaveText('No assessment yet: start one from Assessments.');
  await expect(page.getByTestId('report-assessment-pdf')).toBeDisabled();
  const reg = await save('report-asset-register-pdf');
  expect(reg.name).toMatch(/^asset-register-\d{4}-\d{2}-\d{2}\.pdf$/);
  expect(reg.body.subarray(0, 5).toString()).toBe('%PDF-');
});

test('a printed dashboard shows its figures and filters, without the console around them', async () => {
  await page.goto(`${host.url}/#/dashboard`);
  await expect(page.getByTestId('kpi-backlog')).toBeVisible();
  await expect(page.getByTestId('dashboard-print-filters')).toBeHidden();
  await page.emulateMedia({ media: 'print' });
  await expect(page.getByTestId('kpi-backlog')).toBeVisible();
  await expect(page.getByTestId('dashboard-print-filters')).toBeVisible();
  await expect(page.getByTestId('dashboard-print-filters')).toContainText(/All sites · All groups · printed \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC/);
  await expect(page.getByRole('navigation').first()).toBeHidden();
  await expect(page.getByTestId('dashboard-print')).toBeHidden();
  await page.emulateMedia({ media: 'screen' });
  await expect(page.getByTestId('dashboard-print')).toBeVisible();
});
