import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { countRows, makeWorld, type World } from '../../testing';
import type { Actor } from '../core/context';
import { importFile } from '../assets/import/index';
import { createAsset, getAssetDetail } from '../assets/assets';
import { FIXTURES, hasFixtures, readFixture } from '../assets/test-fixtures';
import { factsOf, glpiSchemaValidator, parseAgentXml } from './glpi';
import { handleAgentPost } from './agent';
import { rotateAgentToken } from './tokens';

let w: World;
let tech: Actor;
beforeEach(() => {
  w = makeWorld();
  tech = w.user('technician', 'ivan');
});
afterEach(() => w.dispose());

const glpi = (content: string, dryRun = false) => importFile(w.ctx(tech, 'assets.import'), { format: 'glpi-inventory', content, dryRun });
const examples = hasFixtures ? fs.readdirSync(path.join(FIXTURES, 'inventory')).filter((f) => /^glpi-.*\.json$/.test(f) && !f.includes('schema')) : [];

describe.runIf(hasFixtures)('GLPI inventory examples', () => {
  it('the schema from the fixtures is used for validation', () => {
    expect(glpiSchemaValidator()).not.toBeNull();
  });

  it.each(examples)('%s imports, then matches itself on re-import', (file) => {
    const text = readFixture(`inventory/${file}`);
    const first = glpi(text);
    expect(first.errors).toEqual([]);
    expect(first).toMatchObject({ created: 1, updated: 0 });
    const doc = JSON.parse(text) as { deviceid: string; content: Record<string, unknown> };
    const facts = factsOf(doc);
    const tag = first.preview[0]!.tag as string;
    const a = getAssetDetail(w.ctx(tech), { tag });
    expect(a.serial).toBe(facts.serial);
    expect(a.hardware).not.toBeNull();
    expect(a.software.length).toBe(new Set(facts.software.map((s) => `${s.name.toLowerCase()}|${s.version}`)).size);
    expect(a.timeline.some((t) => t.kind === 'inventory')).toBe(true);
    const again = glpi(text);
    expect(again).toMatchObject({ created: 0, updated: 1 });
    expect(countRows(w.store, 'assets')).toBe(1);
  });

  it('reads hardware facts from a real laptop inventory', () => {
    const doc = JSON.parse(readFixture('inventory/glpi-computer_1.json')) as { deviceid: string; content: Record<string, unknown> };
    const f = factsOf(doc);
    expect(f).toMatchObject({ name: 'glpixps', serial: '640HP72', uuid: '4c4c4544-0034-3010-8048-b6c04f503732', manufacturer: 'Dell Inc.', model: 'XPS 13 9350', type: 'laptop' });
    expect(f.hardware).toMatchObject({ os: 'Fedora 31 (Workstation Edition)', memoryMb: 7800, lastUser: 'root' });
    expect(f.hardware.ipAddresses).not.toContain('127.0.0.1');
  });

  it('matches an existing asset on serial first, then UUID, then name', () => {
    const text = readFixture('inventory/glpi-computer_1.json');
    const bySerial = createAsset(w.ctx(tech), { tag: 'AST-1', name: 'Some laptop', serial: '640HP72' });
    expect(glpi(text)).toMatchObject({ created: 0, updated: 1 });
    expect(getAssetDetail(w.ctx(tech), { id: bySerial.id }).uuid).toBe('4c4c4544-0034-3010-8048-b6c04f503732');

    const computer2 = readFixture('inventory/glpi-computer_2.json');
    const byName = createAsset(w.ctx(tech), { tag: 'AST-2', name: 'comp1' });
    const r = glpi(computer2);
    expect(r).toMatchObject({ created: 0, updated: 1 });
    expect(getAssetDetail(w.ctx(tech), { id: byName.id }).serial).toBe('2FAGP34');
  });

  it('an inventory that breaks the schema is refused with its path, and nothing is written', () => {
    const doc = JSON.parse(readFixture('inventory/glpi-computer_2.json')) as Record<string, unknown>;
    doc.itemtype = 'Toaster';
    const before = countRows(w.store, 'assets');
    const r = glpi(JSON.stringify(doc));
    expect(r.errors[0]).toMatchObject({ row: 1, column: '/itemtype' });
    expect(countRows(w.store, 'assets')).toBe(before);
    expect(glpi('{ not json').errors[0]!.message).toMatch(/not valid JSON/);
  });
});

