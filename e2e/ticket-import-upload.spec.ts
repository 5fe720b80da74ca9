/**
 * Sending a ServiceNow export to the ticket import (Settings → Ticket import) in the browser: while
 * the file streams to Outpost the screen shows a bar of the bytes sent out of the file's size, named
 * for screen readers and clean under axe; once the file is there the import's own progress takes
 * over and the dry run's figures appear.
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

test.beforeAll(async () => {
  host = await startHost();
});
test.afterAll(async () => {
  await host?.stop();
});

test('the ticket import shows the bytes sent while the export uploads, then the import’s own progress', async ({ page }) => {
  test.setTimeout(120_000);
  await apiCall(host, 'setup.init', { admin: { username: 'lead', displayName: 'Lee Lead', password: 'password123' }, site: { name: 'HQ' } });
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
