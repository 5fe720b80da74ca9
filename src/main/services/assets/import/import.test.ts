import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { countRows, makeWorld, type World } from '../../../testing';
import type { Actor } from '../../core/context';
import { importFile, inspectCsv, type ImportInput } from './index';
import { checkinAsset, createAsset, getAssetDetail, updateAsset } from '../assets';
import { createLocation } from '../locations';
import { listAssets } from '../list';
import { compliance, listEntitlements } from '../../licences/licences';
import { hasFixtures, readFixture } from '../test-fixtures';
import { parseDate, parseMoney } from './values';

let w: World;
let tech: Actor;
beforeEach(() => {
  w = makeWorld();
  tech = w.user('technician', 'tess');
});
afterEach(() => w.dispose());

const imp = (input: Partial<ImportInput> & Pick<ImportInput, 'format'>, who: Actor = w.admin) => importFile(w.ctx(who, 'assets.import'), { dryRun: false, ...input });

/** Rows of every table an import may touch, to prove a refused file wrote nothing. */
function footprint() {
  const t = ['assets', 'users', 'locations', 'software_products', 'licence_entitlements', 'licence_assignments', 'asset_history', 'pending_ops', 'audit_events'];
  return Object.fromEntries(t.map((x) => [x, countRows(w.store, x)]));
}

describe.runIf(hasFixtures)('Snipe-IT sample files, unchanged', () => {
  it('imports the asset sample: tags, dates, costs, people and locations', () => {
    const dry = imp({ format: 'snipe-it-assets', content: readFixture('snipe-it/assets-sample.csv'), dryRun: true });
    expect(dry.errors).toEqual([]);
    expect(dry.encoding).toBe('utf-8-bom');
    expect(dry.created).toBe(dry.rows);
    expect(countRows(w.store, 'assets')).toBe(0);
    const r = imp({ format: 'snipe-it-assets', content: readFixture('snipe-it/assets-sample.csv') });
    expect(r.errors).toEqual([]);
    expect(r.created).toBeGreaterThan(15);
    expect(countRows(w.store, 'assets')).toBe(r.created);
    const a = getAssetDetail(w.ctx(tech), { tag: 'ICC-2065556' });
    expect(a).toMatchObject({ name: 'Backhoe', category: 'Ornamental Railings', manufacturer: 'Berge Inc', purchaseDate: '2023-01-23', cost: 2266.13, eolDate: '2028-10-27', model: 'Macbook Pro 13"', type: 'laptop' });
    expect(a.locationName).toBe('Wilkinson, Waters and Kerluke');
    expect(a.customFields).toMatchObject({});
    const out = getAssetDetail(w.ctx(tech), { tag: 'WBH-2841795' });
    expect(out.status).toBe('deployed');
    expect(out.assignedToName).toBe('Gage McCrackem');
    // Re-importing the same file changes nothing: the tag is the update key.
    const again = imp({ format: 'snipe-it-assets', content: readFixture('snipe-it/assets-sample.csv') });
    expect(again).toMatchObject({ created: 0, updated: 0, unchanged: r.created, errors: [] });
  });

  it("keeps Snipe-IT's Location as the home location; a location check-out is where the asset is, and check-in returns it home", () => {
    imp({ format: 'snipe-it-assets', content: readFixture('snipe-it/assets-sample.csv') });
    const ctx = w.ctx(w.admin);
    // BBK-5960598: Location "Frami and Sons", checked out to the location "Russel Group".
    const away = getAssetDetail(ctx, { tag: 'BBK-5960598' });
    expect(away).toMatchObject({ status: 'deployed', locationName: 'Russel Group', homeLocationPath: expect.stringMatching(/Frami and Sons$/) });
    // WBH-2841795: checked out to a person; its Location is both where it is and its home.
    const withPerson = getAssetDetail(ctx, { tag: 'WBH-2841795' });
    expect(withPerson.homeLocationId).toBe(withPerson.locationId);
    const back = checkinAsset(ctx, away.id, {});
    expect(back).toMatchObject({ status: 'in_stock', locationId: away.homeLocationId, locationName: 'Frami and Sons' });
    // A location given at check-in wins over home.
    const room = createLocation(ctx, { name: 'Stores', kind: 'room' }).id;
    expect(checkinAsset(ctx, withPerson.id, { locationId: room })).toMatchObject({ locationId: room });
    // An asset without a home stays where it is.
    const plain = createAsset(ctx, { tag: 'NOHOME-1', name: 'Dock', locationId: room, assignedToId: w.admin.id });
    expect(plain.homeLocationId).toBeNull();
    expect(checkinAsset(ctx, plain.id, {})).toMatchObject({ status: 'in_stock', locationId: room });
    // Home is editable and must be a location of the asset's site.
    expect(updateAsset(ctx, plain.id, { homeLocationId: room })).toMatchObject({ homeLocationId: room });
    expect(() => updateAsset(ctx, plain.id, { homeLocationId: 'no-such-location' })).toThrow(/No such location/);
  });

  it('a technician cannot create people: unknown check-out users are row errors, the users file is refused', () => {
    const r = imp({ format: 'snipe-it-assets', content: readFixture('snipe-it/assets-sample.csv') }, tech);
    expect(r.created).toBe(0);
    expect(r.errors).toContainEqual({ row: 2, column: 'Checked Out To: Username', message: expect.stringMatching(/^Nobody called gmccrackem2a is in Outpost/) });
    expect(countRows(w.store, 'assets')).toBe(0);
    expect(() => imp({ format: 'snipe-it-users', content: readFixture('snipe-it/users-sample.csv') }, tech)).toThrow(/Only an administrator/);
  });

  it('imports users, locations, models and licences', () => {
    const users = imp({ format: 'snipe-it-users', content: readFixture('snipe-it/users-sample.csv') });
    expect(users.errors).toEqual([]);
    expect(users.created).toBe(100);
    const locs = imp({ format: 'snipe-it-locations', content: readFixture('snipe-it/locations-sample.csv') });
    expect(locs.errors).toEqual([]);
    expect(locs.created).toBeGreaterThan(10);
    const models = imp({ format: 'snipe-it-models', content: readFixture('snipe-it/models-sample.csv') });
    expect(models.errors).toEqual([]);
    expect(models.created).toBeGreaterThan(10);
    const lic = imp({ format: 'snipe-it-licenses', content: readFixture('snipe-it/licenses-sample.csv') });
    expect(lic.errors).toEqual([]);
    expect(lic.created).toBe(lic.rows);
    const ents = listEntitlements(w.ctx(tech), {});
    expect(ents.length).toBe(lic.created);
    expect(ents.find((e) => e.licenceKey === '4c2713a1-5b73-4ecb-b2e9-62bf0ff57165')).toMatchObject({ seats: 56, cost: 12.58, startDate: '2008-11-24', endDate: '2016-02-26', assigned: 1 });
    expect(compliance(w.ctx(tech)).items.length).toBeGreaterThan(0);
    // Users from the file exist but cannot sign in until an admin sets a password.
    const u = w.store.sqlite.prepare("SELECT role, active, password_hash FROM users WHERE username = 'klefeuvre1'").get() as { role: string; active: number; password_hash: string };
    expect(u).toEqual({ role: 'requester', active: 0, password_hash: 'imported$no-password' });
  });
});

