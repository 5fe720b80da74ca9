/** Seeded tickets as the server stores them, for the sync benchmarks (bench/sync.bench.ts and its server process). */
import { generateTickets, mulberry32 } from '../src/main/services/tickets/generate';
import { DEFAULT_PRIORITY_MATRIX, formatNumber, isOpen, numberPrefix, priorityFor } from '../src/shared/tickets/rules';
import { uuidv7 } from '../src/shared/ids';
import { formatHlc } from '../src/shared/hlc';
import type { StoredRecord } from '../src/server/store/types';

export const BENCH_NOW = new Date('2026-03-02T09:00:00Z');

export function ticketRecords(count: number, siteId: string, startNumber: number, seed: number): StoredRecord[] {
  const specs = generateTickets(mulberry32(seed), count, { now: BENCH_NOW, siteIds: [siteId], groupIds: [], technicianIds: [], requesterIds: [] });
  const stamp = `${formatHlc({ wall: BENCH_NOW.getTime(), counter: 0 })}@bench`;
  const next = { INC: startNumber, REQ: startNumber };
  return specs.map((s) => {
    const prefix = numberPrefix(s.type) as 'INC' | 'REQ';
    const data: Record<string, unknown> = {
      number: formatNumber(prefix, next[prefix]++), type: s.type, title: s.title, description: s.description, category: s.category, subcategory: s.subcategory,
      impact: s.impact, urgency: s.urgency, priority: priorityFor(DEFAULT_PRIORITY_MATRIX, s.impact, s.urgency), priority_overridden: 0, status: s.status,
      is_open: isOpen(s.status) ? 1 : 0, pending_reason: s.pendingReason, resolution_code: s.resolutionCode, resolution_notes: s.resolutionNotes,
      assignee_id: null, group_id: null, requester_id: null, contact_channel: s.contactChannel, linked_asset_id: null, opened_at: s.openedAt,
      first_response_at: s.firstResponseAt, resolved_at: s.resolvedAt, closed_at: s.closedAt,
    };
    const fieldHlc: Record<string, string> = { scope_id: stamp };
    for (const k of Object.keys(data)) fieldHlc[k] = stamp;
    return { entity: 'tickets', id: uuidv7(), scopeId: siteId, data, fieldHlc, deletedHlc: null, createdAt: s.openedAt, updatedAt: s.openedAt, seq: 0, fieldSeq: {} };
  });
}
