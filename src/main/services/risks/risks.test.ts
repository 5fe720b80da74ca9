/**
 * The risk register on a real store: numbers RSK-0001 on, levels read from the matrix grid, every
 * score change in the history with who and why (only the changed part sent), scores off the matrix
 * refused, controls' status on each risk they treat, review overdue, filters and the heat map.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeWorld, type World } from '../../testing';
import { FIXTURES } from '../assets/test-fixtures';
import { importLibrary } from '../grc/grc';
import { createRisk, getRisk, heatMap, linkRisk, listRisks, reviewRisk, updateRisk } from './risks';
import { createControl, updateControl } from './controls';
import { listAlerts } from '../alerts/alerts';

let w: World;
let m3: string;
beforeEach(() => {
  w = makeWorld();
  m3 = importLibrary(w.ctx(w.admin), fs.readFileSync(path.join(FIXTURES, 'grc/risk-matrix-3x3-mult.yaml'), 'utf8')).id;
});
afterEach(() => w.dispose());

const opsFor = (id: string) =>
  w.store.sqlite.prepare('SELECT kind, entity, payload FROM pending_ops WHERE record_id = ? ORDER BY device_seq').all(id) as {
    kind: string;
    entity: string;
    payload: string;
  }[];

describe('risk register', () => {
  it('numbers risks, derives levels from the grid and keeps a history of score changes', () => {
    const tech = w.user('technician');
    const ctx = w.ctx(tech, 'risks.create');
    const a = createRisk(ctx, { title: 'Ransomware on the plant network', matrixId: m3, inherent: { likelihood: 3, impact: 3 } });
    const b = createRisk(ctx, { title: 'Badge reader fails open', matrixId: m3 });
    expect([a.number, b.number]).toEqual(['RSK-0001', 'RSK-0002']);
    expect(a.status).toBe('assessed');
    expect(b.status).toBe('identified');
    expect(a.inherent).toMatchObject({ likelihood: 3, impact: 3, level: { index: 5 } }); // grid[2][2] of the 3×3 matrix
    expect(b.inherent).toEqual({ likelihood: null, impact: null, level: null });

    const u = updateRisk(w.ctx(tech, 'risks.update'), {
      id: a.id,
      current: { likelihood: 2, impact: 3 },
      reason: 'Offline backups tested',
    });
    expect(u.current.level).not.toBeNull();
    const raised = updateRisk(w.ctx(tech, 'risks.update'), {
      id: a.id,
      current: { likelihood: 3, impact: 3 },
      reason: 'New exploit in the wild',
    });
    expect(raised.history.map((h) => [h.stage, h.to.likelihood, h.reason])).toEqual([
      ['current', 3, 'New exploit in the wild'],
      ['current', 2, 'Offline backups tested'],
      ['inherent', 3, 'Scored when the risk was raised.'],
    ]);
    expect(raised.history[0]!.actorName).toBe(tech.displayName);
    // Only the likelihood changed, so only it was sent (an impact raised elsewhere survives).
    const last = opsFor(a.id).at(-1)!;
    expect(JSON.parse(last.payload)).toEqual({ current_likelihood: 3 });
  });

  it('refuses scores off the matrix and an acceptance without approver', () => {
    const ctx = w.ctx(w.admin);
    expect(() => createRisk(ctx, { title: 'x', matrixId: m3, inherent: { likelihood: 4, impact: 1 } })).toThrow(
      /likelihood 4 is off the matrix: its probability scale has 3 levels/,
    );
    const r = createRisk(ctx, { title: 'x', matrixId: m3 });
    expect(() => updateRisk(ctx, { id: r.id, residual: { likelihood: 1, impact: 9 } })).toThrow(/impact 9 is off the matrix/);
    expect(() => updateRisk(ctx, { id: r.id, status: 'accepted' })).toThrow(/approver and a justification/);
    const ok = updateRisk(ctx, {
      id: r.id,
      status: 'accepted',
      treatment: 'accept',
      acceptance: { approverId: w.admin.id, justification: 'Within appetite', expiresOn: '2026-03-01' },
    });
    expect(ok.acceptanceExpired).toBe(true);
    expect(ok.acceptance.approverName).toBe(w.admin.displayName);
  });

  it('requesters and auditors cannot write risks', () => {
    const r = w.user('requester');
    const aud = w.user('auditor');
    expect(() => createRisk(w.ctx(r), { title: 'x', matrixId: m3 })).toThrow(/Only administrators and technicians/);
    expect(() => createRisk(w.ctx(aud), { title: 'x', matrixId: m3 })).toThrow(/Only administrators and technicians/);
  });

  it('shows the status of each control on the risks it treats', () => {
    const ctx = w.ctx(w.admin);
    const c = createControl(ctx, { name: 'Offline backups', status: 'planned' });
    const r = createRisk(ctx, { title: 'Ransomware', matrixId: m3, controlIds: [c.id] });
    expect(getRisk(ctx, r.id).controls).toEqual([{ id: c.id, name: 'Offline backups', status: 'planned', dueOn: null }]);
    updateControl(ctx, { id: c.id, status: 'active' });
    expect(getRisk(ctx, r.id).controls[0]!.status).toBe('active');
    expect(listRisks(ctx, { controlId: c.id, limit: 10, offset: 0 }).total).toBe(1);
    linkRisk(ctx, { id: r.id, kind: 'control', targetId: c.id, present: false });
    expect(getRisk(ctx, r.id).controls).toEqual([]);
    const again = linkRisk(ctx, { id: r.id, kind: 'control', targetId: c.id, present: true });
    expect(again.controls).toHaveLength(1);
    expect(
      opsFor(again.controls[0] ? (w.store.sqlite.prepare('SELECT id FROM risk_controls').pluck().get() as string) : '').map((o) => o.kind),
    ).toEqual(['setAdd', 'setRemove', 'setAdd']);
  });

  it('review cadence: overdue after the period, reset by a review', () => {
    const ctx = w.ctx(w.admin);
    const r = createRisk(ctx, { title: 'Old UPS', matrixId: m3, reviewEveryDays: 30 });
    expect(r.reviewOverdue).toBe(false);
    w.clock.advance(31 * 86_400_000);
    expect(getRisk(ctx, r.id).reviewOverdue).toBe(true);
    expect(listRisks(ctx, { reviewOverdue: true, limit: 10, offset: 0 }).items.map((x) => x.id)).toEqual([r.id]);
    expect(reviewRisk(ctx, r.id, 'Checked').reviewOverdue).toBe(false);
  });

  it('heat map counts each stage per cell and a cell filters the list', () => {
    const ctx = w.ctx(w.admin);
    createRisk(ctx, { title: 'a', matrixId: m3, inherent: { likelihood: 3, impact: 2 }, residual: { likelihood: 1, impact: 1 } });
    createRisk(ctx, { title: 'b', matrixId: m3, inherent: { likelihood: 3, impact: 2 } });
    createRisk(ctx, { title: 'c', matrixId: m3, inherent: { likelihood: 1, impact: 1 } });
    const h = heatMap(ctx, { matrixId: m3 });
    expect(h.counts.inherent[2]![1]).toBe(2);
    expect(h.counts.inherent[0]![0]).toBe(1);
    expect(h.counts.residual.flat().reduce((s, n) => s + n, 0)).toBe(1);
    const cell = listRisks(ctx, { cell: { stage: 'inherent', likelihood: 3, impact: 2 }, limit: 10, offset: 0 });
    expect(cell.items.map((r) => r.title).sort()).toEqual(['a', 'b']);
  });

  it('an expired acceptance and an overdue review raise alerts', () => {
    const ctx = w.ctx(w.admin);
    const r = createRisk(ctx, { title: 'Legacy SCADA protocol', matrixId: m3, status: 'accepted', treatment: 'accept', acceptance: { approverId: w.admin.id, justification: 'Replaced next year', expiresOn: '2026-04-01' }, reviewEveryDays: 90 });
    const kinds = () => listAlerts(ctx, { horizonDays: 30, limit: 50 }).items.filter((a) => a.recordType === 'risk').map((a) => a.kind);
    expect(kinds()).toEqual([]);
    w.clock.set('2026-04-02T09:00:00Z');
    expect(listAlerts(ctx, { horizonDays: 30, limit: 50 }).items.find((a) => a.kind === 'risk_acceptance_expired')).toMatchObject({ recordId: r.id, title: `The acceptance of ${r.number} expired on 2026-04-01` });
    w.clock.set('2026-06-02T09:00:00Z');
    expect(kinds().sort()).toEqual(['risk_acceptance_expired', 'risk_review_overdue']);
  });
});
