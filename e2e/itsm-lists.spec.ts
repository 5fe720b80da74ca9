/**
 * The problem and change registers at size, in Chromium against the browser host: 260 problems
 * load page by page as the list scrolls (the oldest reached at the end, j/k and Enter open one), the
 * change list's status filter reads the votes, the palette opens a problem, a change and a
 * knowledge article by their numbers ("open PRB0000002", "chg1", "KB0000001"), and editing the
 * back-out plan of the approved change asks for approval again (the vote kept but no longer counted,
 * the approver told in the alerts bell).
 */
import { expect, test, type Page } from '@playwright/test';
import { apiCall, startHost, type RunningHost } from './support/host';
import { SignInPage } from './pages/setup';
import { Palette } from './pages/ticket';

test.describe.configure({ mode: 'serial' });

let host: RunningHost;
let page: Page;
let token: string;

test.beforeAll(async ({ browser }) => {
  host = await startHost();
  ({ token } = await apiCall<{ token: string }>(host, 'setup.init', {
    admin: { username: 'admin', displayName: 'Ada Admin', password: 'password123' },
    site: { name: 'HQ' },
  }));
  for (let i = 1; i <= 260; i++) await apiCall(host, 'problems.create', { title: `Badge reader offline ${i}` }, token);
  // One change scheduled by its single approval (stored as awaiting approval: the vote decides).
  await apiCall(host, 'changes.setPolicy', { groupId: null, quorum: { normal: 1, emergency: 1 } }, token);
  const c = await apiCall<{ id: string }>(
    host,
    'changes.create',
    { type: 'normal', title: 'Replace the badge controllers', windowStart: '2030-05-01T20:00:00Z', windowEnd: '2030-05-01T22:00:00Z', backoutPlan: 'Refit the old controllers.' },
    token,
  );
  await apiCall(host, 'changes.move', { id: c.id, to: 'assessment' }, token);
  await apiCall(host, 'changes.move', { id: c.id, to: 'awaiting_approval' }, token);
  await apiCall(host, 'changes.vote', { id: c.id, decision: 'approve' }, token);
  await apiCall(host, 'kb.create', { title: 'Resetting a badge reader', body: 'Hold the reset button for ten seconds.' }, token);
  page = await browser.newPage();
});

test.afterAll(async () => {
  await page?.close();
  await host?.stop();
});

test('the problem list loads its later pages as it scrolls, and opens a row from the keyboard', async () => {
  await page.goto(host.url);
  await new SignInPage(page).signIn('admin', 'password123');
  await expect(page.getByTestId('nav-queue')).toBeVisible();
  await page.goto(`${host.url}/#/problems`);
  await expect(page.getByTestId('problem-total')).toHaveText('260 problems');
  const list = page.getByTestId('problem-list');
  await expect(list).toContainText('PRB0000260');
  // Only a page is in the DOM at first; scrolling to the end brings the next page and the oldest problem.
  await expect(list.getByText('PRB0000001', { exact: true })).toHaveCount(0);
  await expect
    .poll(async () => {
      await list.evaluate((el) => el.scrollTo(0, el.scrollHeight));
      return list.getByText('PRB0000001', { exact: true }).count();
    })
    .toBe(1);
  await list.evaluate((el) => el.scrollTo(0, 0));
  await page.locator('body').click({ position: { x: 5, y: 5 } });
  await page.keyboard.press('j');
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('problem-number')).toHaveText('PRB0000259');
});

/** Mantine's MultiSelect: its input is hidden inside the pills box that takes the click. */
const statusFilter = () => page.locator('.mantine-MultiSelect-input').filter({ has: page.getByRole('combobox', { name: 'Status' }) });

test('the change list filters by the status its votes give', async () => {
  await page.goto(`${host.url}/#/changes`);
  await expect(page.getByTestId('change-total')).toHaveText('1 change');
  await statusFilter().click();
  await page.getByRole('option', { name: 'Awaiting approval' }).click();
  await expect(page.getByTestId('change-total')).toHaveText('0 changes');
  await expect(page.getByText('No change matches')).toBeVisible();
  // The dropdown stays open: drop that status and take Scheduled.
  await page.getByRole('option', { name: 'Awaiting approval' }).click();
  await page.getByRole('option', { name: 'Scheduled' }).click();
  await page.keyboard.press('Escape');
  await expect(page.getByTestId('change-total')).toHaveText('1 change');
  await expect(page.getByTestId('change-list')).toContainText('Replace the badge controllers');
});

test('the palette opens a problem, a change and an article by number', async () => {
  const palette = new Palette(page);
  await palette.open();
  await palette.input().fill('open PRB0000002');
  await expect(page.getByTestId('palette-open-record')).toHaveAttribute('data-number', 'PRB0000002');
  await page.getByTestId('palette-open-record').click();
  await expect(page.getByTestId('problem-number')).toHaveText('PRB0000002');

  await palette.open();
  await palette.input().fill('chg1');
  await page.getByTestId('palette-open-record').click();
  await expect(page.getByTestId('change-number')).toHaveText('CHG0000001');

  await palette.open();
  await palette.input().fill('KB0000001');
  await expect(page.getByTestId('palette-open-record')).toContainText('Resetting a badge reader');
  await page.getByTestId('palette-open-record').click();
  await expect(page).toHaveURL(/#\/knowledge\//);
  await expect(page.getByRole('heading', { name: 'Resetting a badge reader' })).toBeVisible();
});

test('editing the plan of an approved change asks for approval again', async () => {
  await page.goto(`${host.url}/#/changes`);
  await page.getByTestId('change-list').getByText('CHG0000001').click();
  await expect(page.getByTestId('change-status')).toHaveText('Scheduled');
  await page.getByTestId('change-backout-plan').fill('Refit the old controllers and restore their configuration.');
  await page.getByTestId('change-backout-plan').blur();
  await expect(page.getByTestId('change-status')).toHaveText('Awaiting approval');
  await expect(page.getByTestId('change-tally')).toHaveText('0 of 1 approvals');
  await expect(page.getByTestId('change-reapproval')).toBeVisible();
  await expect(page.getByTestId('change-votes')).toContainText('on an earlier plan, no longer counted');

  // The approver (the administrator here) is asked again in the alerts bell.
  await page.getByTestId('alerts-bell').click();
  const ask = page.getByRole('button', { name: /CHG0000001 changed after your vote: approve it again/ });
  await expect(ask).toBeVisible();
  await ask.click();
  await expect(page.getByTestId('change-number')).toHaveText('CHG0000001');
  await page.getByTestId('change-approve').click();
  await expect(page.getByTestId('change-status')).toHaveText('Scheduled');
});

