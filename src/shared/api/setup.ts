import { z } from 'zod';
import { call } from './contract';
import { trimmed } from './common';

/** The password of every person the sample data adds, so a trial can sign in as a technician or an auditor. */
export const SAMPLE_PASSWORD = 'outpost-sample';

export const username = z
  .string()
  .trim()
  .toLowerCase()
  .min(2, { message: 'Username must be at least 2 characters.' })
  .max(64)
  .regex(/^[a-z0-9._@-]+$/, { message: 'Username may use letters, digits and . _ @ - only.' });
export const password = z
  .string()
  .min(8, { message: 'Password must be at least 8 characters.' })
  .max(256, { message: 'Password must be at most 256 characters.' });

export interface SessionInfo {
  token: string;
  user: UserSummary;
  expiresAt: string;
}

export interface UserSummary {
  id: string;
  username: string;
  displayName: string;
  role: 'admin' | 'technician' | 'auditor' | 'requester';
  siteIds: string[];
}

export interface LockState {
  locked: boolean;
  /** The team's idle time in minutes (0: the console never locks by itself). */
  idleLockMinutes: number;
  /** Who is signed in, so the lock screen can greet them. */
  displayName: string;
  username: string;
}

export interface SetupStatus {
  initialized: boolean;
  organisation: string | null;
  version: string;
  /** Whether this device's store is encrypted at rest (a plain store shows a warning). */
  encrypted: boolean;
  /** Set when this device wiped itself because the server reported it lost: when, and the server's words. */
  wiped: { at: string; reason: string } | null;
}

export const setupCalls = {
  'setup.status': call<SetupStatus>()(z.object({}).strict().default({}), 'public'),
  'setup.init': call<SessionInfo>()(
    z
      .object({
        organisation: z.string().trim().max(120).optional(),
        admin: z
          .object({
            username,
            displayName: trimmed(120, 'Display name'),
            password,
          })
          .strict(),
        site: z.object({ name: trimmed(120, 'Site name'), code: z.string().trim().max(16).optional() }).strict(),
        /** Sample sites, groups, people (who sign in with SAMPLE_PASSWORD) and tickets. */
        sampleData: z.boolean().default(false),
      })
      .strict(),
    'public',
    { mutates: true },
  ),
  /**
   * First run on a device of an existing team: sign in to the team's server, pull its sites,
   * people and settings, and start as the person's own synced account (no local administrator).
   */
  'setup.join': call<SessionInfo>()(
    z
      .object({
        serverUrl: z
          .string()
          .trim()
          .url({ message: 'The server address must be a URL such as http://server:4800.' })
          .refine((u) => /^https?:\/\//i.test(u), { message: 'The server address must start with http:// or https://.' }),
        username: z.string().trim().toLowerCase().min(1, { message: 'Username is required.' }).max(64),
        password: z.string().min(1, { message: 'Password is required.' }).max(256),
      })
      .strict(),
    'public',
    { mutates: true },
  ),
};

export const sessionCalls = {
  'session.login': call<SessionInfo>()(
    z.object({ username: z.string().trim().toLowerCase().min(1).max(64), password: z.string().min(1).max(256) }).strict(),
    'public',
  ),
  'session.logout': call<{ done: true }>()(z.object({}).strict().default({}), 'any'),
  'session.me': call<UserSummary>()(z.object({}).strict().default({}), 'any'),
  /** Whether the console is locked, and the team's idle time (answered while locked). */
  'session.lockState': call<LockState>()(z.object({}).strict().default({}), 'any'),
  /** The window saw the person at the console (keys, pointer): the idle time starts again. */
  'session.activity': call<{ locked: false }>()(z.object({}).strict().default({}), 'any'),
  /** Locks the console now; only session.unlock (with the password) or signing out goes on from there. */
  'session.lock': call<{ locked: true }>()(z.object({}).strict().default({}), 'any'),
  'session.unlock': call<{ locked: false }>()(z.object({ password: z.string().min(1, { message: 'Enter your password.' }).max(256) }).strict(), 'any'),
  'session.changePassword': call<{ done: true }>()(
    z.object({ current: z.string().min(1).max(256), next: password }).strict(),
    'any',
    { mutates: true },
  ),
};
