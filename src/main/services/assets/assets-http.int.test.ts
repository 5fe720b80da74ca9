/**
 * Issue 4's calls over the real browser host: Snipe-IT import, list/get, check-out, an audit run by
 * the auditor role, labels and reports, and an inventory agent posting zlib XML (PROLOG, then
 * INVENTORY) to /inventory/agent exactly as fusioninventory-agent does.
 */
import zlib from 'node:zlib';
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRuntime, type StartedRuntime } from '../../runtime';
import { startHost, type Host } from '../../host/server';
import { tempDir } from '../../testing';
import { hasFixtures, readFixture } from './test-fixtures';

let tmp: ReturnType<typeof tempDir>;
let rt: StartedRuntime;
let host: Host;
const tokens = { admin: '', tech: '', auditor: '', requester: '' };
const ids = { site: '', room: '', building: '', asset: '', auditor: '', requester: '', ticket: '', product: '', entitlement: '', maintenance: '', software: '' };

interface Reply<T = unknown> {
  status: number;
  body: { ok: boolean; value: T; error?: { code: string; message: string } };
}

async function post<T = Record<string, unknown>>(name: string, input: unknown, token: string): Promise<Reply<T>> {
  const res = await fetch(`${host.url}/api/${name}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify(input),
  });
  return { status: res.status, body: (await res.json()) as Reply<T>['body'] };
}

async function ok<T = Record<string, unknown>>(name: string, input: unknown, token: string): Promise<T> {
  const r = await post<T>(name, input, token);
  expect(r.body.error, `${name}: ${JSON.stringify(r.body.error)}`).toBeUndefined();
  expect(r.status).toBe(200);
  return r.body.value;
}

/** What an agent does: POST a zlib body with no browser headers, to whatever host name it was given. */
function agentPost(path: string, body: Buffer, hostHeader = `10.0.0.5:${host.port}`): Promise<{ status: number; body: Buffer; type: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port: host.port, method: 'POST', path, headers: { host: hostHeader, 'content-type': 'application/x-compress', 'user-agent': 'FusionInventory-Agent_v2.6' } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks), type: String(res.headers['content-type']) }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

beforeAll(async () => {
  tmp = tempDir('outpost-assets-http-');
  rt = startRuntime({ dataDir: tmp.dir });
  host = await startHost(rt, { port: 0, staticDir: null });
  const init = await post<{ token: string }>('setup.init', { admin: { username: 'admin', displayName: 'Ada Admin', password: 'password123' }, site: { name: 'HQ' } }, '');
  tokens.admin = init.body.value.token;
  ids.site = (await ok<{ items: { id: string }[] }>('sites.list', {}, tokens.admin)).items[0]!.id;
  for (const [role, name] of [
    ['technician', 'tech'],
    ['auditor', 'auditor'],
    ['requester', 'requester'],
  ] as const) {
    const u = await ok<{ id: string }>('users.create', { username: name, displayName: name, role, password: 'password123', siteIds: [ids.site] }, tokens.admin);
    if (name === 'auditor') ids.auditor = u.id;
    if (name === 'requester') ids.requester = u.id;
    tokens[name] = (await ok<{ token: string }>('session.login', { username: name, password: 'password123' }, '')).token;
  }
});

afterAll(async () => {
  await host?.close();
  rt?.close();
  tmp?.cleanup();
});

describe('register over HTTP', () => {
  it('roles: requesters see none of it; auditors read but do not write', async () => {
    expect((await post('assets.list', {}, tokens.requester)).status).toBe(403);
    expect((await post('audits.start', { locationId: '00000000-0000-7000-8000-000000000000' }, tokens.requester)).status).toBe(403);
    expect((await post('assets.list', {}, tokens.auditor)).status).toBe(200);
    expect((await post('assets.create', { tag: 'X', name: 'x' }, tokens.auditor)).status).toBe(403);
    expect((await post('assets.import', { format: 'snipe-it-assets', content: 'Asset Tag\nA\n' }, tokens.auditor)).status).toBe(403);
  });

  it('a bad file: row errors, nothing written', async () => {
    const r = await ok<{ created: number; errors: { row: number; column: string; message: string }[] }>(
      'assets.import',
      { format: 'snipe-it-assets', content: 'Asset Tag,Name,Status\nA-1,One,ready to deploy\nA-2,Two,on fire\n' },
      tokens.tech,
    );
    expect(r.created).toBe(0);
    // An unknown status would be a new team label, which only an administrator may add.
    expect(r.errors).toEqual([{ row: 0, column: 'Status', message: expect.stringMatching(/Only an administrator can add status labels: "on fire"/) }]);
    expect((await ok<{ total: number }>('assets.list', { withTotal: true }, tokens.tech)).total).toBe(0);
  });

  it.runIf(hasFixtures)('imports the Snipe-IT sample unchanged (preview first), then lists, gets and checks out', async () => {
    const content = readFixture('snipe-it/assets-sample.csv');
    // The sample checks assets out to people Outpost does not know yet: only an administrator may create them.
    const preview = await ok<{ created: number; errors: unknown[]; dryRun: boolean }>('assets.import', { format: 'snipe-it-assets', content, dryRun: true }, tokens.admin);
    expect(preview).toMatchObject({ errors: [], dryRun: true });
    expect((await ok<{ total: number }>('assets.list', { withTotal: true }, tokens.tech)).total).toBe(0);
    const r = await ok<{ created: number; updated: number; errors: unknown[] }>('assets.import', { format: 'snipe-it-assets', content }, tokens.admin);
    expect(r).toMatchObject({ created: preview.created, updated: 0, errors: [] });
    const page = await ok<{ items: { id: string; tag: string }[]; nextCursor: string | null }>('assets.list', { limit: 5 }, tokens.auditor);
    expect(page.items).toHaveLength(5);
    const next = await ok<{ items: { tag: string }[] }>('assets.list', { limit: 5, cursor: page.nextCursor }, tokens.auditor);
    expect(next.items[0]!.tag > page.items[4]!.tag).toBe(true);
    const byTag = await ok<{ id: string; name: string }>('assets.get', { tag: 'ICC-2065556' }, tokens.auditor);
    expect(byTag.name).toBe('Backhoe');
    ids.asset = byTag.id;
    expect((await ok<{ tag: string }>('assets.get', { id: byTag.id }, tokens.tech)).tag).toBe('ICC-2065556');
    expect((await post('assets.get', { tag: 'NOPE' }, tokens.tech)).status).toBe(404);
    const out = await ok<{ status: string; assignedToId: string }>('assets.checkout', { id: byTag.id, assignedToId: ids.requester, expectedReturn: '2099-01-01' }, tokens.tech);
    expect(out).toMatchObject({ status: 'deployed', assignedToId: ids.requester });
    expect((await ok<{ status: string }>('assets.checkin', { id: byTag.id }, tokens.tech)).status).toBe('in_stock');
    const hits = await ok<{ items: { tag: string }[] }>('assets.search', { text: 'Backhoe' }, tokens.tech);
    expect(hits.items.map((h) => h.tag)).toContain('ICC-2065556');
    const csv = await ok<{ content: string; rows: number }>('assets.export', {}, tokens.auditor);
    expect(csv.rows).toBe(r.created);
    expect(csv.content).toContain('ICC-2065556');
    const inspected = await ok<{ detectedFormat: string }>('assets.inspectCsv', { content }, tokens.tech);
    expect(inspected.detectedFormat).toBe('snipe-it-assets');
  });

  it('create, update, transition, relate, link, bulk, locations', async () => {
    const b = await ok<{ id: string }>('locations.create', { name: 'Main', kind: 'building' }, tokens.tech);
    ids.building = b.id;
    ids.room = (await ok<{ id: string }>('locations.create', { name: 'Room 1', kind: 'room', parentId: b.id }, tokens.tech)).id;
    expect((await ok<{ name: string }>('locations.update', { id: ids.room, fields: { name: 'Room 101' } }, tokens.tech)).name).toBe('Room 101');
    expect((await ok<{ items: { path: string }[] }>('locations.list', {}, tokens.auditor)).items.map((l) => l.path)).toContain('HQ › Main › Room 101');
    await ok('assets.saveFieldDefs', { category: 'Laptops', fields: [{ key: 'ram', label: 'RAM (GB)', type: 'number', required: true }] }, tokens.admin);
    expect((await ok<{ items: { category: string }[] }>('assets.fieldDefs', {}, tokens.auditor)).items.map((c) => c.category)).toEqual(['Laptops']);
    const noRam = await post('assets.create', { tag: 'AUD-0', name: 'Laptop 0', category: 'Laptops' }, tokens.tech);
    expect(noRam.status).toBe(400);
    expect(noRam.body.error?.message).toBe('RAM (GB): required for this category.');
    const a1 = await ok<{ id: string }>('assets.create', { tag: 'AUD-1', name: 'Laptop 1', type: 'laptop', category: 'Laptops', customFields: { ram: 16 }, locationId: ids.room }, tokens.tech);
    const a2 = await ok<{ id: string }>('assets.create', { tag: 'AUD-2', name: 'Laptop 2', type: 'laptop', locationId: ids.room }, tokens.tech);
    await ok('assets.create', { tag: 'AUD-3', name: 'Dock', type: 'peripheral', locationId: ids.room }, tokens.tech);
    expect((await ok<{ serial: string }>('assets.update', { id: a1.id, fields: { serial: 'SER-1' } }, tokens.tech)).serial).toBe('SER-1');
    const rel = await ok<{ id: string }>('assets.relate', { id: a2.id, otherId: a1.id, kind: 'connected_to' }, tokens.tech);
    expect(await ok('assets.unrelate', { relationId: rel.id }, tokens.tech)).toEqual({ done: true });
    const t = await ok<{ id: string }>('tickets.create', { type: 'incident', title: 'Laptop 1 fan noise' }, tokens.tech);
    ids.ticket = t.id;
    expect(await ok('assets.linkTicket', { id: a1.id, ticketId: t.id }, tokens.tech)).toEqual({ done: true });
    const bulk = await ok<{ updated: number }>('assets.bulk', { targets: { tags: ['AUD-1', 'AUD-2'] }, action: { kind: 'status', to: 'in_repair' } }, tokens.tech);
    expect(bulk.updated).toBe(2);
    expect((await ok<{ status: string }>('assets.transition', { id: a1.id, to: 'in_stock' }, tokens.tech)).status).toBe('in_stock');
    await ok('assets.transition', { id: a2.id, to: 'in_stock' }, tokens.tech);
  });

  it('the auditor runs a room audit: found, missing, unexpected, unknown, undo, relocate, close, reports', async () => {
    const stray = await ok<{ id: string }>('assets.create', { tag: 'STRAY-1', name: 'Monitor', locationId: ids.building }, tokens.tech);
    const start = await ok<{ id: string; expected: number }>('audits.start', { locationId: ids.room }, tokens.auditor);
    expect(start.expected).toBe(3);
    const scan = (tag: string) => ok<{ result: string; scan: { id: string } }>('audits.scan', { auditId: start.id, tag }, tokens.auditor);
    expect((await scan('AUD-1')).result).toBe('found');
    expect((await scan('aud-1')).result).toBe('duplicate');
    expect((await scan('AUD-2')).result).toBe('found');
    const u = await scan('STRAY-1');
    expect(u.result).toBe('unexpected');
    expect((await scan('NO-SUCH-TAG')).result).toBe('unknown');
    expect((await scan('AUD-3')).result).toBe('found');
    const undone = await ok<{ undone: { tag: string } }>('audits.undo', { auditId: start.id }, tokens.auditor);
    expect(undone.undone.tag).toBe('AUD-3');
    await ok('audits.relocate', { auditId: start.id, scanId: u.scan.id }, tokens.auditor);
    expect((await ok<{ locationId: string }>('assets.get', { id: stray.id }, tokens.auditor)).locationId).toBe(ids.room);
    const detail = await ok<{ scans: unknown[]; expected: unknown[] }>('audits.get', { id: start.id }, tokens.auditor);
    expect(detail.expected).toHaveLength(3);
    const closed = await ok<{ found: number; missing: number; unexpected: number; unknown: number }>('audits.close', { auditId: start.id, signedOffBy: 'A. Auditor' }, tokens.auditor);
    expect(closed).toMatchObject({ found: 2, missing: 1, unexpected: 1, unknown: 1 });
    expect((await ok<{ items: { status: string }[] }>('audits.list', { status: 'closed' }, tokens.auditor)).items).toHaveLength(1);
    const csv = await ok<{ content: string; chainHead: string }>('audits.report', { auditId: start.id, format: 'csv' }, tokens.auditor);
    expect(csv.chainHead).toMatch(/^[0-9a-f]{64}$/);
    expect(csv.content).toContain('missing,AUD-3');
    const pdf = await ok<{ content: string }>('audits.report', { auditId: start.id, format: 'pdf' }, tokens.auditor);
    expect(Buffer.from(pdf.content, 'base64').subarray(0, 5).toString()).toBe('%PDF-');
    const labels = await ok<{ content: string; pages: number }>('labels.render', { layout: 'avery-l7651', tags: ['AUD-1', 'AUD-2'] }, tokens.auditor);
    expect(labels.pages).toBe(1);
    expect((await ok<{ items: unknown[] }>('labels.layouts', {}, tokens.auditor)).items).toHaveLength(3);
  });
});

describe('licences, software, catalogues and alerts over HTTP', () => {
  it('products, entitlements, seats, compliance, renewals', async () => {
    const p = await ok<{ id: string }>('licences.createProduct', { name: 'Visio', vendor: 'Microsoft' }, tokens.tech);
    ids.product = p.id;
    expect((await ok<{ vendor: string }>('licences.updateProduct', { id: p.id, fields: { matchNames: ['microsoft visio'] } }, tokens.tech)).vendor).toBe('Microsoft');
    expect((await ok<{ items: unknown[] }>('licences.products', {}, tokens.auditor)).items).toHaveLength(1);
    const e = await ok<{ id: string }>('licences.create', { productId: p.id, type: 'per_device', seats: 2, cost: 400, endDate: '2099-01-01' }, tokens.tech);
    ids.entitlement = e.id;
    expect((await ok<{ seats: number }>('licences.update', { id: e.id, fields: { seats: 3 } }, tokens.tech)).seats).toBe(3);
    const asg = await ok<{ id: string }>('licences.assign', { entitlementId: e.id, assetId: ids.asset || (await ok<{ id: string }>('assets.get', { tag: 'AUD-1' }, tokens.tech)).id }, tokens.tech);
    expect((await ok<{ assignments: unknown[] }>('licences.get', { id: e.id }, tokens.auditor)).assignments).toHaveLength(1);
    expect((await ok<{ items: unknown[] }>('licences.list', {}, tokens.auditor)).items).toHaveLength(1);
    const c = await ok<{ items: { status: string; gap: number }[] }>('licences.compliance', {}, tokens.auditor);
    expect(c.items[0]).toMatchObject({ status: 'over', gap: 2 });
    expect(await ok('licences.unassign', { assignmentId: asg.id }, tokens.tech)).toEqual({ done: true });
    expect((await ok<{ items: unknown[] }>('licences.renewals', { days: 90 }, tokens.auditor)).items).toEqual([]);
  });

  it('installed software, maintenance, catalogues, exposure, alerts', async () => {
    const asset = await ok<{ id: string }>('assets.get', { tag: 'AUD-1' }, tokens.tech);
    const s = await ok<{ id: string }>('software.add', { assetId: asset.id, name: 'nginx', version: '1.26.1' }, tokens.tech);
    ids.software = s.id;
    await ok('software.add', { assetId: asset.id, name: 'git', vendor: 'Git', version: '2.40.0' }, tokens.tech);
    expect((await ok<{ items: unknown[] }>('software.installed', { assetId: asset.id }, tokens.auditor)).items).toHaveLength(2);
    expect((await ok<{ items: { name: string }[] }>('software.titles', {}, tokens.auditor)).items.map((t) => t.name)).toEqual(['git', 'nginx']);
    const m = await ok<{ id: string; status: string }>('maintenance.create', { assetId: asset.id, kind: 'upgrade', title: 'nginx to 1.28', software: 'nginx', fromVersion: '1.26.1', toVersion: '1.28.0', ticketId: ids.ticket }, tokens.tech);
    expect(m.status).toBe('planned');
    expect((await ok<{ status: string; performedByName: string }>('maintenance.update', { id: m.id, fields: { status: 'applied' } }, tokens.tech)).performedByName).toBe('tech');
    expect((await ok<{ items: unknown[] }>('maintenance.list', { assetId: asset.id }, tokens.auditor)).items).toHaveLength(1);
    const eol = await ok<{ products: number }>('software.importEol', { files: [{ name: 'nginx.md', content: '---\ntitle: nginx\nreleases:\n  - releaseCycle: "1.26"\n    eol: 2025-04-23\n---\n' }] }, tokens.tech);
    expect(eol.products).toBe(1);
    const kev = { catalogVersion: '1', vulnerabilities: [{ cveID: 'CVE-2025-48384', vendorProject: 'Git', product: 'Git', dateAdded: '2025-08-25', dueDate: '2025-09-15', requiredAction: 'Update.', knownRansomwareCampaignUse: 'Unknown' }] };
    expect((await ok<{ entries: number }>('software.importKev', { content: JSON.stringify(kev) }, tokens.tech)).entries).toBe(1);
    expect((await ok<{ kevEntries: number; eolProducts: number }>('software.catalogues', {}, tokens.auditor))).toMatchObject({ kevEntries: 1, eolProducts: 1 });
    expect((await ok<{ assets: number }>('software.eolExposure', {}, tokens.auditor)).assets).toBe(1);
    expect((await ok<{ items: { cveId: string }[] }>('software.kevExposure', {}, tokens.auditor)).items[0]!.cveId).toBe('CVE-2025-48384');
    const alerts = await ok<{ counts: Record<string, number> }>('alerts.list', {}, tokens.auditor);
    expect(alerts.counts).toMatchObject({ eol_software: 1, kev_exposure: 1 });
    expect((await ok<{ total: number }>('alerts.count', {}, tokens.tech)).total).toBeGreaterThanOrEqual(2);
    expect(await ok('software.remove', { id: s.id }, tokens.tech)).toEqual({ done: true });
  });
});

describe('inventory agent endpoint', () => {
  const prolog = '<?xml version="1.0" encoding="UTF-8" ?>\n<REQUEST>\n  <DEVICEID>ws-17-2026-03-02-10-00-00</DEVICEID>\n  <QUERY>PROLOG</QUERY>\n  <TOKEN>12345678</TOKEN>\n</REQUEST>\n';
  const inventory = `<?xml version="1.0" encoding="UTF-8" ?>
<REQUEST>
  <CONTENT>
    <BIOS><BDATE>2023-01-05</BDATE><BMANUFACTURER>LENOVO</BMANUFACTURER><BVERSION>M3JKT3AA</BVERSION><SMANUFACTURER>LENOVO</SMANUFACTURER><SMODEL>ThinkPad T14</SMODEL><SSN>PF3ABCDE</SSN></BIOS>
    <HARDWARE><NAME>ws-17</NAME><UUID>8d3a2f10-1111-2222-3333-444455556666</UUID><MEMORY>15700</MEMORY><CHASSIS_TYPE>Notebook</CHASSIS_TYPE><LASTLOGGEDUSER>jdoe</LASTLOGGEDUSER></HARDWARE>
    <OPERATINGSYSTEM><FULL_NAME>Debian GNU/Linux 12 (bookworm)</FULL_NAME><NAME>Debian</NAME><VERSION>12</VERSION><KERNEL_VERSION>6.1.0-18-amd64</KERNEL_VERSION></OPERATINGSYSTEM>
    <CPUS><NAME>AMD Ryzen 7 PRO 5850U</NAME><CORE>8</CORE></CPUS>
    <NETWORKS><DESCRIPTION>wlp3s0</DESCRIPTION><IPADDRESS>192.168.1.44</IPADDRESS><MACADDR>aa:bb:cc:dd:ee:ff</MACADDR></NETWORKS>
    <SOFTWARES><NAME>git</NAME><PUBLISHER>Debian Git Maintainers</PUBLISHER><VERSION>1:2.39.2-1.1</VERSION></SOFTWARES>
    <SOFTWARES><NAME>firefox-esr</NAME><VERSION>115.8.0esr-1~deb12u1</VERSION></SOFTWARES>
    <VERSIONCLIENT>FusionInventory-Agent_v2.6</VERSIONCLIENT>
  </CONTENT>
  <DEVICEID>ws-17-2026-03-02-10-00-00</DEVICEID>
  <QUERY>INVENTORY</QUERY>
</REQUEST>
`;

  it('refuses a missing token, answers PROLOG with SEND, imports the INVENTORY', async () => {
    const none = await agentPost('/inventory/agent', zlib.deflateSync(prolog));
    expect(none.status).toBe(401);
    const tokensList = await ok<{ items: { siteId: string; token: string | null }[] }>('inventory.tokens', {}, tokens.admin);
    expect(tokensList.items[0]!.token).toBeNull();
    const { token } = await ok<{ token: string }>('inventory.rotateToken', { siteId: ids.site }, tokens.admin);
    const p = await agentPost(`/inventory/agent?token=${token}`, zlib.deflateSync(prolog));
    expect(p.status).toBe(200);
    expect(zlib.inflateSync(p.body).toString()).toBe('<?xml version="1.0" encoding="UTF-8"?><REPLY><PROLOG_FREQ>24</PROLOG_FREQ><RESPONSE>SEND</RESPONSE></REPLY>');
    const i = await agentPost(`/inventory/agent?token=${token}`, zlib.deflateSync(inventory));
    expect(i.status).toBe(200);
    expect(zlib.inflateSync(i.body).toString()).toContain('<REPLY>');
    const a = await ok<{ name: string; serial: string; type: string; hardware: { os: string; memoryMb: number }; software: { name: string }[] }>('assets.get', { tag: 'INV-PF3ABCDE' }, tokens.tech);
    expect(a).toMatchObject({ name: 'ws-17', serial: 'PF3ABCDE', type: 'laptop' });
    expect(a.hardware).toMatchObject({ os: 'Debian GNU/Linux 12 (bookworm)', memoryMb: 15700 });
    expect(a.software.map((s) => s.name).sort()).toEqual(['firefox-esr', 'git']);
    // The next run matches the same asset (serial) instead of creating another.
    await agentPost(`/inventory/agent?token=${token}`, zlib.deflateSync(inventory));
    expect((await ok<{ total: number }>('assets.list', { filter: { text: 'PF3ABCDE' }, withTotal: true }, tokens.tech)).total).toBe(1);
    expect((await ok<{ items: { lastReportAt: string | null }[] }>('inventory.tokens', {}, tokens.admin)).items[0]!.lastReportAt).not.toBeNull();
  });

  it.runIf(hasFixtures)('accepts a GLPI JSON inventory through assets.import', async () => {
    const r = await ok<{ created: number; errors: unknown[] }>('assets.import', { format: 'glpi-inventory', content: readFixture('inventory/glpi-printer_1.json') }, tokens.tech);
    expect(r).toMatchObject({ created: 1, errors: [] });
  });
});
