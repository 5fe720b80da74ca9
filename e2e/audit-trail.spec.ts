/**
 * The Audit trail screen end to end, in Chromium against the real browser host: an administrator
 * imports a file and edits an asset; an auditor finds the import of one asset by its tag, opens its
 * before/after, narrows by who, call and period, exports CSV and PDF carrying the chain head, and
 * verifies the chain; the asset's own page shows the import in its History.
 */
import { readFileSync } from 'node:fs';
import { expect, test, type Page } from '@playwright/test';
import { apiCall, startHost, type RunningHost } from './support/host';
import { SignInPage } from './pages/setup';
import { AuditTrailPage } from './pages/audit-trail';

test.describe.configure({ mode: 'serial' });

let host: RunningHost;
let page: Page;
let adminToken: string;

const CSV = [
  'Asset Tag,Asset Name,Category,Manufacturer,Model Name,Serial Number,Status,Location',
  ...Array.from({ length: 40 }, (_, i) => `TRAIL-${String(i).padStart(3, '0')},Laptop ${i},Laptops,Dell,Latitude 7440,SN-TR-${i},Ready to Deploy,Building ${i % 3}`),
].join('\r\n');

test.beforeAll(async ({ browser }) => {
  host = await startHost();
  const s = await apiCall<{ token: string }>(host, 'setup.init', {
    organisation: 'Northwind IT',
    admin: { username: 'ada', displayName: 'Ada Admin', password: 'correct-horse-1' },
    site: { name: 'Head office' },
  });
  adminToken = s.token;
  await apiCall(host, 'users.create', { username: 'otto', displayName: 'Otto Auditor', role: 'auditor', password: 'correct-horse-3' }, adminToken);
  const imported = await apiCall<{ created: number }>(host, 'assets.import', { format: 'snipe-it-assets', content: CSV, dryRun: false }, adminToken);
  expect(imported.created).toBe(40);
  const asset = await apiCall<{ id: string }>(host, 'assets.get', { tag: 'TRAIL-007' }, adminToken);
  await apiCall(host, 'assets.update', { id: asset.id, fields: { serial: 'SN-TR-7-REPLACED' } }, adminToken);
  page = await browser.newPage();
  await page.goto(host.url);
  await new SignInPage(page).signIn('otto', 'correct-horse-3');
  await expect(page.getByTestId('nav-audit-trail')).toBeVisible();
});

test.afterAll(async () => {
  await page?.close();
  await host?.stop();
});

test('an auditor finds an imported asset by its tag and opens the change before and after', async () => {
  const trail = new AuditTrailPage(page);
  await trail.open();
  await expect(trail.rows().first()).toBeVisible();

  await trail.filterRecord('TRAIL-007');
  await expect(trail.rows()).toHaveCount(2);
  await expect(trail.rows().first().getByTestId('trail-row-record')).toHaveText('TRAIL-007');
  await expect(trail.rows().first()).toContainText('assets.update');
  await expect(trail.rows().nth(1)).toContainText('assets.import');

  await trail.openRow(trail.rows().first());
  await expect(page.getByTestId('trail-event-label')).toHaveText('TRAIL-007');
  await expect(page.getByTestId('trail-event-link')).toHaveText('Intact');
  expect(await trail.diff()).toEqual(['serial: SN-TR-7 → SN-TR-7-REPLACED']);
  await trail.closeEvent();

  await trail.openRow(trail.rows().nth(1));
  const created = await trail.diff();
  expect(created).toEqual(expect.arrayContaining(['tag: — → TRAIL-007', 'name: — → Laptop 7', 'serial: — → SN-TR-7']));
  await trail.closeEvent();
});

test('filters by who, what, call and period narrow the list in SQL', async () => {
  const trail = new AuditTrailPage(page);
  await trail.clear();
  await trail.pick('call', 'assets.import');
  await trail.pick('what', 'location');
  await expect(trail.rows()).toHaveCount(3);
  // At 1440 px the filters and their Clear button sit on one row, all in view (Clear was cut off).
  await page.setViewportSize({ width: 1440, height: 900 });
  const clear = (await page.getByTestId('trail-clear').boundingBox())!;
  const who = (await page.getByTestId('trail-filter-who').boundingBox())!;
  expect(clear.x + clear.width).toBeLessThanOrEqual(1440 - 16);
  expect(Math.abs(clear.y + clear.height / 2 - (who.y + who.height / 2))).toBeLessThan(20);
  await trail.pick('what', 'asset');
  // 40 imported assets: the virtualised list shows them all as it scrolls.
  await expect(page.getByTestId('trail-count')).toHaveText('40 events shown');
  await trail.pick('call', 'assets.update');
  await trail.pick('who', 'Ada Admin');
  await expect(trail.rows()).toHaveCount(1);
  // A period before anything happened empties the list with an honest message.
  await trail.period('2001-01-01', '2001-01-31');
  await expect(page.getByTestId('empty-state')).toContainText('No events match these filters');
  await trail.clear();
  await expect(trail.rows().first()).toBeVisible();
});

test('exports CSV and PDF carrying the chain head, and verifies the chain', async () => {
  const trail = new AuditTrailPage(page);
  const result = await trail.verify();
  expect(result).toMatch(/^Intact: all \d+ events check out\./);
  const chain = await apiCall<{ head: string; count: number }>(host, 'audit.verify', {}, adminToken);

  await trail.filterRecord('TRAIL-007');
  await expect(trail.rows()).toHaveCount(2);
  const csv = readFileSync(await (await trail.export('csv')).path(), 'utf8');
  expect(csv).toContain(`Audit trail chain head,${chain.head}`);
  expect(csv).toContain('Events,2');
  const lines = csv.split(/\r\n/);
  const header = lines.findIndex((l) => l.startsWith('Seq,Time (UTC),Who,Call,What,Record'));
  expect(lines.slice(header + 1).filter((l) => l.includes('TRAIL-007'))).toHaveLength(2);

  const pdf = readFileSync(await (await trail.export('pdf')).path());
  expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
});

test("the imported asset's page shows its import in History", async () => {
  await page.goto(`${host.url}/#/assets/TRAIL-012`);
  await expect(page.getByTestId('asset-timeline')).toContainText('Imported from a file');
  await expect(page.getByTestId('asset-timeline')).toContainText('Ada Admin');
});
