import Papa from 'papaparse';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countRows, makeWorld, type World } from '../../testing';
import type { Actor } from '../core/context';
import { bulkAssets, checkinAsset, checkoutAsset, createAsset, getAssetDetail, linkTicket, relateAssets, transitionAsset, updateAsset } from './assets';
import { exportAssets, listAssets, searchAssets } from './list';
import { createLocation, listLocations, updateLocation } from './locations';
import { createTicket } from '../tickets/tickets';
import { renderLabels } from '../labels/labels';
import { AppError } from '../../../shared/result';
import { ASSET_SORTS, type AssetFilter, type AssetRow, type AssetSort } from '../../../shared/api/assets';
import { ASSET_STATUSES } from '../../../shared/assets/rules';

let w: World;
let tech: Actor;
let person: Actor;
let hq: string;
let room: string;
const SEED = 4242;

function rand(seed: number) {
  let s = seed >>> 0;
  return () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
}

beforeAll(() => {
  w = makeWorld();
  tech = w.user('technician', 'tara');
  person = w.user('requester', 'pete');
  const a = w.ctx(w.admin);
  hq = createLocation(a, { name: 'HQ', kind: 'building' }).id;
  room = createLocation(a, { name: 'Room 1', kind: 'room', parentId: hq }).id;
  console.log(`assets.test seed ${SEED}`);
  const r = rand(SEED);
  for (let i = 0; i < 300; i++) {
    createAsset(a, {
      tag: `T-${String(Math.floor(r() * 1e6)).padStart(6, '0')}-${i}`,
      name: ['Laptop', 'Monitor', 'Phone'][i % 3]! + ` ${i % 17}`,
      type: (['laptop', 'peripheral', 'phone'] as const)[i % 3],
      status: (['in_stock', 'in_repair', 'retired'] as const)[i % 3],
      locationId: i % 2 ? room : hq,
      warrantyEnd: i % 5 ? `2026-0${(i % 9) + 1}-1${i % 10}` : null,
      nextAuditAt: i % 4 ? `2026-1${i % 3}-0${(i % 9) + 1}` : null,
      manufacturer: i % 2 ? 'Dell' : 'HP',
    });
  }
});
afterAll(() => w.dispose());

