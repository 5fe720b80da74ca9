/** One store interface for the central server, implemented on embedded SQLite and on PostgreSQL. */
import type { AuditAnchor, Change, LeaseResponse, OpResult } from '../../shared/sync/wire';
import type { RecordState } from '../../shared/sync/merge';
import type { PortalChild } from './portal-reads';

export interface StoredRecord extends RecordState {
  /** Change-log position of the record's latest write (0 until written). */
  seq: number;
  /** For long-text fields: the change-log position of their last write; 0 = "this write". */
  fieldSeq: Record<string, number>;
  /** Sites this write moved the record out of (logged so those sites' devices drop it). */
  movedFrom?: string[];
}

export interface ServerUser {
  id: string;
  username: string;
  passwordHash: string;
  role: 'admin' | 'technician' | 'auditor' | 'requester';
  /** Site ids the user's devices receive; null = every site. */
  sites: string[] | null;
  active: boolean;
}

export interface Device {
  id: string;
  userId: string;
  name: string;
  revoked: boolean;
  /** When an administrator reported the device lost (it is revoked too); null otherwise. */
  lostAt: string | null;
  createdAt: string;
  lastSeenAt: string;
}

export interface AuthSession {
  id: string;
  deviceId: string;
  userId: string;
  revoked: boolean;
  createdAt: string;
}

export interface ThrottleState {
  key: string;
  failures: number;
  lastFailureMs: number;
  lockedUntilMs: number;
}

/** What a push reads before judging its ops (under the push lock). */
export interface PushReads {
  deviceId: string;
  /** The batch's sequence numbers: answers already given to them. */
  seqs: number[];
  /** The batch's op ids: answers already given to them under any device id. */
  opIds: string[];
  /** Records the ops name (their own and their parents'). */
  keys: { entity: string; id: string }[];
  /** Numbers new records carry: who holds each. */
  numbers: string[];
  /** Prefixes of those numbers: the leases handed out for them. */
  prefixes: string[];
}

export interface PushReadsResult {
  seen: Map<number, OpResult & { opId?: string | null }>;
  /** Answers by op id (looked up for every op of the batch; only consulted for ops not in `seen`). */
  seenIds: Map<string, OpResult & { opId?: string | null }>;
  records: Map<string, StoredRecord>;
  numberOwner: Map<string, string>;
  leases: { prefix: string; first: number; last: number; deviceId: string }[];
  maxHlc: string;
}

/** What a push writes once its ops are judged (the last work of its transaction). */
export interface PushWrites {
  deviceId: string;
  /** Written in this order, each at the next change-log position (as writeRecords). */
  records: StoredRecord[];
  /** Records whose updated_at moves forward in place (as touchUpdatedAt). */
  touched: { entity: string; id: string; updatedAt: string }[];
  results: (OpResult & { opId: string })[];
  /** Later allocations start after each (as bumpCounter). */
  counters: { prefix: string; n: number }[];
  maxHlc: string;
  /**
   * The push's announcement (see ServerStore.announce; `scopes` undefined = every stream), when the
   * caller wants it sent with the commit. A store that cannot says so (`announced: false`), and the
   * caller announces after.
   */
  announce?: { scopes?: string[] };
}

