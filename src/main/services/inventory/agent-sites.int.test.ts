/**
 * Inventory agent tokens stay inside their site, over the real browser host: site A's token posting
 * an inventory that carries a site-B serial (or hardware UUID) is refused and the site-B asset is
 * left exactly as it was; a name used in site B is no match for site A.
 */
import zlib from 'node:zlib';
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRuntime, type StartedRuntime } from '../../runtime';
import { startHost, type Host } from '../../host/server';
import { tempDir } from '../../testing';

let tmp: ReturnType<typeof tempDir>;
let rt: StartedRuntime;
let host: Host;
let admin = '';
const site = { a: '', b: '' };
const agentToken = { a: '', b: '' };

async function call<T>(name: string, input: unknown, token = admin): Promise<T> {
  const res = await fetch(`${host.url}/api/${name}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify(input),
  });
  const body = (await res.json()) as { ok: boolean; value: T; error?: { message: string } };
  if (!body.ok) throw new Error(`${name}: ${body.error?.message}`);
  return body.value;
}

/** Posts as an agent does: a zlib body, no browser headers. */
function agentPost(token: string, body: Buffer): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port: host.port,
        method: 'POST',
        path: `/inventory/agent?token=${token}`,
        headers: { host: `10.0.0.5:${host.port}`, 'content-type': 'application/x-compress', 'user-agent': 'FusionInventory-Agent_v2.6' },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const raw = Buffer.concat(chunks);
          let text: string;
          try {
            text = zlib.inflateSync(raw).toString();
          } catch {
            text = raw.toString();
          }
          resolve({ status: res.statusCode ?? 0, text });
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

function inventoryXml(o: { name: string; serial?: string; uuid?: string; software: string[] }): Buffer {
  return zlib.deflateSync(`<?xml version="1.0" encoding="UTF-8" ?>
<REQUEST>
  <CONTENT>
    <BIOS><SMANUFACTURER>LENOVO</SMANUFACTURER><SMODEL>ThinkPad T14</SMODEL>${o.serial ? `<SSN>${o.serial}</SSN>` : ''}</BIOS>
    <HARDWARE><NAME>${o.name}</NAME>${o.uuid ? `<UUID>${o.uuid}</UUID>` : ''}<MEMORY>16000</MEMORY><CHASSIS_TYPE>Notebook</CHASSIS_TYPE></HARDWARE>
    <OPERATINGSYSTEM><FULL_NAME>Debian GNU/Linux 12 (bookworm)</FULL_NAME></OPERATINGSYSTEM>
    ${o.software.map((s) => `<SOFTWARES><NAME>${s}</NAME><VERSION>1.0</VERSION></SOFTWARES>`).join('')}
    <VERSIONCLIENT>FusionInventory-Agent_v2.6</VERSIONCLIENT>
  </CONTENT>
  <DEVICEID>${o.name}-2026-03-02-10-00-00</DEVICEID>
  <QUERY>INVENTORY</QUERY>
</REQUEST>
`);
}

interface AssetView {
  id: string;
  siteId: string;
  name: string;
  serial: string | null;
  software: { name: string }[];
  [k: string]: unknown;
}

const assetsNamed = async (text: string) =>
  (await call<{ items: AssetView[] }>('assets.list', { filter: { text }, withTotal: true })).items;

beforeAll(async () => {
  tmp = tempDir('outpost-agent-sites-');
  rt = startRuntime({ dataDir: tmp.dir });
  host = await startHost(rt, { port: 0, staticDir: null });
  admin = (
    await call<{ token: string }>(
      'setup.init',
      { admin: { username: 'admin', displayName: 'Ada Admin', password: 'password123' }, site: { name: 'Site A' } },
      '',
    )
  ).token;
  site.a = (await call<{ items: { id: string }[] }>('sites.list', {})).items[0]!.id;
  site.b = (await call<{ id: string }>('sites.create', { name: 'Site B' })).id;
  agentToken.a = (await call<{ token: string }>('inventory.rotateToken', { siteId: site.a })).token;
  agentToken.b = (await call<{ token: string }>('inventory.rotateToken', { siteId: site.b })).token;
  // Site B's own agent reports its laptop.
  const r = await agentPost(
    agentToken.b,
    inventoryXml({ name: 'ws-b-1', serial: 'SERIAL-B-0001', uuid: '11111111-2222-3333-4444-555555555555', software: ['Office'] }),
  );
  expect(r.status).toBe(200);
});

afterAll(async () => {
  await host?.close();
  rt?.close();
  tmp?.cleanup();
});

describe('inventory agent tokens and sites', () => {
  it("site A's token cannot change a site-B asset by its serial: refused, and the asset is unchanged", async () => {
    const [before] = await assetsNamed('SERIAL-B-0001');
    expect(before).toMatchObject({ siteId: site.b, name: 'ws-b-1' });
    const full = await call<AssetView>('assets.get', { id: before!.id });
    expect(full.software.map((s) => s.name)).toEqual(['Office']);

    const r = await agentPost(agentToken.a, inventoryXml({ name: 'ws-b-1', serial: 'SERIAL-B-0001', software: ['Backdoor'] }));
    expect(r.status).toBe(400);
    expect(r.text).toContain('Serial number SERIAL-B-0001 belongs to an asset of another site');

    const after = await call<AssetView>('assets.get', { id: before!.id });
    expect(after).toEqual(full);
    expect(after.software.map((s) => s.name)).toEqual(['Office']);
    // Nothing was created in site A either.
    expect((await assetsNamed('SERIAL-B-0001')).map((a) => a.siteId)).toEqual([site.b]);
  });

  it('the same holds for a hardware UUID and for a GLPI JSON post', async () => {
    const [b] = await assetsNamed('SERIAL-B-0001');
    const full = await call<AssetView>('assets.get', { id: b!.id });
    const byUuid = await agentPost(
      agentToken.a,
      inventoryXml({ name: 'renamed', uuid: '11111111-2222-3333-4444-555555555555', software: ['Backdoor'] }),
    );
    expect(byUuid.status).toBe(400);
    expect(byUuid.text).toContain('Hardware UUID 11111111-2222-3333-4444-555555555555 belongs to an asset of another site');
    const json = zlib.deflateSync(
      JSON.stringify({
        deviceid: 'ws-b-1-json',
        itemtype: 'Computer',
        content: {
          versionclient: 'GLPI-Agent_v1.7',
          bios: { ssn: 'SERIAL-B-0001' },
          hardware: { name: 'ws-b-1' },
          softwares: [{ name: 'Backdoor' }],
        },
      }),
    );
    const byJson = await agentPost(agentToken.a, json);
    expect(byJson.status).toBe(400);
    expect(byJson.text).toContain('belongs to an asset of another site');
    expect(await call<AssetView>('assets.get', { id: b!.id })).toEqual(full);
  });

  it("a name used in site B is no match for site A's agent: it gets its own asset in site A", async () => {
    const r = await agentPost(agentToken.a, inventoryXml({ name: 'ws-b-1', software: ['Editor'] }));
    expect(r.status).toBe(200);
    const named = (await assetsNamed('ws-b-1')).filter((a) => a.name === 'ws-b-1');
    expect(named.map((a) => a.siteId).sort()).toEqual([site.a, site.b].sort());
    const b = named.find((a) => a.siteId === site.b)!;
    expect((await call<AssetView>('assets.get', { id: b.id })).software.map((s) => s.name)).toEqual(['Office']);
  });

  it("site B's own token still updates its asset", async () => {
    const r = await agentPost(agentToken.b, inventoryXml({ name: 'ws-b-1', serial: 'SERIAL-B-0001', software: ['Office', 'Browser'] }));
    expect(r.status).toBe(200);
    const [b] = await assetsNamed('SERIAL-B-0001');
    expect((await call<AssetView>('assets.get', { id: b!.id })).software.map((s) => s.name).sort()).toEqual(['Browser', 'Office']);
  });
});
