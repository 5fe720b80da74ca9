/**
 * Provisional numbers on screen: a joined device that used up its leased numbers offline gives a new
 * ticket a provisional number, and shows it as provisional in the queue, the ticket's header and the
 * palette. When the server comes back the device catches up on its own (nobody presses Sync now):
 * the ticket shows its real number and says what it was, and the provisional number still opens it.
 */
import { expect, test, type Page } from '@playwright/test';
import { apiCall, startHost, type RunningHost } from './support/host';
import { SERVER_ADMIN, startSyncServer, type SyncServer } from './support/sync-server';
import { SignInPage } from './pages/setup';
import { QueuePage } from './pages/queue';
import { Palette, TicketPane } from './pages/ticket';

let server: SyncServer;
let host: RunningHost;
let page: Page;

test.beforeAll(async ({ browser }) => {
  server = await startSyncServer();
  host = await startHost();
  page = await browser.newPage();
});

test.afterAll(async () => {
  await page?.close();
  await host?.stop();
  await server?.dispose();
});

test('a ticket made offline past the leased numbers is provisional everywhere, then numbered, and its old number still opens it', async () => {
  test.setTimeout(300_000);
  const { token } = await apiCall<{ token: string }>(host, 'setup.init', {
    admin: { username: 'ada', displayName: 'Ada Admin', password: 'password123' },
    site: { name: 'HQ' },
  });
  await apiCall(host, 'sync.join', { serverUrl: server.url, ...SERVER_ADMIN }, token);
  await apiCall(host, 'sync.now', {}, token);
  const held = (await apiCall<{ numbers: { prefix: string; remaining: number }[] }>(host, 'sync.status', {}, token)).numbers.find((n) => n.prefix === 'INC')!;
  expect(held.remaining).toBeGreaterThan(0);

  // A long week offline: the leased INC numbers run out.
  await server.stop();
  for (let i = 0; i < held.remaining; i++) await apiCall(host, 'tickets.create', { type: 'incident', title: `Site visit ${i}` }, token);
  const t = await apiCall<{ id: string; number: string }>(host, 'tickets.create', { type: 'incident', title: 'Generator at the depot will not start', impact: 1, urgency: 1 }, token);
  expect(t.number).toMatch(/^INC-P-[0-9A-F]{6}-\d+$/);
  const provisional = t.number;

  await page.goto(host.url);
  await new SignInPage(page).signIn('ada', 'password123');
  const q = new QueuePage(page);
  await q.view('all_open');
  const search = page.getByTestId('queue-search');
  await search.fill('generator');
  await search.press('Enter');
  // The queue row: the provisional number, marked as such.
  await expect(q.rows()).toHaveCount(1);
  const shown = q.row(provisional).locator('.qr-number');
  await expect(shown).toHaveText(provisional);
  await expect(shown).toHaveAttribute('data-provisional', 'true');
  await expect(shown).toHaveAttribute('title', /provisional number/);

  // The palette: found by its words, marked provisional; and opened by its number.
  const palette = new Palette(page);
  await palette.open();
  await palette.input().fill('generator depot');
  const hit = palette.hits().filter({ hasText: 'Generator at the depot' });
  await expect(hit).toHaveAttribute('data-number', provisional);
  await expect(hit.getByTestId('palette-provisional')).toBeVisible();
  await page.keyboard.press('Escape');
  await palette.openNumber(provisional);

  // The ticket's header: the number and a provisional badge.
  const pane = new TicketPane(page);
  await expect(pane.root()).toHaveAttribute('data-number', provisional);
  await expect(pane.root().getByTestId('detail-number')).toContainText(provisional);
  await expect(pane.root().getByTestId('provisional-number')).toBeVisible();

  // The server comes back; nobody presses Sync now. The open ticket gets its real number.
  await server.restart();
  await expect(pane.root()).toHaveAttribute('data-number', /^INC\d{7}$/, { timeout: 30_000 });
  const final = (await pane.root().getAttribute('data-number'))!;
  await expect(pane.root().getByTestId('provisional-number')).toHaveCount(0);
  await expect(pane.root().getByTestId('former-number')).toContainText(`Was ${provisional}, numbered ${final} at sync`);
  const after = await apiCall<{ id: string; number: string }>(host, 'tickets.getByNumber', { number: provisional }, token);
  expect(after).toMatchObject({ id: t.id, number: final });

  // The number written on a job sheet still opens the same ticket: by link and by the palette.
  await page.goto(`${host.url}/#/queue/${provisional}`);
  await expect(pane.root()).toHaveAttribute('data-number', final);
  await expect(pane.root()).toContainText('Generator at the depot will not start');
  await palette.openNumber(provisional);
  await expect(pane.root()).toHaveAttribute('data-number', final);
});