describe('broken files get row errors and write nothing', () => {
  const header = 'Asset Tag,Name,Status,Purchase Date,Purchase Cost,Location\n';

  function refused(content: string | { base64: string }, expectErrors: { row: number; column?: string; message: RegExp }[]) {
    const before = footprint();
    const r = imp(typeof content === 'string' ? { format: 'snipe-it-assets', content } : { format: 'snipe-it-assets', contentBase64: content.base64 });
    for (const e of expectErrors) {
      expect(r.errors, JSON.stringify(r.errors)).toContainEqual(expect.objectContaining({ row: e.row, ...(e.column !== undefined ? { column: e.column } : {}), message: expect.stringMatching(e.message) }));
    }
    expect(r.created + r.updated).toBe(0);
    expect(footprint()).toEqual(before);
    return r;
  }

  it('bad date, bad cost, empty and repeated tags: one error each, with row and column (an unknown status is a new label, not an error)', () => {
    const r = refused(
      header +
        'T-1,Laptop one,Ready to Deploy,2024-01-05,100,HQ\n' +
        'T-2,Laptop two,Vaporised,2024-01-05,100,HQ\n' +
        'T-3,Laptop three,deployed,2024-02-30,100,HQ\n' +
        'T-4,Laptop four,,5/6/2024,ten euros,HQ\n' +
        ',No tag,,,,HQ\n' +
        't-1,Same tag,,,,HQ\n',
      [
        { row: 3, column: 'Purchase Date', message: /not a real date/ },
        { row: 4, column: 'Purchase Cost', message: /not an amount/ },
        { row: 5, column: 'Asset Tag', message: /empty/ },
        { row: 6, column: 'Asset Tag', message: /appears again \(first on row 1\)/ },
      ],
    );
    expect(r.errors.some((e) => e.row === 2)).toBe(false);
    expect(r.statusLabels).toContainEqual({ name: 'Vaporised', type: 'undeployable', source: 'new', rows: 1 });
  });

  it('a file without an asset tag column is refused as a header problem', () => {
    const r = refused('Name,Serial\nA,B\n', [{ row: 0, message: /header row has no column for Asset tag/ }]);
    expect(r.errors[0]!.kind).toBe('header');
  });

  it('an unclosed quote is reported', () => {
    refused(header + 'T-1,"Laptop,in_stock,2024-01-01,1,HQ\n', [{ row: 1, message: /never closed/ }]);
  });

  it('a good file is still all-or-nothing: one bad row stops every row', () => {
    const good = Array.from({ length: 50 }, (_, i) => `G-${i},Good ${i},in stock,2024-01-01,10,HQ`).join('\n');
    refused(header + good + '\nB-1,Bad,in stock,31/31/2024,1,HQ\n', [{ row: 51, column: 'Purchase Date', message: /not a real date/ }]);
  });
});

