/** What travels between a device and the central server: ops, push and pull batches, and their replies. */
import { z } from 'zod';

export const OP_KINDS = ['create', 'setFields', 'transition', 'append', 'setAdd', 'setRemove', 'delete', 'restore'] as const;
export type WireOpKind = (typeof OP_KINDS)[number];

/** Schema versions of ops this code understands; the server accepts this window of clients. */
export const SYNC_SCHEMA_MIN = 1;
export const SYNC_SCHEMA_MAX = 1;
/** A push body above this is refused with 413 before parsing; clients cut their batches below it. */
export const MAX_PUSH_BYTES = 1024 * 1024;
export const MAX_PUSH_OPS = 5000;
export const DEFAULT_PULL_LIMIT = 2000;
export const MAX_PULL_LIMIT = 5000;

const HLC_RE = /^\d{15}:[0-9a-f]{8}$/;
const ident = z.string().regex(/^[a-z][a-z0-9_]{0,62}$/, { message: 'Record type names are lower-case words.' });
const key = z.string().min(1).max(80).regex(/^[A-Za-z0-9._:@-]+$/, { message: 'Ids use letters, digits and . _ : @ - only.' });

export const wireOp = z
  .object({
    opId: key,
    deviceSeq: z.number().int().positive(),
    hlc: z.string().regex(HLC_RE, { message: 'Clock values look like 000001700000000:00000000.' }),
    schemaVersion: z.number().int().positive(),
    kind: z.enum(OP_KINDS),
    entity: ident,
    recordId: key,
    scopeId: key,
    payload: z.record(z.string(), z.unknown()),
    createdAt: z.string().max(40),
  })
  .strict();
export type WireOp = z.infer<typeof wireOp>;

export const auditAnchor = z
  .object({
    head: z.string().regex(/^[0-9a-f]{64}$/, { message: 'An audit chain head is a SHA-256 hash in hex.' }),
    length: z.number().int().min(1),
  })
  .strict();

export const pushRequest = z
  .object({
    deviceId: key,
    clientVersion: z.string().max(40),
    schemaVersion: z.number().int().positive(),
    /** The pull cursor the device had applied when it sent this batch: tells concurrent edits apart. */
    cursor: z.number().int().min(0),
    ops: z.array(wireOp).max(MAX_PUSH_OPS),
    /**
     * The device's audit chain when it sent this batch: the hash of its newest event and how many
     * events the chain holds. The server keeps it as an anchor (see AuditAnchorReply). Optional:
     * older devices push without it.
     */
    audit: auditAnchor.optional(),
  })
  .strict();
export type PushRequest = z.infer<typeof pushRequest>;

/** An audit chain anchor the server acknowledged: the chain held `length` events, the last with hash `head`. */
export interface AuditAnchor {
  head: string;
  length: number;
  /** When the server acknowledged it (ISO time, the server's clock). */
  at: string;
}

/**
 * The server's answer to the anchor a push carried. `refused`: the anchor contradicts the last one
 * the server acknowledged for this device (a shorter chain, or another head at the same length);
 * `last` is that acknowledged anchor. A refusal never stops the push's ops from being answered.
 */
export type AuditAnchorReply = ({ status: 'acknowledged' } & AuditAnchor) | { status: 'refused'; reason: string; last: AuditAnchor };

export const OP_STATUSES = ['applied', 'merged', 'conflict', 'rejected'] as const;
export type OpStatus = (typeof OP_STATUSES)[number];

export interface OpResult {
  deviceSeq: number;
  status: OpStatus;
  /** Why an op was rejected or what the conflict was, in words for IT staff. */
  reason?: string;
  /** The server stored the op under another clock than it carried: it ran too far ahead (clamped), or it was not after the device's own earlier write of the record. */
  clamped?: boolean;
}

export interface PushResponse {
  results: OpResult[];
  /** The highest clock the server has seen: the device advances its clock to at most this. */
  serverHlc: string;
  /**
   * Sequence numbers this device already used for other changes (its store was copied or restored
   * from a backup). Those ops and every later one in the batch were not answered: the device takes
   * a new device id and sends them again.
   */
  seqClash?: number[];
  /** The answer to the push's `audit` anchor (absent when the push carried none, or on a clash). */
  auditAnchor?: AuditAnchorReply;
}

/** GET /sync/audit-anchors: the anchors the server acknowledged for a device, newest first. */
export interface AuditAnchorHistory {
  deviceId: string;
  anchors: AuditAnchor[];
}

