/**
 * The ServiceNow sample on the import screen (Settings → Ticket import), as a new team would try it
 * before switching: the dry run shows the file's own figures beside Outpost's, among them the SLA met
 * according to ServiceNow's `made_sla` and according to Outpost's own SLA computed from the folded
 * history under the team's policy (office hours, targets per priority). The screen passes axe.
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

test('the dry run shows SLA met by the file and by Outpost’s own policy side by side', async ({ page }) => {
  test.setTimeout(180_000);
  const { token } = await apiCall<{ token: string }>(host, 'setup.init', { admin: { username: 'lead', displayName: 'Lee Lead', password: 'password123' }, site: { name: 'HQ' } });
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
