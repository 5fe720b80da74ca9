/**
 * The technician's day on a fresh install: first-run setup, create a ticket, triage it from the keyboard,
 * comment, resolve, reload, and find it again by search — all against the real browser host.
 */
import { expect, test, type Page } from '@playwright/test';
import { startHost, apiCall, type RunningHost } from './support/host';
import { SetupPage } from './pages/setup';
import { QueuePage } from './pages/queue';
import { Palette, TicketPane } from './pages/ticket';

test.describe.configure({ mode: 'serial' });

let host: RunningHost;
let page: Page;
const TITLE = 'Projector in room 4 shows no signal';

test.beforeAll(async ({ browser }) => {
  host = await startHost();
  page = await browser.newPage();
});

test.afterAll(async () => {
  await page?.close();
  await host?.stop();
});

async function token(p: Page): Promise<string> {
  return p.evaluate(() => (JSON.parse(localStorage.getItem('outpost.session') ?? '{}') as { token: string }).token);
}

test('first-run setup creates the admin and opens an empty queue', async () => {
  await page.goto(host.url);
  await new SetupPage(page).complete({
    organisation: 'Northwind IT',
    site: 'Head office',
    displayName: 'Ada Admin',
    username: 'ada',
    password: 'correct-horse-1',
  });
  await expect(page.getByTestId('nav-queue')).toBeVisible();
  await expect(page.getByTestId('empty-state')).toContainText('Nothing in this view');
  await expect(page.getByTestId('user-menu')).toContainText('Ada Admin');
});

test('create a ticket with the c key, with inline validation first', async () => {
  const q = new QueuePage(page);
  await q.key('c');
  const dialog = page.getByRole('dialog', { name: 'New ticket' });
  await expect(dialog).toBeVisible();
  // Submitting without a title shows the server's own message under the field, and writes nothing.
  await dialog.getByTestId('create-submit').click();
  await expect(dialog.getByText('Title is required.')).toBeVisible();
  await q.create({
    title: TITLE,
    description: 'Laptop connects over HDMI but the projector says no signal.',
    impact: '2 · Medium',
    urgency: '2 · Medium',
  });
  const pane = new TicketPane(page);
  await pane.expectOpen('INC0000001');
  await expect(pane.root().getByTestId('detail-priority')).toContainText('P3');
  await expect(q.row('INC0000001')).toBeVisible();
});

test('triage from the keyboard: j/k, a, 1-4, s', async () => {
  // A second ticket so j and k have somewhere to go.
  await apiCall(host, 'tickets.create', { type: 'request', title: 'New starter needs a laptop', impact: 3, urgency: 3 }, await token(page));
  const q = new QueuePage(page);
  await q.key('Escape');
  await expect(page.getByTestId('detail-pane')).toBeHidden();
  await expect(q.rows()).toHaveCount(2);
  // Sorted by priority: the P3 incident first, then the P4 request.
  await expect(q.cursorRow()).toHaveAttribute('data-number', 'INC0000001');
  await q.key('j');
  await expect(q.cursorRow()).toHaveAttribute('data-number', 'REQ0000001');
  await q.key('k');
  await expect(q.cursorRow()).toHaveAttribute('data-number', 'INC0000001');

  await q.key('a');
  await expect(q.row('INC0000001').getByTestId('row-assignee')).toHaveText('Ada Admin');
  await expect(q.row('INC0000001').getByTestId('row-status')).toHaveText('Assigned');

  await q.key('2');
  await expect(q.row('INC0000001').getByTestId('row-priority')).toHaveText('P2');

  await q.key('s');
  await expect(q.statusDialog()).toBeVisible();
  // Only transitions the state machine allows from Assigned can be chosen; the others show, disabled.
  await expect(q.statusDialog().getByRole('button', { name: 'Closed' })).toBeDisabled();
  await expect(q.statusDialog().getByRole('button', { name: 'In progress' })).toBeEnabled();
  await q.chooseStatus('In progress');
  await expect(q.statusDialog()).toBeHidden();
  await expect(q.row('INC0000001').getByTestId('row-status')).toHaveText('In progress');
});

