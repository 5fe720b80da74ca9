/**
 * The desktop's file pick, without Electron: the dialog is a stand-in that returns a path, as
 * Electron's would. A ServiceNow export picked this way is read in place by the same streamed import
 * as an upload (the same figures as the file's bytes sent in the call); only a path the dialog
 * returned is ever registered, for the person who picked it; an asset export is inspected by its head
 * and imported whole from where it lies; closing the dialog picks nothing; a
 * page that names a path, or a person who may not import, never sees a dialog.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDevice, type Device } from '../../testing/sync-harness';
import { dispatchAsync } from '../api/dispatch';
import { fixture } from '../services/assets/test-fixtures';
import { pickImportFile, type OpenDialogOptions, type ShowOpenDialog } from './pick-file';
import type { PickedFile } from '../../shared/api/bridge';
import type { Result } from '../../shared/result';

let dev: Device;
let dir: string;
let exportFile: string;
let otherToken: string;
let requesterToken: string;

/** A stand-in for Electron's dialog that answers `paths` (or a closed dialog) and records what it was shown. */
function dialog(paths: string[] | null): ShowOpenDialog & { shown: OpenDialogOptions[] } {
  const shown: OpenDialogOptions[] = [];
  const fn = async (opts: OpenDialogOptions) => {
    shown.push(opts);
    return paths ? { canceled: false, filePaths: paths } : { canceled: true, filePaths: [] };
  };
  return Object.assign(fn, { shown });
}

