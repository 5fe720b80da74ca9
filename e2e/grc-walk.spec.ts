/**
 * Issue 11's "Done when", walked as a new auditor would in Chromium: two laptops (two browser hosts)
 * set up from the first-run wizard join one sync server; the libraries are imported from the shared
 * fixture files on the Assessments screen (NIST CSF 2.0 and the 5×5 matrix); with the server away,
 * each laptop assesses different requirements of one assessment and raises a different part of one
 * risk's score; after the server is back and both sync, both laptops show every result and the same
 * level, and the assessment's evidence pack exports and verifies in the app.
 */
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { unzipSync } from 'fflate';
import { expect, test } from '@playwright/test';
import { apiCall } from './support/host';
import { sessionToken, useTwoDevices } from './support/two-devices';
import { SERVER_ADMIN } from './support/sync-server';
import { SetupPage } from './pages/setup';
import { SyncSettingsPage } from './pages/sync';
import { AssessmentsPageModel } from './pages/grc';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const fixtures = process.env.OUTPOST_FIXTURES ?? path.resolve(root, '../shared/fixtures');
const NIST = path.join(fixtures, 'grc/nist-csf-2.0.yaml');
const MATRIX = path.join(fixtures, 'grc/critical_risk_matrix_5x5.yaml');

const rig = useTwoDevices();

test('two laptops assess one framework and review one risk offline, sync, and export a pack that verifies', async () => {
  test.setTimeout(240_000);
  if (!existsSync(NIST) || !existsSync(MATRIX)) throw new Error(`The GRC fixtures are not at ${path.dirname(NIST)}: set OUTPOST_FIXTURES to the shared fixtures folder.`);
  for (const [page, host, site] of [[rig.pageA, rig.hostA, 'Plant'], [rig.pageB, rig.hostB, 'Depot']] as const) {
    await page.goto(host.url);
    await new SetupPage(page).complete({ organisation: 'Northwind Plant', site, displayName: 'Ada Auditor', username: 'ada', password: 'correct-horse-1' });
    await expect(page.getByTestId('nav-queue')).toBeVisible();
    await new SyncSettingsPage(page).join(rig.server.url, SERVER_ADMIN.username, SERVER_ADMIN.password);
  }
  const tokA = await sessionToken(rig.pageA);
  const tokB = await sessionToken(rig.pageB);
  const sync = async () => {
    for (const [h, t] of [[rig.hostA, tokA], [rig.hostB, tokB], [rig.hostA, tokA]] as const) await apiCall(h, 'sync.now', {}, t);
  };

  // Laptop A imports the libraries from their files and starts the assessment.
  const pa = rig.pageA;
  await pa.getByTestId('nav-assessments').click();
  const a = new AssessmentsPageModel(pa);
  await a.importLibrary(NIST);
  await expect(pa.getByText(/Imported NIST CSF v2\.0: 134 requirements, 106 assessable/)).toBeVisible();
  await a.importLibrary(MATRIX);
  await expect(pa.getByText(/Imported critical 5x5/)).toBeVisible();
  await a.start(/NIST CSF v2\.0/);
  await expect(a.progress()).toHaveText(/0 of 106 assessed/);
  const assessment = (await apiCall<{ items: { id: string }[] }>(rig.hostA, 'assessments.list', {}, tokA)).items[0]!;
  const risk = await apiCall<{ id: string; matrixId: string }>(rig.hostA, 'risks.create', { title: 'Ransomware on the plant network', inherent: { likelihood: 2, impact: 2 } }, tokA);
  await sync();
  expect((await apiCall<{ progress: { total: number } }>(rig.hostB, 'assessments.get', { id: assessment.id }, tokB)).progress.total).toBe(106);

  // The server goes away: each laptop works on its own.
  await rig.server.stop();
  await a.keys('n', '1');
  await expect(a.result('GV.OC-01')).toHaveText('Compliant');
  await a.keys('n', '3');
  await expect(a.result('GV.OC-02')).toHaveText('Non-compliant');
  for (const [ref, result] of [['ID.AM-01', 'compliant'], ['ID.AM-02', 'partially_compliant']] as const)
    await apiCall(rig.hostB, 'assessments.assess', { assessmentId: assessment.id, ref, result, observation: `Checked at the depot: ${ref}` }, tokB);
  await apiCall(rig.hostA, 'risks.update', { id: risk.id, inherent: { likelihood: 4, impact: 2 }, reason: 'Exploit kit seen at a sister plant' }, tokA);
  await apiCall(rig.hostB, 'risks.update', { id: risk.id, inherent: { likelihood: 2, impact: 5 }, reason: 'The line stops without the HMI' }, tokB);

  await rig.server.restart();
  await sync();
  for (const [h, t] of [[rig.hostA, tokA], [rig.hostB, tokB]] as const) {
    expect((await apiCall<{ progress: { assessed: number } }>(h, 'assessments.get', { id: assessment.id }, t)).progress.assessed).toBe(4);
    // The likelihood raised on A and the impact raised on B both survive; the level comes from the grid.
    expect((await apiCall<{ inherent: { likelihood: number; impact: number } }>(h, 'risks.get', { id: risk.id }, t)).inherent).toMatchObject({ likelihood: 4, impact: 5 });
  }
  await pa.reload();
  await expect(a.progress()).toHaveText(/4 of 106 assessed/);
  await expect(a.result('GV.OC-02')).toHaveText('Non-compliant');

  // The pack of the assessment exports and verifies.
  const download = pa.waitForEvent('download');
  await pa.getByTestId('pack-export').click();
  const file = path.join(os.tmpdir(), `outpost-walk-pack-${Date.now()}.zip`);
  await (await download).saveAs(file);
  const csv = new TextDecoder().decode(unzipSync(readFileSync(file))['records/requirement_assessments.csv']!);
  expect(csv).toContain('Checked at the depot: ID.AM-02');
  await pa.getByTestId('pack-verify-file').setInputFiles(file);
  await expect(pa.getByTestId('pack-check')).toContainText('The pack is unchanged');
});
