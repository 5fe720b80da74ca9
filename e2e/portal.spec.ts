/**
 * The requester portal end to end: a requester without the app submits a catalogue request through
 * the server's /portal in Chromium, a technician's device pulls it and answers while offline (a
 * public comment and an internal note), and after the sync the requester reads the public answer
 * only; a help article's picture added on the technician's device shows in the server's portal. A
 * requester signing in to the app lands on the same portal, not the staff console. Every portal
 * screen is checked with axe.
 */
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';
import { apiCall, startHost } from './support/host';
import { sessionToken } from './support/two-devices';
import { addRequesterOnServer, joinConsole, openPortal, setUpConsole, usePortalRig } from './support/portal';
import { SetupPage, SignInPage } from './pages/setup';

// A 1×1 PNG.
const PNG_1PX = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==';

const rig = usePortalRig();

async function violations(page: Page): Promise<string[]> {
  const r = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  return r.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id}: ${v.nodes.map((n) => `${n.target.join(' ')} ${(n.failureSummary ?? '').slice(0, 200)}`).slice(0, 3).join(' | ')}`);
}

test('a requester submits through the server portal and a technician answers offline', async ({ page, browser }) => {
  test.setTimeout(240_000);
  const { server, host } = rig;
  // The technician's device: set up, the team's catalogue and SLA, then joined to the server.
  const { tess, hq } = await setUpConsole(page, host);
  const group = await apiCall<{ id: string }>(host, 'groups.create', { name: 'Hardware desk' }, tess);
  await apiCall(host, 'catalogue.save', {
    name: 'New laptop',
    description: 'A laptop for work, set up and ready.',
    section: 'Hardware',
    icon: 'laptop',
    ticketType: 'request',
    ticketCategory: 'Hardware',
    groupId: group.id,
    fields: [
      { key: 'model', label: 'Laptop model', kind: 'select', required: true, options: ['13-inch', '15-inch'] },
      { key: 'needed_by', label: 'Needed by', kind: 'date' },
      { key: 'agree', label: 'I will return my old laptop', kind: 'checkbox', required: true },
    ],
  }, tess);
  // The team's SLA: round the clock, a first response within four hours.
  const target = { response: 240, resolution: 2880 };
  await apiCall(host, 'sla.savePolicy', { name: 'Standard', targets: { '1': target, '2': target, '3': target, '4': target } }, tess);
  await joinConsole(page, rig, tess);

  // The requester's account on the server (no app), and her browser at its portal.
  await addRequesterOnServer(server, hq, 'e2e-console-0001');
  const { ctx, rp, portal } = await openPortal(browser, server, async (signIn) => expect(await violations(signIn), 'portal sign-in').toEqual([]));
  expect(await violations(rp), 'portal catalogue').toEqual([]);

  // The form refuses a missing required answer before anything is sent, naming the field.
  await portal.item('New laptop').click();
  await rp.getByLabel('Title').fill('Laptop for the new starter');
  await portal.send();
  await expect(rp.getByText('“Laptop model” is required.')).toBeVisible();
  expect(await violations(rp), 'portal request form').toEqual([]);
  await rp.getByTestId('answer-model').click();
  await rp.getByRole('option', { name: '13-inch' }).click();
  await rp.getByTestId('answer-agree').check();
  await rp.getByLabel('Anything else we should know').fill('Starts on Monday.');
  await portal.send();
  await expect(portal.ticket()).toBeVisible();
  await expect(rp.getByTestId('portal-status')).toHaveText('Received');
  // The server works out when the team aims to answer, from the synced policy.
  await expect(rp.getByTestId('portal-aim')).toHaveText(/^We aim to respond by .+\.$/);
  const number = (await portal.ticket().getByText(/^REQ\d{7}/).textContent())!.split(' ')[0]!;

  // The technician's device pulls it, then answers while the server is away.
  await apiCall(host, 'sync.now', {}, tess);
  const tickets = await apiCall<{ items: { id: string; number: string }[] }>(host, 'tickets.list', { view: 'all' }, tess);
  const t = tickets.items.find((x) => x.number === number)!;
  const full = await apiCall<{ groupId: string; description: string }>(host, 'tickets.get', { id: t.id }, tess);
  expect(full.groupId).toBe(group.id);
  expect(full.description).toContain('**Laptop model:** 13-inch');
  await server.stop();
  await apiCall(host, 'tickets.comment', { id: t.id, body: 'A 13-inch laptop will be ready on Friday.' }, tess);
  await apiCall(host, 'tickets.comment', { id: t.id, body: 'INTERNAL: take it from the spare shelf', internal: true }, tess);
  await server.restart();
  await apiCall(host, 'sync.now', {}, tess);

  await rp.reload();
  await expect(portal.comments()).toHaveCount(1);
  await expect(portal.comments().first()).toContainText('A 13-inch laptop will be ready on Friday.');
  await expect(rp.getByText('INTERNAL: take it from the spare shelf')).toHaveCount(0);
  expect(await violations(rp), 'portal ticket').toEqual([]);

  // The requester answers back from the keyboard; the technician's device receives it.
  await rp.getByTestId('portal-comment-box').fill('Thank you, Friday is fine.');
  await rp.getByTestId('portal-comment-box').press('Tab');
  await rp.keyboard.press('Enter');
  await expect(portal.comments()).toHaveCount(2);
  await apiCall(host, 'sync.now', {}, tess);
  const after = await apiCall<{ timeline: { kind: string; body?: string }[] }>(host, 'tickets.get', { id: t.id }, tess);
  expect(after.timeline.some((e) => e.kind === 'comment' && e.body === 'Thank you, Friday is fine.')).toBe(true);

  // Waiting on the requester: the server's portal says the clock is paused.
  await apiCall(host, 'tickets.transition', { id: t.id, to: 'pending', reason: 'customer' }, tess);
  await apiCall(host, 'sync.now', {}, tess);
  await rp.reload();
  await expect(rp.getByTestId('portal-aim')).toContainText('The clock is paused while we wait for an answer');

  await rp.getByTestId('portal-my-tickets').click();
  await expect(rp.getByTestId(`portal-ticket-${number}`)).toBeVisible();
  expect(await violations(rp), 'portal my tickets').toEqual([]);

  // A help article with a picture, written and published on the technician's device: the server's
  // portal shows the picture, drawn from the bytes the device uploaded for that article.
  const img = await apiCall<{ markdown: string }>(host, 'kb.addImage', { fileName: 'reconnect-button.png', contentBase64: PNG_1PX }, tess);
  const art = await apiCall<{ id: string }>(host, 'kb.create', { title: 'Reconnect the VPN', body: `Press the button:\n\n${img.markdown}\n`, visibility: 'public' }, tess);
  await apiCall(host, 'kb.move', { id: art.id, to: 'published' }, tess);
  await apiCall(host, 'sync.now', {}, tess);
  await rp.goto(`${server.url}/portal/#/portal/help/${art.id}`);
  const picture = rp.getByTestId('portal-article').getByRole('img', { name: 'reconnect-button' });
  await expect(picture).toBeVisible();
  expect(await picture.evaluate((el) => (el as HTMLImageElement).naturalWidth)).toBe(1);
  expect(await violations(rp), 'portal help article with a picture').toEqual([]);
  await ctx.close();
});

