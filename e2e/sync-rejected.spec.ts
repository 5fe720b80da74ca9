/**
 * A change the server refuses does not vanish: a technician loses a site on the server while his
 * device is offline and edits a ticket there; after syncing, the Conflicts inbox shows the change
 * under "Not accepted by the server" with the record, the value and the reason; dismissing it
 * removes it.
 */
import { expect, test } from '@playwright/test';
import { apiCall } from './support/host';
import { sessionToken, useTwoDevices } from './support/two-devices';
import { SERVER_ADMIN } from './support/sync-server';
import { SetupPage } from './pages/setup';
import { ConflictsInbox, SyncSettingsPage } from './pages/sync';

const rig = useTwoDevices();
const token = sessionToken;

async function serverCall(path: string, body: unknown, bearer?: string, base = rig.server.url): Promise<{ value?: { accessToken?: string } }> {
  const res = await fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(bearer ? { authorization: `Bearer ${bearer}` } : {}) },
    body: JSON.stringify(body),
  });
  expect(res.status).toBe(200);
  return (await res.json()) as { value?: { accessToken?: string } };
}

test('an edit refused by the server is shown in the inbox, and can be dismissed', async () => {
  await rig.pageA.goto(rig.hostA.url);
  await new SetupPage(rig.pageA).complete({ organisation: 'Northwind IT', site: 'North', displayName: 'Tech', username: 'tech', password: 'correct-horse-1' });
  await new SyncSettingsPage(rig.pageA).join(rig.server.url, SERVER_ADMIN.username, SERVER_ADMIN.password);
  const north = (await apiCall<{ items: { id: string; name: string }[] }>(rig.hostA, 'sites.list', {}, await token(rig.pageA))).items.find((s) => s.name === 'North')!;
  const t = await apiCall<{ id: string }>(rig.hostA, 'tickets.create', { type: 'incident', title: 'Door 3 badge reader', description: '', siteId: north.id }, await token(rig.pageA));
  await apiCall(rig.hostA, 'sync.now', {}, await token(rig.pageA));

  const admin = (await serverCall('/auth/login', { username: SERVER_ADMIN.username, password: SERVER_ADMIN.password, deviceId: 'e2e-console', deviceName: 'console' })).value!.accessToken!;
  await serverCall('/auth/users', { username: 'lee', password: 'correct-horse-2', role: 'technician', sites: [north.id] }, admin);

  await rig.pageB.goto(rig.hostB.url);
  await new SetupPage(rig.pageB).complete({ organisation: 'Northwind IT', site: 'South', displayName: 'Lee', username: 'lee', password: 'correct-horse-2' });
  await new SyncSettingsPage(rig.pageB).join(rig.server.url, 'lee', 'correct-horse-2');
  await apiCall(rig.hostB, 'sync.now', {}, await token(rig.pageB));

  // Lee's laptop goes offline and he edits the North ticket; meanwhile North is taken from him.
  await rig.server.stop();
  await apiCall(rig.hostB, 'tickets.update', { id: t.id, fields: { title: 'Door 3 badge reader: cable replaced' } }, await token(rig.pageB));
  // The administrator takes North from Lee while his laptop still cannot reach the server (at an
  // address it does not know), so its edit can only arrive after the change.
  const aside = await rig.server.restartAside();
  const admin2 = (await serverCall('/auth/login', { username: SERVER_ADMIN.username, password: SERVER_ADMIN.password, deviceId: 'e2e-console', deviceName: 'console' }, undefined, aside)).value!.accessToken!;
  await serverCall('/auth/users/sites', { username: 'lee', sites: [] }, admin2, aside);
  await rig.server.restart();
  await apiCall(rig.hostB, 'sync.now', {}, await token(rig.pageB));

  const inbox = new ConflictsInbox(rig.pageB);
  await inbox.open();
  // (Lee's own set-up records, made before joining as a technician, are refused too: only admins
  // write sites and users. They are listed as well; this test follows the ticket edit.)
  const card = rig.pageB.getByTestId('rejected-item').filter({ hasText: 'Door 3 badge reader' });
  await expect(card).toHaveCount(1);
  await expect(card).toContainText('Door 3 badge reader');
  await expect(card).toContainText('cable replaced');
  await expect(card.getByTestId('rejected-reason')).toContainText('do not have access to site');
  const before = await rig.pageB.getByTestId('rejected-item').count();
  await card.getByTestId('rejected-dismiss').click();
  await expect(card).toHaveCount(0);
  await expect(rig.pageB.getByTestId('rejected-item')).toHaveCount(before - 1);
});
