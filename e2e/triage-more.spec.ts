/**
 * Triage polish: filters/sort/view in the URL (reload, back/forward, shared link), `A` assign to…,
 * `l` link an asset, tags and watching on the ticket, bulk status limited to moves every selected ticket allows, comment Markdown,
 * and a plain "no access" page for a role deep-linking where it may not go.
 */
import { expect, test, type Page } from '@playwright/test';
import { apiCall, startHost, type RunningHost } from './support/host';
import { SignInPage } from './pages/setup';
import { Picker, QueuePage } from './pages/queue';
import { TicketPane, queueQuery } from './pages/ticket';

test.describe.configure({ mode: 'serial' });

let host: RunningHost;
let page: Page;
let admin: string;
const ids: Record<string, string> = {};

test.beforeAll(async ({ browser }) => {
  host = await startHost();
  admin = (
    await apiCall<{ token: string }>(host, 'setup.init', {
      admin: { username: 'ada', displayName: 'Ada Admin', password: 'password123' },
      site: { name: 'HQ' },
    })
  ).token;
  await apiCall(host, 'users.create', { username: 'tom', displayName: 'Tom Technician', role: 'technician', password: 'password123' }, admin);
  await apiCall(host, 'users.create', { username: 'rita', displayName: 'Rita Requester', role: 'requester', password: 'password123' }, admin);
  const mk = async (key: string, title: string, impact: number, urgency: number) => {
    ids[key] = (await apiCall<{ id: string }>(host, 'tickets.create', { type: 'incident', title, impact, urgency }, admin)).id;
  };
  await mk('printer', 'Printer on floor 3 jams', 1, 1); // INC0000001 P1
  await mk('vpn', 'VPN drops every hour', 2, 2); // INC0000002 P3
  await mk('mail', 'Mailbox full for finance', 3, 3); // INC0000003 P4
  await apiCall(host, 'assets.create', { tag: 'AST-000321', name: 'Dell Latitude 5440', type: 'laptop' }, admin);
  // One context for the whole file so a second tab shares the sign-in (and the stored queue state).
  page = await (await browser.newContext()).newPage();
  await page.goto(host.url);
  await new SignInPage(page).signIn('ada', 'password123');
  await expect(page.getByTestId('nav-queue')).toBeVisible();
});

test.afterAll(async () => {
  await page?.context().close();
  await host?.stop();
});

test('view, filters and sort live in the URL: reload, back/forward and a shared link restore them', async () => {
  const q = new QueuePage(page);
  await expect(q.rows()).toHaveCount(3);
  // The stored default is written into the address without a new history entry.
  expect((await queueQuery(page)).get('view')).toBe('all_open');

  await page.getByTestId('filter-priority').click();
  await page.getByRole('menuitem', { name: 'P1 Critical' }).click();
  await page.getByRole('menuitem', { name: 'P3 Moderate' }).click();
  await page.keyboard.press('Escape');
  await expect(q.rows()).toHaveCount(2);
  await expect.poll(async () => (await queueQuery(page)).get('priority')).toBe('1,3');

  await page.getByRole('combobox', { name: 'Sort' }).click();
  await page.getByRole('option', { name: 'Oldest first' }).click();
  await expect.poll(async () => (await queueQuery(page)).get('sort')).toBe('oldest');
  await expect(q.rows().first()).toHaveAttribute('data-number', 'INC0000001');

  await page.reload();
  await expect(q.rows()).toHaveCount(2);
  await expect(page.getByTestId('filter-priority')).toContainText('P1');
  await expect(page.getByRole('combobox', { name: 'Sort' })).toHaveValue('Oldest first');

  // Back undoes the sort, then the P3 filter; forward redoes it.
  await page.goBack();
  await expect.poll(async () => (await queueQuery(page)).get('sort')).toBeNull();
  await expect(page.getByRole('combobox', { name: 'Sort' })).toHaveValue('');
  await page.goBack();
  await expect(q.rows()).toHaveCount(1);
  await expect(q.rows().first()).toHaveAttribute('data-number', 'INC0000001');
  await page.goForward();
  await expect(q.rows()).toHaveCount(2);

  // A link someone pasted: a different view and a filter, in a fresh tab that has other state stored.
  const other = await page.context().newPage();
  await other.goto(`${host.url}/#/queue?view=all&status=new&priority=4`);
  await expect(new QueuePage(other).rows()).toHaveCount(1);
  await expect(new QueuePage(other).rows().first()).toHaveAttribute('data-number', 'INC0000003');
  await expect(other.getByTestId('view-all')).toHaveAttribute('data-active', 'true');
  await expect(other.getByTestId('filter-status')).toContainText('Status: New');
  await other.close();

  await page.getByRole('button', { name: 'Clear filters' }).click();
  await expect(q.rows()).toHaveCount(3);
  expect((await queueQuery(page)).get('priority')).toBeNull();
});