test('a requester signing in to the app lands on the portal, not the staff console', async ({ page }) => {
  test.setTimeout(120_000);
  const fresh = await startHost();
  try {
    await page.goto(fresh.url);
    await new SetupPage(page).complete({ organisation: 'Northwind IT', site: 'HQ', displayName: 'Tess Tech', username: 'tess', password: 'correct-horse-1' });
    await expect(page.getByTestId('nav-queue')).toBeVisible();
    const tess = await sessionToken(page);
    await apiCall(fresh, 'users.create', { username: 'rosa', displayName: 'Rosa Requester', role: 'requester', password: 'rosa-password-1' }, tess);
    await apiCall(fresh, 'catalogue.save', { name: 'Software install', section: 'Software', icon: 'apps', fields: [{ key: 'app', label: 'Which application', kind: 'text', required: true }] }, tess);
    await page.evaluate(() => localStorage.removeItem('outpost.session'));
    await page.reload();
    await new SignInPage(page).signIn('rosa', 'rosa-password-1');
    await expect(page.getByRole('heading', { name: 'How can we help?' })).toBeVisible();
    await expect(page.getByTestId('nav-queue')).toHaveCount(0);
    expect(await violations(page), 'in-app catalogue').toEqual([]);

    await page.getByTestId('report-problem').click();
    await page.getByLabel('Title').fill('Printer jams');
    await page.getByLabel('What is happening?').fill('Every page jams on floor 2.');
    await page.getByTestId('portal-submit').click();
    await expect(page.getByTestId('portal-ticket')).toBeVisible();
    await expect(page.getByTestId('portal-status')).toHaveText('Received');
    expect(await violations(page), 'in-app ticket').toEqual([]);
    await page.getByTestId('portal-cancel').click();
    await expect(page.getByTestId('portal-status')).toHaveText('Cancelled');
    await page.getByTestId('portal-my-tickets').click();
    await expect(page.getByTestId('portal-ticket-list')).toContainText('Printer jams');
    expect(await violations(page), 'in-app my tickets').toEqual([]);
    // The same screens in the dark scheme, the request form with its errors showing.
    await page.emulateMedia({ colorScheme: 'dark', reducedMotion: 'reduce' });
    expect(await violations(page), 'in-app my tickets (dark)').toEqual([]);
    await page.goto(`${fresh.url}/#/portal`);
    await page.getByTestId('catalogue-item-Software install').click();
    await page.getByTestId('portal-submit').click();
    await expect(page.getByText('“Which application” is required.')).toBeVisible();
    expect(await violations(page), 'in-app request form with errors (dark)').toEqual([]);
  } finally {
    await fresh.stop();
  }
});
