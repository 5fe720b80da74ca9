/** UI-only state of the shell: nav collapsed, the shortcut sheet. Persisted where a user expects it. */
import { create } from 'zustand';

const NAV_KEY = 'outpost.navCollapsed';

interface UiState {
  navCollapsed: boolean;
  shortcutsOpen: boolean;
  toggleNav(): void;
  setShortcutsOpen(open: boolean): void;
}

export const useUi = create<UiState>((set) => ({
  navCollapsed: localStorage.getItem(NAV_KEY) === '1',
  shortcutsOpen: false,
  toggleNav: () =>
    set((s) => {
      localStorage.setItem(NAV_KEY, s.navCollapsed ? '0' : '1');
      return { navCollapsed: !s.navCollapsed };
    }),
  setShortcutsOpen: (open) => set({ shortcutsOpen: open }),
}));
