/**
 * A new laptop joins an existing team at first run. Device A starts a team, joins `npm run server`
 * and raises tickets; the administrator gives Nina, a technician, an account on the server and a
 * profile in the team. On device B, at first run, Nina chooses "Join a team": a wrong password is
 * refused with its reason; with hers, B opens as Nina, shows A's tickets, and has nothing under
 * "Not accepted by the server" (it created no administrator or site of its own).
 */
import { expect, test } from '@playwright/test';
import { apiCall } from './support/host';
import { sessionToken, useTwoDevices } from './support/two-devices';
import { SERVER_ADMIN } from './support/sync-server';
import { SetupPage } from './pages/setup';
import { ConflictsInbox, SyncSettingsPage } from './pages/sync';
import { QueuePage } from './pages/queue';

const rig = useTwoDevices();

async function serverCall(path: string, body: unknown, bearer?: string): Promise<{ value?: { accessToken?: string } }> {
  const res = await fetch(`${rig.server.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(bearer ? { authorization: `Bearer ${bearer}` } : {}) },
    body: JSON.stringify(body),
  });
  expect(res.status).toBe(200);
  return (await res.json()) as { value?: { accessToken?: string } };
}

test('a technician joins the team at first run and sees its tickets', async () => {
  const a = rig.pageA;
  await a.goto(rig.hostA.url);
  await new SetupPage(a).complete({ organisation: 'Northwind IT', site: 'North', displayName: 'Ada Admin', username: 'ada', password: 'correct-horse-1' });
  await expect(a.getByTestId('nav-queue')).toBeVisible();
  await new SyncSettingsPage(a).join(rig.server.url, SERVER_ADMIN.username, SERVER_ADMIN.password);
  const tokenA = await sessionToken(a);
  const admin = (await serverCall('/auth/login', { username: SERVER_ADMIN.username, password: SERVER_ADMIN.password, deviceId: 'e2e-console', deviceName: 'console' })).value!.accessToken!;
  await serverCall('/auth/users', { username: 'nina', password: 'nina-horse-22', role: 'technician', sites: null }, admin);
  const north = (await apiCall<{ items: { id: string; name: string }[] }>(rig.hostA, 'sites.list', {}, tokenA)).items.find((s) => s.name === 'North')!;
  await apiCall(rig.hostA, 'users.create', { username: 'nina', displayName: 'Nina Field', role: 'technician', password: 'local-pass-1', siteIds: [north.id] }, tokenA);
  const titles = ['Badge reader offline at door 3', 'Printer on floor 2 jams', 'VPN drops every hour'];
  for (const title of titles) await apiCall(rig.hostA, 'tickets.create', { type: 'incident', title, description: '' }, tokenA);
  await apiCall(rig.hostA, 'sync.now', {}, tokenA);

  const b = rig.pageB;
  await b.goto(rig.hostB.url);
  const setup = new SetupPage(b);
  await setup.joinTeam(rig.server.url, 'nina', 'not-her-password');
  await expect(setup.joinError()).toContainText('username or password is wrong');
  await b.getByRole('textbox', { name: 'Password' }).fill('nina-horse-22');
  await b.getByTestId('join-team-submit').click();

  await expect(b.getByTestId('nav-queue')).toBeVisible();
  const queue = new QueuePage(b);
  await queue.view('all');
  for (const title of titles) await expect(queue.rows().filter({ hasText: title })).toHaveCount(1);
  const tokenB = await sessionToken(b);
  const me = await apiCall<{ username: string; role: string }>(rig.hostB, 'session.me', {}, tokenB);
  expect(me).toMatchObject({ username: 'nina', role: 'technician' });
  // B made no people or sites of its own: only the team's.
  const sitesB = (await apiCall<{ items: { name: string }[] }>(rig.hostB, 'sites.list', {}, tokenB)).items.map((s) => s.name);
  expect(sitesB).toEqual(['North']);

  // Her own work syncs, and nothing waits as refused.
  await apiCall(rig.hostB, 'tickets.create', { type: 'incident', title: 'Projector in room 4 flickers', description: '' }, tokenB);
  await apiCall(rig.hostB, 'sync.now', {}, tokenB);
  const inbox = new ConflictsInbox(b);
  await inbox.open();
  await expect(b.getByText('Not accepted by the server')).toHaveCount(0);
  await expect(b.getByTestId('rejected-item')).toHaveCount(0);
  const st = await apiCall<{ pending: number; rejected: number }>(rig.hostB, 'sync.status', {}, tokenB);
  expect(st).toMatchObject({ pending: 0, rejected: 0 });
});
