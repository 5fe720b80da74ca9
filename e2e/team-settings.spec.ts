/**
 * Team-wide settings across two devices and a sync server: an administrator changes the priority
 * matrix on one device and each device adds a category offline; after syncing, both devices show
 * the same matrix, both categories, and a ticket's priority derived from the team's matrix.
 */
import { expect, test } from '@playwright/test';
import { apiCall } from './support/host';
import { sessionToken, useTwoDevices } from './support/two-devices';
import { SERVER_ADMIN } from './support/sync-server';
import { SetupPage } from './pages/setup';
import { SyncSettingsPage } from './pages/sync';
import { TeamSettingsPage } from './pages/settings';

const rig = useTwoDevices();
const token = sessionToken;

test('the priority matrix and categories are shared by the team', async () => {
  for (const [page, host, site] of [
    [rig.pageA, rig.hostA, 'North'],
    [rig.pageB, rig.hostB, 'South'],
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
    await new SyncSettingsPage(page).join(rig.server.url, SERVER_ADMIN.username, SERVER_ADMIN.password);
  }
  const sync = async () => {
    for (const [h, p] of [
      [rig.hostA, rig.pageA],
      [rig.hostB, rig.pageB],
      [rig.hostA, rig.pageA],
    ] as const)
      await apiCall(h, 'sync.now', {}, await token(p));
  };
  await sync();

  // While the server is away: A makes Medium × Medium a P1; each device adds its own category.
  await rig.server.stop();
  const a = new TeamSettingsPage(rig.pageA);
  await a.openPriority();
  await a.setCell(2, 2, 'P1 Critical');
  await a.saveMatrix();
  await a.openCategories();
  await a.addCategory('Security');
  const b = new TeamSettingsPage(rig.pageB);
  await b.openCategories();
  await b.addCategory('Telephony');
  const t = await apiCall<{ id: string; priority: number }>(
    rig.hostB,
    'tickets.create',
    { type: 'incident', title: 'Door badge reader', impact: 2, urgency: 2 },
    await token(rig.pageB),
  );
  expect(t.priority).toBe(3);
  await rig.server.restart();
  await sync();

  for (const [page, model] of [
    [rig.pageA, a],
    [rig.pageB, b],
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
    [rig.hostA, rig.pageA],
    [rig.hostB, rig.pageB],
  ] as const) {
    expect((await apiCall<{ priority: number }>(h, 'tickets.get', { id: t.id }, await token(p))).priority).toBe(1);
  }
});