/** Work done inside one serialised push transaction. */
export interface SyncTx {
  /**
   * Everything a push reads before judging its ops: on PostgreSQL one round trip (sent with the
   * transaction's start and the push lock), elsewhere the single reads below.
   */
  readForPush(q: PushReads): Promise<PushReadsResult>;
  /**
   * Everything a push writes, ending the push: on PostgreSQL one round trip with the commit. Nothing
   * may be read or written through this transaction after it. Returns the change-log head after it,
   * and whether the announcement went out with the commit.
   */
  writeForPush(w: PushWrites): Promise<{ head: number; announced: boolean }>;
  loadRecords(keys: { entity: string; id: string }[]): Promise<Map<string, StoredRecord>>;
  /** Every open ticket not deleted: a change of the team's priority matrix re-derives their priority. */
  openTickets(): Promise<StoredRecord[]>;
  /**
   * Child rows of one record (rows of each listed type whose `field` names `parentId`): a ticket's
   * comments, worklogs and history follow it when it moves site.
   */
  childrenOf(children: { entity: string; field: string }[], parentId: string): Promise<StoredRecord[]>;
  /** Ticket number → id of the ticket holding it. */
  findNumbers(numbers: string[]): Promise<Map<string, string>>;
  /** Answers already given to these sequence numbers of the device, with the op id each answered. */
  seenOps(deviceId: string, seqs: number[]): Promise<Map<number, OpResult & { opId?: string | null }>>;
  /** Answers already given to these op ids, under any device id. */
  seenOpIds(opIds: string[]): Promise<Map<string, OpResult & { opId?: string | null }>>;
  /**
   * Moves a stored record's updated_at forward in place (not a new change-log position): a ticket
   * whose comment arrived, which every device updates itself on receiving the comment.
   */
  touchUpdatedAt(records: { entity: string; id: string; updatedAt: string }[]): Promise<void>;
  /** Writes records in the given order, each at the next change-log position. */
  writeRecords(recs: StoredRecord[]): Promise<void>;
  saveOpResults(deviceId: string, results: (OpResult & { opId: string })[]): Promise<void>;
  /** Allocates the next free number for a prefix (used to replace provisional or clashing numbers). */
  nextNumber(prefix: string): Promise<number>;
  /** Makes sure later allocations start after `n`. */
  bumpCounter(prefix: string, n: number): Promise<void>;
  /** Every lease for these prefixes (a small table: one row per block handed out). */
  leasesFor(prefixes: string[]): Promise<{ prefix: string; first: number; last: number; deviceId: string }[]>;
  /** Whether the record left `fromScope` after change-log position `after` (a move its author had not pulled). */
  movedOutAfter(entity: string, id: string, fromScope: string, after: number): Promise<boolean>;
  getMaxHlc(): Promise<string>;
  setMaxHlc(hlc: string): Promise<void>;
}

export const recordKey = (entity: string, id: string) => `${entity}/${id}`;

export interface ServerStore {
  readonly kind: 'sqlite' | 'postgres';
  migrate(): Promise<void>;
  /** Runs `fn` in one transaction; pushes are serialised so change-log order is commit order. */
  withSyncTx<T>(fn: (tx: SyncTx) => Promise<T>): Promise<T>;
  /**
   * A page of the change log after `cursor`. `compactClocks`: each change's fieldHlc may hold "*"
   * for every data field and the scope without an entry of its own (devices that ask for it expand
   * it; see expandFieldHlc), which halves the page.
   */
  /**
   * `reader`: the person pulling, whose devices also hear of records that left their view (see
   * store/moves.ts readerView), of the record types they read by being named on them only.
   */
  pull(
    scopes: string[] | null,
    cursor: number,
    limit: number,
    opts?: { compactClocks?: boolean; reader?: { id: string; entities: readonly string[] } },
  ): Promise<{ changes: Change[]; cursor: number; hasMore: boolean }>;
  headSeq(): Promise<number>;
  /** Records by key outside a push (the pull filter reads the tickets that comments belong to). */
  readRecords(keys: { entity: string; id: string }[]): Promise<Map<string, StoredRecord>>;
  /**
   * The requester portal's reads (store/portal-reads.ts), each through an index, never the change
   * log: the person's own tickets; the comments or history of the listed tickets; the live records
   * of one small type (catalogue items, knowledge articles, SLA policies, sites). None deleted; the
   * caller cuts them by the pull filter's rules.
   */
  requesterTickets(requesterId: string): Promise<StoredRecord[]>;
  ticketChildren(entity: PortalChild, ticketIds: string[]): Promise<StoredRecord[]>;
  liveRecordsOf(entity: string): Promise<StoredRecord[]>;
  /** The team's `users` record (not deleted) with this username, if any. */
  findProfileId(username: string): Promise<string | null>;
  /** Hands out the next `count` numbers, or null when that would pass `max` (the format's last number). */
  lease(deviceId: string, prefix: string, count: number, max: number): Promise<LeaseResponse | null>;
  /** Numbers leased to the device (its latest blocks) that no ticket holds yet. */
  outstandingLeased(deviceId: string, prefix: string): Promise<number>;

