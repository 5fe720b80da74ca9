/** The signed-in session (token and user), kept in localStorage so a reload stays signed in. */
import { create } from 'zustand';
import type { SessionInfo, UserSummary } from '../../shared/api/setup';
import type { Role } from '../../shared/api';
import { configureClient } from '../lib/client';
import { clearCache } from '../lib/query';

const KEY = 'outpost.session';
const LAST_USER_KEY = 'outpost.lastUser';
/**
 * UI state that belongs to whoever used this machine last (queue filters, asset selection, the
 * audit in progress, comment drafts). A different person signing in starts clean.
 */
const PER_USER_PREFIXES = ['outpost.queue', 'outpost.assets', 'outpost.audit', 'outpost.draft'];

function forgetPreviousUser(userId: string): boolean {
  const last = localStorage.getItem(LAST_USER_KEY);
  localStorage.setItem(LAST_USER_KEY, userId);
  if (!last || last === userId) return false;
  for (let i = localStorage.length - 1; i >= 0; i--) {
    const k = localStorage.key(i);
    if (k && PER_USER_PREFIXES.some((p) => k.startsWith(p))) localStorage.removeItem(k);
  }
  return true;
}

interface SessionState {
  token: string | null;
  user: UserSummary | null;
  /** Set when the server ended the session, so sign-in can say why. */
  expired: boolean;
  /** The console is locked (idle, or locked by hand): only the lock screen shows until unlocked. */
  locked: boolean;
  setLocked(locked: boolean): void;
  signIn(s: SessionInfo): void;
  signOut(opts?: { expired?: boolean }): void;
  setUser(u: UserSummary): void;
}

function load(): { token: string | null; user: UserSummary | null } {
  try {
    const raw = localStorage.getItem(KEY);
    if (!raw) return { token: null, user: null };
    const v = JSON.parse(raw) as { token?: unknown; user?: unknown };
    if (typeof v.token === 'string' && v.user && typeof v.user === 'object') return { token: v.token, user: v.user as UserSummary };
  } catch {
    // a corrupt entry just means signing in again
  }
  return { token: null, user: null };
}

export const useSession = create<SessionState>((set) => ({
  ...load(),
  expired: false,
  locked: false,
  setLocked: (locked) => {
    // Whatever was fetched or refused while locked is asked again once unlocked.
    if (!locked) clearCache();
    set({ locked });
  },
  signIn: (s) => {
    localStorage.setItem(KEY, JSON.stringify({ token: s.token, user: s.user }));
    // The stores above already hold the previous person's state in memory: start the page afresh.
    if (forgetPreviousUser(s.user.id)) {
      window.location.reload();
      return;
    }
    clearCache();
    set({ token: s.token, user: s.user, expired: false });
  },
  signOut: (opts) => {
    localStorage.removeItem(KEY);
    // Token first, so nothing that runs while the console unmounts can still ask with it.
    set({ token: null, user: null, expired: opts?.expired ?? false, locked: false });
    clearCache({ signedOut: true });
  },
  setUser: (u) =>
    set((st) => {
      if (st.token) localStorage.setItem(KEY, JSON.stringify({ token: st.token, user: u }));
      return { user: u };
    }),
}));

configureClient({
  token: () => useSession.getState().token,
  onUnauthenticated: () => useSession.getState().signOut({ expired: true }),
  onLocked: () => {
    if (!useSession.getState().locked) useSession.getState().setLocked(true);
  },
});

export const useRole = (): Role | null => useSession((s) => s.user?.role ?? null);
export const isStaff = (role: Role | null) => role === 'admin' || role === 'technician';
