/**
 * The risk register beside the rest of the data, on a real store: incidents on a risk's assets in the
 * last 90 days, tickets linked from either side (a synced set written through the record primitive),
 * a risk drafted from an asset's KEV exposure, register search and "review overdue" answered from
 * indexes (checked with EXPLAIN QUERY PLAN), keyset pages, and a renumbered risk found by its old number.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeWorld, type World } from '../../testing';
import type { Actor, Ctx } from '../core/context';
import { createAsset } from '../assets/assets';
import { createTicket } from '../tickets/tickets';
import { addSoftware, removeSoftware } from '../software/software';
import { importKev } from '../software/catalogues';
import fs from 'node:fs';
import path from 'node:path';
import { FIXTURES } from '../assets/test-fixtures';
import { ensureDefaultMatrix, importLibrary, listMatrices, setTeamMatrix } from '../grc/grc';
import { createRisk, getRisk, kevCoverage, kevDraft, linkKev, linkRisk, listRisks, RISK_LIST_TUNING, risksForTicket } from './risks';

let w: World;
let tech: Actor;
let ctx: Ctx;
beforeEach(() => {
  w = makeWorld();
  w.clock.set('2026-03-02T09:00:00Z');
  tech = w.user('technician', 'sam');
  ctx = w.ctx(tech);
  ensureDefaultMatrix(w.ctx(w.admin));
});
afterEach(() => w.dispose());

const incident = (title: string, assetId: string | null, type: 'incident' | 'request' = 'incident') =>
  createTicket(ctx, { type, title, impact: 2, urgency: 2, linkedAssetId: assetId });

describe('a risk beside incidents, tickets and vulnerabilities', () => {
  it('counts the incidents opened on its assets in the last 90 days, newest first', () => {
    const plc = createAsset(ctx, { tag: 'PLC-1', name: 'Line 1 PLC' });
    const hmi = createAsset(ctx, { tag: 'HMI-1', name: 'Line 1 HMI' });
    const other = createAsset(ctx, { tag: 'PC-9', name: 'Office PC' });
    w.clock.set('2025-11-20T09:00:00Z'); // 102 days before: outside the window
    incident('PLC stopped (last year)', plc.id);
    w.clock.set('2026-01-10T09:00:00Z');
    const a = incident('PLC stopped', plc.id);
    incident('New keyboard for the HMI', hmi.id, 'request'); // a request is no incident
    w.clock.set('2026-02-20T09:00:00Z');
    const b = incident('HMI frozen', hmi.id);
    incident('Office PC slow', other.id); // not an affected asset
    w.clock.set('2026-03-02T09:00:00Z');
    const r = createRisk(ctx, { title: 'Line 1 stops', assetIds: [plc.id, hmi.id] });
    expect(r.incidents.since).toBe('2025-12-02');
    expect(r.incidents.count).toBe(2);
    expect(r.incidents.items.map((t) => [t.number, t.assetTag])).toEqual([
      [b.number, 'HMI-1'],
      [a.number, 'PLC-1'],
    ]);
    // An asset unlinked takes its incidents with it.
    expect(linkRisk(ctx, { id: r.id, kind: 'asset', targetId: hmi.id, present: false }).incidents.count).toBe(1);
  });

  it('links a ticket to a risk through the record primitive, seen from both sides', () => {
    const r = createRisk(ctx, { title: 'Supplier outage' });
    const t = incident('Supplier portal down', null);
    const linked = linkRisk(ctx, { id: r.id, kind: 'ticket', targetId: t.id, present: true });
    expect(linked.tickets.map((x) => x.number)).toEqual([t.number]);
    expect(risksForTicket(ctx, t.id).items.map((x) => x.number)).toEqual([r.number]);
    // One set member with its op and audit event, in the risk's site.
    const op = w.store.sqlite
      .prepare("SELECT kind, payload FROM pending_ops WHERE entity = 'risk_tickets' ORDER BY device_seq DESC LIMIT 1")
      .get() as { kind: string; payload: string };
    expect(op.kind).toBe('setAdd');
    expect(JSON.parse(op.payload)).toMatchObject({ risk_id: r.id, ticket_id: t.id });
    expect(w.store.sqlite.prepare("SELECT count(*) FROM audit_events WHERE after LIKE '%' || ? || '%'").pluck().get(t.id)).toBe(1);
    // Linking twice changes nothing; unlinking removes it on both sides.
    linkRisk(ctx, { id: r.id, kind: 'ticket', targetId: t.id, present: true });
    expect(w.store.sqlite.prepare("SELECT count(*) FROM pending_ops WHERE entity = 'risk_tickets'").pluck().get()).toBe(1);
    expect(linkRisk(ctx, { id: r.id, kind: 'ticket', targetId: t.id, present: false }).tickets).toEqual([]);
    expect(risksForTicket(ctx, t.id).items).toEqual([]);
    expect(() => linkRisk(ctx, { id: r.id, kind: 'ticket', targetId: 'no-such-ticket', present: true })).toThrow(/No such ticket/);
  });

  it('drafts a risk from an asset exposed to a known exploited vulnerability', () => {
    importKev(
      ctx,
      JSON.stringify({
        catalogVersion: '2026.03.01',
        vulnerabilities: [
          {
            cveID: 'CVE-2025-48384',
            vendorProject: 'Git',
            product: 'Git',
            vulnerabilityName: 'Git Link Following Vulnerability',
            dateAdded: '2025-08-25',
            dueDate: '2025-09-15',
            requiredAction: 'Apply mitigations per vendor instructions.',
            knownRansomwareCampaignUse: 'Known',
          },
        ],
      }),
    );
    const a = createAsset(ctx, { tag: 'BUILD-1', name: 'Build server' });
    addSoftware(ctx, { assetId: a.id, name: 'git', vendor: 'Git', version: '2.45.1' });
    const d = kevDraft(ctx, a.id, 'CVE-2025-48384');
    expect(d.title).toBe('CVE-2025-48384 on BUILD-1 (git)');
    expect(d.vulnerabilities).toContain('CVE-2025-48384 in Git Git, installed on BUILD-1 Build server as git 2.45.1.');
    expect(d.vulnerabilities).toContain('Required action: Apply mitigations per vendor instructions. (due 2025-09-15)');
    expect(d.threats).toContain('known exploited since 2025-08-25, used in ransomware campaigns');
    expect(d.assetIds).toEqual([a.id]);
    const r = createRisk(ctx, { title: d.title, threats: d.threats, vulnerabilities: d.vulnerabilities, assetIds: d.assetIds, siteId: d.siteId! });
    expect(listRisks(ctx, { assetId: a.id, limit: 10, offset: 0 }).items.map((x) => x.id)).toEqual([r.id]);
    // An asset without that exposure is refused, naming both.
    const b = createAsset(ctx, { tag: 'PC-2', name: 'Office' });
    expect(() => kevDraft(ctx, b.id, 'CVE-2025-48384')).toThrow('PC-2 is not exposed to CVE-2025-48384');
    expect(() => kevDraft(w.ctx(w.user('auditor')), a.id, 'CVE-2025-48384')).toThrow(/administrators and technicians/);
  });
});

describe('a risk linked to a known exploited vulnerability of its asset', () => {
  const loadKev = () =>
    importKev(
      ctx,
      JSON.stringify({
        catalogVersion: '2026.03.01',
        vulnerabilities: [
          { cveID: 'CVE-2025-48384', vendorProject: 'Git', product: 'Git', vulnerabilityName: 'Git Link Following Vulnerability', dateAdded: '2025-08-25', dueDate: '2025-09-15', requiredAction: 'Update.', knownRansomwareCampaignUse: 'Known' },
        ],
      }),
    );

  it('creates the link with the risk raised from the exposure, returns the KEV data, and unlinks it', () => {
    loadKev();
    const a = createAsset(ctx, { tag: 'BUILD-1', name: 'Build server' });
    addSoftware(ctx, { assetId: a.id, name: 'git', vendor: 'Git', version: '2.45.1' });
    const d = kevDraft(ctx, a.id, 'CVE-2025-48384');
    expect(d.kev).toEqual([{ assetId: a.id, cveId: 'CVE-2025-48384' }]);
    const r = createRisk(ctx, { title: d.title, assetIds: d.assetIds, kev: d.kev, siteId: d.siteId! });
    expect(r.kev).toEqual([
      {
        assetId: a.id,
        assetTag: 'BUILD-1',
        assetName: 'Build server',
        cveId: 'CVE-2025-48384',
        vendorProject: 'Git',
        product: 'Git',
        vulnerabilityName: 'Git Link Following Vulnerability',
        dateAdded: '2025-08-25',
        dueDate: '2025-09-15',
        knownRansomware: true,
      },
    ]);
    expect(kevCoverage(ctx, a.id).items).toEqual([{ cveId: 'CVE-2025-48384', riskId: r.id, number: r.number, title: d.title, status: 'identified' }]);
    // One set member, written as a synced op with its audit event, in the risk's site.
    const op = w.store.sqlite
      .prepare("SELECT kind, scope_id, payload FROM pending_ops WHERE entity = 'risk_vulnerabilities'")
      .all() as { kind: string; scope_id: string; payload: string }[];
    expect(op.map((o) => [o.kind, o.scope_id])).toEqual([['setAdd', r.siteId]]);
    expect(JSON.parse(op[0]!.payload)).toMatchObject({ risk_id: r.id, asset_id: a.id, cve_id: 'CVE-2025-48384' });
    expect(w.store.sqlite.prepare('SELECT count(*) FROM audit_events WHERE after LIKE ?').pluck().get('%"cve_id":"CVE-2025-48384"%')).toBe(1);
    // Linking again changes nothing; unlinking removes it from both sides but keeps the affected asset.
    linkKev(ctx, { id: r.id, assetId: a.id, cveId: 'CVE-2025-48384', present: true });
    expect(w.store.sqlite.prepare("SELECT count(*) FROM pending_ops WHERE entity = 'risk_vulnerabilities'").pluck().get()).toBe(1);
    const after = linkKev(ctx, { id: r.id, assetId: a.id, cveId: 'CVE-2025-48384', present: false });
    expect(after.kev).toEqual([]);
    expect(after.assets.map((x) => x.tag)).toEqual(['BUILD-1']);
    expect(kevCoverage(ctx, a.id).items).toEqual([]);
  });

  it('refuses a CVE the asset is not exposed to, unless it was already linked; only staff change links', () => {
    loadKev();
    const a = createAsset(ctx, { tag: 'BUILD-1', name: 'Build server' });
    const sw = addSoftware(ctx, { assetId: a.id, name: 'git', vendor: 'Git', version: '2.45.1' });
    const pc = createAsset(ctx, { tag: 'PC-2', name: 'Office' });
    const r = createRisk(ctx, { title: 'Source code leak' });
    expect(() => linkKev(ctx, { id: r.id, assetId: pc.id, cveId: 'CVE-2025-48384', present: true })).toThrow(
      'PC-2 is not exposed to CVE-2025-48384 in the KEV catalogue on this device.',
    );
    expect(() => createRisk(ctx, { title: 'Office PC', kev: [{ assetId: pc.id, cveId: 'CVE-2025-48384' }] })).toThrow(/PC-2 is not exposed/);
    expect(listRisks(ctx, { q: 'Office PC', limit: 10, offset: 0 }).total).toBe(0); // nothing half-written
    // The linked asset is made an affected asset too.
    expect(linkKev(ctx, { id: r.id, assetId: a.id, cveId: 'CVE-2025-48384', present: true }).assets.map((x) => x.tag)).toEqual(['BUILD-1']);
    // Git removed from the asset: the exposure is gone on this device, but the existing link stays readable and removable.
    removeSoftware(ctx, sw.id);
    expect(() => kevDraft(ctx, a.id, 'CVE-2025-48384')).toThrow(/not exposed/);
    expect(getRisk(ctx, r.id).kev.map((k) => k.cveId)).toEqual(['CVE-2025-48384']);
    linkKev(ctx, { id: r.id, assetId: a.id, cveId: 'CVE-2025-48384', present: true }); // already linked: no question asked
    const auditor = w.ctx(w.user('auditor'));
    expect(getRisk(auditor, r.id).kev).toHaveLength(1);
    expect(kevCoverage(auditor, a.id).items.map((c) => c.riskId)).toEqual([r.id]);
    expect(() => linkKev(auditor, { id: r.id, assetId: a.id, cveId: 'CVE-2025-48384', present: false })).toThrow(/administrators and technicians/);
    expect(linkKev(ctx, { id: r.id, assetId: a.id, cveId: 'CVE-2025-48384', present: false }).kev).toEqual([]);
    // Re-linking after removal needs the exposure again.
    expect(() => linkKev(ctx, { id: r.id, assetId: a.id, cveId: 'CVE-2025-48384', present: true })).toThrow(/not exposed/);
  });
});

describe('register reads at scale', () => {
  const seed = (n: number) => {
    for (let i = 0; i < n; i++) createRisk(ctx, { title: i % 7 === 0 ? `Unpatched HMI at line ${i}` : `Power loss at line ${i}`, reviewEveryDays: i % 10 === 0 ? 30 : null });
  };
  const plan = (sql: string, ...args: unknown[]) =>
    (w.store.sqlite.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...args) as { detail: string }[]).map((r) => r.detail).join('\n');

  it('pages the register by number (keyset), every risk once, beyond 500', () => {
    seed(620);
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const p: ReturnType<typeof listRisks> = listRisks(ctx, { limit: 250, offset: 0, cursor });
      expect(p.total).toBe(620);
      seen.push(...p.items.map((r) => r.number));
      cursor = p.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toHaveLength(620);
    expect(new Set(seen).size).toBe(620);
    expect(seen[0]).toBe('RSK-0620');
    expect(seen.at(-1)).toBe('RSK-0001');
    // Filters hold across pages.
    const first = listRisks(ctx, { q: 'hmi', limit: 50, offset: 0 });
    const second = listRisks(ctx, { q: 'hmi', limit: 50, offset: 0, cursor: first.nextCursor });
    expect(first.total).toBe(89);
    expect(second.items).toHaveLength(39);
    expect(second.nextCursor).toBeNull();
    expect([...first.items, ...second.items].every((r) => r.title.startsWith('Unpatched HMI'))).toBe(true);
    // With many matches a page walks the register in number order instead: the same pages.
    const walkAbove = RISK_LIST_TUNING.walkAbove;
    RISK_LIST_TUNING.walkAbove = 10;
    try {
      const walked = listRisks(ctx, { q: 'hmi', limit: 50, offset: 0 });
      expect(walked.items.map((r) => r.id)).toEqual(first.items.map((r) => r.id));
      expect(listRisks(ctx, { q: 'hmi', limit: 50, offset: 0, cursor: walked.nextCursor }).items.map((r) => r.id)).toEqual(second.items.map((r) => r.id));
      w.clock.set('2026-04-02T09:00:00Z');
      const overdue = listRisks(ctx, { reviewOverdue: true, limit: 100, offset: 0 });
      RISK_LIST_TUNING.walkAbove = walkAbove;
      expect(listRisks(ctx, { reviewOverdue: true, limit: 100, offset: 0 }).items.map((r) => r.id)).toEqual(overdue.items.map((r) => r.id));
      expect(overdue.total).toBe(62);
    } finally {
      RISK_LIST_TUNING.walkAbove = walkAbove;
    }
  });

  it('searches title and number through the trigram index, short text by LIKE, and reads overdue reviews from their index', () => {
    seed(60);
    expect(listRisks(ctx, { q: 'hmi at line 4', limit: 100, offset: 0 }).items.map((r) => r.title)).toEqual(['Unpatched HMI at line 49', 'Unpatched HMI at line 42']);
    expect(listRisks(ctx, { q: 'RSK-0007', limit: 100, offset: 0 }).items.map((r) => r.number)).toEqual(['RSK-0007']);
    expect(listRisks(ctx, { q: 'li', limit: 100, offset: 0 }).total).toBe(60); // two letters: no trigram, LIKE alone
    // A title edited is searched by its new words only (the index follows the row).
    const r = listRisks(ctx, { q: 'line 13', limit: 1, offset: 0 }).items[0]!;
    w.store.sqlite.prepare('UPDATE risks SET title = ? WHERE id = ?').run('Flooded pump room', r.id);
    expect(listRisks(ctx, { q: 'line 13', limit: 10, offset: 0 }).total).toBe(0);
    expect(listRisks(ctx, { q: 'pump', limit: 10, offset: 0 }).items.map((x) => x.id)).toEqual([r.id]);

    // Six reviews every 30 days, never reviewed: due 2026-04-01; overdue from 2026-04-02.
    expect(listRisks(ctx, { reviewOverdue: true, limit: 100, offset: 0 }).total).toBe(0);
    w.clock.set('2026-04-02T09:00:00Z');
    expect(listRisks(ctx, { reviewOverdue: true, limit: 100, offset: 0 }).total).toBe(6);
    expect(listRisks(ctx, { reviewOverdue: false, limit: 100, offset: 0 }).total).toBe(54);

    w.store.sqlite.exec('ANALYZE');
    const search = plan("SELECT count(*) FROM risks r WHERE r.deleted_hlc IS NULL AND r.rowid IN (SELECT rowid FROM risks_search WHERE risks_search MATCH ?)", '"hmi"');
    expect(search).toMatch(/VIRTUAL TABLE INDEX \d+:M/);
    const overdue = plan(
      "SELECT count(*) FROM risks r WHERE r.deleted_hlc IS NULL AND r.review_every_days IS NOT NULL AND r.status <> 'closed' AND date(coalesce(r.last_reviewed_on, substr(r.created_at, 1, 10)), '+' || r.review_every_days || ' days') < ?",
      '2026-04-02',
    );
    expect(overdue).toContain('risks_review_due_idx');
  });

  it('finds a renumbered risk by the number it was shown with', () => {
    const r = createRisk(ctx, { title: 'Badge reader fails open' });
    // What a pulled page writes when the server renumbers a provisional risk.
    w.store.sqlite.prepare("UPDATE risks SET number = 'RSK-0042', former_number = 'RSK-P-3F9A2C-1' WHERE id = ?").run(r.id);
    const hit = listRisks(ctx, { q: 'RSK-P-3F9A2C-1', limit: 10, offset: 0 }).items;
    expect(hit.map((x) => [x.number, x.formerNumber])).toEqual([['RSK-0042', 'RSK-P-3F9A2C-1']]);
    expect(getRisk(ctx, r.id).formerNumber).toBe('RSK-P-3F9A2C-1');
  });
});

describe("the team's matrix", () => {
  it('administrators choose the matrix new risks are scored on; technicians cannot', () => {
    const m3 = importLibrary(w.ctx(w.admin), fs.readFileSync(path.join(FIXTURES, 'grc/risk-matrix-3x3-mult.yaml'), 'utf8')).id;
    expect(createRisk(ctx, { title: 'On the shipped 5×5' }).matrixId).not.toBe(m3);
    expect(() => setTeamMatrix(ctx, m3)).toThrow(/administrator/i);
    setTeamMatrix(w.ctx(w.admin), m3);
    expect(listMatrices(ctx).filter((m) => m.isDefault).map((m) => m.id)).toEqual([m3]);
    const r = createRisk(ctx, { title: 'On the team matrix', inherent: { likelihood: 3, impact: 3 } });
    expect(r.matrixId).toBe(m3);
    expect(() => createRisk(ctx, { title: 'Off the 3×3', inherent: { likelihood: 5, impact: 1 } })).toThrow(/its probability scale has 3 levels/);
    // A synced team setting, written with its op like any other.
    expect(w.store.sqlite.prepare("SELECT count(*) FROM pending_ops WHERE entity = 'team_settings' AND record_id = 'setting.risk_matrix'").pluck().get()).toBe(1);
    expect(() => setTeamMatrix(w.ctx(w.admin), 'no-such-matrix')).toThrow('No such risk matrix; import it from a library first.');
  });
});
