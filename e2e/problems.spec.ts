/**
 * Problems end to end in Chromium against the browser host: a technician opens an incident, presses
 * `p` and creates a problem from it, links a second incident by its number on the problem's page,
 * records the workaround and marks a known error, and the workaround then shows on both incidents;
 * the review's action is added and its timeline lists the incidents' history; `g p` goes back to
 * the list. Then the fixing change is created from the problem, planned (window, back-out plan),
 * sent for approval, approved by the administrator and by a member of the change board signed in on
 * the same browser, scheduled by the second approval, and the change calendar shows its window.
 */
import { expect, test, type Page } from '@playwright/test';
import { apiCall, startHost, type RunningHost } from './support/host';
import { SignInPage } from './pages/setup';
import { TicketPane } from './pages/ticket';

test.describe.configure({ mode: 'serial' });

let host: RunningHost;
let page: Page;
let first: string;
let second: string;
let token: string;

test.beforeAll(async ({ browser }) => {
  host = await startHost();
  ({ token } = await apiCall<{ token: string }>(host, 'setup.init', {
    admin: { username: 'admin', displayName: 'Ada Admin', password: 'password123' },
    site: { name: 'HQ' },
  }));
  first = (await apiCall<{ number: string }>(host, 'tickets.create', { type: 'incident', title: 'Mail stuck in the outbox', impact: 2, urgency: 1 }, token)).number;
  second = (await apiCall<{ number: string }>(host, 'tickets.create', { type: 'incident', title: 'Outlook cannot send', impact: 2, urgency: 2 }, token)).number;
  await apiCall(host, 'tickets.comment', { id: (await apiCall<{ id: string }>(host, 'tickets.getByNumber', { number: second }, token)).id, body: 'Happens after the 09:00 relay restart.', internal: false }, token);
  const board = await apiCall<{ id: string }>(host, 'users.create', { username: 'cleo', displayName: 'Cleo Board', role: 'technician', password: 'password123' }, token);
  const g = await apiCall<{ id: string }>(host, 'groups.create', { name: 'Change board', memberIds: [board.id] }, token);
  await apiCall(host, 'changes.setPolicy', { groupId: g.id, quorum: { normal: 2, emergency: 1 } }, token);
  page = await browser.newPage();
});

test.afterAll(async () => {
  await page?.close();
  await host?.stop();
});

test('an incident becomes a problem from the keyboard, a second is linked, and the known error’s workaround shows on both', async () => {
  await page.goto(host.url);
  await new SignInPage(page).signIn('admin', 'password123');
  await expect(page.getByTestId('nav-queue')).toBeVisible();
  await page.goto(`${host.url}/#/queue/${first}`);
  const pane = new TicketPane(page);
  await pane.expectOpen(first);
  await expect(pane.root().getByTestId('ticket-problem-open')).toBeVisible();
  await page.keyboard.press('p');
  const dialog = page.getByRole('dialog', { name: `Problem for ${first}` });
  await expect(dialog).toBeVisible();
  await dialog.getByTestId('ticket-problem-create').click();
  const create = page.getByRole('dialog', { name: 'Create problem from this incident' });
  await expect(create.getByTestId('problem-title')).toHaveValue('Mail stuck in the outbox');
  await create.getByTestId('problem-title').fill('Mail relay drops connections');
  await create.getByTestId('problem-title').press('Enter');
  await expect(page.getByTestId('problem-number')).toHaveText('PRB0000001');
  await expect(page.getByTestId('problem-incidents')).toContainText(first);

  await page.getByTestId('problem-link-number').fill(second);
  await page.getByTestId('problem-link').click();
  await expect(page.getByTestId('problem-incidents')).toContainText(second);
  await expect(page.getByTestId('problem-timeline')).toContainText('Happens after the 09:00 relay restart.');

  await page.getByTestId('problem-root-cause').fill('The relay’s connection limit is 50; the morning peak needs 120.');
  await page.getByTestId('problem-workaround').fill('Send again after two minutes, or use webmail.');
  await page.getByTestId('problem-workaround').blur();
  // Saved on leaving the field: the known error needs it first.
  await expect.poll(async () => (await apiCall<{ workaround: string | null }>(host, 'problems.get', { id: page.url().split('/').pop()! }, token)).workaround).toBe('Send again after two minutes, or use webmail.');
  await page.getByTestId('problem-known-error').click();
  await expect(page.getByTestId('problem-known-error')).toBeChecked();
  await expect(page.getByText('Known error', { exact: true }).first()).toBeVisible();

  await page.getByTestId('problem-action-text').fill('Raise the relay connection limit');
  await page.getByTestId('problem-action-add').click();
  await expect(page.getByTestId('problem-actions')).toContainText('Raise the relay connection limit');

  for (const n of [first, second]) {
    await page.goto(`${host.url}/#/queue/${n}`);
    await pane.expectOpen(n);
    await expect(pane.root().getByTestId('known-error-workaround')).toContainText('Send again after two minutes, or use webmail.');
  }

  await page.keyboard.press('g');
  await page.keyboard.press('p');
  await expect(page.getByTestId('problem-list')).toContainText('Mail relay drops connections');
  await expect(page.getByTestId('problem-list')).toContainText('Known error');
});

