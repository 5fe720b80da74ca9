import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { countRows, makeWorld, type World } from '../../testing';
import type { Actor } from '../core/context';
import { createAsset, transitionAsset } from '../assets/assets';
import { FIXTURES, hasFixtures, readFixture } from '../assets/test-fixtures';
import { addSoftware } from './software';
import { assessKev, catalogueStatus, cycleFor, eolExposure, importEol, importKev, kevExposure, parseEolFile } from './catalogues';
import { listAlerts } from '../alerts/alerts';
import { importFile } from '../assets/import/index';

let w: World;
let tech: Actor;
beforeEach(() => {
  w = makeWorld({});
  w.clock.set('2026-03-02T09:00:00Z');
  tech = w.user('technician', 'sam');
});
afterEach(() => w.dispose());

const eolFile = (slug: string, title: string, releases: string, ids = '') => ({
  name: `${slug}.md`,
  content: `---\ntitle: ${title}\ncategory: server-app\n${ids}\nreleases:\n${releases}\n---\n\n> text\n`,
});

describe('version cycles', () => {
  it('puts a version in the longest matching cycle', () => {
    expect(cycleFor('1.29.8-1.fc31', ['1.28', '1.29', '1'])).toBe('1.29');
    expect(cycleFor('1:2.7.18', ['2.7', '3.11'])).toBe('2.7');
    expect(cycleFor('3.110', ['3.11'])).toBeNull();
    expect(cycleFor('v18.20.4', ['18', '20'])).toBe('18');
    expect(cycleFor('12', ['12', '11'])).toBe('12');
  });
});

describe('end-of-life matching', () => {
  beforeEach(() => {
    const r = importEol(w.ctx(tech), [
      eolFile(
        'nginx',
        'nginx',
        `  - releaseCycle: "1.29"\n    eol: 2026-05-13\n    latest: "1.29.8"\n  - releaseCycle: "1.26"\n    eol: 2025-04-23\n    latest: "1.26.3"`,
        'identifiers:\n  - purl: pkg:deb/debian/nginx\n  - cpe: cpe:2.3:a:f5:nginx',
      ),
      eolFile('fedora', 'Fedora Linux', `  - releaseCycle: "31"\n    eol: 2020-11-24\n  - releaseCycle: "43"\n    eol: false`),
      eolFile('python', 'Python', `  - releaseCycle: "2.7"\n    eol: true\n  - releaseCycle: "3.12"\n    eol: 2028-10-31`),
    ]);
    expect(r).toEqual({ products: 3, releases: 6, errors: [] });
  });

  it('flags ended cycles only, with days past and the upgrade target', () => {
    const a = createAsset(w.ctx(tech), { tag: 'SRV-1', name: 'web', type: 'server' });
    addSoftware(w.ctx(tech), { assetId: a.id, name: 'nginx', version: '1.26.0-1' });
    addSoftware(w.ctx(tech), { assetId: a.id, name: 'Python', version: '2.7.18' });
    addSoftware(w.ctx(tech), { assetId: a.id, name: 'python', version: '3.12.1' });
    const b = createAsset(w.ctx(tech), { tag: 'SRV-2', name: 'web2' });
    addSoftware(w.ctx(tech), { assetId: b.id, name: 'nginx', version: '1.29.2' });
    const r = eolExposure(w.ctx(tech), { limit: 100 });
    expect(r.assets).toBe(1);
    expect(r.items.map((i) => [i.assetTag, i.product, i.cycle, i.eolDate, i.daysPastEol])).toEqual([
      ['SRV-1', 'nginx', '1.26', '2025-04-23', 313],
      ['SRV-1', 'python', '2.7', null, null],
    ]);
    expect(r.items[0]!.latest).toBe('1.26.3');
    // After the 1.29 end date the second server is flagged too.
    w.clock.set('2026-06-01T00:00:00Z');
    expect(eolExposure(w.ctx(tech), { limit: 100 }).assets).toBe(2);
  });

  it('retired assets are not exposed', () => {
    const a = createAsset(w.ctx(tech), { tag: 'OLD-1', name: 'old' });
    addSoftware(w.ctx(tech), { assetId: a.id, name: 'nginx', version: '1.26.0' });
    transitionAsset(w.ctx(tech), a.id, 'retired', 'Replaced');
    expect(eolExposure(w.ctx(tech), { limit: 100 }).items).toEqual([]);
  });

  it('a bad file is refused and nothing is stored', () => {
    const before = countRows(w.store, 'eol_releases');
    const r = importEol(w.ctx(tech), [eolFile('ok', 'OK', `  - releaseCycle: "1"\n    eol: false`), { name: 'broken.md', content: 'no front matter' }]);
    expect(r.errors).toEqual([{ file: 'broken.md', message: expect.stringMatching(/front matter/) }]);
    expect(countRows(w.store, 'eol_releases')).toBe(before);
  });
});

