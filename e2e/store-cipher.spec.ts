/**
 * The store's cipher in Settings › Security, in Chromium against the real browser host on an encrypted
 * store: an administrator sees AEGIS-256X4 in use and what each cipher opens in and costs, switches to
 * SQLCipher 4 with their password asked again (a wrong one refused in words), and the restarted host
 * keeps SQLCipher 4 without being told; a store in AEGIS-256 is told what the switch to AEGIS-256X4 gains
 * and takes. Axe-checked with the confirmation open.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import { expect, test } from '@playwright/test';
import { apiCall, startHost } from './support/host';
import { SignInPage } from './pages/setup';

test('an administrator switches the store to SQLCipher 4 with their password; the next start keeps it', async ({ page }) => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'outpost-e2e-cipher-'));
  const pass = path.join(dataDir, '..', `${path.basename(dataDir)}.pass`);
  fs.writeFileSync(pass, 'fjord lighthouse cipher passphrase\n');
  try {
    let host = await startHost({ dataDir, args: ['--passphrase-file', pass] });
    try {
      await apiCall(host, 'setup.init', { admin: { username: 'admin', displayName: 'Ada Admin', password: 'password123' }, site: { name: 'HQ' } });
      await page.goto(host.url);
      await new SignInPage(page).signIn('admin', 'password123');
      await page.goto(`${host.url}/#/settings/security`);
      await expect(page.getByTestId('store-encrypted')).toContainText('encrypted at rest with AEGIS-256X4 (default)');
      const section = page.getByTestId('store-cipher');
      await expect(section.getByTestId('store-cipher-current')).toHaveText('This store is encrypted with AEGIS-256X4 (default).');
      await expect(section.getByTestId('store-cipher-upgrade')).toHaveCount(0);
      await expect(section.getByRole('button', { name: 'Switch cipher…' })).toBeDisabled();
      await expect(section).toContainText('single edit took 88 % longer');
      await section.getByRole('radio', { name: 'SQLCipher 4' }).check();
      await section.getByRole('button', { name: 'Switch cipher…' }).click();

      const confirm = page.getByTestId('store-cipher-confirm');
      await expect(confirm).toContainText('checked (SQLite’s integrity check, every table’s rows, the audit trail)');
      const axe = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
      expect(axe.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => v.id)).toEqual([]);
      await confirm.getByLabel('Your password').fill('not my password');
      await confirm.getByRole('button', { name: 'Re-encrypt the store' }).click();
      await expect(confirm.getByRole('alert')).toHaveText('Wrong password.');
      await confirm.getByLabel('Your password').fill('password123');
      await confirm.getByRole('button', { name: 'Re-encrypt the store' }).click();
      await expect(confirm).toBeHidden();
      await expect(section.getByTestId('store-cipher-current')).toHaveText('This store is encrypted with SQLCipher 4.');
      await expect(page.getByTestId('store-encrypted')).toContainText('with SQLCipher 4');
    } finally {
      await host.stop();
    }

    // Started again with the passphrase and no --cipher: still SQLCipher 4.
    host = await startHost({ dataDir, args: ['--passphrase-file', pass] });
    try {
      const state = await apiCall<{ cipher: string }>(host, 'store.state', {});
      expect(state.cipher).toBe('sqlcipher-4');
      await page.goto(host.url);
      await new SignInPage(page).signIn('admin', 'password123');
      await page.goto(`${host.url}/#/settings/security`);
      await expect(page.getByTestId('store-cipher-current')).toHaveText('This store is encrypted with SQLCipher 4.');
      await expect(page.getByTestId('store-cipher-upgrade')).toHaveCount(0);
    } finally {
      await host.stop();
    }

    // Started with --cipher aegis-256 (as a large store from before AEGIS-256X4 is kept): the section says what the switch gains and takes.
    host = await startHost({ dataDir, args: ['--passphrase-file', pass, '--cipher', 'aegis-256'] });
    try {
      await page.goto(host.url);
      await new SignInPage(page).signIn('admin', 'password123');
      await page.goto(`${host.url}/#/settings/security`);
      await expect(page.getByTestId('store-cipher-current')).toHaveText('This store is encrypted with AEGIS-256.');
      await expect(page.getByTestId('store-cipher-upgrade')).toContainText('about 20 seconds a GB, while the console waits');
    } finally {
      await host.stop();
    }
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
    fs.rmSync(pass, { force: true });
  }
});
