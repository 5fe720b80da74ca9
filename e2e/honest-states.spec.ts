/**
 * What a new team sees before and after loading catalogues, licences that have ended, an audited
 * asset with thousands of packages, the asset list's filter bar, and signing out.
 */
import { expect, test, type Page } from '@playwright/test';
import { apiCall, startHost, type RunningHost } from './support/host';
import { SignInPage } from './pages/setup';

let host: RunningHost;
let token: string;
let serverId: string;
let locationId: string;

const kev = JSON.stringify({
  title: 'CISA Catalog of Known Exploited Vulnerabilities',
  catalogVersion: '2026.12.01',
  vulnerabilities: [
    {
      cveID: 'CVE-2016-5195',
      vendorProject: 'Linux',
      product: 'Kernel',
      vulnerabilityName: 'Linux Kernel Race Condition Vulnerability',
      dateAdded: '2022-03-03',
      dueDate: '2022-03-24',
      requiredAction: 'Apply updates per vendor instructions.',
      knownRansomwareCampaignUse: 'Unknown',
    },
    {
      cveID: 'CVE-2024-7971',
      vendorProject: 'Google',
      product: 'Chromium',
      vulnerabilityName: 'Google Chromium V8 Type Confusion Vulnerability',
      dateAdded: '2024-08-26',
      dueDate: '2024-09-16',
      requiredAction: 'Apply mitigations per vendor instructions.',
      knownRansomwareCampaignUse: 'Unknown',
    },
  ],
});

test.beforeAll(async () => {
  host = await startHost();
  token = (
    await apiCall<{ token: string }>(host, 'setup.init', {
      admin: { username: 'admin', displayName: 'Ada Admin', password: 'password123' },
      site: { name: 'HQ' },
    })
  ).token;
  locationId = (await apiCall<{ id: string }>(host, 'locations.create', { name: 'Server room' }, token)).id;
  const server = await apiCall<{ id: string }>(
    host,
    'assets.create',
    { tag: 'SRV-0001', name: 'Build server', type: 'server', serial: 'SN-7Q2X-99812-AB44-KK01-ZZ93-LONG', locationId },
    token,
  );
  serverId = server.id;
  // Three kernel packages on one server, and a chromium build from a distribution.
  for (const name of ['Linux Kernel', 'linux kernel core', 'linux kernel modules']) {
    await apiCall(host, 'software.add', { assetId: server.id, name, vendor: 'Fedora Project', version: '4.8.0' }, token);
  }
  await apiCall(host, 'software.add', { assetId: server.id, name: 'chromium', vendor: 'Fedora Project', version: '55.0.2883.87' }, token);
  // An inventoried server lists thousands of packages.
  const batch: Promise<unknown>[] = [];
  for (let i = 0; i < 3000; i++) {
    batch.push(apiCall(host, 'software.add', { assetId: server.id, name: `lib-package-${String(i).padStart(4, '0')}`, vendor: 'Fedora Project', version: `1.${i}` }, token));
    if (batch.length === 50) await Promise.all(batch.splice(0));
  }
  await Promise.all(batch);
  // Licences bought in 2014 that ended in 2016.
  const acrobat = await apiCall<{ id: string }>(host, 'licences.createProduct', { name: 'Acrobat 9 Standard', vendor: 'Adobe' }, token);
  await apiCall(host, 'licences.create', { productId: acrobat.id, type: 'per_device', seats: 50, startDate: '2014-01-01', endDate: '2016-12-31' }, token);
});

test.afterAll(async () => {
  await host?.stop();
});

async function signIn(page: Page) {
  await page.goto(host.url);
  await new SignInPage(page).signIn('admin', 'password123');
  await expect(page.getByTestId('nav-queue')).toBeVisible();
}

