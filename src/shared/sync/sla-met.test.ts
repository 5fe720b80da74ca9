/**
 * The recorded SLA outcome on a ticket (sla_met): staff record it with the resolution, a requester
 * never writes it, and only 0, 1 or empty is stored.
 */
import { describe, expect, it } from 'vitest';
import { judgeWrite, type Principal } from './access';
import type { RecordState } from './merge';

const tech: Principal = { id: 'u-tech', role: 'technician', sites: ['site-a'] };
const requester: Principal = { id: 'u-req', role: 'requester', sites: ['site-a'] };
const ticket: RecordState = {
  entity: 'tickets',
  id: 't1',
  scopeId: 'site-a',
  data: { status: 'in_progress', requester_id: 'u-req', number: 'INC0000001' },
  fieldHlc: {},
  deletedHlc: null,
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
};
const resolve = (sla: unknown) => ({
  kind: 'transition' as const,
  entity: 'tickets',
  recordId: 't1',
  scopeId: 'site-a',
  payload: { from: 'in_progress', to: 'resolved', fields: { is_open: 0, resolution_code: 'solved_permanently', resolved_at: '2026-01-02T00:00:00.000Z', sla_met: sla } },
});

describe('tickets.sla_met', () => {
  it('is recorded by a technician resolving a ticket', () => {
    const j = judgeWrite(tech, resolve(1), ticket, null);
    expect(j.ok).toBe(true);
    if (j.ok) expect((j.payload.fields as Record<string, unknown>).sla_met).toBe(1);
  });

  it('holds only met, missed or empty', () => {
    expect(judgeWrite(tech, resolve(0), ticket, null).ok).toBe(true);
    expect(judgeWrite(tech, resolve(null), ticket, null).ok).toBe(true);
    expect(judgeWrite(tech, resolve(2), ticket, null).ok).toBe(false);
  });

  it('is never written by a requester', () => {
    const created = judgeWrite(requester, { kind: 'create', entity: 'tickets', recordId: 't2', scopeId: 'site-a', payload: { number: 'INC0000002', type: 'incident', title: 'Printer', description: '', impact: 3, urgency: 3, priority: 4, status: 'new', is_open: 1, opened_at: '2026-01-01T00:00:00.000Z', sla_met: 1 } }, null, null);
    expect(created).toMatchObject({ ok: false });
    // A requester's device sends every field of a new ticket, the outcome empty: that is fine.
    const empty = judgeWrite(requester, { kind: 'create', entity: 'tickets', recordId: 't3', scopeId: 'site-a', payload: { number: 'INC0000003', type: 'incident', title: 'Printer', description: '', impact: 3, urgency: 3, priority: 4, status: 'new', is_open: 1, opened_at: '2026-01-01T00:00:00.000Z', sla_met: null } }, null, null);
    expect(empty).toMatchObject({ ok: true });
    const closing = judgeWrite(requester, { kind: 'transition', entity: 'tickets', recordId: 't1', scopeId: 'site-a', payload: { from: 'resolved', to: 'closed', fields: { is_open: 0, sla_met: 1 } } }, { ...ticket, data: { ...ticket.data, status: 'resolved' } }, null);
    expect(closing).toMatchObject({ ok: false });
  });
});
