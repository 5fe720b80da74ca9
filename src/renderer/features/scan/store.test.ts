import { describe, expect, it } from 'vitest';
import { currentScanHandler, pushScanHandler, useScanStore } from './store';

describe('scan handler stack', () => {
  it('gives scans to the newest screen and falls back when it unmounts', () => {
    expect(currentScanHandler()).toBeNull();
    const got: string[] = [];
    const popBatch = pushScanHandler((c) => got.push(`batch:${c}`), 'Batch');
    const popAudit = pushScanHandler((c) => got.push(`audit:${c}`), 'Audit: Room 1');
    expect(useScanStore.getState().targetLabel).toBe('Audit: Room 1');
    currentScanHandler()!('A-1');
    popAudit();
    expect(useScanStore.getState().targetLabel).toBe('Batch');
    currentScanHandler()!('A-2');
    popBatch();
    expect(currentScanHandler()).toBeNull();
    expect(useScanStore.getState().targetLabel).toBeNull();
    expect(got).toEqual(['audit:A-1', 'batch:A-2']);
  });

  it('removes the right handler when they unmount out of order', () => {
    const popA = pushScanHandler(() => {}, 'A');
    const popB = pushScanHandler(() => {}, 'B');
    popA();
    expect(useScanStore.getState().targetLabel).toBe('B');
    popB();
    expect(currentScanHandler()).toBeNull();
  });
});
