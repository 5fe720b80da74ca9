/**
 * A requester's ticket routed by the team's rules: a requester without the app reports a problem
 * through the server's /portal in Chromium; the technician's console, signed in and joined to the
 * server, receives it with the next sync and routes it by the rule on its own (a requester cannot
 * read the rules). The ticket's history names the rule once, and the requester's portal shows the
 * ticket taken by the team after the next sync.
 */
import { expect, test } from '@playwright/test';
import { apiCall, startHost, type RunningHost } from './support/host';
import { sessionToken } from './support/two-devices';
import { SERVER_ADMIN, startSyncServer, type SyncServer } from './support/sync-server';
import { SetupPage } from './pages/setup';
import { SyncSettingsPage } from './pages/sync';
import { PortalPage } from './pages/portal';
import { QueuePage } from './pages/queue';
import { TicketPane } from './pages/ticket';

let server: SyncServer;
let host: RunningHost;

test.beforeAll(async () => {
  server = await startSyncServer();
  host = await startHost();
});
test.afterAll(async () => {
  await host?.stop();
  await server?.dispose();
});

async function serverPost<T>(path: string, body: unknown, token?: string): Promise<T> {
  const res = await fetch(`${server.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: JSON.stringify(body) });
  const out = (await res.json()) as { ok: boolean; value?: T; error?: { message: string } };
  if (!out.ok) throw new Error(`${path}: ${out.error?.message}`);
  return out.value as T;
}

test('a problem reported through the server portal is routed by the first staff console that sees it', async ({ page, browser }) => {
  test.setTimeout(180_000);
  await page.goto(host.url);
  await new SetupPage(page).complete({ organisation: 'Northwind IT', site: 'HQ', displayName: 'Tess Tech', username: 'tess', password: 'correct-horse-1' });
  await expect(page.getByTestId('nav-queue')).toBeVisible();
  const tess = await sessionToken(page);
  const hq = (await apiCall<{ items: { id: string; name: string }[] }>(host, 'sites.list', {}, tess)).items.find((s) => s.name === 'HQ')!.id;
  await new SyncSettingsPage(page).join(server.url, SERVER_ADMIN.username, SERVER_ADMIN.password);
  await apiCall(host, 'sync.now', {}, tess);
  // The rule names the person signed in on the console (as the team knows them after joining).
  const me = await apiCall<{ id: string; displayName: string }>(host, 'session.me', {}, tess);
  const group = await apiCall<{ id: string }>(host, 'groups.create', { name: 'Print desk' }, tess);
  await apiCall(host, 'routing.save', { name: 'Printers', position: 0, conditions: { words: ['printer'] }, actions: { groupId: group.id, assigneeId: me.id, priority: 2 } }, tess);
  await apiCall(host, 'sync.now', {}, tess);
  const adminToken = (await serverPost<{ accessToken: string }>('/auth/login', { ...SERVER_ADMIN, deviceId: 'e2e-console-0002', deviceName: 'console' })).accessToken;
  await serverPost('/auth/users', { username: 'rita', password: 'rita-password-1', role: 'requester', sites: [hq] }, adminToken);

  // The requester reports a problem in a browser, without the app.
  const ctx = await browser.newContext();
  const rp = await ctx.newPage();
  const portal = new PortalPage(rp);
  await rp.goto(`${server.url}/portal`);
  await portal.signInOnServer('rita', 'rita-password-1');
  await rp.getByTestId('report-problem').click();
  await rp.getByLabel('Title').fill('The printer on floor 2 jams');
  await rp.getByLabel('What is happening?').fill('Every second page jams.');
  await portal.send();
  await expect(portal.ticket()).toBeVisible();
  await expect(rp.getByTestId('portal-status')).toHaveText('Received');
  const number = (await portal.ticket().getByText(/^INC\d{7}/).textContent())!.split(' ')[0]!;

  // The console pulls it; nobody asks it to route: it does so itself, soon after the pull.
  await page.goto(`${host.url}/#/queue?view=all`);
  await apiCall(host, 'sync.now', {}, tess);
  await expect
    .poll(async () => (await apiCall<{ assigneeName: string | null; groupName: string | null; priority: number }>(host, 'tickets.getByNumber', { number }, tess)), { timeout: 20_000 })
    .toMatchObject({ assigneeName: me.displayName, groupName: 'Print desk', priority: 2 });
  const q = new QueuePage(page);
  await q.row(number).click();
  await q.key('Enter');
  await new TicketPane(page).expectOpen(number);
  const detail = page.getByTestId('ticket-detail');
  await expect(detail.getByTestId('timeline-routing')).toHaveCount(1);
  await expect(detail.getByTestId('timeline-routing')).toHaveText('Routed by rule “Printers”');

  // The routing reaches the server; the requester sees the ticket taken by the team.
  await apiCall(host, 'sync.now', {}, tess);
  await rp.reload();
  await expect(rp.getByTestId('portal-status')).toHaveText('With the team');
  await ctx.close();
});
