/**
 * The Conflicts inbox with more than 500 conflicts: the list pages past 500 as it scrolls until every
 * one is loaded, the count in the navigation matches the inbox's total, a filter narrows it, and
 * "Keep the winner" for the reviewed (selected) conflicts clears exactly those, with the navigation
 * count following. Axe finds nothing serious on the populated inbox.
 */
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';
import { apiCall, startHost, type RunningHost } from './support/host';
import { seedConflicts, type SeededConflict } from './support/conflicts';
import { SignInPage } from './pages/setup';
import { ConflictsInbox } from './pages/sync';

let host: RunningHost;

test.beforeAll(async () => {
  host = await startHost();
  const { token } = await apiCall<{ token: string }>(host, 'setup.init', {
    admin: { username: 'admin', displayName: 'Ada Admin', password: 'password123' },
    site: { name: 'HQ' },
  });
  const tickets = await Promise.all(
    ['Printer jams on floor 2', 'VPN drops every hour', 'Badge reader offline'].map((title) => apiCall<{ id: string }>(host, 'tickets.create', { type: 'incident', title }, token)),
  );
  const site = (await apiCall<{ items: { id: string }[] }>(host, 'sites.list', {}, token)).items[0]!.id;
  const conflicts: SeededConflict[] = Array.from({ length: 620 }, (_, i) =>
    i < 500
      ? { recordId: tickets[i % 3]!.id, kind: 'field', field: 'title', kept: `Title kept ${i}`, lost: `Title lost ${i}` }
      : { recordId: tickets[i % 3]!.id, kind: 'transition', field: 'status', kept: 'cancelled', lost: 'in_progress' },
  );
  seedConflicts(host.dataDir, site, conflicts);
});

test.afterAll(async () => {
  await host?.stop();
});

/** Scrolls the inbox to its end until the header says `n` are loaded. */
async function loadAll(page: Page, n: number) {
  const list = page.getByTestId('conflicts-list');
  const total = page.getByTestId('conflicts-total');
  await expect(async () => {
    await list.evaluate((el) => el.scrollTo({ top: el.scrollHeight }));
    await expect(total).toContainText(`${n.toLocaleString('en-GB')} loaded`, { timeout: 1000 });
  }).toPass({ timeout: 60_000 });
}

async function chooseKind(page: Page, label: string) {
  await page.getByTestId('conflicts-filter-kind').click();
  await page.getByRole('option', { name: label, exact: true }).click();
}

test('the inbox pages past 500; keeping the winner for the reviewed ones clears them and the count follows', async ({ page }) => {
  await page.goto(host.url);
  await new SignInPage(page).signIn('admin', 'password123');
  const inbox = new ConflictsInbox(page);
  await inbox.open();
  const total = page.getByTestId('conflicts-total');
  await expect(total).toContainText('620 conflicts · 100 loaded');
  await expect(page.getByTestId('conflicts-nav-count')).toHaveText('620');

  await loadAll(page, 620);
  // The oldest conflict, past the 500th, is on screen at the end of the list.
  const oldest = inbox.items().filter({ hasText: 'Title lost 0' });
  await expect(async () => {
    await page.getByTestId('conflicts-list').evaluate((el) => el.scrollTo({ top: el.scrollHeight }));
    await expect(oldest).toBeVisible({ timeout: 1000 });
  }).toPass({ timeout: 20_000 });

  // Away from the navigation link just clicked: its hover colour is the shell's, not this screen's.
  await page.mouse.move(700, 120);
  const axe = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  expect(axe.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.nodes.slice(0, 3).map((n) => n.html.slice(0, 120) + ' ' + (n.failureSummary ?? '').slice(0, 300)).join(' | ')}`)).toEqual([]);

  // Review the status moves that are no longer allowed, then keep the winner for all of them.
  await chooseKind(page, 'Status change no longer allowed');
  await expect(total).toContainText('120 conflicts match');
  await loadAll(page, 120);
  await page.getByTestId('conflicts-select-all').check();
  await expect(page.getByTestId('conflicts-keep-winners')).toHaveText('Keep the winner for 120 reviewed');
  await page.getByTestId('conflicts-keep-winners').click();
  await expect(page.getByText('Kept the winner for 120 conflicts.')).toBeVisible();
  await expect(page.getByText('No conflicts match')).toBeVisible();
  await expect(page.getByTestId('conflicts-nav-count')).toHaveText('500');

  // The rest are untouched, and the list and the navigation still agree.
  await chooseKind(page, 'Any kind');
  await expect(total).toContainText('500 conflicts ·');
  await loadAll(page, 500);
  await page.getByTestId('conflicts-list').evaluate((el) => el.scrollTo({ top: 0 }));
  // Newest first: the newest conflict left is the last title edit.
  await expect(inbox.items().first()).toContainText('Title lost 499');
});