describe('encodings and line ends', () => {
  const latin1 = Buffer.from('Asset Tag;Name;Notes\r\nL-1;Ordinateur portable;Réparé à Zürich\r\n', 'latin1');

  it('reads Latin-1 bytes (semicolon-delimited, CRLF) as Latin-1', () => {
    const r = imp({ format: 'snipe-it-assets', contentBase64: latin1.toString('base64') });
    expect(r.errors).toEqual([]);
    expect(r).toMatchObject({ encoding: 'iso-8859-1', lineEnding: 'crlf', created: 1 });
    expect(getAssetDetail(w.ctx(tech), { tag: 'L-1' }).notes).toBe('Réparé à Zürich');
  });

  it('reads UTF-8 with and without BOM, and CR-only (old Mac) line ends', () => {
    const text = 'Asset Tag,Name,Notes\rU-1,Écran,für Büro\rU-2,Clavier,ok\r';
    const r1 = imp({ format: 'snipe-it-assets', contentBase64: Buffer.from(text, 'utf8').toString('base64') });
    expect(r1).toMatchObject({ encoding: 'utf-8', lineEnding: 'cr', created: 2, errors: [] });
    const r2 = imp({ format: 'snipe-it-assets', contentBase64: Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text.replace(/U-/g, 'V-'), 'utf8')]).toString('base64') });
    expect(r2).toMatchObject({ encoding: 'utf-8-bom', created: 2 });
    expect(getAssetDetail(w.ctx(tech), { tag: 'u-1' })).toMatchObject({ name: 'Écran', notes: 'für Büro' });
    expect(getAssetDetail(w.ctx(tech), { tag: 'V-1' }).name).toBe('Écran');
  });

  it('a text whose characters are the raw UTF-8 bytes (a binary-string reader) is decoded', () => {
    const binary = Buffer.from('Asset Tag,Name\nB-1,Café\n', 'utf8').toString('latin1');
    const r = imp({ format: 'snipe-it-assets', content: binary });
    expect(r.encoding).toBe('utf-8');
    expect(getAssetDetail(w.ctx(tech), { tag: 'B-1' }).name).toBe('Café');
  });
});

describe('updates and mapped columns', () => {
  it('the asset tag is the update key; blank cells keep stored values', () => {
    imp({ format: 'snipe-it-assets', content: 'Asset Tag,Name,Serial,Status\nK-1,Old name,SER1,in stock\n' });
    const r = imp({ format: 'snipe-it-assets', content: 'asset_tag,name,serial,status\nk-1,New name,,out for repair\n' });
    expect(r).toMatchObject({ created: 0, updated: 1 });
    const a = getAssetDetail(w.ctx(tech), { tag: 'K-1' });
    expect(a).toMatchObject({ name: 'New name', serial: 'SER1', status: 'in_repair' });
    expect(a.timeline.some((t) => t.kind === 'status' && t.to === 'in_repair')).toBe(true);
  });

  it('any CSV imports through a column mapping, and inspectCsv suggests one', () => {
    const csv = 'Inventarnummer,Bezeichnung,Seriennummer,Kaufdatum\nX-1,Printer hallway,SN-9,31.03.2024\n';
    const seen = inspectCsv(w.ctx(tech), { content: csv });
    expect(seen).toMatchObject({ headers: ['Inventarnummer', 'Bezeichnung', 'Seriennummer', 'Kaufdatum'], rows: 1, detectedFormat: null });
    const r = imp({ format: 'csv-mapped', content: csv, mapping: { Inventarnummer: 'tag', Bezeichnung: 'name', Seriennummer: 'serial', Kaufdatum: 'purchaseDate' } });
    expect(r.errors).toEqual([]);
    expect(getAssetDetail(w.ctx(tech), { tag: 'X-1' })).toMatchObject({ name: 'Printer hallway', serial: 'SN-9', purchaseDate: '2024-03-31', type: 'printer' });
    expect(listAssets(w.ctx(tech), { filter: {}, sort: 'tag', limit: 10 }).items).toHaveLength(1);
  });
});

describe('cell parsers', () => {
  it('dates', () => {
    expect(parseDate('1/23/23')).toEqual({ ok: true, value: '2023-01-23' });
    expect(parseDate('23/1/2023')).toEqual({ ok: true, value: '2023-01-23' });
    expect(parseDate('2024-02-29')).toEqual({ ok: true, value: '2024-02-29' });
    expect(parseDate('2023-02-29').ok).toBe(false);
    expect(parseDate('yesterday').ok).toBe(false);
    expect(parseDate('')).toEqual({ ok: true, value: null });
  });
  it('money', () => {
    expect(parseMoney('$1,234.50')).toEqual({ ok: true, value: 1234.5 });
    expect(parseMoney('€ 12,50')).toEqual({ ok: true, value: 12.5 });
    expect(parseMoney('1.234,50')).toEqual({ ok: true, value: 1234.5 });
    expect(parseMoney('-5').ok).toBe(false);
    expect(parseMoney('12.3.4').ok).toBe(false);
  });
});
