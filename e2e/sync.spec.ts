/**
 * Two devices (two browser hosts) and one sync server: both join from Settings → Sync; while the
 * server is away both edit the same ticket title; after reconnecting both show the same ticket and
 * the conflict in the inbox; keeping a side on one device clears it on both.
 */
import { expect, test } from '@playwright/test';
import { apiCall } from './support/host';
import { sessionToken, useTwoDevices } from './support/two-devices';
import { SERVER_ADMIN } from './support/sync-server';
import { SetupPage } from './pages/setup';
import { ConflictsInbox, SyncSettingsPage } from './pages/sync';

const rig = useTwoDevices();
const token = sessionToken;

test('two devices join the server and share tickets', async () => {
  for (const [page, host, site] of [[rig.pageA, rig.hostA, 'North'], [rig.pageB, rig.hostB, 'South']] as const) {
    await page.goto(host.url);
    await new SetupPage(page).complete({ organisation: 'Northwind IT', site, displayName: 'Tech', username: 'tech', password: 'correct-horse-1' });
    await expect(page.getByTestId('nav-queue')).toBeVisible();
    await new SyncSettingsPage(page).join(rig.server.url, SERVER_ADMIN.username, SERVER_ADMIN.password);
  }
  const t = await apiCall<{ id: string }>(rig.hostA, 'tickets.create', { type: 'incident', title: 'Badge reader offline', description: '' }, await token(rig.pageA));
  await apiCall(rig.hostA, 'sync.now', {}, await token(rig.pageA));
  await apiCall(rig.hostB, 'sync.now', {}, await token(rig.pageB));
  const seen = await apiCall<{ title: string }>(rig.hostB, 'tickets.get', { id: t.id }, await token(rig.pageB));
  expect(seen.title).toBe('Badge reader offline');
  await expect(new SyncSettingsPage(rig.pageB).chip()).toContainText(/Synced|pending|Syncing/);

  // The server goes away; both devices keep working and edit the same field.
  await rig.server.stop();
  await apiCall(rig.hostA, 'tickets.update', { id: t.id, fields: { title: 'Badge reader offline (door 3)' } }, await token(rig.pageA));
  await apiCall(rig.hostB, 'tickets.update', { id: t.id, fields: { title: 'Badge reader replaced' } }, await token(rig.pageB));
  await rig.server.restart();
  for (const [h, p] of [[rig.hostA, rig.pageA], [rig.hostB, rig.pageB], [rig.hostA, rig.pageA]] as const) await apiCall(h, 'sync.now', {}, await token(p));

  const a = await apiCall<{ title: string }>(rig.hostA, 'tickets.get', { id: t.id }, await token(rig.pageA));
  const b = await apiCall<{ title: string }>(rig.hostB, 'tickets.get', { id: t.id }, await token(rig.pageB));
  expect(a.title).toBe(b.title);

  const inboxA = new ConflictsInbox(rig.pageA);
  const inboxB = new ConflictsInbox(rig.pageB);
  await inboxA.open();
  await inboxB.open();
  await expect(inboxA.items()).toHaveCount(1);
  await expect(inboxB.items()).toHaveCount(1);
  await expect(inboxA.items().first()).toContainText('Badge reader offline (door 3)');
  await expect(inboxA.items().first()).toContainText('Badge reader replaced');

  await inboxA.keepMine();
  await expect(inboxA.items()).toHaveCount(0);
  await apiCall(rig.hostA, 'sync.now', {}, await token(rig.pageA));
  await apiCall(rig.hostB, 'sync.now', {}, await token(rig.pageB));
  await rig.pageB.reload();
  await expect(rig.pageB.getByTestId('conflicts-page')).toBeVisible();
  await expect(inboxB.items()).toHaveCount(0);
  const finalA = await apiCall<{ title: string }>(rig.hostA, 'tickets.get', { id: t.id }, await token(rig.pageA));
  const finalB = await apiCall<{ title: string }>(rig.hostB, 'tickets.get', { id: t.id }, await token(rig.pageB));
  expect(finalA.title).toBe('Badge reader offline (door 3)');
  expect(finalB.title).toBe(finalA.title);
});
