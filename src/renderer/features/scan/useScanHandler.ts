/** Lets a mounted screen take scans (an audit, a batch) instead of the default "open the asset". */
import { useEffect, useRef } from 'react';
import { pushScanHandler, type ScanHandler } from './store';

/** Pass null to leave scans to the default; the label shows beside the scan indicator. */
export function useScanHandler(handler: ScanHandler | null, label: string): void {
  const ref = useRef(handler);
  ref.current = handler;
  const active = handler !== null;
  useEffect(() => {
    if (!active) return;
    return pushScanHandler((code) => ref.current?.(code), label);
  }, [active, label]);
}