  countUsers(): Promise<number>;
  createUser(u: ServerUser): Promise<void>;
  findUser(username: string): Promise<ServerUser | null>;
  getUser(id: string): Promise<ServerUser | null>;
  /** Replaces the sites a user's devices receive (null = every site); false when no such user. */
  setUserSites(id: string, sites: string[] | null): Promise<boolean>;
  /** Changes a user's role; false when no such user. */
  setUserRole(id: string, role: ServerUser['role']): Promise<boolean>;
  /** `forkedFrom`: the device whose copied store this one continues (set once, when it registers). */
  upsertDevice(d: { id: string; userId: string; name: string; now: string; forkedFrom?: string }): Promise<Device>;
  getDevice(id: string): Promise<Device | null>;
  /**
   * Revokes the device; with `withCopies`, also every device forked from the same store (copies of
   * it and what it was copied from): a copy of a lost laptop's store must not outlive the laptop's
   * revocation. False when no such device.
   */
  revokeDevice(id: string, withCopies?: boolean): Promise<boolean>;
  /**
   * Records the device lost at `at` (kept on a second report) and revokes it with every device
   * forked from the same store, as `revokeDevice(id, true)` does; false when no such device.
   */
  markDeviceLost(id: string, at: string): Promise<boolean>;
  /** Every device, newest contact first (for `npm run server -- device list`). */
  listAllDevices(): Promise<Device[]>;
  saveRefresh(hash: string, deviceId: string, userId: string, expiresAt: string): Promise<void>;
  /** Consumes a refresh token (rotation): returns its owner once, then never again. */
  takeRefresh(hash: string, now: string): Promise<{ deviceId: string; userId: string } | null>;
  /** A per-installation secret for signing access tokens, shared by every instance. */
  secret(): Promise<string>;

  /** Every account, by username (for `npm run server -- user list`). */
  listUsers(): Promise<ServerUser[]>;
  /** False when no such user. */
  setUserActive(id: string, active: boolean): Promise<boolean>;
  /** False when no such user. */
  setUserPassword(id: string, passwordHash: string): Promise<boolean>;
  /** Revokes every device of the user and every sign-in session; returns how many devices were revoked. */
  revokeUserDevices(userId: string): Promise<number>;
  /** The user's devices, newest first. */
  listDevices(userId: string): Promise<Device[]>;

  /** A device's sign-in session: the family of its refresh tokens. */
  createSession(s: { id: string; deviceId: string; userId: string; now: string }): Promise<void>;
  getSession(id: string): Promise<AuthSession | null>;
  /**
   * What every authenticated request checks, read together (one round trip on PostgreSQL): the
   * device, the user, the session (when named) and the id synced records name the user by (their
   * team `users` record, as findProfileId; null when there is none).
   */
  standing(ids: { deviceId: string; userId: string; sessionId: string | null }): Promise<{ device: Device | null; user: ServerUser | null; session: AuthSession | null; profileId: string | null }>;
  /**
   * Marks sessions revoked: one (`sessionId`), a device's, or a user's (but `exceptSessionId`).
   * Their unused refresh tokens die with them. Returns how many sessions changed.
   */
  revokeSessions(where: { sessionId?: string; deviceId?: string; userId?: string; exceptSessionId?: string }): Promise<number>;
  saveSessionRefresh(hash: string, sessionId: string, expiresAt: string): Promise<void>;
  /**
   * Spends a refresh token: its session, and `reused` when it had been spent before (the caller
   * then revokes the session). Null when unknown or expired. Also forgets expired tokens.
   */
  useSessionRefresh(hash: string, now: string): Promise<{ sessionId: string; reused: boolean } | null>;