test('software says no catalogue is loaded yet, then counts KEV exposure per asset, labels name-only matches possible, and takes a not-affected note', async ({ page }) => {
  await signIn(page);
  await page.getByTestId('nav-software').click();
  await expect(page.getByText('No end-of-life catalogue loaded yet')).toBeVisible();
  await expect(page.getByText('No asset runs end-of-life software')).toHaveCount(0);
  await expect(page.getByRole('button', { name: 'Load endoflife.date files' })).toBeVisible();
  await page.getByRole('tab', { name: 'Known exploited vulnerabilities' }).click();
  await expect(page.getByText('No KEV catalogue loaded yet')).toBeVisible();

  // Loading the catalogue from the empty state's own button.
  await page.getByRole('tabpanel').getByTestId('kev-file').setInputFiles({ name: 'known_exploited_vulnerabilities.json', mimeType: 'application/json', buffer: Buffer.from(kev) });
  const kernel = page.getByTestId('kev-CVE-2016-5195');
  await expect(kernel).toBeVisible();
  // Three kernel packages, one asset.
  await expect(kernel.getByTestId('kev-asset-count')).toHaveText('1 asset');
  const chromium = page.getByTestId('kev-CVE-2024-7971');
  // The header says so before it is opened.
  await expect(chromium.getByRole('button').first()).toContainText('possible');
  await chromium.getByRole('button').first().click();
  await expect(chromium.getByTestId('kev-reason')).toContainText('matched by the product name alone');
  await expect(chromium.getByTestId('kev-reason')).toContainText('its publisher is Fedora Project');

  await kernel.getByRole('button').first().click();
  await expect(kernel.getByTestId('kev-asset')).toHaveCount(1);
  await expect(kernel.getByTestId('kev-asset')).toContainText('Linux Kernel 4.8.0, linux kernel core 4.8.0, linux kernel modules 4.8.0');
  await kernel.getByRole('button', { name: 'Not affected…' }).click();
  const dialog = page.getByRole('dialog');
  await expect(dialog.getByTestId('kev-mark-not-affected')).toBeDisabled();
  await dialog.getByTestId('kev-note').fill('Running 4.8.3 with the fix; these packages are leftovers.');
  await dialog.getByTestId('kev-mark-not-affected').click();
  await expect(kernel.getByTestId('kev-asset-count')).toHaveText('1 not affected');
  await expect(kernel.getByTestId('kev-not-affected')).toContainText('Ada Admin');
  await expect(kernel.getByTestId('kev-not-affected')).toContainText('Running 4.8.3 with the fix; these packages are leftovers.');
  // The decision is on record in the asset's history (and syncs with it).
  const detail = await apiCall<{ timeline: { kind: string; field?: string; to?: string | null }[] }>(host, 'assets.get', { id: serverId }, token);
  expect(detail.timeline.some((t) => t.field === 'CVE-2016-5195' && t.to === 'not affected')).toBe(true);
});

test('licences that ended in 2016 read Expired with their lapsed seats, not Compliant', async ({ page }) => {
  await signIn(page);
  await page.getByTestId('nav-licences').click();
  const row = page.getByTestId('compliance-table').getByRole('row', { name: /Acrobat 9 Standard/ });
  await expect(row).toContainText('Expired');
  await expect(row).not.toContainText('Compliant');
  await expect(row.getByTestId('seats-not-in-force')).toHaveText('50 expired');
  await row.click();
  await expect(page.getByRole('dialog').getByText('expired', { exact: true })).toBeVisible();
});

