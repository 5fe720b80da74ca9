import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeWorld, type World } from '../../testing';
import type { Actor } from '../core/context';
import { createAsset, transitionAsset } from '../assets/assets';
import { addSoftware } from '../software/software';
import { assignSeat, compliance, createEntitlement, createProduct, renewals, unassignSeat, updateEntitlement } from './licences';
import { AppError } from '../../../shared/result';

let w: World;
let tech: Actor;
beforeEach(() => {
  w = makeWorld();
  w.clock.set('2026-03-02T09:00:00Z');
  tech = w.user('technician', 'lena');
});
afterEach(() => w.dispose());

let tagSeq = 0;
function estate(n: number, software: string, version = '1') {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const a = createAsset(w.ctx(tech), { tag: `PC-${++tagSeq}`, name: `PC ${i}` });
    addSoftware(w.ctx(tech), { assetId: a.id, name: software, version });
    ids.push(a.id);
  }
  return ids;
}

describe('compliance', () => {
  it('entitled vs installed vs assigned, over and under, with the cost of the gap', () => {
    const office = createProduct(w.ctx(tech), { name: 'Office 2021', vendor: 'Microsoft', matchNames: ['microsoft office professional plus 2021'] });
    const pcs = estate(12, 'Microsoft Office Professional Plus 2021');
    createEntitlement(w.ctx(tech), { productId: office.id, type: 'per_device', seats: 5, cost: 1000, startDate: '2025-01-01', endDate: '2027-01-01' });
    createEntitlement(w.ctx(tech), { productId: office.id, type: 'per_device', seats: 5, cost: 1500, startDate: '2025-06-01' });
    // An expired entitlement does not count.
    createEntitlement(w.ctx(tech), { productId: office.id, type: 'per_device', seats: 50, cost: 100, startDate: '2020-01-01', endDate: '2025-12-31' });
    const visio = createProduct(w.ctx(tech), { name: 'Visio' });
    const ent = createEntitlement(w.ctx(tech), { productId: visio.id, type: 'per_device', seats: 10, cost: 2000 });
    estate(2, 'Microsoft Visio');
    for (const id of pcs.slice(0, 4)) assignSeat(w.ctx(tech), { entitlementId: ent.id, assetId: id });

    const c = compliance(w.ctx(tech));
    const o = c.items.find((i) => i.productId === office.id)!;
    // 12 installs on 10 seats in force; unit cost over every priced entitlement = (1000+1500+100)/60.
    expect(o).toMatchObject({ entitled: 10, installed: 12, assigned: 0, used: 12, gap: -2, status: 'under', unitCost: 43.33, gapCost: 86.66 });
    const v = c.items.find((i) => i.productId === visio.id)!;
    expect(v).toMatchObject({ entitled: 10, installed: 2, assigned: 4, used: 4, gap: 6, status: 'over', unitCost: 200, gapCost: 1200 });
    expect(c.totals).toEqual({ under: 1, over: 1, expired: 0, gapCost: 86.66 });

    // Retiring two of the Office PCs brings it into line.
    transitionAsset(w.ctx(tech), pcs[0]!, 'retired', 'Broken');
    transitionAsset(w.ctx(tech), pcs[1]!, 'retired', 'Broken');
    expect(compliance(w.ctx(tech), office.id).items[0]).toMatchObject({ installed: 10, gap: 0, status: 'compliant', gapCost: 0 });
  });

  it('licences that have all ended are expired, not compliant, and show the seats that lapsed', () => {
    const old = createProduct(w.ctx(tech), { name: 'Acrobat 9' });
    createEntitlement(w.ctx(tech), { productId: old.id, type: 'per_device', seats: 30, startDate: '2014-01-01', endDate: '2016-06-30' });
    createEntitlement(w.ctx(tech), { productId: old.id, type: 'per_device', seats: 20, startDate: '2014-01-01', endDate: '2016-12-31' });
    const future = createProduct(w.ctx(tech), { name: 'Figma' });
    createEntitlement(w.ctx(tech), { productId: future.id, type: 'subscription', seats: 5, startDate: '2026-04-01' });
    const c = compliance(w.ctx(tech));
    expect(c.items.find((i) => i.productId === old.id)).toMatchObject({ entitled: 0, used: 0, status: 'expired', entitlements: 2, inForce: 0, expiredSeats: 50 });
    expect(c.items.find((i) => i.productId === future.id)).toMatchObject({ entitled: 0, status: 'not_started', inForce: 0, expiredSeats: 0 });
    expect(c.totals.expired).toBe(1);
    // Still installed somewhere after it ended: that is under-licensed, whatever was bought before.
    estate(3, 'Acrobat 9 Pro');
    expect(compliance(w.ctx(tech), old.id).items[0]).toMatchObject({ entitled: 0, installed: 3, gap: -3, status: 'under' });
  });

  it('a site licence is unlimited; seats cannot be over-assigned or lowered below use', () => {
    const p = createProduct(w.ctx(tech), { name: '7-Zip' });
    createEntitlement(w.ctx(tech), { productId: p.id, type: 'site', seats: null });
    estate(3, '7-Zip 23.01');
    expect(compliance(w.ctx(tech), p.id).items[0]).toMatchObject({ entitled: null, installed: 3, status: 'unlimited', gap: null });
    const q = createProduct(w.ctx(tech), { name: 'CAD Pro' });
    const e = createEntitlement(w.ctx(tech), { productId: q.id, type: 'per_user', seats: 1 });
    const u1 = w.user('requester', 'ann');
    const u2 = w.user('requester', 'bob');
    const a = assignSeat(w.ctx(tech), { entitlementId: e.id, userId: u1.id });
    expect(() => assignSeat(w.ctx(tech), { entitlementId: e.id, userId: u2.id })).toThrow(/All 1 seats/);
    expect(() => assignSeat(w.ctx(tech), { entitlementId: e.id, assetId: createAsset(w.ctx(tech), { tag: 'Z', name: 'z' }).id })).toThrow(AppError);
    expect(() => updateEntitlement(w.ctx(tech), e.id, { seats: 0 })).toThrow(/1 seats are assigned/);
    unassignSeat(w.ctx(tech), a.id);
    expect(updateEntitlement(w.ctx(tech), e.id, { seats: 0 }).seats).toBe(0);
  });
});

describe('renewals', () => {
  it('lists entitlements ending in 30/60/90 days with their bucket', () => {
    const p = createProduct(w.ctx(tech), { name: 'Antivirus' });
    for (const end of ['2026-03-10', '2026-04-20', '2026-05-25', '2026-08-01', '2026-02-01']) createEntitlement(w.ctx(tech), { productId: p.id, type: 'subscription', seats: 10, endDate: end });
    expect(renewals(w.ctx(tech), 30).map((r) => [r.endDate, r.daysLeft, r.bucket])).toEqual([['2026-03-10', 8, 30]]);
    expect(renewals(w.ctx(tech), 90).map((r) => [r.endDate, r.bucket])).toEqual([
      ['2026-03-10', 30],
      ['2026-04-20', 60],
      ['2026-05-25', 90],
    ]);
  });
});
