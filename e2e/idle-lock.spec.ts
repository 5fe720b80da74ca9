/**
 * The idle lock in Chromium: the console locks after the team's idle time without input, a reload
 * still shows the lock screen, a wrong password is refused in words, the right one brings the
 * console back where it was. The lock screen passes axe.
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
  await apiCall(host, 'tickets.create', { type: 'incident', title: 'Badge reader at the loading dock' }, token);
  await apiCall(host, 'settings.update', { idleLockMinutes: 5 }, token);
});

test.afterAll(async () => {
  await host?.stop();
});

test('the console locks when idle, stays locked across a reload, and unlocks only with the password', async ({ page }) => {
  await page.clock.install();
  await page.goto(host.url);
  await new SignInPage(page).signIn('admin', 'password123');
  await expect(page.getByText('Badge reader at the loading dock')).toBeVisible();

  // Four minutes without input: still open. Past five: locked.
  await page.clock.fastForward('04:00');
  await expect(page.getByTestId('lock-screen')).toHaveCount(0);
  await page.clock.fastForward('01:30');
  await expect(page.getByTestId('lock-screen')).toBeVisible();
  await expect(page.getByText('Badge reader at the loading dock')).toHaveCount(0);
  await expect(page.getByText('Ada Admin (admin) is signed in.', { exact: false })).toBeVisible();

  const axe = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  expect(axe.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => v.id)).toEqual([]);

  await page.reload();
  await expect(page.getByTestId('lock-screen')).toBeVisible();
  await expect(page.getByText('Badge reader at the loading dock')).toHaveCount(0);

  await page.getByRole('textbox', { name: 'Password' }).fill('not the password');
  await page.getByRole('button', { name: 'Unlock' }).click();
  await expect(page.getByTestId('unlock-error')).toHaveText('Wrong password.');
  await expect(page.getByTestId('lock-screen')).toBeVisible();

  await page.getByRole('textbox', { name: 'Password' }).fill('password123');
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('lock-screen')).toHaveCount(0);
  await expect(page.getByText('Badge reader at the loading dock')).toBeVisible();
});

test('Lock now from the user menu; another tab of the same session is locked too', async ({ page, context }) => {
  await page.goto(host.url);
  await new SignInPage(page).signIn('admin', 'password123');
  await expect(page.getByText('Badge reader at the loading dock')).toBeVisible();
  await page.getByTestId('user-menu').click();
  await page.getByTestId('lock-now').click();
  await expect(page.getByTestId('lock-screen')).toBeVisible();

  const other = await context.newPage();
  await other.goto(host.url);
  await expect(other.getByTestId('lock-screen')).toBeVisible();
  await other.close();

  await page.getByRole('textbox', { name: 'Password' }).fill('password123');
  await page.getByRole('button', { name: 'Unlock' }).click();
  await expect(page.getByText('Badge reader at the loading dock')).toBeVisible();
});

test('Settings → Security shows the idle lock and that this store is not encrypted', async ({ page }) => {
  await page.goto(host.url);
  await new SignInPage(page).signIn('admin', 'password123');
  await expect(page.getByTestId('plain-store-warning')).toHaveText('Not encrypted');
  await page.goto(`${host.url}/#/settings/security`);
  await expect(page.getByTestId('idle-lock-minutes')).toHaveValue('5');
  await expect(page.getByTestId('store-plain')).toBeVisible();
});
