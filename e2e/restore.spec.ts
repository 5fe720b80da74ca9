/**
 * Restore from Settings in Chromium: an administrator sees the store's backups (time, size, check),
 * restores one after reading what happens, signs in again and finds the store as the backup held it.
 * Moving to a new machine: everything exported on one host is imported in another's first-run wizard.
 */
import AxeBuilder from '@axe-core/playwright';
import { expect, test } from '@playwright/test';
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

test('a new machine imports everything in the first-run wizard and signs in as on the old one', async ({ page }) => {
  const { token } = await apiCall<{ token: string }>(host, 'session.login', { username: 'admin', password: 'password123' });
  const out = await apiCall<{ file: string }>(host, 'store.export', { passphrase: 'carried by hand 2026' }, token);
  const fresh = await startHost();
  try {
    await page.goto(fresh.url);
    await page.getByTestId('setup-skip-passphrase').click();
    await page.getByTestId('setup-import').click();
    await expect(page.getByTestId('import-everything')).toBeVisible();
    await page.getByLabel('Export file').fill(out.file);
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
  }
});