test('A opens "assign to…": type to search, Enter assigns', async () => {
  const q = new QueuePage(page);
  await q.view('all_open');
  await q.row('INC0000002').click();
  await q.key('Shift+A');
  const picker = new Picker(page, 'assign-picker');
  await expect(picker.root()).toBeVisible();
  await expect(picker.input()).toBeFocused();
  await expect(picker.options()).toContainText(['Ada Admin (me)', 'Tom Technician', 'Nobody (unassign)']);
  await page.screenshot({ path: test.info().outputPath('assign-picker.png') });
  // Requesters are not offered.
  await expect(picker.options().filter({ hasText: 'Rita' })).toHaveCount(0);
  await picker.choose('tom');
  await expect(q.row('INC0000002').getByTestId('row-assignee')).toHaveText('Tom Technician');

  await q.key('?');
  const sheet = page.getByRole('dialog', { name: 'Keyboard shortcuts' });
  await expect(sheet).toContainText('Assign to… (pick a technician)');
  await expect(sheet).toContainText('Link an asset');
  await page.keyboard.press('Escape');
});

test('l links an asset by search or by its tag, and the ticket shows it', async () => {
  const q = new QueuePage(page);
  const pane = new TicketPane(page);
  await q.row('INC0000002').click();
  await q.key('l');
  const picker = new Picker(page, 'asset-picker');
  await expect(picker.input()).toBeFocused();
  await picker.choose('Latitude');
  await q.key('Enter');
  await pane.expectOpen('INC0000002');
  const link = pane.root().getByTestId('linked-asset');
  await expect(link).toHaveText('AST-000321 · Dell Latitude 5440');
  await expect(link).toHaveAttribute('href', /#\/assets\/[0-9a-f-]{36}$/);
  await pane.root().getByTestId('detail-fields').screenshot({ path: test.info().outputPath('linked-asset.png') });

  // An unknown scanned tag is refused in words and links nothing.
  await q.key('l');
  await picker.input().fill('NOPE-1');
  await picker.input().press('Enter');
  await expect(picker.root().getByTestId('picker-error')).toHaveText('No asset has the tag NOPE-1.');
  await page.screenshot({ path: test.info().outputPath('asset-picker-error.png') });
  await page.keyboard.press('Escape');
  await expect(link).toHaveText('AST-000321 · Dell Latitude 5440');
  await q.key('Escape');
});

test('tags: type + Enter adds a chip, the queue filters by it, × removes it; Watch toggles', async () => {
  const q = new QueuePage(page);
  const pane = new TicketPane(page);
  await q.row('INC0000003').click();
  await q.key('Enter');
  await pane.expectOpen('INC0000003');
  const input = pane.root().getByTestId('tag-input');
  await input.fill(' Finance ');
  await input.press('Enter');
  await expect(pane.root().getByTestId('ticket-tag')).toHaveText(['Finance']);
  await expect(input).toHaveValue('');
  await pane.root().getByTestId('watch-toggle').click();
  await expect(pane.root().getByTestId('watch-toggle')).toHaveText('Unwatch');
  await expect(pane.root().getByTestId('ticket-watchers')).toContainText('Ada Admin');
  await pane.root().getByTestId('ticket-tags').screenshot({ path: test.info().outputPath('ticket-tags.png') });

  await page.getByTestId('queue-more-filters').click();
  const tagFilter = page.getByTestId('filter-tag');
  await tagFilter.fill('finance');
  await tagFilter.press('Enter');
  await page.keyboard.press('Escape');
  await expect(page.getByTestId('queue-more-filters')).toHaveText('More filters (1)');
  await expect(q.rows()).toHaveCount(1);
  await expect(q.row('INC0000003')).toBeVisible();
  await page.getByRole('button', { name: 'Clear filters' }).click();
  await expect(q.row('INC0000001')).toBeVisible();

  await pane.root().getByRole('button', { name: 'Remove tag Finance' }).click();
  await expect(pane.root().getByTestId('ticket-tag')).toHaveCount(0);
  await pane.root().getByTestId('watch-toggle').click();
  await expect(pane.root().getByTestId('watch-toggle')).toHaveText('Watch');
  await q.key('Escape');
});

test('bulk status offers only the moves every selected ticket allows', async () => {
  const q = new QueuePage(page);
  // INC0000001 resolved, INC0000003 new: the only move both allow is In progress.
  await apiCall(host, 'tickets.transition', { id: ids.printer, to: 'resolved', resolutionCode: 'solved_workaround', resolutionNotes: 'Cleared the jam.' }, admin);
  await q.view('all');
  await expect(q.rows()).toHaveCount(3);
  await q.tick('INC0000001');
  await q.tick('INC0000003');
  await expect(page.getByTestId('bulk-bar')).toContainText('2 tickets selected');
  await q.key('s');
  const d = q.statusDialog();
  await expect(d).toBeVisible();
  await expect(d.getByRole('button', { name: /In progress/ })).toBeEnabled();
  for (const other of ['New', 'Assigned', 'Pending', 'Resolved', 'Cancelled', 'Closed']) await expect(d.getByRole('button', { name: other })).toBeDisabled();
  await expect(d).toContainText('only moves open to all of them are shown');
  await q.chooseStatus('In progress');
  await expect(d).toBeHidden();
  await expect(q.row('INC0000001').getByTestId('row-status')).toHaveText('In progress');
  await expect(q.row('INC0000003').getByTestId('row-status')).toHaveText('In progress');
  await expect(page.getByTestId('bulk-bar')).toBeHidden();

  // Two open tickets: Pending is offered and still asks why, for all of them.
  await q.tick('INC0000001');
  await q.tick('INC0000002');
  await page.getByTestId('bulk-bar').getByRole('button', { name: 'Status…' }).click();
  await expect(d.getByRole('button', { name: 'Closed' })).toBeDisabled();
  await q.chooseStatus('Pending');
  await d.getByRole('button', { name: 'Set pending' }).click();
  await expect(d.getByText('Say why the ticket is waiting.')).toBeVisible();
  await q.pick(d.getByRole('combobox', { name: 'Why is it pending?' }), 'Awaiting customer');
  await d.getByRole('button', { name: 'Set pending' }).click();
  await expect(d).toBeHidden();
  await expect(q.row('INC0000002').getByTestId('row-status')).toHaveText('Pending');
  await expect(q.row('INC0000001').getByTestId('row-status')).toHaveText('Pending');
  await expect(q.row('INC0000003').getByTestId('row-status')).toHaveText('In progress');
});

test('comments render safe Markdown', async () => {
  const q = new QueuePage(page);
  const pane = new TicketPane(page);
  await q.row('INC0000003').click();
  await q.key('Enter');
  await pane.expectOpen('INC0000003');
  await pane.comment(
    [
      '**Fixed** the *quota*: ran `Set-Mailbox -ProhibitSendQuota 50GB`',
      'see [the KB](https://kb.example.com/mail) or javascript:alert(1)',
      '',
      '- archived 2023',
      '- emptied deleted items',
      '',
      '```',
      'Get-MailboxStatistics finance',
      '```',
      '<img src=x onerror="window.__pwned=1">',
    ].join('\n'),
  );
  const body = pane.comments().first().getByTestId('comment-body');
  await expect(body.locator('strong')).toHaveText('Fixed');
  await expect(body.locator('em')).toHaveText('quota');
  await expect(body.locator('code').first()).toHaveText('Set-Mailbox -ProhibitSendQuota 50GB');
  await expect(body.locator('li')).toHaveText(['archived 2023', 'emptied deleted items']);
  await expect(body.locator('pre')).toHaveText('Get-MailboxStatistics finance');
  const kb = body.getByRole('link', { name: 'the KB' });
  await expect(kb).toHaveAttribute('href', 'https://kb.example.com/mail');
  await expect(kb).toHaveAttribute('target', '_blank');
  await expect(body.getByRole('link')).toHaveCount(1);
  await expect(body.locator('img')).toHaveCount(0);
  await expect(body).toContainText('<img src=x onerror="window.__pwned=1">');
  expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
  await pane.comments().first().screenshot({ path: test.info().outputPath('markdown-comment.png') });
});

test('a requester deep-linking to the queue lands on the portal, not a blank page', async ({ browser }) => {
  const p = await browser.newPage();
  await p.goto(host.url);
  await new SignInPage(p).signIn('rita', 'password123');
  await expect(p.getByRole('heading', { name: 'How can we help?' })).toBeVisible();
  await p.goto(`${host.url}/#/queue/INC0000001?view=all`);
  await expect(p.getByRole('heading', { name: 'How can we help?' })).toBeVisible();
  await expect(p.getByTestId('ticket-row')).toHaveCount(0);
  await expect(p.getByTestId('nav-queue')).toHaveCount(0);
  await p.screenshot({ path: test.info().outputPath('requester-portal.png') });
  await p.close();
});