describe('lifecycle', () => {
  it('moves through the lifecycle with history and reasons; illegal moves are refused', () => {
    const ctx = w.ctx(tech);
    const a = createAsset(ctx, { tag: 'LC-1', name: 'Lifecycle laptop', type: 'laptop', status: 'on_order' });
    transitionAsset(ctx, a.id, 'in_stock');
    expect(() => transitionAsset(ctx, a.id, 'disposed', 'x')).toThrow(/can only become/);
    expect(() => transitionAsset(ctx, a.id, 'retired')).toThrow(/Say why/);
    const out = checkoutAsset(ctx, a.id, { assignedToId: person.id, expectedReturn: '2026-04-01', note: 'New starter' });
    expect(out).toMatchObject({ status: 'deployed', assignedToName: person.displayName, expectedReturn: '2026-04-01' });
    expect(() => checkoutAsset(ctx, a.id, { assignedToId: person.id, expectedReturn: '2020-01-01' })).toThrow(/in the past/);
    const back = checkinAsset(ctx, a.id, { locationId: room, note: 'Returned' });
    expect(back).toMatchObject({ status: 'in_stock', assignedToId: null, locationId: room, locationPath: 'Head Office › HQ › Room 1' });
    transitionAsset(ctx, a.id, 'retired', 'Screen cracked');
    transitionAsset(ctx, a.id, 'disposed', 'WEEE recycling');
    const d = getAssetDetail(ctx, { tag: 'lc-1' });
    expect(d.timeline.filter((t) => t.kind === 'status').map((t) => (t.kind === 'status' ? `${t.from}>${t.to}:${t.reason ?? ''}` : ''))).toEqual([
      'null>on_order:',
      'on_order>in_stock:',
      'in_stock>deployed:New starter',
      'deployed>in_stock:Returned',
      'in_stock>retired:Screen cracked',
      'retired>disposed:WEEE recycling',
    ]);
    expect(d.timeline.filter((t) => t.kind === 'assignment').map((t) => (t.kind === 'assignment' ? t.action : ''))).toEqual(['checkout', 'checkin']);
  });

  it('tags are unique without regard to case; edits keep field history', () => {
    const ctx = w.ctx(tech);
    const a = createAsset(ctx, { tag: 'UQ-1', name: 'One' });
    expect(() => createAsset(ctx, { tag: 'uq-1', name: 'Two' })).toThrow(/already in use/);
    updateAsset(ctx, a.id, { serial: 'S-1', warrantyEnd: '2027-01-01', customFields: { ram: '16 GB' } });
    const d = getAssetDetail(ctx, { id: a.id });
    expect(d.customFields).toEqual({ ram: '16 GB' });
    expect(d.timeline.some((t) => t.kind === 'field' && t.field === 'serial' && t.to === 'S-1')).toBe(true);
  });

  it('relations, ticket links and part-of loops', () => {
    const ctx = w.ctx(tech);
    const pc = createAsset(ctx, { tag: 'REL-PC', name: 'PC' });
    const disk = createAsset(ctx, { tag: 'REL-DISK', name: 'Disk' });
    relateAssets(ctx, disk.id, pc.id, 'part_of');
    expect(() => relateAssets(ctx, pc.id, disk.id, 'part_of')).toThrow(/loop/);
    const t = createTicket(ctx, { type: 'incident', title: 'PC will not boot' });
    linkTicket(ctx, pc.id, t.id);
    const d = getAssetDetail(ctx, { id: pc.id });
    expect(d.relations).toEqual([expect.objectContaining({ kind: 'part_of', direction: 'incoming', otherTag: 'REL-DISK' })]);
    expect(d.tickets.map((x) => x.number)).toEqual([t.number]);
  });

  it('bulk actions on scanned tags report the ones that fail and apply the rest', () => {
    const ctx = w.ctx(tech);
    for (const t of ['BK-1', 'BK-2', 'BK-3']) createAsset(ctx, { tag: t, name: t });
    const r = bulkAssets(ctx, { tags: ['bk-1', 'BK-2', 'BK-404', 'BK-1'] }, { kind: 'checkout', assignedToId: person.id });
    expect(r).toEqual({ updated: 2, failed: [{ ref: 'BK-404', message: 'No asset is tagged BK-404.' }] });
    const r2 = bulkAssets(ctx, { tags: ['BK-1', 'BK-3'] }, { kind: 'checkin' });
    expect(r2.updated).toBe(1);
    expect(r2.failed[0]).toMatchObject({ ref: 'BK-3', message: expect.stringMatching(/Only a deployed/) });
    const m = bulkAssets(ctx, { tags: ['BK-1', 'BK-2', 'BK-3'] }, { kind: 'move', locationId: room });
    expect(m.updated).toBe(3);
    expect(listAssets(ctx, { filter: { locationId: hq, text: 'BK' }, sort: 'tag', limit: 10 }).items.map((x) => x.tag)).toEqual(['BK-1', 'BK-2', 'BK-3']);
  });
});