/** One record's merged state as the server holds it, shipped by pull. */
export const change = z
  .object({
    seq: z.number().int().positive(),
    entity: ident,
    id: key,
    scopeId: key,
    data: z.record(z.string(), z.unknown()),
    fieldHlc: z.record(z.string(), z.string()),
    deletedHlc: z.string().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .strict();
export type Change = z.infer<typeof change>;

export const pullResponse = z
  .object({
    from: z.number().int().min(0),
    cursor: z.number().int().min(0),
    hasMore: z.boolean(),
    changes: z.array(change),
    /** The sites the user's devices receive now (null = every site); a device drops sites no longer listed. */
    scopes: z.array(key).nullable().optional(),
    /** The role the pull was filtered for; a device whose role changed reads everything again. */
    role: z.enum(['admin', 'technician', 'auditor', 'requester']).optional(),
  })
  .strict();
export type PullResponse = z.infer<typeof pullResponse>;

export const loginRequest = z
  .object({
    username: z.string().trim().toLowerCase().min(1).max(64),
    password: z.string().min(1).max(256),
    deviceId: key,
    deviceName: z.string().trim().min(1).max(120).default('device'),
  })
  .strict();
export type LoginRequest = z.infer<typeof loginRequest>;

export interface TokenPair {
  accessToken: string;
  refreshToken: string;
  /** Seconds until the access token expires. */
  expiresIn: number;
  /** `personId`: the id synced records name this person by (their team record), when it is not the account id. */
  user: { id: string; username: string; role: string; sites: string[] | null; personId?: string };
  deviceId: string;
}

export const refreshRequest = z.object({ refreshToken: z.string().min(10).max(200) }).strict();
/** A device whose store was copied or restored takes a new id (see the push reply's seqClash). */
export const forkDeviceRequest = z.object({ deviceId: key, deviceName: z.string().trim().min(1).max(120).default('device') }).strict();
export const revokeRequest = z.object({ deviceId: key }).strict();
export const leaseRequest = z
  .object({ deviceId: key, prefix: z.string().regex(/^[A-Z]{2,5}$/), count: z.number().int().min(1).max(10000) })
  .strict();
export interface LeaseResponse {
  prefix: string;
  first: number;
  last: number;
}

export const createServerUserRequest = z
  .object({
    username: z.string().trim().toLowerCase().min(2).max(64).regex(/^[a-z0-9._@-]+$/, { message: 'Usernames use letters, digits and . _ @ - only.' }),
    password: z.string().min(8, { message: 'Passwords need at least 8 characters.' }).max(256),
    role: z.enum(['admin', 'technician', 'auditor', 'requester']),
    /** Site ids this user's devices receive; omit for every site. */
    sites: z.array(key).max(1000).nullable().default(null),
  })
  .strict();

/** An administrator changes a user's role; their devices receive what the new role may read. */
export const setUserRoleRequest = z
  .object({ username: z.string().trim().toLowerCase().min(1).max(64), role: z.enum(['admin', 'technician', 'auditor', 'requester']) })
  .strict();

/** An administrator changes which sites a user's devices receive (null = every site). */
export const setUserSitesRequest = z
  .object({
    username: z.string().trim().toLowerCase().min(1).max(64),
    sites: z.array(key).max(1000).nullable(),
  })
  .strict();

/** An administrator deactivates a server account (its devices and sessions are revoked with it). */
export const deactivateUserRequest = z.object({ userId: key }).strict();

/** An administrator sets a new password for a server account. */
export const resetPasswordRequest = z
  .object({ userId: key, password: z.string().min(8, { message: 'Passwords need at least 8 characters.' }).max(256) })
  .strict();

/** A signed-in user changes their own server password. */
export const changePasswordRequest = z
  .object({ current: z.string().min(1).max(256), next: z.string().min(8, { message: 'Passwords need at least 8 characters.' }).max(256) })
  .strict();

/** A one-minute, single-use ticket for GET /sync/live?ticket=… (where no Authorization header can be sent). */
export interface LiveTicket {
  ticket: string;
  expiresIn: number;
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Checks a pull page. Hand-written rather than zod: an initial sync reads hundreds of thousands of
 * records and a schema walk over every field of each costs more than applying them.
 */
export function parsePullResponse(v: unknown): { ok: true; value: PullResponse } | { ok: false; message: string } {
  if (!isObj(v)) return { ok: false, message: 'the page is not an object' };
  const { from, cursor, hasMore, changes } = v;
  if (!Number.isInteger(from) || !Number.isInteger(cursor) || typeof hasMore !== 'boolean' || !Array.isArray(changes)) return { ok: false, message: 'the page header is malformed' };
  for (let i = 0; i < changes.length; i++) {
    const c: unknown = changes[i];
    if (!isObj(c)) return { ok: false, message: `change ${i} is not an object` };
    if (!Number.isInteger(c.seq) || typeof c.entity !== 'string' || !/^[a-z][a-z0-9_]{0,62}$/.test(c.entity) || typeof c.id !== 'string' || typeof c.scopeId !== 'string') {
      return { ok: false, message: `change ${i} has a malformed key` };
    }
    if (!isObj(c.data) || !isObj(c.fieldHlc) || (c.deletedHlc !== null && typeof c.deletedHlc !== 'string') || typeof c.createdAt !== 'string' || typeof c.updatedAt !== 'string') {
      return { ok: false, message: `change ${i} (${c.entity} ${c.id}) is malformed` };
    }
    for (const k in c.data) {
      const x = c.data[k];
      if (x !== null && typeof x !== 'string' && typeof x !== 'number' && typeof x !== 'boolean') return { ok: false, message: `${c.entity}.${k} is not a plain value` };
    }
    for (const k in c.fieldHlc) if (typeof c.fieldHlc[k] !== 'string') return { ok: false, message: `${c.entity} clock for ${k} is malformed` };
  }
  if (v.scopes !== undefined && v.scopes !== null && (!Array.isArray(v.scopes) || v.scopes.some((s) => typeof s !== 'string'))) return { ok: false, message: 'the site list is malformed' };
  return { ok: true, value: v as unknown as PullResponse };
}
