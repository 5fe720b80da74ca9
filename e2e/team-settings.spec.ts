/**
 * Team-wide settings across two devices and a sync server: an administrator changes the priority
 * matrix on one device and each device adds a category offline; after syncing, both devices show
 * the same matrix, both categories, and a ticket's priority derived from the team's matrix.
 */
import { expect, test, type Page } from '@playwright/test';
import { apiCall, startHost, type RunningHost } from './support/host';
import { SERVER_ADMIN, startSyncServer, type SyncServer } from './support/sync-server';
import { SetupPage } from './pages/setup';
import { SyncSettingsPage } from './pages/sync';
import { TeamSettingsPage } from './pages/settings';

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

test('the priority matrix and categories are shared by the team', async () => {
  for (const [page, host, site] of [
    [pageA, hostA, 'North'],
    [pageB, hostB, 'South'],
  ] as const) {
    await page.goto(host.url);
    await new SetupPage(page).complete({
      organisation: 'Northwind IT',
      site,
      displayName: 'Admin',
      username: 'admin',
      password: 'correct-horse-1',
    });
    await expect(page.getByTestId('nav-queue')).toBeVisible();
    await new SyncSettingsPage(page).join(server.url, SERVER_ADMIN.username, SERVER_ADMIN.password);
  }
  const sync = async () => {
    for (const [h, p] of [
      [hostA, pageA],
      [hostB, pageB],
      [hostA, pageA],
    ] as const)
      await apiCall(h, 'sync.now', {}, await token(p));
  };
  await sync();

  // While the server is away: A makes Medium × Medium a P1; each device adds its own category.
  await server.stop();
  const a = new TeamSettingsPage(pageA);
  await a.openPriority();
  await a.setCell(2, 2, 'P1 Critical');
  await a.saveMatrix();
  await a.openCategories();
  await a.addCategory('Security');
  const b = new TeamSettingsPage(pageB);
  await b.openCategories();
  await b.addCategory('Telephony');
  const t = await apiCall<{ id: string; priority: number }>(
    hostB,
    'tickets.create',
    { type: 'incident', title: 'Door badge reader', impact: 2, urgency: 2 },
    await token(pageB),
  );
  expect(t.priority).toBe(3);
  await server.restart();
  await sync();

  for (const [page, model] of [
    [pageA, a],
    [pageB, b],
  ] as const) {
    await page.reload();
    await model.openPriority();
    await expect(model.cell(2, 2)).toHaveValue('P1 Critical');
    await model.openCategories();
    const names = await model.categoryInputs().evaluateAll((els) => els.map((e) => (e as HTMLInputElement).value));
    expect(names).toContain('Security');
    expect(names).toContain('Telephony');
    expect(names.filter((n) => n === 'Hardware')).toHaveLength(1);
  }
  // The ticket B filed offline follows the team's matrix on both devices.
  for (const [h, p] of [
    [hostA, pageA],
    [hostB, pageB],
  ] as const) {
    expect((await apiCall<{ priority: number }>(h, 'tickets.get', { id: t.id }, await token(p))).priority).toBe(1);
  }
});