describe('list, search, export', () => {
  /** Independent reference: filter and sort in JS over every row. */
  function reference(sort: AssetSort, pred: (r: AssetRow & { tagKey: string }) => boolean): string[] {
    const all = (w.store.sqlite.prepare('SELECT id, tag, tag_key AS tagKey, name, status, warranty_end AS warrantyEnd, next_audit_at AS nextAuditAt, updated_at AS updatedAt, type, location_id AS locationId FROM assets WHERE deleted_hlc IS NULL').all() as (AssetRow & { tagKey: string })[]).filter(pred);
    const cmp = (a: unknown[], b: unknown[]) => {
      for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return (a[i] as string) < (b[i] as string) ? -1 : 1;
      return 0;
    };
    const key: Record<AssetSort, (r: AssetRow & { tagKey: string }) => unknown[]> = {
      tag: (r) => [r.tagKey],
      name: (r) => [r.name, r.id],
      updated: (r) => [r.updatedAt, r.id],
      warranty: (r) => [r.warrantyEnd ?? '9999-12-31', r.id],
      next_audit: (r) => [r.nextAuditAt ?? '9999-12-31', r.id],
      status: (r) => [r.status, r.tagKey],
    };
    // Date sorts keep every asset, those without the date last.
    const rows = all;
    rows.sort((a, b) => cmp(key[sort](a), key[sort](b)) * (sort === 'updated' ? -1 : 1));
    return rows.map((r) => r.id);
  }

  it.each(ASSET_SORTS)('keyset pages in %s order match a reference, with and without filters', (sort) => {
    const ctx = w.ctx(w.admin);
    const cases: [AssetFilter, (r: AssetRow) => boolean][] = [
      [{}, () => true],
      [{ status: ['in_repair'] }, (r) => r.status === 'in_repair'],
      [{ type: ['laptop', 'phone'] }, (r) => r.type === 'laptop' || r.type === 'phone'],
      [{ locationId: room }, (r) => r.locationId === room],
    ];
    for (const [filter, pred] of cases) {
      const got: string[] = [];
      let cursor: string | null = null;
      let first = true;
      while (first || cursor) {
        first = false;
        const page = listAssets(ctx, { filter, sort, limit: 37, cursor, withTotal: true });
        got.push(...page.items.map((i) => i.id));
        cursor = page.nextCursor;
      }
      expect(got).toEqual(reference(sort, pred));
    }
  });

  it('statuses filter exactly and a bad cursor is a clear error', () => {
    const ctx = w.ctx(w.admin);
    for (const s of ASSET_STATUSES) expect(listAssets(ctx, { filter: { status: [s] }, sort: 'tag', limit: 500 }).items.every((i) => i.status === s)).toBe(true);
    expect(() => listAssets(ctx, { filter: {}, sort: 'tag', limit: 5, cursor: 'garbage' })).toThrow(AppError);
  });

  it('search finds by exact tag, name words and serial', () => {
    const ctx = w.ctx(tech);
    createAsset(ctx, { tag: 'SRCH-1', name: 'Conference room projector', serial: 'PJ-778899' });
    expect(searchAssets(ctx, 'srch-1', 5)[0]!.tag).toBe('SRCH-1');
    expect(searchAssets(ctx, 'projector conference', 5).map((h) => h.tag)).toContain('SRCH-1');
    expect(searchAssets(ctx, 'PJ-778899', 5)[0]!.tag).toBe('SRCH-1');
  });

  it('exports the filtered list to CSV with Snipe-IT headers, neutralising formulas', () => {
    const ctx = w.ctx(w.admin);
    createAsset(ctx, { tag: 'CSV-1', name: '=HYPERLINK("http://x")', locationId: room });
    const f = exportAssets(ctx, { filter: { locationId: room }, sort: 'tag' });
    const parsed = Papa.parse<string[]>(f.content.replace(/^\uFEFF/, ''), { skipEmptyLines: true }).data;
    expect(parsed[0]!.slice(0, 3)).toEqual(['Asset Tag', 'Name', 'Type']);
    expect(parsed.length - 1).toBe(f.rows);
    expect(f.rows).toBe(listAssets(ctx, { filter: { locationId: room }, sort: 'tag', limit: 500, withTotal: true }).total);
    expect(parsed.find((r) => r[0] === 'CSV-1')![1]).toBe('\'=HYPERLINK("http://x")');
  });

  it('locations form a tree without loops', () => {
    const ctx = w.ctx(w.admin);
    expect(() => updateLocation(ctx, hq, { parentId: room })).toThrow(/own sub-locations/);
    expect(listLocations(ctx).find((l) => l.id === room)).toMatchObject({ path: 'Head Office › HQ › Room 1', depth: 2 });
  });

  it('labels: a PDF for each layout with the right number of pages', async () => {
    const ctx = w.ctx(tech);
    const tags = listAssets(ctx, { filter: {}, sort: 'tag', limit: 70 }).items.map((i) => i.tag);
    const a4 = await renderLabels(ctx, { layout: 'a4-3x8', tags, skip: 0 });
    expect(a4).toMatchObject({ labels: 70, pages: 3, mime: 'application/pdf' });
    expect(Buffer.from(a4.content, 'base64').subarray(0, 5).toString()).toBe('%PDF-');
    expect((await renderLabels(ctx, { layout: 'avery-l7651', tags, skip: 0 })).pages).toBe(2);
    expect((await renderLabels(ctx, { layout: 'avery-l7651', tags: tags.slice(0, 10), skip: 60 })).pages).toBe(2);
    expect((await renderLabels(ctx, { layout: 'dymo-30252', tags: tags.slice(0, 3), skip: 0, caption: 'Property of Outpost' })).pages).toBe(3);
    await expect(renderLabels(ctx, { layout: 'a4-3x8', tags: ['NOPE'], skip: 0 })).rejects.toThrow(/No asset for NOPE/);
  });

  it('nothing is written by a refused create', () => {
    const before = countRows(w.store, 'pending_ops');
    expect(() => createAsset(w.ctx(tech), { tag: 'BAD-LOC', name: 'x', locationId: '00000000-0000-7000-8000-000000000000' })).toThrow(/No such location/);
    expect(countRows(w.store, 'pending_ops')).toBe(before);
  });
});
