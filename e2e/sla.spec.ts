/**
 * SLA end to end in Chromium against the browser host: an administrator's routing rule and a short
 * SLA policy (a first response within a minute, warning at 10 %), then a ticket created from the
 * keyboard is routed by the rule (group, a turn in it, a tag; its history says so), shows its
 * response clock turn to a warning, lands in "Breaching soon" (g b), and is escalated once (priority
 * raised, the escalation in its history), with the settings pages and the dry run on screen.
 */
import { expect, test, type Page } from '@playwright/test';
import { apiCall, startHost, type RunningHost } from './support/host';
import { SignInPage } from './pages/setup';
import { QueuePage } from './pages/queue';
import { TicketPane } from './pages/ticket';

test.describe.configure({ mode: 'serial' });

let host: RunningHost;
let page: Page;
let groupName = 'Network team';

test.beforeAll(async ({ browser }) => {
  host = await startHost();
  const { token, user } = await apiCall<{ token: string; user: { id: string } }>(host, 'setup.init', {
    admin: { username: 'admin', displayName: 'Ada Admin', password: 'password123' },
    site: { name: 'HQ' },
  });
  const g = await apiCall<{ id: string; name: string }>(host, 'groups.create', { name: groupName, memberIds: [user.id] }, token);
  groupName = g.name;
  await apiCall(host, 'routing.save', { name: 'VPN to network', position: 0, conditions: { words: ['vpn'] }, actions: { groupId: g.id, turn: 'round_robin', tags: ['vpn'] } }, token);
  const fast = { response: 1, resolution: 240 };
  await apiCall(
    host,
    'sla.savePolicy',
    {
      name: 'Fast desk',
      warnShare: 0.1,
      targets: { '1': fast, '2': fast, '3': fast, '4': fast },
      escalations: [{ key: 'warn', clock: 'response', at: 'warning', offsetMinutes: 0, raisePriority: true, groupId: null, assigneeId: null, watcherId: null, notify: true }],
    },
    token,
  );
  page = await browser.newPage();
});

test.afterAll(async () => {
  await page?.close();
  await host?.stop();
});

test('the settings show the policy and the rule, and the dry run says which rule a sample meets and why', async () => {
  await page.goto(host.url);
  await new SignInPage(page).signIn('admin', 'password123');
  await expect(page.getByTestId('nav-queue')).toBeVisible();
  await page.goto(`${host.url}/#/settings/sla`);
  await expect(page.getByTestId('sla-policies')).toContainText('Fast desk');
  await page.goto(`${host.url}/#/settings/routing`);
  await expect(page.getByTestId('routing-rules')).toContainText('VPN to network');
  const dry = page.getByTestId('routing-dry-run');
  await dry.getByLabel('Title').fill('Printer out of toner');
  await dry.getByRole('button', { name: 'Which rule?' }).click();
  await expect(dry.getByTestId('dry-run-result')).toContainText('No rule matches');
  await expect(dry.getByTestId('dry-run-result')).toContainText('✗ text mentions “vpn” (none of the words)');
  await dry.getByLabel('Title').fill('VPN drops every hour');
  await dry.getByRole('button', { name: 'Which rule?' }).click();
  await expect(dry.getByTestId('dry-run-result')).toContainText(`Routed by “VPN to network” → group ${groupName}, assignee Ada Admin, tags vpn`);
});

test('a new ticket is routed by the rule, warns, shows in Breaching soon and is escalated once', async () => {
  test.setTimeout(120_000);
  await page.goto(`${host.url}/#/queue`);
  const q = new QueuePage(page);
  await expect(page.getByTestId('nav-queue')).toBeVisible();
  await q.overlaysGone();
  await q.key('c');
  await q.create({ title: 'VPN drops every hour', description: 'Since this morning the VPN disconnects.' });
  const pane = new TicketPane(page);
  await pane.expectOpen('INC0000001');
  const detail = page.getByTestId('ticket-detail');
  await expect(detail.getByTestId('timeline-routing')).toHaveText('Routed by rule “VPN to network”');
  await expect(detail.getByTestId('ticket-tags')).toContainText('vpn');
  const session = await page.evaluate(() => (JSON.parse(localStorage.getItem('outpost.session') ?? '{}') as { token: string }).token);
  const routed = await apiCall<{ groupName: string | null; assigneeName: string | null }>(host, 'tickets.getByNumber', { number: 'INC0000001' }, session);
  expect(routed).toMatchObject({ groupName, assigneeName: 'Ada Admin' });
  // The response clock: a minute of target, warning at 6 seconds.
  await expect(detail.getByTestId('sla-response')).toHaveAttribute('data-level', /ok|warning/);
  await expect(detail.getByTestId('sla-response')).toHaveAttribute('data-level', 'warning', { timeout: 30_000 });
  // Noticed on this device: escalated once, priority raised from P4 to P3.
  await expect(detail.getByTestId('sla-escalated')).toHaveText('Escalated ×1', { timeout: 30_000 });
  await expect(detail.getByTestId('detail-priority')).toContainText('P3');
  await expect(detail.getByTestId('timeline-escalation')).toHaveCount(1);
  await expect(detail.getByTestId('timeline-escalation')).toContainText('First response warning (level warn): priority raised to P3 Moderate, team notified');
  // "Breaching soon" by its g key lists it, with its chip.
  await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
  await expect.poll(() => page.evaluate(() => document.activeElement === document.body)).toBe(true);
  await expect(page.locator('[aria-modal="true"], [role="dialog"], [role="menu"]')).toHaveCount(0);
  await page.keyboard.press('g');
  await page.keyboard.press('b');
  await expect(page.getByTestId('view-breaching_soon')).toHaveAttribute('data-active', 'true');
  await expect(q.row('INC0000001')).toBeVisible();
  await expect(q.row('INC0000001').getByTestId('row-sla')).toHaveAttribute('data-level', /warning|breached/);
  // Asking again fires nothing more.
  const again = await apiCall<{ fired: unknown[] }>(host, 'sla.escalate', {}, session);
  expect(again.fired).toEqual([]);
});