describe('KEV matching', () => {
  const kev = (entries: object[]) => JSON.stringify({ title: 'CISA Catalog of Known Exploited Vulnerabilities', catalogVersion: '2026.03.01', vulnerabilities: entries });
  const entry = (cve: string, vendorProject: string, product: string, extra: object = {}) => ({
    cveID: cve,
    vendorProject,
    product,
    vulnerabilityName: `${vendorProject} ${product} flaw`,
    dateAdded: '2026-01-10',
    dueDate: '2026-01-31',
    requiredAction: 'Apply mitigations per vendor instructions.',
    knownRansomwareCampaignUse: 'Known',
    ...extra,
  });

  it('matches on vendor and product words, never on a bare substring', () => {
    importKev(w.ctx(tech), kev([entry('CVE-2025-48384', 'Git', 'Git'), entry('CVE-2024-0001', 'Microsoft', 'Windows Server 2008'), entry('CVE-2024-0002', 'Apache', 'HTTP Server'), entry('CVE-2024-0003', 'Apache', 'Apache')]));
    const a = createAsset(w.ctx(tech), { tag: 'PC-1', name: 'dev box' });
    addSoftware(w.ctx(tech), { assetId: a.id, name: 'git', vendor: 'Fedora Project', version: '2.45.1' });
    addSoftware(w.ctx(tech), { assetId: a.id, name: 'gitg', vendor: 'Fedora Project', version: '3.32' });
    addSoftware(w.ctx(tech), { assetId: a.id, name: 'Microsoft Windows Server 2019 Standard', vendor: 'Microsoft Corporation', version: '10.0' });
    addSoftware(w.ctx(tech), { assetId: a.id, name: 'Apache HTTP Server', vendor: 'Apache Software Foundation', version: '2.4.58' });
    addSoftware(w.ctx(tech), { assetId: a.id, name: 'http server tools', vendor: 'Someone Else', version: '1' });
    addSoftware(w.ctx(tech), { assetId: a.id, name: 'apache-commons-io', vendor: 'Fedora Project', version: '2.4' });
    const r = kevExposure(w.ctx(tech), { limit: 50 });
    expect(r.items.map((i) => `${i.software} → ${i.cveId}`).sort()).toEqual(['Apache HTTP Server → CVE-2024-0002', 'git → CVE-2025-48384']);
    expect(r.items[0]).toMatchObject({ dueDate: '2026-01-31', requiredAction: 'Apply mitigations per vendor instructions.', knownRansomware: true });
    const alerts = listAlerts(w.ctx(tech), { horizonDays: 30, limit: 50 });
    expect(alerts.counts.kev_exposure).toBe(1);
    expect(alerts.items.find((x) => x.kind === 'kev_exposure')).toMatchObject({ severity: 'critical', recordId: a.id });
  });

  it('labels a match by product name alone as possible, with its reason', () => {
    importKev(w.ctx(tech), kev([entry('CVE-2024-0100', 'Google', 'Chromium'), entry('CVE-2024-0002', 'Apache', 'HTTP Server')]));
    const a = createAsset(w.ctx(tech), { tag: 'PC-2', name: 'kiosk' });
    addSoftware(w.ctx(tech), { assetId: a.id, name: 'chromium', vendor: 'Fedora Project', version: '55.0.2883.87' });
    addSoftware(w.ctx(tech), { assetId: a.id, name: 'Apache HTTP Server', vendor: 'Apache Software Foundation', version: '2.4.58' });
    const r = kevExposure(w.ctx(tech), { limit: 50 });
    const chromium = r.items.find((i) => i.cveId === 'CVE-2024-0100')!;
    expect(chromium.basis).toBe('name');
    expect(chromium.reason).toMatch(/^Possible: matched by the product name alone\. "chromium" is named like Google Chromium, but its publisher is Fedora Project/);
    const httpd = r.items.find((i) => i.cveId === 'CVE-2024-0002')!;
    expect(httpd.basis).toBe('vendor');
    expect(httpd.reason).toMatch(/publisher Apache Software Foundation/);
  });

  it('counts an asset once however many of its packages match, and a person can mark it not affected', () => {
    importKev(w.ctx(tech), kev([entry('CVE-2016-5195', 'Linux', 'Kernel')]));
    const a = createAsset(w.ctx(tech), { tag: 'SRV-9', name: 'build server' });
    for (const name of ['Linux Kernel', 'linux kernel core', 'linux kernel modules']) addSoftware(w.ctx(tech), { assetId: a.id, name, vendor: 'Fedora Project', version: '4.8.0' });
    let r = kevExposure(w.ctx(tech), { limit: 50 });
    expect(r.items).toHaveLength(3);
    expect(r.assets).toBe(1);
    expect(listAlerts(w.ctx(tech), { horizonDays: 30, limit: 50 }).counts.kev_exposure).toBe(1);

    assessKev(w.ctx(tech, 'software.assessKev'), { assetId: a.id, cveId: 'CVE-2016-5195', affected: false, note: 'Kernel 4.8.3 with the fix is running; the packages are old copies.' });
    r = kevExposure(w.ctx(tech), { limit: 50 });
    expect(r.assets).toBe(0);
    expect(r.items.every((i) => i.notAffected?.note === 'Kernel 4.8.3 with the fix is running; the packages are old copies.' && i.notAffected.byName === tech.displayName)).toBe(true);
    // The decision syncs as an entry in the asset's history.
    const op = w.store.sqlite.prepare("SELECT payload FROM pending_ops WHERE entity = 'asset_history' ORDER BY device_seq DESC LIMIT 1").pluck().get() as string;
    expect(JSON.parse(op)).toMatchObject({ asset_id: a.id, kind: 'vulnerability', field: 'CVE-2016-5195', to_value: 'not affected' });
    // The alert goes at once, not when the exposure cache expires.
    expect(listAlerts(w.ctx(tech), { horizonDays: 30, limit: 50 }).counts.kev_exposure).toBe(0);

    assessKev(w.ctx(tech, 'software.assessKev'), { assetId: a.id, cveId: 'CVE-2016-5195', affected: true });
    r = kevExposure(w.ctx(tech), { limit: 50 });
    expect(r.assets).toBe(1);
    expect(r.items.every((i) => i.notAffected === null)).toBe(true);
  });

  it('refuses a file that is not the catalogue, keeping the old one', () => {
    importKev(w.ctx(tech), kev([entry('CVE-2025-0001', 'Git', 'Git')]));
    expect(() => importKev(w.ctx(tech), '{"foo": 1}')).toThrow(/not the CISA KEV catalogue/);
    expect(() => importKev(w.ctx(tech), kev([entry('not-a-cve', 'A', 'B')]))).toThrow(/not valid/);
    expect(catalogueStatus(w.ctx(tech))).toMatchObject({ kevEntries: 1, kevVersion: '2026.03.01' });
  });
});

