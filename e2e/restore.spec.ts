/**
 * Restore from Settings in Chromium: an administrator sees the store's backups (time, size, check),
 * restores one after reading what happens, signs in again and finds the store as the backup held it.
 * Moving to a new machine: everything exported from Settings arrives as a browser download, and is
 * imported in another host's first-run wizard.
 */
import AxeBuilder from '@axe-core/playwright';
import { expect, test } from '@playwright/test';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { apiCall, startHost, type RunningHost } from './support/host';
import { SignInPage } from './pages/setup';

let host: RunningHost;

test.beforeAll(async () => {
  host = await startHost();
  const { token } = await apiCall<{ token: string }>(host, 'setup.init', {
    admin: { username: 'admin', displayName: 'Ada Admin', password: 'password123' },
    site: { name: 'HQ' },
  });
  await apiCall(host, 'tickets.create', { type: 'incident', title: 'Held in the backup: label printer' }, token);
  await apiCall(host, 'store.backup', {}, token);
  await apiCall(host, 'tickets.create', { type: 'incident', title: 'Made after the backup: projector' }, token);
});

test.afterAll(async () => {
  await host?.stop();
});

test('an administrator restores a backup from Settings and carries on on it', async ({ page }) => {
  await page.goto(host.url);
  await new SignInPage(page).signIn('admin', 'password123');
  await expect(page.getByText('Made after the backup: projector')).toBeVisible();
  await page.goto(`${host.url}/#/settings/security`);
  const table = page.getByTestId('backups-table');
  await expect(table.getByRole('row')).toHaveCount(2);
  await expect(table).toContainText('Checked when written');
  await expect(table).toContainText(/\d+ KB|MB/);

  await table.getByRole('button', { name: /Restore this backup \(/ }).click();
  const confirm = page.getByTestId('restore-confirm');
  await expect(confirm).toContainText('kept aside as outpost.db.before-restore');
  await expect(confirm).toContainText('new device id');
  const axe = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  expect(axe.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => v.id)).toEqual([]);
  await page.getByTestId('restore-confirm-submit').click();

  await new SignInPage(page).signIn('admin', 'password123');
  await page.goto(`${host.url}/#/queue`);
  await expect(page.getByText('Held in the backup: label printer')).toBeVisible();
  await expect(page.getByText('Made after the backup: projector')).toHaveCount(0);
});

test('an administrator exports everything from Settings as a download, and a new machine imports it in the first-run wizard', async ({ page }) => {
  await page.goto(host.url);
  await new SignInPage(page).signIn('admin', 'password123');
  await page.goto(`${host.url}/#/settings/security`);
  const form = page.getByTestId('export-everything');
  await form.getByLabel('Passphrase', { exact: true }).fill('carried by hand 2026');
  await form.getByLabel('Repeat passphrase').fill('carried by hand 2026');
  const downloading = page.waitForEvent('download');
  await page.getByTestId('export-everything-submit').click();
  const download = await downloading;
  expect(download.suggestedFilename()).toMatch(/^outpost-export-\d{8}T\d{6}Z\.outpost$/);
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'outpost-e2e-export-')), download.suggestedFilename());
  await download.saveAs(file);
  expect(await download.failure()).toBeNull();
  expect(statSync(file).size).toBeGreaterThan(1000);
  await expect(page.getByTestId('export-done')).toContainText(`Downloading ${download.suggestedFilename()}`);
  // Nothing on the page names a path on the host's disk.
  await expect(page.getByTestId('export-done')).not.toContainText(host.dataDir);
  const axe = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  expect(axe.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => v.id)).toEqual([]);

  const fresh = await startHost();
  try {
    await page.goto(fresh.url);
    await page.getByTestId('setup-skip-passphrase').click();
    await page.getByTestId('setup-import').click();
    await expect(page.getByTestId('import-everything')).toBeVisible();
    await page.getByLabel('Export file').fill(file);
    await page.getByRole('textbox', { name: 'Export passphrase' }).fill('not the passphrase');
    await page.getByTestId('import-everything-submit').click();
    await expect(page.getByTestId('import-everything-error')).toContainText('The passphrase does not open this export');
    const axe = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
    expect(axe.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => v.id)).toEqual([]);
    await page.getByRole('textbox', { name: 'Export passphrase' }).fill('carried by hand 2026');
    await page.getByTestId('import-everything-submit').click();
    await new SignInPage(page).signIn('admin', 'password123');
    await expect(page.getByText('Held in the backup: label printer')).toBeVisible();
  } finally {
    await fresh.stop();
    rmSync(path.dirname(file), { recursive: true, force: true });
  }
});
