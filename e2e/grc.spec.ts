/**
 * Issue 11 end to end, in Chromium against the real browser host: an administrator imports NIST CSF
 * 2.0 and the 5×5 risk matrix from their library files; an auditor starts an assessment and assesses
 * requirements from the keyboard (↓ to move, n for the next not assessed, 1–4 for a result) and sees
 * the progress; a heat map cell filters the risk register.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test, type Page } from '@playwright/test';
import { apiCall, startHost, type RunningHost } from './support/host';
import { SignInPage } from './pages/setup';
import { AssessmentsPageModel, RisksPageModel } from './pages/grc';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const fixtures = process.env.OUTPOST_FIXTURES ?? path.resolve(root, '../shared/fixtures');
const NIST = path.join(fixtures, 'grc/nist-csf-2.0.yaml');
const MATRIX = path.join(fixtures, 'grc/critical_risk_matrix_5x5.yaml');

test.describe.configure({ mode: 'serial' });

let host: RunningHost;
let adminToken: string;

test.beforeAll(async () => {
  if (!existsSync(NIST) || !existsSync(MATRIX)) throw new Error(`The GRC fixtures are not at ${path.dirname(NIST)}: set OUTPOST_FIXTURES to the shared fixtures folder.`);
  host = await startHost();
  adminToken = (
    await apiCall<{ token: string }>(host, 'setup.init', {
      organisation: 'Northwind Plant',
      admin: { username: 'ada', displayName: 'Ada Admin', password: 'correct-horse-1' },
      site: { name: 'Plant' },
    })
  ).token;
  await apiCall(host, 'users.create', { username: 'otto', displayName: 'Otto Auditor', role: 'auditor', password: 'correct-horse-3' }, adminToken);
});
test.afterAll(async () => {
  await host?.stop();
});

async function signIn(page: Page, user: string, password: string) {
  await page.goto(host.url);
  await new SignInPage(page).signIn(user, password);
  await expect(page.getByTestId('nav-assessments')).toBeVisible();
}

test('an administrator imports NIST CSF 2.0 and the 5×5 matrix from their files', async ({ page }) => {
  await signIn(page, 'ada', 'correct-horse-1');
  await page.getByTestId('nav-assessments').click();
  const a = new AssessmentsPageModel(page);
  await a.importLibrary(NIST);
  await expect(page.getByText(/Imported NIST CSF v2\.0: 134 requirements, 106 assessable/)).toBeVisible();
  await a.importLibrary(MATRIX);
  await expect(page.getByText(/Imported critical 5x5/)).toBeVisible();
});

test('an auditor assesses requirements from the keyboard and sees the progress', async ({ page }) => {
  await signIn(page, 'otto', 'correct-horse-3');
  await page.getByTestId('nav-assessments').click();
  const a = new AssessmentsPageModel(page);
  await a.start(/NIST CSF v2\.0/);
  await expect(a.progress()).toHaveText(/0 of 106 assessed/);
  // The first row is the GV function (a heading); n goes to the first requirement not assessed.
  await a.keys('n');
  await expect(a.selected()).toHaveAttribute('data-ref', 'GV.OC-01');
  await a.keys('1');
  await expect(a.result('GV.OC-01')).toHaveText('Compliant');
  await a.keys('ArrowDown', '2');
  await expect(a.result('GV.OC-02')).toHaveText('Partially compliant');
  await a.keys('n', '3');
  await expect(a.result('GV.OC-03')).toHaveText('Non-compliant');
  await a.keys('n', '4');
  await expect(a.result('GV.OC-04')).toHaveText('Not applicable');
  await a.keys('ArrowUp', 'ArrowUp', '1');
  await expect(a.result('GV.OC-02')).toHaveText('Compliant');
  // Two compliant and one non-compliant of three applicable.
  await expect(a.progress()).toHaveText(/4 of 106 assessed · 66.7% compliant/);
  // Progress per function.
  await expect(page.getByTestId('assessment-groups')).toContainText('4/');
  // Back in the list, the assessment shows where it stands.
  await page.reload();
  await expect(a.progress()).toHaveText(/4 of 106 assessed/);
});

test('a heat map cell filters the risk register', async ({ page }) => {
  for (const [title, l, i] of [
    ['Ransomware on the plant network', 4, 5],
    ['Flooded server room', 2, 3],
    ['Stolen auditor laptop', 4, 5],
  ] as const)
    await apiCall(host, 'risks.create', { title, inherent: { likelihood: l, impact: i } }, adminToken);
  await signIn(page, 'ada', 'correct-horse-1');
  await page.getByTestId('nav-risks').click();
  const r = new RisksPageModel(page);
  await expect(r.total()).toHaveText('3 risks');
  await expect(r.cell('inherent', 4, 5)).toHaveText('2');
  await r.cell('inherent', 4, 5).click();
  await expect(r.total()).toHaveText('2 risks');
  await expect(r.rows()).toHaveCount(2);
  await r.cell('inherent', 4, 5).click();
  await expect(r.total()).toHaveText('3 risks');
});

test("an administrator scores a second site's register on another matrix, told what happens to its risks, and exports the register", async ({ page }) => {
  // The 5×5 is the team's matrix (imported above; importing it again changes nothing).
  await apiCall(host, 'grc.importLibrary', { content: readFileSync(MATRIX, 'utf8') }, adminToken);
  const m3 = await apiCall<{ id: string; name: string }>(host, 'grc.importLibrary', { content: readFileSync(path.join(fixtures, 'grc/risk-matrix-3x3-mult.yaml'), 'utf8') }, adminToken);
  const depot = await apiCall<{ id: string }>(host, 'sites.create', { name: 'Depot' }, adminToken);
  await apiCall(host, 'risks.create', { title: 'Forklift hits the rack', siteId: depot.id, inherent: { likelihood: 2, impact: 2 } }, adminToken);
  await signIn(page, 'ada', 'correct-horse-1');
  await page.getByTestId('nav-risks').click();
  const r = new RisksPageModel(page);
  await r.chooseRegister('Depot');
  await expect(r.total()).toHaveText('1 risk');
  await r.chooseMatrix(m3.name);
  await page.getByTestId('register-matrix').click();
  const dialog = page.getByRole('dialog', { name: /Change the matrix of Depot’s register/ });
  await expect(dialog).toContainText(`New risks of Depot will be scored on ${m3.name}. Its 1 existing risk keeps the matrix it was scored on`);
  await dialog.getByTestId('register-matrix-confirm').click();
  await expect(page.getByText(/keep it, and keep their levels, until someone re-scores them/)).toBeVisible();
  await expect(page.getByText(`New risks here are scored on ${m3.name}.`)).toBeVisible();

  await page.getByTestId('risk-export').click();
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('risk-export-csv').click()]);
  expect(download.suggestedFilename()).toMatch(/^risks-\d{4}-\d{2}-\d{2}\.csv$/);
  const text = readFileSync(await download.path(), 'utf8');
  expect(text).toContain('Number,Title,Status,Category,Owner,Site,Matrix,Inherent likelihood,Inherent impact,Inherent level');
  expect(text).toContain('Forklift hits the rack');
  expect(text).not.toContain('Ransomware on the plant network');
});