test('an asset with 3,000 packages renders only the rows in view; its audit shows the time; the QR code leaves the serial whole', async ({ page }) => {
  // An audit of the server's location, signed off: the register keeps the day, the scan the time.
  const audit = await apiCall<{ id: string }>(host, 'audits.start', { locationId }, token);
  await apiCall(host, 'audits.scan', { auditId: audit.id, tag: 'SRV-0001' }, token);
  await apiCall(host, 'audits.close', { auditId: audit.id, signedOffBy: 'Ada Admin' }, token);
  const detail = await apiCall<{ lastAuditAt: string; timeline: { kind: string; at: string }[] }>(host, 'assets.get', { id: serverId }, token);
  const scanAt = detail.timeline.filter((t) => t.kind === 'audit').at(-1)!.at;
  await signIn(page);
  await page.goto(`${host.url}/#/assets/SRV-0001`);
  await expect(page.getByTestId('asset-page')).toBeVisible();
  await expect(page.getByText('Installed software (3004)')).toBeVisible();
  const rendered = await page.getByTestId('software-row').count();
  expect(rendered).toBeGreaterThan(5);
  expect(rendered).toBeLessThan(60);
  await page.getByTestId('software-filter').fill('lib-package-2999');
  await expect(page.getByTestId('software-row')).toHaveCount(1);
  await expect(page.getByTestId('software-row')).toContainText('1.2999');
  const lastAudit = page.getByText('Last audit').locator('xpath=following-sibling::*[1]');
  const expected = await page.evaluate((at) => new Intl.DateTimeFormat(navigator.language, { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(at)), scanAt);
  await expect(lastAudit).toHaveText(expected);
  // The serial stays on one line: the QR code sits below the identity fields, not beside them.
  const serial = page.getByText('SN-7Q2X-99812-AB44-KK01-ZZ93-LONG');
  const box = (await serial.boundingBox())!;
  expect(box.height).toBeLessThan(30);
});

test('the asset list keeps its filters on one row, the rest under More filters', async ({ page }) => {
  await page.setViewportSize({ width: 1440, height: 900 });
  await signIn(page);
  await page.getByTestId('nav-assets').click();
  const bar = page.getByTestId('asset-filter-bar');
  await expect(bar).toBeVisible();
  const h = (await bar.boundingBox())!.height;
  expect(h).toBeLessThan(70);
  // Nothing is pushed out of view: the last button ends inside the window.
  const importButton = (await page.getByTestId('asset-import').boundingBox())!;
  expect(importButton.x + importButton.width).toBeLessThanOrEqual(1440);
  await page.getByTestId('asset-more-filters').click();
  await page.getByRole('switch', { name: 'Overdue returns only' }).check();
  await expect(page.getByTestId('asset-more-filters')).toHaveText(/More filters \(1\)/);
});

test('the queue keeps its filters on one row at 1440 px, type, site and tags under More filters', async ({ page }) => {
  await page.setViewportSize({ width: 1440, height: 900 });
  await signIn(page);
  await page.goto(`${host.url}/#/queue?view=all_open`);
  const bar = page.getByTestId('queue-filter-bar');
  await expect(bar).toBeVisible();
  // One row of compact chips (it wrapped to two before: Tags and the sort fell to a second row).
  expect((await bar.boundingBox())!.height).toBeLessThan(50);
  const sort = (await bar.locator('input[aria-label="Sort"]').boundingBox())!;
  expect(sort.x + sort.width).toBeLessThanOrEqual(1440);
  expect(await bar.evaluate((el) => el.scrollWidth <= el.clientWidth)).toBe(true);
  await page.getByTestId('queue-more-filters').click();
  await page.getByTestId('filter-type').getByText('Incident').click();
  await page.keyboard.press('Escape');
  await expect(page.getByTestId('queue-more-filters')).toHaveText('More filters (1)');
});

test('settings pages put their description and its action on one row, the action at the right edge', async ({ page }) => {
  await page.setViewportSize({ width: 1440, height: 900 });
  await signIn(page);
  for (const [tab, action] of [
    ['users', 'New user'],
    ['locations', 'New location'],
    ['sla', 'New policy'],
    ['catalogue', 'New item'],
  ] as const) {
    await page.goto(`${host.url}/#/settings/${tab}`);
    const body = page.getByTestId('settings-body');
    const button = body.getByRole('button', { name: action }).first();
    await expect(button).toBeVisible();
    const b = (await button.boundingBox())!;
    const frame = (await body.boundingBox())!;
    const intro = (await body.locator('p').first().boundingBox())!;
    // Same row as the description (SLA's fell below it), and at the right edge (Locations' stopped at 960 px).
    expect(b.y, tab).toBeLessThan(intro.y + intro.height);
    expect(frame.x + frame.width - (b.x + b.width), tab).toBeLessThan(40);
  }
});

test('signing out stops every call: nothing keeps asking and failing with 401', async ({ page }) => {
  await signIn(page);
  await page.getByTestId('nav-assets').click();
  await expect(page.getByTestId('asset-filter-bar')).toBeVisible();
  const after: string[] = [];
  let signedOut = false;
  page.on('response', (r) => {
    if (signedOut && r.url().includes('/api/')) after.push(`${r.status()} ${new URL(r.url()).pathname}`);
  });
  await page.getByTestId('user-menu').click();
  await page.getByTestId('sign-out').click();
  await expect(page.getByTestId('sign-in')).toBeVisible();
  signedOut = true;
  // Long enough for alert badges, the sync chip and list refreshes to have asked again.
  await page.waitForTimeout(4000);
  expect(after.filter((a) => a.startsWith('401'))).toEqual([]);
  expect(after.filter((a) => !a.endsWith('/api/setup.status'))).toEqual([]);
});
