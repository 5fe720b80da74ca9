/**
 * Issue 12, item 9: a large asset export goes through the Import wizard in Chromium without the page
 * holding it. The file is streamed to the host's upload route (never sent inside a call), the column
 * step reads its head only and says so, the preview of the whole file shows its progress, and the
 * import writes every row.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page, type Request } from '@playwright/test';
import { apiCall, startHost, type RunningHost } from './support/host';
import { SignInPage } from './pages/setup';
import { ImportWizardPage } from './pages/import';

const ROWS = 12_000;

test.describe.configure({ mode: 'serial' });

let host: RunningHost;
let page: Page;
let dir: string;
let file: string;
let small: string;
let huge: string;

/** A Snipe-IT style asset export of ROWS rows, about 5 MB: more than the column step reads. */
function writeExport(to: string): void {
  const head = 'Asset Tag,Name,Category,Manufacturer,Model,Serial,Status,Location,Notes';
  const note = 'Bought with the 2024 refresh; keyboard replaced once. '.repeat(6);
  const lines = [head];
  for (let i = 0; i < ROWS; i++) {
    lines.push(`BIG-${String(i).padStart(6, '0')},Laptop ${i},Laptops,Lenovo,ThinkPad T14 ${i % 5},SN${100000 + i},Ready to Deploy,Floor ${i % 6},"${note}"`);
  }
  fs.writeFileSync(to, lines.join('\r\n') + '\r\n');
}

test.beforeAll(async ({ browser }) => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'outpost-e2e-large-'));
  file = path.join(dir, 'laptops export.csv');
  writeExport(file);
  small = path.join(dir, 'first try.csv');
  fs.writeFileSync(small, 'Asset Tag,Name\nTRY-1,Wrong file\n');
  // 513 MB that take no room on disk (a sparse file): only its size is ever looked at.
  huge = path.join(dir, 'everything.csv');
  fs.writeFileSync(huge, 'Asset Tag,Name\n');
  fs.truncateSync(huge, 513 * 1024 * 1024);
  host = await startHost();
  await apiCall(host, 'setup.init', {
    organisation: 'Northwind IT',
    admin: { username: 'ada', displayName: 'Ada Admin', password: 'correct-horse-1' },
    site: { name: 'Head office' },
  });
  page = await (await browser.newContext()).newPage();
  await page.goto(host.url);
  await new SignInPage(page).signIn('ada', 'correct-horse-1');
  await expect(page.getByTestId('nav-assets')).toBeVisible();
});

test.afterAll(async () => {
  await page?.context().close();
  await host?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('a 5 MB export is streamed to the host, inspected by its head, previewed with progress and imported whole', async () => {
  expect(fs.statSync(file).size).toBeGreaterThan(4 * 1024 * 1024);
  const calls: Request[] = [];
  page.on('request', (r) => {
    if (r.url().includes('/api/')) calls.push(r);
  });
  const wizard = new ImportWizardPage(page);
  await wizard.open();
  // Past the 512 MB an import takes, the page says so before sending anything.
  await page.getByTestId('import-file').setInputFiles(huge);
  await expect(page.getByTestId('import-problem')).toContainText('The file is larger than 512 MB.');
  expect(calls.filter((r) => r.url().endsWith('/api/upload'))).toEqual([]);
  // A first choice, then the right file: the first upload is let go, not left waiting.
  await wizard.pick(small);
  await expect(page.getByTestId('import-file-name')).toHaveText(/^first try\.csv · /);
  const firstUpload = calls.find((r) => r.url().endsWith('/api/assets.inspectCsv'))!.postDataJSON() as { uploadId: string };
  calls.length = 0;
  await wizard.pick(file);
  await expect(page.getByTestId('import-format')).toHaveValue('Snipe-IT assets');
  await expect(page.getByTestId('import-file-name')).toHaveText(/laptops export\.csv · [\d.,]+ MB/);
  // The column step read the first megabyte only, and says so.
  await expect(page.getByTestId('import-rows')).toHaveText(/rows in the first 1 MB of [\d.,]+ MB/);

  // The bytes went to the upload route; no call carried them.
  const uploads = calls.filter((r) => r.url().endsWith('/api/upload'));
  expect(uploads).toHaveLength(1);
  expect(uploads[0]!.method()).toBe('POST');
  const inspect = calls.find((r) => r.url().endsWith('/api/assets.inspectCsv'));
  expect(Object.keys(inspect!.postDataJSON() as object)).toEqual(['uploadId']);
  const discards = calls.filter((r) => r.url().endsWith('/api/uploads.discard')).map((r) => r.postDataJSON() as unknown);
  expect(discards).toEqual([firstUpload]);

  const a11y = await new AxeBuilder({ page }).include('[data-testid="import-wizard"]').analyze();
  expect(a11y.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => v.id)).toEqual([]);

  // The preview of the whole file runs in the background and shows how far it has got.
  // (Noted by an observer: on a quick machine the bar may come and go between two polls of a check.)
  await page.evaluate(() => {
    const w = window as unknown as { sawPreviewProgress?: boolean };
    w.sawPreviewProgress = false;
    new MutationObserver((_, obs) => {
      if (document.querySelector('[data-testid="import-preview-progress"]')) {
        w.sawPreviewProgress = true;
        obs.disconnect();
      }
    }).observe(document.body, { childList: true, subtree: true });
  });
  await page.getByTestId('import-preview').click();
  await expect(page.getByTestId('import-preview-result')).toBeVisible({ timeout: 60_000 });
  expect(await page.evaluate(() => (window as unknown as { sawPreviewProgress?: boolean }).sawPreviewProgress)).toBe(true);
  await expect(page.getByTestId('preview-created')).toHaveText(`${ROWS.toLocaleString('en-GB')} new`);
  await expect(wizard.errorsBadge()).toHaveText('0 errors');

  expect(await wizard.commit()).toContain(`${ROWS.toLocaleString('en-GB')} created, 0 updated, 0 unchanged`);
  for (const r of calls.filter((c) => c.url().endsWith('/api/assets.import'))) {
    const body = r.postDataJSON() as Record<string, unknown>;
    expect(body.uploadId).toMatch(/^up_[0-9a-f]{32}$/);
    expect(body).not.toHaveProperty('contentBase64');
    expect(body).not.toHaveProperty('content');
  }
});
