/**
 * Two devices (two browser hosts) and one sync server: both join from Settings → Sync; while the
 * server is away both edit the same ticket title; after reconnecting both show the same ticket and
 * the conflict in the inbox; keeping a side on one device clears it on both.
 */
import { expect, test, type Page } from '@playwright/test';
import { apiCall, startHost, type RunningHost } from './support/host';
import { SERVER_ADMIN, startSyncServer, type SyncServer } from './support/sync-server';
import { SetupPage } from './pages/setup';
import { ConflictsInbox, SyncSettingsPage } from './pages/sync';

test.describe.configure({ mode: 'serial' });

let server: SyncServer;
let hostA: RunningHost;
let hostB: RunningHost;
let pageA: Page;
let pageB: Page;

async function token(p: Page): Promise<string> {
  return p.evaluate(() => (JSON.parse(localStorage.getItem('outpost.session') ?? '{}') as { token: string }).token);
}

test.beforeAll(async ({ browser }) => {
  server = await startSyncServer();
  hostA = await startHost();
  hostB = await startHost();
  pageA = await browser.newPage();
  pageB = await browser.newPage();
});

test.afterAll(async () => {
  await pageA?.close();
  await pageB?.close();
  await hostA?.stop();
  await hostB?.stop();
  await server?.dispose();
});

test('two devices join the server and share tickets', async () => {
  for (const [page, host, site] of [[pageA, hostA, 'North'], [pageB, hostB, 'South']] as const) {
    await page.goto(host.url);
    await new SetupPage(page).complete({ organisation: 'Northwind IT', site, displayName: 'Tech', username: 'tech', password: 'correct-horse-1' });
    await expect(page.getByTestId('nav-queue')).toBeVisible();
    await new SyncSettingsPage(page).join(server.url, SERVER_ADMIN.username, SERVER_ADMIN.password);
  }
  const t = await apiCall<{ id: string }>(hostA, 'tickets.create', { type: 'incident', title: 'Badge reader offline', description: '' }, await token(pageA));
  await apiCall(hostA, 'sync.now', {}, await token(pageA));
  await apiCall(hostB, 'sync.now', {}, await token(pageB));
  const seen = await apiCall<{ title: string }>(hostB, 'tickets.get', { id: t.id }, await token(pageB));
  expect(seen.title).toBe('Badge reader offline');
  await expect(new SyncSettingsPage(pageB).chip()).toContainText(/Synced|pending|Syncing/);

  // The server goes away; both devices keep working and edit the same field.
  await server.stop();
  await apiCall(hostA, 'tickets.update', { id: t.id, fields: { title: 'Badge reader offline (door 3)' } }, await token(pageA));
  await apiCall(hostB, 'tickets.update', { id: t.id, fields: { title: 'Badge reader replaced' } }, await token(pageB));
  await server.restart();
  for (const [h, p] of [[hostA, pageA], [hostB, pageB], [hostA, pageA]] as const) await apiCall(h, 'sync.now', {}, await token(p));

  const a = await apiCall<{ title: string }>(hostA, 'tickets.get', { id: t.id }, await token(pageA));
  const b = await apiCall<{ title: string }>(hostB, 'tickets.get', { id: t.id }, await token(pageB));
  expect(a.title).toBe(b.title);

  const inboxA = new ConflictsInbox(pageA);
  const inboxB = new ConflictsInbox(pageB);
  await inboxA.open();
  await inboxB.open();
  await expect(inboxA.items()).toHaveCount(1);
  await expect(inboxB.items()).toHaveCount(1);
  await expect(inboxA.items().first()).toContainText('Badge reader offline (door 3)');
  await expect(inboxA.items().first()).toContainText('Badge reader replaced');

  await inboxA.keepMine();
  await expect(inboxA.items()).toHaveCount(0);
  await apiCall(hostA, 'sync.now', {}, await token(pageA));
  await apiCall(hostB, 'sync.now', {}, await token(pageB));
  await pageB.reload();
  await expect(pageB.getByTestId('conflicts-page')).toBeVisible();
  await expect(inboxB.items()).toHaveCount(0);
  const finalA = await apiCall<{ title: string }>(hostA, 'tickets.get', { id: t.id }, await token(pageA));
  const finalB = await apiCall<{ title: string }>(hostB, 'tickets.get', { id: t.id }, await token(pageB));
  expect(finalA.title).toBe('Badge reader offline (door 3)');
  expect(finalB.title).toBe(finalA.title);
});
