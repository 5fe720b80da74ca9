/**
 * Issue 10: Snipe-IT's own sample asset files import as they are, through the Import wizard in
 * Chromium: Mac Roman detected (and overridable), misread UTF-8 repaired in one click, repeated and
 * blank headers noted rather than refused, the team's statuses kept as labels with the type chosen
 * in the preview, and the list showing those labels.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test, type Page } from '@playwright/test';
import { apiCall, startHost, type RunningHost } from './support/host';
import { SignInPage } from './pages/setup';
import { AssetsPage } from './pages/assets';
import { ImportWizardPage } from './pages/import';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const fixtures = path.join(root, 'src/main/services/assets/import/fixtures');
const BAD = path.join(fixtures, 'assets-sample-BAD.csv');
const BLANKS = path.join(fixtures, 'assets-sample-BLANKS.csv');

test.describe.configure({ mode: 'serial' });

let host: RunningHost;
let page: Page;

test.beforeAll(async ({ browser }) => {
  host = await startHost();
  await apiCall(host, 'setup.init', {
    organisation: 'Northwind IT',
    admin: { username: 'ada', displayName: 'Ada Admin', password: 'correct-horse-1' },
    site: { name: 'Head office' },
  });
  page = await browser.newPage();
  await page.goto(host.url);
  await new SignInPage(page).signIn('ada', 'correct-horse-1');
  await expect(page.getByTestId('nav-assets')).toBeVisible();
});

test.afterAll(async () => {
  await page?.close();
  await host?.stop();
});

test('assets-sample-BAD.csv: Mac Roman read, names repaired, statuses kept as labels, all 200 rows imported', async () => {
  const wizard = new ImportWizardPage(page);
  await wizard.open();
  await wizard.pick(BAD);
  await expect(page.getByTestId('import-format')).toHaveValue('Snipe-IT assets');

  // The encoding found, with values to check by eye.
  await expect(wizard.encoding()).toHaveText('Mac Roman');
  await expect(wizard.nonAscii()).toContainText('Lutsâ€™k');
  // Overridden, the same bytes read as Latin-1 turn into something else; back to detected.
  await wizard.readAs('Latin-1 (ISO-8859-1)');
  await expect(wizard.encoding()).toHaveText('Latin-1 (ISO-8859-1) (chosen)');
  await expect(wizard.nonAscii()).toContainText('Ûªk');
  await wizard.readAs(/^As detected$/);
  await expect(wizard.encoding()).toHaveText('Mac Roman');

  // The place names that were UTF-8 misread before they reached the file: offered a repair.
  await expect(wizard.mojibake()).toContainText('“Lutsâ€™k” → “Luts’k”');
  await wizard.repair();
  await expect(wizard.nonAscii()).toContainText('Luts’k');

  await wizard.preview();
  await expect(wizard.errorsBadge()).toHaveText('0 errors');
  await expect(wizard.headerNotes()).toContainText(
    '"Category" appears 2 times (columns 6, 13) with the same values on every row: read once.',
  );

  // Statuses: Snipe-IT's defaults are known; the team's own become new labels with a proposed type.
  await expect(wizard.statusLabel('Ready to Deploy')).toContainText('Snipe-IT default');
  await expect(wizard.statusLabel('Undeployable')).toContainText('new');
  const pendingType = page.getByRole('combobox', { name: 'Type for Pending Diagnostics' });
  await expect(pendingType).toHaveValue('Undeployable (in repair)');
  await wizard.setLabelType('Pending Diagnostics', 'Pending (on order)');

  await expect(page.getByTestId('import-commit')).toHaveText('Import 200 rows');
  const done = await wizard.commit();
  expect(done).toContain('200 created');

  // The list shows the labels and the repaired names.
  const assets = new AssetsPage(page);
  await page.getByRole('button', { name: 'Open the asset list' }).click();
  await expect(page.getByTestId('asset-search')).toBeVisible();
  await page.getByTestId('asset-search').fill('441402118-9');
  await expect(assets.rows()).toHaveCount(1);
  await expect(assets.rows().first()).toContainText('Luts’k');
  await expect(assets.rows().first().getByTestId('asset-status')).toHaveText('Lost');
  await page.getByTestId('asset-search').fill('103538064-1');
  await expect(assets.rows()).toHaveCount(1);
  await expect(assets.rows().first().getByTestId('asset-status')).toHaveText('Pending Diagnostics');
});

test('MOCK_ASSETS_BLANKS.csv: blank headers are a note, and the labels imported before are the team’s now', async () => {
  const wizard = new ImportWizardPage(page);
  await wizard.open();
  await wizard.pick(BLANKS);
  await wizard.preview();
  await expect(wizard.errorsBadge()).toHaveText('0 errors');
  await expect(wizard.headerNotes()).toContainText('Columns 5, 9, 14 have no header and are ignored.');
  await expect(wizard.statusLabel('Pending Diagnostics')).toContainText("team's");
  await expect(wizard.statusLabel('Pending Diagnostics')).toContainText('Pending (on order)');
});
