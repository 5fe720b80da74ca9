/**
 * The complete audit trail on a real temporary SQLite file: every record an import, an inventory
 * file and a pulled sync page writes has its event (found by record id), a failed import leaves
 * none, the chain stays intact, and the Audit trail screen's calls filter, open and export.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { countRows, makeWorld, type World } from '../../testing';
import type { Actor } from '../core/context';
import { verifyChain } from '../core/audit';
import { importFile } from '../assets/import/index';
import { getAssetDetail, updateAsset } from '../assets/assets';
import { applyPage } from '../../sync/apply';
import { adoptIdentity } from '../../sync/identity';
import { auditFacets, exportAudit, getAuditEvent, listAudit, searchAudit } from './audit';
import { dispatch, dispatchAsync, type Runtime } from '../../api/dispatch';
import { createLogger } from '../../log';
import { createSession } from '../auth/sessions';
import { handleAgentPost } from '../inventory/agent';
import { rotateAgentToken } from '../inventory/tokens';
import { NO_PERSON } from '../../../shared/api/audit';
import type { Change } from '../../../shared/sync/wire';
import type { Result } from '../../../shared/result';

let w: World;
let tech: Actor;
let auditor: Actor;

beforeEach(() => {
  w = makeWorld();
  tech = w.user('technician', 'tina');
  auditor = w.user('auditor', 'aud');
});
afterEach(() => w.dispose());

function csv(n: number, prefix = 'TRL'): string {
  const head = 'Asset Tag,Name,Category,Manufacturer,Model,Serial,Status,Location,Purchase Date';
  const rows = Array.from({ length: n }, (_, i) => `${prefix}-${String(i).padStart(5, '0')},Laptop ${i},Laptops,Dell,Latitude ${i % 3},SN-${prefix}-${i},Ready to Deploy,Building ${i % 4},2024-03-0${(i % 9) + 1}`);
  return [head, ...rows].join('\r\n') + '\r\n';
}

const events = () => countRows(w.store, 'audit_events');
const eventsFor = (recordId: string) => listAudit(w.ctx(auditor), { recordId, limit: 50 }).items;

describe('imports are audited record by record', () => {
  it('people imported from a users file each have an event, without any password field', () => {
    const file = 'First Name,Last Name,Username,Email\r\nGrace,Hopper,ghopper,grace@example.org\r\nAlan,Turing,aturing,alan@example.org\r\n';
    expect(importFile(w.ctx(w.admin, 'assets.import'), { format: 'snipe-it-users', content: file, dryRun: false })).toMatchObject({ created: 2, errors: [] });
    const id = w.store.sqlite.prepare("SELECT id FROM users WHERE username = 'ghopper'").pluck().get() as string;
    const [e] = eventsFor(id);
    expect(e).toMatchObject({ call: 'assets.import', recordType: 'user', before: null, after: expect.objectContaining({ username: 'ghopper' }) });
    expect(e!.after).not.toHaveProperty('password_hash');
  });

  it('every asset of an imported file has an event found by its record id, and its page shows the import', () => {
    const n = 1500;
    const before = events();
    const r = importFile(w.ctx(tech, 'assets.import'), { format: 'snipe-it-assets', content: csv(n), dryRun: false });
    expect(r).toMatchObject({ created: n, errors: [] });
    const ids = w.store.sqlite.prepare("SELECT id FROM assets WHERE tag LIKE 'TRL-%'").pluck().all() as string[];
    expect(ids).toHaveLength(n);
    const audited = new Set(
      w.store.sqlite.prepare("SELECT record_id FROM audit_events WHERE record_type = 'asset' AND call = 'assets.import'").pluck().all() as string[],
    );
    expect(ids.filter((id) => !audited.has(id))).toEqual([]);
    // The four locations the file named are records of the import too.
    expect(w.store.sqlite.prepare("SELECT count(*) FROM audit_events WHERE record_type = 'location' AND call = 'assets.import'").pluck().get()).toBe(4);

    const one = eventsFor(ids[700]!);
    expect(one).toHaveLength(1);
    expect(one[0]).toMatchObject({ call: 'assets.import', recordType: 'asset', actorId: tech.id, before: null });
    expect(one[0]!.after).toMatchObject({ tag: 'TRL-00700', name: 'Laptop 700', serial: 'SN-TRL-700', status: 'in_stock' });
    // One event per record written plus one naming the file; the chain holds across the batch.
    expect(events() - before).toBe(n + 4 + 1);
    expect(verifyChain(w.store.sqlite)).toMatchObject({ valid: true, firstBroken: null });

    const page = getAssetDetail(w.ctx(tech), { tag: 'TRL-00700' });
    expect(page.timeline).toEqual([expect.objectContaining({ kind: 'import', action: 'created', actorName: 'Technician tina' })]);
  });

  it('a large import lists its records a few hundred per event, and each record still finds its own', () => {
    const n = 6000;
    const before = events();
    expect(importFile(w.ctx(tech, 'assets.import'), { format: 'snipe-it-assets', content: csv(n, 'BIG'), dryRun: false })).toMatchObject({ created: n, errors: [] });
    const ids = w.store.sqlite.prepare("SELECT id FROM assets WHERE tag LIKE 'BIG-%' ORDER BY tag").pluck().all() as string[];
    expect(ids).toHaveLength(n);
    // Far fewer events than records, every asset indexed to one of them.
    expect(events() - before).toBeLessThan(n / 100);
    const indexed = new Set(w.store.sqlite.prepare('SELECT record_id FROM audit_event_records').pluck().all() as string[]);
    expect(ids.filter((id) => !indexed.has(id))).toEqual([]);
    const one = eventsFor(ids[4321]!);
    expect(one).toHaveLength(1);
    expect(one[0]).toMatchObject({ call: 'assets.import', recordType: 'asset', actorId: tech.id, recordId: null });
    const listed = (one[0]!.after as { changes: { id: string; before: unknown; after: Record<string, unknown> }[] }).changes.find((c) => c.id === ids[4321]);
    expect(listed).toMatchObject({ before: null, after: expect.objectContaining({ tag: 'BIG-04321', serial: 'SN-BIG-4321' }) });
    expect(verifyChain(w.store.sqlite)).toMatchObject({ valid: true, firstBroken: null });
    // The asset's History shows its import, as for a small file.
    expect(getAssetDetail(w.ctx(tech), { tag: 'BIG-04321' }).timeline).toEqual([expect.objectContaining({ kind: 'import', action: 'created' })]);
  });

  it('a re-import that changes an asset records the fields before and after', () => {
    importFile(w.ctx(tech, 'assets.import'), { format: 'snipe-it-assets', content: csv(3), dryRun: false });
    w.clock.advance(60_000);
    const changed = csv(3).replace('Laptop 1,', 'Laptop one,');
    expect(importFile(w.ctx(tech, 'assets.import'), { format: 'snipe-it-assets', content: changed, dryRun: false })).toMatchObject({ updated: 1, unchanged: 2 });
    const id = getAssetDetail(w.ctx(tech), { tag: 'TRL-00001' }).id;
    const [latest] = eventsFor(id);
    expect(latest).toMatchObject({ call: 'assets.import', before: { name: 'Laptop 1' }, after: { name: 'Laptop one' } });
    const timeline = getAssetDetail(w.ctx(tech), { tag: 'TRL-00001' }).timeline;
    expect(timeline.map((t) => (t.kind === 'import' ? `${t.action}:${t.action === 'created' ? '' : t.fields.join(',')}` : t.kind))).toEqual(['created:', 'updated:name']);
  });

  it('a failed import leaves no events, and the chain carries on intact after it', () => {
    importFile(w.ctx(tech, 'assets.import'), { format: 'snipe-it-assets', content: csv(2, 'OLD'), dryRun: false });
    const before = events();
    // Cancelled half way through writing: the transaction (rows, ops, events) rolls back.
    let phase = '';
    let polls = 0;
    expect(() =>
      importFile(
        w.ctx(tech, 'assets.import'),
        { format: 'snipe-it-assets', content: csv(2500), dryRun: false },
        { progress: (p) => (phase = p.phase), cancelled: () => phase === 'writing' && ++polls > 1 },
      ),
    ).toThrow(/cancelled/);
    expect(polls).toBeGreaterThan(1);
    // A file with a row error is refused before writing.
    const bad = importFile(w.ctx(tech, 'assets.import'), { format: 'snipe-it-assets', content: csv(5).replace('2024-03-03', 'not a date'), dryRun: false });
    expect(bad.errors.length).toBeGreaterThan(0);
    expect(events()).toBe(before);
    expect(countRows(w.store, 'assets')).toBe(2);

    const old = getAssetDetail(w.ctx(tech), { tag: 'OLD-00000' });
    updateAsset(w.ctx(tech, 'assets.update'), old.id, { name: 'Renamed' });
    expect(events()).toBe(before + 1);
    expect(verifyChain(w.store.sqlite).valid).toBe(true);
  });
});

const GLPI_DOC = {
  deviceid: 'pc-0042-2026-03-02-09-00-00',
  action: 'inventory',
  itemtype: 'Computer',
  content: {
    versionclient: 'GLPI-Agent_v1.7',
    hardware: { name: 'PC-0042', uuid: '4C4C4544-0042-4210-8048-B4C04F4E3332' },
    bios: { ssn: 'SN-PC-0042', smanufacturer: 'Dell Inc.', smodel: 'OptiPlex 7090' },
    softwares: [
      { name: 'Firefox', version: '124.0', publisher: 'Mozilla' },
      { name: '7-Zip', version: '23.01', publisher: 'Igor Pavlov' },
    ],
  },
};

describe('inventory files and agent posts are audited record by record', () => {
  it('a GLPI inventory creates an asset and its software, each with an event', () => {
    const r = importFile(w.ctx(tech, 'assets.import'), { format: 'glpi-inventory', content: JSON.stringify(GLPI_DOC), dryRun: false });
    expect(r).toMatchObject({ created: 1, errors: [] });
    const asset = w.store.sqlite.prepare("SELECT id FROM assets WHERE serial = 'SN-PC-0042'").pluck().get() as string;
    expect(eventsFor(asset)).toEqual([expect.objectContaining({ recordType: 'asset', before: null, after: expect.objectContaining({ serial: 'SN-PC-0042' }) })]);
    const software = w.store.sqlite.prepare('SELECT id FROM installed_software WHERE asset_id = ?').pluck().all(asset) as string[];
    expect(software).toHaveLength(2);
    for (const id of software) expect(eventsFor(id)).toEqual([expect.objectContaining({ recordType: 'installed_software', call: 'assets.import' })]);
    const history = w.store.sqlite.prepare('SELECT id FROM asset_history WHERE asset_id = ?').pluck().all(asset) as string[];
    for (const id of history) expect(eventsFor(id)).toHaveLength(1);
    expect(verifyChain(w.store.sqlite).valid).toBe(true);
  });

  it('an agent post that updates an asset records its changes and the software it removed', () => {
    const base = { store: w.store, clock: w.clock };
    const { token } = rotateAgentToken(w.ctx(w.admin), w.siteId);
    expect(handleAgentPost(base, Buffer.from(JSON.stringify(GLPI_DOC)), token).status).toBe(200);
    const asset = w.store.sqlite.prepare("SELECT id FROM assets WHERE serial = 'SN-PC-0042'").pluck().get() as string;
    const firefox = w.store.sqlite.prepare("SELECT id FROM installed_software WHERE name = 'Firefox'").pluck().get() as string;
    expect(eventsFor(asset)).toEqual([expect.objectContaining({ call: 'inventory.agent', actorId: 'agent', before: null })]);
    w.clock.advance(3_600_000);
    const next = { ...GLPI_DOC, content: { ...GLPI_DOC.content, softwares: GLPI_DOC.content.softwares.slice(1) } };
    expect(handleAgentPost(base, Buffer.from(JSON.stringify(next)), token).status).toBe(200);
    const [update] = eventsFor(asset);
    expect(update).toMatchObject({ call: 'inventory.agent', before: { last_inventory_at: '2026-03-02T09:00:00.000Z' }, after: { last_inventory_at: '2026-03-02T10:00:00.000Z' } });
    expect(eventsFor(firefox)[0]).toMatchObject({ call: 'inventory.agent', recordType: 'installed_software', after: { deleted: true } });
    expect(verifyChain(w.store.sqlite).valid).toBe(true);
  });
});

const STAMP = '001772442000000:00000000@server-dev';
const LATER = '001772442100000:00000000@server-dev';

function pulledAsset(seq: number, id: string, data: Record<string, unknown>, stamp = STAMP): Change {
  const fieldHlc: Record<string, string> = { scope_id: stamp };
  for (const k of Object.keys(data)) fieldHlc[k] = stamp;
  return { seq, entity: 'assets', id, scopeId: w.siteId, data, fieldHlc, deletedHlc: null, createdAt: '2026-03-02T08:00:00.000Z', updatedAt: '2026-03-02T08:00:00.000Z' };
}

describe('pulled sync pages are audited', () => {
  it('a pulled page gets one event listing each record it brings (new: the server change it received; changed: before and after); an echo records nothing', () => {
    const base = { tag: 'SYN-1', tag_key: 'SYN-1', name: 'Pulled laptop', type: 'laptop', status: 'in_stock', custom_fields: '{}' };
    const id = '019cb000-0000-7000-8000-000000000001';
    const other = '019cb000-0000-7000-8000-00000000000a';
    const at = Date.parse('2026-03-02T09:30:00.000Z');
    expect(applyPage(w.store.sqlite, { from: 0, cursor: 2, hasMore: false, changes: [pulledAsset(1, id, base), pulledAsset(2, other, { ...base, tag: 'SYN-10', tag_key: 'SYN-10' })] }, at)).toMatchObject({ applied: 2 });
    let trail = eventsFor(id);
    expect(trail).toEqual([expect.objectContaining({ call: 'sync.pull', recordType: 'sync_page', actorId: null, before: null })]);
    const page = trail[0]!.after as { records: number; changes: { type: string; id: string; received?: number }[] };
    expect(page.records).toBe(2);
    expect(page.changes.map((c) => c.id).sort()).toEqual([id, other].sort());
    expect(page.changes.find((c) => c.id === id)!.received).toBe(1);
    // The other record's trail finds the same event.
    expect(eventsFor(other).map((e) => e.seq)).toEqual([trail[0]!.seq]);

    applyPage(w.store.sqlite, { from: 2, cursor: 3, hasMore: false, changes: [pulledAsset(3, id, { ...base, name: 'Renamed on the server' }, LATER)] }, at);
    trail = eventsFor(id);
    expect(trail).toHaveLength(2);
    expect(trail[0]!.after).toMatchObject({ records: 1, changes: [{ type: 'asset', id, before: { name: 'Pulled laptop' }, after: { name: 'Renamed on the server' } }] });
    expect(eventsFor(other)).toHaveLength(1);

    // The same state again (an echo of what the device holds) changes nothing and adds no event.
    applyPage(w.store.sqlite, { from: 3, cursor: 4, hasMore: false, changes: [pulledAsset(4, id, { ...base, name: 'Renamed on the server' }, LATER)] }, at);
    expect(eventsFor(id)).toHaveLength(2);
    expect(verifyChain(w.store.sqlite).valid).toBe(true);
  });

  it('a stale page writes neither rows nor events', () => {
    const before = events();
    expect(applyPage(w.store.sqlite, { from: 5, cursor: 6, hasMore: false, changes: [pulledAsset(6, '019cb000-0000-7000-8000-000000000002', { tag: 'SYN-2', tag_key: 'SYN-2', name: 'x', type: 'other', status: 'in_stock', custom_fields: '{}' })] }, Date.now())).toBeNull();
    expect(events()).toBe(before);
  });
});

describe('the Audit trail screen calls', () => {
  function seed() {
    w.clock.set('2026-03-02T09:00:00.000Z');
    importFile(w.ctx(tech, 'assets.import'), { format: 'snipe-it-assets', content: csv(3), dryRun: false });
    w.clock.set('2026-03-05T14:00:00.000Z');
    const a = getAssetDetail(w.ctx(w.admin), { tag: 'TRL-00002' });
    updateAsset(w.ctx(w.admin, 'assets.update'), a.id, { serial: 'SN-NEW' });
    return a.id;
  }

  it('filters by who, what, record (by tag), call and period, newest first, in pages', () => {
    const id = seed();
    const c = w.ctx(auditor);
    const byAdmin = searchAudit(c, { actorId: w.admin.id, call: 'assets.update', limit: 50 }).items;
    expect(byAdmin).toEqual([expect.objectContaining({ recordId: id, recordLabel: 'TRL-00002', recordType: 'asset', fields: ['serial'], actorName: 'Ada Admin' })]);

    const byTag = searchAudit(c, { recordId: 'trl-00002', limit: 50 }).items;
    expect(byTag.map((e) => e.call)).toEqual(['assets.update', 'assets.import']);

    const imports = searchAudit(c, { actorId: tech.id, recordType: 'asset', limit: 50 }).items;
    expect(imports.map((e) => e.recordLabel).sort()).toEqual(['TRL-00000', 'TRL-00001', 'TRL-00002']);

    const firstDays = searchAudit(c, { from: '2026-03-01', to: '2026-03-04', recordType: 'asset', limit: 50 }).items;
    expect(firstDays.every((e) => e.call === 'assets.import')).toBe(true);
    expect(firstDays).toHaveLength(3);
    expect(searchAudit(c, { from: '2026-03-05T13:00:00.000Z', limit: 50 }).items.map((e) => e.call)).toEqual(['assets.update']);

    const nobody = searchAudit(c, { actorId: NO_PERSON, limit: 50 }).items;
    expect(nobody.every((e) => e.actorId === null)).toBe(true);

    const p1 = searchAudit(c, { limit: 2 });
    const p2 = searchAudit(c, { limit: 2, cursor: p1.nextCursor });
    expect(p1.items).toHaveLength(2);
    expect(p2.items[0]!.seq).toBeLessThan(p1.items[1]!.seq);
    expect(p1.items[0]!.seq).toBeGreaterThan(p1.items[1]!.seq);

    expect(() => searchAudit(c, { from: '2026-03-05', to: '2026-03-01', limit: 10 })).toThrow(/ends before it starts/);
  });

  it('the filters run on the trail indexes', () => {
    const plan = (sql: string) => (w.store.sqlite.prepare(`EXPLAIN QUERY PLAN ${sql}`).all() as { detail: string }[]).map((r) => r.detail).join(' | ');
    expect(plan("SELECT seq FROM audit_events e WHERE e.actor_id = 'x' ORDER BY e.seq DESC LIMIT 10")).toMatch(/audit_actor_idx/);
    expect(plan("SELECT seq FROM audit_events e WHERE e.record_type = 'asset' ORDER BY e.seq DESC LIMIT 10")).toMatch(/audit_type_idx/);
    expect(plan("SELECT seq FROM audit_events e WHERE e.call = 'assets.import' ORDER BY e.seq DESC LIMIT 10")).toMatch(/audit_call_idx/);
    expect(plan("SELECT seq FROM audit_events e WHERE e.record_id IN ('a', 'b') ORDER BY e.seq DESC LIMIT 10")).toMatch(/audit_record_idx/);
  });

  it('facets list the people, record types and calls in the trail', () => {
    seed();
    const f = auditFacets(w.ctx(auditor));
    expect(f.actors.map((a) => a.name)).toEqual(expect.arrayContaining(['Ada Admin', 'Technician tina']));
    expect(f.recordTypes).toEqual(expect.arrayContaining(['asset', 'location', 'import', 'user']));
    expect(f.calls).toEqual(expect.arrayContaining(['assets.import', 'assets.update', 'users.create']));
  });

  it('opens one event with its before and after and its own link', () => {
    const id = seed();
    const [latest] = searchAudit(w.ctx(auditor), { recordId: id, limit: 1 }).items;
    const e = getAuditEvent(w.ctx(auditor), latest!.seq);
    expect(e).toMatchObject({ recordLabel: 'TRL-00002', before: { serial: 'SN-TRL-2' }, after: { serial: 'SN-NEW' }, linkValid: true });
    // Tampering with the stored event is seen on the event itself.
    w.store.sqlite.prepare('UPDATE audit_events SET after = ? WHERE seq = ?').run(JSON.stringify({ serial: 'SN-FORGED' }), e.seq);
    expect(getAuditEvent(w.ctx(auditor), e.seq).linkValid).toBe(false);
  });

  it('exports the filtered trail as CSV and PDF carrying the chain head', async () => {
    const id = seed();
    const head = verifyChain(w.store.sqlite).head!;
    const c = w.ctx(auditor);
    const out = await exportAudit(c, { recordId: id, format: 'csv' });
    expect(out).toMatchObject({ rows: 2, chainHead: head, chainValid: true, truncated: false, encoding: 'utf-8' });
    expect(out.content).toContain(`Audit trail chain head,${head}`);
    expect(out.content).toContain('record=');
    const lines = out.content.split('\r\n');
    const header = lines.indexOf('Seq,Time (UTC),Who,Call,What,Record,Record id,Before,After,Hash');
    expect(header).toBeGreaterThan(0);
    expect(lines[header + 1]).toContain('assets.update');
    expect(lines[header + 2]).toContain('assets.import');

    const pdf = await exportAudit(c, { format: 'pdf' });
    expect(pdf).toMatchObject({ encoding: 'base64', mime: 'application/pdf', chainHead: head });
    expect(Buffer.from(pdf.content, 'base64').subarray(0, 5).toString()).toBe('%PDF-');
    expect(pdf.rows).toBe(countRows(w.store, 'audit_events'));
  });

  it('only administrators and auditors may read the trail', async () => {
    const rt: Runtime = { store: w.store, clock: w.clock, log: createLogger({ level: 'silent' }), emit: () => {} };
    const techToken = createSession(w.ctx(tech), tech.id).token;
    const auditorToken = createSession(w.ctx(auditor), auditor.id).token;
    for (const call of ['audit.search', 'audit.facets'] as const) {
      expect(dispatch(rt, call, {}, techToken)).toMatchObject({ ok: false, error: { code: 'forbidden' } });
      expect(dispatch(rt, call, {}, auditorToken)).toMatchObject({ ok: true });
    }
    const exp = (await dispatchAsync(rt, 'audit.export', { format: 'csv', call: 'users.create' }, auditorToken)) as Result<{ rows: number }>;
    expect(exp).toMatchObject({ ok: true, value: { rows: 2 } });
    expect(dispatch(rt, 'audit.search', { actorId: 'x'.repeat(65) }, auditorToken)).toMatchObject({ ok: false, error: { code: 'invalid_input' } });
  });
});

describe('a person whose device joined a team keeps their name on what they did before', () => {
  it('names the former id through the join event, in the list, the filter, the facets, the export and the asset page', async () => {
    importFile(w.ctx(tech, 'assets.import'), { format: 'snipe-it-assets', content: csv(3, 'JN'), dryRun: false });
    const assetId = w.store.sqlite.prepare("SELECT id FROM assets WHERE tag = 'JN-00001'").pluck().get() as string;
    // Joining re-keys Tina to the id the server knows her by; the trail keeps the id it recorded.
    const serverId = '01900000-0000-7000-8000-00000000beef';
    w.store.sqlite.transaction(() => adoptIdentity(w.store.sqlite, tech.id, serverId, w.clock.now().toISOString()))();
    expect(w.store.sqlite.prepare('SELECT count(*) FROM users WHERE id = ?').pluck().get(tech.id)).toBe(0);
    const c = w.ctx(auditor);

    const [imported] = eventsFor(assetId);
    expect(imported).toMatchObject({ call: 'assets.import', actorId: tech.id, actorName: 'Technician tina' });
    const found = searchAudit(c, { actorId: serverId, limit: 500 }).items;
    expect(found.filter((e) => e.call === 'assets.import' && e.recordType === 'asset')).toHaveLength(3);
    expect(found.every((e) => e.actorName === 'Technician tina')).toBe(true);
    expect(found[0]).toMatchObject({ call: 'sync.join', recordType: 'user', recordId: serverId });
    const tinas = auditFacets(c).actors.filter((a) => a.name.includes('tina') || a.name.startsWith('Unknown'));
    expect(tinas).toEqual([{ id: serverId, name: 'Technician tina' }]);
    const out = await exportAudit(c, { actorId: serverId, call: 'assets.import', format: 'csv' });
    expect(out.content).toContain('Technician tina');
    expect(out.content).not.toContain(`,${tech.id},`);
    expect(getAssetDetail(c, { id: assetId }).timeline).toEqual([expect.objectContaining({ kind: 'import', actorName: 'Technician tina' })]);
    expect(verifyChain(w.store.sqlite)).toMatchObject({ valid: true });
  });
});
