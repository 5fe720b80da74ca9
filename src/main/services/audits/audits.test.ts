import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { countRows, makeWorld, type World } from '../../testing';
import type { Actor } from '../core/context';
import { createAsset, getAssetDetail, transitionAsset } from '../assets/assets';
import { createLocation } from '../assets/locations';
import { closeAudit, getAudit, relocate, scan, startAudit, undoScan } from './audits';
import { auditReport } from './report';
import { verifyChain } from '../core/audit';

let w: World;
let auditor: Actor;
let building: string;
let room1: string;
let room2: string;
let elsewhere: string;
beforeEach(() => {
  w = makeWorld();
  auditor = w.user('auditor', 'audrey');
  const a = w.ctx(w.admin);
  building = createLocation(a, { name: 'Main', kind: 'building' }).id;
  room1 = createLocation(a, { name: 'Room 101', kind: 'room', parentId: building }).id;
  room2 = createLocation(a, { name: 'Room 102', kind: 'room', parentId: building }).id;
  elsewhere = createLocation(a, { name: 'Depot', kind: 'building' }).id;
  for (let i = 1; i <= 5; i++) createAsset(a, { tag: `A-${i}`, name: `Laptop ${i}`, locationId: i <= 3 ? room1 : room2 });
  createAsset(a, { tag: 'X-1', name: 'Stray monitor', locationId: elsewhere });
  const gone = createAsset(a, { tag: 'OLD-1', name: 'Disposed PC', locationId: room1 });
  transitionAsset(a, gone.id, 'retired', 'old');
  transitionAsset(a, gone.id, 'disposed', 'recycled');
});
afterEach(() => w.dispose());

describe('a scan audit of a building', () => {
  it('found / duplicate / unexpected / unknown, undo, relocate, close with sign-off and audit dates', () => {
    const ctx = w.ctx(auditor);
    const s = startAudit(ctx, building, true);
    expect(s.expected).toBe(5);
    expect(startAudit(ctx, room1, false).expected).toBe(3);

    expect(scan(ctx, s.id, 'a-1').result).toBe('found');
    expect(scan(ctx, s.id, ' A-1 ').result).toBe('duplicate');
    expect(scan(ctx, s.id, 'A-2').result).toBe('found');
    const un = scan(ctx, s.id, 'X-1');
    expect(un.result).toBe('unexpected');
    expect(un.scan.registeredLocation).toBe('Depot');
    expect(scan(ctx, s.id, 'NOPE-9').result).toBe('unknown');
    expect(scan(ctx, s.id, 'NOPE-9').result).toBe('duplicate');
    const wrong = scan(ctx, s.id, 'A-5');
    expect(wrong.counts).toMatchObject({ expected: 5, found: 3, missing: 2, unexpected: 1, unknown: 1, duplicate: 2 });
    const u = undoScan(ctx, s.id);
    expect(u.undone?.tag).toBe('A-5');
    expect(u.counts.found).toBe(2);

    relocate(ctx, s.id, un.scan.id);
    expect(getAssetDetail(ctx, { tag: 'X-1' }).locationId).toBe(building);
    expect(() => relocate(ctx, s.id, un.scan.id)).toThrow(/already been relocated/);

    w.clock.set('2026-03-05T10:00:00Z');
    const closed = closeAudit(ctx, { auditId: s.id, signedOffBy: 'Audrey Auditor', note: 'Room 102 locked', nextAuditMonths: 6 });
    expect(closed).toMatchObject({ expected: 5, found: 2, missing: 3, unexpected: 1, unknown: 1 });
    expect(closed.session).toMatchObject({ status: 'closed', signedOffBy: 'Audrey Auditor' });
    expect(getAssetDetail(ctx, { tag: 'A-1' })).toMatchObject({ lastAuditAt: '2026-03-05', nextAuditAt: '2026-09-05' });
    expect(getAssetDetail(ctx, { tag: 'A-3' }).lastAuditAt).toBeNull();
    expect(getAssetDetail(ctx, { tag: 'A-3' }).timeline.some((t) => t.kind === 'audit' && t.result === 'missing')).toBe(true);
    expect(() => scan(ctx, s.id, 'A-3')).toThrow(/closed/);

    const detail = getAudit(ctx, s.id);
    expect(detail.expected.filter((e) => e.foundAt).map((e) => e.tag)).toEqual(['A-1', 'A-2']);
  });

  it('the reconciliation report lists every result and carries the chain head', async () => {
    const ctx = w.ctx(auditor);
    const s = startAudit(ctx, building, true);
    scan(ctx, s.id, 'A-1');
    scan(ctx, s.id, 'X-1');
    scan(ctx, s.id, 'ZZZ');
    closeAudit(ctx, { auditId: s.id, nextAuditMonths: 12 });
    const csv = await auditReport(ctx, s.id, 'csv');
    const head = verifyChain(w.store.sqlite).head!;
    expect(csv.chainHead).toBe(head);
    expect(csv.content).toContain(head);
    const lines = csv.content.split('\r\n');
    expect(lines).toContain('missing,A-2,Laptop 2,Room 101,,');
    expect(lines.some((l) => l.startsWith('unexpected,X-1,Stray monitor,Depot,'))).toBe(true);
    expect(lines.some((l) => l.startsWith('unknown,ZZZ,'))).toBe(true);
    expect(lines.some((l) => l.startsWith('found,A-1,Laptop 1,Room 101,'))).toBe(true);
    const pdf = await auditReport(ctx, s.id, 'pdf');
    const bytes = Buffer.from(pdf.content, 'base64');
    expect(bytes.subarray(0, 5).toString()).toBe('%PDF-');
    expect(pdf.mime).toBe('application/pdf');
  });

  it('5,000 expected assets: one op per snapshot row, scans and close', () => {
    const a = w.ctx(w.admin);
    const big = createLocation(a, { name: 'Warehouse', kind: 'building' }).id;
    const sqlite = w.store.sqlite;
    const ins = sqlite.prepare("INSERT INTO assets (id, scope_id, created_at, updated_at, tag, tag_key, name, type, status, location_id) VALUES (?, ?, ?, ?, ?, ?, ?, 'other', 'in_stock', ?)");
    sqlite.transaction(() => {
      for (let i = 0; i < 5000; i++) ins.run(`00000000-0000-7000-8000-${String(i).padStart(12, '0')}`, w.siteId, '2026-01-01', '2026-01-01', `W-${i}`, `W-${i}`, `Item ${i}`, big);
    })();
    const opsBefore = countRows(w.store, 'pending_ops');
    const s = startAudit(w.ctx(auditor), big, true);
    expect(s.expected).toBe(5000);
    expect(countRows(w.store, 'pending_ops') - opsBefore).toBe(5001);
    for (let i = 0; i < 100; i++) expect(scan(w.ctx(auditor), s.id, `W-${i * 7}`).result).toBe('found');
    expect(closeAudit(w.ctx(auditor), { auditId: s.id, nextAuditMonths: 12 })).toMatchObject({ found: 100, missing: 4900 });
  });
});
