import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeWorld, type World } from '../../testing';
import { createRisk, listRisks, reviewRisk, updateRisk } from '../risks/risks';
import { riskKpis } from './registers';

let w: World;
beforeEach(() => {
  w = makeWorld();
});
afterEach(() => w.dispose());

describe('risk reviews overdue', () => {
  it('counts open risks past their review cadence, as the risk list\'s "review overdue" lists them, day by day', () => {
    const ctx = w.ctx(w.admin);
    const monthly = createRisk(ctx, { title: 'Monthly review', reviewEveryDays: 30 });
    createRisk(ctx, { title: 'Quarterly review', reviewEveryDays: 90 });
    const closed = createRisk(ctx, { title: 'Closed, never reviewed', reviewEveryDays: 7 });
    updateRisk(ctx, { id: closed.id, status: 'closed' });
    createRisk(ctx, { title: 'No cadence' });
    const overdue = () => ({ figure: riskKpis(w.ctx(w.admin), {}).reviewsOverdue, listed: listRisks(w.ctx(w.admin), { reviewOverdue: true, limit: 50, offset: 0 }).total });
    expect(overdue()).toEqual({ figure: 0, listed: 0 });
    w.clock.advance(31 * 86_400_000);
    expect(overdue()).toEqual({ figure: 1, listed: 1 });
    reviewRisk(w.ctx(w.admin), monthly.id, 'Looked again');
    expect(overdue()).toEqual({ figure: 0, listed: 0 });
    w.clock.advance(60 * 86_400_000);
    expect(overdue()).toEqual({ figure: 2, listed: 2 });
    expect(riskKpis(w.ctx(w.admin), {}).open).toBe(3);
  });
});
