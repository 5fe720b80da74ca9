/**
 * A requester's ticket routed by the team's rules: a requester without the app reports a problem
 * through the server's /portal in Chromium; the technician's console, signed in and joined to the
 * server, receives it with the next sync and routes it by the rule on its own (a requester cannot
 * read the rules). The ticket's history names the rule once, and the requester's portal shows the
 * ticket taken by the team after the next sync.
 */
import { expect, test } from '@playwright/test';
import { apiCall } from './support/host';
import { addRequesterOnServer, joinConsole, openPortal, setUpConsole, usePortalRig } from './support/portal';
import { QueuePage } from './pages/queue';
import { TicketPane } from './pages/ticket';

const rig = usePortalRig();

test('a problem reported through the server portal is routed by the first staff console that sees it', async ({ page, browser }) => {
  test.setTimeout(180_000);
  const { server, host } = rig;
  const { tess, hq } = await setUpConsole(page, host);
  await joinConsole(page, rig, tess);
  // The rule names the person signed in on the console (as the team knows them after joining).
  const me = await apiCall<{ id: string; displayName: string }>(host, 'session.me', {}, tess);
  const group = await apiCall<{ id: string }>(host, 'groups.create', { name: 'Print desk' }, tess);
  await apiCall(host, 'routing.save', { name: 'Printers', position: 0, conditions: { words: ['printer'] }, actions: { groupId: group.id, assigneeId: me.id, priority: 2 } }, tess);
  await apiCall(host, 'sync.now', {}, tess);
  await addRequesterOnServer(server, hq, 'e2e-console-0002');

  // The requester reports a problem in a browser, without the app.
  const { ctx, rp, portal } = await openPortal(browser, server);
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
