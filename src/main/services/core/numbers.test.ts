/**
 * Numbering on the device: on its own it counts locally and skips numbers it already holds; joined,
 * it numbers only from leased blocks in order (never below a number it used), and once they are used
 * up it gives provisional numbers naming this device; its own use is counted for its reserve.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeWorld, tempStore, type TempStore } from '../../testing';
import { createRisk } from '../risks/risks';
import { createTicket } from '../tickets/tickets';
import { addLeasedBlock, leasedRemaining, nextNumber, provisionalCount, recentUsage, startLeasing } from './numbers';
import { deviceId } from './ops';
import { deviceShort } from '../../../shared/numbers';

let store: TempStore;
beforeEach(() => {
  store = tempStore();
});
afterEach(() => store.dispose());

const at = new Date('2026-03-02T09:00:00Z');

describe('nextNumber', () => {
  it('counts locally on its own, skipping a number the store already holds', () => {
    const sqlite = store.sqlite;
    expect(nextNumber(sqlite, 'INC')).toBe('INC0000001');
    // A ticket pulled from another device holds INC0000002.
    sqlite.prepare("INSERT INTO tickets (id, scope_id, number, type, title, description, impact, urgency, priority, status, is_open, opened_at, created_at, updated_at, field_hlc) VALUES ('t2', 'global', 'INC0000002', 'incident', 'x', '', 3, 3, 4, 'new', 1, ?, ?, ?, '{}')").run(at.toISOString(), at.toISOString(), at.toISOString());
    expect(nextNumber(sqlite, 'INC')).toBe('INC0000003');
    expect(leasedRemaining(sqlite, 'INC')).toBeNull();
  });

  it('joined: numbers from leased blocks in order, never below a used number, then provisionally', () => {
    const sqlite = store.sqlite;
    expect(nextNumber(sqlite, 'INC')).toBe('INC0000001');
    startLeasing(sqlite, 'INC');
    // Before any lease arrives, numbers are provisional and name this device.
    const short = deviceShort(deviceId(sqlite));
    expect(nextNumber(sqlite, 'INC', at)).toBe(`INC-P-${short}-1`);
    addLeasedBlock(sqlite, 'INC', { first: 501, last: 502 });
    addLeasedBlock(sqlite, 'INC', { first: 101, last: 102 });
    expect(leasedRemaining(sqlite, 'INC')).toBe(4);
    expect([1, 2, 3, 4].map(() => nextNumber(sqlite, 'INC', at))).toEqual(['INC0000101', 'INC0000102', 'INC0000501', 'INC0000502']);
    expect(leasedRemaining(sqlite, 'INC')).toBe(0);
    // A block below numbers already used here is never used.
    addLeasedBlock(sqlite, 'INC', { first: 1, last: 50 });
    expect(leasedRemaining(sqlite, 'INC')).toBe(0);
    expect(nextNumber(sqlite, 'INC', at)).toBe(`INC-P-${short}-2`);
    expect(recentUsage(sqlite, 'INC', at)).toBe(6);
    // Use older than two weeks no longer counts toward the reserve.
    expect(recentUsage(sqlite, 'INC', new Date('2026-03-20T09:00:00Z'))).toBe(0);
  });
});

describe('a copy of a joined store', () => {
  it('skips a leased or provisional number the original gave and this copy has since pulled', () => {
    const sqlite = store.sqlite;
    const pulled = (id: string, number: string) =>
      sqlite
        .prepare("INSERT INTO tickets (id, scope_id, number, type, title, description, impact, urgency, priority, status, is_open, opened_at, created_at, updated_at, field_hlc) VALUES (?, 'global', ?, 'incident', 'x', '', 3, 3, 4, 'new', 1, ?, ?, ?, '{}')")
        .run(id, number, at.toISOString(), at.toISOString(), at.toISOString());
    startLeasing(sqlite, 'INC');
    addLeasedBlock(sqlite, 'INC', { first: 101, last: 103 });
    expect(nextNumber(sqlite, 'INC', at)).toBe('INC0000101');
    // The original (same leases, same counters) gave 102 after the copy was made; the copy pulled it.
    pulled('t-original-1', 'INC0000102');
    expect(nextNumber(sqlite, 'INC', at)).toBe('INC0000103');
    // Out of leased numbers, the same for the provisional ones, which name the same device.
    const short = deviceShort(deviceId(sqlite));
    pulled('t-original-2', `INC-P-${short}-1`);
    expect(nextNumber(sqlite, 'INC', at)).toBe(`INC-P-${short}-2`);
    expect(leasedRemaining(sqlite, 'INC')).toBe(0);
  });
});

describe('provisionalCount', () => {
  it('counts the provisional numbers of each prefix in the records that prefix numbers, and no others', () => {
    const w = makeWorld();
    try {
      const ctx = w.ctx(w.admin);
      for (const prefix of ['INC', 'RSK', 'PRB']) startLeasing(w.store.sqlite, prefix);
      // No leased block yet: every new number is provisional.
      createTicket(ctx, { type: 'incident', title: 'Printer offline on floor 2' });
      createTicket(ctx, { type: 'incident', title: 'Badge reader refuses cards' });
      createRisk(ctx, { title: 'Laptops carried unencrypted' });
      expect(provisionalCount(w.store.sqlite, 'INC')).toBe(2);
      expect(provisionalCount(w.store.sqlite, 'RSK')).toBe(1);
      expect(provisionalCount(w.store.sqlite, 'PRB')).toBe(0);
      expect(provisionalCount(w.store.sqlite, 'REQ')).toBe(0);
      // A ticket numbered from a leased block is not counted.
      addLeasedBlock(w.store.sqlite, 'INC', { first: 1, last: 10 });
      createTicket(ctx, { type: 'incident', title: 'VPN drops every hour' });
      expect(provisionalCount(w.store.sqlite, 'INC')).toBe(2);
    } finally {
      w.dispose();
    }
  });
});
