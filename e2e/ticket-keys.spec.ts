/**
 * Every ticket shortcut acts on the ticket on screen — the open one, else the highlighted row — and
 * its toast names that ticket: after opening a ticket from the palette, after a key moved the open
 * ticket out of the current view, and after creating a ticket. The highlight follows the open ticket.
 */
import { expect, test, type Page } from '@playwright/test';
import { apiCall, startHost, type RunningHost } from './support/host';
import { SignInPage } from './pages/setup';
import { Picker, QueuePage } from './pages/queue';
import { Palette, TicketPane } from './pages/ticket';

test.describe.configure({ mode: 'serial' });

let host: RunningHost;
let page: Page;
let q: QueuePage;
let pane: TicketPane;
let admin: string;

test.beforeAll(async ({ browser }) => {
  host = await startHost();
  admin = (
    await apiCall<{ token: string }>(host, 'setup.init', {
      admin: { username: 'ada', displayName: 'Ada Admin', password: 'password123' },
      site: { name: 'HQ' },
    })
  ).token;
  await apiCall(
    host,
    'users.create',
    { username: 'tom', displayName: 'Tom Technician', role: 'technician', password: 'password123' },
    admin,
  );
  const mk = (title: string, impact: number, urgency: number) =>
    apiCall(host, 'tickets.create', { type: 'incident', title, impact, urgency }, admin);
  await mk('Core switch down in the server room', 1, 1); // INC0000001 P1
  await mk('VPN drops every hour', 1, 2); // INC0000002 P2
  await mk('Printer toner low on floor 2', 2, 3); // INC0000003 P4
  await mk('Projector remote has no batteries', 3, 3); // INC0000004 P4
  await apiCall(host, 'assets.create', { tag: 'AST-000100', name: 'ThinkPad T14', type: 'laptop' }, admin);
  page = await browser.newPage();
  await page.goto(host.url);
  await new SignInPage(page).signIn('ada', 'password123');
  q = new QueuePage(page);
  pane = new TicketPane(page);
  await q.view('all_open');
  await expect(q.rows()).toHaveCount(4);
});

test.afterAll(async () => {
  await page?.close();
  await host?.stop();
});

/** Closes a dialog with Esc and waits until the keys are the queue's again. */
async function dismiss() {
  await page.keyboard.press('Escape');
  await q.overlaysGone();
}

test('after opening a ticket from the palette, a, digits, s, A, l and r act on it', async () => {
  await expect(q.cursorRow()).toHaveAttribute('data-number', 'INC0000001');
  await new Palette(page).openNumber('INC0000004');
  await pane.expectOpen('INC0000004');
  // The highlight moved from the first row to the open ticket.
  await expect(q.cursorRow()).toHaveAttribute('data-number', 'INC0000004');
  await q.overlaysGone();

  await q.key('a');
  await expect(q.toast('INC0000004 assigned to you.')).toBeVisible();
  await expect(pane.root().getByTestId('field-assignee')).toHaveValue('Ada Admin');
  await expect(q.row('INC0000004').getByTestId('row-assignee')).toHaveText('Ada Admin');
  await expect(q.row('INC0000001').getByTestId('row-assignee')).toHaveText('Unassigned');

  await q.key('2');
  await expect(q.toast('INC0000004 is now P2 High.')).toBeVisible();
  await expect(pane.root().getByTestId('detail-priority')).toContainText('P2 High');
  await expect(q.row('INC0000001').getByTestId('row-priority')).toHaveText('P1');

  await q.key('s');
  await expect(q.statusDialog()).toHaveAccessibleName('Change status of INC0000004');
  await dismiss();

  await q.key('Shift+A');
  await expect(new Picker(page, 'assign-picker').root()).toHaveAccessibleName('Assign INC0000004 to…');
  await dismiss();

  await q.key('l');
  const assets = new Picker(page, 'asset-picker');
  await expect(assets.root()).toHaveAccessibleName('Link an asset to INC0000004');
  await assets.choose('ThinkPad');
  await expect(q.toast('INC0000004: linked AST-000100 · ThinkPad T14.')).toBeVisible();
  await expect(pane.root().getByTestId('linked-asset')).toHaveText('AST-000100 · ThinkPad T14');

  // p: the problem dialog for this incident; one Esc closes it, even with no open problem to list.
  await q.key('p');
  await expect(page.getByRole('dialog', { name: 'Problem for INC0000004' })).toBeVisible();
  await page.keyboard.press('Escape');
  await q.overlaysGone();

  await q.key('r');
  await expect(pane.root().getByTestId('comment-input')).toBeFocused();
  await page.keyboard.type('Batteries are in the drawer.');
  await page.keyboard.press('Control+Enter');
  await expect(pane.comments().first()).toContainText('Batteries are in the drawer.');
});

