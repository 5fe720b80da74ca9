/** One store interface for the central server, implemented on embedded SQLite and on PostgreSQL. */
import type { Change, LeaseResponse, OpResult } from '../../shared/sync/wire';
import type { RecordState } from '../../shared/sync/merge';

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
  createdAt: string;
  lastSeenAt: string;
}

/** Work done inside one serialised push transaction. */
export interface SyncTx {
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
  seenOps(deviceId: string, seqs: number[]): Promise<Map<number, OpResult>>;
  /** Writes records in the given order, each at the next change-log position. */
  writeRecords(recs: StoredRecord[]): Promise<void>;
  saveOpResults(deviceId: string, results: OpResult[]): Promise<void>;
  /** Allocates the next free number for a prefix (used to replace provisional or clashing numbers). */
  nextNumber(prefix: string): Promise<number>;
  /** Makes sure later allocations start after `n`. */
  bumpCounter(prefix: string, n: number): Promise<void>;
  /** Every lease for these prefixes (a small table: one row per block handed out). */
  leasesFor(prefixes: string[]): Promise<{ prefix: string; first: number; last: number; deviceId: string }[]>;
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
  pull(scopes: string[] | null, cursor: number, limit: number, opts?: { compactClocks?: boolean }): Promise<{ changes: Change[]; cursor: number; hasMore: boolean }>;
  headSeq(): Promise<number>;
  lease(deviceId: string, prefix: string, count: number): Promise<LeaseResponse>;

  countUsers(): Promise<number>;
  createUser(u: ServerUser): Promise<void>;
  findUser(username: string): Promise<ServerUser | null>;
  getUser(id: string): Promise<ServerUser | null>;
  /** Replaces the sites a user's devices receive (null = every site); false when no such user. */
  setUserSites(id: string, sites: string[] | null): Promise<boolean>;
  upsertDevice(d: { id: string; userId: string; name: string; now: string }): Promise<Device>;
  getDevice(id: string): Promise<Device | null>;
  revokeDevice(id: string): Promise<boolean>;
  saveRefresh(hash: string, deviceId: string, userId: string, expiresAt: string): Promise<void>;
  /** Consumes a refresh token (rotation): returns its owner once, then never again. */
  takeRefresh(hash: string, now: string): Promise<{ deviceId: string; userId: string } | null>;
  /** A per-installation secret for signing access tokens, shared by every instance. */
  secret(): Promise<string>;

  /** Tells every instance (LISTEN/NOTIFY on PostgreSQL) that the change log moved. */
  announce(seq: number): Promise<void>;
  onAnnounce(listener: (seq: number) => void): void;
  close(): Promise<void>;
}
