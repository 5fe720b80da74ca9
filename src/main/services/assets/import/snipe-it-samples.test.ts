/**
 * Snipe-IT's own sample asset files as its users send them (fixtures/: Mac Roman, CR line ends,
 * repeated and blank headers, the team's status labels), through the real import service and a
 * SQLite file; plus the encodings and header cases those files stand for.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import iconv from 'iconv-lite';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { countRows, makeWorld, type World } from '../../../testing';
import type { Actor } from '../../core/context';
import { importFile, inspectCsv, type ImportInput } from './index';
import { getAssetDetail } from '../assets';
import { listAssets } from '../list';
import { teamStatusLabels } from './status-labels';
import { statusText } from '../../../../shared/assets/status-labels';
import { decodeAs, repairMojibake } from './encoding';
import { validateFields } from '../../../../shared/sync/entities';

const here = path.dirname(fileURLToPath(import.meta.url));
const sample = (name: string) => fs.readFileSync(path.join(here, 'fixtures', name)).toString('base64');
const BAD = sample('assets-sample-BAD.csv');
const BLANKS = sample('assets-sample-BLANKS.csv');

let w: World;
let tech: Actor;
beforeEach(() => {
  w = makeWorld();
  tech = w.user('technician', 'tess');
});
afterEach(() => w.dispose());

const imp = (input: Partial<ImportInput>, who: Actor = w.admin) =>
  importFile(w.ctx(who, 'assets.import'), { format: 'snipe-it-assets', dryRun: false, ...input });
const asset = (tag: string) => getAssetDetail(w.ctx(w.admin), { tag });
const locationNames = () => w.store.sqlite.prepare('SELECT name FROM locations').pluck().all() as string[];
function footprint() {
  const t = ['assets', 'users', 'locations', 'team_settings', 'asset_history', 'pending_ops', 'audit_events'];
  return Object.fromEntries(t.map((x) => [x, countRows(w.store, x)]));
}

describe("Snipe-IT's assets-sample-BAD.csv, as it is", () => {
  it('previews without errors: Mac Roman and CR line ends found, repeated Category noted, the statuses listed with their types', () => {
    const r = imp({ contentBase64: BAD, dryRun: true });
    expect(r.errors).toEqual([]);
    expect(r).toMatchObject({ rows: 200, created: 200, encoding: 'macintosh', lineEnding: 'cr' });
    expect(r.text).toMatchObject({ encoding: 'macintosh', encodingChosen: false, repaired: false });
    expect(r.text!.nonAscii).toContain('Lutsâ€™k');
    expect(r.text!.mojibake!.examples).toContainEqual({ before: 'Lutsâ€™k', after: 'Luts’k' });
    expect(r.text!.mojibake!.examples).toContainEqual({ before: 'Saint-Ã‰tienne', after: 'Saint-Étienne' });
    expect(r.headerNotes).toContainEqual(
      expect.stringMatching(/"Category" appears 2 times \(columns 6, 13\) with the same values on every row/),
    );
    expect(r.warnings).toEqual([]);
    expect(r.columns.ignored).toContain('Company');
    const labels = Object.fromEntries(r.statusLabels!.map((l) => [l.name, [l.type, l.source]]));
    expect(labels).toMatchObject({
      Undeployable: ['undeployable', 'new'],
      'Pending Diagnostics': ['undeployable', 'new'],
      Lost: ['archived', 'new'],
      'Ready to Deploy': ['deployable', 'snipe-it'],
      Archived: ['archived', 'snipe-it'],
    });
    expect(countRows(w.store, 'assets')).toBe(0);
  });

  it('imports all 200 rows with readable names, the chosen label types and the warranty end', () => {
    const r = imp({ contentBase64: BAD, repairMojibake: true, statusLabelTypes: { 'Pending Diagnostics': 'pending' } });
    expect(r.errors).toEqual([]);
    expect(r.created).toBe(200);
    expect(countRows(w.store, 'assets')).toBe(200);

    const luts = asset('441402118-9');
    expect(luts.locationName).toBe('Luts’k');
    expect(luts).toMatchObject({ status: 'retired', statusLabel: 'Lost', category: 'leo odio', purchaseDate: '2016-05-18' });
    expect(asset('860990227-7').locationName).toBe('Tučepi');
    expect(asset('666189117-3').locationName).toBe('Saint-Étienne');
    // Undeployable: in repair, its label kept; Warranty 14 months from 4/5/16.
    expect(asset('970882174-8')).toMatchObject({
      status: 'in_repair',
      statusLabel: 'Undeployable',
      warrantyEnd: '2017-06-05',
      cost: 133289.59,
    });
    // The type the person chose for "Pending Diagnostics" in the preview.
    expect(asset('103538064-1')).toMatchObject({ status: 'on_order', statusLabel: 'Pending Diagnostics' });
    // Ready to Deploy with a person: checked out to them, as Snipe-IT does.
    expect(asset('118753405-6')).toMatchObject({ status: 'deployed', statusLabel: 'Ready to Deploy', assignedToName: 'Betty Powell' });

    // Every location name reads as text: no control characters, no leftover misreadings.
    const names = locationNames();
    expect(names.filter((n) => /[\u0080-\u009f]|â€|Ã/.test(n))).toEqual([]);

    // The new labels are the team's now, in a synced team setting.
    const team = teamStatusLabels(w.store.sqlite);
    expect(team).toEqual(
      expect.arrayContaining([
        { name: 'Undeployable', type: 'undeployable' },
        { name: 'Pending Diagnostics', type: 'pending' },
        { name: 'Lost', type: 'archived' },
      ]),
    );
    expect(team.some((l) => l.name === 'Ready to Deploy')).toBe(false);
    const op = w.store.sqlite
      .prepare("SELECT payload FROM pending_ops WHERE entity = 'team_settings' AND record_id = 'setting.asset_status_labels'")
      .pluck()
      .get() as string;
    expect(JSON.parse(op)).toMatchObject({ key: 'asset_status_labels' });

    // The list shows the label while it agrees with the status.
    const rows = listAssets(w.ctx(tech), { filter: { text: '970882174-8' }, sort: 'tag', limit: 5 }).items;
    expect(rows[0]!.statusLabel).toBe('Undeployable');
    expect(statusText(rows[0]!, team)).toBe('Undeployable');
    expect(statusText({ ...rows[0]!, status: 'in_stock' }, team)).toBe('In stock');

    // Importing the same file again changes nothing.
    const again = imp({ contentBase64: BAD, repairMojibake: true, statusLabelTypes: { 'Pending Diagnostics': 'pending' } });
    expect(again).toMatchObject({ created: 0, updated: 0, unchanged: 200, errors: [] });
  });

  it('every op the import queues passes the field rules the server checks (status labels, the team setting)', () => {
    imp({ contentBase64: BAD, repairMojibake: true });
    const ops = w.store.sqlite.prepare("SELECT entity, payload FROM pending_ops WHERE entity IN ('assets', 'team_settings')").all() as {
      entity: string;
      payload: string;
    }[];
    expect(ops.filter((o) => o.entity === 'assets')).toHaveLength(200);
    expect(ops.filter((o) => o.entity === 'team_settings')).toHaveLength(1);
    for (const o of ops) expect(validateFields(o.entity, JSON.parse(o.payload) as Record<string, unknown>)).toBeNull();
  });

  it('a technician cannot add status labels: the import names them and writes nothing', () => {
    const before = footprint();
    const r = imp({ contentBase64: BAD }, tech);
    expect(r.created).toBe(0);
    expect(r.errors).toContainEqual(
      expect.objectContaining({
        row: 0,
        column: 'Status',
        message: expect.stringMatching(/Only an administrator can add status labels: .*"Undeployable"/),
      }),
    );
    expect(footprint()).toEqual(before);
  });

  it('the encoding can be overridden; read as Latin-1 the names show why it matters', () => {
    const r = imp({ contentBase64: BAD, dryRun: true, encoding: 'iso-8859-1' });
    expect(r.text).toMatchObject({ encoding: 'iso-8859-1', encodingChosen: true });
    expect(r.text!.nonAscii).toContain('Luts\u0089Ûªk');
  });

  it('inspectCsv proposes Username (not Full Name) as the assignee and reads Warranty as months', () => {
    const seen = inspectCsv(w.ctx(tech), { contentBase64: BAD });
    expect(seen).toMatchObject({ encoding: 'macintosh', lineEnding: 'cr', rows: 200, detectedFormat: 'snipe-it-assets' });
    expect(seen.suggestedMapping).toMatchObject({
      Username: 'assignedTo',
      'Asset Tag': 'tag',
      Warranty: 'warrantyMonths',
      Category: 'category',
    });
    expect(seen.suggestedMapping['Full Name']).toBeUndefined();
    expect(seen.text.mojibake!.count).toBeGreaterThanOrEqual(6);
    // By position: the repeated Category (columns 6 and 13) is proposed once, on its first column.
    expect(seen.suggestedColumns).toHaveLength(seen.headers.length);
    expect(seen.suggestedColumns[5]).toBe('category');
    expect(seen.suggestedColumns[12]).toBeNull();
    expect(seen.suggestedColumns[seen.headers.indexOf('Full Name')]).toBeNull();
    expect(seen.suggestedColumns[seen.headers.indexOf('Username')]).toBe('assignedTo');
  });

  it('the preview promises a check-out only where the import makes one, and says why the others have none', () => {
    const r = imp({ contentBase64: BAD, dryRun: true });
    const row = (n: number) => r.preview.find((p) => p.row === n)!;
    // Row 1: Undeployable with bnelson0 — not checked out; row 5: Ready to Deploy with bpowell4 — checked out.
    expect(row(1)).toMatchObject({ status: 'Undeployable', assignedTo: null });
    expect(row(5)).toMatchObject({ status: 'Ready to Deploy', assignedTo: 'bpowell4' });
    expect(r.rowNotes).toContainEqual(
      expect.stringMatching(/^\d+ rows name a person but have a status that is not deployable \(.*Undeployable \d+.*\): those assets are imported without being checked out to anyone \(people not yet in the team are still added\)\.$/),
    );
    expect(r.headerNotes!.join(' ')).not.toMatch(/not deployable/);
    const done = imp({ contentBase64: BAD });
    expect(done.errors).toEqual([]);
    expect(asset('970882174-8')).toMatchObject({ status: 'in_repair', assignedToId: null });
    expect(asset('118753405-6').assignedToName).toBe('Betty Powell');
    expect(w.store.sqlite.prepare("SELECT count(*) FROM users WHERE username = 'bnelson0'").pluck().get()).toBe(1);
  });
});

describe("Snipe-IT's MOCK_ASSETS_BLANKS.csv, as it is", () => {
  it('blank headers are ignored with a note; 200 rows import in Mac Roman as the file has them', () => {
    const r = imp({ contentBase64: BLANKS });
    expect(r.errors).toEqual([]);
    expect(r).toMatchObject({ rows: 200, created: 200, encoding: 'macintosh', lineEnding: 'cr' });
    expect(r.headerNotes).toContainEqual('Columns 5, 9, 14 have no header and are ignored.');
    // Not repaired: the characters are those Snipe-IT shows, not Latin-1 control codes.
    expect(asset('441402118-9').locationName).toBe('Lutsâ€™k');
    expect(asset('544574073-0')).toMatchObject({ status: 'in_repair', statusLabel: 'Undeployable', modelNumber: '5.02E+18' });
  });

  it('after an administrator imported the labels, a technician imports the same statuses', () => {
    imp({ contentBase64: BAD, dryRun: false });
    const r = imp({ contentBase64: BLANKS }, tech);
    expect(r.errors).toEqual([]);
    expect(r.statusLabels!.every((l) => l.source !== 'new')).toBe(true);
    expect(r.unchanged + r.updated).toBe(200);
  });
});

describe('repeated and blank headers', () => {
  const csv = 'Asset Tag,Category,Name,Category\nT-1,Laptops,A,Laptops\nT-2,Laptops,B,Desktops\nT-3,,C,Phones\n';

  it('repeated columns that differ keep the first non-empty value and warn on that row', () => {
    const r = imp({ content: csv });
    expect(r.errors).toEqual([]);
    expect(r.created).toBe(3);
    expect(r.warnings).toEqual([
      {
        row: 2,
        column: 'Category',
        message: 'The repeated columns disagree: "Laptops" in column 2, "Desktops" in column 4. "Laptops" is kept.',
      },
    ]);
    expect(r.headerNotes).toContainEqual(expect.stringMatching(/"Category" appears 2 times \(columns 2, 4\): they differ on 1 row/));
    expect(asset('T-2').category).toBe('Laptops');
    expect(asset('T-3').category).toBe('Phones');
  });

  it('a repeated column mapped to Ignore is not read at all', () => {
    const r = imp({ format: 'csv-mapped', content: csv, mapping: { 'Asset Tag': 'tag', Name: 'name' } });
    expect(r.errors).toEqual([]);
    expect(r.warnings).toEqual([]);
    expect(asset('T-2').category).toBeNull();
  });

  it('columns mapped one by one: one of two same-named columns to Ignore, a blank header to a field', () => {
    const file = 'Tag,Room,Room,,Notes\nR-1,Lab 1,Lab 1,spare,\nR-2,Store,Store room,,boxed\n';
    // By name, both "Room" columns are the location: they disagree on row 2.
    const byName = imp({ format: 'csv-mapped', content: file, mapping: { Tag: 'tag', Room: 'location' }, dryRun: true });
    expect(byName.warnings).toHaveLength(1);
    // By position, the second "Room" is ignored and the blank-headed column is the notes.
    const r = imp({ format: 'csv-mapped', content: file, columnFields: ['tag', 'location', null, 'notes', null] });
    expect(r.errors).toEqual([]);
    expect(r.warnings).toEqual([]);
    expect(r.headerNotes).toEqual([]);
    expect(r.columns).toEqual({
      recognised: { Tag: 'tag', 'Room (column 2)': 'location', 'Column 4': 'notes' },
      ignored: ['Room (column 3)', 'Notes'],
    });
    expect(asset('R-2')).toMatchObject({ locationName: 'Store', notes: null });
    expect(asset('R-1').notes).toBe('spare');
  });

  it('a column mapping that does not match the file is refused, naming both counts', () => {
    expect(() => imp({ format: 'csv-mapped', content: 'Tag,Name\nT-9,A\n', columnFields: ['tag'] })).toThrow(
      'The column mapping names 1 columns; the file has 2.',
    );
  });

  it('a mapped email column finds or makes the person by email', () => {
    const r = imp({ format: 'csv-mapped', content: 'Tag,Email\nE-1,sam.lee@example.org\n', mapping: { Tag: 'tag', Email: 'assignedTo' } });
    expect(r.errors).toEqual([]);
    const a = asset('E-1');
    expect(a.status).toBe('deployed');
    const email = w.store.sqlite.prepare('SELECT email FROM users WHERE id = ?').pluck().get(a.assignedToId) as string;
    expect(email).toBe('sam.lee@example.org');
  });

  it('warranty months without a purchase date are noted, not guessed', () => {
    const r = imp({ content: 'Asset Tag,Warranty (months),Purchase Date\nW-1,24,\nW-2,12,2024-01-31\n' });
    expect(r.errors).toEqual([]);
    // A note about rows, not about the header row.
    expect(r.rowNotes).toContainEqual(expect.stringMatching(/1 row has warranty months but no purchase date/));
    expect(r.headerNotes).toEqual([]);
    expect(asset('W-1').warrantyEnd).toBeNull();
    expect(asset('W-2').warrantyEnd).toBe('2025-01-31');
  });
});

describe('encodings', () => {
  it('UTF-16 with a BOM and without one', () => {
    const text = 'Asset Tag,Name\nU-1,Écran für Büro\n';
    const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
    const r = imp({ contentBase64: le.toString('base64') });
    expect(r).toMatchObject({ encoding: 'utf-16le', created: 1, errors: [] });
    expect(asset('U-1').name).toBe('Écran für Büro');
    const be = iconv.encode(text.replace('U-1', 'U-2'), 'utf-16be');
    expect(imp({ contentBase64: be.toString('base64') })).toMatchObject({ encoding: 'utf-16be', created: 1 });
    expect(asset('U-2').name).toBe('Écran für Büro');
  });

  it('Windows-1252 with its curly quotes, and Latin-1 without any', () => {
    const cp = iconv.encode('Asset Tag,Name\nC-1,Don’t move – Köln\n', 'windows-1252');
    expect(imp({ contentBase64: cp.toString('base64') })).toMatchObject({ encoding: 'windows-1252', created: 1 });
    expect(asset('C-1').name).toBe('Don’t move – Köln');
    const l1 = Buffer.from('Asset Tag,Name\nL-1,Straße Zürich\n', 'latin1');
    expect(imp({ contentBase64: l1.toString('base64') })).toMatchObject({ encoding: 'iso-8859-1', created: 1 });
    expect(asset('L-1').name).toBe('Straße Zürich');
  });

  it('Mac Roman with the euro sign where Excel for Mac writes it', () => {
    expect(decodeAs(Buffer.from([0x43, 0x61, 0x66, 0x8e, 0x20, 0xdb, 0x35]), 'macintosh').text).toBe('Café €5');
  });

  it('repairs only values that are misread UTF-8', () => {
    expect(repairMojibake('Vyshniy VolochÃ«k')).toBe('Vyshniy Volochëk');
    expect(repairMojibake('SzydÅ‚owo')).toBe('Szydłowo');
    expect(repairMojibake('Zürich')).toBeNull();
    expect(repairMojibake('Plain text')).toBeNull();
  });
});
