/**
 * Where a caught scan goes. Screens that want scans (an audit in progress, a batch on the asset
 * list) push a handler while mounted; the newest one wins. With none, the shell's default opens
 * the asset. The indicator state lives in a small zustand store for the top bar.
 */
import { create } from 'zustand';

export type ScanHandler = (code: string) => void;

interface ScanUiState {
  /** Lit while a burst is being typed and briefly after a scan is caught. */
  lit: boolean;
  lastCode: string | null;
  lastAt: number | null;
  /** What the newest handler says it does with a scan ("Audit: Room 101"), shown beside the indicator. */
  targetLabel: string | null;
  setLit(lit: boolean): void;
  caught(code: string): void;
  setTargetLabel(label: string | null): void;
}

export const useScanStore = create<ScanUiState>((set) => ({
  lit: false,
  lastCode: null,
  lastAt: null,
  targetLabel: null,
  setLit: (lit) => set({ lit }),
  caught: (code) => set({ lit: true, lastCode: code, lastAt: Date.now() }),
  setTargetLabel: (targetLabel) => set({ targetLabel }),
}));

interface Registered {
  handler: ScanHandler;
  label: string;
}

const stack: Registered[] = [];

function refreshLabel() {
  useScanStore.getState().setTargetLabel(stack.at(-1)?.label ?? null);
}

/** Pushes a handler; returns the function that removes it. */
export function pushScanHandler(handler: ScanHandler, label: string): () => void {
  const entry: Registered = { handler, label };
  stack.push(entry);
  refreshLabel();
  return () => {
    const i = stack.indexOf(entry);
    if (i >= 0) stack.splice(i, 1);
    refreshLabel();
  };
}

/** The handler that should take a scan now, or null for the shell's default (open the asset). */
export function currentScanHandler(): ScanHandler | null {
  return stack.at(-1)?.handler ?? null;
}

const SETTINGS_KEY = 'outpost.scan.settings';

export interface ScannerSettings {
  /** Largest gap between keys of one scan. Some Bluetooth scanners in keyboard mode need 50–80 ms. */
  maxGapMs: number;
  minLength: number;
}

export const DEFAULT_SCANNER_SETTINGS: ScannerSettings = { maxGapMs: 35, minLength: 4 };

function loadSettings(): ScannerSettings {
  try {
    const v = JSON.parse(localStorage.getItem(SETTINGS_KEY) ?? 'null') as Partial<ScannerSettings> | null;
    const gap = Number(v?.maxGapMs);
    const len = Number(v?.minLength);
    return {
      maxGapMs: Number.isFinite(gap) && gap >= 5 && gap <= 1000 ? gap : DEFAULT_SCANNER_SETTINGS.maxGapMs,
      minLength: Number.isInteger(len) && len >= 2 && len <= 64 ? len : DEFAULT_SCANNER_SETTINGS.minLength,
    };
  } catch {
    return DEFAULT_SCANNER_SETTINGS;
  }
}

interface ScannerSettingsState extends ScannerSettings {
  update(patch: Partial<ScannerSettings>): void;
}

/** Per-computer scanner tuning (the scanner is a device of this machine, not a user preference). */
export const useScannerSettings = create<ScannerSettingsState>((set, get) => ({
  ...loadSettings(),
  update: (patch) => {
    set(patch);
    const { maxGapMs, minLength } = get();
    try {
      localStorage.setItem(SETTINGS_KEY, JSON.stringify({ maxGapMs, minLength }));
    } catch {
      // kept for this session only
    }
  },
}));
