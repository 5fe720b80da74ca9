/** Sync with a central server (join, sync now, status, leave) and the conflicts inbox. */
import { z } from 'zod';
import { call, STAFF, ALL_ROLES, ADMIN } from './contract';
import { empty } from './common';
import { CONFLICT_KINDS } from '../sync/entities';

export type SyncState = 'standalone' | 'offline' | 'syncing' | 'synced' | 'error';

export interface SyncStatus {
  state: SyncState;
  /** Local changes not yet accepted by the server. */
  pending: number;
  lastSyncedAt: string | null;
  /** Why the last sync failed, in words for IT staff. */
  error: string | null;
  serverUrl: string | null;
  deviceId: string;
  deviceName: string;
  username: string | null;
  /** Open conflicts waiting for a decision. */
  conflicts: number;
  cursor: number;
  /** Ops the server refused (acknowledged so they never block the queue). */
  rejected: number;
  /** Per leased prefix (INC, REQ): the numbers this device holds for offline work (empty when not joined). */
  numbers: NumberReserve[];
}

export interface NumberReserve {
  prefix: string;
  /** Unused numbers left in the blocks the server leased this device. */
  remaining: number;
  /** The reserve the device keeps topped up while online: about two weeks of its own recent use. */
  reserve: number;
  /** Few numbers left: once they run out offline, new tickets get provisional numbers. */
  low: boolean;
  /** Tickets on this device still carrying a provisional number (they get a real one at the next sync). */
  provisional: number;
}

export interface SyncRun {
  pushed: number;
  pulled: number;
  rejected: number;
  conflicts: number;
}

export interface ConflictSide {
  value: string | null;
  device: string | null;
  stamp: string | null;
  /** When the side was written (from its clock). */
  at: string | null;
}

export interface ConflictItem {
  id: string;
  entity: string;
  recordId: string;
  /** A human label for the record, e.g. "INC0000123 Printer jam". */
  recordLabel: string;
  /** The site the record is in. */
  siteId: string;
  field: string;
  kind: ConflictKind;
  /** Settled by the newest write already (a contested field): shown to the person it overwrote, who may put their value back. */
  autoResolved: boolean;
  /** The losing value was this person's (on any device) or this device's. */
  lostByMe: boolean;
  /** The value this device wrote (or, when neither side was this device, the one that lost). */
  mine: ConflictSide;
  /** The other side. */
  theirs: ConflictSide;
  /** Which side the merge kept for now. */
  current: 'mine' | 'theirs';
  createdAt: string;
}

export type ConflictKind = (typeof CONFLICT_KINDS)[number];

export interface ConflictPage {
  items: ConflictItem[];
  /** Every conflict in the inbox under the same filters (the top bar counts the unfiltered inbox the same way). */
  total: number;
  /** Pass back for the next page; null on the last one. */
  nextCursor: string | null;
}

/** A local change the server refused: kept on the device until someone dismisses it. */
export interface RejectedItem {
  /** The op's id. */
  id: string;
  entity: string;
  recordId: string;
  recordLabel: string;
  siteId: string;
  /** What the change did, in words ("Edited", "Status change", "Added"...). */
  action: string;
  fields: { name: string; value: string | null }[];
  /** The server's reason, in words for IT staff. */
  reason: string;
  madeAt: string;
  rejectedAt: string;
}

const serverUrl = z
  .string()
  .trim()
  .url({ message: 'The server address must be a URL such as http://server:4800.' })
  .refine((u) => /^https?:\/\//i.test(u), { message: 'The server address must start with http:// or https://.' });

export const syncCalls = {
  'sync.join': call<SyncStatus>()(
    z.object({ serverUrl, username: z.string().trim().min(1, { message: 'Username is required.' }).max(64), password: z.string().min(1, { message: 'Password is required.' }).max(256) }).strict(),
    ADMIN,
    { mutates: true },
  ),
  'sync.now': call<SyncRun>()(empty, ALL_ROLES, { mutates: true }),
  'sync.status': call<SyncStatus>()(empty, ALL_ROLES),
  /** The window saw the network come back (its `online` event): the device tries the server at once. */
  'sync.online': call<SyncStatus>()(empty, ALL_ROLES),
  'sync.leave': call<SyncStatus>()(empty, ADMIN, { mutates: true }),
  'conflicts.list': call<ConflictPage>()(
    z
      .object({
        recordId: z.string().max(80).optional(),
        kind: z.enum(CONFLICT_KINDS, { message: `A conflict kind is one of ${CONFLICT_KINDS.join(', ')}.` }).optional(),
        entity: z.string().regex(/^[a-z][a-z0-9_]{0,63}$/, { message: 'A record type is a name such as tickets or assets.' }).optional(),
        siteId: z.string().min(1).max(80).optional(),
        lostBy: z.enum(['me', 'others', 'anyone'], { message: 'Lost by is "me", "others" or "anyone".' }).optional(),
        cursor: z.string().max(1000).nullable().optional(),
        limit: z.number().int().min(1, { message: 'A page holds at least 1 conflict.' }).max(500, { message: 'A page holds at most 500 conflicts.' }).optional(),
      })
      .strict()
      .default({}),
    STAFF,
  ),
  'conflicts.keepWinners': call<{ resolved: number; alreadySettled: number }>()(
    z
      .object({
        ids: z
          .array(z.string().min(1).max(80))
          .min(1, { message: 'Choose at least one conflict.' })
          .max(1000, { message: 'Keep the winner for at most 1,000 conflicts at a time.' }),
      })
      .strict(),
    STAFF,
    { mutates: true },
  ),
  'conflicts.rejected': call<{ items: RejectedItem[] }>()(empty, STAFF),
  'conflicts.dismiss': call<{ id: string; dismissed: true }>()(z.object({ id: z.string().min(1).max(80) }).strict(), STAFF, { mutates: true }),
  'conflicts.resolve': call<{ id: string; resolved: true }>()(
    z.object({ id: z.string().min(1).max(80), keep: z.enum(['mine', 'theirs'], { message: 'Choose "mine" or "theirs".' }) }).strict(),
    STAFF,
    { mutates: true },
  ),
};