test('after a key moves the open ticket out of the view, the next keys still act on it', async () => {
  await page.keyboard.press('Escape'); // leave the comment box
  await q.key('Escape'); // close the ticket
  await expect(page.getByTestId('detail-pane')).toBeHidden();
  await q.view('unassigned');
  await expect(q.rows()).toHaveCount(3);
  await q.row('INC0000003').click();
  await q.key('Enter');
  await pane.expectOpen('INC0000003');
  await expect(q.cursorRow()).toHaveAttribute('data-number', 'INC0000003');

  await q.key('a');
  await expect(q.toast('INC0000003 assigned to you.')).toBeVisible();
  // It left Unassigned; the pane still shows it and no other row is lit as if it were the target.
  await expect(q.row('INC0000003')).toHaveCount(0);
  await pane.expectOpen('INC0000003');
  await expect(q.cursorRow()).toHaveCount(0);

  await q.key('3');
  await expect(q.toast('INC0000003 is now P3 Moderate.')).toBeVisible();
  await expect(pane.root().getByTestId('detail-priority')).toContainText('P3 Moderate');
  await expect(q.row('INC0000001').getByTestId('row-priority')).toHaveText('P1');
  await expect(q.row('INC0000002').getByTestId('row-priority')).toHaveText('P2');

  await q.key('s');
  await expect(q.statusDialog()).toHaveAccessibleName('Change status of INC0000003');
  await q.key('3'); // In progress
  await expect(q.toast('INC0000003 is now in progress.')).toBeVisible();
  await expect(pane.status()).toHaveText('In progress');
  await q.overlaysGone();

  await q.key('Shift+A');
  const assign = new Picker(page, 'assign-picker');
  await expect(assign.root()).toHaveAccessibleName('Assign INC0000003 to…');
  await assign.choose('Tom');
  await expect(q.toast('Assigned INC0000003 to Tom Technician.')).toBeVisible();
  await expect(pane.root().getByTestId('field-assignee')).toHaveValue('Tom Technician');

  await q.key('l');
  await expect(new Picker(page, 'asset-picker').root()).toHaveAccessibleName('Link an asset to INC0000003');
  await dismiss();

  await q.key('r');
  await expect(pane.root().getByTestId('comment-input')).toBeFocused();
  await page.keyboard.press('Escape');

  // The tickets still in the view were never touched.
  await expect(q.row('INC0000001').getByTestId('row-assignee')).toHaveText('Unassigned');
  await expect(q.row('INC0000001').getByTestId('row-status')).toHaveText('New');
  await expect(q.row('INC0000002').getByTestId('row-assignee')).toHaveText('Unassigned');
});

test('after creating a ticket, the keys act on the new ticket, not the row highlighted before', async () => {
  await q.key('Escape');
  await expect(page.getByTestId('detail-pane')).toBeHidden();
  await q.view('all_open');
  await q.row('INC0000001').click();
  await expect(q.cursorRow()).toHaveAttribute('data-number', 'INC0000001');
  await q.key('c');
  await q.create({ title: 'Badge reader at the side door is dead', impact: '3 · Low', urgency: '3 · Low' });
  await pane.expectOpen('INC0000005');
  await expect(q.cursorRow()).toHaveAttribute('data-number', 'INC0000005');
  await q.overlaysGone();

  await q.key('s');
  await expect(q.statusDialog()).toHaveAccessibleName('Change status of INC0000005');
  await dismiss();

  await q.key('1');
  await expect(q.toast('INC0000005 is now P1 Critical.')).toBeVisible();
  await expect(pane.root().getByTestId('detail-priority')).toContainText('P1 Critical');

  await q.key('a');
  await expect(q.toast('INC0000005 assigned to you.')).toBeVisible();
  await expect(q.row('INC0000005').getByTestId('row-assignee')).toHaveText('Ada Admin');

  await q.key('Shift+A');
  await expect(new Picker(page, 'assign-picker').root()).toHaveAccessibleName('Assign INC0000005 to…');
  await dismiss();
  await q.key('l');
  await expect(new Picker(page, 'asset-picker').root()).toHaveAccessibleName('Link an asset to INC0000005');
  await dismiss();
  await q.key('r');
  await expect(pane.root().getByTestId('comment-input')).toBeFocused();
  await page.keyboard.press('Escape');

  // The row highlighted before creating was left alone.
  await expect(q.row('INC0000001').getByTestId('row-priority')).toHaveText('P1');
  await expect(q.row('INC0000001').getByTestId('row-assignee')).toHaveText('Unassigned');
  await expect(q.row('INC0000001').getByTestId('row-status')).toHaveText('New');
});

test('with nothing open, when a key moves the highlighted row out of the view, the highlight stays at its place', async () => {
  // Two more unassigned tickets below INC0000002, so the view holds rows above and below it.
  await apiCall(host, 'tickets.create', { type: 'incident', title: 'Door camera offline', impact: 3, urgency: 3 }, admin); // INC0000006 P4
  await apiCall(host, 'tickets.create', { type: 'incident', title: 'Kiosk screen flickers', impact: 3, urgency: 3 }, admin); // INC0000007 P4
  await q.key('Escape');
  await expect(page.getByTestId('detail-pane')).toBeHidden();
  await q.view('unassigned');
  await expect(q.rows()).toHaveCount(4);
  await q.row('INC0000002').click();
  await expect(q.cursorRow()).toHaveAttribute('data-number', 'INC0000002');

  await q.key('a');
  await expect(q.toast('INC0000002 assigned to you.')).toBeVisible();
  await expect(q.row('INC0000002')).toHaveCount(0);
  // The row that took its place is lit, not the P1 at the top of the view.
  await expect(q.cursorRow()).toHaveAttribute('data-number', 'INC0000006');

  await q.key('3');
  await expect(q.toast('INC0000006 is now P3 Moderate.')).toBeVisible();
  await expect(q.row('INC0000001').getByTestId('row-priority')).toHaveText('P1');
});
