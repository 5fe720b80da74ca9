/**
 * The ServiceNow sample on the import screen (Settings → Ticket import), as a new team would try it
 * before switching: the dry run shows the file's own figures beside Outpost's, among them the SLA met
 * according to ServiceNow's `made_sla` and according to Outpost's own SLA computed from the folded
 * history under the team's policy (office hours, targets per priority). The screen passes axe.
 * Sending the export in the browser, the screen shows a bar of the bytes sent out of the file's size
 * (named for screen readers, clean under axe), then the import's own progress.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import AxeBuilder from '@axe-core/playwright';
import { expect, test } from '@playwright/test';
import { apiCall, startHost, type RunningHost } from './support/host';
import { SignInPage } from './pages/setup';

const fixtureRoot = process.env.OUTPOST_FIXTURES ?? path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../shared/fixtures');
const SAMPLE = path.join(fixtureRoot, 'incidents', 'servicenow-incident-event-log-sample.csv');
let host: RunningHost;
let token: string;

test.beforeAll(async () => {
  host = await startHost();
  ({ token } = await apiCall<{ token: string }>(host, 'setup.init', { admin: { username: 'lead', displayName: 'Lee Lead', password: 'password123' }, site: { name: 'HQ' } }));
});
test.afterAll(async () => {
  await host?.stop();
});

test('the dry run shows SLA met by the file and by Outpost’s own policy side by side', async ({ page }) => {
  test.setTimeout(180_000);
  // The policy servicenow-kpis.test.ts checks the figure under: Monday to Friday 08:00-17:00 UTC, Good Friday 2016 off.
  const cal = await apiCall<{ id: string }>(
    host,
    'sla.saveCalendar',
    { name: 'Office', timezone: 'UTC', hours: [1, 2, 3, 4, 5].map((d) => [d, 480, 1020]), holidays: [{ date: '2016-03-25', name: 'Good Friday' }] },
    token,
  );
  await apiCall(
    host,
    'sla.savePolicy',
    {
      name: 'Incidents',
      calendarId: cal.id,
      targets: { '1': { response: 60, resolution: 240 }, '2': { response: 120, resolution: 480 }, '3': { response: 240, resolution: 1440 }, '4': { response: 480, resolution: 4800 } },
    },
    token,
  );
  await page.goto(host.url);
  await new SignInPage(page).signIn('lead', 'password123');
  await page.goto(`${host.url}/#/settings/ticket-import`);
  const chooser = page.waitForEvent('filechooser');
  await page.getByTestId('ticket-import-file').click();
  await (await chooser).setFiles(SAMPLE);
  await page.getByTestId('ticket-import-check').click();
  const figures = page.getByTestId('ticket-import-figures');
  await expect(figures).toContainText('The file would import: 5,998 events of 890 incidents', { timeout: 60_000 });
  const sla = figures.getByRole('row', { name: /Resolution SLA met/ });
  await expect(sla).toContainText('55.62 %');
  await expect(page.getByTestId('import-own-sla')).toHaveText('65.96 % of 890 resolved, under Incidents');
  const r = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  expect(r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => v.id)).toEqual([]);
});

test('the ticket import shows the bytes sent while the export uploads, then the import’s own progress', async ({ page }) => {
  test.setTimeout(120_000);
  await page.goto(host.url);
  await new SignInPage(page).signIn('lead', 'password123');
  await page.goto(`${host.url}/#/settings/ticket-import`);

  // The upload is slowed to about 400 KB/s (Chromium's own network throttling), so the 2 MB sample takes
  // a few seconds to send whatever the machine's speed, as a large export does over a slow link.
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: 400 * 1024 });
  let uploads = 0;
  page.on('request', (r) => {
    if (r.url().endsWith('/api/upload')) uploads++;
  });

  const chooser = page.waitForEvent('filechooser');
  await page.getByTestId('ticket-import-file').click();
  await (await chooser).setFiles(SAMPLE);
  await page.getByTestId('ticket-import-check').click();

  const bar = page.getByRole('progressbar', { name: 'Sending the file' });
  const said = page.getByRole('status');
  await expect(said).toHaveText(/^Sending the file to Outpost: .+ of 1\.9 MB$/);
  // Part of the file is sent and counted, not all of it yet.
  await expect(said).toHaveText(/^Sending the file to Outpost: (\d+(\.\d)? KB|1\.\d MB|0\.\d MB) of 1\.9 MB$/);
  await expect(said).not.toHaveText(/: 0 bytes of/);
  const now = Number(await bar.getAttribute('aria-valuenow'));
  expect(now).toBeGreaterThan(0);
  expect(now).toBeLessThanOrEqual(100);
  const r = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  expect(r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => v.id)).toEqual([]);

  await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
  await expect(bar).toBeHidden({ timeout: 30_000 });
  await expect(page.getByTestId('ticket-import-figures')).toContainText('The file would import: 5,998 events of 890 incidents', { timeout: 60_000 });
  await expect(page.getByTestId('ticket-import-progress')).toBeHidden();
  // The import that follows names the same upload: the file is not sent twice.
  await page.getByTestId('ticket-import-run').click();
  await expect(page.getByTestId('ticket-import-figures')).toContainText('Imported:', { timeout: 60_000 });
  expect(uploads).toBe(1);
});

test('an export checked but not imported is let go when the person chooses another file and when they leave the screen', async ({ page }) => {
  test.setTimeout(120_000);
  await page.goto(host.url);
  await new SignInPage(page).signIn('lead', 'password123');
  await page.goto(`${host.url}/#/settings/ticket-import`);
  const uploaded: string[] = [];
  const discarded: string[] = [];
  // The upload each check names (the dry run carries it), and each one the screen lets go.
  page.on('request', (r) => {
    if (r.url().endsWith('/api/tickets.import')) {
      const id = (r.postDataJSON() as { uploadId: string }).uploadId;
      if (!uploaded.includes(id)) uploaded.push(id);
    }
    if (r.url().endsWith('/api/uploads.discard')) discarded.push((r.postDataJSON() as { uploadId: string }).uploadId);
  });
  const check = async () => {
    const chooser = page.waitForEvent('filechooser');
    await page.getByTestId('ticket-import-file').click();
    await (await chooser).setFiles(SAMPLE);
    await page.getByTestId('ticket-import-check').click();
    await expect(page.getByTestId('ticket-import-figures')).toContainText('The file would import: 5,998 events of 890 incidents', { timeout: 60_000 });
  };
  await check();
  await expect.poll(() => uploaded.length).toBe(1);
  // Chosen again (a corrected export, say) and checked: the first upload is let go, the second kept.
  await page.getByRole('button', { name: 'Clear the chosen file' }).click();
  await check();
  await expect.poll(() => uploaded.length).toBe(2);
  await expect.poll(() => discarded).toEqual([uploaded[0]]);
  // Leaving the screen lets the second go too.
  await page.goto(`${host.url}/#/queue`);
  await expect.poll(() => discarded).toEqual([uploaded[0], uploaded[1]]);
});
