/**
 * A new team trying Outpost with the sample data, as the README says: the wizard names the password
 * the sample people sign in with, and a sample technician and the sample auditor sign in with it.
 */
import { expect, test } from '@playwright/test';
import { startHost, type RunningHost } from './support/host';
import { SetupPage, SignInPage } from './pages/setup';

let host: RunningHost;

test.beforeAll(async () => {
  host = await startHost();
});

test.afterAll(async () => {
  await host?.stop();
});

test('with sample data, the wizard names the sample password and the sample people sign in with it', async ({ page }) => {
  test.setTimeout(120_000);
  await page.goto(host.url);
  await new SetupPage(page).passphrase(null); // a trial store, kept plain
  await page.getByTestId('setup-new-team').click();
  await page.getByLabel('Organisation').fill('Northwind IT');
  await page.getByLabel('First site').fill('Head office');
  await page.getByRole('button', { name: 'Next' }).click();
  await page.getByLabel('Display name').fill('Ada Admin');
  await page.getByLabel('Username').fill('ada');
  await page.getByRole('textbox', { name: 'Password', exact: true }).fill('correct-horse-1');
  await page.getByRole('textbox', { name: 'Repeat password' }).fill('correct-horse-1');
  await page.getByRole('button', { name: 'Next' }).click();
  const sample = page.getByLabel('Load sample data');
  // The checkbox's description is its accessible description: the password a trial needs.
  await expect(sample).toHaveAccessibleDescription(/sign in with the password outpost-sample/);
  await sample.check();
  await page.getByTestId('setup-finish').click();
  await expect(page.getByTestId('nav-settings')).toBeVisible({ timeout: 60_000 });

  // Settings › Users lists the sample people with their usernames and roles.
  await page.getByTestId('nav-settings').click();
  await page.getByTestId('settings-tab-users').click();
  const rows = page.getByTestId('users-table').getByRole('row');
  const usernameOf = async (role: string) =>
    (await rows.filter({ has: page.getByRole('cell', { name: role, exact: true }) }).first().getByRole('cell').nth(1).innerText()).trim();
  const technician = await usernameOf('Technician');
  const auditor = await usernameOf('Auditor');
  expect(technician).toMatch(/^[a-z]+\.[a-z]+$/);

  for (const [username, role] of [
    [technician, 'Technician'],
    [auditor, 'Auditor'],
  ] as const) {
    await page.getByTestId('user-menu').click();
    await page.getByTestId('sign-out').click();
    await new SignInPage(page).signIn(username, 'outpost-sample');
    await page.getByTestId('user-menu').click();
    await expect(page.getByRole('menu')).toContainText(`${username} · ${role}`);
    await page.keyboard.press('Escape');
  }
});
