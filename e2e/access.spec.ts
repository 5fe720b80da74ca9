/** Signing in: a wrong password is refused in plain words; a requester sees only their own tickets. */
import { expect, test } from '@playwright/test';
import { apiCall, startHost, type RunningHost } from './support/host';
import { SignInPage } from './pages/setup';

let host: RunningHost;
let adminToken: string;

test.beforeAll(async () => {
  host = await startHost();
  const s = await apiCall<{ token: string }>(host, 'setup.init', {
    admin: { username: 'admin', displayName: 'Ada Admin', password: 'password123' },
    site: { name: 'HQ' },
  });
  adminToken = s.token;
  const rita = await apiCall<{ id: string }>(
    host,
    'users.create',
    { username: 'rita', displayName: 'Rita Requester', role: 'requester', password: 'rita-pass-1' },
    adminToken,
  );
  await apiCall(host, 'tickets.create', { type: 'request', title: 'Rita needs a new mouse', requesterId: rita.id }, adminToken);
  await apiCall(host, 'tickets.create', { type: 'incident', title: 'Payroll server disk full', impact: 1, urgency: 1 }, adminToken);
});

test.afterAll(async () => {
  await host?.stop();
});

test('a wrong password shows an error and stays on sign-in', async ({ page }) => {
  await page.goto(host.url);
  const s = new SignInPage(page);
  await s.signIn('admin', 'not-the-password');
  await expect(s.error()).toBeVisible();
  await expect(s.error()).not.toBeEmpty();
  await expect(page.getByTestId('nav-queue')).toHaveCount(0);
  // And the right one gets in.
  await s.signIn('admin', 'password123');
  await expect(page.getByTestId('nav-queue')).toBeVisible();
});

test('a requester lands on the portal, sees only their own tickets and can raise a new one', async ({ page }) => {
  await page.goto(host.url);
  await new SignInPage(page).signIn('rita', 'rita-pass-1');
  await expect(page.getByRole('heading', { name: 'How can we help?' })).toBeVisible();
  // Staff screens are absent, not disabled.
  await expect(page.getByTestId('nav-queue')).toHaveCount(0);
  await page.getByTestId('portal-my-tickets').click();
  const list = page.getByTestId('portal-ticket-list');
  await expect(list.getByRole('listitem')).toHaveCount(1);
  await expect(list).toContainText('Rita needs a new mouse');
  await expect(page.getByText('Payroll server disk full')).toHaveCount(0);

  // Admin settings are absent too, even by typing their address.
  await page.goto(`${host.url}/#/settings/users`);
  await expect(page.getByTestId('nav-requests')).toBeVisible();
  await expect(page.getByTestId('settings-tab-users')).toHaveCount(0);
  await expect(page.getByTestId('users-table')).toHaveCount(0);
  // The console's old address for their requests leads to the portal's list.
  await page.goto(`${host.url}/#/requests`);
  await expect(list.getByRole('listitem')).toHaveCount(1);

  await page.getByRole('link', { name: 'Ask for something' }).first().click();
  await page.getByTestId('report-problem').click();
  await page.getByLabel('Title').fill('Monitor flickers');
  await page.getByLabel('What is happening?').fill('Every few seconds.');
  await page.getByTestId('portal-submit').click();
  await expect(page.getByTestId('portal-ticket')).toContainText('Monitor flickers');
  await page.getByTestId('portal-my-tickets').click();
  await expect(list.getByRole('listitem')).toHaveCount(2);
});