beforeAll(async () => {
  dev = await startDevice();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'outpost-pick-'));
  // The first 3,000 events of the ServiceNow sample: big enough to stream in several chunks.
  const sample = fixture('incidents/servicenow-incident-event-log-sample.csv');
  if (!sample) throw new Error('The ServiceNow sample (shared fixtures) is needed for this test.');
  const lines = fs.readFileSync(sample, 'utf8').split('\n');
  exportFile = path.join(dir, 'incident export.csv');
  fs.writeFileSync(exportFile, lines.slice(0, 3001).join('\n') + '\n');
  for (const [username, role] of [['tina', 'technician'], ['rosa', 'requester']] as const) {
    await dev.call('users.create', { username, displayName: username, role, password: 'password-123' });
  }
  otherToken = (await dev.call('session.login', { username: 'tina', password: 'password-123' })).token;
  requesterToken = (await dev.call('session.login', { username: 'rosa', password: 'password-123' })).token;
});
afterAll(() => {
  dev?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

function picked(r: Result<PickedFile | null>): PickedFile {
  if (!r.ok) throw new Error(r.error.message);
  if (!r.value) throw new Error('nothing picked');
  return r.value;
}

describe('picking an import file on the desktop', () => {
  it('streams the picked ServiceNow export into the import, with the figures of the file itself', async () => {
    const d = dialog([exportFile]);
    const file = picked(await pickImportFile(dev.rt, d, 'servicenow-events', dev.token));
    expect(file).toMatchObject({ name: 'incident export.csv', size: fs.statSync(exportFile).size });
    expect(file.uploadId).toMatch(/^up_[0-9a-f]{32}$/);
    expect(d.shown).toEqual([{ title: 'Choose a ServiceNow incident export', properties: ['openFile'], filters: [{ name: 'CSV files', extensions: ['csv'] }] }]);

    const viaPick = await dev.call('tickets.import', { format: 'servicenow-events', uploadId: file.uploadId, dryRun: true });
    const viaBytes = await dev.call('tickets.import', { format: 'servicenow-events', contentBase64: fs.readFileSync(exportFile).toString('base64'), dryRun: true });
    expect(viaPick.events).toBe(3000);
    expect(viaPick.incidents).toBeGreaterThan(100);
    expect(viaPick).toEqual(viaBytes);
    // The picked file is read in place and left alone.
    expect(fs.existsSync(exportFile)).toBe(true);
  });

  it('reads a picked asset export in place: its head for the columns, all of it for the preview and the import', async () => {
    // About 2 MB of Snipe-IT rows: more than the column step reads.
    const assetFile = path.join(dir, 'assets export.csv');
    const rows = Array.from({ length: 8000 }, (_, i) => `PICK-${String(i).padStart(5, '0')},Desk phone ${i},Phones,Polycom,VVX ${i % 4},Ready to Deploy,${'spare '.repeat(30)}`);
    fs.writeFileSync(assetFile, ['Asset Tag,Name,Category,Manufacturer,Model,Status,Notes', ...rows].join('\n') + '\n');
    const size = fs.statSync(assetFile).size;
    const d = dialog([assetFile]);
    const file = picked(await pickImportFile(dev.rt, d, 'assets', dev.token));
    expect(file).toMatchObject({ name: 'assets export.csv', size });
    expect(d.shown[0]).toMatchObject({ title: 'Choose an asset file', filters: [{ extensions: ['csv', 'txt', 'json'] }] });

    const ins = await dev.call('assets.inspectCsv', { uploadId: file.uploadId });
    expect(ins).toMatchObject({ detectedFormat: 'snipe-it-assets', partial: { bytesRead: 1024 * 1024, size } });
    expect(ins.rows).toBeLessThan(8000);
    expect(ins.sample[0]).toEqual(rows[0]!.split(','));
    const input = { format: 'snipe-it-assets' as const, uploadId: file.uploadId };
    expect(await dev.call('assets.import', { ...input, dryRun: true })).toMatchObject({ rows: 8000, created: 8000, errors: [] });
    expect(await dev.call('assets.import', { ...input, dryRun: false })).toMatchObject({ rows: 8000, created: 8000, errors: [] });
    expect((await dev.call('assets.get', { tag: 'PICK-07999' })).name).toBe('Desk phone 7999');
    // The person's own file is read, never removed; the pick is used up by the import.
    expect(fs.statSync(assetFile).size).toBe(size);
    await expect(dev.call('assets.inspectCsv', { uploadId: file.uploadId })).rejects.toThrow(/not here any more/);
  });

  it('keeps the picked file for the person who picked it only', async () => {
    const file = picked(await pickImportFile(dev.rt, dialog([exportFile]), 'servicenow-events', dev.token));
    const r = await dispatchAsync(dev.rt, 'tickets.import', { format: 'servicenow-events', uploadId: file.uploadId, dryRun: true }, otherToken);
    expect(r.ok).toBe(false);
  });

  it('picks nothing when the dialog is closed, and refuses a folder', async () => {
    expect(await pickImportFile(dev.rt, dialog(null), 'assets', dev.token)).toEqual({ ok: true, value: null });
    const folder = await pickImportFile(dev.rt, dialog([dir]), 'assets', dev.token);
    expect(folder).toEqual({ ok: false, error: { code: 'invalid_input', message: 'Pick a file, not a folder.' } });
    const gone = await pickImportFile(dev.rt, dialog([path.join(dir, 'gone.csv')]), 'assets', dev.token);
    expect(gone.ok === false && gone.error.message).toBe('Outpost could not read gone.csv (ENOENT). Choose another file.');
  });

  it('shows no dialog to a page naming a path, to no session, or to a role that does not import', async () => {
    for (const [kind, token, code] of [
      [exportFile, dev.token, 'invalid_input'],
      ['__proto__', dev.token, 'invalid_input'],
      ['servicenow-events', null, 'unauthenticated'],
      ['servicenow-events', 'not-a-session', 'unauthenticated'],
      ['servicenow-events', requesterToken, 'forbidden'],
    ] as const) {
      const d = dialog([exportFile]);
      const r = await pickImportFile(dev.rt, d, kind, token);
      expect(r.ok === false && r.error.code, String(kind)).toBe(code);
      expect(d.shown, String(kind)).toEqual([]);
    }
  });

  it('registers nothing when the session ended while the dialog was open', async () => {
    const token = (await dev.call('session.login', { username: 'tina', password: 'password-123' })).token;
    const d: ShowOpenDialog = async () => {
      await dispatchAsync(dev.rt, 'session.logout', {}, token);
      return { canceled: false, filePaths: [exportFile] };
    };
    const r = await pickImportFile(dev.rt, d, 'servicenow-events', token);
    expect(r.ok === false && r.error.code).toBe('unauthenticated');
  });
});
