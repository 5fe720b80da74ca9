/**
 * The audit in progress on this computer: while set, a scan caught on any screen goes to it.
 * Kept in localStorage so a reload (or a crash) on site does not lose where scans go.
 */
import { create } from 'zustand';

const KEY = 'outpost.audit.active';

export interface ActiveAudit {
  id: string;
  label: string;
}

interface AuditUiState {
  active: ActiveAudit | null;
  setActive(a: ActiveAudit | null): void;
}

function load(): ActiveAudit | null {
  try {
    const v = JSON.parse(localStorage.getItem(KEY) ?? 'null') as Partial<ActiveAudit> | null;
    return v && typeof v.id === 'string' && typeof v.label === 'string' ? { id: v.id, label: v.label } : null;
  } catch {
    return null;
  }
}

export const useAuditUi = create<AuditUiState>((set) => ({
  active: load(),
  setActive: (active) => {
    try {
      if (active) localStorage.setItem(KEY, JSON.stringify(active));
      else localStorage.removeItem(KEY);
    } catch {
      // not persisted: still works for this window
    }
    set({ active });
  },
}));