/** A datetime-local value (the browser's local time) `hours` from now, on the minute. */
function localIn(hours: number): { value: string; date: Date } {
  const d = new Date(Date.now() + hours * 3_600_000);
  d.setSeconds(0, 0);
  const value = new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
  return { value, date: d };
}

const mondayOf = (d: Date) => {
  const x = new Date(d.getFullYear(), d.getMonth(), d.getDate());
  x.setDate(x.getDate() - ((x.getDay() + 6) % 7));
  return x.getTime();
};

test('the fixing change is created from the problem, approved twice, scheduled and shown on the calendar', async () => {
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('problem-number')).toHaveText('PRB0000001');
  await page.getByTestId('problem-create-change').click();
  const dialog = page.getByRole('dialog', { name: 'Create the fixing change' });
  await expect(dialog.getByTestId('change-title')).toHaveValue('Fix: Mail relay drops connections');
  await dialog.getByTestId('change-save').click();
  await expect(page.getByTestId('change-number')).toHaveText('CHG0000001');
  await expect(page.getByText('Fixes PRB0000001 Mail relay drops connections')).toBeVisible();

  const start = localIn(2);
  const end = localIn(3);
  await page.getByTestId('change-window-start').fill(start.value);
  await page.getByTestId('change-window-end').fill(end.value);
  await page.getByTestId('change-window-save').click();
  await page.getByTestId('change-backout-plan').fill('Restore the relay configuration from the morning backup.');
  await page.getByTestId('change-backout-plan').blur();
  await expect.poll(async () => (await apiCall<{ items: { backoutPlan?: string }[] }>(host, 'changes.list', {}, token)).items.length).toBe(1);
  await page.getByTestId('change-move-assessment').click();
  await expect(page.getByTestId('change-status')).toHaveText('Assessment');
  await page.getByTestId('change-move-awaiting_approval').click();
  await expect(page.getByTestId('change-status')).toHaveText('Awaiting approval');
  await expect(page.getByTestId('change-tally')).toHaveText('0 of 2 approvals');

  await page.getByTestId('change-vote-comment').fill('Window agreed with the mail team.');
  await page.getByTestId('change-approve').click();
  await expect(page.getByTestId('change-tally')).toHaveText('1 of 2 approvals');
  await expect(page.getByTestId('change-status')).toHaveText('Awaiting approval');
  const changeUrl = page.url();

  // The second approver, a member of the change board, on the same browser.
  await page.getByTestId('user-menu').click();
  await page.getByTestId('sign-out').click();
  await new SignInPage(page).signIn('cleo', 'password123');
  await expect(page.getByTestId('nav-queue')).toBeVisible();
  await page.goto(changeUrl);
  await page.getByTestId('change-approve').click();
  await expect(page.getByTestId('change-status')).toHaveText('Scheduled');
  await expect(page.getByTestId('change-tally')).toHaveText('2 of 2 approvals');
  await expect(page.getByTestId('change-votes')).toContainText('Cleo Board');

  await page.keyboard.press('g');
  await page.keyboard.press('c');
  await expect(page.getByTestId('change-list')).toContainText('CHG0000001');
  await page.getByTestId('change-calendar-open').click();
  if (mondayOf(start.date) !== mondayOf(new Date())) await page.getByTestId('calendar-next').click();
  await expect(page.getByTestId('change-calendar')).toContainText('CHG0000001');
  await expect(page.getByTestId('calendar-entry').first()).toContainText('Scheduled');
});
