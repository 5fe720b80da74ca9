/**
 * A passphrase chosen in the first-run wizard, and the unlock screen at the next start, in Chromium
 * against the real browser host restarted on the same data folder: the wizard offers the passphrase
 * first (strength hint, repeat field, the warning that it cannot be recovered); the restarted host
 * shows only the unlock screen (axe-checked), refuses a wrong passphrase in words, and the right one
 * leads to sign-in and the team's tickets.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import { expect, test } from '@playwright/test';
import { startHost } from './support/host';
import { SetupPage, SignInPage } from './pages/setup';

const PASSPHRASE = 'tidal-marsh kestrel lantern';

test('a passphrase chosen at first run locks the store; the unlock screen opens it at the next start', async ({ page }) => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'outpost-e2e-unlock-'));
  try {
    let host = await startHost({ dataDir });
    try {
      await page.goto(host.url);
      const setup = new SetupPage(page);
      await expect(page.getByTestId('setup-protect')).toBeVisible();
      await expect(page.getByText('A forgotten passphrase cannot be recovered')).toBeVisible();
      await page.getByRole('textbox', { name: 'Passphrase', exact: true }).fill('password1');
      await expect(page.getByTestId('passphrase-strength')).toContainText('Weak');
      await page.getByRole('textbox', { name: 'Passphrase', exact: true }).fill(PASSPHRASE);
      await expect(page.getByTestId('passphrase-strength')).toContainText('Strong');
      await page.getByRole('textbox', { name: 'Repeat passphrase' }).fill('tidal-marsh kestrel');
      await page.getByTestId('setup-protect-submit').click();
      await expect(page.getByText('The two passphrases do not match.')).toBeVisible();
      await setup.passphrase(PASSPHRASE);
      await expect(page.getByTestId('setup-new-team')).toBeVisible();
      await setup.complete({ organisation: 'Marsh IT', site: 'Estuary office', displayName: 'Ada Admin', username: 'admin', password: 'password123' });
      await expect(page.getByTestId('nav-queue')).toBeVisible();
      await page.goto(`${host.url}/#/settings/security`);
      await expect(page.getByTestId('store-encrypted')).toBeVisible();
    } finally {
      await host.stop();
    }

    host = await startHost({ dataDir });
    try {
      await page.goto(host.url);
      await expect(page.getByTestId('store-unlock')).toBeVisible();
      await expect(page.getByTestId('sign-in')).toHaveCount(0);
      const axe = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
      expect(axe.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => v.id)).toEqual([]);

      await page.getByRole('textbox', { name: 'Passphrase' }).fill('not the passphrase');
      await page.getByRole('button', { name: 'Unlock' }).click();
      await expect(page.getByTestId('store-unlock-error')).toHaveText('That passphrase does not open this store.');
      await expect(page.getByRole('textbox', { name: 'Passphrase' })).toHaveValue('');

      await page.getByRole('textbox', { name: 'Passphrase' }).fill(PASSPHRASE);
      await page.keyboard.press('Enter');
      await new SignInPage(page).signIn('admin', 'password123');
      await expect(page.getByTestId('nav-queue')).toBeVisible();
    } finally {
      await host.stop();
    }
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});
