/**
 * Numbering on the device: on its own it counts locally and skips numbers it already holds; joined,
 * it numbers only from leased blocks in order (never below a number it used), and once they are used
 * up it gives provisional numbers naming this device; its own use is counted for its reserve.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempStore, type TempStore } from '../../testing';
import { addLeasedBlock, leasedRemaining, nextNumber, recentUsage, startLeasing } from './numbers';
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