  /** Sign-in throttle counters for these keys (missing keys have none). */
  throttleState(keys: string[]): Promise<ThrottleState[]>;
  /**
   * Counts one failed sign-in for `key` (starting again from 1 when the last failure is older than
   * `forgetBeforeMs`) and locks it until `lockUntil(failures)`; returns the new state.
   */
  recordLoginFailure(key: string, nowMs: number, forgetBeforeMs: number, lockUntil: (failures: number) => number): Promise<ThrottleState>;
  clearLoginFailures(key: string): Promise<void>;

  saveLiveTicket(hash: string, sessionId: string, expiresAt: string): Promise<void>;
  /** Consumes a live-stream ticket: its session once, then never again (null when unknown or expired). */
  takeLiveTicket(hash: string, now: string): Promise<string | null>;

  /**
   * Keeps a device's audit chain anchor, unless it contradicts the last one acknowledged for that
   * device: a shorter chain, or another head at the same length. Returns the anchor now held (the
   * same one again when it was already acknowledged) or the refusal with the last acknowledged one.
   */
  acknowledgeAuditAnchor(deviceId: string, anchor: { head: string; length: number }, at: string): Promise<{ ok: true; anchor: AuditAnchor } | { ok: false; reason: 'shorter' | 'differs'; last: AuditAnchor }>;
  /** The anchors acknowledged for a device, newest (longest) first. */
  auditAnchors(deviceId: string, limit: number): Promise<AuditAnchor[]>;

  /** A stored evidence blob's size, or null when the server does not hold it. */
  blobSize(sha256: string): Promise<number | null>;
  /** The blob's bytes, or null. */
  readBlob(sha256: string): Promise<Buffer | null>;
  /** How much of this device's unfinished upload of the blob the server holds. */
  blobUpload(sha256: string, deviceId: string): Promise<{ size: number; received: number } | null>;
  /**
   * Appends a chunk at `offset` to the device's upload (starting it at offset 0); answers the bytes
   * now held, or the bytes held before when `offset` is not where the upload stands (nothing written).
   */
  appendBlobUpload(sha256: string, deviceId: string, size: number, offset: number, chunk: Buffer, at: string): Promise<{ ok: boolean; received: number }>;
  /** The whole upload's bytes (the caller checks the hash), and forgets the upload. */
  takeBlobUpload(sha256: string, deviceId: string): Promise<Buffer | null>;
  /** Keeps a checked blob (once: a second copy of the same hash is not stored). */
  saveBlob(sha256: string, data: Buffer, at: string): Promise<void>;
  /** Evidence records (not deleted) naming this blob: who may download it is read from them. */
  evidenceNaming(sha256: string): Promise<StoredRecord[]>;
  /** Whether the blob was uploaded, every byte, as a picture of this knowledge article (kb_article_pictures). */
  isArticlePicture(sha256: string, articleId: string): Promise<boolean>;
  /** Keeps a checked picture (once per hash) and records it as a picture of the article, together. */
  saveArticlePicture(sha256: string, articleId: string, data: Buffer, uploadedBy: string, at: string): Promise<void>;

  /**
   * Reserves `count` consecutive values of a counter the server keeps for a device it writes for
   * (the portal: `seq` for its ops' sequence numbers, `provisional` for new tickets' provisional
   * numbers) and returns the first, starting at 1. Atomic across instances sharing the store.
   */
  reserveDeviceCounter(deviceId: string, what: 'seq' | 'provisional', count: number): Promise<number>;

  /**
   * Tells every instance (LISTEN/NOTIFY on PostgreSQL) that the change log moved. `scopes`: the sites
   * (or `global`) a push wrote to; only live streams that read one of them are poked. Without them
   * (an account, device or session changed, or a push too wide to list) every stream is poked and
   * re-checks at once that its device, user and session may still listen.
   */
  announce(seq: number, scopes?: readonly string[]): Promise<void>;
  /** `scopes` is null when every stream is meant (see announce). */
  onAnnounce(listener: (seq: number, scopes: string[] | null) => void): void;
  close(): Promise<void>;
}
