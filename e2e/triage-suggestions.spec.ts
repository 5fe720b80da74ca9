/**
 * Triage suggestions in Chromium against the browser host: on a device whose team has resolved VPN,
 * printer and password tickets, typing a new VPN ticket shows the category and group suggestions with
 * their confidence, Alt+C and Alt+G accept them (a toast says what was set), the ticket is created with
 * them, and on an existing ticket's page the same keys set the field and similar tickets are listed
 * with a possible duplicate. The form with its suggestions has no serious accessibility violation.
 */
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type BrowserContext, type Page } from '@playwright/test';
import { apiCall, startHost, type RunningHost } from './support/host';
import { SignInPage } from './pages/setup';
import { QueuePage } from './pages/queue';
import { TicketPane } from './pages/ticket';

test.describe.configure({ mode: 'serial' });

let host: RunningHost;
let context: BrowserContext;
let page: Page;
let token = '';
let openVpn = { id: '', number: '' };

test.beforeAll(async ({ browser }) => {
  host = await startHost();
  ({ token } = await apiCall<{ token: string }>(host, 'setup.init', {
    admin: { username: 'admin', displayName: 'Ada Admin', password: 'password123' },
    site: { name: 'HQ' },
  }));
  const network = (await apiCall<{ id: string }>(host, 'groups.create', { name: 'Network team' }, token)).id;
  const desk = (await apiCall<{ id: string }>(host, 'groups.create', { name: 'Desk support' }, token)).id;
  const identity = (await apiCall<{ id: string }>(host, 'groups.create', { name: 'Identity team' }, token)).id;
  const past: [string, string, string][] = [
    ['VPN drops every hour at home', 'Network', network],
    ['Cannot connect to the VPN from the hotel', 'Network', network],
    ['VPN gateway unreachable after the update', 'Network', network],
    ['Wi-Fi keeps dropping in meeting room 4', 'Network', network],
    ['Printer on floor 3 jams paper', 'Hardware', desk],
    ['Laptop battery drains fast', 'Hardware', desk],
    ['Monitor flickers after docking', 'Hardware', desk],
    ['Reset my password please', 'Access', identity],
    ['Account locked after password change', 'Access', identity],
  ];
  for (const [title, category, groupId] of past) {
    const t = await apiCall<{ id: string }>(host, 'tickets.create', { type: 'incident', title, description: '', impact: 3, urgency: 3, category, groupId }, token);
    await apiCall(host, 'tickets.transition', { id: t.id, to: 'in_progress' }, token);
    await apiCall(host, 'tickets.transition', { id: t.id, to: 'resolved', resolutionCode: 'solved_permanently', resolutionNotes: 'Fixed' }, token);
  }
  openVpn = await apiCall<{ id: string; number: string }>(host, 'tickets.create', { type: 'incident', title: 'VPN drops every hour at home again', description: '', impact: 3, urgency: 3 }, token);
  // The device learns at start and when asked; wait until it has learnt from these tickets.
  await expect
    .poll(async () => (await apiCall<{ model: { trainedOn: number } }>(host, 'triage.suggest', { title: 'VPN', description: '' }, token)).model.trainedOn, { timeout: 20_000 })
    .toBe(past.length);
  // axe needs a page of its own context.
  context = await browser.newContext();
  page = await context.newPage();
});

test.afterAll(async () => {
  await context?.close();
  await host?.stop();
});

test('typing a new VPN ticket suggests Network and the network team; Alt+C and Alt+G accept them', async () => {
  await page.goto(host.url);
  await new SignInPage(page).signIn('admin', 'password123');
  await expect(page.getByTestId('nav-queue')).toBeVisible();
  const q = new QueuePage(page);
  await q.overlaysGone();
  await q.key('c');
  const dialog = page.getByRole('dialog', { name: 'New ticket' });
  await expect(dialog).toBeVisible();
  const panel = dialog.getByTestId('triage-suggestions');
  await expect(panel).toContainText('Suggestions appear as you type');
  await dialog.getByLabel('Title').fill('The VPN disconnects every few minutes');
  await expect(panel.getByTestId('triage-category')).toContainText(/Network · \d+ %/);
  await expect(panel.getByTestId('triage-group')).toContainText(/Network team · \d+ %/);
  await expect(panel.getByTestId('triage-similar')).toContainText('VPN drops every hour at home');
  await expect(panel.getByTestId('triage-similar')).toContainText(openVpn.number);
  // Nothing is applied until accepted.
  await expect(dialog.getByLabel('Category', { exact: true })).toHaveValue('');

  const axe = await new AxeBuilder({ page }).include('[data-testid="create-ticket"]').withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  expect(axe.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.nodes.map((n) => n.html).join(' | ')}`)).toEqual([]);

  // The title field keeps the focus: the keys work while typing.
  await dialog.getByLabel('Title').press('Alt+c');
  await expect(page.getByRole('alert').getByText(/^New ticket: category set to Network \(suggested, \d+ %\)\.$/)).toBeVisible();
  await expect(dialog.getByLabel('Category', { exact: true })).toHaveValue('Network');
  await expect(panel.getByTestId('triage-category-set')).toContainText('Network');
  await dialog.getByLabel('Title').press('Alt+g');
  await expect(dialog.getByLabel('Group', { exact: true })).toHaveValue('Network team');
  await dialog.getByTestId('create-submit').click();
  await expect(dialog).toBeHidden();
  const pane = new TicketPane(page);
  await expect(pane.root()).toBeVisible();
  const fields = pane.root().getByTestId('detail-fields');
  await expect(fields.getByLabel('Category', { exact: true })).toHaveValue('Network');
  await expect(fields.getByLabel('Group', { exact: true })).toHaveValue('Network team');
});

test('on a ticket page, Alt+C sets the suggested category and the toast names the ticket; an open look-alike shows as a possible duplicate', async () => {
  const t = await apiCall<{ number: string }>(host, 'tickets.create', { type: 'incident', title: 'VPN drops every hour at home', description: '', impact: 3, urgency: 3 }, token);
  await page.goto(`${host.url}/#/queue/${t.number}`);
  const pane = new TicketPane(page);
  await pane.expectOpen(t.number);
  const panel = pane.root().getByTestId('triage-suggestions');
  await expect(panel.getByTestId('triage-category')).toContainText(/Network · \d+ %/);
  const similar = panel.getByTestId('triage-similar');
  await expect(similar).toContainText(openVpn.number);
  await expect(similar.getByTestId('triage-duplicate').first()).toBeVisible();
  await expect(similar).not.toContainText(t.number);
  await new QueuePage(page).overlaysGone();
  await page.keyboard.press('Alt+c');
  await expect(page.getByRole('alert').getByText(new RegExp(`^${t.number}: category set to Network \\(suggested, \\d+ %\\)\\.$`))).toBeVisible();
  await expect(pane.root().getByTestId('detail-fields').getByLabel('Category', { exact: true })).toHaveValue('Network');
});