describe('OCS / FusionInventory agent protocol', () => {
  const prolog = '<?xml version="1.0" encoding="UTF-8" ?><REQUEST><DEVICEID>pc-42-2026-03-02</DEVICEID><QUERY>PROLOG</QUERY><TOKEN>12345678</TOKEN></REQUEST>';
  const inventory = `<?xml version="1.0" encoding="UTF-8" ?>
<REQUEST><CONTENT>
  <HARDWARE><NAME>PC-42</NAME><UUID>1111-2222</UUID><MEMORY>16000</MEMORY><CHASSIS_TYPE>Desktop</CHASSIS_TYPE></HARDWARE>
  <BIOS><SSN>SN-PC42</SSN><SMANUFACTURER>Lenovo</SMANUFACTURER><SMODEL>ThinkCentre M70q</SMODEL></BIOS>
  <OPERATINGSYSTEM><FULL_NAME>Debian GNU/Linux 12 (bookworm)</FULL_NAME><NAME>Debian</NAME><VERSION>12</VERSION></OPERATINGSYSTEM>
  <SOFTWARES><NAME>openssl</NAME><VERSION>3.0.11-1</VERSION><PUBLISHER>Debian</PUBLISHER></SOFTWARES>
  <SOFTWARES><NAME>nginx</NAME><VERSION>1.22.1-9</VERSION></SOFTWARES>
  <VERSIONCLIENT>FusionInventory-Agent_v2.6</VERSIONCLIENT>
</CONTENT><DEVICEID>pc-42-2026-03-02</DEVICEID><QUERY>INVENTORY</QUERY></REQUEST>`;

  it('parses the XML into the GLPI shape', () => {
    const r = parseAgentXml(inventory);
    expect(r.query).toBe('INVENTORY');
    const f = factsOf(r.doc!);
    expect(f).toMatchObject({ name: 'PC-42', serial: 'SN-PC42', uuid: '1111-2222', type: 'desktop' });
    expect(f.software.map((s) => s.name)).toEqual(['openssl', 'nginx']);
  });

  it('needs the site token, answers PROLOG with SEND and imports INVENTORY', () => {
    const base = { store: w.store, clock: w.clock };
    expect(handleAgentPost(base, zlib.deflateSync(prolog), 'wrong').status).toBe(401);
    const { token } = rotateAgentToken(w.ctx(w.admin), w.siteId);
    const p = handleAgentPost(base, zlib.deflateSync(prolog), token);
    expect(p.status).toBe(200);
    expect(zlib.inflateSync(p.body).toString()).toBe('<?xml version="1.0" encoding="UTF-8"?><REPLY><PROLOG_FREQ>24</PROLOG_FREQ><RESPONSE>SEND</RESPONSE></REPLY>');
    const i = handleAgentPost(base, zlib.deflateSync(inventory), token);
    expect(i.status).toBe(200);
    const a = getAssetDetail(w.ctx(tech), { tag: 'INV-SN-PC42' });
    expect(a).toMatchObject({ name: 'PC-42', manufacturer: 'Lenovo', status: 'deployed', siteId: w.siteId });
    expect(a.software).toHaveLength(2);
    // A partial report without a software section leaves the list alone.
    handleAgentPost(base, zlib.deflateSync(inventory.replace(/<SOFTWARES>.*?<\/SOFTWARES>/gs, '')), token);
    expect(getAssetDetail(w.ctx(tech), { tag: 'INV-SN-PC42' }).software).toHaveLength(2);
    // A second report with one title gone removes it from the list.
    handleAgentPost(base, zlib.deflateSync(inventory.replace(/<SOFTWARES><NAME>nginx.*?<\/SOFTWARES>/s, '')), token);
    expect(getAssetDetail(w.ctx(tech), { tag: 'INV-SN-PC42' }).software.map((s) => s.name)).toEqual(['openssl']);
  });
});
