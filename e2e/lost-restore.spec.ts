/**
 * A laptop reported lost, and its backup restored by someone holding its key (here an administrator,
 * from Settings): at its first contact the restored store is not wiped. Settings › Sync says why and
 * offers to join again; joining with the password on the server sends what the backup held, which
 * another device of the team then sees. The notice passes axe.
 */
import AxeBuilder from '@axe-core/playwright';
import { expect, test } from '@playwright/test';
import { apiCall } from './support/host';
import { sessionToken, useTwoDevices } from './support/two-devices';
import { SERVER_ADMIN } from './support/sync-server';
import { SetupPage, SignInPage } from './pages/setup';
import { SyncSettingsPage } from './pages/sync';

const rig = useTwoDevices();

async function serverCall(path: string, body: unknown, bearer?: string): Promise<{ status: number; value?: { accessToken?: string } }> {
  const res = await fetch(`${rig.server.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(bearer ? { authorization: `Bearer ${bearer}` } : {}) },
    body: JSON.stringify(body),
  });
  return { status: res.status, ...((await res.json()) as { value?: { accessToken?: string } }) };
}

test("the lost laptop's restored backup asks to join again, then sends what it held", async () => {
  const a = rig.pageA;
  await a.goto(rig.hostA.url);
  await new SetupPage(a).complete({ organisation: 'Northwind IT', site: 'North', displayName: 'Ada Admin', username: 'ada', password: 'correct-horse-1' });
  await expect(a.getByTestId('nav-queue')).toBeVisible();
  await new SyncSettingsPage(a).join(rig.server.url, SERVER_ADMIN.username, SERVER_ADMIN.password);
  let token = await sessionToken(a);
  await apiCall(rig.hostA, 'tickets.create', { type: 'incident', title: 'Synced before the loss: door controller', description: '' }, token);
  await apiCall(rig.hostA, 'sync.now', {}, token);
  const lostId = (await apiCall<{ deviceId: string }>(rig.hostA, 'sync.status', {}, token)).deviceId;

  // Made while the server is out of reach: only the backup taken then holds it.
  await rig.server.stop();
  await apiCall(rig.hostA, 'tickets.create', { type: 'incident', title: 'Only in the backup: badge printer', description: '' }, token);
  const backup = await apiCall<{ name: string }>(rig.hostA, 'store.backup', {}, token);
  await rig.server.restart();

  // The laptop is reported lost on the server.
  const admin = (await serverCall('/auth/login', { username: SERVER_ADMIN.username, password: SERVER_ADMIN.password, deviceId: 'e2e-console', deviceName: 'console' })).value!.accessToken!;
  expect((await serverCall('/auth/devices/lost', { deviceId: lostId }, admin)).status).toBe(200);

  // Its backup restored from Settings (by someone holding the key: the signed-in administrator).
  await apiCall(rig.hostA, 'store.restore', { name: backup.name }, token);
  // Sessions from when the backup was taken end with the restore: everyone signs in again.
  await expect(apiCall(rig.hostA, 'tickets.list', {}, token)).rejects.toThrow(/session/i);
  await a.reload();
  await new SignInPage(a).signIn('ada', 'correct-horse-1');
  await expect(a.getByTestId('nav-queue')).toBeVisible();
  token = await sessionToken(a);
  await expect
    .poll(async () => {
      await apiCall(rig.hostA, 'sync.now', {}, token).catch(() => undefined);
      return (await apiCall<{ state: string }>(rig.hostA, 'sync.status', {}, token)).state;
    })
    .toBe('standalone');

  await a.getByTestId('nav-settings').click();
  await a.getByTestId('settings-tab-sync').click();
  const notice = a.getByTestId('sync-rejoin');
  await expect(notice).toContainText('restored from a backup of a device an administrator reported lost');
  await expect(notice).toContainText('Join the server again');
  await expect(a.getByTestId('sync-join-form')).toBeVisible();
  const axe = await new AxeBuilder({ page: a }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  expect(axe.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => v.id)).toEqual([]);
  // Kept, not wiped.
  const kept = await apiCall<{ items: { title: string }[] }>(rig.hostA, 'tickets.list', {}, token);
  expect(kept.items.map((t) => t.title)).toContain('Only in the backup: badge printer');

  await new SyncSettingsPage(a).join(rig.server.url, SERVER_ADMIN.username, SERVER_ADMIN.password);
  await expect(notice).toHaveCount(0);
  await expect.poll(async () => (await apiCall<{ pending: number }>(rig.hostA, 'sync.status', {}, token)).pending).toBe(0);

  // Another device of the team sees both tickets, once each.
  const b = rig.pageB;
  await b.goto(rig.hostB.url);
  await new SetupPage(b).complete({ organisation: 'Northwind IT', site: 'North', displayName: 'Tech', username: 'tech', password: 'correct-horse-2' });
  await new SyncSettingsPage(b).join(rig.server.url, SERVER_ADMIN.username, SERVER_ADMIN.password);
  const tokenB = await sessionToken(b);
  await apiCall(rig.hostB, 'sync.now', {}, tokenB);
  const seen = (await apiCall<{ items: { title: string }[] }>(rig.hostB, 'tickets.list', { limit: 100 }, tokenB)).items.map((t) => t.title);
  expect(seen.filter((t) => t === 'Synced before the loss: door controller')).toHaveLength(1);
  expect(seen.filter((t) => t === 'Only in the backup: badge printer')).toHaveLength(1);
});
