/**
 * Evidence and findings end to end, in Chromium against the real browser host: an auditor assesses a
 * requirement, presses e, attaches a photo as evidence, raises a finding and opens its ticket, then
 * exports the assessment's evidence pack and checks it in the app: unchanged, then with one byte of
 * one file changed (the changed file is named). The open panel has no serious accessibility issue.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import AxeBuilder from '@axe-core/playwright';
import { unzipSync, zipSync } from 'fflate';
import { expect, test } from '@playwright/test';
import { apiCall, startHost, type RunningHost } from './support/host';
import { SignInPage } from './pages/setup';
import { AssessmentsPageModel } from './pages/grc';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const fixtures = process.env.OUTPOST_FIXTURES ?? path.resolve(root, '../shared/fixtures');
const NIST = path.join(fixtures, 'grc/nist-csf-2.0.yaml');

let host: RunningHost;

test.beforeAll(async () => {
  if (!existsSync(NIST)) throw new Error(`The GRC fixtures are not at ${path.dirname(NIST)}: set OUTPOST_FIXTURES to the shared fixtures folder.`);
  host = await startHost();
  const admin = (
    await apiCall<{ token: string }>(host, 'setup.init', {
      organisation: 'Northwind Plant',
      admin: { username: 'ada', displayName: 'Ada Admin', password: 'correct-horse-1' },
      site: { name: 'Plant' },
    })
  ).token;
  await apiCall(host, 'users.create', { username: 'otto', displayName: 'Otto Auditor', role: 'auditor', password: 'correct-horse-3' }, admin);
  await apiCall(host, 'grc.importLibrary', { content: readFileSync(NIST, 'utf8') }, admin);
});
test.afterAll(async () => {
  await host?.stop();
});

test('an auditor attaches evidence, raises a finding, opens its ticket, exports and verifies the pack', async ({ page }) => {
  await page.goto(host.url);
  await new SignInPage(page).signIn('otto', 'correct-horse-3');
  await page.getByTestId('nav-assessments').click();
  const a = new AssessmentsPageModel(page);
  await a.start(/NIST CSF v2\.0/);
  await a.keys('n', '3');
  await expect(a.result('GV.OC-01')).toHaveText('Non-compliant');
  await a.keys('e');
  const panel = page.getByRole('dialog', { name: 'Evidence and findings' });
  await expect(panel).toBeVisible();
  await expect(panel.getByText(/No evidence yet/)).toBeVisible();

  await panel.locator('input[type=file]').setInputFiles({ name: 'server-room-door.jpg', mimeType: 'image/jpeg', buffer: Buffer.from('a photo of the door, propped open') });
  await panel.getByTestId('evidence-attach').click();
  await expect(panel.getByTestId('evidence-list')).toContainText('server-room-door.jpg');
  await expect(panel.getByTestId('evidence-list')).toContainText('Otto Auditor');

  await panel.getByTestId('finding-title').fill('Server room door propped open');
  await panel.getByTestId('finding-raise').click();
  await expect(panel.getByTestId('finding-row')).toContainText('Server room door propped open');
  await panel.getByTestId('finding-open-ticket').click();
  await expect(panel.getByTestId('finding-ticket')).toHaveText(/INC\d{7}/);

  const axe = await new AxeBuilder({ page }).include('[role=dialog]').withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  expect(axe.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(" ")).join(", ")})`)).toEqual([]);
  await page.keyboard.press('Escape');
  await expect(panel).toBeHidden();

  const download = page.waitForEvent('download');
  await page.getByTestId('pack-export').click();
  const file = path.join(os.tmpdir(), `outpost-pack-${Date.now()}.zip`);
  await (await download).saveAs(file);
  const entries = unzipSync(readFileSync(file));
  expect(Object.keys(entries)).toEqual(expect.arrayContaining(['manifest.json', 'report.pdf', 'records/findings.csv']));
  expect(new TextDecoder().decode(entries['records/findings.csv']!)).toContain('Server room door propped open');

  await page.getByTestId('pack-verify-file').setInputFiles(file);
  await expect(page.getByTestId('pack-check')).toContainText('The pack is unchanged');

  const photo = Object.keys(entries).find((n) => n.startsWith('evidence/'))!;
  const changed = Uint8Array.from(entries[photo]!);
  changed[0] = changed[0]! ^ 0x01;
  const tampered = file.replace(/\.zip$/, '-tampered.zip');
  writeFileSync(tampered, zipSync({ ...entries, [photo]: changed }));
  await page.getByTestId('pack-verify-file').setInputFiles(tampered);
  await expect(page.getByTestId('pack-check')).toContainText('The pack was changed');
  await expect(page.getByTestId('pack-check')).toContainText(`Changed: ${photo}`);
});