describe.runIf(hasFixtures)('real catalogues', () => {
  it('imports every endoflife.date file and the full KEV catalogue, and finds exposure in a real inventory', () => {
    const dir = path.join(FIXTURES, 'eol');
    const files = fs.readdirSync(dir).filter((f) => f.endsWith('.md')).map((f) => ({ name: f, content: fs.readFileSync(path.join(dir, f), 'utf8') }));
    const eol = importEol(w.ctx(tech), files);
    expect(eol.errors).toEqual([]);
    expect(eol.products).toBe(files.length);
    expect(parseEolFile('nginx.md', readFixture('eol/nginx.md')).matchNames).toContain('nginx');
    const k = importKev(w.ctx(tech), readFixture('vulnerabilities/cisa-kev.json'));
    expect(k.entries).toBe(1404);
    // A real Fedora 31 laptop (2020): the OS is long past end of life.
    const inv = importFile(w.ctx(tech, 'assets.import'), { format: 'glpi-inventory', content: readFixture('inventory/glpi-computer_1.json'), dryRun: false });
    expect(inv.errors).toEqual([]);
    const ex = eolExposure(w.ctx(tech), { limit: 5000 });
    expect(ex.items.some((i) => i.product === 'fedora' && i.cycle === '31')).toBe(true);
    const kv = kevExposure(w.ctx(tech), { limit: 5000 });
    expect(kv.items.every((i) => i.cveId.startsWith('CVE-'))).toBe(true);
  });
});

