/**
 * Issue 10: Snipe-IT's own sample asset files import as they are, through the Import wizard in
 * Chromium: Mac Roman detected (and overridable), misread UTF-8 repaired in one click, repeated and
 * blank headers noted rather than refused, the team's statuses kept as labels with the type chosen
 * in the preview, and the list showing those labels.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import AxeBuilder from '@axe-core/playwright';
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
  // The button's label is whole beside the long list of examples.
  await expect(page.getByTestId('import-repair')).toHaveText('Repair 6');
  const clipped = await page
    .getByTestId('import-repair')
    .locator('.mantine-Button-label')
    .evaluate((el) => el.scrollWidth > el.clientWidth);
  expect(clipped).toBe(false);
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

  // The rows as they will be stored, in words: a row with no status but a person is deployed.
  const rows = page.getByTestId('import-preview-rows');
  await expect(rows.getByRole('columnheader')).toHaveText(['Row', 'Action', 'Asset tag', 'Name', 'Type', 'Status', 'Location', 'Assigned to']);
  await expect(rows.getByRole('row').filter({ hasText: '266501579-5' })).toContainText('Deployed');
  await expect(rows.getByRole('row').filter({ hasText: '266501579-5' })).toContainText('Other');

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

test('a team’s own sheet through the column mapping: each column mapped on its own, Username as the assignee, warranty months counted', async () => {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'outpost-sheet-')), 'team-sheet.csv');
  fs.writeFileSync(
    file,
    [
      'Device ID,Description,Full Name,Username,Email,Purchased,Warranty (months),Room,,Room,Condition',
      'GEN-001,ThinkPad T14,Sam Lee,slee,sam.lee@example.org,2024-03-01,36,Lab 1,x,Lab 1,Ready to Deploy',
      'GEN-002,Dell U2720Q,Ana Díaz,adiaz,ana.diaz@example.org,2023-11-15,24,Lab 2,,Lab 2,Out for Repair',
      'GEN-003,iPad Air,,,,2022-06-30,12,Store,y,Store room,Ready to Deploy',
    ].join('\n') + '\n',
  );
  const wizard = new ImportWizardPage(page);
  await wizard.open();
  await wizard.pick(file);
  await expect(page.getByTestId('import-format')).toHaveValue('Other CSV (map the columns)');
  // Proposed: Username (not Full Name or Email) as the assignee, the warranty as months.
  await expect(wizard.columnField('Username', 4)).toHaveValue('Assigned to (username or email)');
  await expect(wizard.columnField('Full Name', 3)).toHaveValue('Ignore this column');
  await expect(wizard.columnField('Email', 5)).toHaveValue('Ignore this column');
  await expect(wizard.columnField('Warranty (months)', 7)).toHaveValue('Warranty (months from purchase)');

  await wizard.mapColumn('Device ID', 1, 'Asset tag');
  await wizard.mapColumn('Description', 2, 'Name');
  await wizard.mapColumn('Purchased', 6, 'Purchase date');
  await wizard.mapColumn('Room', 8, 'Location');
  await wizard.mapColumn('Room', 10, 'Location');
  await wizard.mapColumn('Condition', 11, 'Status');
  // The second Room to Ignore leaves the first one read.
  await wizard.mapColumn('Room', 10, 'Ignore this column');
  await expect(wizard.columnField('Room', 8)).toHaveValue('Location');

  await wizard.preview();
  await expect(wizard.errorsBadge()).toHaveText('0 errors');
  await expect(page.getByTestId('preview-warnings')).toHaveCount(0);
  await expect(wizard.headerNotes()).toHaveText(/Column 9 has no header and is ignored/);
  await expect(page.getByTestId('import-preview-result')).toContainText('Warranty (months) → Warranty (months from purchase)');
  await expect(page.getByTestId('import-row-notes')).toContainText(
    '1 row names a person but has a status that is not deployable (Out for Repair 1): that asset is imported without being checked out to anyone',
  );
  // The preview with its notes, warnings and label table: nothing serious or critical for axe.
  // Legacy mode: this page was opened with browser.newPage(), where axe cannot open its helper page.
  const axe = await new AxeBuilder({ page }).setLegacyMode(true).include('[data-testid="import-wizard"]').withTags(['wcag2a', 'wcag2aa']).analyze();
  expect(axe.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => v.id)).toEqual([]);
  const done = await wizard.commit();
  expect(done).toContain('3 created');

  await page.getByRole('button', { name: 'Open the asset list' }).click();
  await page.getByTestId('asset-search').fill('GEN-003');
  const assets = new AssetsPage(page);
  await expect(assets.rows()).toHaveCount(1);
  await expect(assets.rows().first()).toContainText('Store');
  await expect(assets.rows().first()).not.toContainText('Store room');
});