test('open with Enter, comment with Ctrl+Enter, resolve with code and notes', async () => {
  const q = new QueuePage(page);
  const pane = new TicketPane(page);
  // The previous step's status change refreshes the queue; Enter acts on the row under the cursor,
  // so wait until that row is back before pressing it.
  await expect(q.cursorRow()).toHaveAttribute('data-number', 'INC0000001');
  // Closing the dialog hands focus back to the control that had it, and Enter on a focused button
  // belongs to that button: put focus back on the list first, as a user clicking it would.
  await page.getByTestId('ticket-list').click({ position: { x: 5, y: 5 } });
  await expect(q.cursorRow()).toHaveAttribute('data-number', 'INC0000001');
  await q.key('Enter');
  await pane.expectOpen('INC0000001');
  await pane.comment('Swapped the HDMI cable; testing with the presenter now.');
  await expect(pane.comments().first()).toContainText('Swapped the HDMI cable');

  await page.getByTestId('ticket-list').click({ position: { x: 5, y: 5 } });
  await q.key('s');
  await q.chooseStatus('Resolved');
  // Resolving without notes is refused in the dialog.
  await q.statusDialog().getByRole('button', { name: 'Resolve' }).click();
  await expect(q.statusDialog().getByText('Choose a resolution code.')).toBeVisible();
  await q.resolve('Solved (permanently)', 'Faulty HDMI cable replaced.');
  await expect(pane.status()).toHaveText('Resolved');
  await expect(pane.root().getByTestId('resolution-notes')).toHaveText('Faulty HDMI cable replaced.');
});

test('reload keeps everything', async () => {
  await page.reload();
  const pane = new TicketPane(page);
  await pane.expectOpen('INC0000001');
  await expect(pane.status()).toHaveText('Resolved');
  await expect(pane.root().getByTestId('detail-priority')).toContainText('P2');
  await expect(pane.comments()).toContainText(['Swapped the HDMI cable; testing with the presenter now.']);
  await expect(pane.root().getByTestId('timeline-status')).toHaveCount(4);
});

test('find it again with / in the queue and with the palette', async () => {
  const q = new QueuePage(page);
  await page.keyboard.press('Escape');
  await q.view('all');
  await expect(q.rows()).toHaveCount(2);
  await q.key('/');
  await expect(page.getByTestId('queue-search')).toBeFocused();
  await page.keyboard.type('projector');
  await expect(q.rows()).toHaveCount(1);
  await expect(q.rows().first()).toHaveAttribute('data-number', 'INC0000001');
  await page.keyboard.press('Escape');

  const palette = new Palette(page);
  await palette.open();
  await palette.input().fill('hdmi');
  const hit = palette.hits().filter({ hasText: 'INC0000001' });
  await expect(hit).toBeVisible();
  // The match is highlighted with a <mark>, not injected HTML.
  await expect(hit.locator('mark').first()).toHaveText(/hdmi/i);
  await hit.click();
  await new TicketPane(page).expectOpen('INC0000001');
});

test('select several with x and act on them together; ? lists the keys', async () => {
  await apiCall(host, 'tickets.create', { type: 'incident', title: 'Wi-Fi drops in the canteen', impact: 3, urgency: 2 }, await token(page));
  const q = new QueuePage(page);
  // The ticket opened from the palette closes with Escape, once the palette has gone.
  await expect(page.locator('[aria-modal="true"], [role="dialog"], [role="menu"]')).toHaveCount(0);
  await page.keyboard.press('Escape');
  await expect(page.getByTestId('detail-pane')).toBeHidden();
  await q.view('unassigned');
  await expect(q.rows()).toHaveCount(2);
  // The cursor lands on the first row of the new view before the keys act on it.
  const [first, second] = [await q.rows().nth(0).getAttribute('data-number'), await q.rows().nth(1).getAttribute('data-number')];
  await expect(q.cursorRow()).toHaveAttribute('data-number', first!);
  await q.key('x');
  await expect(page.getByTestId('bulk-bar')).toContainText('1 ticket selected');
  await q.key('j');
  await expect(q.cursorRow()).toHaveAttribute('data-number', second!);
  await q.key('x');
  await expect(page.getByTestId('bulk-bar')).toContainText('2 tickets selected');
  // With a selection, "a" assigns every selected ticket, not just the one under the cursor.
  await q.key('a');
  await expect(page.getByTestId('bulk-bar')).toBeHidden();
  await q.view('my_work');
  await expect(q.rows()).toHaveCount(2);
  await expect(q.rows().getByTestId('row-assignee')).toHaveText(['Ada Admin', 'Ada Admin']);

  await q.key('?');
  await expect(page.getByRole('dialog', { name: 'Keyboard shortcuts' })).toBeVisible();
  await expect(page.getByRole('dialog', { name: 'Keyboard shortcuts' })).toContainText('Assign to me');
});
